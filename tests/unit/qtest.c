/*
 * qtest.c: helpers shared by the queue reader tests (see qtest.h).
 */
#include "config.h"

#include <sys/stat.h>

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

#include "queue/queue.h"
#include "qtest.h"

const struct snap_queue *
qt_row(const struct queue_part *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nqueues; i++)
		if (strcmp(s->queues[i].name, name) == 0)
			return &s->queues[i];
	fail_msg("no queue row %s", name);
	return NULL;
}

uint64_t
qt_top_count(const struct snap_toplist *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].count;
	return 0;
}

char *
qt_path(const char *root, const char *fmt, ...)
{
	static char p[4][512];
	static int i;
	va_list ap;
	int n;

	i = (i + 1) % 4;
	n = snprintf(p[i], sizeof(p[i]), "%s/", root);
	va_start(ap, fmt);
	vsnprintf(p[i] + n, sizeof(p[i]) - (size_t)n, fmt, ap);
	va_end(ap);
	return p[i];
}

void
qt_rmtree(const char *root)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

void
qt_write(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	/* open() leaves out the umask's bits; the fault tests scan as
	 * nobody, who must be able to read exactly what the mode says */
	assert_int_equal(chmod(path, mode), 0);
}
