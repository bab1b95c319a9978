/*
 * test_qread.c: the scanner threads' batches (agent/queue/qread.c).
 *
 * A directory of 5,000 files, listed the way the readers list theirs:
 * each file added with an op (read, read without a stat, stat, or left
 * to the caller), and qread_next() called after each and, at the end,
 * with last until it returns NULL. Every file must come back exactly
 * once, in the order it was added, with its own contents (or stat) and
 * the reader's own bytes beside it, while a second batch is out with
 * the workers; a file removed after the listing comes back as vanished
 * (-2). Some files are as big as an io_uring read's slot (16 KiB), one
 * byte less, or bigger (read again the plain way). With 1 and with 4
 * threads, through io_uring where the kernel allows it (and then the
 * ring must have read the QR_TEXT files), and with MH_QUEUE_URING=0.
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
#include <unistd.h>

#include <cmocka.h>
#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#include "queue/queue.h"

#define NFILES 5000
#define BATCH 1024		/* qread.c's, not a divisor of NFILES */
#define GONE 17			/* every GONE-th file is removed when listed */
#define BODY_MAX 40000

struct cand {
	size_t i;		/* the file's number */
	uint32_t magic;
};

static char dir[] = "/tmp/mh-qread.XXXXXX";

static void
file_name(char *buf, size_t n, size_t i)
{
	snprintf(buf, n, "f%05zu", i);
}

/* The contents of file i: its number, repeated a number of times that
 * varies, so that lengths differ; a few are 16 KiB (qread.c's slot),
 * one byte less, or 40,000 bytes. */
static size_t
file_body(char *buf, size_t n, size_t i)
{
	size_t len = 0, k, want = i % 250 == 7 ? BODY_MAX : i % 250 == 8 ?
	    16384 : i % 250 == 9 ? 16383 : 0;

	for (k = 0; want ? len < want : k <= i % 40; k++)
		len += (size_t)snprintf(buf + len, n - len, "<%zu>", i);
	if (want)
		len = want;
	return len;
}

static void
make_dir(void)
{
	char name[32], body[BODY_MAX + 64];
	size_t i;
	int dfd;

	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	for (i = 0; i < NFILES; i++) {
		int fd;
		size_t len = file_body(body, sizeof(body), i);

		file_name(name, sizeof(name), i);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, body, len), (ssize_t)len);
		close(fd);
	}
	close(dfd);
}

static void
remove_dir(void)
{
	char p[64];
	size_t i;

	for (i = 0; i < NFILES; i++) {
		snprintf(p, sizeof(p), "%s/f%05zu", dir, i);
		unlink(p);
	}
	rmdir(dir);
}

static enum qread_op
op_of(size_t i)
{
	static const enum qread_op ops[] = { QR_STAT, QR_READ, QR_TEXT,
	    QR_NONE, QR_TEXT };

	return ops[i % 5];
}

/* Take one batch: every item in order, as the readers do. */
static void
take(struct qread_batch *b, size_t *next, size_t *taken)
{
	static char body[BODY_MAX + 64];
	size_t k;

	for (k = 0; k < b->n; k++) {
		const struct cand *c = qread_cand(b, k);
		const struct qread_item *it = &b->items[k];
		char name[32];
		size_t i = c->i;

		assert_int_equal(c->magic, 0xC0FFEE);
		assert_int_equal(i, *next);	/* in order, none skipped */
		(*next)++;
		(*taken)++;
		file_name(name, sizeof(name), i);
		assert_string_equal(it->name, name);
		assert_int_equal(it->op, op_of(i));
		if (it->op == QR_NONE)
			continue;
		if (i % GONE == 0) {
			assert_int_equal(it->len, -2);
			continue;
		}
		assert_true(it->len >= 0);
		if (it->op != QR_TEXT)
			assert_true(S_ISREG(it->st.st_mode));
		if (it->op == QR_STAT) {
			assert_int_equal(it->len, 0);
			assert_int_equal((size_t)it->st.st_size,
			    file_body(body, sizeof(body), i));
			continue;
		}
		assert_int_equal((size_t)it->len,
		    file_body(body, sizeof(body), i));
		assert_non_null(it->buf);
		assert_memory_equal(it->buf, body, (size_t)it->len);
		assert_int_equal(it->buf[it->len], '\0');
	}
}

/* Can this process have a ring with sparse direct descriptors, as
 * qread.c asks? */
static bool
ring_here(void)
{
#ifdef HAVE_LIBURING
	struct io_uring ring;
	bool ok;

	if (io_uring_queue_init(8, &ring, 0) < 0)
		return false;
	ok = io_uring_register_files_sparse(&ring, 16) == 0;
	io_uring_queue_exit(&ring);
	return ok;
#else
	return false;
#endif
}

static void
run(int threads, bool ring)
{
	char env[8], name[32], p[64];
	struct qread *r;
	struct qread_batch *b;
	size_t i, next = 0, taken = 0, batches = 0, text = 0;
	unsigned long ring0 = qread_ring_files();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(dfd >= 0);
	snprintf(env, sizeof(env), "%d", threads);
	setenv("MH_QUEUE_THREADS", env, 1);
	setenv("MH_QUEUE_URING", ring ? "1" : "0", 1);
	r = qread_new(sizeof(struct cand), 1 << 20, NULL);
	for (i = 0; i < NFILES; i++) {
		struct cand *c;

		file_name(name, sizeof(name), i);
		c = qread_add(r, name, op_of(i));
		if (op_of(i) == QR_TEXT && i % GONE != 0 && i % 250 != 7 &&
		    i % 250 != 8)
			text++;	/* what fits in a slot */
		c->i = i;
		c->magic = 0xC0FFEE;
		/* gone after the listing, before the workers get to it */
		if (i % GONE == 0) {
			snprintf(p, sizeof(p), "%s/%s", dir, name);
			assert_int_equal(unlink(p), 0);
		}
		while ((b = qread_next(r, dfd, false)) != NULL) {
			take(b, &next, &taken);
			batches++;
		}
	}
	while ((b = qread_next(r, dfd, true)) != NULL) {
		take(b, &next, &taken);
		batches++;
	}
	assert_int_equal(taken, NFILES);
	assert_int_equal(batches, (NFILES + BATCH - 1) / BATCH);
	/* nothing left out: a new directory starts clean */
	assert_null(qread_next(r, dfd, true));
	qread_free(r);
	close(dfd);
	/* the ring read every QR_TEXT file that fits in its slot; without
	 * it, none */
	if (ring && ring_here())
		assert_int_equal(qread_ring_files() - ring0, text);
	else
		assert_int_equal(qread_ring_files() - ring0, 0);
	unsetenv("MH_QUEUE_THREADS");
	unsetenv("MH_QUEUE_URING");
	/* put the removed files back for the next run */
	for (i = 0; i < NFILES; i += GONE) {
		static char body[BODY_MAX + 64];
		size_t len = file_body(body, sizeof(body), i);
		int fd;

		snprintf(p, sizeof(p), "%s/f%05zu", dir, i);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, body, len), (ssize_t)len);
		close(fd);
	}
}

static void
one_thread(void **state)
{
	(void)state;
	run(1, true);
}

static void
four_threads(void **state)
{
	(void)state;
	run(4, true);
}

static void
no_ring(void **state)
{
	(void)state;
	run(1, false);
	run(4, false);
}

static int
setup(void **state)
{
	(void)state;
	make_dir();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	remove_dir();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_thread),
		cmocka_unit_test(four_threads),
		cmocka_unit_test(no_ring),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
