/*
 * test_sms_gateway.c: request building (URL, form and JSON escaping,
 * headers, styles), result classification and redaction. No network.
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
test_url_escape(void **state)
{
	struct strbuf b;

	(void)state;
	strbuf_init(&b);
	gateway_url_escape(&b, "+1 555&x=y/é~._-");
	assert_string_equal(b.s, "%2B1%20555%26x%3Dy%2F%C3%A9~._-");
	strbuf_free(&b);
}

static void
init_gw(struct gw_conf *g, const char *style)
{
	const struct gw_style *st = gateway_style(style);
	static long codes[] = { 200, 202 };

	memset(g, 0, sizeof(*g));
	assert_non_null(st);
	g->style = (char *)style;
	g->method = st->method;
	g->body = st->body;
	g->fields = (char **)st->fields;
	while (st->fields && st->fields[g->nfields])
		g->nfields++;
	g->success_codes = codes;
	g->nsuccess_codes = 2;
	g->success_body = (char *)st->success_body;
	g->from = (char *)"MAILHEALTH";
}

static void
test_kannel_get(void **state)
{
	struct gw_conf g;
	struct gw_request r;
	char err[100];

	(void)state;
	init_gw(&g, "kannel");
	g.url = (char *)"http://127.0.0.1:13013/cgi-bin/sendsms?username=u&"
	    "password=p&to={to}&text={text}";
	assert_int_equal(gateway_build(&g, "+15550100", "Queue 5000 & rising",
	    "id1", &r, err, sizeof(err)), 0);
	assert_string_equal(r.url, "http://127.0.0.1:13013/cgi-bin/sendsms?"
	    "username=u&password=p&to=%2B15550100&text=Queue%205000%20%26%20rising");
	assert_null(r.body);
	assert_int_equal(r.method, GW_GET);
	gateway_request_free(&r);
}

static void
test_twilio_form(void **state)
{
	struct gw_conf g;
	struct gw_request r;
	char err[100];

	(void)state;
	init_gw(&g, "twilio");
	g.url = (char *)"https://api.example.net/Accounts/AC1/Messages.json";
	assert_int_equal(gateway_build(&g, "+15550100", "a=b&c é", "id1", &r,
	    err, sizeof(err)), 0);
	assert_int_equal(r.method, GW_POST);
	assert_string_equal(r.content_type, "application/x-www-form-urlencoded");
	assert_string_equal(r.body, "To=%2B15550100&From=MAILHEALTH&"
	    "Body=a%3Db%26c%20%C3%A9");
	gateway_request_free(&r);
}

static void
test_json_body_and_headers(void **state)
{
	struct gw_conf g;
	struct gw_request r;
	char err[100];
	char *headers[] = { (char *)"X-Request-Id: {id}",
	    (char *)"X-Text: {text}" };

	(void)state;
	init_gw(&g, "json");
	g.url = (char *)"https://hooks.example.net/sms";
	g.headers = headers;
	g.nheaders = 2;
	g.bearer_token = (char *)"tok123";
	assert_int_equal(gateway_build(&g, "+1", "say \"hi\"\\\n\x01",
	    "abc", &r, err, sizeof(err)), 0);
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(r.body,
	    "{\"to\": \"+1\", \"text\": \"say \\\"hi\\\"\\\\\\n\\u0001\"}");
	assert_int_equal(r.nheaders, 3);
	assert_string_equal(r.headers[0], "X-Request-Id: abc");
	/* no header injection from the text */
	assert_string_equal(r.headers[1], "X-Text: say \"hi\"\\ \x01");
	assert_string_equal(r.headers[2], "Authorization: Bearer tok123");
	gateway_request_free(&r);
}

static void
test_bad_placeholder(void **state)
{
	struct gw_conf g;
	struct gw_request r;
	char err[100];

	(void)state;
	init_gw(&g, "generic");
	g.url = (char *)"http://127.0.0.1/?to={phone}";
	assert_int_equal(gateway_build(&g, "+1", "x", "id", &r, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "unknown placeholder {phone}");
}

static void
test_classify(void **state)
{
	struct gw_conf g;

	(void)state;
	init_gw(&g, "kannel");
	assert_int_equal(gateway_classify(&g, 202, "0: Accepted for delivery"),
	    GW_OK);
	assert_int_equal(gateway_classify(&g, 202, "3: Queued for later "
	    "delivery"), GW_OK);
	/* 200 with an error text is not a success */
	assert_int_equal(gateway_classify(&g, 200, "ERROR: no credit"),
	    GW_TEMP);
	assert_int_equal(gateway_classify(&g, 503, "Temporal failure"),
	    GW_TEMP);
	assert_int_equal(gateway_classify(&g, 500, ""), GW_TEMP);
	assert_int_equal(gateway_classify(&g, 429, ""), GW_TEMP);
	assert_int_equal(gateway_classify(&g, 408, ""), GW_TEMP);
	assert_int_equal(gateway_classify(&g, 400, ""), GW_PERM);
	assert_int_equal(gateway_classify(&g, 401, ""), GW_PERM);
	assert_int_equal(gateway_classify(&g, 302, ""), GW_PERM);
	g.success_body = NULL;
	assert_int_equal(gateway_classify(&g, 200, "anything"), GW_OK);
	assert_int_equal(gateway_classify(&g, 201, "{}"), GW_TEMP);
}

static void
test_redact(void **state)
{
	struct gw_conf g;
	char *s;

	(void)state;
	memset(&g, 0, sizeof(g));
	g.password = (char *)"s3cr3t";
	s = gateway_redact(&g, "http://h/x?username=u&password=hunter2&to=1 "
	    "and s3cr3t again");
	assert_string_equal(s, "http://h/x?username=u&password=***&to=1 and "
	    "*** again");
	free(s);
}

/* Credentials by name, wherever a gateway puts them (issue 11 item 5):
 * none of them may reach --dry-run's output or a log line. */
static void
test_redact_by_name(void **state)
{
	struct gw_conf g;
	char *s;

	(void)state;
	memset(&g, 0, sizeof(g));
	g.bearer_token = (char *)"tok-123";
	s = gateway_redact(&g, "https://sms.example.net/send?api_key=K3Y&to="
	    "%2B1&access_token=AT0K&text=hi&apikey=X&client_secret=S#frag");
	assert_string_equal(s, "https://sms.example.net/send?api_key=***&to="
	    "%2B1&access_token=***&text=hi&apikey=***&client_secret=***#frag");
	free(s);
	/* basic auth in the URL: the user stays, the password goes */
	s = gateway_redact(&g, "https://acct:pa55w0rd@api.example.net/x?to=1");
	assert_string_equal(s, "https://acct:***@api.example.net/x?to=1");
	free(s);
	/* a form body and a JSON body */
	s = gateway_redact(&g, "To=%2B1&Body=hi&AuthToken=zz&Sig=abc");
	assert_string_equal(s, "To=%2B1&Body=hi&AuthToken=***&Sig=***");
	free(s);
	s = gateway_redact(&g, "{\"to\": \"+1\", \"apiKey\": \"k\\\"q\", "
	    "\"text\": \"token=abc is fine\"}");
	assert_string_equal(s, "{\"to\": \"+1\", \"apiKey\": \"***\", "
	    "\"text\": \"token=abc is fine\"}");
	free(s);
	/* the configured bearer token, anywhere */
	s = gateway_redact(&g, "curl said tok-123 was refused");
	assert_string_equal(s, "curl said *** was refused");
	free(s);
	/* what is not a credential stays */
	s = gateway_redact(&g, "http://h/sendsms?username=u&to=%2B1&text=a%3Db");
	assert_string_equal(s, "http://h/sendsms?username=u&to=%2B1&text=a%3Db");
	free(s);
}

static void
test_redact_header(void **state)
{
	struct gw_conf g;
	char *s;

	(void)state;
	memset(&g, 0, sizeof(g));
	s = gateway_redact_header(&g, "Authorization: Bearer abc.def");
	assert_string_equal(s, "Authorization: Bearer ***");
	free(s);
	s = gateway_redact_header(&g, "authorization: Basic dTpw");
	assert_string_equal(s, "authorization: Basic ***");
	free(s);
	s = gateway_redact_header(&g, "X-Api-Key: 12345");
	assert_string_equal(s, "X-Api-Key: ***");
	free(s);
	s = gateway_redact_header(&g, "X-Source: mailhealth");
	assert_string_equal(s, "X-Source: mailhealth");
	free(s);
}

static void
test_styles_table(void **state)
{
	(void)state;
	assert_non_null(gateway_style("kannel"));
	assert_non_null(gateway_style("TWILIO"));
	assert_non_null(gateway_style("json"));
	assert_non_null(gateway_style("generic"));
	assert_null(gateway_style("carrier-pigeon"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_escape),
		cmocka_unit_test(test_kannel_get),
		cmocka_unit_test(test_twilio_form),
		cmocka_unit_test(test_json_body_and_headers),
		cmocka_unit_test(test_bad_placeholder),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_redact_by_name),
		cmocka_unit_test(test_redact_header),
		cmocka_unit_test(test_styles_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
