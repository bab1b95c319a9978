/*
 * test_sms_spool.c: spool files: encoding, atomic put, claims that
 * exclude each other, retry in place, failed/, the sender lock. (The
 * handler path end to end is in tests/integration/sms-*.sh.)
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sms.h"

static char dir[] = "/tmp/test_sms_spool.XXXXXX";

static void
test_encode_decode(void **state)
{
	struct spool_msg m = { 0 }, d;
	char *enc;

	(void)state;
	m.to = (char *)"+1";
	m.text = (char *)"two\nlines \\ back";
	m.kind = (char *)"alert";
	m.key = (char *)"h|queue#1|";
	m.created = 1700000000;
	m.attempts = 3;
	m.next_try = 1700000100;
	enc = spool_encode(&m);
	assert_int_equal(strchr(enc, '\n') - enc + 1, 53);
	assert_int_equal(spool_decode(enc, strlen(enc), &d), 0);
	assert_string_equal(d.text, "two\nlines \\ back");
	assert_string_equal(d.key, "h|queue#1|");
	assert_int_equal(d.attempts, 3);
	assert_int_equal(d.next_try, 1700000100);
	assert_int_equal(d.created, 1700000000);
	spool_msg_free(&d);
	free(enc);
	assert_int_equal(spool_decode("junk", 4, &d), -1);
	assert_int_equal(spool_decode("MHSMS1 attempts=0000000000 "
	    "next=00000000000000000000\nkind=alert\n", 64, &d), -1);
}

static void
test_put_claim_retry_fail(void **state)
{
	struct spool_msg m = { 0 };
	struct spool_claim a, b;
	char **names;
	size_t n;
	struct stat st;
	char *p;

	(void)state;
	assert_int_equal(spool_init(dir), 0);
	m.to = (char *)"+1";
	m.text = (char *)"hello";
	m.kind = (char *)"alert";
	m.key = (char *)"k";
	m.created = time(NULL);
	assert_int_equal(spool_put(dir, &m), 0);
	assert_int_equal(spool_list(dir, &names, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], m.name);

	/* two claims exclude each other, even in one process */
	assert_int_equal(spool_claim(dir, names[0], &a), 0);
	assert_string_equal(a.msg.text, "hello");
	assert_int_equal(spool_claim(dir, names[0], &b), 1);

	/* retry updates attempts and time in place */
	assert_int_equal(spool_retry(&a, 1, 12345), 0);
	spool_release(&a);
	assert_int_equal(spool_claim(dir, names[0], &a), 0);
	assert_int_equal(a.msg.attempts, 1);
	assert_int_equal(a.msg.next_try, 12345);

	/* failed/ keeps the message and why */
	assert_int_equal(spool_fail(dir, &a, "http 400: bad number"), 0);
	p = spool_path(dir, "failed", names[0]);
	assert_int_equal(stat(p, &st), 0);
	{
		struct spool_msg f;

		assert_int_equal(spool_read_msg(p, &f), 0);
		assert_string_equal(f.text, "hello");
		spool_msg_free(&f);
	}
	free(p);
	/* and a claim of the moved name is "gone" */
	assert_int_equal(spool_claim(dir, names[0], &b), 1);
	spool_names_free(names, n);
	free(m.name);
}

static void
test_claim_after_done(void **state)
{
	struct spool_msg m = { 0 };
	struct spool_claim a;

	(void)state;
	m.to = (char *)"+1";
	m.text = (char *)"x";
	m.created = time(NULL);
	assert_int_equal(spool_put(dir, &m), 0);
	assert_int_equal(spool_claim(dir, m.name, &a), 0);
	assert_int_equal(spool_done(&a), 0);
	assert_int_equal(spool_claim(dir, m.name, &a), 1);
	free(m.name);
}

static long long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_lock(void **state)
{
	long long t0;
	int a, b;

	(void)state;
	a = spool_lock(dir, "sender.lock", 0);
	assert_true(a >= 0);
	b = spool_lock(dir, "sender.lock", 0);
	assert_int_equal(b, -1);
	assert_int_equal(errno, EWOULDBLOCK);
	/* a held lock is given up after the deadline, not waited for */
	t0 = ms_now();
	b = spool_lock(dir, "sender.lock", 300);
	assert_int_equal(b, -1);
	assert_true(ms_now() - t0 >= 300);
	assert_true(ms_now() - t0 < 2000);
	close(a);
	b = spool_lock(dir, "sender.lock", 0);
	assert_true(b >= 0);
	close(b);
}

/* Names sort by the spool's sequence number, not by the clock: a name
 * made later with a smaller number sorts first. */
static void
test_names_sort_in_arrival_order(void **state)
{
	unsigned long long s1, s2;
	char *late, *early;

	(void)state;
	s1 = spool_next_seq(dir);
	s2 = spool_next_seq(dir);
	assert_int_equal(s2, s1 + 1);
	late = spool_unique_name(s2, "m");
	early = spool_unique_name(s1, "m");	/* made after, numbered before */
	assert_true(strcmp(early, late) < 0);
	free(late);
	free(early);
	/* same number (the counter could not advance): time breaks the tie */
	late = spool_unique_name(s2, "m");
	early = spool_unique_name(s2, "m");
	assert_true(strcmp(late, early) < 0);
	free(late);
	free(early);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_decode),
		cmocka_unit_test(test_put_claim_retry_fail),
		cmocka_unit_test(test_claim_after_done),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_names_sort_in_arrival_order),
	};
	int rc;
	char *cmd;

	log_init("test", LOG_TO_STDERR);
	if (mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	free(cmd);
	return rc;
}
