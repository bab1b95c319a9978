/*
 * logtest.c: helpers of the log source tests (logtest.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"
#include "logs/logsrc.h"
#include "logtest.h"

void
lt_setup(struct lt *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/mh-logsrc.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
}

void
lt_clear(struct lt *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->lines[i]);
	t->n = 0;
}

void
lt_teardown(struct lt *t)
{
	char *cmd;

	if (t->src)
		logsrc_close(t->src);
	t->src = NULL;
	lt_clear(t);
	free(t->lines);
	free(t->ts);
	cmd = xasprintf("rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

const char *
lt_path(struct lt *t, const char *name)
{
	static char buf[3][256];
	static int i;

	i = (i + 1) % 3;
	if (name)
		snprintf(buf[i], sizeof(buf[i]), "%s/%s", t->dir, name);
	else
		snprintf(buf[i], sizeof(buf[i]), "%s", t->dir);
	return buf[i];
}

void
lt_append(struct lt *t, const char *name, const char *s, size_t n)
{
	int fd = open(lt_path(t, name), O_WRONLY | O_APPEND | O_CREAT, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, n), (ssize_t)n);
	close(fd);
}

void
lt_puts(struct lt *t, const char *name, const char *s)
{
	lt_append(t, name, s, strlen(s));
}

void
lt_open(struct lt *t, const char *name, struct logsrc_conf *c)
{
	char *why = NULL;

	c->path = lt_path(t, name);
	if (c->name == NULL)
		c->name = "test";
	t->src = logsrc_open(c, &why);
	if (t->src == NULL)
		print_error("logsrc_open: %s\n", why);
	assert_non_null(t->src);
}

void
lt_record(void *arg, const struct log_line *l)
{
	struct lt *t = arg;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->lines = xreallocarray(t->lines, t->cap, sizeof(*t->lines));
		t->ts = xreallocarray(t->ts, t->cap, sizeof(*t->ts));
	}
	t->ts[t->n] = l->ts;
	t->lines[t->n++] = xstrndup(l->text.p, l->text.n);
}

enum logsrc_rc
lt_read(struct lt *t, size_t lines)
{
	struct logsrc_budget b = { lines, 0 };

	return logsrc_read(t->src, lt_record, t, &b);
}

enum logsrc_rc
lt_drain(struct lt *t)
{
	enum logsrc_rc rc;
	int i = 0;

	while ((rc = lt_read(t, 0)) == LOGSRC_MORE)
		assert_true(++i < 100000);
	return rc;
}

void
lt_expect(struct lt *t, const char *const *want, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < t->n; i++)
		if (strcmp(t->lines[i], want[i]) != 0)
			break;
	if (i < n || i < t->n) {
		print_error("lines differ at %zu (got %zu, want %zu)\n", i,
		    t->n, n);
		for (i = 0; i < t->n || i < n; i++)
			print_error("  %zu: got '%.60s' want '%.60s'\n", i,
			    i < t->n ? t->lines[i] : "-",
			    i < n ? want[i] : "-");
		fail();
	}
	lt_clear(t);
}

void
lt_stats(struct lt *t, struct logsrc_stats *st)
{
	logsrc_stats(t->src, st);
}
