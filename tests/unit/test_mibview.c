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
#include "mhmib.h"

#define R 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 25

static struct snapshot *
sample(void)
{
	struct snapshot *s = snapshot_new();

	s->taken = 1700000000;
	s->duration_ms = 42;
	s->mta = MH_MTA_POSTFIX;
	s->have = SNAP_HAVE_QUEUE | SNAP_HAVE_QUEUE_TOP | SNAP_HAVE_QUEUE_RCPT;
	s->nqueues = 2;
	strcpy(s->queues[0].name, "active");
	s->queues[0].messages = 2;
	s->queues[0].bytes = 2048;
	s->queues[0].recipients = 2;
	s->queues[0].oldest = 1700000000 - 10;
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
	s->top_senders.n = 2;
	s->top_senders.v[0].key = xstrdup("flood@spam.example");
	s->top_senders.v[0].count = 24;
	s->top_senders.v[1].key = xstrdup("<>");
	s->top_senders.v[1].count = 1;
	s->top_domains.n = 1;
	s->top_domains.v[0].key = xstrdup("gmail.example");
	s->top_domains.v[0].count = 40;
	return s;
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
	/* GETNEXT from the root and from before it lands on the first row */
	{
		const uint32_t root[] = { R };
		const uint32_t before[] = { 1, 3, 6, 1, 4, 1, 8072, 9999 };

		assert_ptr_equal(mibview_next(m, root, 10), mibview_at(m, 0));
		assert_ptr_equal(mibview_next(m, before, 8), mibview_at(m, 0));
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
