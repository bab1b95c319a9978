/*
 * test_lp_qmail.c: the qmail log parser (agent/logs/lp_qmail.c).
 *
 * No qmail is packaged in Debian, so the logs are written byte for byte
 * as qmail-send, tcpserver, rblsmtpd, sagredo's qmail-smtpd and multilog
 * write them (tests/logs/qmail-logs.py, which names the format strings
 * it follows): tests/data/logs/qmail-smtpd.multilog and
 * qmail-send.multilog. Every event is compared with their .events
 * files, in both reading orders of the two logs (an SMTP AUTH submission
 * is put together from both). vchkpw's lines (syslog) and splogger's
 * stamp have their own tests.
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

static void
test_golden_smtpd_first(void **state)
{
	struct logparse *lp = lpt_parser();

	(void)state;
	lpt_golden(lp, "qmail-smtpd.multilog", LPT_BARE);
	lpt_golden(lp, "qmail-send.multilog", LPT_BARE);
	logparse_free(lp);
}

static const struct lpt_ev *
find(const struct lpt_evs *e, enum log_ev_kind k, size_t nth)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (e->v[i].ev.kind == k && nth-- == 0)
			return &e->v[i];
	return NULL;
}

/* The send log read before the smtpd log: the submission still gets its
 * AUTH user, when the smtpd half arrives. */
static void
test_send_log_first(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	const struct lpt_ev *x;
	char b[1024];
	uint64_t n[16] = { 0 };

	(void)state;
	lpt_file(lp, "qmail-send.multilog", LPT_BARE, &e);
	lpt_file(lp, "qmail-smtpd.multilog", LPT_BARE, &e);
	lpt_count(&e, n);
	assert_int_equal(n[LEV_RECEIVED], 3);
	assert_int_equal(n[LEV_SUBMIT], 2);	/* lpjunk, alice; not qmails */
	assert_int_equal(n[LEV_DELIVERED], 3);
	assert_int_equal(n[LEV_DEFERRED], 1);
	assert_int_equal(n[LEV_BOUNCED], 1);
	assert_int_equal(n[LEV_REJECTED], 3);	/* rbl, deny, relay */
	assert_int_equal(n[LEV_AUTH_FAIL], 2);	/* not 4 */
	assert_int_equal(n[LEV_AUTH_OK], 1);
	x = find(&e, LEV_SUBMIT, 1);
	assert_non_null(x);
	assert_string_equal(lpt_fmt(x, b, sizeof(b)),
	    "submit submission 1 qid=1001 user=alice@example.com "
	    "client=192.0.2.50");
	lpt_evs_free(&e);
	logparse_free(lp);
}

static void
one(struct logparse *lp, const char *text, enum lpt_fmt fmt,
    struct lpt_evs *evs)
{
	evs->n = 0;
	lpt_line(lp, text, fmt, evs);
}

/* vchkpw through syslog: the service names the protocol; the (pass:
 * '...') part is never read; "user@" has no domain. */
static void
test_vchkpw(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	char b[1024];

	(void)state;
	one(lp, "Sep 14 07:21:42 mx vpopmail[939]: vchkpw-pop3: password fail "
	    "user1@example.com:192.0.2.1", LPT_SYSLOG, &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail pop3 1 user=user1@example.com client=192.0.2.1 "
	    "reason=password fail");
	one(lp, "Jun  9 08:56:30 mx vpopmail[65827]: vchkpw-imap: password "
	    "fail (pass: 'se cret') me@example.com:2001:db8::68", LPT_SYSLOG,
	    &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail imap 1 user=me@example.com client=2001:db8::68 "
	    "reason=password fail");
	assert_null(strstr(b, "se cret"));
	one(lp, "Jun  9 08:56:31 mx vpopmail[65851]: vchkpw-pop3: vpopmail "
	    "user not found me@:192.0.2.68", LPT_SYSLOG, &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail pop3 1 user=me client=192.0.2.68 "
	    "reason=vpopmail user not found");
	one(lp, "Jul  7 11:08:51 mx vpopmail[19743]: vchkpw-submission: "
	    "(CRAM-MD5) login success user@example.com:192.0.2.4", LPT_SYSLOG,
	    &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_ok submission 1 user=user@example.com client=192.0.2.4 "
	    "reason=(CRAM-MD5) login success");
	one(lp, "Jul  7 11:08:52 mx vpopmail[19744]: vchkpw-pop3: null "
	    "password given bob:192.0.2.5", LPT_SYSLOG, &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_nopass pop3 1 user=bob client=192.0.2.5 "
	    "reason=null password given");
	/* SMTP: counted while qmail-smtpd logs no AUTH of its own ... */
	one(lp, "Jul  7 11:08:53 mx vpopmail[19745]: vchkpw-smtp: password "
	    "fail bob@example.com:192.0.2.6", LPT_SYSLOG, &e);
	assert_int_equal(e.n, 1);
	/* ... and not once it does: the MTA's line counts that attempt */
	one(lp, "qmail-smtpd[4000]: auth: auth-failed type=login "
	    "user=<bob@example.com>", LPT_BARE, &e);
	assert_int_equal(e.n, 1);
	one(lp, "Jul  7 11:08:54 mx vpopmail[19746]: vchkpw-smtp: password "
	    "fail bob@example.com:192.0.2.6", LPT_SYSLOG, &e);
	assert_int_equal(e.n, 0);
	one(lp, "Jul  7 11:08:55 mx vpopmail[19747]: vchkpw-pop3: password "
	    "fail bob@example.com:192.0.2.6", LPT_SYSLOG, &e);
	assert_int_equal(e.n, 1);
	lpt_evs_free(&e);
	logparse_free(lp);
}

/* qmail-send through splogger: "qmail: SECONDS.USEC text". */
static void
test_splogger(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	char b[1024];

	(void)state;
	one(lp, "May 29 06:29:06 mx qmail: 1054189746.123151 new msg 161214",
	    LPT_SYSLOG, &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "received - 1 qid=161214");
	one(lp, "May 29 06:29:06 mx qmail: 1054189746.123200 info msg 161214: "
	    "bytes 830 from <x@example.com> qp 6190 uid 1000", LPT_SYSLOG, &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "submit - 1 qid=161214 user=alice");
	one(lp, "May 29 06:29:07 mx qmail: 1054189747.000001 starting delivery "
	    "183: msg 161214 to remote x@Example.NET", LPT_SYSLOG, &e);
	one(lp, "May 29 06:29:08 mx qmail: 1054189748.000001 delivery 183: "
	    "failure: 192.0.2.30_does_not_like_recipient./Remote_host_said:"
	    "_550_5.1.1_unknown_user/Giving_up_on_192.0.2.30./", LPT_SYSLOG,
	    &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "bounced - 1 qid=161214 user=alice domain=Example.NET "
	    "relay=192.0.2.30 dsn=5.1.1 reason=192.0.2.30 does not like "
	    "recipient. Remote host said: 550 5.1.1 unknown user Giving up "
	    "on 192.0.2.30.");
	/* an unknown delivery number: counted, with nothing to add */
	one(lp, "May 29 06:29:09 mx qmail: 1054189749.000001 delivery 999: "
	    "deferral: Connection_refused./", LPT_SYSLOG, &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "deferred - 1 reason=Connection refused.");
	lpt_evs_free(&e);
	logparse_free(lp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_smtpd_first),
		cmocka_unit_test(test_send_log_first),
		cmocka_unit_test(test_vchkpw),
		cmocka_unit_test(test_splogger),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
