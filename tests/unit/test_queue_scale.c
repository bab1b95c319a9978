/*
 * test_queue_scale.c: the readers on queues big enough to use their
 * scanner threads (thousands of files in one directory) and their
 * memory policy for junk senders (more one-message senders than the
 * strtab keeps by name).
 *
 * The same queue is read with 1 and with 4 scanner threads; the
 * snapshots must be identical and exact: totals, bytes, recipients,
 * bounces, and every flooder in the top senders with its exact count
 * and error 0, while the junk senders (one message each) are counted in
 * the totals.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
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

#define NJUNK 3000		/* > QUEUE_KEEP_ONCE: most are kept by hash */
#define F1 700
#define F2 300
#define NBOUNCE 50
#define NMSG (NJUNK + F1 + F2 + NBOUNCE)

struct expect {
	uint64_t messages, bytes, recipients, bounces;
};

static void
check(struct part *p, const struct expect *x)
{
	const struct queue_part *s = p->data;
	const struct snap_toplist *t = &s->top_senders;

	assert_int_equal(s->q_messages, x->messages);
	assert_int_equal(s->q_bytes, x->bytes);
	assert_int_equal(s->q_recipients, x->recipients);
	assert_int_equal(s->q_bounces, x->bounces);
	assert_int_equal(p->errors, 0);
	/* flooders first, exact */
	assert_true(t->n >= 3);
	assert_string_equal(t->v[0].key, "flood1@spam.example");
	assert_int_equal(t->v[0].count, F1);
	assert_int_equal(t->v[0].error, 0);
	assert_string_equal(t->v[1].key, "flood2@spam.example");
	assert_int_equal(t->v[1].count, F2);
	assert_int_equal(t->v[1].error, 0);
	assert_string_equal(t->v[2].key, "");	/* the null sender */
	assert_int_equal(t->v[2].count, NBOUNCE);
	assert_int_equal(t->v[2].error, 0);
	if (t->n > 3)
		assert_int_equal(t->v[3].count, 1);
}

static struct part *
scan_with(struct conf_mta *m, struct conf *c, int threads, int rounds)
{
	struct part *p = NULL;
	char n[8];
	void *st;
	int i;

	snprintf(n, sizeof(n), "%d", threads);
	assert_int_equal(setenv("MH_QUEUE_THREADS", n, 1), 0);
	st = collector_queue.init(m, c);
	assert_non_null(st);
	for (i = 0; i < rounds; i++) {
		part_unref(p);
		p = part_new(&collector_queue);
		p->taken = time(NULL);
		assert_int_equal(collector_queue.collect(st, p), 0);
	}
	collector_queue.fini(st);
	return p;
}

static void
conf_for(struct conf_mta *m, struct conf *c, enum mh_mta kind, char *root)
{
	memset(m, 0, sizeof(*m));
	memset(c, 0, sizeof(*c));
	c->file = (char *)"test";
	c->top_n = 10;
	c->topk_counters = 8192;
	c->interval = 30;
	m->kind = kind;
	m->queue_directory = root;
	m->spool_directory = root;
	m->top_n = c->top_n;
	m->topk_counters = c->topk_counters;
	m->split = 23;
}

/* The sender of message i: the flooders, the bounces, then the junk
 * (one message each), whatever the MTA. */
static const char *
sender_of(size_t i, char *buf, size_t len)
{
	if (i < F1)
		return "flood1@spam.example";
	if (i < F1 + F2)
		return "flood2@spam.example";
	if (i < F1 + F2 + NBOUNCE)
		return "";
	snprintf(buf, len, "Junk%zu@x%zu.example", i, i % 97);
	return buf;
}

/* One message written: what the snapshots must count for it. */
static void
count_msg(struct expect *x, size_t recipients, uint64_t bytes,
    const char *sender)
{
	x->messages++;
	x->bytes += bytes;
	x->recipients += recipients;
	if (sender[0] == '\0')
		x->bounces++;
}

/*
 * Read the queue at root with 1 thread, then with 4, then with 4 again
 * for `rounds` rounds (the rescans from memory): all must say x; then
 * remove the queue. Postfix's bytes are its C records' sizes, which the
 * test does not add up (x->bytes 0): the 1-thread read's count, not 0,
 * is held to the others.
 */
static void
check_threads(enum mh_mta kind, char *root, struct expect *x, int rounds)
{
	struct part *s1, *s4;
	struct conf_mta m;
	struct conf c;

	conf_for(&m, &c, kind, root);
	s1 = scan_with(&m, &c, 1, 1);
	if (x->bytes == 0) {
		x->bytes = ((struct queue_part *)s1->data)->q_bytes;
		assert_true(x->bytes > 0);
	}
	check(s1, x);
	s4 = scan_with(&m, &c, 4, 1);
	check(s4, x);
	part_unref(s4);
	s4 = scan_with(&m, &c, 4, rounds);
	check(s4, x);
	part_unref(s4);
	part_unref(s1);
	unsetenv("MH_QUEUE_THREADS");
	qt_rmtree(root);
}

/* ------------------------------------------------------------------ */

static void
postfix_threads(void **state)
{
	static const char *const dirs[] = { "maildrop", "incoming", "active",
		"deferred", "deferred/A", "hold", "corrupt" };
	struct pfq_rcpt r[3] = { { "a@gmail.example", 'R' },
		{ "b@yahoo.example", 'R' }, { "c@done.example", 'D' } };
	struct expect x = { 0 };
	char root[64] = "/tmp/mh-qs-XXXXXX";
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(root));
	for (i = 0; i < MH_ARRAY_SIZE(dirs); i++)
		assert_int_equal(mkdir(qt_path(root, "%s", dirs[i]), 0700), 0);
	for (i = 0; i < NMSG; i++) {
		char sender[64], name[32];
		struct pfq_msg m = { .arrival = 1700000000 + (long)i, .usec = 1,
			.rcpt = r, .nrcpt = 1 + i % 3, .body = "Subject: x\n\nhi\n" };

		m.sender = sender_of(i, sender, sizeof(sender));
		snprintf(name, sizeof(name), "%05zX%X", i, 0xabcu);
		assert_int_equal(pfq_write(qt_path(root, "%s", i % 5 ?
		    "deferred/A" : "active"), name, 0700, &m), 0);
		/* the third recipient is delivered: not counted */
		count_msg(&x, 1 + (i % 3 == 2 ? 1 : i % 3), 0, m.sender);
	}
	check_threads(MH_MTA_POSTFIX, root, &x, 2);
}

/* qmail: split 23, message i is number i + 100 in mess/, info/ and
 * remote/ (1 + i % 3 recipients, all pending), 2 bytes of message */
static void
qmail_threads(void **state)
{
	static const char *const top[] = { "mess", "info", "local", "remote",
		"todo", "intd", "bounce", "pid", "lock" };
	struct expect x = { 0 };
	char root[64] = "/tmp/mh-qs-XXXXXX";
	size_t i, k;

	(void)state;
	assert_non_null(mkdtemp(root));
	for (i = 0; i < MH_ARRAY_SIZE(top); i++) {
		assert_int_equal(mkdir(qt_path(root, "%s", top[i]), 0750), 0);
		for (k = 0; i < 4 && k < 23; k++)
			assert_int_equal(mkdir(qt_path(root, "%s/%zu", top[i],
			    k), 0750), 0);
	}
	for (i = 0; i < NMSG; i++) {
		char sb[64], info[80], chan[200];
		const char *snd = sender_of(i, sb, sizeof(sb));
		size_t n = 1 + i % 3, id = i + 100, cl = 0;
		int il = snprintf(info, sizeof(info), "F%s", snd);

		for (k = 0; k < n; k++)
			cl += (size_t)snprintf(chan + cl, sizeof(chan) - cl,
			    "Tu%zu@d%zu.example", k, (i + k) % 7) + 1;
		qt_write(qt_path(root, "mess/%zu/%zu", id % 23, id), "hi", 2,
		    0644);
		qt_write(qt_path(root, "info/%zu/%zu", id % 23, id), info,
		    (size_t)il + 1, 0600);
		qt_write(qt_path(root, "remote/%zu/%zu", id % 23, id), chan,
		    cl, 0600);
		count_msg(&x, n, 2, snd);
	}
	check_threads(MH_MTA_QMAIL, root, &x, 3);
}

/* Exim: split spool, message i in input/a, 1 + i % 3 recipients */
static void
exim_threads(void **state)
{
	struct expect x = { 0 };
	char root[64] = "/tmp/mh-qs-XXXXXX";
	size_t i, k;

	(void)state;
	assert_non_null(mkdtemp(root));
	assert_int_equal(mkdir(qt_path(root, "input"), 0750), 0);
	assert_int_equal(mkdir(qt_path(root, "msglog"), 0750), 0);
	assert_int_equal(mkdir(qt_path(root, "input/a"), 0750), 0);
	for (i = 0; i < NMSG; i++) {
		char sb[64], id[32], h[600], d[64];
		const char *snd = sender_of(i, sb, sizeof(sb));
		size_t n = 1 + i % 3;
		int hl, dl;

		snprintf(id, sizeof(id), "1xWxia-%06zu-1I", i);
		hl = snprintf(h, sizeof(h), "%s-H\nroot 0 0\n<%s>\n%zu 0\n"
		    "-ident root\nXX\n%zu\n", id, snd, 1700000000 + i, n);
		for (k = 0; k < n; k++)
			hl += snprintf(h + hl, sizeof(h) - (size_t)hl,
			    "u%zu@d%zu.example\n", k, (i + k) % 7);
		hl += snprintf(h + hl, sizeof(h) - (size_t)hl,
		    "\n020T To: x@gmail.example\n");
		dl = snprintf(d, sizeof(d), "%s-D\nhi\n", id);
		qt_write(qt_path(root, "input/a/%s-D", id), d, (size_t)dl,
		    0640);
		qt_write(qt_path(root, "input/a/%s-H", id), h, (size_t)hl,
		    0640);
		/* bytes: To:, "hi\n", the blank line */
		count_msg(&x, n, 20 + 3 + 1, snd);
	}
	check_threads(MH_MTA_EXIM, root, &x, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(postfix_threads),
		cmocka_unit_test(qmail_threads),
		cmocka_unit_test(exim_threads),
	};

	log_init("test_queue_scale", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
