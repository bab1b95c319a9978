/*
 * test_services.c: the services collector without SNMP: service
 * sections into check descriptions and implied alarms (every error with
 * its file and line), rounds of real commands into rows and metrics,
 * the text report, and a reload that must keep what the checks know
 * (status, last change, counters) and raise or clear nothing.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/core.h"
#include "probe/services.h"
#include "cfgtest.h"

static const struct services_conf *
svc(const struct conf *c)
{
	return conf_col_of(c, &collector_services)->cc;
}

static void
test_conf_values(void **state)
{
	struct conf *c;
	const struct services_conf *sc;
	const struct probe_desc *d;
	const struct conf_alarm *a;

	(void)state;
	c = ct_load("interval = 20\n"
	    "service smtp { check = smtp target = \"127.0.0.1:25\" }\n"
	    "service sub { check = submission target = \"127.0.0.1\"\n"
	    "  starttls = false tls_verify = true tls_name = \"mx.example\"\n"
	    "  ca_file = \"/etc/ssl/ca.pem\" min_cert_days = 5 timeout = 3\n"
	    "  fall = 4 rise = 2 severity = warning }\n"
	    "service web { check = https target = \"https://h/x\"\n"
	    "  http_status = 204 alarm = false }\n"
	    "service mx { check = dns target = \"example.net\" dns_type = MX\n"
	    "  resolver = \"127.0.0.1:53\" nxdomain_ok = true expect = mx }\n"
	    "service fw { check = firewall target = \"inet filter\"\n"
	    "  chain = input fw_backend = iptables }\n"
	    "service pf { check = process pidfile = \"/run/x.pid\" }\n"
	    "service f { check = file target = \"/var/x\" max_age = 600 }\n"
	    "services { interval = 10 deadline = 40 }\n");
	sc = svc(c);
	assert_true(conf_col_of(c, &collector_services)->on);
	assert_int_equal(conf_col_of(c, &collector_services)->interval, 10);
	assert_int_equal(conf_col_of(c, &collector_services)->deadline, 40);
	assert_int_equal(sc->round_ms, 29000);
	assert_int_equal(sc->n, 7);
	d = &sc->descs[0];
	assert_string_equal(d->name, "smtp");
	assert_int_equal(d->kind, PROBE_SMTP);
	assert_string_equal(d->target, "127.0.0.1:25");
	assert_int_equal(d->timeout, 10);
	assert_int_equal(d->fall, 2);
	assert_int_equal(d->rise, 1);
	assert_int_equal(d->starttls, PROBE_OPT_DEFAULT);
	d = &sc->descs[1];
	assert_int_equal(d->kind, PROBE_SUBMISSION);
	assert_int_equal(d->starttls, PROBE_OPT_NO);
	assert_true(d->tls_verify);
	assert_string_equal(d->tls_name, "mx.example");
	assert_string_equal(d->ca_file, "/etc/ssl/ca.pem");
	assert_int_equal(d->min_cert_days, 5);
	assert_int_equal(d->timeout, 3);
	assert_int_equal(d->fall, 4);
	assert_int_equal(d->rise, 2);
	assert_int_equal(sc->descs[2].http_status, 204);
	d = &sc->descs[3];
	assert_string_equal(d->dns_type, "MX");
	assert_string_equal(d->resolver, "127.0.0.1:53");
	assert_true(d->nxdomain_ok);
	assert_string_equal(d->expect, "mx");
	d = &sc->descs[4];
	assert_string_equal(d->chain, "input");
	assert_int_equal(d->fw_backend, PROBE_FW_IPTABLES);
	assert_null(sc->descs[5].target);
	assert_string_equal(sc->descs[5].pidfile, "/run/x.pid");
	assert_int_equal(sc->descs[6].max_age, 600);

	/* an implied alarm per service, but for alarm = false */
	assert_int_equal(c->nalarms, 6);
	a = conf_alarm_find(c, "service-smtp");
	assert_non_null(a);
	assert_string_equal(a->metric, "service.down");
	assert_string_equal(a->instance, "smtp");
	assert_true(a->rising == 1.0 && a->falling == 0.0);
	assert_int_equal(a->hold, 0);
	assert_int_equal(a->severity, MH_SEV_CRITICAL);
	assert_true(a->implied);
	assert_int_equal(conf_alarm_find(c, "service-sub")->severity,
	    MH_SEV_WARNING);
	assert_null(conf_alarm_find(c, "service-web"));
	assert_int_equal(metrics_family("service.down"), MH_FAM_SERVICE);
	conf_free(c);

	/* none: the collector is off */
	c = ct_load("interval = 5\n");
	assert_false(conf_col_of(c, &collector_services)->on);
	conf_free(c);
}

static void
test_conf_errors(void **state)
{
	(void)state;
	ct_expect_error("\nservice a {\n check = smtpp\n}\n", 3,
	    "unknown check 'smtpp' (smtp, submission");
	ct_expect_error("service a {\n target = \"x\"\n}\n", 3,
	    "service a: check is required");
	ct_expect_error("\nservice a {\n check = smtps target = \"h\"\n"
	    " starttls = true\n}\n", 5,
	    "service a: starttls does not apply to a smtps check");
	ct_expect_error("service a { check = dns target = \"x\" "
	    "dns_type = MXX }\n", 1, "service a: unknown DNS type 'MXX'");
	ct_expect_error("\n\nservice a { check = command target = \"a | b\" }\n",
	    3, "service a: '|' at column 3");
	ct_expect_error("service a { check = smtp }\n", 1,
	    "service a: no host");
	ct_expect_error("service \"a b\" { check = smtp target = \"h\" }\n", 1,
	    "service 'a b': a name is 1 to 64 letters");
	ct_expect_error("service a { check = smtp target = \"h\" }\n"
	    "service a { check = smtp target = \"h\" }\n", 2, "a");
	ct_expect_error("alarm service-a { metric = \"queue.total\" rising = 1"
	    " falling = 0 }\n\nservice a { check = smtp target = \"h\" }\n", 3,
	    "service a: its down alarm is named service-a, and an alarm "
	    "section has that name");
	ct_expect_error("interval = 10\nservice a {\n check = smtp "
	    "target = \"h\" timeout = 60 }\n", 3,
	    "service a: timeout 60 s does not fit in "
	    "a round (deadline 50 s - interval 10 s)");
	ct_expect_error("service a { check = file target = \"x\" }\n", 1,
	    "a file check needs an absolute path");
	ct_expect_error("service a { check = firewall\n fw_backend = pf }\n", 2,
	    "invalid fw_backend 'pf'");
	ct_expect_error("service a { check = smtp target = \"h\"\n"
	    " severity = fatal }\n", 2, "invalid severity 'fatal'");
	ct_expect_error("service a { check = smtp target = \"h\" fall = 0 }\n",
	    1, "fall = 0 is out of range (1 to 100)");
	ct_expect_error("service a { check = process pidfile = \"x.pid\" }\n", 1,
	    "pidfile must be an absolute path");
	ct_expect_error("service a { check = smtp target = \"h\" "
	    "max_age = 5 }\n", 1, "max_age does not apply to a smtp check");
}

/* ---- rounds ---- */

static size_t
row_of_collector(void)
{
	size_t i;

	for (i = 0; i < ncollectors; i++)
		if (collectors[i] == &collector_services)
			return i;
	fail_msg("no services collector");
	return 0;
}

static struct part *
round_of(void *st)
{
	struct part *p = part_new(&collector_services);

	p->taken = time(NULL);
	assert_int_equal(collector_services.collect(st, p), 0);
	return p;
}

static const struct services_row *
row(const struct part *p, const char *name)
{
	const struct services_part *s = p->data;
	size_t i;

	for (i = 0; i < s->nrows; i++)
		if (strcmp(s->rows[i].name, name) == 0)
			return &s->rows[i];
	fail_msg("no row %s", name);
	return NULL;
}

static struct snapshot *
snap_of(struct part *p)
{
	struct snapshot *s = snapshot_new(ncollectors);

	s->taken = time(NULL);
	s->parts[row_of_collector()].part = part_ref(p);
	return s;
}

struct seen {
	char inst[8][32];
	double v[8];
	char detail[8][64];
	size_t n;
};

static void
seen_cb(const char *instance, double value, const char *detail, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	snprintf(s->inst[s->n], sizeof(s->inst[0]), "%s", instance);
	snprintf(s->detail[s->n], sizeof(s->detail[0]), "%s", detail);
	s->v[s->n++] = value;
}

static size_t
seen_at(const struct seen *s, const char *inst)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->inst[i], inst) == 0)
			return i;
	fail_msg("no instance %s", inst);
	return 0;
}

static const char conf1[] =
    "interval = 5\n"
    "service bad { check = command target = false }\n"
    "service good { check = command target = \"echo all fine\" }\n"
    "service quick { check = command target = false fall = 1 "
    "severity = major }\n";

static void
test_rounds(void **state)
{
	struct conf *c = ct_load(conf1);
	const struct services_conf *sc = svc(c);
	void *st;
	struct part *p1, *p2;
	struct snapshot *s;
	struct seen m = {0};
	const struct services_row *r;
	size_t i;
	char *text;
	struct agent_info ai = { .version = "test", .hostname = "mail1" };

	(void)state;
	services_keep_clear();
	/* the names the MIB and the report use are the engine's */
	for (i = 1; i <= PROBE_KIND_MAX; i++)
		assert_string_equal(services_kind_names[i],
		    probe_kind_name((enum probe_kind)i));

	st = collector_services.init(sc, c);
	assert_non_null(st);
	p1 = round_of(st);
	/* one failure: unknown with fall 2, down with fall 1 */
	r = row(p1, "bad");
	assert_int_equal(r->status, PROBE_UNKNOWN);
	assert_int_equal(r->kind, PROBE_COMMAND);
	assert_string_equal(r->target, "false");
	assert_string_equal(r->result, "exit status 1");
	assert_string_equal(r->last_error, "exit status 1");
	assert_int_equal(r->fails, 1);
	assert_int_equal(r->checks, 1);
	assert_int_equal(r->have & (SVC_HAVE_DECIDED | SVC_HAVE_CHANGED |
	    SVC_HAVE_RESPONSE), 0);
	assert_int_equal(row(p1, "quick")->status, PROBE_DOWN);
	r = row(p1, "good");
	assert_int_equal(r->status, PROBE_UP);
	assert_string_equal(r->result, "all fine");
	assert_true(r->have & SVC_HAVE_RESPONSE);
	assert_true(r->last_change > 0);

	s = snap_of(p1);
	assert_int_equal(metrics_each(s, "service.down", seen_cb, &m), 2);
	assert_true(isnan(m.v[seen_at(&m, "bad")]));	/* unknown */
	assert_true(m.v[seen_at(&m, "good")] == 0.0);
	assert_true(m.v[seen_at(&m, "quick")] == 1.0);
	assert_string_equal(m.detail[seen_at(&m, "quick")], "exit status 1");
	memset(&m, 0, sizeof(m));
	assert_int_equal(metrics_each(s, "service.response", seen_cb, &m), 1);
	assert_false(isnan(m.v[seen_at(&m, "good")]));
	assert_string_equal(m.detail[seen_at(&m, "good")],
	    "command echo all fine");
	assert_int_equal(metrics_each(s, "service.cert_days", seen_cb, &m),
	    METRIC_NO_DATA);

	/* the console: one line per service, status, result */
	text = report_text(s, &ai, NULL, 10);
	assert_non_null(strstr(text, "\nservices\n"));
	assert_non_null(strstr(text, "service checks"));
	assert_non_null(strstr(text, "unknown            -            -"
	    "            -            1  bad      false          "
	    "exit status 1\n"));
	assert_non_null(strstr(text, "  good     echo all fine  all fine\n"));
	free(text);
	snapshot_free(s);

	p2 = round_of(st);
	r = row(p2, "bad");
	assert_int_equal(r->status, PROBE_DOWN);
	assert_int_equal(r->fails, 2);
	assert_int_equal(r->checks, 2);
	assert_true(r->have & SVC_HAVE_CHANGED);
	part_unref(p1);
	part_unref(p2);
	collector_services.fini(st);
	conf_free(c);
}

/* alarms_eval callback: count raises and clears */
struct events {
	int raised, cleared;
	char last[300];
};

static void
count_events(const struct alarm_event *ev, void *arg)
{
	struct events *e = arg;

	if (ev->kind == ALARM_RAISED)
		e->raised++;
	else
		e->cleared++;
	alarm_text(ev, e->last, sizeof(e->last));
}

static void
eval(struct alarms *al, struct part *p, struct events *e)
{
	struct snapshot *s = snap_of(p);

	alarms_eval(al, s, time(NULL), count_events, e);
	snapshot_free(s);
}

/*
 * A reload that adds a service restarts the collector with new state:
 * the others must come back as they were (a down service down at once,
 * not unknown; its last change and counters kept), and the alarm
 * engine must see no raise or clear from it.
 */
static void
test_reload_keeps_state(void **state)
{
	struct conf *c1 = ct_load(conf1), *c2;
	struct alarms *al = alarms_new();
	struct events ev = {0};
	void *st1, *st2, *st3;
	struct part *p;
	time_t bad_change, good_change;
	const struct services_row *r;

	(void)state;
	services_keep_clear();
	alarms_configure(al, c1);
	st1 = collector_services.init(svc(c1), c1);
	part_unref(round_of(st1));
	p = round_of(st1);
	eval(al, p, &ev);
	assert_int_equal(ev.raised, 2);		/* bad and quick */
	assert_non_null(strstr(ev.last, "exit status 1"));
	bad_change = row(p, "bad")->last_change;
	good_change = row(p, "good")->last_change;
	assert_true(bad_change > 0 && good_change > 0);
	part_unref(p);

	c2 = ct_load("interval = 5\n"
	    "service bad { check = command target = false }\n"
	    "service new { check = command target = true }\n"
	    "service good { check = command target = \"echo all fine\" }\n"
	    "service quick { check = command target = false fall = 1 "
	    "severity = major }\n");
	alarms_configure(al, c2);
	/* the framework starts the new state while the old one may still
	 * be in a round: what the old one finds afterwards is not kept */
	st2 = collector_services.init(svc(c2), c2);
	part_unref(round_of(st1));
	collector_services.fini(st1);

	p = round_of(st2);
	r = row(p, "bad");
	assert_int_equal(r->status, PROBE_DOWN);
	assert_int_equal(r->last_change, bad_change);
	assert_int_equal(r->fails, 3);
	assert_int_equal(r->checks, 3);
	assert_string_equal(r->last_error, "exit status 1");
	r = row(p, "good");
	assert_int_equal(r->status, PROBE_UP);
	assert_int_equal(r->last_change, good_change);
	assert_int_equal(r->checks, 3);
	r = row(p, "new");
	assert_int_equal(r->status, PROBE_UP);
	assert_int_equal(r->checks, 1);
	eval(al, p, &ev);
	assert_int_equal(ev.raised, 2);
	assert_int_equal(ev.cleared, 0);
	part_unref(p);

	/* and once more, from the new state's results, not the old's */
	st3 = collector_services.init(svc(c2), c2);
	collector_services.fini(st2);
	p = round_of(st3);
	assert_int_equal(row(p, "bad")->checks, 4);
	assert_int_equal(row(p, "new")->checks, 2);
	part_unref(p);
	collector_services.fini(st3);

	alarms_free(al);
	conf_free(c1);
	conf_free(c2);
	services_keep_clear();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_values),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_rounds),
		cmocka_unit_test(test_reload_keeps_state),
	};

	/* a daemon ignores SIGPIPE; the programs it runs must not */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
