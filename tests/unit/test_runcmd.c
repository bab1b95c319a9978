/*
 * test_runcmd.c: the command splitter and runner (agent/drsync/
 * runcmd.c), with real programs (/bin/sh, sleep, printf).
 *
 * The runner must: keep stdout and stderr apart, report the exit code,
 * the signal, a missing program; stop at the timeout and kill the whole
 * process group (a grandchild included); not wait for a background
 * child that keeps the pipes open once the program itself has exited;
 * keep at most max_out bytes and still drain the rest.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"
#include "drsync/runcmd.h"

static void
split_is(const char *line, const char *const *want)
{
	const char *why = NULL;
	char **argv = runcmd_split(line, &why);
	size_t i;

	if (argv == NULL)
		fail_msg("'%s': %s", line, why);
	for (i = 0; want[i]; i++) {
		if (argv[i] == NULL)
			fail_msg("'%s': word %zu missing", line, i);
		if (strcmp(argv[i], want[i]) != 0)
			fail_msg("'%s': word %zu is '%s', want '%s'", line, i,
			    argv[i], want[i]);
	}
	assert_null(argv[i]);
	free(argv);
}

static void
split_fails(const char *line, const char *want)
{
	const char *why = NULL;

	assert_null(runcmd_split(line, &why));
	assert_non_null(why);
	if (strstr(why, want) == NULL)
		fail_msg("'%s': '%s', want '%s'", line, why, want);
}

static void
test_split(void **state)
{
	char big[RUNCMD_LINE_MAX + 2];
	char many[64 * 2 + 3];
	size_t i;

	(void)state;
	split_is("/usr/bin/lag", (const char *[]){ "/usr/bin/lag", NULL });
	split_is("  check-lag  --res r0\t-v \n",
	    (const char *[]){ "check-lag", "--res", "r0", "-v", NULL });
	split_is("echo 'a b'  \"c d\" e\\ f",
	    (const char *[]){ "echo", "a b", "c d", "e f", NULL });
	split_is("x'y'\"z\"w", (const char *[]){ "xyzw", NULL });
	split_is("echo '' \"\"", (const char *[]){ "echo", "", "", NULL });
	split_is("echo \"q\\\"\\\\\" 'no\\escape' \"\\n\"",
	    (const char *[]){ "echo", "q\"\\", "no\\escape", "\\n", NULL });
	/* nothing is expanded */
	split_is("echo $HOME ~ *.c `id` $(id) ; rm -rf / | cat > x",
	    (const char *[]){ "echo", "$HOME", "~", "*.c", "`id`", "$(id)",
	    ";", "rm", "-rf", "/", "|", "cat", ">", "x", NULL });

	split_fails("", "empty command");
	split_fails("   \t ", "empty command");
	split_fails("echo 'abc", "unterminated '");
	split_fails("echo \"abc", "unterminated \"");
	split_fails("echo \"a\\\"", "unterminated \"");
	split_fails("echo abc\\", "backslash at the end");
	for (i = 0; i < 65; i++) {
		many[2 * i] = 'a';
		many[2 * i + 1] = ' ';
	}
	many[130] = '\0';
	split_fails(many, "more than 64 words");
	many[128] = '\0';	/* exactly 64 */
	{
		const char *why;
		char **argv = runcmd_split(many, &why);

		assert_non_null(argv);
		assert_non_null(argv[63]);
		assert_null(argv[64]);
		free(argv);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	split_fails(big, "longer than 4096");
}

static void
run(const char *line, long timeout_ms, size_t max_out,
    struct runcmd_result *r)
{
	const char *why;
	char **argv = runcmd_split(line, &why);

	assert_non_null(argv);
	assert_int_equal(runcmd_run(argv, timeout_ms, max_out, r), 0);
	free(argv);
}

static void
test_run_exit(void **state)
{
	struct runcmd_result r;
	char d[128];

	(void)state;
	run("/bin/sh -c 'echo out; echo err >&2; exit 3'", 5000, 4096, &r);
	assert_int_equal(r.end, RUNCMD_EXITED);
	assert_int_equal(r.code, 3);
	assert_string_equal(r.out, "out\n");
	assert_int_equal(r.outlen, 4);
	assert_string_equal(r.err, "err\n");
	assert_false(r.truncated);
	runcmd_describe(&r, 5000, d, sizeof(d));
	assert_string_equal(d, "exit 3");
	runcmd_result_free(&r);

	/* looked up in PATH; stdin is /dev/null */
	run("sh -c 'cat; echo done'", 5000, 4096, &r);
	assert_int_equal(r.end, RUNCMD_EXITED);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out, "done\n");
	runcmd_result_free(&r);

	run("/bin/sh -c 'kill -TERM $$'", 5000, 4096, &r);
	assert_int_equal(r.end, RUNCMD_SIGNALED);
	assert_int_equal(r.code, SIGTERM);
	runcmd_describe(&r, 5000, d, sizeof(d));
	assert_string_equal(d, "killed by signal 15 (Terminated)");
	runcmd_result_free(&r);

	run("/no/such/program", 5000, 4096, &r);
	assert_int_equal(r.end, RUNCMD_NOEXEC);
	assert_int_equal(r.code, ENOENT);
	runcmd_describe(&r, 5000, d, sizeof(d));
	assert_string_equal(d, "cannot execute: No such file or directory");
	runcmd_result_free(&r);

	run("no-such-program-in-path", 5000, 4096, &r);
	assert_int_equal(r.end, RUNCMD_NOEXEC);
	runcmd_result_free(&r);
}

static bool
pid_gone(pid_t pid)
{
	char path[64], buf[256];
	FILE *f;
	bool gone = true;

	/* a zombie waiting for init counts as gone */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return true;
	if (fgets(buf, sizeof(buf), f)) {
		char *p = strrchr(buf, ')');

		gone = p && (p[2] == 'Z' || p[2] == 'X');
	}
	fclose(f);
	return gone;
}

static bool
wait_gone(pid_t pid)
{
	int i;

	for (i = 0; i < 200; i++) {	/* 2 s */
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (pid_gone(pid))
			return true;
		nanosleep(&ts, NULL);	/* poll with a deadline */
	}
	return false;
}

static void
test_run_timeout(void **state)
{
	struct runcmd_result r;
	char d[128];
	pid_t grandchild;

	(void)state;
	/* the grandchild is in the group and dies with it */
	run("/bin/sh -c 'sleep 60 & echo $!; wait'", 300, 4096, &r);
	assert_int_equal(r.end, RUNCMD_TIMEOUT);
	assert_true(r.ms >= 300 && r.ms < 2000);
	grandchild = (pid_t)atoi(r.out);
	assert_true(grandchild > 1);
	assert_true(wait_gone(grandchild));
	runcmd_describe(&r, 300, d, sizeof(d));
	assert_string_equal(d, "timed out after 300 ms");
	runcmd_describe(&r, 2000, d, sizeof(d));
	assert_string_equal(d, "timed out after 2 s");
	runcmd_result_free(&r);

	/* a program that ignores SIGTERM still goes */
	run("/bin/sh -c 'trap \"\" TERM; while :; do :; done'", 200, 4096, &r);
	assert_int_equal(r.end, RUNCMD_TIMEOUT);
	runcmd_result_free(&r);
}

static void
test_run_background(void **state)
{
	struct runcmd_result r;
	pid_t bg;

	(void)state;
	/* the program exits at once, its background child holds stdout:
	 * the run ends with the program, not at the timeout */
	run("/bin/sh -c 'sleep 60 & echo $!; echo 42'", 10000, 4096, &r);
	assert_int_equal(r.end, RUNCMD_EXITED);
	assert_int_equal(r.code, 0);
	assert_true(r.ms < 5000);
	bg = (pid_t)atoi(r.out);
	assert_non_null(strstr(r.out, "\n42\n"));
	assert_true(bg > 1);
	kill(bg, SIGKILL);	/* ours to clean up */
	assert_true(wait_gone(bg));
	runcmd_result_free(&r);
}

static void
test_run_big_output(void **state)
{
	struct runcmd_result r;

	(void)state;
	/* 1 MB on each stream, 100 bytes kept: the program never blocks */
	run("/bin/sh -c 'head -c 1000000 /dev/zero | tr \"\\\\0\" x; "
	    "head -c 1000000 /dev/zero | tr \"\\\\0\" y >&2; exit 7'",
	    10000, 100, &r);
	assert_int_equal(r.end, RUNCMD_EXITED);
	assert_int_equal(r.code, 7);
	assert_int_equal(r.outlen, 100);
	assert_int_equal(r.errlen, 100);
	assert_int_equal(strspn(r.out, "x"), 100);
	assert_int_equal(strspn(r.err, "y"), 100);
	assert_true(r.truncated);
	runcmd_result_free(&r);
}

static void
test_first_line(void **state)
{
	char b[16];

	(void)state;
	runcmd_first_line("\n\n  first line  \nsecond", b, sizeof(b));
	assert_string_equal(b, "first line");
	runcmd_first_line("a\tb\x01" "c\r\nd", b, sizeof(b));
	assert_string_equal(b, "a?b?c");
	runcmd_first_line("bad \xff\xfe utf8", b, sizeof(b));
	assert_string_equal(b, "bad ?? utf8");
	runcmd_first_line("0123456789abcdefghij", b, sizeof(b));
	assert_string_equal(b, "0123456789abcde");
	/* never half a character at the cut */
	runcmd_first_line("0123456789abcd\xc3\xa9", b, sizeof(b));
	assert_string_equal(b, "0123456789abcd");
	runcmd_first_line("caf\xc3\xa9", b, sizeof(b));
	assert_string_equal(b, "caf\xc3\xa9");
	runcmd_first_line("", b, sizeof(b));
	assert_string_equal(b, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_run_exit),
		cmocka_unit_test(test_run_timeout),
		cmocka_unit_test(test_run_background),
		cmocka_unit_test(test_run_big_output),
		cmocka_unit_test(test_first_line),
	};

	log_init("test_runcmd", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
