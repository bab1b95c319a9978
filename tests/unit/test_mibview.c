/*
 * test_mibview.c: the golden OID table. The view must be sorted, GET must
 * find every row, GETNEXT of row j must be row j+1, and the values must
 * be those of the snapshot at the OIDs MAILHEALTH-MIB gives them.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "view/view.h"
#include "queue/queue.h"
#include "mhmib.h"

#define R 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 25

static struct snapshot *
wrap(struct queue_part *q, time_t taken)
{
	struct snapshot *s = snapshot_new(ncollectors);
	size_t i;

	s->taken = s->last_collect = taken;
	s->duration_ms = 42;
	for (i = 0; i < ncollectors; i++)
		if (collectors[i] == &collector_queue) {
			s->parts[i].part = part_new(&collector_queue);
			s->parts[i].part->data = q;
			s->parts[i].part->taken = taken;
		}
	return s;
}

static void
top(struct snap_toplist *l, size_t i, const char *key, uint64_t count)
{
	l->v[i].key = xstrdup(key);
	l->v[i].count = count;
	l->v[i].sure = count;
	l->v[i].share = count * 100.0 / 32;
	if (l->n < i + 1)
		l->n = i + 1;
}

static struct snapshot *
sample(void)
{
	struct queue_part *s = xcalloc(1, sizeof(*s));

	s->mta = MH_MTA_POSTFIX;
	s->have = SNAP_HAVE_QUEUE | SNAP_HAVE_QUEUE_TOP | SNAP_HAVE_QUEUE_RCPT;
	s->nqueues = 2;
	strcpy(s->queues[0].name, "active");
	s->queues[0].messages = 2;
	s->queues[0].bytes = 2048;
	s->queues[0].recipients = 2;
	s->queues[0].oldest = 1700000000 - 10;
	s->queues[0].have = s->queues[1].have = SNAP_HAVE_QUEUE_ROW |
	    SNAP_HAVE_QUEUE_RCPT;
	strcpy(s->queues[1].name, "deferred");
	s->queues[1].messages = 30;
	s->queues[1].bytes = 30 * 1500 + 1;
	s->queues[1].recipients = 45;
	s->queues[1].oldest = 1700000000 - 3600;
	s->q_messages = 32;
	s->q_bytes = 2048 + 30 * 1500 + 1;
	s->q_recipients = 47;
	s->q_oldest = 1700000000 - 3600;
	s->q_bounces = 1;
	top(&s->top_senders, 0, "flood@spam.example", 24);
	top(&s->top_senders, 1, "", 1);
	top(&s->top_domains, 0, "gmail.example", 40);
	return wrap(s, 1700000000);
}

static struct agent_info ai = {
	.version = "9.9", .hostname = "mx1.test", .started = 1690000000,
	.interval = 30, .collect_errors = 3,
};

static int
cmp(const uint32_t *a, size_t al, const uint32_t *b, size_t bl)
{
	size_t i;

	for (i = 0; i < al && i < bl; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return al < bl ? -1 : al > bl;
}

static const struct mv_entry *
get(const struct mibview *m, const uint32_t *o, size_t len)
{
	return mibview_get(m, o, len);
}
#define GET(m, ...) get((m), (const uint32_t[]){ __VA_ARGS__ }, \
    sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))

static void
test_sorted_get_next(void **state)
{
	struct mibview *m = mibview_new();
	struct snapshot *s = sample();
	size_t i, n;

	(void)state;
	mibview_build(m, s, &ai, NULL, 10);
	n = mibview_count(m);
	assert_true(n > 30);
	for (i = 0; i < n; i++) {
		const struct mv_entry *e = mibview_at(m, i), *g, *nx;

		g = mibview_get(m, e->oid, e->len);
		assert_ptr_equal(g, e);
		nx = mibview_next(m, e->oid, e->len);
		if (i + 1 < n) {
			assert_ptr_equal(nx, mibview_at(m, i + 1));
			assert_true(cmp(e->oid, e->len, nx->oid, nx->len) < 0);
		} else
			assert_null(nx);
		/* every served OID is an object the MIB defines */
		assert_true(mibview_is_object(e->oid, e->len));
	}
	/* GETNEXT from the root and from before it lands on the first row
	 * of MAILHEALTH-MIB (the standard MIBs' rows, under mib-2, come
	 * before it: test_mibstd.c) */
	{
		const uint32_t root[] = { R };
		const uint32_t before[] = { 1, 3, 6, 1, 4, 1, 8072, 9999 };
		const struct mv_entry *first = NULL;

		for (i = 0; i < n && first == NULL; i++)
			if (cmp(mibview_at(m, i)->oid, 10, root, 10) == 0)
				first = mibview_at(m, i);
		assert_non_null(first);
		assert_ptr_equal(mibview_next(m, root, 10), first);
		assert_ptr_equal(mibview_next(m, before, 8), first);
	}
	mibview_free(m);
	snapshot_free(s);
}

static void
test_values(void **state)
{
	struct mibview *m = mibview_new();
	struct snapshot *s = sample();
	const struct mv_entry *e;

	(void)state;
	mibview_build(m, s, &ai, NULL, 10);
	e = GET(m, R, 1, 2, 1, 0);		/* mhQueueMessages */
	assert_non_null(e);
	assert_int_equal(e->type, MV_GAUGE);
	assert_int_equal(e->v.u, 32);
	e = GET(m, R, 1, 2, 2, 0);		/* mhQueueKBytes, rounded up */
	assert_int_equal(e->v.u, (2048 + 45000 + 1 + 1023) / 1024);
	e = GET(m, R, 1, 2, 3, 0);		/* mhQueueOldestAge */
	assert_int_equal(e->v.u, 3600);
	assert_null(GET(m, R, 1, 2, 4, 0));	/* no growth yet */
	e = GET(m, R, 1, 2, 5, 0);
	assert_int_equal(e->v.u, 1);
	e = GET(m, R, 1, 2, 10, 1, 2, 2);	/* mhQueueName.2 */
	assert_int_equal(e->type, MV_STRING);
	assert_string_equal(e->v.str.s, "deferred");
	e = GET(m, R, 1, 2, 10, 1, 3, 2);
	assert_int_equal(e->v.u, 30);
	e = GET(m, R, 1, 2, 10, 1, 5, 1);
	assert_int_equal(e->v.u, 10);
	e = GET(m, R, 1, 2, 11, 1, 2, 1);	/* mhQueueSenderAddress.1 */
	assert_string_equal(e->v.str.s, "flood@spam.example");
	e = GET(m, R, 1, 2, 11, 1, 3, 1);
	assert_int_equal(e->v.u, 24);
	e = GET(m, R, 1, 2, 11, 1, 4, 1);	/* share: 24/32 = 75.00% */
	assert_int_equal(e->v.u, 7500);
	e = GET(m, R, 1, 2, 11, 1, 5, 1);	/* mhQueueSenderRank.1 */
	assert_int_equal(e->v.u, 1);
	e = GET(m, R, 1, 2, 11, 1, 2, 2);	/* the null sender: "" */
	assert_int_equal(e->v.str.slen, 0);
	e = GET(m, R, 1, 2, 12, 1, 2, 1);
	assert_string_equal(e->v.str.s, "gmail.example");
	e = GET(m, R, 1, 1, 1, 0);
	assert_string_equal(e->v.str.s, "9.9");
	e = GET(m, R, 1, 1, 2, 0);
	assert_int_equal(e->v.i, MH_MTA_POSTFIX);
	e = GET(m, R, 1, 1, 4, 0);		/* DateAndTime, 11 octets */
	assert_int_equal(e->v.str.slen, 11);
	assert_int_equal((unsigned char)e->v.str.s[0] * 256 +
	    (unsigned char)e->v.str.s[1], 2023);
	{
		/* local time, with the zone's offset in octets 8-10 */
		time_t t = 1690000000;
		struct tm tm;
		long off;

		localtime_r(&t, &tm);
		off = tm.tm_gmtoff;
		assert_int_equal(e->v.str.s[4], tm.tm_hour);
		assert_int_equal(e->v.str.s[8], off < 0 ? '-' : '+');
		if (off < 0)
			off = -off;
		assert_int_equal(e->v.str.s[9], off / 3600);
		assert_int_equal(e->v.str.s[10], (off % 3600) / 60);
	}
	e = GET(m, R, 1, 1, 7, 0);
	assert_int_equal(e->type, MV_AGE);
	assert_int_equal(e->v.u, 1700000000);
	e = GET(m, R, 1, 1, 9, 0);
	assert_int_equal(e->v.u, 3);
	mibview_free(m);
	snapshot_free(s);
}

static void
test_no_snapshot(void **state)
{
	struct mibview *m = mibview_new();

	(void)state;
	mibview_build(m, NULL, &ai, NULL, 10);
	assert_non_null(GET(m, R, 1, 1, 1, 0));
	assert_null(GET(m, R, 1, 2, 1, 0));
	/* ...which a GET answers noSuchInstance, not noSuchObject */
	assert_true(mibview_is_object((const uint32_t[]){ R, 1, 2, 1, 0 }, 14));
	assert_true(mibview_is_object(
	    (const uint32_t[]){ R, 1, 5, 11, 1, 3, 1 }, 17));
	assert_false(mibview_is_object((const uint32_t[]){ R, 1, 2, 99, 0 }, 14));
	assert_false(mibview_is_object((const uint32_t[]){ R, 1, 11, 1, 0 }, 14));
	mibview_free(m);
}

static void
test_alarm_rows(void **state)
{
	struct mibview *m = mibview_new();
	struct snapshot *s = sample();
	struct alarms *a = alarms_new();
	struct conf c = { 0 };
	struct conf_alarm ca = { .name = "big", .metric = "queue.total",
		.rising = 10, .falling = 5, .severity = MH_SEV_MAJOR };
	const struct mv_entry *e;

	(void)state;
	c.nalarms = 1;
	c.alarms = &ca;
	alarms_configure(a, &c);
	alarms_eval(a, s, s->taken, NULL, NULL);
	mibview_build(m, s, &ai, a, 10);
	e = GET(m, R, 1, 10, 1, 0);
	assert_int_equal(e->v.u, 1);
	e = GET(m, R, 1, 10, 10, 1, 2, 1);
	assert_string_equal(e->v.str.s, "big");
	e = GET(m, R, 1, 10, 10, 1, 5, 1);
	assert_int_equal(e->v.i, MH_SEV_MAJOR);
	e = GET(m, R, 1, 10, 10, 1, 6, 1);
	assert_int_equal(e->v.i, 32);
	e = GET(m, R, 1, 10, 10, 1, 10, 1);	/* mhQueueAlarm = R.0.1 */
	assert_int_equal(e->type, MV_OID);
	assert_int_equal(e->v.oid.olen, 12);
	assert_int_equal(e->v.oid.o[10], 0);
	assert_int_equal(e->v.oid.o[11], 1);
	alarms_free(a);
	mibview_free(m);
	snapshot_free(s);
}

/* Rows of a per-key table keep their index while their key stays in the
 * table, whatever the ranking; the rank is a column. */
static void
test_stable_index(void **state)
{
	struct mibview *m = mibview_new();
	struct queue_part *q = xcalloc(1, sizeof(*q));
	struct snapshot *s;
	const struct mv_entry *e;

	(void)state;
	q->mta = MH_MTA_POSTFIX;
	q->have = SNAP_HAVE_QUEUE | SNAP_HAVE_QUEUE_TOP;
	top(&q->top_senders, 0, "a@x", 30);
	top(&q->top_senders, 1, "b@x", 20);
	top(&q->top_senders, 2, "c@x", 10);
	s = wrap(q, 1700000000);
	mibview_build(m, s, &ai, NULL, 10);
	e = GET(m, R, 1, 2, 11, 1, 2, 2);
	assert_string_equal(e->v.str.s, "b@x");
	snapshot_free(s);

	/* a new flooder takes rank 1, b drops to rank 3, a leaves */
	q = xcalloc(1, sizeof(*q));
	q->have = SNAP_HAVE_QUEUE | SNAP_HAVE_QUEUE_TOP;
	top(&q->top_senders, 0, "new@x", 90);
	top(&q->top_senders, 1, "c@x", 40);
	top(&q->top_senders, 2, "b@x", 25);
	s = wrap(q, 1700000030);
	mibview_build(m, s, &ai, NULL, 10);
	e = GET(m, R, 1, 2, 11, 1, 2, 2);	/* b keeps index 2 */
	assert_string_equal(e->v.str.s, "b@x");
	e = GET(m, R, 1, 2, 11, 1, 5, 2);
	assert_int_equal(e->v.u, 3);
	e = GET(m, R, 1, 2, 11, 1, 2, 3);	/* c keeps index 3 */
	assert_string_equal(e->v.str.s, "c@x");
	e = GET(m, R, 1, 2, 11, 1, 5, 3);
	assert_int_equal(e->v.u, 2);
	assert_null(GET(m, R, 1, 2, 11, 1, 2, 1));	/* a is gone */
	e = GET(m, R, 1, 2, 11, 1, 2, 4);	/* the newcomer: a new index */
	assert_string_equal(e->v.str.s, "new@x");
	e = GET(m, R, 1, 2, 11, 1, 5, 4);
	assert_int_equal(e->v.u, 1);
	snapshot_free(s);
	mibview_free(m);
}

/* Strings leave through one door: valid UTF-8, no control characters,
 * at most 255 octets cut at a character boundary. */
static void
test_clean_strings(void **state)
{
	struct mibview *m = mibview_new();
	struct queue_part *q = xcalloc(1, sizeof(*q));
	struct snapshot *s;
	const struct mv_entry *e;
	char big[600];
	size_t i;

	(void)state;
	q->have = SNAP_HAVE_QUEUE | SNAP_HAVE_QUEUE_TOP;
	top(&q->top_senders, 0, "\x1b]0;owned\x07x@y", 3);
	top(&q->top_senders, 1, "\xff\xfe@z\nq", 2);
	/* 510 octets of two-byte characters and one more: must be cut at
	 * 254, not in the middle of a character */
	for (i = 0; i < 510; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[510] = 'x';
	big[511] = '\0';
	top(&q->top_senders, 2, big, 1);
	s = wrap(q, 1700000000);
	mibview_build(m, s, &ai, NULL, 10);
	e = GET(m, R, 1, 2, 11, 1, 2, 1);
	assert_string_equal(e->v.str.s, "\xef\xbf\xbd]0;owned\xef\xbf\xbdx@y");
	e = GET(m, R, 1, 2, 11, 1, 2, 2);
	assert_string_equal(e->v.str.s, "\xef\xbf\xbd\xef\xbf\xbd@z q");
	e = GET(m, R, 1, 2, 11, 1, 2, 3);
	assert_int_equal(e->v.str.slen, 254);
	for (i = 0; i < e->v.str.slen; i++)
		assert_true((unsigned char)e->v.str.s[i] >= 0x80);
	snapshot_free(s);
	mibview_free(m);
}

/* The same door for the --once report: no control byte reaches a
 * terminal (a sender address used to set its title), the JSON stays
 * valid UTF-8 with the bad bytes replaced, and long keys are cut. */
static void
test_clean_report(void **state)
{
	struct queue_part *q = xcalloc(1, sizeof(*q));
	struct snapshot *s;
	char big[600], *text, *json;
	size_t i;

	(void)state;
	q->mta = MH_MTA_POSTFIX;
	q->have = SNAP_HAVE_QUEUE | SNAP_HAVE_QUEUE_TOP;
	top(&q->top_senders, 0, "\x1b]0;owned\x07x@y", 3);
	top(&q->top_senders, 1, "\xff\xfe@z\nq", 2);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	top(&q->top_senders, 2, big, 1);
	s = wrap(q, 1700000000);
	text = report_text(s, &ai, NULL, 10);
	json = report_json(s, &ai, NULL);
	for (i = 0; text[i]; i++)
		assert_true((unsigned char)text[i] >= 0x20 || text[i] == '\n');
	assert_null(strstr(text, "\xff"));
	assert_non_null(strstr(text, "]0;owned"));
	for (i = 0; json[i]; i++)
		assert_true((unsigned char)json[i] >= 0x20 || json[i] == '\n');
	assert_non_null(strstr(json, "\"\xef\xbf\xbd\xef\xbf\xbd@z q\""));
	assert_null(strstr(json, big));		/* 599 octets: cut at 255 */
	big[255] = '\0';
	assert_non_null(strstr(json, big));
	free(text);
	free(json);
	snapshot_free(s);
}

static void
test_notification_oids(void **state)
{
	uint32_t o[MV_OID_MAX];

	(void)state;
	assert_int_equal(mib_notification_oid(MH_FAM_QUEUE, false, o), 12);
	assert_int_equal(o[11], 1);
	mib_notification_oid(MH_FAM_QUEUE, true, o);
	assert_int_equal(o[11], 2);
	mib_notification_oid(MH_FAM_AGENT, true, o);
	assert_int_equal(o[11], 18);
	assert_int_equal(mv_clamp32(5e12), 2147483647);
	assert_int_equal(mv_clamp32(-5e12), -2147483647 - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted_get_next),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_no_snapshot),
		cmocka_unit_test(test_alarm_rows),
		cmocka_unit_test(test_notification_oids),
		cmocka_unit_test(test_stable_index),
		cmocka_unit_test(test_clean_strings),
		cmocka_unit_test(test_clean_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
