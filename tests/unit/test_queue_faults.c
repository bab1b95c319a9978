/*
 * test_queue_faults.c: what every queue reader does when the queue on
 * disk is not what it should be.
 *
 * Unknown is not zero (issue 11, item 1): a queue directory renamed
 * away, made unreadable (as a non-root uid) or replaced by a symlink
 * makes the reader call queue_unknown() for the row it feeds (or the
 * whole queue), never just give smaller numbers; once it is back, the
 * numbers are known again.
 *
 * Sparse files (issue 11, item 7): a 2 GB sparse file in the queue is
 * not read, and one under the readers' size limit is read no further
 * than its first block once it is clearly not an envelope, which the
 * readers' byte counter (queue_bytes_read) shows.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue/queue.h"
#include "qtest.h"
#include "pfq.h"

#define NOBODY 65534
#define GB2 (2LL << 30)

/* One reader on one directory, scanned round by round. */
struct rig {
	char root[64];
	const struct queue_reader *r;
	struct conf_mta mta;
	void *st;
	struct part *part;	/* its errors; snap is its data */
	struct queue_part *snap;
	uint32_t rows;		/* unknown rows of the last scan */
	bool all;		/* the whole queue unknown */
	int rc;
};

static void
rig_scan(struct rig *g)
{
	struct queue_acc *a;

	if (g->st == NULL)
		g->st = g->r->open(&g->mta);
	assert_non_null(g->st);
	part_unref(g->part);
	g->part = part_new(&collector_queue);
	g->part->taken = time(NULL);
	g->part->data = g->snap = xcalloc(1, sizeof(*g->snap));
	a = queue_acc_new(g->snap, g->part, g->r, 100);
	g->rc = g->r->scan(g->st, a);
	g->all = queue_acc_unknown(a, &g->rows);
	queue_acc_free(a);
}

static void
rig_free(struct rig *g)
{
	if (g->st)
		g->r->close(g->st);
	part_unref(g->part);
	qt_rmtree(g->root);
}

/* Scan in a child running as nobody (the queue must be readable by
 * nobody but for what the test took away): root reads through any mode.
 * Returns the child's (all << 8 | rows), or fails the test. */
static int
rig_scan_as_nobody(struct rig *g)
{
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		rig_scan(g);
		return (g->all ? 0x100 : 0) | (int)(g->rows & 0xff);
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rig c = *g;

		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 ||
		    setuid(NOBODY) < 0)
			_exit(255);
		c.st = NULL;
		c.snap = NULL;
		c.part = NULL;
		c.st = c.r->open(&c.mta);
		if (c.st == NULL)
			_exit(254);
		rig_scan(&c);
		_exit((c.all ? 0x80 : 0) | (int)(c.rows & 0x3f));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_true(WEXITSTATUS(status) < 254);
	return ((WEXITSTATUS(status) & 0x80) ? 0x100 : 0) |
	    (WEXITSTATUS(status) & 0x3f);
}

static void
chown_tree(const char *root)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "chown -R %d:%d '%s'", NOBODY, NOBODY, root);
	assert_int_equal(system(cmd), 0);
}

/* A sparse file of size bytes: all zeros, no blocks. */
static void
write_sparse(const char *path, long long size, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
mv(struct rig *g, const char *from, const char *to)
{
	assert_int_equal(rename(qt_path(g->root, "%s", from),
	    qt_path(g->root, "%s", to)), 0);
}

/* ------------------------------------------------------------------ */
/* Postfix */

enum { PF_ACTIVE = 2, PF_DEFERRED = 3 };

static const struct pfq_rcpt pf_rcpt[] = { { "x@gmail.example", 'R' } };

static void
pf_rig(struct rig *g)
{
	static const char *const dirs[] = { "maildrop", "incoming", "active",
		"deferred", "deferred/A", "deferred/B", "hold", "corrupt" };
	struct pfq_msg m = { .sender = "flood@spam.example",
		.arrival = 1700000000, .usec = 1, .rcpt = pf_rcpt, .nrcpt = 1 };
	size_t i;

	memset(g, 0, sizeof(*g));
	strcpy(g->root, "/tmp/mh-qf-XXXXXX");
	assert_non_null(mkdtemp(g->root));
	assert_int_equal(chmod(g->root, 0755), 0);
	for (i = 0; i < MH_ARRAY_SIZE(dirs); i++)
		assert_int_equal(mkdir(qt_path(g->root, "%s", dirs[i]), 0700), 0);
	assert_int_equal(pfq_write(qt_path(g->root, "deferred/A"), "A1B2C3",
	    0700, &m), 0);
	assert_int_equal(pfq_write(qt_path(g->root, "deferred/B"), "B1B2C3",
	    0700, &m), 0);
	assert_int_equal(pfq_write(qt_path(g->root, "active"), "C1B2C3",
	    0700, &m), 0);
	g->r = queue_reader_find(MH_MTA_POSTFIX);
	g->mta.kind = MH_MTA_POSTFIX;
	g->mta.queue_directory = g->root;
}

static void
pf_unknown_dirs(void **state)
{
	struct rig g;

	(void)state;
	pf_rig(&g);
	rig_scan(&g);
	assert_int_equal(g.rc, 0);
	assert_false(g.all);
	assert_int_equal(g.rows, 0);
	assert_int_equal(g.snap->q_messages, 3);
	assert_int_equal(g.part->errors, 0);

	/* deferred/ renamed away: its row is unknown, and said */
	mv(&g, "deferred", "deferred.away");
	rig_scan(&g);
	assert_false(g.all);
	assert_int_equal(g.rows, 1u << PF_DEFERRED);
	assert_true(g.part->errors > 0);
	assert_non_null(strstr(g.part->last_error, "deferred"));

	/* back: known again, nothing lost */
	mv(&g, "deferred.away", "deferred");
	rig_scan(&g);
	assert_int_equal(g.rows, 0);
	assert_false(g.all);
	assert_int_equal(g.snap->q_messages, 3);

	/* a hashed subdirectory renamed away, after a scan that knew it */
	mv(&g, "deferred/B", "B.away");
	rig_scan(&g);
	assert_int_equal(g.rows, 1u << PF_DEFERRED);
	mv(&g, "B.away", "deferred/B");
	rig_scan(&g);
	assert_int_equal(g.rows, 0);
	assert_int_equal(g.snap->q_messages, 3);

	/* replaced by a symlink to a copy: not followed, unknown */
	mv(&g, "active", "active.real");
	assert_int_equal(symlink("active.real", qt_path(g.root, "active")), 0);
	rig_scan(&g);
	assert_int_equal(g.rows, 1u << PF_ACTIVE);
	assert_int_equal(unlink(qt_path(g.root, "active")), 0);
	mv(&g, "active.real", "active");

	/* the whole queue directory gone: the scan fails, all unknown */
	{
		char gone[80];

		snprintf(gone, sizeof(gone), "%s.gone", g.root);
		assert_int_equal(rename(g.root, gone), 0);
		rig_scan(&g);
		assert_int_equal(g.rc, -1);
		assert_true(g.all);
		assert_int_equal(rename(gone, g.root), 0);
	}
	rig_free(&g);
}

static void
pf_unknown_unreadable(void **state)
{
	struct rig g;

	(void)state;
	pf_rig(&g);
	chown_tree(g.root);
	assert_int_equal(rig_scan_as_nobody(&g), 0);
	assert_int_equal(chmod(qt_path(g.root, "deferred"), 0), 0);
	assert_int_equal(rig_scan_as_nobody(&g), 1 << PF_DEFERRED);
	assert_int_equal(chmod(qt_path(g.root, "deferred"), 0700), 0);
	assert_int_equal(chmod(qt_path(g.root, "deferred/A"), 0), 0);
	assert_int_equal(rig_scan_as_nobody(&g), 1 << PF_DEFERRED);
	assert_int_equal(chmod(qt_path(g.root, "deferred/A"), 0700), 0);
	rig_free(&g);
}

/* hold/ and corrupt/ may be missing on old installs: not unknown, as
 * long as they never were there */
static void
pf_old_install(void **state)
{
	struct rig g;

	(void)state;
	pf_rig(&g);
	assert_int_equal(rmdir(qt_path(g.root, "hold")), 0);
	assert_int_equal(rmdir(qt_path(g.root, "corrupt")), 0);
	rig_scan(&g);
	assert_int_equal(g.rows, 0);
	assert_false(g.all);
	assert_int_equal(g.snap->q_messages, 3);
	assert_int_equal(g.part->errors, 0);
	rig_free(&g);
}

static void
pf_sparse(void **state)
{
	unsigned long long before;
	struct rig g;
	time_t t0;

	(void)state;
	pf_rig(&g);
	write_sparse(qt_path(g.root, "deferred/A/A9F00D"), GB2, 0700);
	write_sparse(qt_path(g.root, "active/A9F00E"), 60LL << 20, 0700);
	before = queue_bytes_read();
	t0 = time(NULL);
	rig_scan(&g);
	/* the three real files are read whole (a few hundred bytes each);
	 * of the sparse ones one first block each */
	assert_true(queue_bytes_read() - before < 3 * 16384);
	assert_true(time(NULL) - t0 <= 1);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.rows, 0);
	assert_int_equal(g.part->errors, 2);	/* one each, by name */
	rig_free(&g);
}

/* ------------------------------------------------------------------ */
/* qmail: split 3, message 4 (mess/1/4) preprocessed, message 7
 * (mess/1/7) still in todo. */

enum { QM_TODO = 0, QM_LOCAL = 1, QM_REMOTE = 2, QM_BOUNCE = 3 };

static void
qm_rig(struct rig *g)
{
	static const char *const top[] = { "mess", "info", "local", "remote",
		"todo", "intd", "bounce", "pid", "lock" };
	static const char info[] = "Fflood@spam.example";
	static const char chan[] = "Tx@gmail.example";
	static const char todo[] = "u0\0p1\0Fflood@spam.example\0Tx@y.example";
	size_t i;
	int s;

	memset(g, 0, sizeof(*g));
	strcpy(g->root, "/tmp/mh-qf-XXXXXX");
	assert_non_null(mkdtemp(g->root));
	assert_int_equal(chmod(g->root, 0755), 0);
	for (i = 0; i < MH_ARRAY_SIZE(top); i++) {
		assert_int_equal(mkdir(qt_path(g->root, "%s", top[i]), 0750), 0);
		if (i < 4)
			for (s = 0; s < 3; s++)
				assert_int_equal(mkdir(qt_path(g->root,
				    "%s/%d", top[i], s), 0750), 0);
	}
	qt_write(qt_path(g->root, "mess/1/4"), "Received: x\n\nhi\n", 16, 0644);
	qt_write(qt_path(g->root, "info/1/4"), info, sizeof(info), 0600);
	qt_write(qt_path(g->root, "remote/1/4"), chan, sizeof(chan), 0600);
	qt_write(qt_path(g->root, "local/1/4"), chan, sizeof(chan), 0600);
	qt_write(qt_path(g->root, "mess/1/7"), "Received: x\n\nhi\n", 16, 0644);
	qt_write(qt_path(g->root, "todo/7"), todo, sizeof(todo), 0644);
	g->r = queue_reader_find(MH_MTA_QMAIL);
	g->mta.kind = MH_MTA_QMAIL;
	g->mta.queue_directory = g->root;
}

static void
qm_expect(struct rig *g, bool all, uint32_t rows)
{
	rig_scan(g);
	assert_int_equal(g->all, all);
	assert_int_equal(g->rows, rows);
	if (!all && rows == 0) {
		assert_int_equal(g->snap->q_messages, 2);
		assert_int_equal(qt_row(g->snap, "remote")->messages, 1);
		assert_int_equal(qt_row(g->snap, "todo")->messages, 1);
	} else
		assert_true(g->part->errors > 0);
}

/* The rig, scanned twice as it is: listed, then with inotify. */
static void
qm_rig_scanned(struct rig *g)
{
	int i;

	qm_rig(g);
	for (i = 0; i < 2; i++)
		qm_expect(g, false, 0);
}

static void
qm_unknown_dirs(void **state)
{
	struct rig g;
	int i;

	(void)state;
	/* twice each time: the first scan lists everything, the next one
	 * trusts inotify, and must notice the change all the same */
	qm_rig_scanned(&g);
	mv(&g, "info", "info.away");
	for (i = 0; i < 2; i++)
		qm_expect(&g, true, 0);
	mv(&g, "info.away", "info");
	for (i = 0; i < 2; i++)
		qm_expect(&g, false, 0);
	mv(&g, "remote/1", "remote.1");
	for (i = 0; i < 2; i++)
		qm_expect(&g, false, 1u << QM_REMOTE);
	mv(&g, "remote.1", "remote/1");
	for (i = 0; i < 2; i++)
		qm_expect(&g, false, 0);
	mv(&g, "todo", "todo.away");
	qm_expect(&g, false, 1u << QM_TODO);
	mv(&g, "todo.away", "todo");
	mv(&g, "bounce", "bounce.away");
	qm_expect(&g, false, 1u << QM_BOUNCE);
	mv(&g, "bounce.away", "bounce");
	/* a symlink in place of local/1, to the real one */
	mv(&g, "local/1", "local.1");
	assert_int_equal(symlink("../local.1", qt_path(g.root, "local/1")), 0);
	for (i = 0; i < 2; i++)
		qm_expect(&g, false, 1u << QM_LOCAL);
	assert_int_equal(unlink(qt_path(g.root, "local/1")), 0);
	mv(&g, "local.1", "local/1");
	for (i = 0; i < 2; i++)
		qm_expect(&g, false, 0);
	/* mess/: no queue at all */
	mv(&g, "mess/2", "mess.2");
	rig_scan(&g);
	assert_int_equal(g.rc, -1);
	assert_true(g.all);
	mv(&g, "mess.2", "mess/2");
	qm_expect(&g, false, 0);
	rig_free(&g);
}

/* A record's scan number is 8 bits (qmail.h). A message that leaves
 * while mess/ cannot be listed, for exactly as many scans as bring the
 * 8-bit number round to the one it was last seen with, must still go
 * once mess/ is back, not stay as a message seen in that scan. */
static void
qm_gen_wrap(void **state)
{
	struct rig g;
	int i;

	(void)state;
	qm_rig_scanned(&g);
	mv(&g, "mess/2", "mess.2");
	assert_int_equal(unlink(qt_path(g.root, "mess/1/4")), 0);
	assert_int_equal(unlink(qt_path(g.root, "info/1/4")), 0);
	assert_int_equal(unlink(qt_path(g.root, "remote/1/4")), 0);
	assert_int_equal(unlink(qt_path(g.root, "local/1/4")), 0);
	for (i = 0; i < 254; i++) {
		rig_scan(&g);
		assert_int_equal(g.rc, -1);
		assert_true(g.all);
	}
	mv(&g, "mess.2", "mess/2");
	for (i = 0; i < 2; i++) {
		rig_scan(&g);
		assert_int_equal(g.rc, 0);
		assert_false(g.all);
		assert_int_equal(g.snap->q_messages, 1);
		assert_int_equal(qt_row(g.snap, "todo")->messages, 1);
		assert_int_equal(qt_row(g.snap, "remote")->messages, 0);
	}
	rig_free(&g);
}

static void
qm_unknown_unreadable(void **state)
{
	struct rig g;

	(void)state;
	qm_rig(&g);
	chown_tree(g.root);
	assert_int_equal(rig_scan_as_nobody(&g), 0);
	assert_int_equal(chmod(qt_path(g.root, "remote/1"), 0), 0);
	assert_int_equal(rig_scan_as_nobody(&g), 1 << QM_REMOTE);
	assert_int_equal(chmod(qt_path(g.root, "remote/1"), 0750), 0);
	assert_int_equal(chmod(qt_path(g.root, "info/1"), 0), 0);
	assert_int_equal(rig_scan_as_nobody(&g), 0x100);
	rig_free(&g);
}

static void
qm_sparse(void **state)
{
	unsigned long long before;
	struct rig g;

	(void)state;
	qm_rig(&g);
	/* message 10: a 2 GB info (over the size limit: not read at all),
	 * a 60 MB remote (under it: read one block, seen to be zeros) */
	qt_write(qt_path(g.root, "mess/1/10"), "x", 1, 0644);
	write_sparse(qt_path(g.root, "info/1/10"), GB2, 0600);
	write_sparse(qt_path(g.root, "remote/1/10"), 60LL << 20, 0600);
	/* message 13: a 2 GB mess file is only stat()ed */
	write_sparse(qt_path(g.root, "mess/1/13"), GB2, 0644);
	before = queue_bytes_read();
	rig_scan(&g);
	assert_int_equal(g.rc, 0);
	assert_true(queue_bytes_read() - before <= 65536 + 4096);
	assert_int_equal(g.snap->q_messages, 4);
	assert_true(g.snap->q_bytes >= (uint64_t)GB2);
	assert_true(g.part->errors > 0);
	rig_free(&g);
}

/* ------------------------------------------------------------------ */
/* Exim: input/ and the split subdirectories input/a, input/b */

#define XH(id) id "-H\nroot 0 0\n<flood@spam.example>\n1700000000 0\n" \
    "-ident root\nXX\n1\nx@gmail.example\n\n" \
    "020T To: x@gmail.example\n"

static void
x_rig(struct rig *g)
{
	memset(g, 0, sizeof(*g));
	strcpy(g->root, "/tmp/mh-qf-XXXXXX");
	assert_non_null(mkdtemp(g->root));
	assert_int_equal(chmod(g->root, 0755), 0);
	assert_int_equal(mkdir(qt_path(g->root, "input"), 0750), 0);
	assert_int_equal(mkdir(qt_path(g->root, "msglog"), 0750), 0);
	assert_int_equal(mkdir(qt_path(g->root, "input/a"), 0750), 0);
	assert_int_equal(mkdir(qt_path(g->root, "input/b"), 0750), 0);
	qt_write(qt_path(g->root, "input/a/1xWxia-00007g-1I-H"),
	    XH("1xWxia-00007g-1I"), strlen(XH("1xWxia-00007g-1I")), 0640);
	qt_write(qt_path(g->root, "input/a/1xWxia-00007g-1I-D"),
	    "1xWxia-00007g-1I-D\nhi\n", 22, 0640);
	qt_write(qt_path(g->root, "input/b/1xWxib-00007g-1I-H"),
	    XH("1xWxib-00007g-1I"), strlen(XH("1xWxib-00007g-1I")), 0640);
	qt_write(qt_path(g->root, "input/b/1xWxib-00007g-1I-D"),
	    "1xWxib-00007g-1I-D\nhi\n", 22, 0640);
	g->r = queue_reader_find(MH_MTA_EXIM);
	g->mta.kind = MH_MTA_EXIM;
	g->mta.spool_directory = g->root;
}

static void
x_unknown_dirs(void **state)
{
	struct rig g;

	(void)state;
	x_rig(&g);
	rig_scan(&g);
	assert_false(g.all);
	assert_int_equal(g.snap->q_messages, 2);
	assert_int_equal(g.part->errors, 0);
	/* a split directory that is a dangling symlink */
	mv(&g, "input/b", "b.away");
	assert_int_equal(symlink("/nonexistent", qt_path(g.root, "input/b")), 0);
	rig_scan(&g);
	assert_true(g.all);
	assert_true(g.part->errors > 0);
	assert_int_equal(unlink(qt_path(g.root, "input/b")), 0);
	mv(&g, "b.away", "input/b");
	rig_scan(&g);
	assert_false(g.all);
	assert_int_equal(g.snap->q_messages, 2);
	/* input/ gone */
	mv(&g, "input", "input.away");
	rig_scan(&g);
	assert_int_equal(g.rc, -1);
	assert_true(g.all);
	mv(&g, "input.away", "input");
	rig_free(&g);
}

static void
x_unknown_unreadable(void **state)
{
	struct rig g;

	(void)state;
	x_rig(&g);
	chown_tree(g.root);
	assert_int_equal(rig_scan_as_nobody(&g), 0);
	assert_int_equal(chmod(qt_path(g.root, "input/a"), 0), 0);
	assert_int_equal(rig_scan_as_nobody(&g), 0x100);
	rig_free(&g);
}

static void
x_sparse(void **state)
{
	unsigned long long before;
	struct rig g;

	(void)state;
	x_rig(&g);
	write_sparse(qt_path(g.root, "input/a/1xWxic-00007g-1I-H"), GB2, 0640);
	write_sparse(qt_path(g.root, "input/a/1xWxid-00007g-1I-H"),
	    60LL << 20, 0640);
	qt_write(qt_path(g.root, "input/b/1xWxie-00007g-1I-H"),
	    XH("1xWxie-00007g-1I"), strlen(XH("1xWxie-00007g-1I")), 0640);
	write_sparse(qt_path(g.root, "input/b/1xWxie-00007g-1I-D"), GB2, 0640);
	before = queue_bytes_read();
	rig_scan(&g);
	assert_int_equal(g.rc, 0);
	/* -H files are read without a stat first: each of the two sparse
	 * ones no further than its first read, which shows it is no
	 * envelope */
	assert_true(queue_bytes_read() - before <= 2 * 65536 + 4096);
	/* the 2 GB body is stat()ed, not read, and counts in the size */
	assert_true(g.snap->q_bytes >= (uint64_t)GB2);
	assert_true(g.part->errors > 0);
	rig_free(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pf_unknown_dirs),
		cmocka_unit_test(pf_unknown_unreadable),
		cmocka_unit_test(pf_old_install),
		cmocka_unit_test(pf_sparse),
		cmocka_unit_test(qm_unknown_dirs),
		cmocka_unit_test(qm_gen_wrap),
		cmocka_unit_test(qm_unknown_unreadable),
		cmocka_unit_test(qm_sparse),
		cmocka_unit_test(x_unknown_dirs),
		cmocka_unit_test(x_unknown_unreadable),
		cmocka_unit_test(x_sparse),
	};

	log_init("test_queue_faults", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
