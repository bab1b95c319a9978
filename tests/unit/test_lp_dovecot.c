/*
 * test_lp_dovecot.c: the Dovecot log parser (agent/logs/lp_dovecot.c).
 *
 * tests/data/logs/dovecot-2.3.maillog is the log_path file of a real
 * Dovecot 2.3.19 (Debian 12) on loopback (tests/logs/collect.sh): IMAP,
 * POP3 and submission logins, wrong passwords (several in one session),
 * an unknown user, sessions with no auth attempt, a session dropped
 * after a failure, plaintext refused on a non-secured connection,
 * sessions that fail and then log in, and at the end the auth server's
 * lines for Postfix's SASL requests (no session id: Postfix counts
 * those, never Dovecot). Every event is compared with
 * dovecot-2.3.maillog.events; the other tests take the syslog form and
 * other versions' wording.
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
	lpt_golden(lp, "dovecot-2.3.maillog", LPT_NOHOST);
	logparse_free(lp);
}

/* What the collection script did, counted by hand: 11 wrong passwords
 * or unknown users (IMAP 3 + 1 + 1 and 1 before a successful login,
 * POP3 2 and 1 before a login, submission 2), each counted once
 * although the auth server logged each too; 7 refusals before any
 * password (2 sessions with no attempt, plaintext refused to IMAP LOGIN
 * once and to POP3 USER/PASS twice, AUTHENTICATE PLAIN refused on IMAP
 * and submission); 5 logins. */
static void
test_totals(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs evs = { 0 };
	uint64_t n[16] = { 0 };

	(void)state;
	lpt_file(lp, "dovecot-2.3.maillog", LPT_NOHOST, &evs);
	lpt_count(&evs, n);
	lpt_evs_free(&evs);
	assert_int_equal(n[LEV_AUTH_FAIL], 11);
	assert_int_equal(n[LEV_AUTH_NOPASS], 7);
	assert_int_equal(n[LEV_AUTH_OK], 5);
	assert_int_equal(n[LEV_RECEIVED] + n[LEV_DELIVERED] + n[LEV_REJECTED],
	    0);
	logparse_free(lp);
}

static void
one(struct logparse *lp, const char *text, struct lpt_evs *evs)
{
	evs->n = 0;
	lpt_line(lp, text, LPT_SYSLOG, evs);
}

/* Through syslog: "dovecot: imap-login: ...", no level. */
static void
test_syslog_form(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	char b[1024];

	(void)state;
	one(lp, "Jun 13 16:30:54 mx dovecot: imap-login: Disconnected (auth "
	    "failed, 2 attempts): user=<bob.smith>, method=PLAIN, "
	    "rip=192.0.2.87, lip=192.0.2.1, TLS", &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail imap 2 user=bob.smith client=192.0.2.87 "
	    "reason=auth failed, 2 attempts");
	one(lp, "Jan 14 15:54:30 mx dovecot[442]: pop3-login: Aborted login "
	    "(auth failed, 1 attempts in 17 secs): user=<test>, method=PLAIN, "
	    "rip=2001:db8::13, lip=2001:db8::1, session=<YADINsQCDs5BH8Pg>",
	    &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail pop3 1 user=test client=2001:db8::13 "
	    "reason=auth failed, 1 attempts in 17 secs");
	one(lp, "Jun 23 00:52:43 mx dovecot: pop3-login: Disconnected: "
	    "Inactivity (auth failed, 1 attempts): user=<info>, method=PLAIN, "
	    "rip=192.0.2.163, lip=192.0.2.10", &e);
	assert_int_equal(e.v[0].ev.count, 1);
	assert_string_equal(e.v[0].user, "info");
	one(lp, "Aug 29 03:17:18 mx dovecot: submission-login: Client has quit "
	    "the connection (auth failed, 1 attempts in 2 secs): user=<user1>, "
	    "method=LOGIN, rip=192.0.2.133, lip=0.0.0.0", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail submission 1 user=user1 client=192.0.2.133 "
	    "reason=auth failed, 1 attempts in 2 secs");
	/* Dovecot 2.4 */
	one(lp, "Apr  1 10:00:00 mx dovecot: imap-login: Login aborted: "
	    "Connection closed (auth failed, 3 attempts in 16 secs) "
	    "(auth_failed): user=<test>, method=PLAIN, rip=192.0.2.241, "
	    "lip=192.0.2.104, TLS, session=<9ZHq02g3J8S60fan>", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail imap 3 user=test client=192.0.2.241 "
	    "reason=auth failed, 3 attempts in 16 secs");
	one(lp, "Jan 14 05:24:34 mx dovecot: imap-login: Login: "
	    "user=<danny>, method=PLAIN, rip=192.0.2.50, lip=192.0.2.50, "
	    "mpid=7889, TLS, session=<RvV0BITVsNqsFYMy>", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_ok imap 1 user=danny client=192.0.2.50");
	one(lp, "Jan 14 05:24:35 mx dovecot: imap-login: Disconnected (tried "
	    "to use disabled plaintext auth): user=<>, rip=192.0.2.51, "
	    "lip=192.0.2.1, session=<x>", &e);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_nopass imap 1 client=192.0.2.51 "
	    "reason=tried to use disabled plaintext auth");
	/* not a password refused by us */
	one(lp, "Jan 14 05:24:36 mx dovecot: imap-login: Disconnected (proxy "
	    "dest auth failed): user=<x>, method=PLAIN, rip=192.0.2.52", &e);
	assert_int_equal(e.n, 0);
	lpt_evs_free(&e);
	logparse_free(lp);
}

/* The auth server's lines alone count nothing; the session's Login:
 * emits them; a Disconnected line with N attempts drops them. The
 * Postfix SASL path (no session id) never counts. */
static void
test_auth_lines_once(void **state)
{
	struct logparse *lp = lpt_parser();
	struct lpt_evs e = { 0 };
	char b[1024];

	(void)state;
	one(lp, "Jan 29 05:13:50 mx dovecot: auth: passwd-file(carol,"
	    "192.0.2.60,<S1>): Password mismatch", &e);
	one(lp, "Jan 29 05:13:51 mx dovecot: auth-worker(12182): Info: conn "
	    "unix:auth-worker (uid=143): auth-worker<2256>: sql(carol,"
	    "192.0.2.60,<S1>): Password mismatch", &e);
	one(lp, "Jan 29 05:13:52 mx dovecot: auth: passwd-file(dave@x,y,"
	    "192.0.2.61): Password mismatch", &e);
	assert_int_equal(e.n, 0);
	one(lp, "Jan 29 05:13:53 mx dovecot: imap-login: Login: user=<carol>, "
	    "method=PLAIN, rip=192.0.2.60, lip=192.0.2.1, mpid=1, "
	    "session=<S1>", &e);
	assert_int_equal(e.n, 2);
	assert_string_equal(lpt_fmt(&e.v[0], b, sizeof(b)),
	    "auth_fail imap 2 user=carol client=192.0.2.60 "
	    "reason=failed before a successful login");
	assert_string_equal(lpt_fmt(&e.v[1], b, sizeof(b)),
	    "auth_ok imap 1 user=carol client=192.0.2.60");
	/* gone: a second Login: line of the same id adds nothing more */
	one(lp, "Jan 29 05:13:54 mx dovecot: imap-login: Login: user=<carol>, "
	    "method=PLAIN, rip=192.0.2.60, lip=192.0.2.1, mpid=1, "
	    "session=<S1>", &e);
	assert_int_equal(e.n, 1);
	one(lp, "Jan 29 05:14:00 mx dovecot: auth: passwd-file(erin,"
	    "192.0.2.62,<S2>): unknown user", &e);
	one(lp, "Jan 29 05:14:01 mx dovecot: pop3-login: Disconnected (auth "
	    "failed, 1 attempts in 2 secs): user=<erin>, method=PLAIN, "
	    "rip=192.0.2.62, lip=192.0.2.1, session=<S2>", &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.v[0].ev.count, 1);
	one(lp, "Jan 29 05:14:02 mx dovecot: pop3-login: Login: user=<erin>, "
	    "method=PLAIN, rip=192.0.2.62, lip=192.0.2.1, mpid=2, "
	    "session=<S2>", &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.v[0].ev.kind, LEV_AUTH_OK);
	lpt_evs_free(&e);
	logparse_free(lp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_syslog_form),
		cmocka_unit_test(test_auth_lines_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
