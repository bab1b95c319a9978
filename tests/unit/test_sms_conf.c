/*
 * test_sms_conf.c: mailhealth-sms.conf validation: every error names
 * FILE:LINE, style presets fill in defaults, templates are checked.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sms.h"

static char dir[] = "/tmp/test_sms_conf.XXXXXX";

static char *
write_file(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static void
expect_error(const char *text, const char *want_after_path)
{
	char *p = write_file("t.conf", text), *want;
	char err[600] = "";
	struct sms_conf *c = sms_conf_load(p, err, sizeof(err));

	assert_null(c);
	want = xasprintf("%s%s", p, want_after_path);
	assert_string_equal(err, want);
	free(want);
	free(p);
}

#define GW "gateway {\n url = 'http://127.0.0.1:1/?to={to}&text={text}'\n}\n"

static void
test_good_config(void **state)
{
	char *tok = write_file("token", "tok-abc\n");
	char *text = xasprintf(
	    "spool_directory = \"%s/spool\"\n"
	    "recipients = { \"+15550100\" }\n"
	    "quiet_hours = \"22:30-06:15\"\n"
	    "rate_limit = 3\n"
	    "rate_window = 2h\n"
	    "summary_delay = 90s\n"
	    "dedupe_window = 15m\n"
	    "charset = gsm\n"
	    "template queue { raised = '{host} Q {value}' }\n"
	    "template default { cleared = 'ok {host}' }\n"
	    "route db { recipients = { \"+15550199\" } severity = { critical }"
	    " notifications = { drsync, agent } }\n"
	    "gateway {\n style = json\n url = \"https://h.example.net/sms?x=${NOT_EXPANDED:-1}\"\n"
	    " bearer_token_file = \"%s\"\n timeout = 1m\n}\n", dir, tok);
	char *p = write_file("good.conf", text);
	char err[600] = "";
	struct sms_conf *c;

	(void)state;
	c = sms_conf_load(p, err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(err, "");
	assert_int_equal(c->quiet.start, 22 * 60 + 30);
	assert_int_equal(c->quiet.end, 6 * 60 + 15);
	assert_int_equal(c->rate_limit, 3);
	assert_int_equal(c->rate_window, 7200);
	assert_int_equal(c->summary_delay, 90);
	assert_int_equal(c->dedupe_window, 900);
	assert_false(c->allow_ucs2);
	assert_string_equal(c->tmpl_raised[MH_FAM_QUEUE], "{host} Q {value}");
	assert_string_equal(c->tmpl_cleared[MH_FAM_QUEUE], "ok {host}");
	assert_string_equal(c->tmpl_cleared[MH_FAM_AUTH], "ok {host}");
	assert_int_equal(c->nroutes, 1);
	assert_int_equal(c->routes[0].severities, 1u << MH_SEV_CRITICAL);
	assert_int_equal(c->routes[0].families,
	    (1u << MH_FAM_DRSYNC) | (1u << MH_FAM_AGENT));
	/* the json style fills in method, body and fields */
	assert_int_equal(c->gw.method, GW_POST);
	assert_int_equal(c->gw.body, GW_BODY_JSON);
	assert_int_equal(c->gw.nfields, 2);
	assert_string_equal(c->gw.bearer_token, "tok-abc");
	assert_int_equal(c->gw.timeout_ms, 60000);
	assert_true(c->gw.tls_verify);
	assert_int_equal(c->max_segments, 1);
	sms_conf_free(c);
	free(p);
	free(text);
	free(tok);
}

static void
test_errors_name_file_and_line(void **state)
{
	(void)state;
	expect_error("recipients = { \"+1\" }\nbogus = 1\n" GW,
	    ":2: no such option 'bogus'");
	expect_error("recipients = { \"+1\" }\n\nmax_segments = 11\n" GW,
	    ":3: max_segments: 11 is out of range 1..10");
	expect_error("recipients = { \"+1\" }\nquiet_hours = \"25:00-01:00\"\n"
	    GW, ":2: quiet_hours: '25:00-01:00' is not HH:MM-HH:MM");
	expect_error("recipients = { \"+1\" }\nrate_window = 5x\n" GW,
	    ":2: rate_window: bad duration '5x' (use 90, 90s, 5m, 2h or 1d)");
	expect_error("recipients = { \"+1\" }\n"
	    "template auth {\n raised = '{host} {sevrity}'\n}\n" GW,
	    ":3: raised: unknown placeholder {sevrity}");
	expect_error("recipients = { \"+1\" }\n"
	    "route r {\n recipients = { \"+2\" }\n severity = { urgent }\n}\n"
	    GW, ":4: severity: 'urgent' is not one of the allowed values");
	expect_error("recipients = { \"+1\" }\ngateway {\n style = smoke\n}\n",
	    ":3: style: unknown gateway style 'smoke' (kannel, twilio, json, "
	    "generic)");
	expect_error("recipients = { \"+1\" }\ngateway {\n"
	    " url = 'http://127.0.0.1/?n={number}'\n}\n",
	    ":3: url: unknown placeholder {number}");
	expect_error("recipients = { \"+1\" }\ngateway {\n"
	    " url = 'http://127.0.0.1/'\n success_codes = { 200, 99 }\n}\n",
	    ":4: success_codes: 99 is out of range 100..599");
	expect_error("recipients = { \"+1\" }\ngateway {\n"
	    " url = 'http://127.0.0.1/'\n success_body = '(('\n}\n",
	    ":4: success_body: bad regular expression '(('");
	/* the sections of issue 9 and 11 */
	expect_error("recipients = { \"+1\" }\ndeadman {\n missed = 0\n}\n"
	    GW, ":3: missed: 0 is out of range 1..1000");
	expect_error("recipients = { \"+1\" }\ndeadman {\n severity = loud\n}\n"
	    GW, ":3: severity: 'loud' is not one of the allowed values");
	expect_error("recipients = { \"+1\" }\nreconcile {\n port = 0\n}\n"
	    GW, ":3: port: 0 is out of range 1..65535");
	expect_error("recipients = { \"+1\" }\nreconcile {\n user = u\n"
	    " priv_protocol = ROT13\n}\n" GW,
	    ":4: priv_protocol: 'ROT13' is not one of the allowed values");
	expect_error("recipients = { \"+1\" }\nreconcile {\n user = u\n"
	    " auth_passphrase_file = \"/nonexistent/a\"\n}\n" GW,
	    ":5: reconcile: cannot read /nonexistent/a: No such file or "
	    "directory");
	expect_error("recipients = { \"+1\" }\nfallback_spool = \"rel\"\n" GW,
	    ":0: fallback_spool must be an absolute path other than "
	    "spool_directory");
	expect_error(GW, ":0: no recipients: set recipients or add a route");
	expect_error("recipients = { \"+1\" }\n", ":0: a gateway section is "
	    "required");
	expect_error("recipients = { \"+1\" }\n\ngateway {\n method = GET\n}\n",
	    ":5: gateway: url is required");
	expect_error("recipients = { \"+1\" }\ngateway {\n url = 'http://x/'\n"
	    " password_file = \"/nonexistent/pw\"\n username = u\n}\n",
	    ":6: gateway: password_file: cannot read /nonexistent/pw: No such "
	    "file or directory");
	expect_error("recipients = { \"+1\" }\ntemplate nosuch {\n}\n" GW,
	    ":3: template 'nosuch': not a notification type (queue, traffic, "
	    "auth, defer, service, drsync, conn, system, agent, other, "
	    "default)");
}

/* Regression (fuzz_sms_conf): libconfuse gives up on a NUL byte without
 * calling the error function; the error must still say FILE:LINE. */
static void
test_binary_input(void **state)
{
	static const char one_nul[] = "\0";
	static const char mid_nul[] = "recipients = { \"+1\" }\n\n\0 x = 1\n";
	const struct {
		const char *text;
		size_t len;
		int line;
	} cases[] = {
		{ one_nul, sizeof(one_nul) - 1, 1 },
		{ mid_nul, sizeof(mid_nul) - 1, 3 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < MH_ARRAY_SIZE(cases); i++) {
		char *p = xasprintf("%s/bin.conf", dir), *want;
		char err[600] = "";
		FILE *f = fopen(p, "w");

		assert_non_null(f);
		assert_int_equal(fwrite(cases[i].text, 1, cases[i].len, f),
		    cases[i].len);
		fclose(f);
		assert_null(sms_conf_load(p, err, sizeof(err)));
		want = xasprintf("%s:%d: syntax error (binary data or an "
		    "unexpected character)", p, cases[i].line);
		assert_string_equal(err, want);
		free(want);
		free(p);
	}
}

static void
test_template_parts_checked(void **state)
{
	(void)state;
	expect_error("recipients = { \"+1\" }\n"
	    "template queue {\n raised = '{host}{[ {instance}'\n}\n" GW,
	    ":3: raised: optional part '{[' without ']}'");
	expect_error("recipients = { \"+1\" }\n"
	    "template queue {\n raised = '{host}{[ {instanse}]}'\n}\n" GW,
	    ":3: raised: unknown placeholder {instanse}");
}

static void
test_missing_file(void **state)
{
	char err[300];

	(void)state;
	assert_null(sms_conf_load("/nonexistent/sms.conf", err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/sms.conf:0: cannot read: No "
	    "such file or directory");
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc;

	(void)state;
	rc = system(cmd);
	free(cmd);
	return rc;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_config),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_binary_input),
		cmocka_unit_test(test_template_parts_checked),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
