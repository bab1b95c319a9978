/*
 * test_lp_exim.c: the Exim log parser (agent/logs/lp_exim.c).
 *
 * tests/data/logs/exim-4.96.mainlog is the main log of a real Exim 4.96
 * (Debian 12's exim4-daemon-light) on loopback (tests/logs/collect.sh):
 * two authenticated arrivals (LOGIN and PLAIN authenticators), two
 * wrong passwords, a relay refusal, a rejection after DATA, an
 * unauthenticated arrival, a local submission by root, and one queue run
 * delivering to a fake MX that accepts (=> and ->), defers (==) and
 * rejects (**), and to :blackhole:. Every event is compared with
 * exim-4.96.mainlog.events; the other tests take other wordings.
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
	lpt_golden(lp, "exim-4.96.mainlog", LPT_EXIM);
	logparse_free(lp);
}

static void
one(struct logparse *lp, const char *text, enum lpt_fmt fmt,
    struct lpt_evs *evs)
{
	evs->n = 0;
	lpt_line(lp, text, fmt, evs);
}

/* Through syslog the message still carries Exim's own stamp (and pid). */
static void
test_syslog_and_stamps(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	char b[1024];

	(void)state;
	one(lp, "Feb 17 12:36:16 mx exim[488079]: 2026-02-17 12:36:16 "
	    "fixed_login authenticator failed for ([192.168.2.33]) "
	    "[192.0.2.117]:53648: 535 Incorrect authentication data "
	    "(set_id=donna)", LPT_SYSLOG, &e);
	assert_int_equal(e.n, 1);
	/* the HELO is the client's word: its brackets are not the address */
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail smtp 1 user=donna client=192.0.2.117 reason=535 "
	    "Incorrect authentication data (set_id=donna)");
	one(lp, "2026-04-14 12:00:00 +0100 [4242] dovecot_login authenticator "
	    "failed for H=(bot.example) [192.0.2.4]:54321: 535 Incorrect "
	    "authentication data (set_id=user)", LPT_EXIM, &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail smtp 1 user=user client=192.0.2.4 reason=535 Incorrect "
	    "authentication data (set_id=user)");
	/* a trick HELO "x) [6.6.6.6" cannot plant an address */
	one(lp, "2026-04-14 12:00:01 login authenticator failed for (x) "
	    "[6.6.6.6 y) [192.0.2.5]: 535 Incorrect authentication data",
	    LPT_EXIM, &e);
	assert_string_equal(e.v[0].client, "192.0.2.5");
	assert_int_equal(e.v[0].ev.user.n, 0);
	/* 435: the backend could not be asked, no verdict on the password */
	one(lp, "2026-08-27 12:37:47 login_saslauthd authenticator failed for "
	    "host.example ([192.168.0.14]) [192.0.2.200]: 435 Unable to "
	    "authenticate at present (set_id=david): cannot connect",
	    LPT_EXIM, &e);
	assert_int_equal(e.n, 0);
	lpt_evs_free(&e);
	logparse_free(lp);
}

/* Arrivals: A= with and without a set id, local U=, the MTA's own user,
 * submission by port (+incoming_interface), 4.97's longer ids, a subject
 * that looks like fields. */
static void
test_arrivals(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	char b[1024];

	(void)state;
	one(lp, "2026-05-19 19:37:17 1jb6B3-0004MN-Dq <= bounce@shop.example "
	    "H=mail.shop.example (shop.example) [192.0.2.116] "
	    "I=[192.0.2.1]:587 P=esmtpsa A=dovecot_login:news@shop.example "
	    "S=21082 id=x@shop.example T=\"U=root A=evil:mallory\"",
	    LPT_EXIM, &e);
	assert_int_equal(e.n, 3);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "received - 1 qid=1jb6B3-0004MN-Dq user=news@shop.example "
	    "client=192.0.2.116");
	assert_string_equal(lpt_fmt(&e.v[1], b, sizeof(b)),
	    "auth_ok submission 1 user=news@shop.example client=192.0.2.116");
	assert_string_equal(lpt_fmt(&e.v[2], b, sizeof(b)),
	    "submit submission 1 qid=1jb6B3-0004MN-Dq user=news@shop.example "
	    "client=192.0.2.116");
	/* an authenticator without server_set_id: a login, no submitter */
	one(lp, "2026-05-19 19:37:18 1r6Bwm-000000002h3-2n4V <= a@b.example "
	    "H=(x) [192.0.2.117] P=esmtpa A=cram S=100", LPT_EXIM, &e);
	assert_int_equal(e.n, 2);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "received - 1 qid=1r6Bwm-000000002h3-2n4V client=192.0.2.117");
	assert_string_equal(lpt_fmt(&e.v[1], b, sizeof(b)),
	    "auth_ok smtp 1 client=192.0.2.117");
	one(lp, "2026-06-19 04:54:02 1jmFas-0004f6-EB <= <> "
	    "R=1jmFYj-00039V-QX U=Debian-exim P=local S=8656", LPT_EXIM, &e);
	assert_int_equal(e.n, 1);
	one(lp, "2026-06-19 04:54:03 1jmFas-0004f6-EC <= lpjunk@mx.example "
	    "U=lpjunk P=local S=300", LPT_EXIM, &e);
	assert_int_equal(e.n, 2);
	assert_string_equal(lpt_fmt(&e.v[1], b, sizeof(b)),
	    "submit - 1 qid=1jmFas-0004f6-EC user=lpjunk");
	/* an ident answer on an SMTP arrival is not a local user */
	one(lp, "2026-06-19 04:54:04 1jmFas-0004f6-ED <= a@b.example "
	    "H=(x) [192.0.2.118] U=someone P=esmtp S=300", LPT_EXIM, &e);
	assert_int_equal(e.n, 1);
	/* the submitter follows its message to the delivery */
	one(lp, "2026-06-19 04:55:00 1jmFas-0004f6-EC ** x@Yahoo.example "
	    "R=dnslookup T=remote_smtp H=mx.yahoo.example [192.0.2.9]: SMTP "
	    "error from remote mail server after RCPT TO:<x@Yahoo.example>: "
	    "554 5.7.9 Message not accepted", LPT_EXIM, &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "bounced - 1 qid=1jmFas-0004f6-EC user=lpjunk domain=Yahoo.example "
	    "relay=mx.yahoo.example dsn=5.7.9 reason=554 5.7.9 Message not "
	    "accepted");
	one(lp, "2026-06-19 04:55:01 1jmFas-0004f6-EC == y@z.example "
	    "R=dnslookup T=remote_smtp defer (-53): retry time not reached "
	    "for any host", LPT_EXIM, &e);
	assert_int_equal(e.n, 0);
	one(lp, "2026-06-19 04:55:02 1jmFas-0004f6-EC ** bad@nowhere.example: "
	    "Unrouteable address", LPT_EXIM, &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "bounced - 1 qid=1jmFas-0004f6-EC user=lpjunk "
	    "domain=nowhere.example reason=Unrouteable address");
	one(lp, "2026-06-19 04:55:03 1jmFas-0004f6-EC Completed", LPT_EXIM, &e);
	one(lp, "2026-06-19 04:55:04 1jmFas-0004f6-EC => z@w.example R=x "
	    "T=y", LPT_EXIM, &e);
	assert_int_equal(e.v[0].ev.user.n, 0);
	lpt_evs_free(&e);
	logparse_free(lp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_syslog_and_stamps),
		cmocka_unit_test(test_arrivals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
