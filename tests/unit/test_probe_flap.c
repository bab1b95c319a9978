/*
 * test_probe_flap.c: flap control (probe_flap.c). Down after `fall`
 * failures in a row, up after `rise` successes in a row; the same from
 * unknown; last_change moves only when the status does; last_error is
 * the last failure's text and stays after a recovery.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "probe/probe_int.h"

static void
round_(struct probe_result *r, bool ok, const char *err, unsigned fall,
    unsigned rise, time_t now)
{
	snprintf(r->error, sizeof(r->error), "%s", ok ? "" : err);
	probe_flap_apply(r, ok, fall, rise, now);
}

static struct probe_result
fresh(void)
{
	struct probe_result r;

	memset(&r, 0, sizeof(r));
	r.status = PROBE_UNKNOWN;
	return r;
}

static void
defaults_fall2_rise1(void **state)
{
	struct probe_result r = fresh();

	(void)state;
	/* one failure at start: still unknown, nothing changed */
	round_(&r, false, "connect refused", 2, 1, 100);
	assert_int_equal(r.status, PROBE_UNKNOWN);
	assert_false(r.status_changed);
	assert_int_equal(r.last_change, 0);
	assert_int_equal(r.fails, 1);
	assert_string_equal(r.last_error, "connect refused");
	/* the second: down, changed at 130 */
	round_(&r, false, "timeout after 10 s", 2, 1, 130);
	assert_int_equal(r.status, PROBE_DOWN);
	assert_true(r.status_changed);
	assert_int_equal(r.last_change, 130);
	assert_string_equal(r.last_error, "timeout after 10 s");
	/* a third: still down, not a change */
	round_(&r, false, "connect refused", 2, 1, 160);
	assert_false(r.status_changed);
	assert_int_equal(r.last_change, 130);
	assert_int_equal(r.fails, 3);
	/* the first success: up at once; last_error stays */
	round_(&r, true, NULL, 2, 1, 190);
	assert_int_equal(r.status, PROBE_UP);
	assert_true(r.status_changed);
	assert_int_equal(r.last_change, 190);
	assert_int_equal(r.fails, 0);
	assert_int_equal(r.oks, 1);
	assert_string_equal(r.last_error, "connect refused");
}

static void
one_failure_is_not_down(void **state)
{
	struct probe_result r = fresh();
	time_t t = 1000;
	int i;

	(void)state;
	round_(&r, true, NULL, 2, 1, t);
	assert_int_equal(r.status, PROBE_UP);
	assert_int_equal(r.last_change, 1000);
	/* fail, ok, fail, ok...: never down with fall 2 */
	for (i = 0; i < 10; i++) {
		round_(&r, i % 2 == 0 ? false : true, "greeting 554", 2, 1,
		    t += 30);
		assert_int_equal(r.status, PROBE_UP);
		assert_false(r.status_changed);
	}
	assert_int_equal(r.last_change, 1000);
	assert_string_equal(r.last_error, "greeting 554");
}

static void
rise_needs_a_run(void **state)
{
	struct probe_result r = fresh();

	(void)state;
	/* fall 3, rise 2 */
	round_(&r, false, "a", 3, 2, 1);
	round_(&r, false, "b", 3, 2, 2);
	assert_int_equal(r.status, PROBE_UNKNOWN);
	round_(&r, false, "c", 3, 2, 3);
	assert_int_equal(r.status, PROBE_DOWN);
	assert_int_equal(r.last_change, 3);
	round_(&r, true, NULL, 3, 2, 4);
	assert_int_equal(r.status, PROBE_DOWN);	/* one success is not enough */
	round_(&r, false, "d", 3, 2, 5);	/* and the run is broken */
	round_(&r, true, NULL, 3, 2, 6);
	assert_int_equal(r.status, PROBE_DOWN);
	round_(&r, true, NULL, 3, 2, 7);
	assert_int_equal(r.status, PROBE_UP);
	assert_true(r.status_changed);
	assert_int_equal(r.last_change, 7);
	assert_string_equal(r.last_error, "d");
}

static void
fall1_rise1_follows_every_round(void **state)
{
	struct probe_result r = fresh();

	(void)state;
	round_(&r, false, "x", 1, 1, 10);
	assert_int_equal(r.status, PROBE_DOWN);
	round_(&r, true, NULL, 1, 1, 20);
	assert_int_equal(r.status, PROBE_UP);
	round_(&r, false, "y", 1, 1, 30);
	assert_int_equal(r.status, PROBE_DOWN);
	assert_int_equal(r.last_change, 30);
	/* 0 means 1, not "never" */
	round_(&r, true, NULL, 0, 0, 40);
	assert_int_equal(r.status, PROBE_UP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_fall2_rise1),
		cmocka_unit_test(one_failure_is_not_down),
		cmocka_unit_test(rise_needs_a_run),
		cmocka_unit_test(fall1_rise1_follows_every_round),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
