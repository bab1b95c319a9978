/*
 * test_queue_postfix.c: the Postfix queue reader through collector_queue:
 * a queue directory made on disk, scanned and rescanned, with exact
 * numbers in the snapshot, and the count of files actually read to prove
 * a rescan re-reads only what changed. The record parser:
 * test_pf_record.c.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
#include "pfq.h"

/* queue_postfix.c: files parsed since start (a test hook, not API) */
unsigned long queue_postfix_files_read(void);

#define T0 1700000000L

/* ------------------------------------------------------------------ */
/* the reader, through collector_queue */

struct qenv {
	char root[64];
	struct conf conf;
	void *coll;
	struct conf_mta mta;
	struct part *part;
	struct queue_part *snap;
	int rc;
};

static void
put(struct qenv *e, const char *dir, const char *name, mode_t mode,
    const char *sender, long arrival, const struct pfq_rcpt *r, size_t n)
{
	struct pfq_msg m = { .sender = sender, .arrival = arrival,
	    .usec = 1, .rcpt = r, .nrcpt = n };

	char p[512];
	struct timespec ts[2];

	assert_int_equal(pfq_write(qt_path(e->root, "%s", dir), name, mode, &m), 0);
	/* as old as it says: real queue files are not all a second old,
	 * and the reader re-checks files it cannot trust by mtime */
	snprintf(p, sizeof(p), "%s/%s", qt_path(e->root, "%s", dir), name);
	ts[0].tv_sec = ts[1].tv_sec = arrival;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static int
age_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	struct timespec ts[2];

	(void)sb;
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DP) {
		ts[0].tv_sec = ts[1].tv_sec = T0;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		if (utimensat(AT_FDCWD, p, ts, 0) < 0)
			return -1;
	}
	return 0;
}

/* Directories last changed long ago, so that a rescan may trust their
 * listing (a fresh mtime is re-listed every time). */
static void
age_dirs(struct qenv *e)
{
	assert_int_equal(nftw(e->root, age_one, 16, FTW_PHYS | FTW_DEPTH), 0);
}

static void
collect(struct qenv *e)
{
	part_unref(e->part);
	e->part = part_new(&collector_queue);
	e->part->taken = time(NULL);
	e->rc = collector_queue.collect(e->coll, e->part);
	e->snap = e->part->data;
}

static int
qenv_setup(void **state)
{
	struct qenv *e = calloc(1, sizeof(*e));
	static const char *const dirs[] = { "maildrop", "incoming", "active",
	    "deferred", "hold", "corrupt", "defer", "bounce" };
	size_t i;

	assert_non_null(e);
	strcpy(e->root, "/tmp/mh-pfq-XXXXXX");
	assert_non_null(mkdtemp(e->root));
	for (i = 0; i < MH_ARRAY_SIZE(dirs); i++)
		assert_int_equal(mkdir(qt_path(e->root, "%s", dirs[i]), 0700), 0);
	e->conf.file = (char *)"test";
	e->conf.top_n = 10;
	e->conf.topk_counters = 100;
	e->mta.top_n = 10;
	e->mta.topk_counters = 100;
	e->conf.interval = 30;
	e->mta.kind = MH_MTA_POSTFIX;
	e->mta.queue_directory = e->root;
	e->mta.many_rcpt = 2;
	*state = e;
	return 0;
}

static int
qenv_teardown(void **state)
{
	struct qenv *e = *state;

	if (e->coll)
		collector_queue.fini(e->coll);
	part_unref(e->part);
	qt_rmtree(e->root);
	free(e);
	return 0;
}

static const struct pfq_rcpt r_gm[] = { { "x@gmail.example", 'R' } };
static const struct pfq_rcpt r_mix[] = {
	{ "a@yahoo.example", 'R' }, { "b@GMAIL.example", 'R' },
	{ "c@done.example", 'D' }, { "root", 'R' },
};

/* The layout the scan tests share. Expected totals (see the asserts):
 * deferred 6 (one hashed two levels deep), active 1, hold 1, incoming
 * 1 ready + 1 in flight, maildrop 1, corrupt 1; plus junk that must not
 * count. */
static void
layout(struct qenv *e)
{
	static const char garbage[] = "this is not a queue file";

	/* the flooder: 4 messages in deferred */
	put(e, "deferred/A", "A1000", 0700, "Flood@Spam.example", T0 + 10,
	    r_gm, 1);
	put(e, "deferred/A", "A1001", 0700, "flood@spam.example", T0 + 20,
	    r_gm, 1);
	put(e, "deferred/B", "B1002", 0700, "flood@spam.example", T0 + 30,
	    r_gm, 1);
	put(e, "deferred/C/D", "CD1003", 0700, "flood@spam.example", T0 + 40,
	    r_gm, 1);
	/* a bounce and a 4-recipient message (3 pending, many_rcpt = 2) */
	put(e, "deferred/E", "E1004", 0700, "", T0 + 5, r_gm, 1);
	put(e, "deferred/E", "E1005", 0700, "other@example.org", T0 + 50,
	    r_mix, 4);
	/* active, hold, incoming, maildrop */
	put(e, "active", "F1006", 0700, "act@example.org", T0 + 60, r_gm, 1);
	put(e, "hold", "F1007", 0700, "held@example.org", T0 + 70, r_gm, 1);
	put(e, "incoming", "F1008", 0700, "in@example.org", T0 + 80, r_gm, 1);
	put(e, "incoming", "F1009", 0600, "inflight@example.org", T0 + 1,
	    r_gm, 1);
	put(e, "maildrop", "F100A", 0744, "drop@example.org", T0 + 90, r_gm,
	    1);
	/* corrupt: counted whatever it holds */
	assert_int_equal(pfq_write_raw(qt_path(e->root, "%s", "corrupt"), "F100B", 0400,
	    garbage, sizeof(garbage) - 1), 0);
	/* not queue files: a dotfile, a bad name, a defer log */
	put(e, "deferred/A", ".tmp", 0700, "no@example.org", T0, r_gm, 1);
	put(e, "deferred/A", "bad-name", 0700, "no@example.org", T0, r_gm, 1);
	put(e, "defer/A", "A1000", 0600, "no@example.org", T0, r_gm, 1);
}

static void
scan_layout(void **state)
{
	struct qenv *e = *state;
	const struct queue_part *s;
	const struct snap_queue *q;

	layout(e);
	e->coll = collector_queue.init(&e->mta, &e->conf);
	assert_non_null(e->coll);
	collect(e);
	s = e->snap;
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->part->errors, 0);
	assert_int_equal(s->mta, MH_MTA_POSTFIX);
	assert_int_equal(s->nqueues, 6);
	assert_string_equal(s->queues[0].name, "maildrop");
	assert_string_equal(s->queues[5].name, "corrupt");

	q = qt_row(s, "deferred");
	assert_int_equal(q->messages, 6);
	assert_int_equal(q->recipients, 5 + 3);
	assert_int_equal(q->oldest, T0 + 5);
	assert_int_equal(qt_row(s, "active")->messages, 1);
	assert_int_equal(qt_row(s, "hold")->messages, 1);
	assert_int_equal(qt_row(s, "incoming")->messages, 1);	/* not F1009 */
	assert_int_equal(qt_row(s, "incoming")->oldest, T0 + 80);
	assert_int_equal(qt_row(s, "maildrop")->messages, 1);
	q = qt_row(s, "corrupt");
	assert_int_equal(q->messages, 1);
	assert_int_equal(q->bytes, 24);		/* its file size */
	assert_int_equal(q->recipients, 0);

	assert_int_equal(s->q_messages, 11);
	assert_int_equal(s->q_recipients, 8 + 4);
	assert_int_equal(s->q_bounces, 1);
	assert_int_equal(s->q_manyrcpt, 1);
	assert_int_equal(s->q_oldest, T0 + 5);
	assert_true(s->have & SNAP_HAVE_QUEUE);

	/* senders are case-folded; the flooder is exact */
	assert_int_equal(qt_top_count(&s->top_senders, "flood@spam.example"), 4);
	assert_string_equal(s->top_senders.v[0].key, "flood@spam.example");
	assert_int_equal(s->top_senders.v[0].error, 0);
	assert_int_equal(qt_top_count(&s->top_senders, ""), 1);
	/* the corrupt file's unknown sender: counted, not a top sender */
	assert_int_equal(qt_top_count(&s->top_senders, "(unknown)"), 0);
	assert_int_equal(qt_top_count(&s->top_senders, "inflight@example.org"),
	    0);
	assert_int_equal(qt_top_count(&s->top_senders, "no@example.org"), 0);
	assert_int_equal(s->top_senders.total, 10);	/* all but the unknown */
	/* domains by pending recipient: 10 gmail (incl. GMAIL), 1 yahoo,
	 * 1 local, none for the delivered one */
	assert_string_equal(s->top_domains.v[0].key, "gmail.example");
	assert_int_equal(qt_top_count(&s->top_domains, "gmail.example"), 10);
	assert_int_equal(qt_top_count(&s->top_domains, "yahoo.example"), 1);
	assert_int_equal(qt_top_count(&s->top_domains, "(local)"), 1);
	assert_int_equal(qt_top_count(&s->top_domains, "done.example"), 0);
	assert_int_equal(s->top_domains.total, 12);
}

/* Sizes: postqueue's message_size (the C record), except in maildrop
 * (the file size) and corrupt (the file size when there is no C). */
static void
scan_sizes(void **state)
{
	struct qenv *e = *state;
	struct pfq_msg m = { .sender = "s@example.org", .arrival = T0,
	    .rcpt = r_gm, .nrcpt = 1 };
	struct pf_qfile q;
	struct stat sb;
	unsigned char *b;
	size_t len;

	layout(e);
	b = pfq_build(&m, &len);
	assert_int_equal(pf_qfile_parse(b, len, &q, NULL), 0);
	e->coll = collector_queue.init(&e->mta, &e->conf);
	collect(e);
	assert_int_equal(qt_row(e->snap, "active")->bytes, q.size);
	assert_int_equal(qt_row(e->snap, "deferred")->bytes, 6 * q.size);
	/* maildrop: the file size, which is larger than the content */
	assert_int_equal(stat(qt_path(e->root, "%s", "maildrop/F100A"), &sb), 0);
	assert_true(qt_row(e->snap, "maildrop")->bytes > q.size);
	assert_int_equal(qt_row(e->snap, "maildrop")->bytes, sb.st_size);
	pf_qfile_clear(&q);
	free(b);
}

static void
rescan_incremental(void **state)
{
	struct qenv *e = *state;
	unsigned long before;
	struct timespec ts[2];
	int fd;

	layout(e);
	age_dirs(e);
	e->coll = collector_queue.init(&e->mta, &e->conf);
	before = queue_postfix_files_read();
	collect(e);
	/* 11 counted (corrupt included); the in-flight one is not read */
	assert_int_equal(queue_postfix_files_read() - before, 11);

	/* nothing changed: nothing read, same numbers (directories are
	 * replayed from memory, the active file is stat()ed) */
	before = queue_postfix_files_read();
	collect(e);
	assert_int_equal(queue_postfix_files_read() - before, 0);
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->snap->q_messages, 11);
	assert_int_equal(e->snap->q_recipients, 12);
	assert_int_equal(qt_row(e->snap, "deferred")->messages, 6);
	assert_int_equal(qt_row(e->snap, "incoming")->messages, 1);
	assert_int_equal(qt_top_count(&e->snap->top_senders,
	    "flood@spam.example"), 4);
	assert_int_equal(qt_top_count(&e->snap->top_domains, "gmail.example"), 10);

	/* one new file: one read */
	put(e, "deferred/F", "F2000", 0700, "flood@spam.example", T0 + 99,
	    r_gm, 1);
	before = queue_postfix_files_read();
	collect(e);
	assert_int_equal(queue_postfix_files_read() - before, 1);
	assert_int_equal(e->snap->q_messages, 12);
	assert_int_equal(qt_top_count(&e->snap->top_senders,
	    "flood@spam.example"), 5);

	/* one removed: nothing read, one less */
	assert_int_equal(unlink(qt_path(e->root, "%s", "deferred/A/A1000")), 0);
	before = queue_postfix_files_read();
	collect(e);
	assert_int_equal(queue_postfix_files_read() - before, 0);
	assert_int_equal(e->snap->q_messages, 11);
	assert_int_equal(qt_row(e->snap, "deferred")->messages, 6);
	assert_int_equal(qt_row(e->snap, "deferred")->oldest, T0 + 5);

	/* a recipient marked done in place in active/, as a delivery
	 * agent does it (same inode, same size, new mtime) */
	{
		const char *p = qt_path(e->root, "%s", "active/F1006");
		unsigned char b[4096];
		ssize_t n;
		size_t i;

		fd = open(p, O_RDWR);
		assert_true(fd >= 0);
		n = read(fd, b, sizeof(b));
		assert_true(n > 0);
		for (i = 0; i < (size_t)n; i++)
			if (b[i] == 'R' && b[i + 1] == 15 &&
			    memcmp(b + i + 2, "x@gmail.example", 15) == 0)
				break;
		assert_true(i < (size_t)n);
		assert_int_equal(pwrite(fd, "D", 1, (off_t)i), 1);
		/* make sure the mtime moves even on a coarse clock */
		ts[0].tv_sec = ts[1].tv_sec = T0 + 1234;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		assert_int_equal(futimens(fd, ts), 0);
		close(fd);
	}
	before = queue_postfix_files_read();
	collect(e);
	assert_int_equal(queue_postfix_files_read() - before, 1);
	assert_int_equal(qt_row(e->snap, "active")->messages, 1);
	assert_int_equal(qt_row(e->snap, "active")->recipients, 0);

	/* the in-flight file is complete now: read and counted */
	assert_int_equal(chmod(qt_path(e->root, "%s", "incoming/F1009"), 0700), 0);
	before = queue_postfix_files_read();
	collect(e);
	assert_int_equal(queue_postfix_files_read() - before, 1);
	assert_int_equal(qt_row(e->snap, "incoming")->messages, 2);
	assert_int_equal(qt_row(e->snap, "incoming")->oldest, T0 + 1);

	/* a rename between queues (deferred -> hold) is a new path: read
	 * once, then trusted */
	assert_int_equal(rename(qt_path(e->root, "%s", "deferred/B/B1002"),
	    qt_path(e->root, "%s", "hold/B1002")), 0);
	before = queue_postfix_files_read();
	collect(e);
	assert_int_equal(queue_postfix_files_read() - before, 1);
	assert_int_equal(qt_row(e->snap, "hold")->messages, 2);
	assert_int_equal(qt_row(e->snap, "deferred")->messages, 5);
	assert_int_equal(e->snap->q_messages, 12);
}

/* A damaged file is reported once (with its path), not every scan, and
 * the scan goes on. */
static void
scan_errors_once(void **state)
{
	struct qenv *e = *state;
	struct pfq_msg m = { .sender = "cut@example.org", .arrival = T0,
	    .rcpt = r_gm, .nrcpt = 1 };
	unsigned char *b;
	size_t len;

	layout(e);
	b = pfq_build(&m, &len);
	/* truncated after the sender: counted (showq lists it too) */
	assert_int_equal(pfq_write_raw(qt_path(e->root, "%s", "deferred/A"), "A3000", 0700,
	    b, len - 5), 0);
	/* garbage: not counted, no sender */
	assert_int_equal(pfq_write_raw(qt_path(e->root, "%s", "deferred/A"), "A3001", 0700,
	    "\xff\xff\xff\xff\xff\xff", 6), 0);
	free(b);
	e->coll = collector_queue.init(&e->mta, &e->conf);
	collect(e);
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->part->errors, 2);
	assert_non_null(strstr(e->part->last_error, "deferred/A/A300"));
	assert_int_equal(e->snap->q_messages, 12);
	assert_int_equal(qt_top_count(&e->snap->top_senders, "cut@example.org"),
	    1);
	collect(e);
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->part->errors, 0);
	assert_int_equal(e->snap->q_messages, 12);
}

/* No queue directory: the round fails, with no queue numbers. */
static void
scan_missing_root(void **state)
{
	struct qenv *e = *state;

	layout(e);
	e->coll = collector_queue.init(&e->mta, &e->conf);
	collect(e);
	assert_int_equal(e->rc, 0);
	qt_rmtree(e->root);
	collect(e);
	assert_int_equal(e->rc, -1);
	assert_int_equal(e->part->errors, 1);
	assert_int_equal(e->snap->nqueues, 0);
	assert_int_equal(e->snap->q_messages, 0);
	assert_false(e->snap->have & SNAP_HAVE_QUEUE);
	/* and back: the queue is counted again */
	assert_int_equal(mkdir(e->root, 0700), 0);
	assert_int_equal(mkdir(qt_path(e->root, "%s", "deferred"), 0700), 0);
	put(e, "deferred/A", "A1000", 0700, "back@example.org", T0, r_gm, 1);
	collect(e);
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->snap->q_messages, 1);
}

static void
detect_postfix(void **state)
{
	struct qenv *e = *state;
	struct conf_mta m = { .kind = MH_MTA_NONE, .is_auto = true };

	m.queue_directory = e->root;
	assert_true(queue_postfix.detect(&m));
	assert_int_equal(queue_detect(&m), MH_MTA_POSTFIX);
	m.queue_directory = (char *)"/nonexistent/postfix";
	assert_false(queue_postfix.detect(&m));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(scan_layout, qenv_setup,
		    qenv_teardown),
		cmocka_unit_test_setup_teardown(scan_sizes, qenv_setup,
		    qenv_teardown),
		cmocka_unit_test_setup_teardown(rescan_incremental, qenv_setup,
		    qenv_teardown),
		cmocka_unit_test_setup_teardown(scan_errors_once, qenv_setup,
		    qenv_teardown),
		cmocka_unit_test_setup_teardown(scan_missing_root, qenv_setup,
		    qenv_teardown),
		cmocka_unit_test_setup_teardown(detect_postfix, qenv_setup,
		    qenv_teardown),
	};

	log_init("test_queue_postfix", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
