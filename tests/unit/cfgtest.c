/*
 * cfgtest.c: shared helpers of the tests that load a configuration
 * (cfgtest.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/core.h"
#include "cfgtest.h"

static char path[64];

const char *
ct_write(const char *text)
{
	FILE *fp;
	int fd;

	strcpy(path, "/tmp/mh-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	return path;
}

void
ct_remove(void)
{
	if (path[0])
		unlink(path);
	path[0] = '\0';
}

struct conf *
ct_load(const char *text)
{
	char *err = NULL;
	struct conf *c = conf_load(ct_write(text), &err);

	if (c == NULL)
		fail_msg("%s", err);
	ct_remove();
	return c;
}

void
ct_expect_error(const char *text, int line, const char *want)
{
	char *err = NULL, prefix[128];
	const char *f = ct_write(text);
	struct conf *c = conf_load(f, &err);

	assert_null(c);
	assert_non_null(err);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", f, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, want))
		fail_msg("got '%s', want prefix '%s' and '%s'", err, prefix,
		    want);
	free(err);
	ct_remove();
}


char ct_dir[64];

int
ct_dir_setup(void **state)
{
	(void)state;
	strcpy(ct_dir, "/tmp/mh-ct-XXXXXX");
	assert_non_null(mkdtemp(ct_dir));
	return 0;
}

int
ct_dir_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ct_dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

const void *
ct_data(const struct part *p)
{
	assert_non_null(p);
	assert_non_null(p->data);
	return p->data;
}

struct part *
ct_once(const struct collector *col, struct conf *c)
{
	struct part *p;

	c->once = true;
	p = collect_run_one(col, conf_col_of(c, col)->cc, c);
	ct_data(p);
	return p;
}
