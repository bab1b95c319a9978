/*
 * test_sms_route.c: recipients by severity, notification type and state;
 * quiet hours, including across midnight.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sms.h"

static void
test_quiet_hours(void **state)
{
	struct quiet q;

	(void)state;
	assert_int_equal(sms_conf_parse_quiet("22:00-07:00", &q), 0);
	assert_true(route_quiet_now(&q, 22 * 60));
	assert_true(route_quiet_now(&q, 23 * 60 + 59));
	assert_true(route_quiet_now(&q, 0));
	assert_true(route_quiet_now(&q, 6 * 60 + 59));
	assert_false(route_quiet_now(&q, 7 * 60));
	assert_false(route_quiet_now(&q, 12 * 60));
	assert_false(route_quiet_now(&q, 21 * 60 + 59));
	assert_int_equal(sms_conf_parse_quiet("12:00-13:30", &q), 0);
	assert_true(route_quiet_now(&q, 13 * 60 + 29));
	assert_false(route_quiet_now(&q, 13 * 60 + 30));
	assert_int_equal(sms_conf_parse_quiet("00:00-24:00", &q), 0);
	assert_true(route_quiet_now(&q, 0));
	assert_true(route_quiet_now(&q, 1439));
	assert_int_equal(sms_conf_parse_quiet("", &q), 0);
	assert_false(route_quiet_now(&q, 0));
	assert_int_equal(sms_conf_parse_quiet("7-8", &q), -1);
	assert_int_equal(sms_conf_parse_quiet("07:00-08:60", &q), -1);
	assert_int_equal(sms_conf_parse_quiet("07:00-08:00x", &q), -1);
}

static struct sms_route
mkroute(const char *to, unsigned sev, unsigned fam, bool raised, bool cleared,
    const char *quiet)
{
	struct sms_route r;
	static char *rcpt[8];
	static int n;

	memset(&r, 0, sizeof(r));
	rcpt[n] = (char *)to;
	r.recipients = &rcpt[n++];
	r.nrecipients = 1;
	r.severities = sev;
	r.families = fam;
	r.raised = raised;
	r.cleared = cleared;
	if (quiet)
		sms_conf_parse_quiet(quiet, &r.quiet);
	return r;
}

static void
test_select(void **state)
{
	struct sms_conf c;
	struct sms_route routes[3];
	char *top[] = { (char *)"+100", (char *)"+200" };
	struct sms_alert a;
	struct route_target *t;
	size_t n;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&a, 0, sizeof(a));
	c.recipients = top;
	c.nrecipients = 2;
	sms_conf_parse_quiet("22:00-07:00", &c.quiet);
	/* db team: drsync critical+major, raised and cleared, never quiet */
	routes[0] = mkroute("+300", 1u << MH_SEV_CRITICAL | 1u << MH_SEV_MAJOR,
	    1u << MH_FAM_DRSYNC, true, true, "00:00-00:00");
	/* +200 also via a route for auth, with its own quiet hours */
	routes[1] = mkroute("+200", 0, 1u << MH_FAM_AUTH, true, true,
	    "08:00-09:00");
	/* boss: only raised critical */
	routes[2] = mkroute("+400", 1u << MH_SEV_CRITICAL, 0, true, false, NULL);
	c.routes = routes;
	c.nroutes = 3;

	a.family = MH_FAM_DRSYNC;
	a.severity = MH_SEV_MAJOR;
	n = route_select(&c, &a, 12 * 60, &t);
	assert_int_equal(n, 3);
	assert_string_equal(t[0].to, "+100");
	assert_string_equal(t[1].to, "+200");
	assert_string_equal(t[2].to, "+300");
	route_targets_free(t, n);

	/* at night the defaults are quiet, the db route is not */
	n = route_select(&c, &a, 23 * 60, &t);
	assert_int_equal(n, 3);
	assert_true(t[0].quiet);
	assert_true(t[1].quiet);
	assert_false(t[2].quiet);
	route_targets_free(t, n);

	/* critical reaches the boss; cleared critical does not */
	a.family = MH_FAM_QUEUE;
	a.severity = MH_SEV_CRITICAL;
	n = route_select(&c, &a, 12 * 60, &t);
	assert_int_equal(n, 3);
	assert_string_equal(t[2].to, "+400");
	route_targets_free(t, n);
	a.cleared = true;
	n = route_select(&c, &a, 12 * 60, &t);
	assert_int_equal(n, 2);
	route_targets_free(t, n);

	/* +200 is reached twice for auth: quiet only if quiet on both paths */
	a.cleared = false;
	a.family = MH_FAM_AUTH;
	a.severity = MH_SEV_MINOR;
	n = route_select(&c, &a, 23 * 60, &t);	/* global quiet, route not */
	assert_int_equal(n, 2);
	assert_string_equal(t[1].to, "+200");
	assert_false(t[1].quiet);
	route_targets_free(t, n);
	n = route_select(&c, &a, 8 * 60 + 30, &t); /* route quiet, global not */
	assert_false(t[1].quiet);
	route_targets_free(t, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_hours),
		cmocka_unit_test(test_select),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
