/*
 * test_probe_words.c: splitting a command line into words without a
 * shell (probe_words.c), the syntax documented in probe.h: blanks
 * separate words, '...' is literal, "..." is literal but for \" and \\,
 * a backslash outside quotes takes the next character, nothing expands,
 * and shell operators outside quotes are errors that say where.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"
#include "probe/probe.h"

/* Split line and compare with the expected words (NULL-terminated). */
static void
split_is(const char *line, const char *const *want)
{
	char **argv = NULL, err[256] = "";
	int n, i;

	n = probe_words_split(line, &argv, err, sizeof(err));
	if (n < 0)
		fail_msg("'%s': %s", line, err);
	for (i = 0; want[i] != NULL; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_int_equal(n, i);
	assert_null(argv[n]);
	probe_words_free(argv);
}

/* Expect an error whose text contains what. */
static void
split_fails(const char *line, const char *what)
{
	char **argv = NULL, err[256] = "";

	assert_int_equal(probe_words_split(line, &argv, err, sizeof(err)), -1);
	assert_null(argv);
	if (strstr(err, what) == NULL)
		fail_msg("'%s': error '%s' does not say '%s'", line, err, what);
}

static void
plain_words(void **state)
{
	(void)state;
	split_is("/usr/lib/nagios/plugins/check_disk -w 10% -c 5%",
	    (const char *[]){"/usr/lib/nagios/plugins/check_disk", "-w", "10%",
		"-c", "5%", NULL});
	split_is("  a\t b  ", (const char *[]){"a", "b", NULL});
	split_is("one", (const char *[]){"one", NULL});
}

static void
quotes(void **state)
{
	(void)state;
	/* single quotes: everything literal, backslashes too */
	split_is("echo 'a  b' 'c\\d'", (const char *[]){"echo", "a  b",
	    "c\\d", NULL});
	/* double quotes: \" and \\ are escapes, other backslashes stay */
	split_is("echo \"say \\\"hi\\\" \\\\ \\n\"",
	    (const char *[]){"echo", "say \"hi\" \\ \\n", NULL});
	/* quotes join with what touches them, as in sh */
	split_is("--opt='x y'z \"\"", (const char *[]){"--opt=x yz", "", NULL});
	/* operators inside quotes are just characters */
	split_is("sh -c 'echo a | wc -l; exit 3'",
	    (const char *[]){"sh", "-c", "echo a | wc -l; exit 3", NULL});
	/* a backslash outside quotes takes the next character */
	split_is("a\\ b \\|", (const char *[]){"a b", "|", NULL});
}

static void
no_expansion(void **state)
{
	(void)state;
	/* no globs, no ~, no variables (quoted $ is literal) */
	split_is("ls * ~ '$HOME'", (const char *[]){"ls", "*", "~", "$HOME",
	    NULL});
}

static void
errors(void **state)
{
	(void)state;
	split_fails("", "empty");
	split_fails("   ", "empty");
	split_fails("echo 'open", "unterminated ' at column 6");
	split_fails("echo \"open", "unterminated \" at column 6");
	split_fails("echo \\", "backslash at the end");
	split_fails("check | grep x", "'|' at column 7");
	split_fails("a && b", "'&' at column 3");
	split_fails("a; b", "';'");
	split_fails("a > /tmp/x", "'>'");
	split_fails("echo $HOME", "'$'");
	split_fails("echo `id`", "'`'");
	split_fails("(a)", "'('");
}

static void
limits(void **state)
{
	char line[8192], **argv = NULL, err[128];
	int i, n;

	(void)state;
	/* 256 words are fine, 257 are not */
	for (i = 0, n = 0; i < 256; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "w ");
	assert_int_equal(probe_words_split(line, &argv, err, sizeof(err)), 256);
	probe_words_free(argv);
	snprintf(line + n, sizeof(line) - (size_t)n, "w");
	split_fails(line, "more than 256 words");
	memset(line, 'x', 5000);
	line[5000] = '\0';
	split_fails(line, "longer than 4096");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_words),
		cmocka_unit_test(quotes),
		cmocka_unit_test(no_expansion),
		cmocka_unit_test(errors),
		cmocka_unit_test(limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
