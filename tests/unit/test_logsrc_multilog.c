/*
 * test_logsrc_multilog.c: the multilog directory source (agent/logs/
 * logsrc_multilog.c) on directories made as daemontools' multilog makes
 * them: "@" + 24 hex digits of TAI64N + " " + the line in `current`
 * (mode 644 while written); a full `current` renamed to `previous`, a new
 * empty `current`, `previous` set to mode 744 and linked to @<TAI64N>.s
 * then unlinked (daemontools 0.76's fullcurrent and finish, each step
 * seen by a round of its own); a processor's output as the @ file; an
 * unfinished current renamed to .u at start-up. Checked: the lines of every file once, in order, across
 * rotations between two rounds and while stopped (with the file we were
 * reading still there, and deleted by multilog's n limit), replay of the
 * whole directory with and without since, a .u file's partial last line.
 */
#include "config.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"
#include "logs/logsrc.h"
#include "logtest.h"

static struct lt T;
static int64_t clk;	/* the fake clock multilog stamps with */

static int
setup(void **state)
{
	(void)state;
	lt_setup(&T);
	clk = (int64_t)time(NULL) - 100000;
	lt_puts(&T, "current", "");
	assert_int_equal(chmod(lt_path(&T, "current"), 0644), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	lt_teardown(&T);
	return 0;
}

/* "@" + TAI64N of the clock, which then ticks a second */
static void
stamp(char out[26])
{
	snprintf(out, 26, "@%016" PRIx64 "%08x",
	    (uint64_t)1 << 62 | (uint64_t)(clk + 10), 123456789u);
	clk++;
}

static void
mlog(const char *text)
{
	char s[26], *l;

	stamp(s);
	l = xasprintf("%s %s\n", s, text);
	lt_puts(&T, "current", l);
	free(l);
}

/* What multilog does when current is full, step by step: rename it to
 * previous, start a new current, set previous to 744 (ROT_PREV); link
 * previous to @<now>.s (ROT_LINKED); unlink previous (ROT_DONE). */
enum rot_step { ROT_PREV, ROT_LINKED, ROT_DONE };
static char rot_name[32];

static void
rotate_to(enum rot_step upto)
{
	char s[26];

	assert_int_equal(rename(lt_path(&T, "current"),
	    lt_path(&T, "previous")), 0);
	lt_puts(&T, "current", "");
	assert_int_equal(chmod(lt_path(&T, "current"), 0644), 0);
	assert_int_equal(chmod(lt_path(&T, "previous"), 0744), 0);
	stamp(s);
	snprintf(rot_name, sizeof(rot_name), "%s.s", s);
	if (upto >= ROT_LINKED)
		assert_int_equal(link(lt_path(&T, "previous"),
		    lt_path(&T, rot_name)), 0);
	if (upto >= ROT_DONE)
		assert_int_equal(unlink(lt_path(&T, "previous")), 0);
}

static void
rotate_finish(enum rot_step from)
{
	if (from < ROT_LINKED)
		assert_int_equal(link(lt_path(&T, "previous"),
		    lt_path(&T, rot_name)), 0);
	assert_int_equal(unlink(lt_path(&T, "previous")), 0);
}

/* a full rotation; "u": multilog's start-up after a crash, which
 * renames an unfinished current to @<now>.u */
static void
rotate(const char *suffix)
{
	char s[26], name[32];

	if (*suffix == 's') {
		rotate_to(ROT_DONE);
		return;
	}
	stamp(s);
	snprintf(name, sizeof(name), "%s.u", s);
	assert_int_equal(rename(lt_path(&T, "current"), lt_path(&T, name)),
	    0);
	lt_puts(&T, "current", "");
	assert_int_equal(chmod(lt_path(&T, "current"), 0644), 0);
}

static void
ml_conf(struct logsrc_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = LOGSRC_MULTILOG;
	c->parser = LOGP_QMAIL;
}

/* the text after the stamp of each line recorded, as one string */
static char *
texts(void)
{
	struct strbuf b;
	size_t i;

	strbuf_init(&b);
	for (i = 0; i < T.n; i++) {
		const char *t = T.lines[i];

		strbuf_puts(&b, i ? "," : "");
		strbuf_puts(&b, t[0] == '@' && strlen(t) > 26 ? t + 26 : t);
	}
	lt_clear(&T);
	return b.s ? strbuf_steal(&b) : xstrdup("");
}

#define EXPECT_TEXTS(want)                                                     \
	do {                                                                   \
		char *got_ = texts();                                          \
		assert_string_equal(got_, want);                               \
		free(got_);                                                    \
	} while (0)

static void
test_follow_from_end(void **state)
{
	struct logsrc_conf c;
	int64_t t;

	(void)state;
	mlog("old 1");
	rotate("s");
	mlog("old 2");
	ml_conf(&c);
	lt_open(&T, NULL, &c);
	assert_null(logsrc_error(T.src));
	assert_int_equal(lt_drain(&T), LOGSRC_IDLE);
	EXPECT_TEXTS("");
	t = clk;
	mlog("status: local 0/10 remote 0/20");
	lt_drain(&T);
	assert_int_equal(T.n, 1);
	assert_int_equal(T.ts[0], t);
	EXPECT_TEXTS("status: local 0/10 remote 0/20");
}

static void
test_once(void **state)
{
	struct logsrc_conf c;
	struct logsrc_stats st;
	char s[26];

	(void)state;
	mlog("a1");
	mlog("a2");
	rotate("s");
	clk += 50000;		/* the rest is recent */
	mlog("b1");
	rotate("s");
	mlog("c1");
	stamp(s);
	lt_puts(&T, "current", s);
	lt_puts(&T, "current", " c2 cut by a crash");
	rotate("u");
	mlog("d1");
	mlog("d2");
	lt_puts(&T, "lock", "");
	lt_puts(&T, "state", "");
	ml_conf(&c);
	c.once = true;
	lt_open(&T, NULL, &c);
	assert_int_equal(lt_drain(&T), LOGSRC_DONE);
	EXPECT_TEXTS("a1,a2,b1,c1,c2 cut by a crash,d1,d2");
	lt_stats(&T, &st);
	assert_int_equal(st.unterminated, 1);
	assert_int_equal(st.no_header, 0);
	/* since: a file rotated before the cutoff holds only older lines */
	logsrc_close(T.src);
	T.src = NULL;
	c.since = 60000;
	lt_open(&T, NULL, &c);
	assert_int_equal(lt_drain(&T), LOGSRC_DONE);
	EXPECT_TEXTS("b1,c1,c2 cut by a crash,d1,d2");
}

static void
test_rotations_between_rounds(void **state)
{
	struct logsrc_conf c;
	struct logsrc_stats st;

	(void)state;
	ml_conf(&c);
	lt_open(&T, NULL, &c);
	mlog("x1");
	lt_drain(&T);
	EXPECT_TEXTS("x1");
	mlog("x2");
	rotate("s");
	mlog("y1");
	mlog("y2");
	rotate("s");
	mlog("z1");
	lt_drain(&T);
	EXPECT_TEXTS("x2,y1,y2,z1");
	mlog("z2");
	lt_drain(&T);
	EXPECT_TEXTS("z2");
	/* rotated, and no current yet (between rename and create) */
	mlog("z3");
	assert_int_equal(rename(lt_path(&T, "current"),
	    lt_path(&T, "@400000006b0d79131230da4c.s")), 0);
	lt_drain(&T);
	EXPECT_TEXTS("z3");
	assert_null(logsrc_error(T.src));
	lt_puts(&T, "current", "");
	mlog("w1");
	lt_drain(&T);
	EXPECT_TEXTS("w1");
	lt_stats(&T, &st);
	assert_int_equal(st.rotations, 3);
}

static void
test_restart(void **state)
{
	struct logsrc_conf c;
	char *sf = xstrdup(lt_path(&T, "mh-state"));

	(void)state;
	mlog("before");
	rotate("s");
	ml_conf(&c);
	c.state_file = sf;
	lt_open(&T, NULL, &c);
	mlog("r1");
	lt_drain(&T);
	EXPECT_TEXTS("r1");
	assert_int_equal(logsrc_save(T.src), 0);
	logsrc_close(T.src);
	T.src = NULL;
	/* while stopped: more lines, two rotations */
	mlog("r2");
	rotate("s");
	mlog("s1");
	rotate("s");
	mlog("t1");
	lt_open(&T, NULL, &c);
	assert_null(logsrc_error(T.src));
	lt_drain(&T);
	EXPECT_TEXTS("r2,s1,t1");
	/* stopped in the middle of a rotated file: resumed there */
	mlog("t2");
	rotate("s");
	mlog("u1");
	rotate("s");
	mlog("v1");
	assert_int_equal(lt_read(&T, 2), LOGSRC_MORE);
	EXPECT_TEXTS("t2,u1");
	assert_int_equal(logsrc_save(T.src), 0);
	logsrc_close(T.src);
	T.src = NULL;
	lt_open(&T, NULL, &c);
	lt_drain(&T);
	EXPECT_TEXTS("v1");
	unlink(sf);
	free(sf);
}

static void
test_restart_file_deleted(void **state)
{
	struct logsrc_conf c;
	char *sf = xstrdup(lt_path(&T, "mh-state")), *cmd;

	(void)state;
	mlog("old");
	rotate("s");
	ml_conf(&c);
	c.state_file = sf;
	lt_open(&T, NULL, &c);
	mlog("k1");
	lt_drain(&T);
	EXPECT_TEXTS("k1");
	assert_int_equal(logsrc_save(T.src), 0);
	logsrc_close(T.src);
	T.src = NULL;
	/* the file we read is rotated and deleted by multilog's n limit
	 * before we come back: its unread line is gone, the older file
	 * is not read again, the newer ones are */
	mlog("k2 lost");
	rotate("s");
	cmd = xasprintf("cd '%s' && rm \"$(ls @*.s | sort | tail -1)\"",
	    T.dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	mlog("m1");
	rotate("s");
	mlog("n1");
	lt_open(&T, NULL, &c);
	lt_drain(&T);
	EXPECT_TEXTS("m1,n1");
	unlink(sf);
	free(sf);
}

/* the moments inside one rotation, seen by a round each */
static void
test_rotation_steps(void **state)
{
	struct logsrc_conf c;

	(void)state;
	ml_conf(&c);
	lt_open(&T, NULL, &c);
	mlog("a1");
	lt_drain(&T);
	EXPECT_TEXTS("a1");
	/* renamed to previous, new current started, not linked yet */
	mlog("a2");
	rotate_to(ROT_PREV);
	mlog("b1");
	lt_drain(&T);
	EXPECT_TEXTS("a2,b1");
	/* linked: two names, one file we read already */
	rotate_finish(ROT_PREV);
	mlog("b2");
	lt_drain(&T);
	EXPECT_TEXTS("b2");
	/* a file we never saw as current, caught as previous */
	mlog("b3");
	rotate_to(ROT_DONE);
	mlog("c1");
	rotate_to(ROT_PREV);
	mlog("d1");
	lt_drain(&T);
	EXPECT_TEXTS("b3,c1,d1");
	/* and caught at both names */
	rotate_finish(ROT_PREV);
	mlog("d2");
	rotate_to(ROT_LINKED);
	mlog("e1");
	lt_drain(&T);
	EXPECT_TEXTS("d2,e1");
	rotate_finish(ROT_LINKED);
	lt_drain(&T);
	EXPECT_TEXTS("");
}

/* multilog with a processor (!cmd): the @ file is its output, a new
 * file made from previous, which is then removed; not read again */
static void
test_processor(void **state)
{
	struct logsrc_conf c;
	char s[26], *cmd;

	(void)state;
	ml_conf(&c);
	lt_open(&T, NULL, &c);
	mlog("p1");
	lt_drain(&T);
	EXPECT_TEXTS("p1");
	mlog("p2");
	rotate_to(ROT_PREV);
	mlog("q1");
	lt_drain(&T);
	EXPECT_TEXTS("p2,q1");
	stamp(s);
	cmd = xasprintf("cd '%s' && tr a-z A-Z <previous >processed && "
	    "chmod 744 processed && rm previous && ln processed %s.s && "
	    "rm processed", T.dir, s);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	mlog("q2");
	lt_drain(&T);
	EXPECT_TEXTS("q2");
	/* and the next rotation, plain, is followed as usual */
	rotate_to(ROT_DONE);
	mlog("r1");
	lt_drain(&T);
	EXPECT_TEXTS("r1");
}

/* stopped while previous, already read, waits for its @ name */
static void
test_restart_previous(void **state)
{
	struct logsrc_conf c;
	char *sf = xstrdup(lt_path(&T, "mh-state"));

	(void)state;
	ml_conf(&c);
	c.state_file = sf;
	lt_open(&T, NULL, &c);
	mlog("v1");
	rotate_to(ROT_PREV);
	mlog("w1");
	lt_drain(&T);
	EXPECT_TEXTS("v1,w1");
	assert_int_equal(logsrc_save(T.src), 0);
	logsrc_close(T.src);
	T.src = NULL;
	rotate_finish(ROT_PREV);
	mlog("w2");
	lt_open(&T, NULL, &c);
	lt_drain(&T);
	EXPECT_TEXTS("w2");
	free(sf);
}

static void
test_missing_dir(void **state)
{
	struct logsrc_conf c;

	(void)state;
	ml_conf(&c);
	lt_open(&T, "nonexistent", &c);
	assert_non_null(logsrc_error(T.src));
	assert_non_null(strstr(logsrc_error(T.src), "nonexistent"));
	assert_int_equal(lt_drain(&T), LOGSRC_IDLE);
	assert_int_equal(lt_drain(&T), LOGSRC_ERROR);
	assert_non_null(strstr(logsrc_error(T.src), "nonexistent/current"));
}

int
main(void)
{
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T_(test_follow_from_end),
		T_(test_once),
		T_(test_rotations_between_rounds),
		T_(test_restart),
		T_(test_restart_file_deleted),
		T_(test_rotation_steps),
		T_(test_processor),
		T_(test_restart_previous),
		T_(test_missing_dir),
	};

	log_init("test_logsrc_multilog", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
