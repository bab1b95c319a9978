/*
 * test_logs_metrics.c: the log collector's metrics and their details,
 * as the notification (and so the SMS) shows them, on a flood made of
 * events; and the alarms a --once replay raises and clears, with their
 * times in log time, the core alarm engine run along the replay.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "logs/logs.h"
#include "cfgtest.h"

/* ------------------------------------------------------------ metrics */

static struct log_str
str_of(const char *s)
{
	return (struct log_str){ s, strlen(s) };
}

/* One event of a user from a client (a submission, a failed login). */
static void
add_user_ev(struct logstats *ls, enum log_ev_kind kind,
    enum log_proto proto, int64_t ts, const char *user, const char *client)
{
	struct log_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.proto = proto;
	ev.ts = ts;
	ev.count = 1;
	ev.user = str_of(user);
	ev.client = str_of(client);
	logstats_add(ls, &ev);
}

static struct logs_part *
flood_part(void)
{
	struct logstats *ls = logstats_new(NULL);
	struct log_event ev;
	char ip[32];
	int i;

	for (i = 0; i < 200; i++) {
		snprintf(ip, sizeof(ip), "127.0.0.%d", 2 + i % 6);
		add_user_ev(ls, LEV_SUBMIT, LPROTO_SUBMISSION, 1796040000 + i,
		    "info", ip);
	}
	for (i = 0; i < 22; i++)
		add_user_ev(ls, LEV_AUTH_FAIL, LPROTO_IMAP, 1796040100 + i,
		    i % 2 ? "alice" : "admin", "127.0.0.2");
	for (i = 0; i < 252; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = LEV_DEFERRED;
		ev.ts = 1796040150 + i / 10;
		ev.count = 1;
		ev.domain = str_of("Gmail.COM");
		ev.dsn = str_of("4.7.28");
		ev.reason = str_of("host mx.gmail.test[127.0.0.9] said: "
		    "421 4.7.28 rate limited (in reply to end of DATA command)");
		logstats_add(ls, &ev);
	}
	{
		struct logs_part *d = logs_part_new(logstats_report(ls,
		    SNAP_TOP_MAX, 0));

		logstats_free(ls);
		return d;
	}
}

struct got {
	char instance[64], detail[256];
	double value;
	int n;
};

static void
got_cb(const char *instance, double value, const char *detail, void *arg)
{
	struct got *g = arg;

	if (g->n++ == 0) {
		snprintf(g->instance, sizeof(g->instance), "%s", instance);
		snprintf(g->detail, sizeof(g->detail), "%s", detail);
		g->value = value;
	}
}

static struct snapshot *
snap_of(struct logs_part *d)
{
	struct snapshot *s = snapshot_new(1);
	struct part *p = part_new(&collector_logs);

	p->data = d;
	p->taken = (time_t)d->now;
	s->parts[0].part = p;
	return s;
}

static void
expect_metric(const struct snapshot *s, const char *metric,
    const char *instance, double value, const char *detail)
{
	struct got g;

	memset(&g, 0, sizeof(g));
	assert_true(metrics_each(s, metric, got_cb, &g) > 0);
	assert_string_equal(g.instance, instance);
	if (g.value != value)
		fail_msg("%s: %g, want %g", metric, g.value, value);
	assert_string_equal(g.detail, detail);
}

static void
test_metrics(void **state)
{
	struct snapshot *s = snap_of(flood_part());

	(void)state;
	expect_metric(s, "sender.rate", "info", 200, "in 5min from 6 IPs");
	expect_metric(s, "sender.clients", "info", 6, "sending 200 msgs");
	expect_metric(s, "auth.client", "127.0.0.2", 22, "admin, alice");
	expect_metric(s, "auth.user", "admin", 11, "from 1 IP");
	expect_metric(s, "auth.failures", "smtp", 0, "top 127.0.0.2");
	expect_metric(s, "defer.domain", "gmail.com", 252,
	    "421 4.7.28 rate limited");
	/* 252 deferrals within 26 s of a 300 s window: 50.4 a minute */
	expect_metric(s, "traffic.deferred", "", 252 * 60.0 / 300,
	    "mostly gmail.com");
	expect_metric(s, "traffic.received", "", 0, "top info");
	expect_metric(s, "traffic.rejected", "", 0, "0 in 5min");
	assert_int_equal(metrics_family("sender.rate"), MH_FAM_TRAFFIC);
	assert_int_equal(metrics_family("auth.client"), MH_FAM_AUTH);
	assert_int_equal(metrics_family("defer.domain"), MH_FAM_DEFER);
	assert_int_equal(metrics_family("traffic.bounced"), MH_FAM_TRAFFIC);
	snapshot_free(s);
}

/* ------------------------------------------------------------ replay alarms */

static void
test_replay_alarms(void **state)
{
	char text[1024], log[128];
	struct conf *c;
	struct part *p;
	const struct logs_part *d;
	FILE *fp;
	int i;

	(void)state;
	/* 30 failed IMAP logins from one address in a minute, then quiet
	 * for ten minutes, then one line: raised, then cleared once the
	 * failures left the window */
	snprintf(log, sizeof(log), "%s/dovecot.log", ct_dir);
	assert_non_null(fp = fopen(log, "w"));
	for (i = 0; i < 30; i++)
		fprintf(fp, "2026-11-30T10:00:%02d+00:00 mx dovecot: "
		    "imap-login: Disconnected (auth failed, 1 attempts in 2 "
		    "secs): user=<admin>, method=PLAIN, rip=127.0.0.2, "
		    "lip=127.0.0.1, session=<s%d>\n", i, i);
	fprintf(fp, "2026-11-30T10:12:00+00:00 mx dovecot: imap-login: "
	    "Login: user=<bob>, method=PLAIN, rip=127.0.0.3, "
	    "lip=127.0.0.1, mpid=1, session=<t>\n");
	fclose(fp);
	snprintf(text, sizeof(text), "log dc { path = \"%s\" }\n"
	    "alarm brute { metric = \"auth.client\" rising = 20 falling = 5 "
	    "severity = major }\n"
	    "alarm big { metric = \"queue.total\" rising = 0 falling = 0 }\n",
	    log);
	c = ct_load(text);
	p = ct_once(&collector_logs, c);
	d = p->data;
	/* only the log metric's alarm takes part in the replay */
	assert_int_equal(d->nalarm_evs, 2);
	assert_int_equal(d->alarm_evs[0].kind, LOGS_EV_RAISED);
	assert_string_equal(d->alarm_evs[0].alarm, "brute");
	assert_string_equal(d->alarm_evs[0].instance, "127.0.0.2");
	assert_int_equal(d->alarm_evs[0].severity, MH_SEV_MAJOR);
	/* raised at the end of the first minute, 10:01 */
	assert_int_equal(d->alarm_evs[0].time, 1796032800 + 60);
	assert_true(d->alarm_evs[0].value == 30);
	assert_string_equal(d->alarm_evs[0].text,
	    "auth.client 127.0.0.2 30 >= 20, admin");
	assert_int_equal(d->alarm_evs[1].kind, LOGS_EV_CLEARED);
	/* the window is 10 buckets of 30 s: the failures of 10:00:00 to
	 * 10:00:29 leave it at 10:05:00 */
	assert_int_equal(d->alarm_evs[1].time, 1796032800 + 300);
	part_unref(p);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics),
		cmocka_unit_test_setup_teardown(test_replay_alarms,
		    ct_dir_setup, ct_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
