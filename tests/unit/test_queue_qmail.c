/*
 * test_queue_qmail.c: the qmail queue reader.
 *
 * Part one, qmail_env_parse(): todo, info and channel files as
 * qmail-queue and qmail-send write them, and damaged ones.
 *
 * Part two, the reader through collector_queue: a queue made on disk the
 * way qmail makes it (the message number is the inode of the mess file,
 * taken from a pid/ file as qmail-queue does; split subdirectories;
 * flat and big-todo todo/), scanned and rescanned, with exact numbers in
 * the snapshot and the count of files actually read, to prove a rescan
 * re-reads only what changed: recipients marked done in place, messages
 * gone, a message number reused, and the inotify queue overflowing.
 * (Ownership is not exercised here: tests/integration/queue-qmail.sh
 * runs the byte-exact generator as root.)
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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

/* queue_qmail.c: files read since start (a test hook, not API) */
unsigned long queue_qmail_files_read(void);

#define NOW_BACK(s) (time(NULL) - (s))

/* ------------------------------------------------------------------ */
/* qmail_env_parse */

#define B(s) s, sizeof(s) - 1

static void
parse_todo(void **state)
{
	struct qmail_env e = { 0 };
	const char *why = "unset";

	(void)state;
	assert_int_equal(qmail_env_parse(B("u1004\0p4242\0Falice@example.org\0"
	    "Tbob@remote.example\0Tcarol@example.org\0"), QMAIL_TODO, &e,
	    &why), 0);
	assert_null(why);
	assert_string_equal(e.sender, "alice@example.org");
	assert_int_equal(e.npending, 2);
	assert_int_equal(e.ndone, 0);
	assert_string_equal(e.rcpt[0], "bob@remote.example");
	assert_string_equal(e.rcpt[1], "carol@example.org");
	/* the null sender, and a message with no recipient at all */
	assert_int_equal(qmail_env_parse(B("u0\0p1\0F\0"), QMAIL_TODO, &e,
	    &why), 0);
	assert_string_equal(e.sender, "");
	assert_int_equal(e.npending, 0);
	qmail_env_clear(&e);
}

static void
parse_info_chan(void **state)
{
	struct qmail_env e = { 0 };
	const char *why;

	(void)state;
	assert_int_equal(qmail_env_parse(B("F#@[]\0"), QMAIL_INFO, &e, &why),
	    0);
	assert_string_equal(e.sender, "#@[]");
	/* qmail-send's markdone(): the T of a done recipient becomes D */
	assert_int_equal(qmail_env_parse(B("Da@x.example\0Tb@y.example\0"
	    "Dc@z.example\0Texample.org-d@example.org\0"), QMAIL_CHAN, &e,
	    &why), 0);
	assert_null(e.sender);
	assert_int_equal(e.npending, 2);
	assert_int_equal(e.ndone, 2);
	assert_string_equal(e.rcpt[0], "b@y.example");
	assert_string_equal(e.rcpt[1], "example.org-d@example.org");
	/* an empty channel file (all records gone) is not an error */
	assert_int_equal(qmail_env_parse("", 0, QMAIL_CHAN, &e, &why), 0);
	assert_int_equal(e.npending, 0);
	qmail_env_clear(&e);
}

static void
parse_many(void **state)
{
	struct qmail_env e = { 0 };
	const char *why;
	char *buf = malloc(100000 * 24);
	size_t len = 0, i;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < 100000; i++)
		len += (size_t)sprintf(buf + len, "%cu%zu@d%zu.example",
		    i % 3 ? 'T' : 'D', i, i % 7) + 1;
	assert_int_equal(qmail_env_parse(buf, len, QMAIL_CHAN, &e, &why), 0);
	assert_int_equal(e.npending, 66666);
	assert_int_equal(e.ndone, 33334);
	assert_string_equal(e.rcpt[66665], "u99998@d3.example");
	qmail_env_clear(&e);
	free(buf);
}

static void
expect_bad(const char *buf, size_t len, enum qmail_file kind,
    const char *want, size_t npending)
{
	struct qmail_env e = { 0 };
	const char *why = NULL;

	assert_int_equal(qmail_env_parse(buf, len, kind, &e, &why), -1);
	assert_non_null(why);
	if (strcmp(why, want) != 0)
		fail_msg("got '%s', want '%s'", why, want);
	assert_int_equal(e.npending, npending);
	qmail_env_clear(&e);
}

static void
parse_bad(void **state)
{
	(void)state;
	/* a record cut short: the complete ones before it still count */
	expect_bad(B("Ta@x\0Tb@y"), QMAIL_CHAN, "truncated record", 1);
	expect_bad(B("Falice@x"), QMAIL_INFO, "truncated record", 0);
	expect_bad("", 0, QMAIL_INFO, "empty file", 0);
	expect_bad(B("u1\0p2\0Ta@x\0"), QMAIL_TODO, "no F record", 1);
	expect_bad(B("Fa@x\0Fb@x\0"), QMAIL_INFO, "unexpected F record", 0);
	expect_bad(B("Fa@x\0"), QMAIL_CHAN, "unexpected F record", 0);
	expect_bad(B("Fa@x\0Tb@y\0"), QMAIL_INFO,
	    "unexpected recipient record", 0);
	expect_bad(B("u1\0Fa@x\0Db@y\0"), QMAIL_TODO,
	    "unexpected recipient record", 0);
	expect_bad(B("u1\0"), QMAIL_CHAN, "unexpected u/p record", 0);
	expect_bad(B("Ta@x\0Xjunk\0"), QMAIL_CHAN, "unknown record type", 1);
	expect_bad(B("\0"), QMAIL_CHAN, "unknown record type", 0);
	expect_bad(B("\xff\xfe\0"), QMAIL_CHAN, "unknown record type", 0);
}

/* Every prefix of a valid todo file parses or fails cleanly. */
static void
parse_truncations(void **state)
{
	static const char f[] = "u1004\0p4242\0Falice@example.org\0"
	    "Tbob@remote.example\0Tcarol@example.org\0";
	struct qmail_env e = { 0 };
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(f) - 1; n++) {
		const char *why = NULL;
		char *copy = malloc(n ? n : 1);
		int rc;

		memcpy(copy, f, n);
		rc = qmail_env_parse(copy, n, QMAIL_TODO, &e, &why);
		if (n > 0 && f[n - 1] == '\0' && n >= 31)
			assert_int_equal(rc, 0);
		else
			assert_int_equal(rc, -1);
		assert_true(rc == 0 || why != NULL);
		free(copy);
	}
	qmail_env_clear(&e);
}

/* ------------------------------------------------------------------ */
/* a queue on disk, made as qmail makes it */

struct qenv {
	char root[64];
	long split;
	bool big_todo;
	struct conf conf;
	void *coll;
	struct conf_mta mta;
	struct part *part;
	struct queue_part *snap;
	int rc;
	int pid;
};

static void
mkdirs(struct qenv *e)
{
	static const char *const split[] = { "mess", "info", "local",
	    "remote" };
	static const char *const flat[] = { "pid", "intd", "todo", "bounce",
	    "lock" };
	size_t d;
	long i;

	for (d = 0; d < MH_ARRAY_SIZE(flat); d++)
		assert_int_equal(mkdir(qt_path(e->root, "%s", flat[d]), 0750), 0);
	for (d = 0; d < MH_ARRAY_SIZE(split); d++) {
		assert_int_equal(mkdir(qt_path(e->root, "%s", split[d]), 0750), 0);
		for (i = 0; i < e->split; i++)
			assert_int_equal(mkdir(qt_path(e->root, "%s/%ld", split[d], i),
			    0750), 0);
	}
	if (e->big_todo)
		for (i = 0; i < e->split; i++) {
			assert_int_equal(mkdir(qt_path(e->root, "todo/%ld", i), 0750), 0);
			assert_int_equal(mkdir(qt_path(e->root, "intd/%ld", i), 0750), 0);
		}
}

static void
write_file(const char *path, const void *data, size_t len, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void
set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static char *
todofn(struct qenv *e, const char *dir, uint64_t n)
{
	if (e->big_todo)
		return qt_path(e->root, "%s/%lu/%lu", dir, (unsigned long)(n %
		    (uint64_t)e->split), (unsigned long)n);
	return qt_path(e->root, "%s/%lu", dir, (unsigned long)n);
}

static char *
splitfn(struct qenv *e, const char *dir, uint64_t n)
{
	return qt_path(e->root, "%s/%lu/%lu", dir, (unsigned long)(n %
	    (uint64_t)e->split), (unsigned long)n);
}

/* qmail-queue: a pid file gives the inode, linked into mess/; then
 * intd/N linked to todo/N. Returns the message number. When want is
 * nonzero the number is forced (to reuse one): the mess file is then
 * made under that name directly. */
static uint64_t
enqueue(struct qenv *e, uint64_t want, const char *sender,
    const char *const *rcpt, size_t nrcpt, size_t body, time_t arrival)
{
	char env[4096], *msg;
	size_t len, i;
	uint64_t n;
	struct stat st;

	if (want == 0) {
		char *pidfn = qt_path(e->root, "pid/%d.%ld.1", ++e->pid, (long)arrival);

		write_file(pidfn, "", 0, O_EXCL);
		assert_int_equal(stat(pidfn, &st), 0);
		n = (uint64_t)st.st_ino;
		assert_int_equal(link(pidfn, splitfn(e, "mess", n)), 0);
		assert_int_equal(unlink(pidfn), 0);
	} else
		n = want;
	msg = malloc(body);
	assert_non_null(msg);
	memset(msg, 'x', body);
	write_file(splitfn(e, "mess", n), msg, body, O_TRUNC);
	free(msg);
	set_mtime(splitfn(e, "mess", n), arrival);
	len = (size_t)snprintf(env, sizeof(env), "u0%cp%d%cF%s%c", 0, e->pid,
	    0, sender, 0);
	for (i = 0; i < nrcpt; i++)
		len += (size_t)snprintf(env + len, sizeof(env) - len, "T%s%c",
		    rcpt[i], 0);
	write_file(todofn(e, "intd", n), env, len, O_EXCL);
	assert_int_equal(link(todofn(e, "intd", n), todofn(e, "todo", n)), 0);
	return n;
}

/* qmail-send's preprocessing: info, local and remote, then qmail-clean
 * removes intd and todo. Recipients at "example.org" are local. */
static void
preprocess(struct qenv *e, uint64_t n, const char *sender,
    const char *const *rcpt, size_t nrcpt, time_t arrival)
{
	char buf[2][4096], info[512];
	size_t len[2] = { 0, 0 }, i;
	int c;

	for (i = 0; i < nrcpt; i++) {
		const char *at = strrchr(rcpt[i], '@');

		c = at && strcmp(at, "@example.org") == 0 ? 0 : 1;
		len[c] += (size_t)snprintf(buf[c] + len[c],
		    sizeof(buf[c]) - len[c], "T%s%c", rcpt[i], 0);
	}
	i = (size_t)snprintf(info, sizeof(info), "F%s%c", sender, 0);
	write_file(splitfn(e, "info", n), info, i, O_EXCL);
	set_mtime(splitfn(e, "info", n), arrival);
	for (c = 0; c < 2; c++)
		if (len[c])
			write_file(splitfn(e, c ? "remote" : "local", n), buf[c],
			    len[c], O_EXCL);
	assert_int_equal(unlink(todofn(e, "intd", n)), 0);
	assert_int_equal(unlink(todofn(e, "todo", n)), 0);
}

/* qmail-send's markdone(): overwrite one byte in place */
static void
markdone(struct qenv *e, const char *chan, uint64_t n, off_t pos)
{
	int fd = open(splitfn(e, chan, n), O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "D", 1, pos), 1);
	assert_int_equal(close(fd), 0);
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

static struct qenv *
qenv_new(long split, bool big_todo)
{
	struct qenv *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	strcpy(e->root, "/tmp/mh-qmq-XXXXXX");
	assert_non_null(mkdtemp(e->root));
	e->split = split;
	e->big_todo = big_todo;
	mkdirs(e);
	e->pid = 1000;
	e->conf.file = (char *)"test";
	e->conf.top_n = 10;
	e->conf.topk_counters = 100;
	e->mta.top_n = 10;
	e->mta.topk_counters = 100;
	e->conf.interval = 30;
	e->mta.kind = MH_MTA_QMAIL;
	e->mta.queue_directory = e->root;
	e->mta.split = 23;
	e->mta.many_rcpt = 2;
	return e;
}

static void
qenv_start(struct qenv *e)
{
	e->coll = collector_queue.init(&e->mta, &e->conf);
	assert_non_null(e->coll);
}

static int
qenv_teardown(void **state)
{
	struct qenv *e = *state;

	if (e == NULL)
		return 0;
	if (e->coll)
		collector_queue.fini(e->coll);
	part_unref(e->part);
	qt_rmtree(e->root);
	free(e);
	return 0;
}

static void
assert_row(const struct queue_part *s, const char *name, uint64_t msgs,
    uint64_t bytes, time_t oldest)
{
	const struct snap_queue *q = qt_row(s, name);

	if (q->messages != msgs || q->bytes != bytes || q->oldest != oldest)
		fail_msg("row %s: %lu msgs %lu bytes oldest %ld, want %lu %lu "
		    "%ld", name, (unsigned long)q->messages,
		    (unsigned long)q->bytes, (long)q->oldest,
		    (unsigned long)msgs, (unsigned long)bytes, (long)oldest);
}

static const char *const r_local[] = { "u1@example.org" };
static const char *const r_mixed[] = { "u2@example.org", "a@far.example",
    "b@far.example" };
static const char *const r_remote[] = { "c@Far.Example", "d@near.example" };

/* A queue with a message of each kind, and the whole snapshot checked. */
static void
reader_basic(void **state)
{
	struct qenv *e = *state = qenv_new(23, false);
	time_t t1 = NOW_BACK(7200), t2 = NOW_BACK(3600), t3 = NOW_BACK(60);
	uint64_t n1, n2, n3, n4;
	const struct queue_part *s;

	n1 = enqueue(e, 0, "alice@example.org", r_mixed, 3, 1000, t1);
	preprocess(e, n1, "alice@example.org", r_mixed, 3, t1);
	n2 = enqueue(e, 0, "Alice@Example.org", r_remote, 2, 500, t2);
	preprocess(e, n2, "Alice@Example.org", r_remote, 2, t2);
	write_file(qt_path(e->root, "bounce/%lu", (unsigned long)n2),
	    "<c@Far.Example>:\nno such user\n\n", 31, O_EXCL);
	n3 = enqueue(e, 0, "", r_local, 1, 200, t3);	/* still in todo */
	n4 = enqueue(e, 0, "#@[]", r_local, 1, 100, t3);
	preprocess(e, n4, "#@[]", r_local, 1, t3);
	(void)n3;

	qenv_start(e);
	collect(e);
	s = e->snap;
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->part->errors, 0);
	assert_int_equal(s->mta, MH_MTA_QMAIL);
	/* no row holds the total (mhQueueMessages does): the rows are
	 * qmail-qstat's todo, qmHandle's local and remote, and bounce */
	assert_int_equal(s->nqueues, 4);
	assert_string_equal(s->queues[0].name, "todo");
	assert_string_equal(s->queues[1].name, "local");
	assert_string_equal(s->queues[2].name, "remote");
	assert_string_equal(s->queues[3].name, "bounce");
	assert_int_equal(s->q_messages, 4);
	assert_int_equal(s->q_bytes, 1800);
	assert_int_equal(s->q_recipients, 7);
	assert_int_equal(s->q_oldest, t1);
	assert_int_equal(s->q_bounces, 2);	/* "" and "#@[]" */
	assert_int_equal(s->q_manyrcpt, 1);	/* n1: 3 > 2 */
	assert_row(s, "todo", 1, 200, t3);
	assert_row(s, "local", 2, 1100, t1);
	assert_row(s, "remote", 2, 1500, t1);
	assert_row(s, "bounce", 1, 500, t2);
	assert_int_equal(qt_row(s, "todo")->recipients, 1);
	assert_int_equal(qt_top_count(&s->top_senders, "alice@example.org"),
	    2);
	assert_int_equal(qt_top_count(&s->top_senders, ""), 2);
	assert_int_equal(s->top_senders.total, 4);
	assert_int_equal(qt_top_count(&s->top_domains, "far.example"), 3);
	assert_int_equal(qt_top_count(&s->top_domains, "example.org"), 3);
	assert_int_equal(qt_top_count(&s->top_domains, "near.example"), 1);
	assert_int_equal(s->top_domains.total, 7);
}

/* Rescans: nothing changed reads nothing; a recipient marked done in
 * place, a message that left, one that arrived, one preprocessed. */
static void
reader_rescan(void **state)
{
	struct qenv *e = *state = qenv_new(23, false);
	time_t t1 = NOW_BACK(7200), t2 = NOW_BACK(60);
	uint64_t n[20], nn, m;
	unsigned long before;
	size_t i;

	for (i = 0; i < 20; i++) {
		n[i] = enqueue(e, 0, i < 15 ? "flood@spam.example" :
		    "x@y.example", r_remote, 2, 100, t1);
		preprocess(e, n[i], i < 15 ? "flood@spam.example" :
		    "x@y.example", r_remote, 2, t1);
	}
	qenv_start(e);
	collect(e);
	assert_int_equal(e->snap->q_messages, 20);
	assert_int_equal(e->snap->q_recipients, 40);
	assert_int_equal(qt_top_count(&e->snap->top_senders,
	    "flood@spam.example"), 15);

	before = queue_qmail_files_read();
	collect(e);
	assert_int_equal(queue_qmail_files_read() - before, 0);
	assert_int_equal(e->snap->q_messages, 20);
	assert_int_equal(e->snap->q_recipients, 40);

	/* "c@Far.Example" is done: its T at offset 0 becomes D */
	markdone(e, "remote", n[3], 0);
	before = queue_qmail_files_read();
	collect(e);
	assert_int_equal(queue_qmail_files_read() - before, 1);
	assert_int_equal(e->snap->q_recipients, 39);
	assert_int_equal(qt_top_count(&e->snap->top_domains, "far.example"), 19);

	/* n[4] done: qmail-send unlinks remote, info, then mess */
	assert_int_equal(unlink(splitfn(e, "remote", n[4])), 0);
	assert_int_equal(unlink(splitfn(e, "info", n[4])), 0);
	assert_int_equal(unlink(splitfn(e, "mess", n[4])), 0);
	/* a new message arrives and stays in todo */
	nn = enqueue(e, 0, "new@sender.example", r_local, 1, 50, t2);
	before = queue_qmail_files_read();
	collect(e);
	assert_int_equal(queue_qmail_files_read() - before, 1);	/* todo */
	assert_int_equal(e->snap->q_messages, 20);
	assert_int_equal(e->snap->q_recipients, 38);
	assert_int_equal(qt_row(e->snap, "todo")->messages, 1);
	assert_int_equal(e->snap->q_oldest, t1);
	assert_int_equal(qt_top_count(&e->snap->top_senders,
	    "flood@spam.example"), 14);

	/* preprocessed: todo goes, info and local come */
	preprocess(e, nn, "new@sender.example", r_local, 1, t2);
	before = queue_qmail_files_read();
	collect(e);
	assert_int_equal(queue_qmail_files_read() - before, 2);
	assert_int_equal(qt_row(e->snap, "todo")->messages, 0);
	assert_int_equal(qt_row(e->snap, "local")->messages, 1);
	assert_int_equal(qt_row(e->snap, "remote")->messages, 19);
	assert_int_equal(e->snap->q_recipients, 38);
	assert_int_equal(qt_top_count(&e->snap->top_senders,
	    "new@sender.example"), 1);

	/* the number of a message that left is reused at once by a new
	 * one (inode reuse): every file of it must be read afresh */
	m = n[5];
	assert_int_equal(unlink(splitfn(e, "remote", m)), 0);
	assert_int_equal(unlink(splitfn(e, "info", m)), 0);
	assert_int_equal(unlink(splitfn(e, "mess", m)), 0);
	assert_int_equal(enqueue(e, m, "reused@number.example", r_mixed, 3,
	    777, t2), m);
	preprocess(e, m, "reused@number.example", r_mixed, 3, t2);
	collect(e);
	assert_int_equal(e->part->errors, 0);
	assert_int_equal(e->snap->q_messages, 20);
	assert_int_equal(e->snap->q_bytes, 18 * 100 + 50 + 777);
	assert_int_equal(e->snap->q_recipients, 38 - 2 + 3);
	assert_int_equal(qt_top_count(&e->snap->top_senders,
	    "reused@number.example"), 1);
	assert_int_equal(qt_top_count(&e->snap->top_senders,
	    "flood@spam.example"), 13);
	assert_int_equal(qt_row(e->snap, "local")->messages, 2);
}

/* More events than the inotify queue holds: the reader must notice the
 * overflow and stat every channel file, and so still see each change. */
static void
reader_overflow(void **state)
{
	struct qenv *e = *state = qenv_new(23, false);
	time_t t1 = NOW_BACK(600);
	uint64_t a, b;
	long max = 16384, i;
	FILE *fp = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
	int fa, fb;

	if (fp) {
		assert_int_equal(fscanf(fp, "%ld", &max), 1);
		fclose(fp);
	}
	a = enqueue(e, 0, "a@x.example", r_remote, 2, 10, t1);
	preprocess(e, a, "a@x.example", r_remote, 2, t1);
	b = enqueue(e, 0, "b@x.example", r_remote, 2, 10, t1);
	preprocess(e, b, "b@x.example", r_remote, 2, t1);
	qenv_start(e);
	collect(e);
	assert_int_equal(e->snap->q_recipients, 4);
	/* alternate writes so the kernel cannot merge the events */
	fa = open(splitfn(e, "remote", a), O_WRONLY);
	fb = open(splitfn(e, "remote", b), O_WRONLY);
	assert_true(fa >= 0 && fb >= 0);
	for (i = 0; i <= max / 2 + 8; i++) {
		assert_int_equal(pwrite(fa, "T", 1, 0), 1);
		assert_int_equal(pwrite(fb, "T", 1, 0), 1);
	}
	close(fa);
	close(fb);
	/* this write's event is lost: the queue is full */
	markdone(e, "remote", a, 0);
	collect(e);
	assert_int_equal(e->part->errors, 0);
	assert_int_equal(e->snap->q_recipients, 3);
}

/* big-todo: todo/ and intd/ split like mess/; and a split on disk that
 * differs from the configured one (the disk wins). */
static void
reader_big_todo(void **state)
{
	struct qenv *e = *state = qenv_new(7, true);
	time_t t1 = NOW_BACK(100);
	size_t i;

	for (i = 0; i < 30; i++) {
		uint64_t n = enqueue(e, 0, "s@x.example", r_local, 1, 10, t1);

		if (i % 3 == 0)
			preprocess(e, n, "s@x.example", r_local, 1, t1);
	}
	qenv_start(e);
	collect(e);
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->part->errors, 0);
	assert_int_equal(e->snap->q_messages, 30);
	assert_int_equal(e->snap->q_bytes, 300);
	assert_int_equal(e->snap->q_oldest, t1);
	assert_row(e->snap, "todo", 20, 200, t1);
	assert_row(e->snap, "local", 10, 100, t1);
	assert_int_equal(e->snap->q_recipients, 30);
}

/* Damage: a truncated info, a mess file alone, garbage names; counted,
 * reported, and the rest of the queue still right. */
static void
reader_damage(void **state)
{
	struct qenv *e = *state = qenv_new(23, false);
	time_t t1 = NOW_BACK(100);
	uint64_t n1, n2;
	char *mess;

	n1 = enqueue(e, 0, "ok@x.example", r_remote, 2, 10, t1);
	preprocess(e, n1, "ok@x.example", r_remote, 2, t1);
	n2 = enqueue(e, 0, "bad@x.example", r_remote, 2, 10, t1);
	preprocess(e, n2, "bad@x.example", r_remote, 2, t1);
	write_file(splitfn(e, "info", n2), "Fbad@x.exa", 10, O_TRUNC);
	/* qmail-queue still writing: mess alone */
	mess = splitfn(e, "mess", 999999);
	write_file(mess, "partial", 7, O_EXCL);
	set_mtime(mess, t1);
	write_file(qt_path(e->root, "mess/0/notanumber"), "", 0, O_EXCL);
	write_file(qt_path(e->root, "todo/12x"), "", 0, O_EXCL);
	qenv_start(e);
	collect(e);
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->part->errors, 1);
	assert_non_null(strstr(e->part->last_error, "truncated record"));
	assert_int_equal(e->snap->q_messages, 3);
	assert_int_equal(e->snap->q_bytes, 27);
	assert_int_equal(e->snap->q_oldest, t1);
	assert_int_equal(e->snap->q_recipients, 4);
	/* the mess alone and the message whose info is damaged */
	assert_int_equal(qt_top_count(&e->snap->top_senders, "(unknown)"),
	    0);
	assert_int_equal(e->snap->q_bounces, 0);
	assert_int_equal(qt_top_count(&e->snap->top_senders, "ok@x.example"), 1);
	/* the bad info is not re-read until it changes: no error now */
	collect(e);
	assert_int_equal(e->part->errors, 0);
}

/* The queue directory vanishes: an error and no numbers, then it
 * comes back. */
static void
reader_vanished(void **state)
{
	struct qenv *e = *state = qenv_new(23, false);
	char moved[80];
	uint64_t n;

	n = enqueue(e, 0, "a@x.example", r_remote, 2, 10, NOW_BACK(5));
	preprocess(e, n, "a@x.example", r_remote, 2, NOW_BACK(5));
	qenv_start(e);
	collect(e);
	assert_int_equal(e->snap->q_messages, 1);
	snprintf(moved, sizeof(moved), "%s.moved", e->root);
	assert_int_equal(rename(e->root, moved), 0);
	collect(e);
	assert_int_equal(e->rc, -1);
	assert_true(e->part->errors >= 1);
	assert_false(e->snap->have & SNAP_HAVE_QUEUE);
	assert_int_equal(rename(moved, e->root), 0);
	collect(e);
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->snap->q_messages, 1);
}

static void
reader_detect(void **state)
{
	struct qenv *e = *state = qenv_new(23, false);
	struct conf_mta m = { .kind = MH_MTA_QMAIL,
	    .queue_directory = e->root };

	assert_true(queue_qmail.detect(&m));
	assert_int_equal(rmdir(qt_path(e->root, "lock")), 0);
	assert_false(queue_qmail.detect(&m));
	m.queue_directory = (char *)"/nonexistent/queue";
	assert_false(queue_qmail.detect(&m));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_todo),
		cmocka_unit_test(parse_info_chan),
		cmocka_unit_test(parse_many),
		cmocka_unit_test(parse_bad),
		cmocka_unit_test(parse_truncations),
		cmocka_unit_test_teardown(reader_basic, qenv_teardown),
		cmocka_unit_test_teardown(reader_rescan, qenv_teardown),
		cmocka_unit_test_teardown(reader_overflow, qenv_teardown),
		cmocka_unit_test_teardown(reader_big_todo, qenv_teardown),
		cmocka_unit_test_teardown(reader_damage, qenv_teardown),
		cmocka_unit_test_teardown(reader_vanished, qenv_teardown),
		cmocka_unit_test_teardown(reader_detect, qenv_teardown),
	};

	log_init("test_queue_qmail", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
