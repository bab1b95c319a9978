/*
 * test_pf_record.c: the Postfix record parser, pf_qfile_parse(): files
 * built record by record as cleanup(8) writes them (pfq.c), real files
 * from a Postfix 3.7 instance (the fuzz seed corpus), and every kind of
 * damage: truncation at every offset, random bytes, bit flips, absurd
 * lengths, pointer loops. The reader itself: test_queue_postfix.c.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue/queue.h"
#include "qtest.h"
#include "pfq.h"

#define T0 1700000000L

/* ------------------------------------------------------------------ */
/* helpers */

static unsigned char *
build(const struct pfq_msg *m, size_t *len)
{
	return pfq_build(m, len);
}

static void
assert_rcpts(const struct pf_qfile *q, const char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(q->nrcpt, n);
	for (i = 0; i < n; i++)
		assert_string_equal(q->rcpt[i], want[i]);
}

static const struct pfq_rcpt two[] = {
	{ "bob@remote.example", 'R' }, { "carol@Remote2.Example", 'R' },
};

/* ------------------------------------------------------------------ */
/* pf_qfile_parse */

static void
parse_basic(void **state)
{
	struct pfq_msg m = { .sender = "alice@example.org", .arrival = T0,
	    .usec = 870469, .rcpt = two, .nrcpt = 2 };
	const char *want[] = { "bob@remote.example", "carol@Remote2.Example" };
	struct pf_qfile q;
	const char *why = "unset";
	size_t len;
	unsigned char *b = build(&m, &len);

	(void)state;
	assert_int_equal(pf_qfile_parse(b, len, &q, &why), 0);
	assert_null(why);
	assert_true(q.complete);
	assert_int_equal(q.arrival, T0);
	/* default body: 4 N records of 53+13+0+5 bytes plus headers */
	assert_int_equal(q.size, (2 + 53) + (2 + 13) + (2 + 0) + (2 + 5));
	assert_string_equal(q.sender, "alice@example.org");
	assert_rcpts(&q, want, 2);
	pf_qfile_clear(&q);
	assert_null(q.sender);
	free(b);
}

static void
parse_time_without_usec(void **state)
{
	struct pfq_msg m = { .sender = "a@b.example", .arrival = T0 + 5,
	    .usec = -1, .rcpt = two, .nrcpt = 1 };
	struct pf_qfile q;
	size_t len;
	unsigned char *b = build(&m, &len);

	(void)state;
	assert_int_equal(pf_qfile_parse(b, len, &q, NULL), 0);
	assert_int_equal(q.arrival, T0 + 5);
	pf_qfile_clear(&q);
	free(b);
}

static void
parse_null_sender(void **state)
{
	struct pfq_msg m = { .sender = "", .arrival = T0, .rcpt = two,
	    .nrcpt = 1 };
	struct pf_qfile q;
	size_t len;
	unsigned char *b = build(&m, &len);

	(void)state;
	assert_int_equal(pf_qfile_parse(b, len, &q, NULL), 0);
	assert_non_null(q.sender);
	assert_string_equal(q.sender, "");
	assert_int_equal(q.nrcpt, 1);
	pf_qfile_clear(&q);
	free(b);
}

/* 300 recipients, every third delivered (D), every seventh cancelled
 * ('/'): only R records are pending, in file order. */
static void
parse_many_some_done(void **state)
{
	struct pfq_rcpt r[300];
	char addr[300][40];
	struct pfq_msg m = { .sender = "list@example.org", .arrival = T0,
	    .rcpt = r, .nrcpt = 300 };
	struct pf_qfile q;
	size_t i, n = 0, len;
	unsigned char *b;

	(void)state;
	for (i = 0; i < 300; i++) {
		snprintf(addr[i], sizeof(addr[i]), "user%zu@d%zu.example", i,
		    i % 5);
		r[i].addr = addr[i];
		r[i].type = i % 3 == 0 ? 'D' : i % 7 == 0 ? '/' : 'R';
	}
	b = build(&m, &len);
	assert_true(len > 16384);	/* beyond the reader's first read */
	assert_int_equal(pf_qfile_parse(b, len, &q, NULL), 0);
	for (i = 0; i < 300; i++)
		if (r[i].type == 'R') {
			assert_true(n < q.nrcpt);
			assert_string_equal(q.rcpt[n], addr[i]);
			n++;
		}
	assert_int_equal(q.nrcpt, n);
	assert_int_equal(n, 300 - 100 - 28);
	pf_qfile_clear(&q);
	free(b);
}

/* Recipients a milter appended (after E, through p records) and ones
 * extracted from headers (after X) count like the others. */
static void
parse_pointer_and_extracted(void **state)
{
	static const struct pfq_rcpt r[] = {
		{ "env1@a.example", 'R' }, { "env2@a.example", 'D' },
		{ "app1@b.example", 'R' }, { "app2@b.example", '/' },
		{ "app3@b.example", 'R' },
		{ "ext1@c.example", 'R' }, { "ext2@c.example", 'R' },
	};
	const char *want[] = { "env1@a.example", "ext1@c.example",
	    "ext2@c.example", "app1@b.example", "app3@b.example" };
	struct pfq_msg m = { .sender = "s@example.org", .arrival = T0,
	    .rcpt = r, .nrcpt = 7, .nappend = 3, .nextract = 2 };
	struct pf_qfile q;
	size_t len;
	unsigned char *b = build(&m, &len);

	(void)state;
	assert_int_equal(pf_qfile_parse(b, len, &q, NULL), 0);
	/* order: envelope, then the slot jumps to the appended chunk,
	 * which returns before M; after the content comes X */
	{
		const char *order[] = { want[0], want[3], want[4], want[1],
		    want[2] };

		assert_rcpts(&q, order, 5);
	}
	pf_qfile_clear(&q);
	free(b);
}

/* A record longer than 127 bytes has a multi-byte length; a content
 * line of 20000 bytes is skipped by the C record's size. */
static void
parse_long_records(void **state)
{
	char addr[400], *body;
	struct pfq_rcpt r[1];
	struct pfq_msg m = { .arrival = T0, .rcpt = r, .nrcpt = 1 };
	struct pf_qfile q;
	size_t len;
	unsigned char *b;

	(void)state;
	memset(addr, 'x', 300);
	strcpy(addr + 300, "@long.example");
	r[0].addr = addr;
	r[0].type = 'R';
	m.sender = addr;
	body = malloc(20002);
	assert_non_null(body);
	memset(body, 'N', 20000);
	strcpy(body + 20000, "\n");
	m.body = body;
	b = build(&m, &len);
	assert_int_equal(pf_qfile_parse(b, len, &q, NULL), 0);
	assert_string_equal(q.sender, addr);
	assert_int_equal(q.nrcpt, 1);
	assert_string_equal(q.rcpt[0], addr);
	assert_int_equal(q.size, 20000 + 1 + 3);	/* type, 3 len bytes */
	pf_qfile_clear(&q);
	free(b);
	free(body);
}

/* Without a C record (maildrop) the content is walked record by record,
 * with the same result. */
static void
parse_no_size_record(void **state)
{
	struct pfq_msg m = { .sender = "u@example.org", .arrival = T0,
	    .rcpt = two, .nrcpt = 2, .no_size = true };
	struct pf_qfile q;
	size_t len;
	unsigned char *b = build(&m, &len);

	(void)state;
	assert_int_equal(pf_qfile_parse(b, len, &q, NULL), 0);
	assert_int_equal(q.size, 0);
	assert_int_equal(q.nrcpt, 2);
	pf_qfile_clear(&q);
	free(b);
}

/* Every proper prefix of a valid file fails cleanly with a reason. */
static void
parse_truncated_everywhere(void **state)
{
	static const struct pfq_rcpt r[] = {
		{ "a@x.example", 'R' }, { "b@y.example", 'D' },
		{ "c@z.example", 'R' }, { "d@w.example", 'R' },
	};
	struct pfq_msg m = { .sender = "s@example.org", .arrival = T0,
	    .usec = 1, .rcpt = r, .nrcpt = 4, .nappend = 1, .nextract = 1 };
	struct pf_qfile q;
	size_t len, cut;
	unsigned char *b = build(&m, &len);

	(void)state;
	for (cut = 0; cut < len; cut++) {
		/* a copy of exactly cut bytes, so ASan sees any overread */
		unsigned char *c = malloc(cut ? cut : 1);
		const char *why = NULL;
		int rc;

		assert_non_null(c);
		memcpy(c, b, cut);
		rc = pf_qfile_parse(c, cut, &q, &why);
		/* the appended chunk lies after E: cutting it breaks the
		 * pointer chain before E is reached, so every cut fails */
		if (rc != -1)
			fail_msg("cut at %zu of %zu parsed", cut, len);
		assert_non_null(why);
		assert_false(q.complete);
		assert_true(q.nrcpt <= 3);
		pf_qfile_clear(&q);
		free(c);
	}
	assert_int_equal(pf_qfile_parse(b, len, &q, NULL), 0);
	assert_int_equal(q.nrcpt, 3);
	pf_qfile_clear(&q);
	free(b);
}

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Random bytes, and valid files with random bytes flipped: 0 or -1,
 * never a crash, never more recipients than records could hold. */
static void
parse_garbage(void **state)
{
	struct pfq_msg m = { .sender = "s@example.org", .arrival = T0,
	    .rcpt = two, .nrcpt = 2, .nappend = 1 };
	size_t vlen, i;
	unsigned char *valid = build(&m, &vlen);
	int ok = 0, bad = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		size_t len = i < 10000 ? rnd() % 600 : vlen, k;
		unsigned char *buf = malloc(len ? len : 1);
		struct pf_qfile q;
		const char *why = NULL;
		int rc;

		assert_non_null(buf);
		if (i < 10000) {
			for (k = 0; k < len; k++)
				buf[k] = (unsigned char)rnd();
			/* often start like a queue file */
			if (len && (i & 1))
				buf[0] = 'C';
		} else {
			memcpy(buf, valid, len);
			for (k = 0; k < 1 + rnd() % 4; k++)
				buf[rnd() % len] ^= (unsigned char)(1u << (rnd() % 8));
		}
		rc = pf_qfile_parse(buf, len, &q, &why);
		assert_true(rc == 0 || rc == -1);
		if (rc == 0) {
			assert_true(q.complete);
			ok++;
		} else {
			assert_non_null(why);
			bad++;
		}
		assert_true(q.nrcpt <= len / 2 + 2);
		pf_qfile_clear(&q);
		free(buf);
	}
	assert_true(bad > 10000);
	assert_true(ok > 0);	/* many flips hit content or padding */
	free(valid);
}

static void
expect_fail(const void *buf, size_t len, const char *want)
{
	struct pf_qfile q;
	const char *why = NULL;

	assert_int_equal(pf_qfile_parse(buf, len, &q, &why), -1);
	assert_non_null(why);
	if (strstr(why, want) == NULL)
		fail_msg("reason '%s', want '%s'", why, want);
	pf_qfile_clear(&q);
}

static void
parse_bad_lengths(void **state)
{
	/* S claims 2^27 bytes */
	static const unsigned char huge[] = { 'S', 0x80, 0x80, 0x80, 0x40,
	    'a', 'b' };
	/* five length bytes: more than rec_get_raw() accepts */
	static const unsigned char toolong[] = { 'S', 0x81, 0x80, 0x80, 0x80,
	    0x00, 'a' };
	static const unsigned char cutlen[] = { 'S', 0x81 };
	/* only empty records, then no E */
	static const unsigned char empties[] = { 'S', 0, 'R', 0, 'X', 0 };
	static const unsigned char minimal[] = { 'S', 0, 'R', 1, 'x', 'E', 0 };
	struct pf_qfile q;

	(void)state;
	expect_fail(huge, sizeof(huge), "truncated record data");
	expect_fail(toolong, sizeof(toolong), "record length too long");
	expect_fail(cutlen, sizeof(cutlen), "truncated record length");
	expect_fail(empties, sizeof(empties), "missing end record");
	expect_fail("", 0, "missing end record");
	assert_int_equal(pf_qfile_parse(minimal, sizeof(minimal), &q, NULL), 0);
	assert_string_equal(q.sender, "");
	assert_int_equal(q.nrcpt, 1);
	assert_string_equal(q.rcpt[0], "x");
	pf_qfile_clear(&q);
}

static void
parse_bad_pointers(void **state)
{
	/* p at offset 0 pointing to 2: S ... then back to 0: a loop */
	static const unsigned char loop[] = "S\001aR\001bp\0010";
	static const unsigned char beyond[] = "S\001ap\003999E\0";
	static const unsigned char notnum[] = "S\001ap\0031x2E\0";
	static const unsigned char dup[] = "S\001aS\001bE\0";
	static const unsigned char bigsize[] =
	    "C\0079999999S\001aM\000E\0";
	unsigned char loop2[32];
	size_t n;

	(void)state;
	/* "p\0010": offset 0 is padding, not a jump: this one ends */
	expect_fail(loop, sizeof(loop) - 1, "missing end record");
	/* a pointer to itself */
	memcpy(loop2, "S\001ap\0013", 7);
	n = 7;
	expect_fail(loop2, n, "pointer loop");
	expect_fail(beyond, sizeof(beyond) - 1, "pointer beyond end");
	expect_fail(notnum, sizeof(notnum) - 1, "malformed pointer");
	expect_fail(dup, sizeof(dup) - 1, "duplicate sender");
	expect_fail(bigsize, sizeof(bigsize) - 1, "content size beyond");
}

/* Real files written by Postfix 3.7 (tests/fuzz/corpus/pf_qfile). */
static unsigned char *
slurp(const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	unsigned char *b;
	struct stat sb;
	int fd;

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/pf_qfile/%s",
	    top ? top : "..", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		fail_msg("%s: %s (is top_srcdir set?)", path, strerror(errno));
	assert_int_equal(fstat(fd, &sb), 0);
	b = malloc((size_t)sb.st_size);
	assert_non_null(b);
	assert_int_equal(read(fd, b, (size_t)sb.st_size), sb.st_size);
	close(fd);
	*len = (size_t)sb.st_size;
	return b;
}

static void
expect_real(const char *name, const char *sender, uint64_t size,
    time_t arrival, const char *const *rcpt, size_t n)
{
	struct pf_qfile q;
	size_t len;
	unsigned char *b = slurp(name, &len);
	const char *why = NULL;

	if (pf_qfile_parse(b, len, &q, &why) != 0)
		fail_msg("%s: %s", name, why);
	assert_string_equal(q.sender, sender);
	assert_int_equal(q.size, size);
	assert_int_equal(q.arrival, arrival);
	assert_rcpts(&q, rcpt, n);
	pf_qfile_clear(&q);
	free(b);
}

static void
parse_real_files(void **state)
{
	const char *r1[] = { "bob@remote.example", "carol@remote2.example" };
	const char *r2[] = { "bounce@remote.example" };
	const char *r3[] = { "y@remote.example" };	/* x@discard: D */
	const char *r4[] = { "milter-add-3@remote.example",
	    "z@remote.example", "add3-0@added.example",
	    "add3-1@added.example", "add3-2@added.example" };
	const char *r5[] = { "w@remote.example" };	/* milter-del: '/' */
	const char *r6[] = { "v@remote.example" };
	const char *r7[] = { "m@remote.example" };

	(void)state;
	/* sizes and times as postqueue -j printed them */
	expect_real("real-2rcpt", "alice@example.org", 280, 1795792296, r1, 2);
	expect_real("real-bounce", "", 269, 1795792296, r2, 1);
	expect_real("real-done-rcpt", "dave@example.org", 279, 1795792296,
	    r3, 1);
	expect_real("real-milter-addrcpt", "erin@example.org", 279,
	    1795792296, r4, 5);
	expect_real("real-milter-delrcpt", "frank@example.org", 280,
	    1795792296, r5, 1);
	/* the S record was overwritten with a pointer to the new one */
	expect_real("real-milter-chgfrom", "changed@chg.example", 285,
	    1795792296, r6, 1);
	/* maildrop: no C record */
	expect_real("real-maildrop", "maildrop@example.org", 0, 1795792297,
	    r7, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_basic),
		cmocka_unit_test(parse_time_without_usec),
		cmocka_unit_test(parse_null_sender),
		cmocka_unit_test(parse_many_some_done),
		cmocka_unit_test(parse_pointer_and_extracted),
		cmocka_unit_test(parse_long_records),
		cmocka_unit_test(parse_no_size_record),
		cmocka_unit_test(parse_truncated_everywhere),
		cmocka_unit_test(parse_garbage),
		cmocka_unit_test(parse_bad_lengths),
		cmocka_unit_test(parse_bad_pointers),
		cmocka_unit_test(parse_real_files),
	};

	log_init("test_pf_record", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
