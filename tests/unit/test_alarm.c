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

#include "core/core.h"

struct events {
	size_t n;
	enum alarm_event_kind kind[32];
	char inst[32][64];
	double value[32], thr[32];
	uint32_t index[32];
	char text[32][256];
};

static void
record(const struct alarm_event *ev, void *arg)
{
	struct events *e = arg;

	assert_true(e->n < 32);
	e->kind[e->n] = ev->kind;
	snprintf(e->inst[e->n], 64, "%s", ev->row->instance);
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

static struct snapshot *
queue_snap(uint64_t total)
{
	struct snapshot *s = snapshot_new();

	s->have = SNAP_HAVE_QUEUE;
	s->q_messages = total;
	return s;
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
	const struct alarm_row *rows[4];

	(void)state;
	alarms_configure(a, c);
	step(a, 99, 1000, &e);
	assert_int_equal(e.n, 0);
	step(a, 100, 1030, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.kind[0], ALARM_RAISED);
	assert_true(e.value[0] == 100 && e.thr[0] == 100);
	assert_string_equal(e.text[0], "queue.total 100 >= 100");
	assert_int_equal(alarms_active(a, rows, 4), 1);
	assert_true(rows[0]->raised == 1030);
	/* between falling and rising: stays raised, no new event */
	step(a, 90, 1060, &e);
	step(a, 150, 1090, &e);
	assert_int_equal(e.n, 1);
	step(a, 80, 1120, &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.kind[1], ALARM_CLEARED);
	assert_true(e.thr[1] == 80);
	assert_string_equal(e.text[1], "cleared: queue.total 80 <= 80");
	assert_int_equal(e.index[0], e.index[1]);
	assert_int_equal(alarms_active(a, rows, 4), 0);
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
	struct snapshot *empty = snapshot_new();
	const struct alarm_row *rows[4];

	(void)state;
	alarms_configure(a, c);
	step(a, 500, 1000, &e);
	/* a round where the queue could not be read neither clears nor
	 * raises anything */
	alarms_eval(a, empty, 1030, record, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(alarms_active(a, rows, 4), 1);
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
	struct snapshot *s = snapshot_new();
	const struct alarm_row *rows[4];

	(void)state;
	alarms_configure(a, c);
	s->have = SNAP_HAVE_QUEUE;
	s->nqueues = 2;
	strcpy(s->queues[0].name, "active");
	strcpy(s->queues[1].name, "deferred");
	s->queues[0].messages = 3;
	s->queues[1].messages = 12;
	alarms_eval(a, s, 1000, record, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.inst[0], "deferred");
	assert_string_equal(e.text[0], "queue.messages[deferred] 12 >= 10");
	s->queues[0].messages = 11;
	alarms_eval(a, s, 1001, record, &e);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.inst[1], "active");
	assert_true(e.index[0] != e.index[1]);
	assert_int_equal(alarms_active(a, rows, 4), 2);
	assert_true(rows[0]->index < rows[1]->index);
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
	struct snapshot *s = snapshot_new();

	(void)state;
	alarms_configure(a, c);
	s->have = SNAP_HAVE_QUEUE | SNAP_HAVE_QUEUE_TOP;
	s->top_senders.n = 1;
	s->top_senders.v[0].key = xstrdup("spam@x.example");
	s->top_senders.v[0].count = 500;
	alarms_eval(a, s, 1000, record, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.inst[0], "spam@x.example");
	free(s->top_senders.v[0].key);
	s->top_senders.v[0].key = xstrdup("ok@y.example");
	s->top_senders.v[0].count = 30;
	alarms_eval(a, s, 1001, record, &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.kind[1], ALARM_CLEARED);
	assert_string_equal(e.inst[1], "spam@x.example");
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
	const struct alarm_row *rows[4];

	(void)state;
	alarms_configure(a, c);
	step(a, 500, 1000, &e);
	assert_int_equal(e.n, 1);
	/* same name, new thresholds: keeps state and index, then clears by
	 * the new falling value */
	alarms_configure(a, c2);
	conf_free(c);
	assert_int_equal(alarms_active(a, rows, 4), 1);
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
	assert_int_equal(alarms_active(a, rows, 4), 0);
	alarms_free(a);
	conf_free(c2);
	conf_free(c3);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
