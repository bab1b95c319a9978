/*
 * test_lp_rules.c: site rules (agent/logs/lp_rules.c) and the
 * dispatcher's choice of parser (agent/logs/logparse.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"
#include "lptest.h"

/* Errors name the rule and say why; the config code adds FILE:LINE. */
static void
test_errors(void **state)
{
	char *err;

	(void)state;
	assert_null(logrule_new("web", "login failed (", "auth_failure", NULL,
	    NULL, 0, 0, &err));
	assert_string_equal(err, "rule web: match: missing closing "
	    "parenthesis at offset 14");
	free(err);
	assert_null(logrule_new("web", "a(b)c", "auth_failure", NULL, NULL, 2,
	    0, &err));
	assert_string_equal(err, "rule web: user = 2, client = 0, but the "
	    "expression has 1 capture group");
	free(err);
	assert_null(logrule_new("web", "x", "auth_fail", NULL, NULL, 0, 0,
	    &err));
	assert_string_equal(err, "rule web: kind 'auth_fail' is not one of "
	    "auth_failure, auth_nopass, auth_success, submission, rejected");
	free(err);
	assert_null(logrule_new("web", "x", "rejected", "ftp", NULL, 0, 0,
	    &err));
	assert_string_equal(err, "rule web: proto 'ftp' is not one of smtp, "
	    "submission, pop3, imap");
	free(err);
	assert_null(logrule_new("web", "", "rejected", NULL, NULL, 0, 0, &err));
	assert_string_equal(err, "rule web: match is missing or empty");
	free(err);
	assert_null(logrule_new("web", "(x)", "submission", NULL, NULL, 0, 1,
	    &err));
	assert_string_equal(err, "rule web: kind submission needs user = "
	    "GROUP (who submitted)");
	free(err);
}

static void
one(struct logparse *lp, const char *text, struct lpt_evs *evs)
{
	evs->n = 0;
	lpt_line(lp, text, LPT_SYSLOG, evs);
}

static void
test_match(void **state)
{
	struct logparse *lp = lpt_parser();
	struct logparse_stats st;
	struct lpt_evs e = { 0 };
	struct logrule *r;
	char *err = NULL, b[512];

	(void)state;
	r = logrule_new("webmail", "login failed for (\\S+) from "
	    "([0-9a-f.:]+)", "auth_failure", "imap", "roundcube", 1, 2, &err);
	assert_non_null(r);
	assert_null(err);
	logparse_add_rule(lp, r);
	r = logrule_new("any", "login failed", "auth_nopass", NULL, NULL, 0, 0,
	    &err);
	assert_non_null(r);
	logparse_add_rule(lp, r);
	r = logrule_new("sent", "^sent mail for (\\S+)", "submission", NULL,
	    NULL, 1, 0, &err);
	assert_non_null(r);
	logparse_add_rule(lp, r);
	one(lp, "Nov 30 10:00:00 web roundcube[77]: login failed for "
	    "alice@example.com from 192.0.2.9", &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail imap 1 user=alice@example.com client=192.0.2.9");
	/* another program: the first rule does not apply, the second does */
	one(lp, "Nov 30 10:00:01 web other[78]: login failed for bob from "
	    "192.0.2.10", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_nopass - 1");
	one(lp, "Nov 30 10:00:02 web roundcube[77]: sent mail for carol", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "submit - 1 user=carol");
	one(lp, "Nov 30 10:00:03 web roundcube[77]: nothing here", &e);
	assert_int_equal(e.n, 0);
	/* a line a built-in parser counted is not matched again */
	r = logrule_new("sasl", "SASL (\\S+) authentication failed",
	    "auth_failure", NULL, NULL, 0, 0, &err);
	assert_non_null(r);
	logparse_add_rule(lp, r);
	one(lp, "Nov 30 10:00:04 mx postfix/smtpd[1]: warning: x[192.0.2.1]: "
	    "SASL LOGIN authentication failed: authentication failure", &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.v[0].client, "192.0.2.1");
	logparse_stats(lp, &st);
	assert_int_equal(st.rule_hits, 3);
	assert_int_equal(st.lines, 5);
	assert_int_equal(st.counted_lines, 4);
	lpt_evs_free(&e);
	logparse_free(lp);
}

/* Lines without a program name and no parser option: guessed from the
 * first words; a forced parser wins over the program name. */
static void
test_dispatch(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	struct log_line l;
	enum log_parser p;

	(void)state;
	memset(&l, 0, sizeof(l));
	l.pid = -1;
	l.ts = 100;
	l.msg = lpt_str("1xY1Qd-00041s-2a <= a@b H=(x) [192.0.2.1] P=esmtp S=1");
	assert_int_equal(logparse_line(lp, &l, 0, lpt_collect, &e), 1);
	l.msg = lpt_str("new msg 77");
	assert_int_equal(logparse_line(lp, &l, 0, lpt_collect, &e), 1);
	l.msg = lpt_str("H=(x) [192.0.2.2] F=<a@b> rejected RCPT <c@d>: no");
	assert_int_equal(logparse_line(lp, &l, 0, lpt_collect, &e), 1);
	l.msg = lpt_str("something else entirely");
	assert_int_equal(logparse_line(lp, &l, 0, lpt_collect, &e), 0);
	l.prog = lpt_str("mailer");
	l.parser = LOGP_QMAIL;
	l.msg = lpt_str("new msg 78");
	assert_int_equal(logparse_line(lp, &l, 0, lpt_collect, &e), 1);
	assert_true(logparse_parser_by_name("exim", &p));
	assert_int_equal(p, LOGP_EXIM);
	assert_false(logparse_parser_by_name("sendmail", &p));
	lpt_evs_free(&e);
	logparse_free(lp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
