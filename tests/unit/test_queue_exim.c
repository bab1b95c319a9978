/*
 * test_queue_exim.c: the Exim queue reader.
 *
 * Part one, exim_hdr_parse(): -H files written by Exim 4.96 (copied from
 * a private instance, see tests/integration/exim.sh), the 23-character
 * ids of Exim 4.97, every recipient-line form spool_in.c reads, ACL
 * variables whose data spans lines, -J journals, and damage: every
 * truncation, bad lines, header lengths past the end.
 *
 * Part two, the reader through collector_queue on a spool made on disk:
 * split and unsplit together, frozen, a journal, and rescans that read
 * only -H files Exim replaced (write and rename, as Exim does).
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue/queue.h"
#include "qtest.h"

unsigned long queue_exim_files_read(void);

/* Exim 4.96: a queue run delivered six local recipients (the tree of
 * six nodes) and deferred z@far.example. */
static const char tree_h[] =
    "1xWxki-0004XG-2c-H\n"
    "root 0 0\n"
    "<tree@corp.example>\n"
    "1795792844 0\n"
    "-received_time_usec .810156\n"
    "-received_time_complete 1795792844.811069\n"
    "-ident root\n"
    "-received_protocol local\n"
    "-body_linecount 1\n"
    "-max_received_linelength 13\n"
    "-allow_unqualified_recipient\n"
    "-allow_unqualified_sender\n"
    "-tls_resumption A\n"
    "YY r3@local.example\n"
    "YN r2@local.example\n"
    "NN r1@local.example\n"
    "YY r5@local.example\n"
    "NN r4@local.example\n"
    "NN r6@local.example\n"
    "7\n"
    "r1@local.example\n"
    "r2@local.example\n"
    "r3@local.example\n"
    "r4@local.example\n"
    "r5@local.example\n"
    "r6@local.example\n"
    "z@far.example\n"
    "\n"
    "154P Received: from root by mh-test.example with local (Exim 4.96)\n"
    "\t(envelope-from <tree@corp.example>)\n"
    "\tid 1xWxki-0004XG-2c;\n"
    "\tFri, 27 Nov 2026 15:20:44 +0000\n"
    "014  Subject: tree\n"
    "048I Message-Id: <E1xWxki-0004XG-2c@mh-test.example>\n"
    "024F From: tree@corp.example\n"
    "038  Date: Fri, 27 Nov 2026 15:20:44 +0000\n";

/* Exim 4.96: a bounce, frozen, with an ACL variable over two lines. */
static const char frozen_h[] =
    "1xWxic-00007g-1I-H\n"
    "root 0 0\n"
    "<>\n"
    "1795792714 0\n"
    "-received_time_usec .400451\n"
    "-received_time_complete 1795792714.400928\n"
    "-ident root\n"
    "-received_protocol local\n"
    "-aclm _note 22\n"
    "first line\n"
    "second line\n"
    "-body_linecount 1\n"
    "-max_received_linelength 15\n"
    "-allow_unqualified_recipient\n"
    "-allow_unqualified_sender\n"
    "-frozen 1795792716\n"
    "-tls_resumption A\n"
    "XX\n"
    "1\n"
    "postmaster@far.example\n"
    "\n"
    "145P Received: from root by mh-test.example with local (Exim 4.96)\n"
    "\tid 1xWxic-00007g-1I\n"
    "\tfor postmaster@far.example;\n"
    "\tFri, 27 Nov 2026 15:18:34 +0000\n"
    "016  Subject: bounce\n"
    "048I Message-Id: <E1xWxic-00007g-1I@mh-test.example>\n"
    "038  Date: Fri, 27 Nov 2026 15:18:34 +0000\n";

/* Exim 4.97 ids, tainted and quoted options, a rewritten header ('*'),
 * and recipient lines in every form spool_in.c knows. */
static const char new_h[] =
    "1r6Bwm-000000002h3-2n4V-H\n"
    "Debian-exim 115 120\n"
    "<Sender@Example.COM>\n"
    "1707774748 2\n"
    "--helo_name [192.0.2.1]\n"
    "--(pgsql)aclc _q 3\n"
    "a\nb\n"
    "-host_address 192.0.2.1.4321\n"
    "NN gone@b.example\n"
    "6\n"
    "plain@a.example\n"
    "gone@b.example\n"
    "early@c.example 2\n"
    "exim3@d.example 0,1,2\n"
    "one@e.example errors@x.example 16,0#1\n"
    "dsn@f.example rfc822;dsn@f.example 20,5 errs@yy.example 15,1#3\n"
    "\n"
    "026* To: old@rewritten.example\n"
    "020T To: plain@a.example\n";

static char *
copy(const char *s, size_t *len)
{
	char *b;

	*len = strlen(s);
	b = malloc(*len + 1);
	assert_non_null(b);
	memcpy(b, s, *len + 1);
	return b;
}

static void
parse_tree(void **state)
{
	struct exim_hdr h = { 0 };
	const char *why = "unset";
	size_t len;
	char *b = copy(tree_h, &len);

	(void)state;
	assert_int_equal(exim_hdr_parse(b, len, &h, &why), 0);
	assert_null(why);
	assert_string_equal(h.id, "1xWxki-0004XG-2c");
	assert_string_equal(h.sender, "tree@corp.example");
	assert_int_equal(h.received, 1795792844);
	assert_false(h.frozen);
	assert_int_equal(h.nrcpt, 7);
	assert_int_equal(h.ndone, 6);
	assert_int_equal(h.npending, 1);
	assert_string_equal(h.rcpt[0], "z@far.example");
	assert_int_equal(h.hdr_bytes, 154 + 14 + 48 + 24 + 38);
	exim_hdr_clear(&h);
	free(b);
}

static void
parse_frozen(void **state)
{
	struct exim_hdr h = { 0 };
	const char *why;
	size_t len;
	char *b = copy(frozen_h, &len);

	(void)state;
	assert_int_equal(exim_hdr_parse(b, len, &h, &why), 0);
	assert_string_equal(h.sender, "");
	assert_true(h.frozen);
	assert_int_equal(h.npending, 1);
	assert_string_equal(h.rcpt[0], "postmaster@far.example");
	/* 145 + 16 + 48 + 38, and 250 = that + 21-byte -D - 19 + 1 as
	 * `exim -bp` showed */
	assert_int_equal(h.hdr_bytes, 247);
	exim_hdr_clear(&h);
	free(b);
}

static void
parse_new_forms(void **state)
{
	struct exim_hdr h = { 0 };
	const char *why;
	size_t len;
	char *b = copy(new_h, &len);

	(void)state;
	if (exim_hdr_parse(b, len, &h, &why) != 0)
		fail_msg("%s", why);
	assert_string_equal(h.id, "1r6Bwm-000000002h3-2n4V");
	assert_string_equal(h.sender, "Sender@Example.COM");
	assert_int_equal(h.nrcpt, 6);
	assert_int_equal(h.npending, 5);
	assert_string_equal(h.rcpt[0], "plain@a.example");
	assert_string_equal(h.rcpt[1], "early@c.example");
	assert_string_equal(h.rcpt[2], "exim3@d.example");
	assert_string_equal(h.rcpt[3], "one@e.example");
	assert_string_equal(h.rcpt[4], "dsn@f.example");
	assert_int_equal(h.hdr_bytes, 20);	/* the '*' one is not sent */
	exim_hdr_clear(&h);
	free(b);
}

static void
parse_journal(void **state)
{
	struct exim_hdr h = { 0 };
	const char *why;
	size_t len, jl;
	char *b = copy(new_h, &len);
	char *j = copy("plain@a.example\nnobody@else.example\ndsn@f.example\n",
	    &jl);

	(void)state;
	assert_int_equal(exim_hdr_parse(b, len, &h, &why), 0);
	exim_hdr_journal(&h, j, jl);
	assert_int_equal(h.npending, 3);
	assert_string_equal(h.rcpt[0], "early@c.example");
	assert_string_equal(h.rcpt[2], "one@e.example");
	exim_hdr_clear(&h);
	free(b);
	free(j);
}

static void
expect_bad(const char *text, const char *want)
{
	struct exim_hdr h = { 0 };
	const char *why = NULL;
	size_t len;
	char *b = copy(text, &len);

	assert_int_equal(exim_hdr_parse(b, len, &h, &why), -1);
	assert_non_null(why);
	if (strcmp(why, want) != 0)
		fail_msg("got '%s', want '%s'", why, want);
	exim_hdr_clear(&h);
	free(b);
}

#define HEAD "1xWxic-00007g-1I-H\nroot 0 0\n<a@b>\n1 0\n"

static void
parse_bad(void **state)
{
	(void)state;
	expect_bad("", "truncated file");
	expect_bad("1xWxic-00007g-1I-D\n", "first line is not ID-H");
	expect_bad("short-H\n", "first line is not ID-H");
	expect_bad("1xWxic-00007g-1I-H\nroot 0 0\nsender\n",
	    "sender line is not <address>");
	expect_bad("1xWxic-00007g-1I-H\nroot 0 0\n<a@b>\nnow 0\n",
	    "no received time");
	expect_bad(HEAD "-aclm _x 100\nshort\nXX\n0\n\n", "truncated file");
	expect_bad(HEAD "-aclm _x ten\n", "bad ACL variable line");
	expect_bad(HEAD "--(pgsql helo\n", "bad quoted option");
	expect_bad(HEAD "YY a@b\nNN c@d\n", "truncated file");
	expect_bad(HEAD "QQ a@b\n1\na@b\n\n", "bad non-recipients tree line");
	expect_bad(HEAD "XX\nmany\n", "bad recipient count");
	expect_bad(HEAD "XX\n99999999999\n", "bad recipient count");
	expect_bad(HEAD "XX\n2\na@b\n", "truncated file");
	expect_bad(HEAD "XX\n1\n\n\n", "empty recipient line");
	expect_bad(HEAD "XX\n1\na@b\nFrom: x\n", "no blank line before the "
	    "headers");
	expect_bad(HEAD "XX\n1\na@b\n\n999  Subject: x\n", "truncated file");
	expect_bad(HEAD "XX\n1\na@b\n\nSubject: x\n", "bad header length");
	expect_bad(HEAD "XX\n1\na@b\n\n012 ", "bad header length");
}

/* Every prefix, and every single-byte change, fails cleanly or parses;
 * never reads past the end (run under ASan in CI). */
static void
parse_mangled(void **state)
{
	static const char *const files[] = { tree_h, frozen_h, new_h };
	struct exim_hdr h = { 0 };
	size_t f, n, len;

	(void)state;
	for (f = 0; f < MH_ARRAY_SIZE(files); f++) {
		len = strlen(files[f]);
		for (n = 0; n < len; n++) {
			const char *why = NULL;
			char *b = malloc(n + 1);

			memcpy(b, files[f], n);
			if (exim_hdr_parse(b, n, &h, &why) < 0)
				assert_non_null(why);
			free(b);
		}
		for (n = 0; n < len; n++) {
			const char *why = NULL;
			char *b = malloc(len);

			memcpy(b, files[f], len);
			b[n] ^= (char)(n % 3 == 0 ? '\n' : 0x20);
			if (exim_hdr_parse(b, len, &h, &why) < 0)
				assert_non_null(why);
			else
				assert_true(h.npending <= h.nrcpt);
			free(b);
		}
	}
	exim_hdr_clear(&h);
}

/* ------------------------------------------------------------------ */
/* a spool on disk */

struct xenv {
	char root[64];
	struct conf conf;
	void *coll;
	struct conf_mta mta;
	struct part *part;
	struct queue_part *snap;
	int rc;
};

static void
write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* Exim's way of changing a -H: a new file renamed over the old one. */
static void
put_h(struct xenv *e, const char *dir, const char *text)
{
	char tmp[600], *dst;
	char id[32];

	memcpy(id, text, strcspn(text, "\n") - 2);
	id[strcspn(text, "\n") - 2] = '\0';
	snprintf(tmp, sizeof(tmp), "%s", qt_path(e->root, "%s/hdr.1234", dir));
	write_file(tmp, text, strlen(text));
	dst = qt_path(e->root, "%s/%s-H", dir, id);
	assert_int_equal(rename(tmp, dst), 0);
}

static void
put_d(struct xenv *e, const char *dir, const char *id, size_t body)
{
	char *b = malloc(body + 40);
	size_t n = (size_t)sprintf(b, "%s-D\n", id);

	memset(b + n, 'x', body);
	write_file(qt_path(e->root, "%s/%s-D", dir, id), b, n + body);
	free(b);
}

/* text with the one occurrence of from replaced by to */
static char *
replace(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	size_t a, b = strlen(to);
	char *r;

	assert_non_null(p);
	a = (size_t)(p - text);
	r = malloc(strlen(text) - strlen(from) + b + 1);
	assert_non_null(r);
	memcpy(r, text, a);
	memcpy(r + a, to, b);
	strcpy(r + a + b, p + strlen(from));
	return r;
}

static void
collect(struct xenv *e)
{
	part_unref(e->part);
	e->part = part_new(&collector_queue);
	e->part->taken = time(NULL);
	e->rc = collector_queue.collect(e->coll, e->part);
	e->snap = e->part->data;
}

static int
xenv_teardown(void **state)
{
	struct xenv *e = *state;

	if (e == NULL)
		return 0;
	if (e->coll)
		collector_queue.fini(e->coll);
	part_unref(e->part);
	qt_rmtree(e->root);
	free(e);
	return 0;
}

static struct xenv *
xenv_new(void)
{
	struct xenv *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	strcpy(e->root, "/tmp/mh-exq-XXXXXX");
	assert_non_null(mkdtemp(e->root));
	assert_int_equal(mkdir(qt_path(e->root, "input"), 0750), 0);
	assert_int_equal(mkdir(qt_path(e->root, "msglog"), 0750), 0);
	assert_int_equal(mkdir(qt_path(e->root, "input/c"), 0750), 0);
	e->conf.file = (char *)"test";
	e->conf.top_n = 10;
	e->conf.topk_counters = 100;
	e->mta.top_n = 10;
	e->mta.topk_counters = 100;
	e->conf.interval = 30;
	e->mta.kind = MH_MTA_EXIM;
	e->mta.spool_directory = e->root;
	e->mta.many_rcpt = 5;
	return e;
}

static void
reader_spool(void **state)
{
	struct xenv *e = *state = xenv_new();
	unsigned long before;
	char *mod;

	/* split (input/c) and unsplit (input) at once */
	put_h(e, "input/c", tree_h);
	put_d(e, "input/c", "1xWxki-0004XG-2c", 10);
	put_h(e, "input/c", frozen_h);
	put_d(e, "input/c", "1xWxic-00007g-1I", 2);
	put_h(e, "input", new_h);
	put_d(e, "input", "1r6Bwm-000000002h3-2n4V", 100);
	write_file(qt_path(e->root, "input/c/1xWxzz-00007g-1I-D"), "being received", 14);
	write_file(qt_path(e->root, "input/hdr.999"), "temp", 4);
	assert_true(queue_exim.detect(&e->mta));
	e->coll = collector_queue.init(&e->mta, &e->conf);
	assert_non_null(e->coll);
	collect(e);
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->part->errors, 0);
	assert_int_equal(e->snap->mta, MH_MTA_EXIM);
	assert_int_equal(e->snap->nqueues, 2);
	assert_string_equal(e->snap->queues[0].name, "input");
	assert_string_equal(e->snap->queues[1].name, "frozen");
	assert_int_equal(e->snap->q_messages, 3);
	/* sizes as exim -bp: headers sent + (-D less its first line) + 1 */
	assert_int_equal(e->snap->q_bytes, (278 + 10 + 1) + (247 + 2 + 1) +
	    (20 + 100 + 1));
	assert_int_equal(e->snap->q_recipients, 1 + 1 + 5);
	assert_int_equal(e->snap->q_bounces, 1);
	assert_int_equal(e->snap->q_manyrcpt, 0);
	assert_int_equal(e->snap->q_oldest, 1707774748);
	assert_int_equal(e->snap->queues[1].messages, 1);
	assert_int_equal(e->snap->queues[1].bytes, 250);
	assert_int_equal(e->snap->queues[1].oldest, 1795792714);
	assert_int_equal(qt_top_count(&e->snap->top_senders, "sender@example.com"),
	    1);
	assert_int_equal(qt_top_count(&e->snap->top_domains, "far.example"), 2);

	/* nothing changed: nothing read */
	before = queue_exim_files_read();
	collect(e);
	assert_int_equal(queue_exim_files_read() - before, 0);
	assert_int_equal(e->snap->q_messages, 3);

	/* a delivery in progress: -J lists z@far.example as done */
	write_file(qt_path(e->root, "input/c/1xWxki-0004XG-2c-J"), "z@far.example\n", 14);
	collect(e);
	assert_int_equal(e->snap->q_recipients, 6);
	assert_int_equal(qt_top_count(&e->snap->top_domains, "far.example"), 1);
	/* the delivery ends: -J goes, -H rewritten with z in the tree */
	mod = replace(tree_h, "NN r6@local.example\n",
	    "NY r6@local.example\nNN z@far.example\n");
	assert_int_equal(unlink(qt_path(e->root, "input/c/1xWxki-0004XG-2c-J")), 0);
	put_h(e, "input/c", mod);
	free(mod);
	before = queue_exim_files_read();
	collect(e);
	assert_int_equal(queue_exim_files_read() - before, 1);
	assert_int_equal(e->part->errors, 0);
	assert_int_equal(e->snap->q_recipients, 6);
	assert_int_equal(e->snap->q_messages, 3);
	assert_int_equal(e->snap->q_bytes, 289 + 250 + 121);

	/* the frozen bounce is removed (both files) */
	assert_int_equal(unlink(qt_path(e->root, "input/c/1xWxic-00007g-1I-H")), 0);
	assert_int_equal(unlink(qt_path(e->root, "input/c/1xWxic-00007g-1I-D")), 0);
	collect(e);
	assert_int_equal(e->snap->q_messages, 2);
	assert_int_equal(e->snap->queues[1].messages, 0);
	assert_int_equal(e->snap->q_bounces, 0);
}

static void
reader_damage(void **state)
{
	struct xenv *e = *state = xenv_new();

	put_h(e, "input", new_h);
	put_d(e, "input", "1r6Bwm-000000002h3-2n4V", 100);
	/* a -H cut short, and one whose first line names another id */
	write_file(qt_path(e->root, "input/c/1xWxki-0004XG-2c-H"), tree_h, 200);
	write_file(qt_path(e->root, "input/c/1xWxic-00007g-1X-H"), frozen_h,
	    strlen(frozen_h));
	e->coll = collector_queue.init(&e->mta, &e->conf);
	collect(e);
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->part->errors, 1);
	assert_non_null(strstr(e->part->last_error, "2 problems"));
	assert_int_equal(e->snap->q_messages, 3);
	/* unknown senders count in the totals, not in top senders */
	assert_int_equal(qt_top_count(&e->snap->top_senders, "(unknown)"), 0);
	assert_int_equal(e->snap->q_recipients, 5);

	/* the spool vanishes */
	{
		char moved[80];

		snprintf(moved, sizeof(moved), "%s.x", e->root);
		assert_int_equal(rename(e->root, moved), 0);
		collect(e);
		assert_int_equal(e->rc, -1);
		assert_false(e->snap->have & SNAP_HAVE_QUEUE);
		assert_int_equal(rename(moved, e->root), 0);
	}
	collect(e);
	assert_int_equal(e->rc, 0);
	assert_int_equal(e->snap->q_messages, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_tree),
		cmocka_unit_test(parse_frozen),
		cmocka_unit_test(parse_new_forms),
		cmocka_unit_test(parse_journal),
		cmocka_unit_test(parse_bad),
		cmocka_unit_test(parse_mangled),
		cmocka_unit_test_teardown(reader_spool, xenv_teardown),
		cmocka_unit_test_teardown(reader_damage, xenv_teardown),
	};

	log_init("test_queue_exim", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
