/*
 * test_alarm.c: thresholds, hysteresis, hold-down, instances, reload.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <malloc.h>

#include "core/core.h"
#include "queue/queue.h"

struct events {
	size_t n;
	enum alarm_event_kind kind[32];
	char inst[32][1100];
	double value[32], thr[32];
	uint32_t index[32];
	char text[32][256];
};

static void
record(const struct alarm_event *ev, void *arg)
{
	struct events *e = arg;

	if (e == NULL)
		return;
	assert_true(e->n < 32);
	e->kind[e->n] = ev->kind;
	snprintf(e->inst[e->n], sizeof(e->inst[0]), "%s", ev->row->instance);
	e->value[e->n] = ev->value;
	e->thr[e->n] = ev->threshold;
	e->index[e->n] = ev->row->index;
	alarm_text(ev, e->text[e->n], sizeof(e->text[0]));
	e->n++;
}

static struct conf *
one_alarm(const char *metric, double rising, double falling, long hold)
{
	struct conf *c = xcalloc(1, sizeof(*c));

	c->alarm_forget = 3600;
	c->alarm_instances = 100000;
	c->nalarms = 1;
	c->alarms = xcalloc(1, sizeof(*c->alarms));
	c->alarms[0].name = xstrdup("a1");
	c->alarms[0].metric = xstrdup(metric);
	c->alarms[0].rising = rising;
	c->alarms[0].falling = falling;
	c->alarms[0].hold = hold;
	c->alarms[0].severity = MH_SEV_CRITICAL;
	return c;
}

/* A snapshot whose queue part is q (owned by the snapshot). */
static struct snapshot *
snap_of(struct queue_part *q)
{
	struct snapshot *s = snapshot_new(ncollectors);
	size_t i;

	for (i = 0; i < ncollectors; i++)
		if (collectors[i] == &collector_queue) {
			s->parts[i].part = part_new(&collector_queue);
			s->parts[i].part->data = q;
		}
	return s;
}

static struct queue_part *
qpart(void)
{
	return xcalloc(1, sizeof(struct queue_part));
}

static struct snapshot *
queue_snap(uint64_t total)
{
	struct queue_part *q = qpart();

	q->have = SNAP_HAVE_QUEUE;
	q->q_messages = total;
	return snap_of(q);
}

/* A queue part with the top senders given as key/count pairs. */
static struct queue_part *
senders(size_t n, const char *const *keys, const uint64_t *counts,
    const uint64_t *errors)
{
	struct queue_part *q = qpart();
	size_t i;

	q->have = SNAP_HAVE_QUEUE | SNAP_HAVE_QUEUE_TOP;
	q->top_senders.n = n;
	for (i = 0; i < n; i++) {
		q->top_senders.v[i].key = xstrdup(keys[i]);
		q->top_senders.v[i].count = counts[i];
		q->top_senders.v[i].error = errors ? errors[i] : 0;
		q->top_senders.v[i].sure = counts[i] - (errors ? errors[i] : 0);
	}
	return q;
}

static void
step(struct alarms *a, uint64_t total, time_t now, struct events *e)
{
	struct snapshot *s = queue_snap(total);

	s->taken = now;
	alarms_eval(a, s, now, record, e);
	snapshot_free(s);
}

static void
test_hysteresis(void **state)
{
	struct conf *c = one_alarm("queue.total", 100, 80, 0);
	struct alarms *a = alarms_new();
	struct events e = { 0 };
	const struct alarm_row **rows;

	(void)state;
	alarms_configure(a, c);
	step(a, 99, 1000, &e);
	assert_int_equal(e.n, 0);
	step(a, 100, 1030, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.kind[0], ALARM_RAISED);
	assert_true(e.value[0] == 100 && e.thr[0] == 100);
	assert_string_equal(e.text[0], "queue.total 100 >= 100");
	assert_int_equal(alarms_active(a, &rows), 1);
	assert_true(rows[0]->raised == 1030);
	free(rows);
	/* between falling and rising: stays raised, no new event */
	step(a, 90, 1060, &e);
	step(a, 150, 1090, &e);
	assert_int_equal(e.n, 1);
	step(a, 80, 1120, &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.kind[1], ALARM_CLEARED);
	assert_true(e.thr[1] == 80);
	assert_string_equal(e.text[1], "queue.total 80 <= 80");
	assert_int_equal(e.index[0], e.index[1]);
	assert_int_equal(alarms_active(a, &rows), 0);
	free(rows);
	assert_int_equal(alarms_changes(a), 2);
	/* raised again: same index */
	step(a, 200, 1150, &e);
	assert_int_equal(e.n, 3);
	assert_int_equal(e.index[2], e.index[0]);
	alarms_free(a);
	conf_free(c);
}

static void
test_hold(void **state)
{
	struct conf *c = one_alarm("queue.total", 100, 80, 60);
	struct alarms *a = alarms_new();
	struct events e = { 0 };

	(void)state;
	alarms_configure(a, c);
	step(a, 120, 1000, &e);
	step(a, 120, 1030, &e);
	assert_int_equal(e.n, 0);
	/* dips below: the hold-down starts again */
	step(a, 50, 1045, &e);
	step(a, 120, 1050, &e);
	step(a, 120, 1100, &e);
	assert_int_equal(e.n, 0);
	step(a, 120, 1110, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.kind[0], ALARM_RAISED);
	alarms_free(a);
	conf_free(c);
}

static void
test_low_alarm(void **state)
{
	struct conf *c = one_alarm("queue.total", 10, 20, 0);
	struct alarms *a = alarms_new();
	struct events e = { 0 };

	(void)state;
	alarms_configure(a, c);
	step(a, 15, 1000, &e);
	assert_int_equal(e.n, 0);
	step(a, 10, 1001, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.text[0], "queue.total 10 <= 10");
	step(a, 19, 1002, &e);
	assert_int_equal(e.n, 1);
	step(a, 20, 1003, &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.kind[1], ALARM_CLEARED);
	alarms_free(a);
	conf_free(c);
}

static void
test_no_data_keeps_state(void **state)
{
	struct conf *c = one_alarm("queue.total", 100, 80, 0);
	struct alarms *a = alarms_new();
	struct events e = { 0 };
	struct snapshot *empty = snapshot_new(ncollectors);
	const struct alarm_row **rows;

	(void)state;
	alarms_configure(a, c);
	step(a, 500, 1000, &e);
	/* a round where the queue could not be read neither clears nor
	 * raises anything */
	alarms_eval(a, empty, 1030, record, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(alarms_active(a, &rows), 1);
	free(rows);
	snapshot_free(empty);
	alarms_free(a);
	conf_free(c);
}

static void
test_instances(void **state)
{
	struct conf *c = one_alarm("queue.messages", 10, 5, 0);
	struct alarms *a = alarms_new();
	struct events e = { 0 };
	struct queue_part *q = qpart();
	struct snapshot *s = snap_of(q);
	const struct alarm_row **rows;

	(void)state;
	alarms_configure(a, c);
	q->have = SNAP_HAVE_QUEUE;
	q->nqueues = 2;
	strcpy(q->queues[0].name, "active");
	strcpy(q->queues[1].name, "deferred");
	q->queues[0].have = q->queues[1].have = SNAP_HAVE_QUEUE_ROW;
	q->queues[0].messages = 3;
	q->queues[1].messages = 12;
	alarms_eval(a, s, 1000, record, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.inst[0], "deferred");
	assert_string_equal(e.text[0], "queue.messages deferred 12 >= 10");
	q->queues[0].messages = 11;
	alarms_eval(a, s, 1001, record, &e);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.inst[1], "active");
	assert_true(e.index[0] != e.index[1]);
	assert_int_equal(alarms_active(a, &rows), 2);
	assert_true(rows[0]->index < rows[1]->index);
	free(rows);
	/* a row whose counts are unknown (its directory could not be
	 * read) neither raises nor clears */
	q->queues[0].have = 0;
	alarms_eval(a, s, 1002, record, &e);
	assert_int_equal(e.n, 2);
	snapshot_free(s);
	alarms_free(a);
	conf_free(c);
}

static void
test_sender_drops_out(void **state)
{
	struct conf *c = one_alarm("queue.sender", 100, 20, 0);
	struct alarms *a = alarms_new();
	struct events e = { 0 };
	const char *k1[] = { "spam@x.example" }, *k2[] = { "ok@y.example" };
	const uint64_t c1[] = { 500 }, c2[] = { 30 };
	struct snapshot *s = snap_of(senders(1, k1, c1, NULL));

	(void)state;
	alarms_configure(a, c);
	alarms_eval(a, s, 1000, record, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.inst[0], "spam@x.example");
	snapshot_free(s);
	s = snap_of(senders(1, k2, c2, NULL));
	alarms_eval(a, s, 1001, record, &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.kind[1], ALARM_CLEARED);
	assert_string_equal(e.inst[1], "spam@x.example");
	snapshot_free(s);
	/* the queue drained: the list is known and empty, which is a
	 * clear too (not "no data") */
	s = snap_of(senders(1, k1, c1, NULL));
	alarms_eval(a, s, 1002, record, &e);
	assert_int_equal(e.n, 3);
	snapshot_free(s);
	s = snap_of(senders(0, NULL, NULL, NULL));
	alarms_eval(a, s, 1003, record, &e);
	assert_int_equal(e.n, 4);
	assert_int_equal(e.kind[3], ALARM_CLEARED);
	snapshot_free(s);
	alarms_free(a);
	conf_free(c);
}

static void
test_reload(void **state)
{
	struct conf *c = one_alarm("queue.total", 100, 80, 0);
	struct conf *c2 = one_alarm("queue.total", 1000, 800, 0);
	struct conf *c3 = one_alarm("queue.total", 100, 80, 0);
	struct alarms *a = alarms_new();
	struct events e = { 0 };
	const struct alarm_row **rows;

	(void)state;
	alarms_configure(a, c);
	step(a, 500, 1000, &e);
	assert_int_equal(e.n, 1);
	/* same name, new thresholds: keeps state and index, then clears by
	 * the new falling value */
	alarms_configure(a, c2);
	conf_free(c);
	assert_int_equal(alarms_active(a, &rows), 1);
	free(rows);
	step(a, 500, 1001, &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.kind[1], ALARM_CLEARED);
	assert_int_equal(e.index[1], e.index[0]);
	/* removed from the configuration while raised: it clears */
	free(c3->alarms[0].name);
	c3->alarms[0].name = xstrdup("other");
	step(a, 5000, 1002, &e);
	assert_int_equal(e.n, 3);
	alarms_configure(a, c3);
	step(a, 50, 1003, &e);
	assert_int_equal(e.n, 4);
	assert_int_equal(e.kind[3], ALARM_CLEARED);
	assert_int_equal(e.index[3], e.index[0]);
	assert_int_equal(alarms_active(a, &rows), 0);
	free(rows);
	alarms_free(a);
	conf_free(c2);
	conf_free(c3);
}

/* Two 1,000-byte senders that share all but their last bytes are two
 * alarm instances: each raises once and nothing flaps. */
static void
test_whole_key(void **state)
{
	struct conf *c = one_alarm("queue.sender", 10, 5, 0);
	struct alarms *a = alarms_new();
	struct events e = { 0 };
	char k1[1001], k2[1001];
	const char *keys[] = { k1, k2 };
	const uint64_t counts[] = { 50, 40 };
	int round;

	(void)state;
	memset(k1, 'a', 1000);
	memcpy(k2, k1, 1000);
	k1[999] = '1';
	k2[999] = '2';
	k1[1000] = k2[1000] = '\0';
	alarms_configure(a, c);
	for (round = 0; round < 5; round++) {
		struct snapshot *s = snap_of(senders(2, keys, counts, NULL));

		alarms_eval(a, s, 1000 + round, record, &e);
		snapshot_free(s);
	}
	assert_int_equal(e.n, 2);
	assert_int_equal(e.kind[0], ALARM_RAISED);
	assert_int_equal(e.kind[1], ALARM_RAISED);
	assert_string_not_equal(e.inst[0], e.inst[1]);
	assert_int_equal(strlen(e.inst[0]), 1000);
	alarms_free(a);
	conf_free(c);
}

/* Alarms on a top-N count compare what is guaranteed (count - error),
 * never the Space-Saving overestimate: 200,000 one-message senders must
 * not raise anything at an estimated 25. */
static void
test_guaranteed_count(void **state)
{
	struct conf *c = one_alarm("queue.sender", 10, 5, 0);
	struct alarms *a = alarms_new();
	struct events e = { 0 };
	const char *keys[] = { "junk1@x", "flood@y" };
	const uint64_t counts[] = { 25, 60 }, errors[] = { 24, 2 };
	struct snapshot *s = snap_of(senders(2, keys, counts, errors));

	(void)state;
	alarms_configure(a, c);
	alarms_eval(a, s, 1000, record, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.inst[0], "flood@y");
	assert_true(e.value[0] == 58);
	snapshot_free(s);
	alarms_free(a);
	conf_free(c);
}

/* An alarm for one instance only. */
static void
test_instance_filter(void **state)
{
	struct conf *c = one_alarm("queue.sender", 10, 5, 0);
	struct alarms *a = alarms_new();
	struct events e = { 0 };
	const char *keys[] = { "a@x", "b@y" };
	const uint64_t counts[] = { 50, 60 };
	struct snapshot *s = snap_of(senders(2, keys, counts, NULL));

	(void)state;
	c->alarms[0].instance = xstrdup("b@y");
	alarms_configure(a, c);
	alarms_eval(a, s, 1000, record, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.inst[0], "b@y");
	snapshot_free(s);
	alarms_free(a);
	conf_free(c);
}

/* 100,000 distinct instances raised and cleared: rows are freed once
 * clear for alarm_forget, and the allocator's in-use bytes come back to
 * where they were; past alarm_instances new ones are refused and
 * counted, not silently capped. */
static void
test_life_cycle(void **state)
{
	struct conf *c = one_alarm("queue.sender", 10, 5, 0);
	struct alarms *a = alarms_new();
	size_t before, after, peak = 0;
	time_t now = 1000;
	int round;

	(void)state;
	c->alarm_forget = 60;
	alarms_configure(a, c);
	/* warm the allocator's arenas with one round first */
	before = mallinfo2().uordblks;
	for (round = 0; round < 1000; round++) {
		char keys[100][32];
		const char *kp[100];
		uint64_t counts[100];
		struct snapshot *s;
		int i;

		for (i = 0; i < 100; i++) {
			snprintf(keys[i], sizeof(keys[i]), "junk%d@x.example",
			    round * 100 + i);
			kp[i] = keys[i];
			counts[i] = 20;
		}
		s = snap_of(senders(100, kp, counts, NULL));
		alarms_eval(a, s, now++, NULL, NULL);	/* raise 100 */
		snapshot_free(s);
		s = snap_of(senders(0, NULL, NULL, NULL));
		alarms_eval(a, s, now++, NULL, NULL);	/* all clear */
		snapshot_free(s);
		if (alarms_rows(a) > peak)
			peak = alarms_rows(a);
	}
	assert_int_equal(alarms_changes(a), 200000);
	/* rows live for alarm_forget (60 s, 2 s a round): about 30 rounds
	 * of 100, never all 100,000 */
	assert_true(peak <= 3200);
	now += 61;
	{
		struct snapshot *s = snap_of(senders(0, NULL, NULL, NULL));

		alarms_eval(a, s, now, NULL, NULL);
		snapshot_free(s);
	}
	assert_int_equal(alarms_rows(a), 0);
	after = mallinfo2().uordblks;
	/* the hash table may have grown: allow its buckets, nothing more */
	assert_true(after <= before + 64 * 1024);

	/* a cap, configured: new instances past it are counted */
	c->alarm_instances = 10;
	alarms_configure(a, c);
	{
		char keys[20][32];
		const char *kp[20];
		uint64_t counts[20];
		struct snapshot *s;
		int i;

		for (i = 0; i < 20; i++) {
			snprintf(keys[i], sizeof(keys[i]), "cap%d@x", i);
			kp[i] = keys[i];
			counts[i] = 20;
		}
		s = snap_of(senders(20, kp, counts, NULL));
		alarms_eval(a, s, now + 1, NULL, NULL);
		snapshot_free(s);
	}
	assert_int_equal(alarms_rows(a), 10);
	assert_int_equal(alarms_overflow(a), 10);
	alarms_free(a);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_low_alarm),
		cmocka_unit_test(test_no_data_keeps_state),
		cmocka_unit_test(test_instances),
		cmocka_unit_test(test_sender_drops_out),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_whole_key),
		cmocka_unit_test(test_guaranteed_count),
		cmocka_unit_test(test_instance_filter),
		cmocka_unit_test(test_life_cycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
