/*
 * test_lp_postfix.c: the Postfix log parser (agent/logs/lp_postfix.c).
 *
 * The main test reads tests/data/logs/postfix-3.7.maillog, written by a real
 * Postfix 3.7.11 (Debian 12) with Dovecot SASL on loopback
 * (tests/logs/collect.sh): authenticated submissions from three client
 * addresses, wrong passwords on smtpd and submission, an AUTH aborted
 * before the password, relay refusals, a local submission through
 * sendmail as another user, deliveries to a fake MX that accepts, defers
 * (450 4.7.28) and rejects (550 5.1.1), discard, error, local, virtual
 * and lmtp, header and body checks, and messages expiring. Every event
 * of every line, with every field, is compared with
 * postfix-3.7.maillog.events. The other tests check what that file cannot:
 * the counting rules one by one, other versions' wording, and bounds.
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
test_golden(void **state)
{
	struct logparse *lp = lpt_parser();

	(void)state;
	lpt_golden(lp, "postfix-3.7.maillog", LPT_SYSLOG);
	logparse_free(lp);
}

/* Sums over the golden log: the counting rules as totals. */
static void
test_totals(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs evs = { 0 };
	uint64_t n[16] = { 0 };

	(void)state;
	lpt_file(lp, "postfix-3.7.maillog", LPT_SYSLOG, &evs);
	lpt_count(&evs, n);
	/* one per cleanup message-id= line: 11 injected, 2 cleanup
	 * rejected after it, 7 bounces Postfix made itself */
	assert_int_equal(n[LEV_RECEIVED], 17);
	/* alice x4, bob, lpjunk, root x2 (pickup uid=0): 8 */
	assert_int_equal(n[LEV_SUBMIT], 8);
	/* status=sent lines */
	assert_int_equal(n[LEV_DELIVERED], 11);
	/* status=deferred lines, first attempts and the retries */
	assert_int_equal(n[LEV_DEFERRED], 10);
	/* 9 status=bounced lines + 5 expired messages */
	assert_int_equal(n[LEV_BOUNCED], 14);
	/* reject: lines (smtpd NOQUEUE and QID, cleanup header/body) */
	assert_int_equal(n[LEV_REJECTED], 8);
	/* two SASL failure lines, one each on smtpd and submission */
	assert_int_equal(n[LEV_AUTH_FAIL], 2);
	/* the AUTH aborted at the password prompt */
	assert_int_equal(n[LEV_AUTH_NOPASS], 1);
	/* auth=1 in five disconnect lines */
	assert_int_equal(n[LEV_AUTH_OK], 5);
	lpt_evs_free(&evs);
	logparse_free(lp);
}

static void
one(struct logparse *lp, const char *text, struct lpt_evs *evs)
{
	evs->n = 0;
	lpt_line(lp, text, LPT_SYSLOG, evs);
}

/* A delivery carries the submitter of its message until qmgr says
 * "removed"; after that the queue id is unknown. */
static void
test_submitter_follows_message(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	char b[1024];

	(void)state;
	one(lp, "Nov 30 10:00:00 mx postfix/submission/smtpd[10]: ABCDE12345: "
	    "client=unknown[192.0.2.7], sasl_method=PLAIN, sasl_username=eve@"
	    "example.org", &e);
	assert_int_equal(e.n, 0);
	one(lp, "Nov 30 10:00:01 mx postfix/cleanup[11]: ABCDE12345: "
	    "message-id=<x@y>", &e);
	assert_int_equal(e.n, 2);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "received - 1 qid=ABCDE12345 user=eve@example.org "
	    "client=192.0.2.7");
	assert_string_equal(lpt_fmt(&e.v[1], b, sizeof(b)),
	    "submit submission 1 qid=ABCDE12345 user=eve@example.org "
	    "client=192.0.2.7");
	assert_int_equal(e.v[0].ev.ts, e.v[1].ev.ts);
	one(lp, "Nov 30 10:00:02 mx postfix/smtp[12]: ABCDE12345: "
	    "to=<Bob@Gmail.COM>, relay=gmail-smtp-in.l.google.com[192.0.2.9]"
	    ":25, delay=1, delays=0/0/0.5/0.5, dsn=4.7.28, status=deferred "
	    "(host gmail-smtp-in.l.google.com[192.0.2.9] said: 421-4.7.28 "
	    "rate limited (in reply to end of DATA command))", &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "deferred - 1 qid=ABCDE12345 user=eve@example.org "
	    "client=192.0.2.7 domain=Gmail.COM "
	    "relay=gmail-smtp-in.l.google.com[192.0.2.9]:25 dsn=4.7.28 "
	    "reason=host gmail-smtp-in.l.google.com[192.0.2.9] said: "
	    "421-4.7.28 rate limited (in reply to end of DATA command)");
	/* forwarded by local(8): the new queue id's deliveries count */
	one(lp, "Nov 30 10:00:02 mx postfix/local[14]: ABCDE12345: "
	    "to=<eve@example.org>, relay=local, delay=0.1, delays=0/0/0/0.1, "
	    "dsn=2.0.0, status=sent (forwarded as 4F1A2B3C4D)", &e);
	assert_int_equal(e.n, 0);
	one(lp, "Nov 30 10:00:03 mx postfix/qmgr[13]: ABCDE12345: removed", &e);
	assert_int_equal(e.n, 0);
	one(lp, "Nov 30 10:00:04 mx postfix/smtp[12]: ABCDE12345: "
	    "to=<x@y.example>, relay=none, delay=1, delays=0/0/0.5/0.5, "
	    "dsn=5.0.0, status=bounced (gone)", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "bounced - 1 qid=ABCDE12345 domain=y.example relay=none "
	    "dsn=5.0.0 reason=gone");
	lpt_evs_free(&e);
	logparse_free(lp);
}

/* A content filter (amavis) hands the message back under a new queue
 * id: received twice (two queue ids), submitted once, and the final
 * deliveries carry the submitter. */
static void
test_content_filter(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	char b[1024];

	(void)state;
	one(lp, "Nov 30 10:00:00 mx postfix/submission/smtpd[10]: AAA111: "
	    "client=unknown[192.0.2.7], sasl_method=PLAIN, sasl_username=eve",
	    &e);
	one(lp, "Nov 30 10:00:00 mx postfix/cleanup[11]: AAA111: "
	    "message-id=<x@y>", &e);
	assert_int_equal(e.n, 2);
	one(lp, "Nov 30 10:00:01 mx postfix/smtp[12]: AAA111: to=<a@b.example>, "
	    "relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0/0/0/1, "
	    "dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025)"
	    ": 250 2.0.0 Ok: queued as BBB222)", &e);
	assert_int_equal(e.n, 1);
	one(lp, "Nov 30 10:00:01 mx postfix/smtpd[13]: BBB222: "
	    "client=localhost[127.0.0.1], orig_queue_id=AAA111, "
	    "orig_client=unknown[192.0.2.7]", &e);
	one(lp, "Nov 30 10:00:01 mx postfix/cleanup[11]: BBB222: "
	    "message-id=<x@y>", &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "received - 1 qid=BBB222 user=eve client=192.0.2.7");
	one(lp, "Nov 30 10:00:02 mx postfix/smtp[12]: BBB222: to=<a@b.example>, "
	    "relay=mx.b.example[192.0.2.8]:25, delay=1, delays=0/0/0/1, "
	    "dsn=2.0.0, status=sent (250 ok)", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "delivered - 1 qid=BBB222 user=eve client=192.0.2.7 "
	    "domain=b.example relay=mx.b.example[192.0.2.8]:25 dsn=2.0.0 "
	    "reason=250 ok");
	lpt_evs_free(&e);
	logparse_free(lp);
}

/* A SASL failure line before Postfix 3.9 has no user: it counts, with
 * no user. One with "sasl_username=(unavailable)" neither. A lost
 * authentication server is no verdict on a password. */
static void
test_sasl_variants(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	char b[1024];

	(void)state;
	one(lp, "Mar 10 13:33:30 gandalf postfix/smtpd[3937]: warning: "
	    "HOSTNAME[192.0.2.1]: SASL LOGIN authentication failed: "
	    "authentication failure", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail smtp 1 client=192.0.2.1 reason=authentication failure");
	one(lp, "Aug  4 16:47:52 mail3 postfix/smtpd[31152]: warning: "
	    "unknown[2001:db8::5]:55729: SASL LOGIN authentication failed: "
	    "UGFzc3dvcmQ6", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail smtp 1 client=2001:db8::5 reason=UGFzc3dvcmQ6");
	one(lp, "Nov  4 09:11:01 mail postfix/smtps/smtpd[1234]: warning: "
	    "unknown[192.0.2.152]: SASL PLAIN authentication failed: , "
	    "sasl_username=(unavailable)", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail submission 1 client=192.0.2.152");
	one(lp, "Nov  4 09:11:02 mail postfix/smtpd[1234]: warning: "
	    "unknown[192.0.2.152]: SASL PLAIN authentication failed: "
	    "Connection lost to authentication server, sasl_username=bob", &e);
	assert_int_equal(e.n, 0);
	/* Cyrus's own line for the same failure is not the MTA's line */
	one(lp, "Nov  4 09:11:03 mail postfix/smtpd[1234]: warning: SASL "
	    "authentication failure: Password verification failed", &e);
	assert_int_equal(e.n, 0);
	lpt_evs_free(&e);
	logparse_free(lp);
}

/* auth=N/M: N successes; the failed AUTH commands without a failure line
 * were aborted before a password (nopass), but only in a session seen
 * from its "connect from". */
static void
test_disconnect_counts(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	char b[1024];

	(void)state;
	one(lp, "Nov 30 10:00:00 mx postfix/smtpd[20]: connect from "
	    "unknown[192.0.2.20]", &e);
	one(lp, "Nov 30 10:00:01 mx postfix/smtpd[20]: warning: "
	    "unknown[192.0.2.20]: SASL LOGIN authentication failed: "
	    "authentication failure", &e);
	one(lp, "Nov 30 10:00:02 mx postfix/smtpd[20]: disconnect from "
	    "unknown[192.0.2.20] ehlo=1 auth=1/4 quit=1 commands=3/6", &e);
	assert_int_equal(e.n, 2);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_ok smtp 1 client=192.0.2.20");
	assert_string_equal(lpt_fmt(&e.v[1], b, sizeof(b)),
	    "auth_nopass smtp 2 client=192.0.2.20");
	/* the same line for a session whose start we did not see */
	one(lp, "Nov 30 10:00:03 mx postfix/smtpd[21]: disconnect from "
	    "unknown[192.0.2.21] ehlo=1 auth=0/3 quit=1 commands=2/5", &e);
	assert_int_equal(e.n, 0);
	/* no auth= at all */
	one(lp, "Nov 30 10:00:04 mx postfix/smtpd[22]: connect from x[192.0.2.2]",
	    &e);
	one(lp, "Nov 30 10:00:05 mx postfix/smtpd[22]: disconnect from "
	    "x[192.0.2.2] ehlo=1 quit=1 commands=2", &e);
	assert_int_equal(e.n, 0);
	lpt_evs_free(&e);
	logparse_free(lp);
}

static void
test_rejects(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	char b[1024];

	(void)state;
	one(lp, "Nov 30 10:00:00 mx postfix/postscreen[30]: NOQUEUE: reject: "
	    "RCPT from [192.0.2.30]:5678: 550 5.7.1 Service unavailable; "
	    "client [192.0.2.30] blocked using zen.spamhaus.org; from=<a@b.c>, "
	    "to=<d@e.example>, proto=ESMTP, helo=<x>", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "rejected smtp 1 client=192.0.2.30 domain=e.example dsn=5.7.1 "
	    "reason=550 5.7.1 Service unavailable; client [192.0.2.30] "
	    "blocked using zen.spamhaus.org");
	one(lp, "Nov 30 10:00:01 mx postfix/postscreen[30]: NOQUEUE: reject: "
	    "CONNECT from [192.0.2.31]:5679: too many connections", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "rejected smtp 1 client=192.0.2.31 reason=too many connections");
	one(lp, "Nov 30 10:00:02 mx postfix/smtpd[31]: NOQUEUE: reject_warning: "
	    "RCPT from x[192.0.2.32]: 450 4.7.1 <x>: Helo command rejected; "
	    "from=<> to=<a@b> proto=ESMTP helo=<x>", &e);
	assert_int_equal(e.n, 0);
	one(lp, "Nov 30 10:00:03 mx postfix/smtpd[31]: 3F2A1B: milter-reject: "
	    "END-OF-MESSAGE from x[192.0.2.33]: 5.7.1 Spam message rejected; "
	    "from=<a@b> to=<c@d.example> proto=ESMTP helo=<x>", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "rejected smtp 1 qid=3F2A1B client=192.0.2.33 domain=d.example "
	    "dsn=5.7.1 reason=5.7.1 Spam message rejected");
	lpt_evs_free(&e);
	logparse_free(lp);
}

/* Local submissions: pickup's uid names the user; the MTA's own users
 * are not submitters; an unknown uid is its number. RFC 3339 headers and
 * custom syslog names reach the parser the same way. */
static void
test_pickup(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	struct log_line l;
	char b[1024];

	(void)state;
	one(lp, "Nov 30 10:00:00 mx postfix/pickup[40]: AAAAA11111: uid=4242 "
	    "from=<www>", &e);
	one(lp, "Nov 30 10:00:00 mx postfix/cleanup[41]: AAAAA11111: "
	    "message-id=<1@x>", &e);
	assert_int_equal(e.n, 2);
	assert_string_equal(lpt_fmt(&e.v[1], b, sizeof(b)),
	    "submit - 1 qid=AAAAA11111 user=4242");
	one(lp, "Nov 30 10:00:00 mx postfix/pickup[40]: BBBBB22222: uid=1012 "
	    "from=<qmails>", &e);
	one(lp, "Nov 30 10:00:00 mx postfix/cleanup[41]: BBBBB22222: "
	    "message-id=<2@x>", &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.v[0].ev.kind, LEV_RECEIVED);
	/* the program name comes from the source, whatever the header */
	memset(&l, 0, sizeof(l));
	l.prog = lpt_str("postfix-out/cleanup");
	l.msg = lpt_str("CCCCC33333: message-id=<3@x>");
	l.ts = 1796040000;
	l.pid = 7;
	e.n = 0;
	assert_int_equal(logparse_line(lp, &l, 5, lpt_collect, &e), 1);
	assert_int_equal(e.v[0].ev.ts, 1796040000);
	l.ts = 0;
	e.n = 0;
	assert_int_equal(logparse_line(lp, &l, 5, lpt_collect, &e), 1);
	assert_int_equal(e.v[0].ev.ts, 5);
	lpt_evs_free(&e);
	logparse_free(lp);
}

/* A million distinct queue ids that are never removed: the submitter map
 * stays at its configured size and the oldest are dropped. */
static void
test_bounded_map(void **state)
{
	struct logparse_conf c;
	struct logparse *lp;
	struct logparse_stats st;
	struct lpt_evs e = { 0 };
	char text[256];
	unsigned i;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.uid_name = lpt_uid_name;
	c.msg_slots = 1000;
	lp = logparse_new(&c);
	for (i = 0; i < 1000000; i++) {
		snprintf(text, sizeof(text), "Nov 30 10:00:00 mx "
		    "postfix/smtpd[1]: %08X: client=x[192.0.2.1], "
		    "sasl_method=PLAIN, sasl_username=u%u", i, i);
		lpt_line(lp, text, LPT_SYSLOG, &e);
	}
	logparse_stats(lp, &st);
	assert_int_equal(st.msg_evicted, 1000000 - 1000);
	/* the newest are still there, the oldest are not */
	e.n = 0;
	lpt_line(lp, "Nov 30 10:00:00 mx postfix/cleanup[2]: 000F423F: "
	    "message-id=<x>", LPT_SYSLOG, &e);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.v[1].user, "u999999");
	e.n = 0;
	lpt_line(lp, "Nov 30 10:00:00 mx postfix/cleanup[2]: 00000001: "
	    "message-id=<x>", LPT_SYSLOG, &e);
	assert_int_equal(e.n, 1);
	lpt_evs_free(&e);
	logparse_free(lp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_submitter_follows_message),
		cmocka_unit_test(test_content_filter),
		cmocka_unit_test(test_sasl_variants),
		cmocka_unit_test(test_disconnect_counts),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_pickup),
		cmocka_unit_test(test_bounded_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
