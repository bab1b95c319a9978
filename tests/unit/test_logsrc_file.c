/*
 * test_logsrc_file.c: the plain-file source (agent/logs/logsrc_file.c
 * and logfollow.c) against everything that happens to a log file, done
 * from the test itself: rename and create, a writer still appending to
 * the renamed file, copytruncate (with the copy found, with the file
 * regrown past our offset before we look, without any copy), removal
 * and re-creation, a partial last line, a line longer than the limit,
 * binary bytes, the budget, a restart with a state file (also across a
 * rotation or a truncation while stopped), a damaged state file, and
 * replay with since. Every case checks the exact lines delivered: each
 * once, in order, nothing else.
 */
#include "config.h"

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

static int
setup(void **state)
{
	(void)state;
	lt_setup(&T);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	lt_teardown(&T);
	return 0;
}

static void
follow(struct logsrc_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = LOGSRC_FILE;
}

static void
sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		print_error("'%s' failed\n", cmd);
	assert_int_equal(rc, 0);
	free(cmd);
}

static void
test_start_at_end(void **state)
{
	struct logsrc_conf c;

	(void)state;
	lt_puts(&T, "mail.log", "old 1\nold 2\nhalf");
	follow(&c);
	lt_open(&T, "mail.log", &c);
	assert_null(logsrc_error(T.src));
	assert_int_equal(lt_drain(&T), LOGSRC_IDLE);
	LT_NONE(&T);
	/* the partial line being written when we started is read whole */
	lt_puts(&T, "mail.log", " done\nnew 1\n");
	assert_int_equal(lt_drain(&T), LOGSRC_IDLE);
	LT_EXPECT(&T, "half done", "new 1");
}

static void
test_from_start_and_partial(void **state)
{
	struct logsrc_conf c;

	(void)state;
	lt_puts(&T, "mail.log", "a\nb\n");
	follow(&c);
	c.from_start = true;
	lt_open(&T, "mail.log", &c);
	lt_drain(&T);
	LT_EXPECT(&T, "a", "b");
	/* a line arrives in three writes across three rounds */
	lt_puts(&T, "mail.log", "Nov 30 13:14:00 h post");
	lt_drain(&T);
	LT_NONE(&T);
	lt_puts(&T, "mail.log", "fix/smtpd[1]: con");
	lt_drain(&T);
	LT_NONE(&T);
	lt_puts(&T, "mail.log", "nect\n\nc\n");
	lt_drain(&T);
	LT_EXPECT(&T, "Nov 30 13:14:00 h postfix/smtpd[1]: connect", "", "c");
}

static void
test_rename_create(void **state)
{
	struct logsrc_conf c;
	struct logsrc_stats st;

	(void)state;
	lt_puts(&T, "mail.log", "");
	follow(&c);
	lt_open(&T, "mail.log", &c);
	lt_puts(&T, "mail.log", "1\n2\n");
	lt_drain(&T);
	LT_EXPECT(&T, "1", "2");
	/* logrotate renames; the writer has not reopened yet */
	lt_puts(&T, "mail.log", "3\n");
	assert_int_equal(rename(lt_path(&T, "mail.log"),
	    lt_path(&T, "mail.log.1")), 0);
	lt_puts(&T, "mail.log.1", "4\npart");
	lt_puts(&T, "mail.log", "new 1\n");
	lt_drain(&T);
	LT_EXPECT(&T, "3", "4", "new 1");
	/* the writer finishes its line in the old file, then reopens */
	lt_puts(&T, "mail.log.1", "ial\n");
	lt_puts(&T, "mail.log", "new 2\n");
	lt_drain(&T);
	LT_EXPECT(&T, "partial", "new 2");
	/* then the rotated file is compressed (removed): nothing read
	 * twice, nothing more */
	sh("gzip '%s'", lt_path(&T, "mail.log.1"));
	lt_drain(&T);
	LT_NONE(&T);
	lt_stats(&T, &st);
	assert_int_equal(st.rotations, 1);
	assert_int_equal(st.lines, 7);
	assert_int_equal(st.unterminated, 0);
}

static void
test_rename_twice_in_a_round(void **state)
{
	struct logsrc_conf c;

	(void)state;
	lt_puts(&T, "mail.log", "");
	follow(&c);
	lt_open(&T, "mail.log", &c);
	lt_puts(&T, "mail.log", "a\n");
	sh("mv '%s' '%s.1'", lt_path(&T, "mail.log"), lt_path(&T, "mail.log"));
	lt_puts(&T, "mail.log", "b\n");
	lt_drain(&T);
	LT_EXPECT(&T, "a", "b");
	lt_puts(&T, "mail.log", "c\n");
	sh("mv '%s.1' '%s.2'", lt_path(&T, "mail.log"), lt_path(&T, "mail.log"));
	sh("mv '%s' '%s.1'", lt_path(&T, "mail.log"), lt_path(&T, "mail.log"));
	lt_puts(&T, "mail.log", "d\n");
	lt_drain(&T);
	LT_EXPECT(&T, "c", "d");
}

static void
test_copytruncate(void **state)
{
	struct logsrc_conf c;
	struct logsrc_stats st;
	char big[4096];
	int i;

	(void)state;
	lt_puts(&T, "mail.log", "");
	follow(&c);
	lt_open(&T, "mail.log", &c);
	lt_puts(&T, "mail.log", "1\n2\n");
	lt_drain(&T);
	LT_EXPECT(&T, "1", "2");
	/* written before the copy, not read yet: found in the copy */
	lt_puts(&T, "mail.log", "3\n4\n");
	sh("cp '%s' '%s.1' && : > '%s'", lt_path(&T, "mail.log"),
	    lt_path(&T, "mail.log"), lt_path(&T, "mail.log"));
	lt_puts(&T, "mail.log", "5\n");
	lt_drain(&T);
	LT_EXPECT(&T, "3", "4", "5");
	/* again, and the file grows past our offset before we look */
	lt_puts(&T, "mail.log", "6\n");
	sh("rm '%s.1' && cp '%s' '%s.1' && : > '%s'", lt_path(&T, "mail.log"),
	    lt_path(&T, "mail.log"), lt_path(&T, "mail.log"),
	    lt_path(&T, "mail.log"));
	for (i = 0; i < 20; i++) {
		snprintf(big, sizeof(big), "regrown %02d\n", i);
		lt_puts(&T, "mail.log", big);
	}
	lt_drain(&T);
	assert_int_equal(T.n, 21);
	assert_string_equal(T.lines[0], "6");
	assert_string_equal(T.lines[1], "regrown 00");
	assert_string_equal(T.lines[20], "regrown 19");
	lt_clear(&T);
	/* a compressed copy is not read: what we had not read is lost
	 * and counted as such; reading goes on from the new start */
	lt_puts(&T, "mail.log", "lost\n");
	sh("rm '%s.1' && cp '%s' '%s.1' && gzip '%s.1' && : > '%s'",
	    lt_path(&T, "mail.log"), lt_path(&T, "mail.log"),
	    lt_path(&T, "mail.log"), lt_path(&T, "mail.log"),
	    lt_path(&T, "mail.log"));
	lt_puts(&T, "mail.log", "after\n");
	lt_drain(&T);
	LT_EXPECT(&T, "after");
	/* we read past what logrotate copied before it truncated: the
	 * copy is shorter than our offset, nothing is missing */
	sh("rm '%s.1.gz' && cp '%s' '%s.1'", lt_path(&T, "mail.log"),
	    lt_path(&T, "mail.log"), lt_path(&T, "mail.log"));
	lt_puts(&T, "mail.log", "in no file\n");
	lt_drain(&T);
	LT_EXPECT(&T, "in no file");
	sh(": > '%s'", lt_path(&T, "mail.log"));
	lt_puts(&T, "mail.log", "next\n");
	lt_drain(&T);
	LT_EXPECT(&T, "next");
	lt_stats(&T, &st);
	assert_int_equal(st.truncations, 4);
	assert_int_equal(st.copy_missed, 1);
}

static void
test_remove_recreate(void **state)
{
	struct logsrc_conf c;
	struct logsrc_stats st;

	(void)state;
	lt_puts(&T, "mail.log", "");
	follow(&c);
	lt_open(&T, "mail.log", &c);
	lt_puts(&T, "mail.log", "a\n");
	assert_int_equal(unlink(lt_path(&T, "mail.log")), 0);
	lt_drain(&T);
	LT_EXPECT(&T, "a");
	assert_null(logsrc_error(T.src));
	/* still missing a round later: now it is worth saying */
	lt_drain(&T);
	assert_non_null(logsrc_error(T.src));
	assert_non_null(strstr(logsrc_error(T.src), lt_path(&T, "mail.log")));
	assert_non_null(strstr(logsrc_error(T.src), "No such file"));
	lt_puts(&T, "mail.log", "b\n");
	lt_drain(&T);
	LT_EXPECT(&T, "b");
	assert_null(logsrc_error(T.src));
	lt_stats(&T, &st);
	assert_int_equal(st.rotations, 1);
}

static void
test_missing_then_created(void **state)
{
	struct logsrc_conf c;

	(void)state;
	follow(&c);
	lt_open(&T, "mail.log", &c);
	assert_non_null(logsrc_error(T.src));
	assert_int_equal(lt_drain(&T), LOGSRC_ERROR);
	assert_non_null(strstr(logsrc_error(T.src), "mail.log: No such file"));
	/* created after we started: all of it is new */
	lt_puts(&T, "mail.log", "first\n");
	assert_int_equal(lt_drain(&T), LOGSRC_IDLE);
	LT_EXPECT(&T, "first");
	assert_null(logsrc_error(T.src));
	/* a directory is not a log file */
	logsrc_close(T.src);
	T.src = NULL;
	assert_int_equal(mkdir(lt_path(&T, "dir.log"), 0755), 0);
	follow(&c);
	lt_open(&T, "dir.log", &c);
	assert_int_equal(lt_drain(&T), LOGSRC_ERROR);
	assert_non_null(strstr(logsrc_error(T.src), "dir.log"));
}

static void
test_long_line(void **state)
{
	struct logsrc_conf c;
	struct logsrc_stats st;
	size_t n = 200000, i;
	char *big = xmalloc(n + 1);

	(void)state;
	for (i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = '\n';
	lt_puts(&T, "mail.log", "");
	follow(&c);
	lt_open(&T, "mail.log", &c);
	/* in one piece */
	lt_append(&T, "mail.log", big, n + 1);
	lt_puts(&T, "mail.log", "short\n");
	lt_drain(&T);
	assert_int_equal(T.n, 2);
	assert_int_equal(strlen(T.lines[0]), LOGSRC_MAX_LINE);
	assert_memory_equal(T.lines[0], big, LOGSRC_MAX_LINE);
	assert_string_equal(T.lines[1], "short");
	lt_clear(&T);
	/* written across rounds: still cut once, still in sync */
	lt_append(&T, "mail.log", big, 100000);
	lt_drain(&T);
	LT_NONE(&T);
	lt_append(&T, "mail.log", big + 100000, 50000);
	lt_drain(&T);
	LT_NONE(&T);
	lt_append(&T, "mail.log", big + 150000, n + 1 - 150000);
	lt_puts(&T, "mail.log", "next\n");
	lt_drain(&T);
	assert_int_equal(T.n, 2);
	assert_int_equal(strlen(T.lines[0]), LOGSRC_MAX_LINE);
	assert_memory_equal(T.lines[0], big, LOGSRC_MAX_LINE);
	assert_string_equal(T.lines[1], "next");
	lt_clear(&T);
	/* exactly at the limit is not cut */
	lt_append(&T, "mail.log", big, LOGSRC_MAX_LINE);
	lt_puts(&T, "mail.log", "\n");
	lt_drain(&T);
	assert_int_equal(T.n, 1);
	assert_int_equal(strlen(T.lines[0]), LOGSRC_MAX_LINE);
	lt_clear(&T);
	lt_stats(&T, &st);
	assert_int_equal(st.long_lines, 2);
	assert_int_equal(st.lines, 5);
	assert_int_equal(st.bytes, 2 * (n + 1) + 6 + 5 + LOGSRC_MAX_LINE + 1);
	free(big);
}

static void
test_binary(void **state)
{
	static const char junk[] = "\x01\x02\xff\xfe\r\x7f binary\x00inside\n"
	    "\x00\x00\x00" "after a hole\n\x00\x00\n";
	struct logsrc_conf c;
	struct logsrc_stats st;

	(void)state;
	lt_puts(&T, "mail.log", "");
	follow(&c);
	lt_open(&T, "mail.log", &c);
	lt_append(&T, "mail.log", junk, sizeof(junk) - 1);
	lt_puts(&T, "mail.log", "Nov 30 13:14:00 h p[1]: fine\n");
	lt_drain(&T);
	/* lines keep their bytes (the recorder stops at a NUL); a run of
	 * NULs before a line is a truncation hole and goes */
	assert_int_equal(T.n, 3);
	assert_memory_equal(T.lines[0], "\x01\x02\xff\xfe\r\x7f binary", 13);
	assert_string_equal(T.lines[1], "after a hole");
	assert_string_equal(T.lines[2], "Nov 30 13:14:00 h p[1]: fine");
	lt_clear(&T);
	lt_stats(&T, &st);
	assert_int_equal(st.bytes, sizeof(junk) - 1 + 29);
	assert_int_equal(st.no_header, 2);
}

static void
test_budget(void **state)
{
	const struct logsrc_budget b12 = { 0, 12 };
	struct logsrc_conf c;
	int i;

	(void)state;
	lt_puts(&T, "mail.log", "");
	follow(&c);
	lt_open(&T, "mail.log", &c);
	for (i = 0; i < 10; i++)
		lt_puts(&T, "mail.log", "line\n");
	assert_int_equal(lt_read(&T, 4), LOGSRC_MORE);
	assert_int_equal(T.n, 4);
	assert_int_equal(lt_read(&T, 4), LOGSRC_MORE);
	assert_int_equal(T.n, 8);
	assert_int_equal(lt_read(&T, 4), LOGSRC_IDLE);
	assert_int_equal(T.n, 10);
	lt_clear(&T);
	/* bytes: 12 are spent by the third line of 5, never in a line */
	for (i = 0; i < 4; i++)
		lt_puts(&T, "mail.log", "line\n");
	assert_int_equal(logsrc_read(T.src, lt_record, &T, &b12), LOGSRC_MORE);
	assert_int_equal(T.n, 3);
	assert_int_equal(logsrc_read(T.src, lt_record, &T, &b12), LOGSRC_IDLE);
	assert_int_equal(T.n, 4);
	lt_clear(&T);
}

static void
test_restart(void **state)
{
	struct logsrc_conf c;
	char *sf = xstrdup(lt_path(&T, "state"));
	struct logsrc_stats st;

	(void)state;
	lt_puts(&T, "mail.log", "old\n");
	follow(&c);
	c.state_file = sf;
	lt_open(&T, "mail.log", &c);
	lt_puts(&T, "mail.log", "1\n2\npart");
	lt_drain(&T);
	LT_EXPECT(&T, "1", "2");
	assert_int_equal(logsrc_save(T.src), 0);
	/* stopped; lines arrive meanwhile */
	logsrc_close(T.src);
	T.src = NULL;
	lt_puts(&T, "mail.log", "ial\n3\n");
	lt_open(&T, "mail.log", &c);
	assert_null(logsrc_error(T.src));
	lt_drain(&T);
	LT_EXPECT(&T, "partial", "3");
	assert_int_equal(logsrc_save(T.src), 0);

	/* rotated (rename + create) while stopped, and the writer put a
	 * last line into the renamed file */
	logsrc_close(T.src);
	T.src = NULL;
	lt_puts(&T, "mail.log", "4\n");
	sh("mv '%s' '%s.1'", lt_path(&T, "mail.log"), lt_path(&T, "mail.log"));
	lt_puts(&T, "mail.log.1", "5\n");
	lt_puts(&T, "mail.log", "new 1\n");
	lt_open(&T, "mail.log", &c);
	lt_drain(&T);
	LT_EXPECT(&T, "4", "5", "new 1");
	lt_stats(&T, &st);
	assert_int_equal(st.rotations, 1);
	assert_int_equal(logsrc_save(T.src), 0);

	/* copytruncate while stopped */
	logsrc_close(T.src);
	T.src = NULL;
	lt_puts(&T, "mail.log", "6\n");
	sh("rm -f '%s.1' && cp '%s' '%s.1' && : > '%s'",
	    lt_path(&T, "mail.log"), lt_path(&T, "mail.log"),
	    lt_path(&T, "mail.log"), lt_path(&T, "mail.log"));
	lt_puts(&T, "mail.log", "7\n");
	lt_open(&T, "mail.log", &c);
	lt_drain(&T);
	LT_EXPECT(&T, "6", "7");
	assert_int_equal(logsrc_save(T.src), 0);

	/* the file replaced in place by one of the same size (same inode,
	 * other bytes): not resumed in the middle of someone else's line */
	logsrc_close(T.src);
	T.src = NULL;
	sh("printf 'X\\nY\\n' > '%s'", lt_path(&T, "mail.log"));
	lt_open(&T, "mail.log", &c);
	lt_drain(&T);
	LT_EXPECT(&T, "X", "Y");

	/* a state for another file is not used */
	assert_int_equal(logsrc_save(T.src), 0);
	logsrc_close(T.src);
	T.src = NULL;
	lt_puts(&T, "other.log", "o1\n");
	follow(&c);
	c.state_file = sf;
	lt_open(&T, "other.log", &c);
	lt_drain(&T);
	LT_NONE(&T);
	lt_puts(&T, "other.log", "o2\n");
	lt_drain(&T);
	LT_EXPECT(&T, "o2");
	free(sf);
}

static void
damage(const char *sf, const char *how)
{
	sh("%s '%s'", how, sf);
}

static void
test_damaged_state(void **state)
{
	static const char *const hows[] = {
		"truncate -s 30",			/* cut short */
		"sed -i 's/^off .*/off 1/'",		/* edited */
		"sed -i '1s/.*/mailhealth-logstate 9/'",
		"printf '\\000\\001garbage' >",
		": >",
	};
	struct logsrc_conf c;
	char *sf = xstrdup(lt_path(&T, "state"));
	size_t i;

	(void)state;
	for (i = 0; i < MH_ARRAY_SIZE(hows); i++) {
		lt_puts(&T, "mail.log", "a\n");
		follow(&c);
		c.state_file = sf;
		lt_open(&T, "mail.log", &c);
		lt_drain(&T);
		assert_int_equal(logsrc_save(T.src), 0);
		logsrc_close(T.src);
		T.src = NULL;
		lt_clear(&T);

		lt_puts(&T, "mail.log", "written while stopped\n");
		damage(sf, hows[i]);
		lt_open(&T, "mail.log", &c);
		/* the error names the file and says what we do */
		assert_non_null(logsrc_error(T.src));
		assert_non_null(strstr(logsrc_error(T.src), sf));
		assert_non_null(strstr(logsrc_error(T.src),
		    "reading from the end"));
		lt_drain(&T);
		LT_NONE(&T);
		assert_non_null(logsrc_error(T.src));
		lt_puts(&T, "mail.log", "b\n");
		lt_drain(&T);
		LT_EXPECT(&T, "b");
		/* a good save mends it */
		assert_int_equal(logsrc_save(T.src), 0);
		assert_null(logsrc_error(T.src));
		logsrc_close(T.src);
		T.src = NULL;
		lt_open(&T, "mail.log", &c);
		assert_null(logsrc_error(T.src));
		logsrc_close(T.src);
		T.src = NULL;
		unlink(sf);
	}
	/* a state file that cannot be written: an error, reading goes on */
	follow(&c);
	c.state_file = "/nonexistent-dir/state";
	lt_open(&T, "mail.log", &c);
	assert_int_equal(logsrc_save(T.src), -1);
	assert_non_null(strstr(logsrc_error(T.src), "/nonexistent-dir/state"));
	lt_puts(&T, "mail.log", "c\n");
	lt_drain(&T);
	LT_EXPECT(&T, "c");
	free(sf);
}

static void
test_once_since(void **state)
{
	struct logsrc_conf c;
	struct logsrc_stats st;
	char line[128];
	struct tm tm;
	time_t now = time(NULL), t;
	int i;

	(void)state;
	/* lines 10, 8, ... 0 hours old, RFC 3339 in UTC */
	for (i = 10; i >= 0; i -= 2) {
		t = now - i * 3600;
		gmtime_r(&t, &tm);
		strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ h p[1]: ", &tm);
		snprintf(line + strlen(line), 20, "age %d\n", i);
		lt_puts(&T, "mail.log", line);
	}
	lt_puts(&T, "mail.log", "no stamp\nlast, unterminated");
	memset(&c, 0, sizeof(c));
	c.kind = LOGSRC_FILE;
	c.once = true;
	c.since = 5 * 3600;
	lt_open(&T, "mail.log", &c);
	assert_int_equal(lt_drain(&T), LOGSRC_DONE);
	assert_int_equal(T.n, 5);
	assert_non_null(strstr(T.lines[0], "age 4"));
	assert_non_null(strstr(T.lines[2], "age 0"));
	assert_string_equal(T.lines[3], "no stamp");
	assert_string_equal(T.lines[4], "last, unterminated");
	lt_clear(&T);
	lt_stats(&T, &st);
	assert_int_equal(st.skipped, 3);
	assert_int_equal(st.unterminated, 1);
	/* once, without since: all of it, and it stays done */
	logsrc_close(T.src);
	T.src = NULL;
	c.since = 0;
	lt_open(&T, "mail.log", &c);
	assert_int_equal(lt_drain(&T), LOGSRC_DONE);
	assert_int_equal(T.n, 8);
	lt_clear(&T);
	assert_int_equal(lt_drain(&T), LOGSRC_DONE);
	LT_NONE(&T);
	/* once on a missing file: an error */
	logsrc_close(T.src);
	T.src = NULL;
	lt_open(&T, "missing.log", &c);
	assert_int_equal(lt_drain(&T), LOGSRC_ERROR);
	assert_non_null(strstr(logsrc_error(T.src), "missing.log"));
}

static void
test_conf_errors(void **state)
{
	struct logsrc_conf c;
	struct logsrc *src;
	char *why = NULL;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.name = "mail";
	c.kind = LOGSRC_FILE;
	src = logsrc_open(&c, &why);
	assert_null(src);
	assert_string_equal(why, "log mail: no path");
	free(why);
	c.kind = (enum logsrc_kind)99;
	c.path = "/x";
	assert_null(logsrc_open(&c, &why));
	assert_non_null(strstr(why, "unknown kind"));
	free(why);
	if (!logsrc_have_journal()) {
		c.kind = LOGSRC_JOURNAL;
		assert_null(logsrc_open(&c, &why));
		assert_non_null(strstr(why, "without journal support"));
		free(why);
	}
}

int
main(void)
{
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T_(test_start_at_end),
		T_(test_from_start_and_partial),
		T_(test_rename_create),
		T_(test_rename_twice_in_a_round),
		T_(test_copytruncate),
		T_(test_remove_recreate),
		T_(test_missing_then_created),
		T_(test_long_line),
		T_(test_binary),
		T_(test_budget),
		T_(test_restart),
		T_(test_damaged_state),
		T_(test_once_since),
		T_(test_conf_errors),
	};

	log_init("test_logsrc_file", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
