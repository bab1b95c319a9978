/*
 * test_sms_trapin.c: snmptrapd traphandle input (trapin.c) and what
 * MAILHEALTH-MIB notifications mean (alert.c).
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
#define HDR "mx1.example\nUDP: [127.0.0.1]:34680->[127.0.0.1]:162\n"

/* the -On -Oq default style, strings quoted, UTF-8 as wrapped hex */
static const char numeric_in[] = HDR
    ".1.3.6.1.2.1.1.3.0 0:0:07:33.02\n"
    ".1.3.6.1.6.3.1.1.4.1.0 " R ".0.5\n"
    N ".1.0 7\n"
    N ".2.0 \"auth-fail\"\n"
    N ".3.0 \"auth.failures\"\n"
    N ".4.0 \"j\\\"o\\\\e\"\n"
    N ".5.0 2\n"
    N ".6.0 -12\n"
    N ".7.0 50\n"
    N ".8.0 \"63 61 66 C3 A9 20 71 75 65 75 65 20 68 69 67 68 \n2E 2E \"\n"
    N ".9.0 \"mx1\"\n";

/* symbolic, not quick-printed, as a -F format or a MIB-aware snmptrapd */
static const char symbolic_in[] = HDR
    "DISMAN-EVENT-MIB::sysUpTimeInstance = Timeticks: (4613302) 12:48:53.02\n"
    "SNMPv2-MIB::snmpTrapOID.0 = OID: MAILHEALTH-MIB::mhQueueAlarmClear\n"
    "MAILHEALTH-MIB::mhNotifyAlarmIndex.0 = Gauge32: 3\n"
    "MAILHEALTH-MIB::mhNotifyAlarmName.0 = STRING: queue-high\n"
    "MAILHEALTH-MIB::mhNotifyInstance.0 = STRING: \"deferred\"\n"
    "MAILHEALTH-MIB::mhNotifySeverity.0 = INTEGER: critical(1)\n"
    "MAILHEALTH-MIB::mhNotifyValue.0 = INTEGER: 3900\n"
    "MAILHEALTH-MIB::mhNotifyThreshold.0 = INTEGER: 4000\n"
    "MAILHEALTH-MIB::mhNotifyText.0 = Hex-STRING: 51 75 65 75 65 20 6F 6B 20 E2 9C 93 20 6E 6F 77 \n"
    "20 61 74 20 33 39 30 30 \n"
    "MAILHEALTH-MIB::mhNotifyHost.0 = STRING: \"mx2\"\n";

static void
test_numeric_style(void **state)
{
	struct trap t;
	struct sms_alert a;
	char err[200];

	(void)state;
	assert_int_equal(trapin_parse(numeric_in, strlen(numeric_in), &t, err,
	    sizeof(err)), 0);
	assert_string_equal(t.host, "mx1.example");
	assert_int_equal(t.nvb, 11);
	assert_string_equal(trapin_lookup(&t, N ".4.0"), "j\"o\\e");
	assert_string_equal(trapin_lookup(&t, N ".8.0"), "café queue high..");
	assert_int_equal(alert_from_trap(&t, &a, err, sizeof(err)), 0);
	assert_true(a.ours);
	assert_false(a.cleared);
	assert_int_equal(a.family, MH_FAM_AUTH);
	assert_int_equal(a.severity, MH_SEV_MAJOR);
	assert_int_equal(a.alarm_index, 7);
	assert_string_equal(a.value, "-12");
	assert_string_equal(a.threshold, "50");
	assert_string_equal(a.host, "mx1");
	{
		char *k = alert_key(&a);

		assert_string_equal(k, "mx1|auth#7|j\"o\\e");
		free(k);
	}
	alert_free(&a);
	trapin_free(&t);
}

static void
test_symbolic_style(void **state)
{
	struct trap t;
	struct sms_alert a;
	char err[200];

	(void)state;
	assert_int_equal(trapin_parse(symbolic_in, strlen(symbolic_in), &t,
	    err, sizeof(err)), 0);
	assert_string_equal(t.vb[0].oid, ".1.3.6.1.2.1.1.3.0");
	assert_string_equal(t.vb[1].oid, ".1.3.6.1.6.3.1.1.4.1.0");
	assert_int_equal(alert_from_trap(&t, &a, err, sizeof(err)), 0);
	assert_true(a.ours);
	assert_true(a.cleared);
	assert_int_equal(a.family, MH_FAM_QUEUE);
	assert_int_equal(a.severity, MH_SEV_CRITICAL);
	assert_string_equal(a.alarm_name, "queue-high");
	assert_string_equal(a.instance, "deferred");
	assert_string_equal(a.text, "Queue ok ✓ now at 3900");
	assert_string_equal(a.host, "mx2");
	alert_free(&a);
	trapin_free(&t);
}

static void
test_oid_spellings(void **state)
{
	static const char *const in[][2] = {
		{ ".1.3.6.1.2.1.1.3.0", ".1.3.6.1.2.1.1.3.0" },
		{ "1.3.6.1.2.1.1.3.0", ".1.3.6.1.2.1.1.3.0" },
		{ "iso.3.6.1.6.3.1.1.4.1.0", ".1.3.6.1.6.3.1.1.4.1.0" },
		{ ".iso.org.dod.internet.private.enterprises.8072.9999.9999.25.1.11.2.0",
		    N ".2.0" },
		{ "SNMPv2-SMI::enterprises.8072.9999.9999.25.0.1", R ".0.1" },
		{ "NET-SNMP-MIB::netSnmpPlaypen.25.1.11.9.0", N ".9.0" },
		{ "mhNotifySeverity.0", N ".5.0" },
		{ "MAILHEALTH-MIB::mhAgentAlarmClear", R ".0.18" },
		{ "MAILHEALTH-MIB::mhDrSyncAlarm", R ".0.11" },
		{ "FOO-MIB::unknownThing.0", "FOO-MIB::unknownThing.0" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *o = trapin_normalize_oid(in[i][0]);

		assert_string_equal(o, in[i][1]);
		free(o);
	}
}

static void
test_severity_forms(void **state)
{
	(void)state;
	assert_int_equal(alert_severity_from_name("1"), MH_SEV_CRITICAL);
	assert_int_equal(alert_severity_from_name("critical"), MH_SEV_CRITICAL);
	assert_int_equal(alert_severity_from_name("warning(4)"), MH_SEV_WARNING);
	assert_int_equal(alert_severity_from_name("info"), MH_SEV_INFO);
	assert_int_equal(alert_severity_from_name("9"), -1);
	assert_int_equal(alert_severity_from_name("bogus"), -1);
}

static void
test_every_family(void **state)
{
	int n;

	(void)state;
	for (n = 1; n <= 18; n++) {
		char *in = xasprintf(HDR ".1.3.6.1.6.3.1.1.4.1.0 " R ".0.%d\n", n);
		struct trap t;
		struct sms_alert a;
		char err[100];

		assert_int_equal(trapin_parse(in, strlen(in), &t, err,
		    sizeof(err)), 0);
		assert_int_equal(alert_from_trap(&t, &a, err, sizeof(err)), 0);
		assert_true(a.ours);
		assert_int_equal(a.family, (n + 1) / 2);
		assert_int_equal(a.cleared, n % 2 == 0);
		/* missing varbinds: host from the first line */
		assert_string_equal(a.host, "mx1.example");
		assert_string_equal(a.value, "");
		alert_free(&a);
		trapin_free(&t);
		free(in);
	}
}

static void
test_foreign_trap(void **state)
{
	static const char in[] = HDR
	    ".1.3.6.1.6.3.1.1.4.1.0 .1.3.6.1.6.3.1.1.5.3\n"
	    ".1.3.6.1.2.1.2.2.1.2.2 \"eth1\"\n";
	struct trap t;
	struct sms_alert a;
	char err[100];

	(void)state;
	assert_int_equal(trapin_parse(in, strlen(in), &t, err, sizeof(err)), 0);
	assert_int_equal(alert_from_trap(&t, &a, err, sizeof(err)), 0);
	assert_false(a.ours);
	assert_int_equal(a.family, MH_FAM_OTHER);
	assert_string_equal(a.text, "eth1");
	alert_free(&a);
	trapin_free(&t);
}

static void
test_malformed(void **state)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "", "truncated: no host line" },
		{ "host only", "truncated: no host line" },
		{ "h\n", "truncated: no transport line" },
		{ "h\nUDP\n", "truncated: no varbinds" },
		{ "h\nUDP\n.1.3 \"open\n", "line 3: unterminated string" },
		{ "h\nUDP\n.1.3 = Hex-STRING: ZZ\n", "line 3: bad Hex-STRING" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct trap t;
		char err[100] = "";

		assert_int_equal(trapin_parse(bad[i].in, strlen(bad[i].in), &t,
		    err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].why);
	}
	{
		/* NUL in input */
		struct trap t;
		char err[100];

		assert_int_equal(trapin_parse("h\nU\n.1 a\0b\n", 11, &t, err,
		    sizeof(err)), -1);
		assert_string_equal(err, "NUL byte in input");
	}
	{
		/* parsed, but no snmpTrapOID.0 */
		struct trap t;
		struct sms_alert a;
		char err[100];
		const char *in = "h\nU\n.1.3.6.1.2.1.1.3.0 5\n";

		assert_int_equal(trapin_parse(in, strlen(in), &t, err,
		    sizeof(err)), 0);
		assert_int_equal(alert_from_trap(&t, &a, err, sizeof(err)), -1);
		assert_string_equal(err, "no snmpTrapOID.0 varbind");
		trapin_free(&t);
	}
}

static void
test_hex_ambiguity(void **state)
{
	/* lower-case or no trailing blank: a text, not hex */
	static const char in[] = "h\nU\n"
	    ".1.3.6.1.6.3.1.1.4.1.0 " R ".0.1\n"
	    N ".8.0 \"ab cd\"\n"
	    N ".4.0 \"41 42 \"\n"
	    N ".3.0 \"\"\n";
	struct trap t;
	char err[100];

	(void)state;
	assert_int_equal(trapin_parse(in, strlen(in), &t, err, sizeof(err)), 0);
	assert_string_equal(trapin_lookup(&t, N ".8.0"), "ab cd");
	assert_string_equal(trapin_lookup(&t, N ".4.0"), "AB");
	assert_string_equal(trapin_lookup(&t, N ".3.0"), "");
	trapin_free(&t);
}

static void
test_control_chars_cleaned(void **state)
{
	/* hex can carry anything: controls and invalid UTF-8 are cleaned */
	static const char in[] = "h\nU\n"
	    ".1.3.6.1.6.3.1.1.4.1.0 " R ".0.1\n"
	    N ".8.0 \"61 0A 0D 62 FF 63 \"\n";
	struct trap t;
	struct sms_alert a;
	char err[100];

	(void)state;
	assert_int_equal(trapin_parse(in, strlen(in), &t, err, sizeof(err)), 0);
	assert_int_equal(alert_from_trap(&t, &a, err, sizeof(err)), 0);
	assert_string_equal(a.text, "a b?c");
	alert_free(&a);
	trapin_free(&t);
}

static const char *
alert_field_cb(void *ctx, const char *name, size_t len)
{
	return alert_field(ctx, name, len);
}

/* A MIB-aware snmptrapd prints DISPLAY-HINT strings unquoted: a value
 * that merely starts with a quote is text, not a broken quoted string. */
static void
test_display_hint_quotes(void **state)
{
	static const char in[] = "h\nU\n"
	    "SNMPv2-MIB::snmpTrapOID.0 MAILHEALTH-MIB::mhQueueAlarm\n"
	    "MAILHEALTH-MIB::mhNotifyInstance.0 \"a b\"@x.org \n"
	    "MAILHEALTH-MIB::mhNotifyText.0 \"half quoted\n"
	    "MAILHEALTH-MIB::mhNotifyHost.0 mx1\n"
	    "MAILHEALTH-MIB::mhNotifyMetric.0 \"queue.total\"\n";
	static const char numeric[] = "h\nU\n"
	    ".1.3.6.1.6.3.1.1.4.1.0 " R ".0.1\n"
	    N ".8.0 \"half quoted\n";
	struct trap t;
	struct sms_alert a;
	char err[100];

	(void)state;
	assert_int_equal(trapin_parse(in, strlen(in), &t, err, sizeof(err)), 0);
	assert_int_equal(t.nvb, 5);
	assert_string_equal(trapin_lookup(&t, N ".4.0"), "\"a b\"@x.org");
	assert_string_equal(trapin_lookup(&t, N ".8.0"), "\"half quoted");
	assert_string_equal(trapin_lookup(&t, N ".9.0"), "mx1");
	/* a real quoted string still loses its quotes */
	assert_string_equal(trapin_lookup(&t, N ".3.0"), "queue.total");
	assert_int_equal(alert_from_trap(&t, &a, err, sizeof(err)), 0);
	assert_int_equal(a.family, MH_FAM_QUEUE);
	assert_string_equal(a.instance, "\"a b\"@x.org");
	assert_string_equal(a.host, "mx1");
	alert_free(&a);
	trapin_free(&t);
	/* numeric -On output always closes its quotes: still an error */
	assert_int_equal(trapin_parse(numeric, strlen(numeric), &t, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "line 4: unterminated string");
}

/* The default templates, as a config without a template section gets
 * them, applied to a and folded to one line. */
static char *
default_text(const struct sms_alert *a)
{
	char path[] = "/tmp/test_sms_trapin.XXXXXX", err[600];
	int fd = mkstemp(path);
	static const char conf[] = "recipients = { \"+1\" }\n"
	    "spool_directory = \"/tmp/unused\"\n"
	    "gateway { url = 'http://127.0.0.1:1/?to={to}&text={text}' }\n";
	struct sms_conf *c;
	struct strbuf b;
	char *text;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, conf, sizeof(conf) - 1),
	    (ssize_t)sizeof(conf) - 1);
	close(fd);
	c = sms_conf_load(path, err, sizeof(err));
	unlink(path);
	assert_non_null(c);
	strbuf_init(&b);
	assert_int_equal(msg_tmpl_expand(a->cleared ?
	    c->tmpl_cleared[a->family] : c->tmpl_raised[a->family],
	    alert_field_cb, (void *)a, NULL,
	    &b, err, sizeof(err)), 0);
	text = msg_clean(b.s);
	strbuf_free(&b);
	sms_conf_free(c);
	return text;
}

static void
test_missing_varbinds(void **state)
{
	/* the service raise of sms-trap.sh: only the text came through */
	static const char in[] = "mx9.example\nU\n"
	    ".1.3.6.1.6.3.1.1.4.1.0 " R ".0.9\n"
	    N ".8.0 \"disk almost full\"\n";
	/* a clear without instance and threshold */
	static const char clear_in[] = "h\nU\n"
	    ".1.3.6.1.6.3.1.1.4.1.0 " R ".0.2\n"
	    N ".1.0 4\n" N ".2.0 \"queue-high\"\n" N ".3.0 \"queue.total\"\n"
	    N ".5.0 1\n" N ".6.0 3900\n" N ".8.0 \"back\"\n" N ".9.0 \"mx1\"\n";
	/* no snmpTrapOID.0, but our objects: paged as a raise of the
	 * metric's family */
	static const char no_oid_in[] = "h\nU\n"
	    ".1.3.6.1.2.1.1.3.0 1\n"
	    N ".3.0 \"queue.total\"\n" N ".5.0 1\n" N ".6.0 5234\n"
	    N ".7.0 5000\n" N ".9.0 \"mx1\"\n";
	/* neither: nothing to go on, an error */
	static const char bare_in[] = "h\nU\n.1.3.6.1.2.1.1.3.0 1\n"
	    N ".8.0 \"x\"\n";
	struct trap t;
	struct sms_alert a;
	char err[100], *s;

	(void)state;
	assert_int_equal(trapin_parse(in, strlen(in), &t, err, sizeof(err)), 0);
	assert_int_equal(alert_from_trap(&t, &a, err, sizeof(err)), 0);
	assert_true(a.ours);
	assert_int_equal(a.family, MH_FAM_SERVICE);
	assert_false(a.no_trap_oid);
	s = alert_missing_names(&a);
	assert_string_equal(s, "mhNotifyAlarmIndex, mhNotifyAlarmName, "
	    "mhNotifyMetric, mhNotifyInstance, mhNotifySeverity, "
	    "mhNotifyValue, mhNotifyThreshold, mhNotifyHost");
	free(s);
	s = default_text(&a);
	assert_string_equal(s, "UNKNOWN mx9.example service: disk almost full");
	free(s);
	alert_free(&a);
	trapin_free(&t);

	assert_int_equal(trapin_parse(clear_in, strlen(clear_in), &t, err,
	    sizeof(err)), 0);
	assert_int_equal(alert_from_trap(&t, &a, err, sizeof(err)), 0);
	assert_true(a.cleared);
	s = alert_missing_names(&a);
	assert_string_equal(s, "mhNotifyInstance, mhNotifyThreshold");
	free(s);
	s = default_text(&a);
	assert_string_equal(s, "OK mx1 queue 3,900 msgs");
	free(s);
	alert_free(&a);
	trapin_free(&t);

	assert_int_equal(trapin_parse(no_oid_in, strlen(no_oid_in), &t, err,
	    sizeof(err)), 0);
	assert_int_equal(alert_from_trap(&t, &a, err, sizeof(err)), 0);
	assert_true(a.ours);
	assert_true(a.no_trap_oid);
	assert_false(a.cleared);
	assert_int_equal(a.family, MH_FAM_QUEUE);
	s = default_text(&a);
	assert_string_equal(s, "CRITICAL mx1 queue 5,234 msgs (>= 5000)");
	free(s);
	alert_free(&a);
	trapin_free(&t);

	assert_int_equal(trapin_parse(bare_in, strlen(bare_in), &t, err,
	    sizeof(err)), 0);
	assert_int_equal(alert_from_trap(&t, &a, err, sizeof(err)), -1);
	assert_string_equal(err, "no snmpTrapOID.0 varbind");
	alert_free(&a);
	trapin_free(&t);

	/* a complete notification lacks nothing */
	assert_int_equal(trapin_parse(numeric_in, strlen(numeric_in), &t, err,
	    sizeof(err)), 0);
	assert_int_equal(alert_from_trap(&t, &a, err, sizeof(err)), 0);
	assert_null(alert_missing_names(&a));
	s = default_text(&a);
	assert_string_equal(s, "MAJOR mx1 auth j\"o\\e: -12 failed logins "
	    "(<= 50) (café queue high..)");
	free(s);
	alert_free(&a);
	trapin_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numeric_style),
		cmocka_unit_test(test_symbolic_style),
		cmocka_unit_test(test_oid_spellings),
		cmocka_unit_test(test_severity_forms),
		cmocka_unit_test(test_every_family),
		cmocka_unit_test(test_foreign_trap),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_hex_ambiguity),
		cmocka_unit_test(test_control_chars_cleaned),
		cmocka_unit_test(test_missing_varbinds),
		cmocka_unit_test(test_display_hint_quotes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
