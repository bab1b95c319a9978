/*
 * qtest.h: what the queue reader tests (test_queue_*.c) share. Include
 * after cmocka.h and mailhealthd.h.
 */
#ifndef MH_QTEST_H
#define MH_QTEST_H

#include <sys/types.h>

/* The snapshot's row for queue name; fails the test if there is none. */
const struct snap_queue *qt_row(const struct queue_part *, const char *name);
/* The count of key in a top-N list, 0 if it is not listed. */
uint64_t qt_top_count(const struct snap_toplist *, const char *key);
/* "ROOT/rest"; the result is good for the next three calls. */
char *qt_path(const char *root, const char *fmt, ...) MH_PRINTF(2, 3);
/* rm -rf root; fails the test if that fails. */
void qt_rmtree(const char *root);
/* Write len bytes of data to path (created or truncated) with exactly
 * mode, whatever the umask; fails the test if that fails. */
void qt_write(const char *path, const void *data, size_t len, mode_t mode);

#endif
