/*
 * test_logs.c: the log collector: its configuration errors (file and
 * line), a replay of the real programs' logs (tests/data/logs) merged
 * by time with the totals their golden events say, positions that
 * survive a restart (nothing counted twice, nothing skipped), the merge
 * order and the per-round cap. test_logs_metrics.c: the metrics and the
 * replay's alarms.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "logs/logs.h"
#include "cfgtest.h"

static const char *
data_file(const char *name)
{
	static char buf[4][512];
	static int k;
	const char *top = getenv("top_srcdir");

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/tests/data/logs/%s",
	    top ? top : "../..", name);
	return buf[k];
}

static const struct logs_conf *
lconf(const struct conf *c)
{
	return conf_col_of(c, &collector_logs)->cc;
}

static void
test_conf(void **state)
{
	struct conf *c;
	const struct logs_conf *lc;

	(void)state;
	c = ct_load("log mail { path = \"/var/log/mail.log\" }\n"
	    "log q { multilog = \"/var/log/qmail/send\" parser = qmail }\n"
	    "rule web { match = \"fail for (\\\\S+) from (\\\\S+)\"\n"
	    "  kind = auth_failure user = 1 client = 2 proto = imap }\n"
	    "logs { rate_window = 600 auth_window = 120 counters = 1000 "
	    "interval = 5 }\n");
	lc = lconf(c);
	assert_true(conf_col_of(c, &collector_logs)->on);
	assert_int_equal(lc->nsrc, 2);
	assert_int_equal(lc->src[0].kind, LOGSRC_FILE);
	assert_int_equal(lc->src[1].kind, LOGSRC_MULTILOG);
	assert_int_equal(lc->src[1].parser, LOGP_QMAIL);
	assert_int_equal(lc->nrules, 1);
	assert_int_equal(lc->rate_window, 600);
	assert_int_equal(lc->auth_window, 120);
	assert_int_equal(lc->counters, 1000);
	assert_int_equal(conf_col_of(c, &collector_logs)->interval, 5);
	conf_free(c);

	/* no log section: the collector stays off */
	c = ct_load("logs { rate_window = 60 }\n");
	assert_false(conf_col_of(c, &collector_logs)->on);
	conf_free(c);

	ct_expect_error("log mail {\n parser = postfix\n}\n", 3,
	    "log mail: one of path, multilog or journal = true is required");
	ct_expect_error("log mail {\n path = \"/a\"\n multilog = \"/b\"\n}\n", 4,
	    "exclude each other");
	ct_expect_error("log mail {\n path = \"var/log\"\n}\n", 2, "absolute");
	ct_expect_error("log mail {\n path = \"/a\"\n parser = sendmail\n}\n", 3,
	    "parser = 'sendmail'");
	ct_expect_error("log ../x { path = \"/a\" }\n", 1, "a log name is");
	ct_expect_error("log m { path = \"/a\" units = { \"postfix\" } }\n", 1,
	    "need journal = true");
	ct_expect_error("\nrule web {\n match = \"(unclosed\"\n "
	    "kind = auth_failure\n}\n", 5, "rule web: match:");
	ct_expect_error("rule web {\n match = \"x (\\\\S+)\"\n "
	    "kind = auth_failure\n user = 2\n}\n", 5, "capture group");
	ct_expect_error("rule web {\n match = \"x\"\n kind = spam\n}\n", 4,
	    "kind");
	ct_expect_error("rule web {\n kind = auth_failure\n}\n", 3,
	    "match and kind are required");
	ct_expect_error("logs {\n rate_window = 5\n}\n", 2, "out of range");
	ct_expect_error("logs {\n counters = 2\n}\n", 2, "out of range");
	ct_expect_error("alarm a {\n metric = \"sender.rates\"\n rising = 1 "
	    "falling = 0 }\n", 2, "unknown metric");
}

/* ------------------------------------------------------------ replay */

/* The totals of a golden .events file, by kind name. */
static uint64_t
golden(const char *file, const char *kind)
{
	char path[600], line[4096], k[64];
	unsigned long n, cnt;
	uint64_t sum = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s.events", data_file(file));
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "%lu %63s %*s %lu", &n, k, &cnt) == 3 &&
		    strcmp(k, kind) == 0)
			sum += cnt;
	fclose(fp);
	return sum;
}

static const struct logs_sender *
sender(const struct logs_part *d, const char *user)
{
	size_t i;

	for (i = 0; i < d->nsenders_total; i++)
		if (strcmp(d->senders_total[i].user, user) == 0)
			return &d->senders_total[i];
	fail_msg("no sender %s", user);
	return NULL;
}

static void
test_replay_real_logs(void **state)
{
	static const char *const kinds[] = { "received", "delivered",
	    "deferred", "bounced", "rejected", "submit", "auth_fail",
	    "auth_nopass", "auth_ok" };
	static const enum log_ev_kind kv[] = { LEV_RECEIVED, LEV_DELIVERED,
	    LEV_DEFERRED, LEV_BOUNCED, LEV_REJECTED, LEV_SUBMIT,
	    LEV_AUTH_FAIL, LEV_AUTH_NOPASS, LEV_AUTH_OK };
	char text[2048];
	struct conf *c;
	struct part *p;
	const struct logs_part *d;
	const struct logs_sender *s;
	size_t i;

	(void)state;
	snprintf(text, sizeof(text),
	    "state_directory = \"%s/state\"\n"
	    "log pf { path = \"%s\" }\n"
	    "log dc { path = \"%s\" }\n"
	    "log ex { path = \"%s\" }\n",
	    ct_dir, data_file("postfix-3.7.maillog"),
	    data_file("dovecot-2.3.maillog"), data_file("exim-4.96.mainlog"));
	c = ct_load(text);
	p = ct_once(&collector_logs, c);
	d = p->data;
	assert_int_equal(p->errors, 0);
	assert_false(p->incomplete);
	assert_true(d->have & LOGS_HAVE_STATS);
	assert_true(d->have & LOGS_HAVE_REPLAY);
	/* the three logs merged: every golden event counted once */
	for (i = 0; i < MH_ARRAY_SIZE(kinds); i++) {
		uint64_t want = golden("postfix-3.7.maillog", kinds[i]) +
		    golden("dovecot-2.3.maillog", kinds[i]) +
		    golden("exim-4.96.mainlog", kinds[i]);

		if (d->total[kv[i]] != want)
			fail_msg("%s: %llu, golden %llu", kinds[i],
			    (unsigned long long)d->total[kv[i]],
			    (unsigned long long)want);
	}
	assert_int_equal(d->auth_fails, d->total[LEV_AUTH_FAIL]);
	/* the state files are for the daemon: a replay writes none */
	{
		char st[128];
		struct stat sb;

		snprintf(st, sizeof(st), "%s/state", ct_dir);
		assert_int_not_equal(stat(st, &sb), 0);
	}
	assert_int_equal(d->nsources, 3);
	assert_string_equal(d->sources[0].name, "pf");
	assert_true(d->sources[0].lines > 0);
	assert_null(d->sources[0].error);
	/* alice submitted through Postfix from 127.0.0.2, .3 and .4 */
	s = sender(d, "alice");
	assert_true(s->total >= 4);
	assert_non_null(strstr(s->first_clients, "127.0.0.2 127.0.0.3 "
	    "127.0.0.4"));
	part_unref(p);
	conf_free(c);
}

/* A log that is not there: an error in the part, unknown counts, and
 * for --once an incomplete round (exit 69). */
static void
test_missing_log(void **state)
{
	char text[512];
	struct conf *c;
	struct part *p;
	const struct logs_part *d;

	(void)state;
	snprintf(text, sizeof(text), "log gone { path = \"%s/nothere\" }\n",
	    ct_dir);
	c = ct_load(text);
	p = ct_once(&collector_logs, c);
	d = p->data;
	assert_true(p->errors > 0);
	assert_non_null(strstr(p->last_error, "log gone: "));
	assert_non_null(strstr(p->last_error, "No such file"));
	assert_true(p->incomplete);
	assert_false(d->have & LOGS_HAVE_STATS);
	assert_non_null(strstr(d->sources[0].error, "No such file"));
	part_unref(p);
	conf_free(c);
}

/* ------------------------------------------------------------ positions */

static void
append_lines(const char *path, int from, int n)
{
	FILE *fp = fopen(path, "a");
	int i;

	assert_non_null(fp);
	for (i = from; i < from + n; i++)
		fprintf(fp, "2026-11-30T10:%02d:%02d+00:00 mx postfix/smtpd[%d]: "
		    "NOQUEUE: reject: RCPT from unknown[127.0.0.%d]: 554 5.7.1 "
		    "<x%d@example.org>: Relay access denied; from=<a@b> "
		    "to=<x%d@example.org> proto=ESMTP helo=<h>\n",
		    (i / 60) % 60, i % 60, 100 + i, 1 + i % 200, i, i);
	fclose(fp);
}

/* One round of the collector as its thread runs it. */
static uint64_t
round_rejected(const struct collector *col, void *st)
{
	struct part *p = part_new(col);
	const struct logs_part *d;
	uint64_t n;

	assert_int_equal(col->collect(st, p), 0);
	d = ct_data(p);
	if (p->errors)
		fail_msg("round error: %s", p->last_error);
	n = d->total[LEV_REJECTED];
	part_unref(p);
	return n;
}

static void
test_restart(void **state)
{
	char text[512], log[128], sf[160];
	const struct collector *col = &collector_logs;
	struct conf *c;
	struct stat sb;
	void *st;

	(void)state;
	snprintf(log, sizeof(log), "%s/mail.log", ct_dir);
	append_lines(log, 0, 10);	/* before the agent: not news */
	snprintf(text, sizeof(text), "state_directory = \"%s/st/ate\"\n"
	    "log mail { path = \"%s\" }\n", ct_dir, log);
	c = ct_load(text);
	st = col->init(conf_col_of(c, col)->cc, c);
	assert_non_null(st);
	snprintf(sf, sizeof(sf), "%s/st/ate", ct_dir);
	assert_int_equal(stat(sf, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0750);
	assert_int_equal(round_rejected(col, st), 0);
	append_lines(log, 10, 25);
	assert_int_equal(round_rejected(col, st), 25);
	append_lines(log, 35, 5);
	assert_int_equal(round_rejected(col, st), 30);
	snprintf(sf, sizeof(sf), "%s/st/ate/log-mail.state", ct_dir);
	assert_int_equal(stat(sf, &sb), 0);
	col->fini(st);

	/* stopped: lines keep coming; restarted: those and no others */
	append_lines(log, 40, 7);
	st = col->init(conf_col_of(c, col)->cc, c);
	assert_int_equal(round_rejected(col, st), 7);
	append_lines(log, 47, 3);
	assert_int_equal(round_rejected(col, st), 10);
	col->fini(st);
	conf_free(c);
}

/* ------------------------------------------------------------ feed */

struct seen {
	int64_t last;
	uint64_t n;
	bool ordered;
};

static void
see(void *arg, const struct log_line *l)
{
	struct seen *s = arg;

	if (l->ts < s->last)
		s->ordered = false;
	s->last = l->ts;
	s->n++;
}

static void
write_stamped(const char *path, int first, int step, int n)
{
	FILE *fp = fopen(path, "w");
	int i;

	assert_non_null(fp);
	for (i = 0; i < n; i++) {
		int t = first + i * step;

		fprintf(fp, "2026-11-30T%02d:%02d:%02d+00:00 h postfix/qmgr[1]: "
		    "line %d\n", t / 3600, (t / 60) % 60, t % 60, i);
	}
	fclose(fp);
}

/* A log file source read to its end (--once); fails the test if it
 * does not open. */
static struct logsrc *
open_once(const char *path)
{
	struct logsrc_conf sc;
	struct logsrc *src;
	char *why = NULL;

	memset(&sc, 0, sizeof(sc));
	sc.name = "t";
	sc.kind = LOGSRC_FILE;
	sc.path = path;
	sc.once = true;
	src = logsrc_open(&sc, &why);
	assert_non_null(src);
	return src;
}

static void
test_feed(void **state)
{
	struct logsrc *src[3];
	struct logs_feed *f;
	enum logsrc_rc rc[3];
	struct seen s = { 0, 0, true };
	char path[3][128];
	bool capped;
	uint64_t n, total = 0;
	size_t i;

	(void)state;
	/* three logs interleaved in time, of different lengths */
	for (i = 0; i < 3; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/l%zu", ct_dir, i);
		write_stamped(path[i], (int)i, 3, 6000 + (int)i * 1000);
		src[i] = open_once(path[i]);
	}
	f = logs_feed_new(src, 3);
	/* a deadline already past: what was read is handed on, in order,
	 * and the round stops early */
	n = logs_feed_run(f, see, &s, 1, &capped, rc);
	assert_true(capped);
	assert_true(n > 0 && n < 21000);
	total += n;
	while (total < 21000) {
		n = logs_feed_run(f, see, &s, 1, &capped, rc);
		assert_true(n > 0);
		total += n;
	}
	assert_int_equal(total, 21000);
	assert_true(s.ordered);
	n = logs_feed_run(f, see, &s, 0, &capped, rc);
	assert_int_equal(n, 0);
	assert_false(capped);
	for (i = 0; i < 3; i++)
		assert_int_equal(rc[i], LOGSRC_DONE);
	logs_feed_free(f);
	for (i = 0; i < 3; i++)
		logsrc_close(src[i]);

	/* all at once without a deadline: one pass, in order */
	s = (struct seen){ 0, 0, true };
	for (i = 0; i < 3; i++)
		src[i] = open_once(path[i]);
	f = logs_feed_new(src, 3);
	assert_int_equal(logs_feed_run(f, see, &s, 0, &capped, rc), 21000);
	assert_true(s.ordered);
	logs_feed_free(f);
	for (i = 0; i < 3; i++)
		logsrc_close(src[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conf, ct_dir_setup,
		    ct_dir_teardown),
		cmocka_unit_test_setup_teardown(test_replay_real_logs,
		    ct_dir_setup, ct_dir_teardown),
		cmocka_unit_test_setup_teardown(test_missing_log, ct_dir_setup,
		    ct_dir_teardown),
		cmocka_unit_test_setup_teardown(test_restart, ct_dir_setup,
		    ct_dir_teardown),
		cmocka_unit_test_setup_teardown(test_feed, ct_dir_setup,
		    ct_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
