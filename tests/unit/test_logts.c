/*
 * test_logts.c: the header reader (agent/logs/logts.c) on each format
 * mail servers write, with the lines as the real programs wrote them
 * where we could run them (Postfix 3.7's maillog_file, Dovecot 2.3's
 * log_path, Exim 4.96's mainlog, multilog's TAI64N), and on what breaks
 * readers: New Year
 * for year-less stamps, a leap second, daylight saving, junk.
 *
 * Expected times are computed outside the code under test (Python's
 * calendar.timegm and time.mktime with TZ=Europe/Paris) and written
 * here as numbers.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util.h"
#include "logs/logsrc.h"

/* 2026-11-30 13:00:00 in Europe/Paris */
#define NOW_NOV30 1796040000

static struct logts T;

static enum logts_fmt
P(const char *s, struct log_line *l)
{
	return logts_parse(&T, s, strlen(s), l);
}

static void
str_is(struct log_str s, const char *want)
{
	if (s.n != strlen(want) || memcmp(s.p, want, s.n) != 0) {
		print_error("got '%.*s', want '%s'\n", (int)s.n, s.p, want);
		fail();
	}
}

static int
setup(void **state)
{
	(void)state;
	logts_init(&T, NOW_NOV30);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	logts_fini(&T);
	return 0;
}

static void
test_rfc3339(void **state)
{
	struct log_line l;

	(void)state;
	assert_int_equal(P("2026-11-30T13:14:00.123456+01:00 mail1 "
	    "postfix/smtpd[4242]: connect from unknown[127.0.0.9]", &l),
	    LOGTS_RFC3339);
	assert_int_equal(l.ts, 1796040840);
	str_is(l.host, "mail1");
	str_is(l.prog, "postfix/smtpd");
	assert_int_equal(l.pid, 4242);
	str_is(l.msg, "connect from unknown[127.0.0.9]");
	/* the whole line stays available */
	assert_int_equal(l.text.n, strlen("2026-11-30T13:14:00.123456+01:00 "
	    "mail1 postfix/smtpd[4242]: connect from unknown[127.0.0.9]"));

	/* negative offset with minutes, no fraction */
	assert_int_equal(P("2026-11-30T13:14:00-05:30 h postfix/qmgr[1]: x",
	    &l), LOGTS_RFC3339);
	assert_int_equal(l.ts, 1796064240);
	/* Z, and a leap second: 23:59:60 is the next minute's 0 */
	assert_int_equal(P("2016-12-31T23:59:60Z h dovecot: imap-login: x",
	    &l), LOGTS_RFC3339);
	assert_int_equal(l.ts, 1483228800);
	str_is(l.prog, "dovecot");
	assert_int_equal(l.pid, -1);
	str_is(l.msg, "imap-login: x");
	/* Postfix's service prefix stays in the program name */
	assert_int_equal(P("2026-11-30T13:14:00+01:00 h "
	    "postfix/submission/smtpd[77]: NOQUEUE: reject", &l),
	    LOGTS_RFC3339);
	str_is(l.prog, "postfix/submission/smtpd");
	str_is(l.msg, "NOQUEUE: reject");
	/* no zone, a bad date, a bad zone: not RFC 3339 */
	assert_int_equal(P("2026-11-30T13:14:00 h prog: x", &l), LOGTS_NONE);
	assert_int_equal(l.ts, 0);
	str_is(l.msg, "2026-11-30T13:14:00 h prog: x");
	assert_int_equal(P("2026-02-30T13:14:00Z h prog: x", &l), LOGTS_NONE);
	assert_int_equal(P("2026-11-30T24:00:00Z h prog: x", &l), LOGTS_NONE);
	assert_int_equal(P("2026-11-30T13:14:00+25:00 h prog: x", &l),
	    LOGTS_NONE);
	assert_int_equal(P("2026-11-30T13:14:00.Z h prog: x", &l),
	    LOGTS_NONE);
}

static void
test_rfc3164(void **state)
{
	struct log_line l;

	(void)state;
	/* written by Postfix 3.7's postlogd (maillog_file): zero-padded */
	assert_int_equal(P("Nov 30 13:23:46 mh-test postfix/pickup[6552]: "
	    "A4486A77FD3: uid=0 from=<alice@example.org>", &l),
	    LOGTS_RFC3164);
	assert_int_equal(l.ts, 1796040840 + 9 * 60 + 46);
	str_is(l.host, "mh-test");
	str_is(l.prog, "postfix/pickup");
	assert_int_equal(l.pid, 6552);
	str_is(l.msg, "A4486A77FD3: uid=0 from=<alice@example.org>");
	/* syslog's space-padded day */
	assert_int_equal(P("Nov  3 13:14:00 mail1 postfix/smtp[9]: x", &l),
	    LOGTS_RFC3164);
	assert_int_equal(l.ts, 1793708040);
	assert_int_equal(P("Nov 03 13:14:00 mail1 postfix/smtp[9]: x", &l),
	    LOGTS_RFC3164);
	assert_int_equal(l.ts, 1793708040);
	/* earlier this year */
	assert_int_equal(P("Mar  3 10:00:00 h p: x", &l), LOGTS_RFC3164);
	assert_int_equal(l.ts, 1772528400);
	/* no host: the first word is already a tag */
	assert_int_equal(P("Nov 30 13:14:00 postfix/smtpd[1]: hello", &l),
	    LOGTS_RFC3164);
	str_is(l.host, "");
	str_is(l.prog, "postfix/smtpd");
	str_is(l.msg, "hello");
	/* a host and no tag: time and host, the rest is the message */
	assert_int_equal(P("Nov 30 13:14:00 host some text here", &l),
	    LOGTS_RFC3164);
	str_is(l.host, "host");
	str_is(l.prog, "");
	str_is(l.msg, "some text here");
	/* a pid of more than 10 digits is not a pid */
	assert_int_equal(P("Nov 30 13:14:00 h p[12345678901]: x", &l),
	    LOGTS_RFC3164);
	str_is(l.prog, "");
	/* bad fields */
	assert_int_equal(P("Nox 30 13:14:00 h p: x", &l), LOGTS_NONE);
	assert_int_equal(P("Nov 32 13:14:00 h p: x", &l), LOGTS_NONE);
	assert_int_equal(P("Nov 30 13:60:00 h p: x", &l), LOGTS_NONE);
	assert_int_equal(P("Nov 30 13:14:61 h p: x", &l), LOGTS_NONE);
	assert_int_equal(P("Nov  0 13:14:00 h p: x", &l), LOGTS_NONE);
}

static void
test_new_year(void **state)
{
	struct log_line l;

	(void)state;
	/* a December line read on January 2nd is last year's */
	logts_set_now(&T, 1798880400);
	assert_int_equal(P("Dec 31 23:59:59 h postfix/smtpd[1]: x", &l),
	    LOGTS_RFC3164);
	assert_int_equal(l.ts, 1798757999);
	/* and a leap second there */
	assert_int_equal(P("Dec 31 23:59:60 h postfix/smtpd[1]: x", &l),
	    LOGTS_RFC3164);
	assert_int_equal(l.ts, 1798758000);
	assert_int_equal(P("Jan  1 00:00:01 h postfix/smtpd[1]: x", &l),
	    LOGTS_RFC3164);
	assert_int_equal(l.ts, 1798758001);
	/* read at 23:00 on December 31st: a line stamped just after
	 * midnight (a clock a little ahead) is next year's, a line of
	 * December 1st this year's */
	logts_set_now(&T, 1798754400);
	assert_int_equal(P("Jan  1 00:00:01 h p: x", &l), LOGTS_RFC3164);
	assert_int_equal(l.ts, 1798758001);
	assert_int_equal(P("Dec 31 23:59:59 h p: x", &l), LOGTS_RFC3164);
	assert_int_equal(l.ts, 1798757999);
	/* Dovecot's year-less stamp goes the same way */
	logts_set_now(&T, 1798880400);
	assert_int_equal(P("Dec 31 23:59:59 imap-login: Info: x", &l),
	    LOGTS_DOVECOT);
	assert_int_equal(l.ts, 1798757999);
	logts_set_now(&T, NOW_NOV30);
}

static void
test_dovecot(void **state)
{
	struct log_line l;

	(void)state;
	/* written by Dovecot 2.3.19 (log_path): "Info: " is dropped, as
	 * Dovecot itself does when it writes to syslog */
	assert_int_equal(P("Nov 30 13:23:56 imap-login: Info: Disconnected: "
	    "Connection closed (auth failed, 1 attempts in 2 secs): "
	    "user=<alice>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, "
	    "secured, session=<zaZNUn5hRJN/AAAB>", &l), LOGTS_DOVECOT);
	assert_int_equal(l.ts, 1796040000 + 23 * 60 + 56);
	str_is(l.prog, "dovecot");
	str_is(l.host, "");
	assert_int_equal(l.pid, -1);
	str_is(l.msg, "imap-login: Disconnected: Connection closed (auth "
	    "failed, 1 attempts in 2 secs): user=<alice>, method=PLAIN, "
	    "rip=127.0.0.1, lip=127.0.0.1, secured, "
	    "session=<zaZNUn5hRJN/AAAB>");
	assert_int_equal(P("Nov 30 13:24:00 imap(alice)<14090>"
	    "<Oq5kUn5hTJN/AAAB>: Info: Disconnected: Logged out in=12", &l),
	    LOGTS_DOVECOT);
	str_is(l.msg, "imap(alice)<14090><Oq5kUn5hTJN/AAAB>: Disconnected: "
	    "Logged out in=12");
	/* other levels stay, as in syslog */
	assert_int_equal(P("Nov 30 13:24:00 auth: Error: passwd-file x", &l),
	    LOGTS_DOVECOT);
	str_is(l.msg, "auth: Error: passwd-file x");
	assert_int_equal(P("Nov 30 13:24:00 master: Warning: y", &l),
	    LOGTS_DOVECOT);
	str_is(l.msg, "master: Warning: y");
	/* the same message through syslog comes out the same */
	assert_int_equal(P("Nov 30 13:23:56 mail1 dovecot: imap-login: "
	    "Disconnected: Connection closed", &l), LOGTS_RFC3164);
	str_is(l.prog, "dovecot");
	str_is(l.msg, "imap-login: Disconnected: Connection closed");
	assert_int_equal(P("Nov 30 13:23:56 mail1 dovecot[42]: auth: Error: "
	    "z", &l), LOGTS_RFC3164);
	assert_int_equal(l.pid, 42);
	str_is(l.msg, "auth: Error: z");
	/* a syslog tag followed by a level word is not Dovecot's file */
	assert_int_equal(P("Nov 30 13:14:00 postfix/smtpd[1]: Warning: x",
	    &l), LOGTS_RFC3164);
	str_is(l.prog, "postfix/smtpd");
	str_is(l.msg, "Warning: x");
	/* "Info: " with nothing after it */
	assert_int_equal(P("Nov 30 13:14:00 auth: Info: ", &l),
	    LOGTS_DOVECOT);
	str_is(l.msg, "auth: ");
}

static void
test_exim(void **state)
{
	struct log_line l;

	(void)state;
	/* as Exim 4.96 (Debian 12) wrote them: the default, then with
	 * log_timezone and log_selector = +pid +millisec */
	assert_int_equal(P("2026-11-30 14:08:42 1xY23e-00055O-1f <= "
	    "a@b.example U=root P=local S=3152", &l), LOGTS_EXIM);
	assert_int_equal(l.ts, 1796047722 - 3600);	/* Paris */
	assert_int_equal(l.pid, -1);
	str_is(l.msg, "1xY23e-00055O-1f <= a@b.example U=root P=local "
	    "S=3152");
	assert_int_equal(P("2026-11-30 14:08:42.641 +0000 [19580] "
	    "1xY23e-00055O-1f == y@far.example R=deferall defer (-1): held "
	    "for the test", &l), LOGTS_EXIM);
	assert_int_equal(l.ts, 1796047722);
	assert_int_equal(l.pid, 19580);
	str_is(l.msg, "1xY23e-00055O-1f == y@far.example R=deferall defer "
	    "(-1): held for the test");
	/* local time without a zone; +pid */
	assert_int_equal(P("2026-11-30 13:14:00 [123] 1xWxic-00007e-1G <= "
	    "a@b.example H=(x) [127.0.0.2] P=esmtpa A=plain:alice S=300",
	    &l), LOGTS_EXIM);
	assert_int_equal(l.ts, 1796040840);
	assert_int_equal(l.pid, 123);
	str_is(l.prog, "");
	str_is(l.msg, "1xWxic-00007e-1G <= a@b.example H=(x) [127.0.0.2] "
	    "P=esmtpa A=plain:alice S=300");
	/* log_timezone: the zone is used */
	assert_int_equal(P("2026-11-30 13:14:00 +0100 1xWxic-00007e-1G => "
	    "c@d", &l), LOGTS_EXIM);
	assert_int_equal(l.ts, 1796040840);
	assert_int_equal(l.pid, -1);
	str_is(l.msg, "1xWxic-00007e-1G => c@d");
	assert_int_equal(P("2026-11-30 13:14:00 -0530 [9] Start queue run",
	    &l), LOGTS_EXIM);
	assert_int_equal(l.ts, 1796064240);
	assert_int_equal(l.pid, 9);
	str_is(l.msg, "Start queue run");
	/* +millisec */
	assert_int_equal(P("2026-11-30 13:14:00.512 1xW <= x", &l),
	    LOGTS_EXIM);
	assert_int_equal(l.ts, 1796040840);
	/* summer time */
	assert_int_equal(P("2026-07-01 12:00:00 x", &l), LOGTS_EXIM);
	assert_int_equal(l.ts, 1782900000);
	/* a message that starts with an address in brackets keeps it */
	assert_int_equal(P("2026-11-30 13:14:00 [127.0.0.1] lost", &l),
	    LOGTS_EXIM);
	assert_int_equal(l.pid, -1);
	str_is(l.msg, "[127.0.0.1] lost");
	/* tai64nlocal: nine digits of fraction */
	assert_int_equal(P("2018-01-01 20:51:03.121918500 info msg 28857444: "
	    "bytes 7816 from <feh@fehcom.de> qp 17808 uid 7005", &l),
	    LOGTS_TAI64NLOCAL);
	assert_int_equal(l.ts, 1514836263);
	str_is(l.msg, "info msg 28857444: bytes 7816 from <feh@fehcom.de> "
	    "qp 17808 uid 7005");
	/* Exim through syslog: its own stamp and pid leave the message */
	assert_int_equal(P("Feb 17 12:36:16 tribble exim[488079]: 2014-02-17 "
	    "12:36:16 fixed_login authenticator failed for ([192.0.2.33]) "
	    "[192.0.2.7]:53648: 535 Incorrect authentication data "
	    "(set_id=donna)", &l), LOGTS_RFC3164);
	str_is(l.prog, "exim");
	assert_int_equal(l.pid, 488079);
	str_is(l.msg, "fixed_login authenticator failed for ([192.0.2.33]) "
	    "[192.0.2.7]:53648: 535 Incorrect authentication data "
	    "(set_id=donna)");
	assert_int_equal(P("2026-13-01 13:14:00 x", &l), LOGTS_NONE);
	assert_int_equal(P("2026-11-30 13:14:00x", &l), LOGTS_NONE);
}

static void
test_tai64n(void **state)
{
	struct log_line l;

	(void)state;
	/* as multilog t wrote it (daemontools 0.76) */
	assert_int_equal(P("@400000006b0d79131230da4c line number 2990", &l),
	    LOGTS_TAI64N);
	assert_int_equal(l.ts, 0x6b0d7913 - 10);
	str_is(l.prog, "");
	str_is(l.msg, "line number 2990");
	assert_int_equal(logtime_tai64("400000006b0d7913"), 0x6b0d7913 - 10);
	assert_int_equal(logtime_tai64("400000000000000a"), 0);
	assert_int_equal(logtime_tai64("3fffffffffffffff"), -1);
	assert_int_equal(logtime_tai64("40000000000000g0"), -1);
	/* qmail-send and tcpserver under multilog: no program name */
	assert_int_equal(P("@4000000065a1b2c30000000a status: local 0/10 "
	    "remote 0/20", &l), LOGTS_TAI64N);
	str_is(l.msg, "status: local 0/10 remote 0/20");
	/* Dovecot writing to multilog: its stderr format */
	assert_int_equal(P("@400000004c91b044077a9e94 imap-login: Info: "
	    "Aborted login (auth failed, 1 attempts): user=<a>", &l),
	    LOGTS_TAI64N);
	str_is(l.prog, "dovecot");
	str_is(l.msg, "imap-login: Aborted login (auth failed, 1 attempts): "
	    "user=<a>");
	assert_int_equal(l.ts, 0x4c91b044 - 10);
	/* not TAI64N */
	assert_int_equal(P("@400000006b0d79131230da4 short", &l), LOGTS_NONE);
	assert_int_equal(P("@400000006b0d79131230dazz line", &l), LOGTS_NONE);
	assert_int_equal(P("@000000006b0d79131230da4c line", &l), LOGTS_NONE);
}

static void
test_splogger(void **state)
{
	struct log_line l;

	(void)state;
	assert_int_equal(P("Nov 30 13:14:00 mail qmail: 1054189746.123151 "
	    "info msg 161214: bytes 830 from <a@b> qp 6190 uid 1000", &l),
	    LOGTS_RFC3164);
	str_is(l.prog, "qmail");
	assert_int_equal(l.ts, 1054189746);
	str_is(l.msg, "info msg 161214: bytes 830 from <a@b> qp 6190 uid "
	    "1000");
	/* not a splogger stamp: left alone */
	assert_int_equal(P("Nov 30 13:14:00 mail qmail: 12345.6 x", &l),
	    LOGTS_RFC3164);
	assert_int_equal(l.ts, 1796040840);
	str_is(l.msg, "12345.6 x");
}

static void
test_junk(void **state)
{
	static const char bin[] = "\x01\xff\xfe@4000\x00zz Nov 30 13:14:00";
	struct log_line l;
	char big[300];

	(void)state;
	assert_int_equal(logts_parse(&T, "", 0, &l), LOGTS_NONE);
	assert_int_equal(l.msg.n, 0);
	assert_int_equal(l.ts, 0);
	assert_int_equal(l.pid, -1);
	assert_int_equal(logts_parse(&T, bin, sizeof(bin) - 1, &l),
	    LOGTS_NONE);
	assert_int_equal(l.msg.n, sizeof(bin) - 1);
	assert_int_equal(P("Nov 30 13:14:00 ", &l), LOGTS_RFC3164);
	str_is(l.msg, "");
	assert_int_equal(P("Nov 30 13:14:00 h p[1]", &l), LOGTS_RFC3164);
	str_is(l.host, "h");
	str_is(l.prog, "");
	assert_int_equal(P("Nov 30 13:14:00 h p[]: x", &l), LOGTS_RFC3164);
	str_is(l.prog, "");
	assert_int_equal(P("Nov 30 13:14:00 h p[1]x: x", &l), LOGTS_RFC3164);
	str_is(l.prog, "");
	assert_int_equal(P("Nov 30 13:14:00 h :x", &l), LOGTS_RFC3164);
	str_is(l.prog, "");
	/* the parser reads no byte past the length it is given */
	memset(big, '9', sizeof(big));
	memcpy(big, "2026-11-30T13:14:00.", 20);
	assert_int_equal(logts_parse(&T, big, 20, &l), LOGTS_NONE);
	assert_int_equal(logts_parse(&T, big, sizeof(big), &l), LOGTS_NONE);
	memcpy(big, "Nov 30 13:14:00 hostname", 24);
	assert_int_equal(logts_parse(&T, big, 20, &l), LOGTS_RFC3164);
	str_is(l.host, "host");
}

static void
test_days_and_dst(void **state)
{
	static const int dates[][3] = { { 1970, 1, 1 }, { 2000, 2, 29 },
		{ 2026, 11, 30 }, { 2100, 3, 1 }, { 1969, 12, 31 },
		{ 2038, 1, 19 } };
	struct tm tm;
	size_t i;

	(void)state;
	for (i = 0; i < MH_ARRAY_SIZE(dates); i++) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = dates[i][0] - 1900;
		tm.tm_mon = dates[i][1] - 1;
		tm.tm_mday = dates[i][2];
		assert_int_equal(logtime_days(dates[i][0], dates[i][1],
		    dates[i][2]) * 86400, (int64_t)timegm(&tm));
	}
	/* the hour cache across the autumn change: 02:30 happens twice,
	 * mktime takes one; 03:30 after the spring change is summer time */
	assert_int_equal(logtime_local(&T, 2026, 10, 25, 2, 30, 0), 1792891800);
	assert_int_equal(logtime_local(&T, 2026, 3, 29, 3, 30, 0), 1774747800);
	assert_int_equal(logtime_local(&T, 2026, 3, 29, 3, 31, 0),
	    1774747800 + 60);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rfc3339, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rfc3164, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_year, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dovecot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tai64n, setup, teardown),
		cmocka_unit_test_setup_teardown(test_splogger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_junk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_days_and_dst, setup,
		    teardown),
	};

	setenv("TZ", "Europe/Paris", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
