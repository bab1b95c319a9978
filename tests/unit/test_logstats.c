/*
 * test_logstats.c: the counters (agent/logs/logstats.c, wtop.c,
 * lsdist.c). Events are made here directly (the parsers have their own
 * tests), with time stamps chosen to test the windows: sliding, a replay
 * of an old log, events too old for the window. Then the claims of
 * docs/logs.md: flooders exact among a million junk keys in bounded
 * memory (mallinfo2), the Space-Saving bound on every row against exact
 * windowed counts kept on the side, distinct counts exact to 64 and
 * within the HyperLogLog's error beyond.
 */
#include "config.h"

#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"
#include "logs/ls_int.h"

#define T0 1796032800	/* 2026-11-30 10:00:00 UTC: a bucket edge */

static struct log_str
S(const char *s)
{
	struct log_str r = { s, s ? strlen(s) : 0 };

	return r;
}

static void
ev(struct logstats *ls, enum log_ev_kind k, int64_t ts, const char *user,
    const char *client, const char *domain)
{
	struct log_event e;

	memset(&e, 0, sizeof(e));
	e.kind = k;
	e.ts = ts;
	e.count = 1;
	e.user = S(user);
	e.client = S(client);
	e.domain = S(domain);
	logstats_add(ls, &e);
}

/* rate_window 300: buckets of 30 s; an event counts in the window while
 * its bucket is among the last 10. */
static void
test_window_slides(void **state)
{
	struct logstats *ls = logstats_new(NULL);
	struct logstats_report *r;
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		ev(ls, LEV_RECEIVED, T0 + i, NULL, NULL, NULL);
	for (i = 0; i < 3; i++)
		ev(ls, LEV_RECEIVED, T0 + 200 + i, NULL, NULL, NULL);
	r = logstats_report(ls, 10, 0);
	assert_int_equal(r->now, T0 + 202);
	assert_int_equal(r->total[LEV_RECEIVED], 8);
	assert_int_equal(r->window[LEV_RECEIVED], 8);
	assert_int_equal(r->rate_window, 300);
	logstats_report_free(r);
	/* T0+300 opens bucket 10: the first bucket (T0..T0+29) leaves */
	ev(ls, LEV_RECEIVED, T0 + 300, NULL, NULL, NULL);
	r = logstats_report(ls, 10, 0);
	assert_int_equal(r->total[LEV_RECEIVED], 9);
	assert_int_equal(r->window[LEV_RECEIVED], 4);
	assert_true(logstats_per_minute(r, LEV_RECEIVED) > 0.79 &&
	    logstats_per_minute(r, LEV_RECEIVED) < 0.81);
	logstats_report_free(r);
	/* a later clock slides the window on with no events */
	r = logstats_report(ls, 10, T0 + 200 + 300);
	assert_int_equal(r->window[LEV_RECEIVED], 1);
	logstats_report_free(r);
	r = logstats_report(ls, 10, T0 + 10000);
	assert_int_equal(r->window[LEV_RECEIVED], 0);
	assert_int_equal(r->total[LEV_RECEIVED], 9);
	logstats_report_free(r);
	/* an event older than the window: totals only */
	ev(ls, LEV_RECEIVED, T0, NULL, NULL, NULL);
	r = logstats_report(ls, 10, 0);
	assert_int_equal(r->window[LEV_RECEIVED], 0);
	assert_int_equal(r->total[LEV_RECEIVED], 10);
	logstats_report_free(r);
	logstats_free(ls);
}

/* A replay of yesterday's log ends its windows at its newest line. */
static void
test_replay(void **state)
{
	struct logstats *ls = logstats_new(NULL);
	struct logstats_report *r;
	int i;

	(void)state;
	for (i = 0; i < 86400; i += 60)	/* a day, one message a minute */
		ev(ls, LEV_SUBMIT, T0 - 86400 + i, "cron", NULL, NULL);
	for (i = 0; i < 200; i++)	/* then a burst in the last minutes */
		ev(ls, LEV_SUBMIT, T0 - 200 + i, "info", "192.0.2.7", NULL);
	r = logstats_report(ls, 10, 0);
	assert_int_equal(r->now, T0 - 1);
	assert_int_equal(r->window[LEV_SUBMIT], 200 + 5);
	assert_int_equal(r->nsenders, 2);
	assert_string_equal(r->senders[0].user, "info");
	assert_int_equal(r->senders[0].msgs_win, 200);
	assert_string_equal(r->senders[1].user, "cron");
	assert_int_equal(r->senders[1].msgs_win, 5);
	assert_int_equal(r->nsenders_total, 2);
	assert_string_equal(r->senders_total[0].user, "cron");
	assert_int_equal(r->senders_total[0].msgs_total, 1440);
	assert_int_equal(r->senders_total[0].since, T0 - 86400);
	logstats_report_free(r);
	logstats_free(ls);
}

/* The runbook's case: one account, 200 messages from 6 IPs to many
 * domains, some of which defer. */
static void
test_sender_columns(void **state)
{
	struct logstats *ls = logstats_new(NULL);
	struct logstats_report *r;
	struct log_event e;
	char ip[32], dom[32];
	int i;

	(void)state;
	for (i = 0; i < 200; i++) {
		snprintf(ip, sizeof(ip), "127.0.0.%d", 2 + i % 6);
		snprintf(dom, sizeof(dom), "Dom%d.example", i % 70);
		ev(ls, LEV_SUBMIT, T0 + i, "info@example.com", ip, NULL);
		ev(ls, i % 4 ? LEV_DELIVERED : LEV_DEFERRED, T0 + i + 1,
		    "info@example.com", ip, dom);
	}
	ev(ls, LEV_SUBMIT, T0 + 250, "bob", "192.0.2.9", NULL);
	ev(ls, LEV_SUBMIT, T0 + 251, "www-data", NULL, NULL);
	r = logstats_report(ls, 10, 0);
	assert_int_equal(r->nsenders, 3);
	assert_string_equal(r->senders[0].user, "info@example.com");
	assert_int_equal(r->senders[0].msgs_win, 200);
	assert_int_equal(r->senders[0].msgs_win_err, 0);
	assert_int_equal(r->senders[0].msgs_total, 200);
	assert_int_equal(r->senders[0].clients_win, 6);
	assert_true(r->senders[0].clients_exact);
	/* 70 > 64 distinct: the estimate, within 3 standard errors */
	assert_false(r->senders[0].domains_exact);
	assert_in_range(r->senders[0].domains_win, 57, 84);
	assert_string_equal(r->senders[0].last_client, "127.0.0.3");
	assert_int_equal(r->senders[0].last_time, T0 + 199);
	assert_int_equal(r->senders[0].nclients, 6);
	assert_string_equal(r->senders[0].clients[0], "127.0.0.2");
	assert_string_equal(r->senders[0].clients[5], "127.0.0.7");
	assert_string_equal(r->senders[1].user, "bob");
	assert_string_equal(r->senders[2].user, "www-data");
	assert_string_equal(r->senders[2].last_client, "");
	assert_int_equal(r->senders[2].clients_win, 0);
	/* deferrals by domain: 50 of them over 70 domains, lower case */
	assert_int_equal(r->total[LEV_DEFERRED], 50);
	assert_int_equal(r->ndefers, 10);
	/* deferred i = 0, 4, ... 196 to dom(i % 70): 15 domains twice */
	assert_int_equal(r->defers[0].failed_win, 2);
	assert_string_equal(r->defers[0].domain, "dom0.example");
	assert_int_equal(r->defers[8].failed_win, 2);
	assert_string_equal(r->defers[8].domain, "dom4.example");
	logstats_report_free(r);
	/* the last reason of a domain: DSN and reply, the newest */
	memset(&e, 0, sizeof(e));
	e.kind = LEV_DEFERRED;
	e.count = 1;
	e.domain = S("gmail.com");
	e.dsn = S("4.7.28");
	e.reason = S("host gmail-smtp-in.l.google.com[192.0.2.1] said: 421-4.7.28 "
	    "rate limited (in reply to end of DATA command)");
	for (i = 0; i < 252; i++) {
		e.ts = T0 + 260 + i / 10;
		logstats_add(ls, &e);
	}
	e.kind = LEV_BOUNCED;
	e.ts = T0 + 250;	/* older than the newest: not the last reason */
	e.dsn = S("5.1.1");
	e.reason = S("no such user");
	logstats_add(ls, &e);
	r = logstats_report(ls, 3, 0);
	assert_string_equal(r->defers[0].domain, "gmail.com");
	assert_int_equal(r->defers[0].failed_win, 253);
	assert_int_equal(r->defers[0].deferred_win, 252);
	assert_int_equal(r->defers[0].bounced_win, 1);
	assert_int_equal(r->defers[0].deferred_total, 252);
	assert_int_equal(r->defers[0].bounced_total, 1);
	assert_string_equal(r->defers[0].last_reason, "4.7.28 host "
	    "gmail-smtp-in.l.google.com[192.0.2.1] said: 421-4.7.28 rate "
	    "limited (in reply to end of DATA command)");
	assert_int_equal(r->defers[0].last_time, T0 + 260 + 25);
	logstats_report_free(r);
	logstats_free(ls);
}

static void
test_auth_tables(void **state)
{
	struct logstats *ls = logstats_new(NULL);
	struct logstats_report *r;
	struct log_event e;
	char user[32];
	int i;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.kind = LEV_AUTH_FAIL;
	e.proto = LPROTO_SMTP;
	e.client = S("127.0.0.2");
	for (i = 0; i < 22; i++) {	/* a brute force from one address */
		snprintf(user, sizeof(user), "%s", i % 2 ? "admin" : "alice");
		e.user = S(user);
		e.ts = T0 + i;
		e.count = 1;
		logstats_add(ls, &e);
	}
	e.proto = LPROTO_IMAP;	/* Dovecot: "auth failed, 3 attempts" */
	e.user = S("alice");
	e.client = S("192.0.2.50");
	e.count = 3;
	logstats_add(ls, &e);
	e.user = S(NULL);	/* no user logged: totals and the client */
	e.client = S("192.0.2.51");
	e.count = 1;
	logstats_add(ls, &e);
	e.kind = LEV_AUTH_NOPASS;
	e.proto = LPROTO_POP3;
	logstats_add(ls, &e);
	e.kind = LEV_AUTH_OK;
	logstats_add(ls, &e);
	r = logstats_report(ls, 10, 0);
	assert_int_equal(r->total[LEV_AUTH_FAIL], 26);
	assert_int_equal(r->window[LEV_AUTH_FAIL], 26);
	assert_int_equal(r->proto[LPROTO_SMTP].fails, 22);
	assert_int_equal(r->proto[LPROTO_SMTP].fails_win, 22);
	assert_int_equal(r->proto[LPROTO_IMAP].fails, 4);
	assert_int_equal(r->proto[LPROTO_POP3].nopass, 1);
	assert_int_equal(r->proto[LPROTO_POP3].nopass_win, 1);
	assert_int_equal(r->proto[LPROTO_POP3].ok, 1);
	assert_int_equal(r->nauth_users, 2);
	assert_string_equal(r->auth_users[0].user, "alice");
	assert_int_equal(r->auth_users[0].fails_win, 14);
	assert_int_equal(r->auth_users[0].clients_win, 2);
	assert_string_equal(r->auth_users[0].last_client, "192.0.2.50");
	assert_string_equal(r->auth_users[1].user, "admin");
	assert_int_equal(r->auth_users[1].fails_win, 11);
	assert_int_equal(r->nauth_clients, 3);
	assert_string_equal(r->auth_clients[0].client, "127.0.0.2");
	assert_int_equal(r->auth_clients[0].fails_win, 22);
	assert_int_equal(r->auth_clients[0].users_win, 2);
	assert_int_equal(r->auth_clients[0].nusers, 2);
	assert_string_equal(r->auth_clients[0].users[0], "alice");
	assert_string_equal(r->auth_clients[0].users[1], "admin");
	assert_string_equal(r->auth_clients[2].client, "192.0.2.51");
	assert_int_equal(r->auth_clients[2].users_win, 0);
	logstats_report_free(r);
	logstats_free(ls);
}

/* xorshift64: a fixed stream of "random" numbers */
static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t
heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* A million distinct junk users, client IPs and domains in one hour of
 * log, with flooders: memory stays fixed by the configuration, and the
 * flooders come out first with exact counts. */
static void
test_million_junk(void **state)
{
	struct logstats_conf c = { 0 };
	struct logstats *ls;
	struct logstats_report *r;
	size_t before, after;
	char a[64], b[64], d[64];
	uint64_t i, n = 1000000, sub = 0, fail = 0;

	(void)state;
	before = heap_bytes();
	ls = logstats_new(&c);
	for (i = 0; i < n; i++) {
		int64_t ts = T0 + (int64_t)(i * 3600 / n);
		uint64_t x = rnd();

		snprintf(a, sizeof(a), "junk%llu@x%llu.example",
		    (unsigned long long)i, (unsigned long long)(x % 1000));
		snprintf(b, sizeof(b), "10.%u.%u.%u", (unsigned)(i >> 16) & 255,
		    (unsigned)(i >> 8) & 255, (unsigned)i & 255);
		snprintf(d, sizeof(d), "d%llu.example", (unsigned long long)i);
		ev(ls, LEV_SUBMIT, ts, a, b, NULL);
		ev(ls, LEV_AUTH_FAIL, ts, a, b, NULL);
		ev(ls, LEV_DEFERRED, ts, NULL, NULL, d);
		/* flooders, interleaved: 1 in 50 events */
		if (i % 50 == 0) {
			ev(ls, LEV_SUBMIT, ts, "info@example.com", "192.0.2.77",
			    NULL);
			sub++;
		}
		if (i % 100 == 0) {
			ev(ls, LEV_AUTH_FAIL, ts, "admin", "198.51.100.9", NULL);
			ev(ls, LEV_DEFERRED, ts, NULL, NULL, "gmail.com");
			fail++;
		}
	}
	r = logstats_report(ls, 10, 0);
	after = heap_bytes();
	print_message("# heap: %zu KiB for the counters (%zu counted), "
	    "%llu evictions\n", (after - before) / 1024, r->bytes / 1024,
	    (unsigned long long)r->evictions);
	assert_true(after - before < 8 * 1024 * 1024);
	assert_true(r->bytes < 8 * 1024 * 1024);
	/* in the last 300 s: 1/12 of the hour */
	assert_string_equal(r->senders[0].user, "info@example.com");
	assert_int_equal(r->senders[0].msgs_win_err, 0);
	assert_int_equal(r->senders[0].msgs_win, 1666);
	assert_int_equal(r->senders[0].msgs_total, sub);
	assert_int_equal(r->senders[0].clients_win, 1);
	assert_string_equal(r->auth_clients[0].client, "198.51.100.9");
	assert_int_equal(r->auth_clients[0].fails_win_err, 0);
	assert_int_equal(r->auth_clients[0].fails_win, 833);
	assert_int_equal(r->auth_clients[0].fails_total, fail);
	assert_string_equal(r->auth_users[0].user, "admin");
	assert_int_equal(r->auth_users[0].fails_win, 833);
	assert_string_equal(r->defers[0].domain, "gmail.com");
	assert_int_equal(r->defers[0].failed_win, 833);
	assert_int_equal(r->defers[0].failed_win_err, 0);
	assert_int_equal(r->total[LEV_SUBMIT], n + sub);
	logstats_report_free(r);
	logstats_free(ls);
}

/* Space-Saving's bound on every row, against exact window counts kept
 * on the side, on a skewed stream that slides through many windows with
 * a small table. */
static void
test_bound_holds(void **state)
{
	enum { KEYS = 3000, CAP = 64, STEPS = 200000 };
	static uint32_t ts_of[STEPS], key_of[STEPS];
	struct logstats_conf c = { 0 };
	struct logstats *ls;
	struct logstats_report *r;
	char k[32];
	size_t i, j, checked = 0, exact = 0;

	(void)state;
	c.counters = CAP;
	ls = logstats_new(&c);
	for (i = 0; i < STEPS; i++) {
		/* a few heavy keys, a long tail; 3 events a second */
		uint64_t x = rnd();
		uint32_t key = (x & 3) ? (uint32_t)((x >> 8) % 8) :
		    (uint32_t)((x >> 8) % KEYS);

		ts_of[i] = (uint32_t)(i / 3);
		key_of[i] = key;
		snprintf(k, sizeof(k), "k%u", key);
		ev(ls, LEV_AUTH_FAIL, T0 + ts_of[i], NULL, k, NULL);
		if (i % 9973 != 0)
			continue;
		r = logstats_report(ls, CAP, 0);
		for (j = 0; j < r->nauth_clients; j++) {
			const struct ls_auth_client *a = &r->auth_clients[j];
			uint32_t key2 = (uint32_t)strtoul(a->client + 1, NULL, 10);
			int64_t cur = (T0 + ts_of[i]) / 30, b;
			size_t m, truth = 0;

			for (m = 0; m <= i; m++) {
				b = (T0 + ts_of[m]) / 30;
				if (key_of[m] == key2 && b > cur - LS_BUCKETS)
					truth++;
			}
			assert_true(a->fails_win - a->fails_win_err <= truth);
			assert_true(truth <= a->fails_win);
			checked++;
			exact += a->fails_win_err == 0 && a->fails_win == truth;
		}
		logstats_report_free(r);
	}
	print_message("# %zu rows checked, %zu exact\n", checked, exact);
	assert_true(checked > 1000);
	logstats_free(ls);
}

/* Exact to 64 distinct values in the window, values leaving it make
 * room; beyond, the HyperLogLog within its error; back to exact once
 * the old values are two windows away. */
static void
test_distinct(void **state)
{
	struct lsdist d;
	bool exact;
	uint32_t i;
	uint64_t h;

	(void)state;
	memset(&d, 0, sizeof(d));
	for (i = 0; i < 64; i++)
		lsdist_add(&d, (uint32_t)(wtop_hash((char *)&i, 4) >> 32), 100);
	for (i = 0; i < 64; i++)	/* the same again: no change */
		lsdist_add(&d, (uint32_t)(wtop_hash((char *)&i, 4) >> 32), 101);
	assert_int_equal(lsdist_count(&d, 101, &exact), 64);
	assert_true(exact);
	assert_int_equal(lsdist_bytes(&d), 64 * 8);
	/* ten buckets later they have left the window: room for new ones */
	for (i = 1000; i < 1064; i++)
		lsdist_add(&d, (uint32_t)(wtop_hash((char *)&i, 4) >> 32), 111);
	assert_int_equal(lsdist_count(&d, 111, &exact), 64);
	assert_true(exact);
	/* 5000 in the window: an estimate */
	for (i = 2000; i < 7000; i++)
		lsdist_add(&d, (uint32_t)(wtop_hash((char *)&i, 4) >> 32), 112);
	h = lsdist_count(&d, 112, &exact);
	assert_false(exact);
	print_message("# 5064 distinct estimated as %llu\n",
	    (unsigned long long)h);
	assert_in_range(h, 5064 * 80 / 100, 5064 * 120 / 100);
	/* two windows on, the sketch starts over, exact */
	lsdist_add(&d, 7, 140);
	assert_int_equal(lsdist_count(&d, 140, &exact), 1);
	assert_true(exact);
	lsdist_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_slides),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_sender_columns),
		cmocka_unit_test(test_auth_tables),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_bound_holds),
		cmocka_unit_test(test_million_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
