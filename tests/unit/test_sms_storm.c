/*
 * test_sms_storm.c: dedupe, per-recipient rate limit, held-back summaries,
 * clears, quiet hours, and the state file round trip.
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

static const struct storm_params P = {
	.dedupe_window = 600, .rate_limit = 3, .rate_window = 3600,
	.summary_delay = 60,
};

static enum storm_verdict
decide(struct storm *s, const char *to, const char *key, bool cleared,
    enum mh_family f, enum mh_severity sev, bool quiet, time_t now,
    char **summary)
{
	char *dummy = NULL;
	enum storm_verdict v = storm_decide(s, &P, to, key, cleared, f, sev,
	    quiet, now, summary ? summary : &dummy);

	free(dummy);
	return v;
}

static void
test_dedupe(void **state)
{
	struct storm *s = storm_new();

	(void)state;
	assert_int_equal(decide(s, "+1", "k", false, MH_FAM_QUEUE, MH_SEV_MAJOR,
	    false, 1000, NULL), STORM_SEND);
	assert_int_equal(decide(s, "+1", "k", false, MH_FAM_QUEUE, MH_SEV_MAJOR,
	    false, 1100, NULL), STORM_DUP);
	/* another recipient is another phone */
	assert_int_equal(decide(s, "+2", "k", false, MH_FAM_QUEUE, MH_SEV_MAJOR,
	    false, 1100, NULL), STORM_SEND);
	/* escalation goes through */
	assert_int_equal(decide(s, "+1", "k", false, MH_FAM_QUEUE, MH_SEV_CRITICAL,
	    false, 1200, NULL), STORM_SEND);
	assert_int_equal(decide(s, "+1", "k", false, MH_FAM_QUEUE, MH_SEV_MAJOR,
	    false, 1300, NULL), STORM_DUP);
	/* after the window it is a reminder */
	assert_int_equal(decide(s, "+1", "k", false, MH_FAM_QUEUE, MH_SEV_CRITICAL,
	    false, 1200 + 600, NULL), STORM_SEND);
	storm_free(s);
}

static void
test_clear_rules(void **state)
{
	struct storm *s = storm_new();

	(void)state;
	/* fill the rate limit with the raise of "a" and two more */
	assert_int_equal(decide(s, "+1", "a", false, MH_FAM_AUTH, MH_SEV_MAJOR, false,
	    10, NULL), STORM_SEND);
	assert_int_equal(decide(s, "+1", "b", false, MH_FAM_AUTH, MH_SEV_MAJOR, false,
	    11, NULL), STORM_SEND);
	assert_int_equal(decide(s, "+1", "c", false, MH_FAM_AUTH, MH_SEV_MAJOR, false,
	    12, NULL), STORM_SEND);
	assert_int_equal(decide(s, "+1", "d", false, MH_FAM_AUTH, MH_SEV_MAJOR, false,
	    13, NULL), STORM_RATE);
	/* the clear of a paged alarm beats the rate limit and quiet hours */
	assert_int_equal(decide(s, "+1", "a", true, MH_FAM_AUTH, MH_SEV_MAJOR, true,
	    14, NULL), STORM_SEND);
	/* a second clear: the phone already shows it cleared */
	assert_int_equal(decide(s, "+1", "a", true, MH_FAM_AUTH, MH_SEV_MAJOR, false,
	    15, NULL), STORM_UNSENT_CLEAR);
	/* the clear of a held raise is not sent */
	assert_int_equal(decide(s, "+1", "d", true, MH_FAM_AUTH, MH_SEV_MAJOR, false,
	    16, NULL), STORM_UNSENT_CLEAR);
	/* a raise after a delivered clear is a new event, not a duplicate */
	assert_int_equal(decide(s, "+2", "e", false, MH_FAM_AUTH, MH_SEV_MAJOR,
	    false, 20, NULL), STORM_SEND);
	assert_int_equal(decide(s, "+2", "e", true, MH_FAM_AUTH, MH_SEV_MAJOR, false,
	    21, NULL), STORM_SEND);
	assert_int_equal(decide(s, "+2", "e", false, MH_FAM_AUTH, MH_SEV_MAJOR,
	    false, 22, NULL), STORM_SEND);
	storm_free(s);
}

static void
test_rate_and_summary(void **state)
{
	struct storm *s = storm_new();
	char key[32], *sum = NULL, **to, **text;
	int i;
	size_t n;

	(void)state;
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(decide(s, "+1", key, false,
		    i % 2 ? MH_FAM_AUTH : MH_FAM_QUEUE, MH_SEV_MAJOR, false, 100 + i,
		    NULL), i < 3 ? STORM_SEND : STORM_RATE);
	}
	/* 37 held: odd i (auth) 3..39 = 19, even i (queue) 4..38 = 18 */
	assert_int_equal(storm_next_due(s, &P), 103 + 60);
	n = storm_due_summaries(s, &P, 162, NULL, NULL, &to, &text);
	assert_int_equal(n, 0);
	free(to);
	free(text);
	n = storm_due_summaries(s, &P, 163, NULL, NULL, &to, &text);
	assert_int_equal(n, 1);
	assert_string_equal(to[0], "+1");
	assert_string_equal(text[0], "+37 more: 19 auth, 18 queue");
	free(to[0]);
	free(text[0]);
	free(to);
	free(text);
	/* one more held alert: the next summary waits for the window */
	assert_int_equal(decide(s, "+1", "late", false, MH_FAM_SYSTEM, MH_SEV_MAJOR,
	    false, 200, NULL), STORM_RATE);
	assert_int_equal(storm_next_due(s, &P), 163 + 3600);
	/* once the window slides, the next alert carries the summary */
	assert_int_equal(decide(s, "+1", "fresh", false, MH_FAM_QUEUE,
	    MH_SEV_MAJOR, false, 100 + 3600, &sum), STORM_SEND);
	assert_string_equal(sum, "+1 more: 1 system");
	free(sum);
	assert_int_equal(storm_next_due(s, &P), 0);
	storm_free(s);
}

static bool
always_quiet(void *ctx, const char *to)
{
	(void)ctx;
	(void)to;
	return true;
}

static void
test_quiet(void **state)
{
	struct storm *s = storm_new();
	char *sum = NULL, **to, **text;

	(void)state;
	assert_int_equal(decide(s, "+1", "a", false, MH_FAM_TRAFFIC, MH_SEV_MINOR,
	    true, 10, NULL), STORM_QUIET);
	assert_int_equal(decide(s, "+1", "a", false, MH_FAM_TRAFFIC, MH_SEV_MINOR,
	    true, 11, NULL), STORM_DUP);	/* counted once */
	/* no stand-alone summary while it is quiet */
	assert_int_equal(storm_due_summaries(s, &P, 1000, always_quiet, NULL,
	    &to, &text), 0);
	free(to);
	free(text);
	assert_int_equal(decide(s, "+1", "b", false, MH_FAM_QUEUE, MH_SEV_CRITICAL,
	    true, 12, &sum), STORM_SEND);
	assert_string_equal(sum, "+1 more: 1 traffic");
	free(sum);
	storm_free(s);
}

static void
test_save_load(void **state)
{
	char path[] = "/tmp/test_sms_storm.XXXXXX";
	int fd = mkstemp(path);
	struct storm *s = storm_new(), *t = storm_new();
	time_t now = time(NULL);
	char *sum = NULL;
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	decide(s, "+1", "host|queue#1|total", false, MH_FAM_QUEUE, MH_SEV_MAJOR,
	    false, now, NULL);
	decide(s, "+1", "k2", false, MH_FAM_QUEUE, MH_SEV_MAJOR, false, now, NULL);
	decide(s, "+1", "k3", false, MH_FAM_QUEUE, MH_SEV_MAJOR, false, now, NULL);
	decide(s, "+1", "k4", false, MH_FAM_DEFER, MH_SEV_MAJOR, false, now, NULL);
	assert_int_equal(storm_save(s, path), 0);
	assert_int_equal(storm_load(t, path), 0);
	/* the loaded state remembers the paged raise, the rate and the held */
	assert_int_equal(decide(t, "+1", "host|queue#1|total", false,
	    MH_FAM_QUEUE, MH_SEV_MAJOR, false, now + 1, NULL), STORM_DUP);
	assert_int_equal(decide(t, "+1", "k5", false, MH_FAM_QUEUE, MH_SEV_MAJOR,
	    false, now + 1, NULL), STORM_RATE);
	assert_int_equal(decide(t, "+1", "host|queue#1|total", true,
	    MH_FAM_QUEUE, MH_SEV_MAJOR, false, now + 2, &sum), STORM_SEND);
	assert_string_equal(sum, "+2 more: 1 queue, 1 defer");
	free(sum);
	/* a damaged file is an empty state, not an error */
	f = fopen(path, "w");
	fputs("garbage\n", f);
	fclose(f);
	assert_int_equal(storm_load(t, path), 0);
	assert_int_equal(storm_next_due(t, &P), 0);
	unlink(path);
	storm_free(s);
	storm_free(t);
}

/* Warnings (or junk) use up the warnings' budget, never the criticals'. */
static void
test_rate_per_severity(void **state)
{
	struct storm *s = storm_new();
	char key[32];
	int i;

	(void)state;
	for (i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "junk%d", i);
		assert_int_equal(decide(s, "+1", key, false, MH_FAM_QUEUE,
		    MH_SEV_WARNING, false, 100 + i, NULL),
		    i < 3 ? STORM_SEND : STORM_RATE);
	}
	assert_int_equal(decide(s, "+1", "real", false, MH_FAM_QUEUE,
	    MH_SEV_CRITICAL, false, 110, NULL), STORM_SEND);
	/* the criticals have their own limit */
	assert_int_equal(decide(s, "+1", "c2", false, MH_FAM_QUEUE,
	    MH_SEV_CRITICAL, false, 111, NULL), STORM_SEND);
	assert_int_equal(decide(s, "+1", "c3", false, MH_FAM_QUEUE,
	    MH_SEV_CRITICAL, false, 112, NULL), STORM_SEND);
	assert_int_equal(decide(s, "+1", "c4", false, MH_FAM_QUEUE,
	    MH_SEV_CRITICAL, false, 113, NULL), STORM_RATE);
	storm_free(s);
}

/* The clock stepped back an hour: what was sent "in the future" neither
 * rate-limits nor dedupes a new alert. */
static void
test_clock_step_back(void **state)
{
	struct storm *s = storm_new();
	char key[32], **to, **text;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(decide(s, "+1", key, false, MH_FAM_QUEUE,
		    MH_SEV_MAJOR, false, 10000 + i, NULL), STORM_SEND);
	}
	assert_int_equal(decide(s, "+1", "held", false, MH_FAM_QUEUE,
	    MH_SEV_MAJOR, false, 10005, NULL), STORM_RATE);
	/* now = 6400: 3600 s earlier than those sends */
	assert_int_equal(decide(s, "+1", "after-step", false, MH_FAM_QUEUE,
	    MH_SEV_MAJOR, false, 6400, NULL), STORM_SEND);
	assert_int_equal(decide(s, "+1", "k0", false, MH_FAM_QUEUE,
	    MH_SEV_MAJOR, false, 6401, NULL), STORM_SEND);
	storm_free(s);

	/* a held alert's summary is not put off by an hour either */
	s = storm_new();
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		decide(s, "+1", key, false, MH_FAM_QUEUE, MH_SEV_MAJOR, false,
		    10000 + i, NULL);
	}
	assert_int_equal(decide(s, "+1", "held", false, MH_FAM_QUEUE,
	    MH_SEV_MAJOR, false, 10005, NULL), STORM_RATE);
	assert_int_equal(storm_due_summaries(s, &P, 6400, NULL, NULL, &to,
	    &text), 0);
	free(to);
	free(text);
	assert_int_equal(storm_due_summaries(s, &P, 6400 + P.summary_delay,
	    NULL, NULL, &to, &text), 1);
	assert_string_equal(text[0], "+1 more: 1 queue");
	free(to[0]);
	free(text[0]);
	free(to);
	free(text);
	storm_free(s);
}

/* A raise the sender could not deliver: the clear carries its text. */
static void
test_undelivered_raise(void **state)
{
	char path[] = "/tmp/test_sms_storm.XXXXXX";
	int fd = mkstemp(path);
	struct storm *s = storm_new();
	time_t now = time(NULL);
	char *t;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(decide(s, "+1", "k", false, MH_FAM_QUEUE,
	    MH_SEV_CRITICAL, false, now - 100, NULL), STORM_SEND);
	/* not for a key the phone was never sent */
	assert_false(storm_note_undelivered(s, "+1", "other", "x"));
	assert_true(storm_note_undelivered(s, "+1", "k",
	    "CRITICAL mx1 queue 5,234 msgs (>= 5000)"));
	/* it survives the state file */
	assert_int_equal(storm_save(s, path), 0);
	assert_int_equal(storm_load(s, path), 0);
	unlink(path);
	assert_int_equal(decide(s, "+1", "k", true, MH_FAM_QUEUE,
	    MH_SEV_CRITICAL, false, now, NULL), STORM_SEND);
	t = storm_take_undelivered(s, "+1", "k");
	assert_non_null(t);
	assert_string_equal(t, "CRITICAL mx1 queue 5,234 msgs (>= 5000)");
	free(t);
	assert_null(storm_take_undelivered(s, "+1", "k"));
	storm_free(s);
}

/* A full state drops what a phone does not show first: the clear of a
 * raise it shows must still go out. */
static void
test_full_state_keeps_raises(void **state)
{
	char path[] = "/tmp/test_sms_storm.XXXXXX";
	int fd = mkstemp(path);
	struct storm *s = storm_new();
	struct storm_params p = P;
	time_t now = time(NULL);
	char key[32], *sum = NULL;
	int i;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	p.rate_limit = 0;
	assert_int_equal(storm_decide(s, &p, "+1", "old-raise", false,
	    MH_FAM_QUEUE, MH_SEV_CRITICAL, false, now - 1000, &sum),
	    STORM_SEND);
	free(sum);
	/* 5000 newer clears of raises never sent: entries, not raised */
	for (i = 0; i < 5000; i++) {
		sum = NULL;
		snprintf(key, sizeof(key), "k%d", i);
		storm_decide(s, &p, "+1", key, false, MH_FAM_QUEUE,
		    MH_SEV_WARNING, true, now, &sum);	/* quiet: held */
		free(sum);
	}
	assert_int_equal(storm_save(s, path), 0);
	assert_int_equal(storm_load(s, path), 0);
	unlink(path);
	assert_int_equal(storm_decide(s, &p, "+1", "old-raise", true,
	    MH_FAM_QUEUE, MH_SEV_CRITICAL, false, now, &sum), STORM_SEND);
	free(sum);	/* the held ones ride along */
	storm_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedupe),
		cmocka_unit_test(test_clear_rules),
		cmocka_unit_test(test_rate_and_summary),
		cmocka_unit_test(test_quiet),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_rate_per_severity),
		cmocka_unit_test(test_clock_step_back),
		cmocka_unit_test(test_undelivered_raise),
		cmocka_unit_test(test_full_state_keeps_raises),
	};

	log_init("test", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
