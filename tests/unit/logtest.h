/*
 * logtest.h: what the log source tests (test_logsrc_*.c) share: a temp
 * dir, files written from the test, and a source whose lines are
 * recorded and compared. Include after cmocka.h and logs/logsrc.h.
 */
#ifndef MH_LOGTEST_H
#define MH_LOGTEST_H

struct lt {
	char dir[64];
	struct logsrc *src;
	char **lines;		/* texts delivered since the last lt_expect */
	size_t n, cap;
	int64_t *ts;		/* their time stamps */
};

/* a fresh temp dir (and an empty record) */
void lt_setup(struct lt *);
/* close the source, remove the dir */
void lt_teardown(struct lt *);
/* "DIR/name"; good for the next three calls */
const char *lt_path(struct lt *, const char *name);
/* append to DIR/name (created 0644), as one write */
void lt_append(struct lt *, const char *name, const char *s, size_t n);
void lt_puts(struct lt *, const char *name, const char *s);
/* open a source on DIR/name (NULL: the dir) with conf c (path set
 * here); fails the test if it cannot */
void lt_open(struct lt *, const char *name, struct logsrc_conf *c);
/* the callback that records lines (arg: the struct lt) */
void lt_record(void *arg, const struct log_line *);
/* one logsrc_read with a budget of `lines` (0: none) */
enum logsrc_rc lt_read(struct lt *, size_t lines);
/* read until the source is not LOGSRC_MORE; returns the last rc */
enum logsrc_rc lt_drain(struct lt *);
/* the lines delivered since the last call are exactly want[0..n) */
void lt_expect(struct lt *, const char *const *want, size_t n);
void lt_clear(struct lt *);
void lt_stats(struct lt *, struct logsrc_stats *);

#define LT_EXPECT(lt, ...)                                                     \
	do {                                                                   \
		const char *const w_[] = { __VA_ARGS__ };                      \
		lt_expect((lt), w_, sizeof(w_) / sizeof(w_[0]));               \
	} while (0)
#define LT_NONE(lt) lt_expect((lt), NULL, 0)

#endif
