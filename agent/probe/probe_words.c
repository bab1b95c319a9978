/*
 * probe_words.c: split a command line into words without a shell, for
 * command checks. The syntax is a small, exact subset of the shell's
 * quoting (probe.h), with no expansion at all: a configuration line must
 * mean one argv, and nothing in it may be interpreted later. Shell
 * operators outside quotes are refused rather than passed on as words,
 * since an admin who wrote `a | b` meant a pipeline we do not run.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe_int.h"

#define WORDS_MAX 256		/* words in one command line */
#define LINE_MAX_LEN 4096	/* bytes in one command line */

void
probe_words_free(char **argv)
{
	char **a;

	if (argv == NULL)
		return;
	for (a = argv; *a != NULL; a++)
		free(*a);
	free(argv);
}

int
probe_words_split(const char *line, char ***argvp, char *err, size_t errlen)
{
	char **argv = NULL;
	struct strbuf w;
	size_t n = 0, i, len;
	bool inword = false;

	*argvp = NULL;
	if (line == NULL)
		line = "";
	len = strlen(line);
	if (len > LINE_MAX_LEN) {
		snprintf(err, errlen, "command longer than %d bytes",
		    LINE_MAX_LEN);
		return -1;
	}
	strbuf_init(&w);
	argv = xcalloc(WORDS_MAX + 1, sizeof(*argv));
	for (i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\0' || c == ' ' || c == '\t' || c == '\n' ||
		    c == '\r') {
			if (!inword)
				continue;
			if (n == WORDS_MAX) {
				snprintf(err, errlen, "more than %d words",
				    WORDS_MAX);
				goto fail;
			}
			argv[n++] = xstrndup(w.s ? w.s : "", w.len);
			strbuf_reset(&w);
			inword = false;
			continue;
		}
		inword = true;
		if (c == '\'') {
			size_t start = i;

			for (i++; i < len && line[i] != '\''; i++)
				strbuf_putc(&w, line[i]);
			if (i >= len) {
				snprintf(err, errlen,
				    "unterminated ' at column %zu", start + 1);
				goto fail;
			}
		} else if (c == '"') {
			size_t start = i;

			for (i++; i < len && line[i] != '"'; i++) {
				if (line[i] == '\\' && (line[i + 1] == '"' ||
				    line[i + 1] == '\\'))
					i++;
				strbuf_putc(&w, line[i]);
			}
			if (i >= len) {
				snprintf(err, errlen,
				    "unterminated \" at column %zu", start + 1);
				goto fail;
			}
		} else if (c == '\\') {
			if (i + 1 >= len) {
				snprintf(err, errlen,
				    "backslash at the end (column %zu)", i + 1);
				goto fail;
			}
			strbuf_putc(&w, line[++i]);
		} else if (strchr("|&;<>()$`", c) != NULL) {
			snprintf(err, errlen,
			    "'%c' at column %zu: no shell runs the command "
			    "(quote it, or run sh -c '...')", c, i + 1);
			goto fail;
		} else {
			strbuf_putc(&w, (char)c);
		}
	}
	strbuf_free(&w);
	if (n == 0) {
		snprintf(err, errlen, "empty command");
		free(argv);
		return -1;
	}
	*argvp = argv;
	return (int)n;
fail:
	strbuf_free(&w);
	probe_words_free(argv);
	return -1;
}
