/*
 * test_probe_set.c: the probe engine's rounds with the checks that need
 * no network (probe_set.c, probe_cmd.c, probe_local.c): commands that
 * pass, fail with a message, die, cannot be run, flood their output or
 * never exit; a process by name and by pid file; a file and its age.
 * What must hold: every check gets a status and a reason, a command that
 * hangs is killed with its whole process group at its timeout, hanging
 * checks run at the same time (the round lasts one timeout, not one per
 * check), and the round's own deadline cuts everything short.
 * The network checks are tested against real servers by
 * tests/integration/probe.sh.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include <cmocka.h>

#include "util.h"
#include "probe/probe.h"

static char dir[] = "/tmp/mh-probe-test.XXXXXX";

static struct probe_desc
cmd(const char *name, const char *line, unsigned timeout)
{
	struct probe_desc d;

	memset(&d, 0, sizeof(d));
	d.name = name;
	d.kind = PROBE_COMMAND;
	d.target = line;
	d.timeout = timeout;
	return d;
}

static const struct probe_result *
result(struct probe_set *s, const char *name)
{
	size_t i;

	for (i = 0; i < probe_set_count(s); i++)
		if (strcmp(probe_set_desc(s, i)->name, name) == 0)
			return probe_set_result(s, i);
	fail_msg("no check %s", name);
	return NULL;
}

static void
commands(void **state)
{
	struct probe_desc d[] = {
		cmd("ok", "echo all good", 5),
		cmd("fail", "sh -c 'echo \"disk /var 97% full\" >&2; exit 2'",
		    5),
		cmd("quiet", "sh -c 'exit 3'", 5),
		cmd("blank", "sh -c 'printf \"\\n\\n  second line\\n\"; exit 1'",
		    5),
		cmd("killed", "sh -c 'kill -SEGV $$'", 5),
		cmd("missing", "/nonexistent/check_x --arg", 5),
		cmd("flood", "sh -c 'head -c 1000000 /dev/zero | tr \"\\0\" x;"
		    " echo; exit 1'", 5),
	};
	struct probe_set *s;
	char *err = NULL;
	long ms;

	(void)state;
	s = probe_set_new(d, MH_ARRAY_SIZE(d), &err);
	assert_non_null(s);
	ms = probe_set_run(s, 0);
	assert_true(ms < 4000);
	assert_true(result(s, "ok")->ok);
	assert_string_equal(result(s, "ok")->detail, "all good");
	assert_false(result(s, "fail")->ok);
	assert_string_equal(result(s, "fail")->error, "disk /var 97% full");
	assert_string_equal(result(s, "quiet")->error, "exit status 3");
	assert_string_equal(result(s, "blank")->error, "second line");
	assert_string_equal(result(s, "killed")->error,
	    "killed by signal 11 (Segmentation fault)");
	assert_string_equal(result(s, "missing")->error,
	    "cannot run /nonexistent/check_x: No such file or directory");
	/* 1 MB on one line: read to the end, the line cut to fit */
	assert_int_equal(strlen(result(s, "flood")->error),
	    PROBE_ERR_MAX - 1);
	assert_true(result(s, "flood")->response_ms >= 0);
	/* after one round: up at once (rise 1), not yet down (fall 2) */
	assert_int_equal(result(s, "ok")->status, PROBE_UP);
	assert_int_equal(result(s, "fail")->status, PROBE_UNKNOWN);
	assert_string_equal(result(s, "fail")->last_error,
	    "disk /var 97% full");
	probe_set_run(s, 0);
	assert_int_equal(result(s, "fail")->status, PROBE_DOWN);
	assert_true(result(s, "fail")->status_changed);
	assert_false(result(s, "ok")->status_changed);
	assert_true(result(s, "fail")->last_change >= result(s, "ok")->last_change);
	probe_set_free(s);
}

/* Alive, and not a zombie waiting for init. */
static bool
running(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool r = false;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		r = p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return r;
}

/* SIGKILL is delivered, not waited for: give the process a moment. */
static bool
gone_within(pid_t pid, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (!running(pid))
			return true;
		usleep(10000);	/* poll until it is gone */
	}
	return false;
}

static void
hanging_commands(void **state)
{
	char line[512], pidf[5][256];
	struct probe_desc d[6];
	struct probe_set *s;
	char *err = NULL;
	long ms;
	int i;

	(void)state;
	/* five commands that never end, each with a child of its own in
	 * the background; and one quick one */
	for (i = 0; i < 5; i++) {
		snprintf(pidf[i], sizeof(pidf[i]), "%s/bg%d.pid", dir, i);
		snprintf(line, sizeof(line),
		    "sh -c 'sleep 300 & echo $! > %s; echo started; sleep 300'",
		    pidf[i]);
		d[i] = cmd("hang", line, 1);
		d[i].name = xstrdup(line);	/* the names must differ */
		d[i].target = d[i].name;
	}
	d[5] = cmd("quick", "true", 1);
	s = probe_set_new(d, 6, &err);
	assert_non_null(s);
	ms = probe_set_run(s, 0);
	/* one timeout for all (1 s), not five */
	assert_true(ms >= 1000);
	assert_true(ms < 1800);
	for (i = 0; i < 5; i++) {
		const struct probe_result *r = probe_set_result(s, (size_t)i);
		FILE *f = fopen(pidf[i], "r");
		long bg = 0;

		assert_false(r->ok);
		assert_string_equal(r->error, "timeout after 1 s");
		/* the background child went with its group */
		assert_non_null(f);
		assert_int_equal(fscanf(f, "%ld", &bg), 1);
		fclose(f);
		assert_true(gone_within((pid_t)bg, 2000));
	}
	assert_true(probe_set_result(s, 5)->ok);
	for (i = 0; i < 5; i++)
		free((char *)d[i].name);
	probe_set_free(s);
}

static void
round_deadline(void **state)
{
	struct probe_desc d[] = {
		cmd("long", "sleep 60", 30),
		cmd("quick", "true", 30),
	};
	struct probe_set *s;
	char *err = NULL;
	long ms;

	(void)state;
	s = probe_set_new(d, 2, &err);
	ms = probe_set_run(s, 300);
	assert_true(ms >= 300 && ms < 1000);
	assert_string_equal(result(s, "long")->error,
	    "round deadline after 300 ms");
	assert_true(result(s, "quick")->ok);
	probe_set_free(s);
}

static void
processes_and_files(void **state)
{
	char pidfile[256], stale[256], junk[256], oldf[256], buf[400];
	struct probe_desc d[8];
	struct utimbuf ut;
	struct probe_set *s;
	char *err = NULL;
	pid_t child;
	FILE *f;

	(void)state;
	memset(d, 0, sizeof(d));
	/* our own pid in a pid file; a pid that has ended; no pid at all */
	snprintf(pidfile, sizeof(pidfile), "%s/me.pid", dir);
	f = fopen(pidfile, "w");
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
	if ((child = fork()) == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	snprintf(stale, sizeof(stale), "%s/stale.pid", dir);
	f = fopen(stale, "w");
	fprintf(f, "%ld\n", (long)child);
	fclose(f);
	snprintf(junk, sizeof(junk), "%s/junk.pid", dir);
	f = fopen(junk, "w");
	fprintf(f, "12ab\n");
	fclose(f);
	snprintf(oldf, sizeof(oldf), "%s/old", dir);
	f = fopen(oldf, "w");
	fclose(f);
	ut.actime = ut.modtime = time(NULL) - 3600;
	utime(oldf, &ut);

	d[0] = (struct probe_desc){.name = "byname", .kind = PROBE_PROCESS,
	    .target = "test_probe_set"};
	d[1] = (struct probe_desc){.name = "noname", .kind = PROBE_PROCESS,
	    .target = "no-such-daemon"};
	d[2] = (struct probe_desc){.name = "pidfile", .kind = PROBE_PROCESS,
	    .pidfile = pidfile, .target = "test_probe_set"};
	d[3] = (struct probe_desc){.name = "wrongcomm", .kind = PROBE_PROCESS,
	    .pidfile = pidfile, .target = "master"};
	d[4] = (struct probe_desc){.name = "stale", .kind = PROBE_PROCESS,
	    .pidfile = stale};
	d[5] = (struct probe_desc){.name = "junk", .kind = PROBE_PROCESS,
	    .pidfile = junk};
	d[6] = (struct probe_desc){.name = "old", .kind = PROBE_FILE,
	    .target = oldf, .max_age = 600};
	d[7] = (struct probe_desc){.name = "oldok", .kind = PROBE_FILE,
	    .target = oldf};
	s = probe_set_new(d, 8, &err);
	assert_non_null(s);
	probe_set_run(s, 0);
	snprintf(buf, sizeof(buf), "pid %ld", (long)getpid());
	assert_true(result(s, "byname")->ok);
	/* another test_probe_set may run on the machine (a second build
	 * tree's tests): then it says how many */
	if (strncmp(result(s, "byname")->detail, "pid ", 4) == 0)
		assert_string_equal(result(s, "byname")->detail, buf);
	else
		assert_non_null(strstr(result(s, "byname")->detail,
		    " processes, pid "));
	assert_int_equal(result(s, "byname")->response_ms, -1);
	assert_string_equal(result(s, "noname")->error,
	    "no process named no-such-daemon");
	assert_true(result(s, "pidfile")->ok);
	assert_string_equal(result(s, "pidfile")->detail, buf);
	assert_non_null(strstr(result(s, "wrongcomm")->error,
	    "is test_probe_set, not master"));
	snprintf(buf, sizeof(buf), "pid %ld (%s) is not running", (long)child,
	    stale);
	assert_string_equal(result(s, "stale")->error, buf);
	assert_non_null(strstr(result(s, "junk")->error, "no pid in it"));
	assert_non_null(strstr(result(s, "old")->error,
	    "not modified for 3600 s (max 600)"));
	assert_true(result(s, "oldok")->ok);
	probe_set_free(s);
}

static void
adopt_keeps_state(void **state)
{
	struct probe_desc d1[] = {cmd("a", "false", 5), cmd("b", "true", 5)};
	struct probe_desc d2[] = {cmd("b", "true", 5), cmd("a", "false", 5),
	    cmd("c", "true", 5)};
	struct probe_set *s1, *s2;
	char *err = NULL;

	(void)state;
	s1 = probe_set_new(d1, 2, &err);
	probe_set_run(s1, 0);
	probe_set_run(s1, 0);
	assert_int_equal(result(s1, "a")->status, PROBE_DOWN);
	s2 = probe_set_new(d2, 3, &err);
	probe_set_adopt(s2, s1);
	assert_int_equal(result(s2, "a")->status, PROBE_DOWN);
	assert_int_equal(result(s2, "a")->fails, 2);
	assert_int_equal(result(s2, "b")->status, PROBE_UP);
	assert_int_equal(result(s2, "c")->status, PROBE_UNKNOWN);
	probe_set_free(s1);
	probe_set_free(s2);
}

static void
bad_descriptions(void **state)
{
	struct probe_desc d[] = {cmd("ok", "true", 5), cmd("bad", "a | b", 5)};
	char *err = NULL;

	(void)state;
	assert_null(probe_set_new(d, 2, &err));
	assert_non_null(err);
	assert_non_null(strstr(err, "bad: '|' at column 3"));
	free(err);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmdline[300];

	(void)state;
	snprintf(cmdline, sizeof(cmdline), "rm -rf %s", dir);
	return system(cmdline) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commands),
		cmocka_unit_test(hanging_commands),
		cmocka_unit_test(round_deadline),
		cmocka_unit_test(processes_and_files),
		cmocka_unit_test(adopt_keeps_state),
		cmocka_unit_test(bad_descriptions),
	};

	/* a daemon ignores SIGPIPE; the programs it runs must not */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
