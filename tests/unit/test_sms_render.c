/*
 * test_sms_render.c: the default text of every notification type
 * (render.c's words, sms_conf.c's built-in templates), from snmptrapd's
 * input through alert.c, as a phone would show it. One raise and one
 * clear per family, with the units and wording of its metrics.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sms.h"

#define R ".1.3.6.1.4.1.8072.9999.9999.25"
#define N R ".1.11"

static struct sms_conf *conf;

static int
setup(void **state)
{
	char path[] = "/tmp/test_sms_render.XXXXXX", err[600];
	int fd = mkstemp(path);
	static const char text[] = "recipients = { \"+1\" }\n"
	    "spool_directory = \"/tmp/unused\"\n"
	    "gateway { url = 'http://127.0.0.1:1/?to={to}&text={text}' }\n";

	(void)state;
	if (fd < 0 || write(fd, text, sizeof(text) - 1) !=
	    (ssize_t)sizeof(text) - 1)
		return -1;
	close(fd);
	conf = sms_conf_load(path, err, sizeof(err));
	unlink(path);
	return conf ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	sms_conf_free(conf);
	return 0;
}

static const char *
field_cb(void *ctx, const char *name, size_t len)
{
	return alert_field(ctx, name, len);
}

/*
 * The SMS text for one notification: family f raised (or cleared), the
 * mhNotify objects as the agent sends them (value or threshold NULL:
 * left out of the trap).
 */
static char *
sms_text(enum mh_family f, bool cleared, const char *metric,
    const char *inst, int sev, const char *value, const char *thr,
    const char *text)
{
	struct strbuf in, out;
	struct trap t;
	struct sms_alert a;
	char err[200], *s;

	strbuf_init(&in);
	strbuf_printf(&in, "mail1\nUDP: [127.0.0.1]:40000->[127.0.0.1]:162\n"
	    ".1.3.6.1.2.1.1.3.0 0:0:00:01.00\n"
	    ".1.3.6.1.6.3.1.1.4.1.0 " R ".0.%d\n", 2 * (int)f - !cleared);
	strbuf_printf(&in, N ".1.0 7\n" N ".2.0 \"some-alarm\"\n"
	    N ".3.0 \"%s\"\n" N ".4.0 \"%s\"\n" N ".5.0 %d\n", metric, inst,
	    sev);
	if (value)
		strbuf_printf(&in, N ".6.0 %s\n", value);
	if (thr)
		strbuf_printf(&in, N ".7.0 %s\n", thr);
	strbuf_printf(&in, N ".8.0 \"%s\"\n" N ".9.0 \"mail1\"\n", text);
	assert_int_equal(trapin_parse(in.s, in.len, &t, err, sizeof(err)), 0);
	assert_int_equal(alert_from_trap(&t, &a, err, sizeof(err)), 0);
	strbuf_init(&out);
	assert_int_equal(msg_tmpl_expand(cleared ? conf->tmpl_cleared[f] :
	    conf->tmpl_raised[f], field_cb, &a, NULL, &out, err,
	    sizeof(err)), 0);
	s = msg_clean(out.s);
	strbuf_free(&out);
	strbuf_free(&in);
	alert_free(&a);
	trapin_free(&t);
	return s;
}

#define EXPECT(want, ...)                                                 \
	do {                                                              \
		char *got_ = sms_text(__VA_ARGS__);                       \
		assert_string_equal(got_, want);                          \
		free(got_);                                               \
	} while (0)

static void
test_queue(void **state)
{
	(void)state;
	EXPECT("CRITICAL mail1 queue 5,234 msgs (>= 5000), top "
	    "info@example.com 81%",
	    MH_FAM_QUEUE, false, "queue.total", "", 1, "5234", "5000",
	    "top info@example.com 81%");
	EXPECT("OK mail1 queue 3,900 msgs",
	    MH_FAM_QUEUE, true, "queue.total", "", 1, "3900", "4000",
	    "top info@example.com 12%");
	EXPECT("MAJOR mail1 queue deferred 12,000 msgs (>= 10000)",
	    MH_FAM_QUEUE, false, "queue.messages", "deferred", 2, "12000",
	    "10000", "");
	EXPECT("MAJOR mail1 queue sender junk@spam.example 900 msgs "
	    "(>= 500), 17%",
	    MH_FAM_QUEUE, false, "queue.sender", "junk@spam.example", 2,
	    "900", "500", "17%");
	EXPECT("WARNING mail1 queue oldest 3 h (>= 2)",
	    MH_FAM_QUEUE, false, "queue.oldest_age", "", 4, "11000", "7200",
	    "");
	EXPECT("WARNING mail1 queue 1.5 MB (>= 1.0 MB)",
	    MH_FAM_QUEUE, false, "queue.bytes", "", 4, "1572864", "1048576",
	    "");
	EXPECT("WARNING mail1 queue growth 1,250 msgs/min (>= 1000)",
	    MH_FAM_QUEUE, false, "queue.growth", "", 4, "1250", "1000", "");
}

static void
test_traffic(void **state)
{
	(void)state;
	EXPECT("CRITICAL mail1 sender info: 200 msgs from 6 IPs (>= 100)",
	    MH_FAM_TRAFFIC, false, "sender.rate", "info", 1, "200", "100",
	    "from 6 IPs");
	EXPECT("OK mail1 sender info: 20 msgs",
	    MH_FAM_TRAFFIC, true, "sender.rate", "info", 1, "20", "50",
	    "from 1 IP");
	EXPECT("WARNING mail1 traffic 340 bounced/min (>= 300)",
	    MH_FAM_TRAFFIC, false, "traffic.bounced", "", 4, "340", "300", "");
}

static void
test_auth(void **state)
{
	(void)state;
	EXPECT("WARNING mail1 auth 127.0.0.2: 22 failed logins (>= 20) "
	    "(admin, alice)",
	    MH_FAM_AUTH, false, "auth.client", "127.0.0.2", 4, "22", "20",
	    "admin, alice");
	EXPECT("OK mail1 auth 127.0.0.2: 3 failed logins",
	    MH_FAM_AUTH, true, "auth.client", "127.0.0.2", 4, "3", "10", "");
	EXPECT("MAJOR mail1 auth smtp: 1,400 failed logins (>= 1000)",
	    MH_FAM_AUTH, false, "auth.failures", "smtp", 2, "1400", "1000",
	    "");
	/* a total: no instance, no colon */
	EXPECT("MAJOR mail1 auth 1,400 failed logins (>= 1000)",
	    MH_FAM_AUTH, false, "auth.failures", "", 2, "1400", "1000", "");
}

static void
test_defer(void **state)
{
	(void)state;
	EXPECT("WARNING mail1 defer gmail.com: 252 deferred (>= 200), 421 "
	    "4.7.28 rate limited",
	    MH_FAM_DEFER, false, "defer.domain", "gmail.com", 4, "252", "200",
	    "421 4.7.28 rate limited");
	EXPECT("OK mail1 defer gmail.com: 12 deferred",
	    MH_FAM_DEFER, true, "defer.domain", "gmail.com", 4, "12", "100",
	    "");
}

static void
test_service(void **state)
{
	(void)state;
	EXPECT("CRITICAL mail1 service smtp down: connect refused",
	    MH_FAM_SERVICE, false, "service.down", "smtp", 1, "1", "1",
	    "connect refused");
	EXPECT("OK mail1 service smtp up",
	    MH_FAM_SERVICE, true, "service.down", "smtp", 1, "0", "1", "");
	EXPECT("WARNING mail1 service imap response 5,200 ms (>= 5000): "
	    "slow greeting",
	    MH_FAM_SERVICE, false, "service.response", "imap", 4, "5200",
	    "5000", "slow greeting");
	/* a low alarm: the value fell to the threshold */
	EXPECT("WARNING mail1 service smtps cert expires in 12 days (<= 14)",
	    MH_FAM_SERVICE, false, "service.cert_days", "smtps", 4, "12", "14",
	    "");
	EXPECT("OK mail1 service smtps cert expires in 1 day",
	    MH_FAM_SERVICE, true, "service.cert_days", "smtps", 4, "1", "14",
	    "");
}

static void
test_drsync(void **state)
{
	(void)state;
	EXPECT("CRITICAL mail1 drsync lag 47 min (>= 30)",
	    MH_FAM_DRSYNC, false, "drsync.lag", "", 1, "2820", "1800", "");
	EXPECT("OK mail1 drsync lag 2 min",
	    MH_FAM_DRSYNC, true, "drsync.lag", "", 1, "140", "1500", "");
	/* a threshold that is not whole minutes keeps its decimal */
	EXPECT("CRITICAL mail1 drsync lag 2 min (>= 1.5)",
	    MH_FAM_DRSYNC, false, "drsync.lag", "", 1, "125", "90", "");
	EXPECT("CRITICAL mail1 drsync lag 45 s (>= 30)",
	    MH_FAM_DRSYNC, false, "drsync.lag", "", 1, "45", "30", "");
	EXPECT("CRITICAL mail1 drsync failed for 31 min (>= 30), no stamp",
	    MH_FAM_DRSYNC, false, "drsync.failed", "", 1, "1860", "1800",
	    "no stamp");
	EXPECT("MAJOR mail1 drsync peer 3 rounds unanswered (>= 3)",
	    MH_FAM_DRSYNC, false, "drsync.peer_failures", "", 2, "3", "3", "");
}

static void
test_conn(void **state)
{
	(void)state;
	EXPECT("WARNING mail1 conn 25: 4,200 half-open (>= 1000)",
	    MH_FAM_CONN, false, "conn.halfopen", "25", 4, "4200", "1000", "");
	EXPECT("OK mail1 conn 25: 31 half-open",
	    MH_FAM_CONN, true, "conn.halfopen", "25", 4, "31", "500", "");
	EXPECT("MAJOR mail1 conn 587: growth 300/min (>= 200)",
	    MH_FAM_CONN, false, "conn.growth", "587", 2, "300", "200", "");
	EXPECT("MAJOR mail1 conn 143: 12,500 established (>= 10000)",
	    MH_FAM_CONN, false, "conn.established", "143", 2, "12500",
	    "10000", "");
}

static void
test_system(void **state)
{
	(void)state;
	EXPECT("CRITICAL mail1 disk /var/spool 93% used (>= 90)",
	    MH_FAM_SYSTEM, false, "disk.used", "/var/spool", 1, "93", "90", "");
	EXPECT("OK mail1 disk /var/spool 85% used",
	    MH_FAM_SYSTEM, true, "disk.used", "/var/spool", 1, "85", "88", "");
	EXPECT("MAJOR mail1 disk /var/spool 95% inodes used (>= 90)",
	    MH_FAM_SYSTEM, false, "disk.inodes", "/var/spool", 2, "95", "90",
	    "");
	EXPECT("MAJOR mail1 cpu 97% busy (>= 90)",
	    MH_FAM_SYSTEM, false, "system.cpu", "", 2, "97", "90", "");
	EXPECT("WARNING mail1 memory 91% used (>= 90)",
	    MH_FAM_SYSTEM, false, "system.memory", "", 4, "91", "90", "");
	EXPECT("WARNING mail1 load 12 (>= 8)",
	    MH_FAM_SYSTEM, false, "system.load1", "", 4, "12", "8", "");
}

static void
test_agent(void **state)
{
	(void)state;
	EXPECT("WARNING mail1 agent 3 collect errors (>= 1), cannot read "
	    "/var/spool/postfix/deferred",
	    MH_FAM_AGENT, false, "agent.collect_errors", "", 4, "3", "1",
	    "cannot read /var/spool/postfix/deferred");
	EXPECT("OK mail1 agent 0 collect errors",
	    MH_FAM_AGENT, true, "agent.collect_errors", "", 4, "0", "1", "");
}

/* A metric this handler does not know yet, and a trap that lacks the
 * value and threshold: still a readable sentence. */
static void
test_unknown_and_incomplete(void **state)
{
	(void)state;
	EXPECT("WARNING mail1 queue foo.bar 7 (>= 5)",
	    MH_FAM_QUEUE, false, "foo.bar", "", 4, "7", "5", "");
	EXPECT("WARNING mail1 system eth0 widgets 7 (>= 5), odd",
	    MH_FAM_SYSTEM, false, "widgets", "eth0", 4, "7", "5", "odd");
	EXPECT("CRITICAL mail1 disk /srv, no statfs",
	    MH_FAM_SYSTEM, false, "disk.used", "/srv", 1, NULL, NULL,
	    "no statfs");
	EXPECT("CRITICAL mail1 disk /srv 91% used",
	    MH_FAM_SYSTEM, false, "disk.used", "/srv", 1, "91", NULL, "");
}

static void
test_grouped(void **state)
{
	static const struct {
		long long v;
		const char *want;
	} cases[] = {
		{ 0, "0" }, { 999, "999" }, { 1000, "1,000" },
		{ 5234, "5,234" }, { 123456, "123,456" },
		{ 1234567, "1,234,567" }, { -1234567, "-1,234,567" },
		{ 2147483647, "2,147,483,647" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < MH_ARRAY_SIZE(cases); i++) {
		struct strbuf b;

		strbuf_init(&b);
		render_grouped(&b, cases[i].v);
		assert_string_equal(b.s, cases[i].want);
		strbuf_free(&b);
	}
}

/* The sample configuration shows the built-in templates as they are. */
static void
test_sample_shows_defaults(void **state)
{
	const char *top = getenv("top_srcdir");
	char *path, err[600];
	struct sms_conf *sample;
	int f;

	(void)state;
	assert_non_null(top);
	path = xasprintf("%s/conf/mailhealth-sms.conf", top);
	sample = sms_conf_load(path, err, sizeof(err));
	if (sample == NULL)
		fail_msg("%s", err);
	for (f = 0; f < MH_FAM_COUNT; f++) {
		assert_string_equal(sample->tmpl_raised[f], conf->tmpl_raised[f]);
		assert_string_equal(sample->tmpl_cleared[f],
		    conf->tmpl_cleared[f]);
	}
	sms_conf_free(sample);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_traffic),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_defer),
		cmocka_unit_test(test_service),
		cmocka_unit_test(test_drsync),
		cmocka_unit_test(test_conn),
		cmocka_unit_test(test_system),
		cmocka_unit_test(test_agent),
		cmocka_unit_test(test_unknown_and_incomplete),
		cmocka_unit_test(test_grouped),
		cmocka_unit_test(test_sample_shows_defaults),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
