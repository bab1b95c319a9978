/*
 * qread.c: a directory's queue files read by the scanner threads
 * (qpool.c) in batches, for the readers whose scans are written as
 * "list the directory, then read what is new" (qmail, Exim).
 *
 * The reader lists a directory and adds each file it wants read (or
 * stat()ed) to the batch being listed, and calls qread_next() after
 * each: once QREAD_BATCH files are listed, and at the end of the
 * directory, that hands the batch to the workers and gives back the
 * batch handed over before, read by now. So while the workers read batch k+1, the reader's own
 * thread takes batch k (parses, counts, interns) and lists batch k+2:
 * the listing and the parsing, which must stay on one thread and in
 * order, overlap the reads. Two batches exist, each with its own
 * arenas for the contents: the one out with the workers, and the one
 * being taken (then listed into again).
 *
 * The workers only open, fstat, read (queue_read_file) or fstatat; the
 * contents land in per-worker arenas of the batch's half, and the
 * reader takes them afterwards, in order, exactly as if it had read
 * them itself. A batch never outlives its directory: with last, the
 * reader takes every batch still out before it closes the directory.
 *
 * QR_TEXT files (the contents, no fstat) go through io_uring when the
 * kernel allows it: each worker has a ring, and a chunk of the batch
 * (QPOOL_CHUNK files) is one io_uring_enter() of linked triples, open
 * into a direct descriptor (no file table), read QREAD_SLOT bytes,
 * close. That is about a quarter less CPU than the three system calls
 * (docs/queues.md). A file that fills its slot (it may be longer) is
 * read again the plain way, and so is everything when the ring cannot
 * be had (no liburing at build, io_uring refused by the kernel, a
 * seccomp filter or kernel.io_uring_disabled; MH_QUEUE_URING=0 for the
 * tests and benchmarks): the same results either way.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#include "queue/queue.h"

#define QREAD_BATCH 1024	/* files in a batch */
#define QREAD_KEEP (1u << 20)	/* arena bytes kept between batches */
#define QREAD_SLOT 16384	/* an io_uring read: envelopes fit */

struct qread_worker {
	char *buf;		/* queue_read_file's */
	size_t cap;
	char *arena[2];		/* the contents, one arena per batch half */
	size_t alen[2], acap[2];
#ifdef HAVE_LIBURING
	struct io_uring ring;
	int ring_state;		/* 0 not tried, 1 ready, -1 not to be had */
	char *slots;		/* QPOOL_CHUNK reads of QREAD_SLOT */
#endif
};

static unsigned long ring_files;

unsigned long
qread_ring_files(void)
{
	return __atomic_load_n(&ring_files, __ATOMIC_RELAXED);
}

struct qread {
	struct qpool *pool;
	struct qread_worker *w;
	int nw;
	size_t csize, max;
	bool (*plausible)(const char *, size_t);
	struct qread_batch b[2];
	int list;		/* the batch being listed */
	int out;		/* the batch with the workers; -1: none */
	int taken;		/* the batch handed back; -1: none */
};

struct qread *
qread_new(size_t csize, size_t max, bool (*plausible)(const char *, size_t))
{
	struct qread *r = xcalloc(1, sizeof(struct qread));

	r->csize = csize;
	r->max = max;
	r->plausible = plausible;
	r->out = r->taken = -1;
	r->b[0].csize = r->b[1].csize = csize;
	return r;
}

void
qread_free(struct qread *r)
{
	int i, h;

	if (r == NULL)
		return;
	qpool_finish(r->pool);
	for (i = 0; i < r->nw; i++) {
#ifdef HAVE_LIBURING
		if (r->w[i].ring_state > 0)
			io_uring_queue_exit(&r->w[i].ring);
		free(r->w[i].slots);
#endif
		free(r->w[i].buf);
		for (h = 0; h < 2; h++)
			free(r->w[i].arena[h]);
	}
	for (h = 0; h < 2; h++) {
		free(r->b[h].items);
		free(r->b[h].cand);
		free(r->b[h].names);
	}
	free(r->w);
	qpool_free(r->pool);
	free(r);
}

/* The batch handed back last is done with (the reader adds or asks for
 * the next): it is listed into next. */
static void
qread_give_back(struct qread *r)
{
	struct qread_batch *b;

	if (r->taken < 0)
		return;
	b = &r->b[r->taken];
	b->n = b->nlen = 0;
	r->list = r->taken;
	r->taken = -1;
}

void *
qread_add(struct qread *r, const char *name, enum qread_op op)
{
	struct qread_batch *b;
	size_t n = strlen(name) + 1;
	struct qread_item *it;
	void *c;

	qread_give_back(r);
	b = &r->b[r->list];
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->items = xreallocarray(b->items, b->cap, sizeof(*b->items));
		b->cand = xreallocarray(b->cand, b->cap, r->csize);
	}
	if (b->nlen + n > b->ncap) {
		b->ncap = (b->nlen + n) * 2 + 1024;
		b->names = xrealloc(b->names, b->ncap);
	}
	memcpy(b->names + b->nlen, name, n);
	it = &b->items[b->n];
	memset(it, 0, sizeof(*it));
	it->op = (uint8_t)op;
	it->off = b->nlen;	/* the name's, until the batch goes out */
	b->nlen += n;
	c = qread_cand(b, b->n++);
	memset(c, 0, r->csize);
	return c;
}

/* The contents of a file read (len bytes of buf) into the worker's
 * arena of the batch out. */
static void
qread_keep(struct qread *r, struct qread_worker *w, struct qread_item *it,
    const char *buf, size_t len)
{
	int h = r->out;

	if (w->alen[h] + len + 1 > w->acap[h]) {
		w->acap[h] = (w->alen[h] + len + 1) * 2 + 4096;
		w->arena[h] = xrealloc(w->arena[h], w->acap[h]);
	}
	memcpy(w->arena[h] + w->alen[h], buf, len);
	w->arena[h][w->alen[h] + len] = '\0';
	it->off = w->alen[h];
	w->alen[h] += len + 1;
}

static void
qread_one(void *arg, size_t i, int worker)
{
	struct qread *r = arg;
	struct qread_worker *w = &r->w[worker];
	struct qread_batch *b = &r->b[r->out];
	struct qread_item *it = &b->items[i];
	ssize_t len;

	it->worker = worker;
	it->err = 0;
	if (it->op == QR_NONE)
		return;
	if (it->op == QR_STAT) {
		it->len = fstatat(b->dfd, it->name, &it->st,
		    AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno == ENOENT ? -2 : -1;
		if (it->len == -1)
			it->err = errno;
		return;
	}
	len = queue_read_file(b->dfd, it->name, &w->buf, &w->cap, r->max,
	    it->op == QR_TEXT ? NULL : &it->st, r->plausible);
	it->len = len;
	if (len < 0) {
		it->err = errno;
		return;
	}
	qread_keep(r, w, it, w->buf, (size_t)len);
}

#ifdef HAVE_LIBURING
static bool
ring_ready(struct qread_worker *w)
{
	const char *e;

	if (w->ring_state != 0)
		return w->ring_state > 0;
	w->ring_state = -1;
	e = getenv("MH_QUEUE_URING");
	if (e && strcmp(e, "0") == 0)
		return false;
	if (io_uring_queue_init(4 * QPOOL_CHUNK, &w->ring, 0) < 0)
		return false;
	/* sparse direct descriptors (Linux 5.19): with them, opening into
	 * a slot and closing it are there too */
	if (io_uring_register_files_sparse(&w->ring, QPOOL_CHUNK) < 0) {
		io_uring_queue_exit(&w->ring);
		return false;
	}
	w->slots = xmalloc((size_t)QPOOL_CHUNK * QREAD_SLOT);
	w->ring_state = 1;
	return true;
}

/* The ring cannot be used further (a submission failed): dropped, and
 * the rest read the plain way. */
static void
ring_drop(struct qread_worker *w)
{
	io_uring_queue_exit(&w->ring);
	w->ring_state = -1;
}

/* Up to QPOOL_CHUNK QR_TEXT items (idx) read through the ring. Returns
 * false if the ring failed before anything ran (nothing done). */
static bool
ring_read(struct qread *r, struct qread_worker *w, size_t *idx, size_t n)
{
	struct qread_batch *b = &r->b[r->out];
	int ores[QPOOL_CHUNK], rres[QPOOL_CHUNK];
	size_t want = r->max < QREAD_SLOT ? r->max + 1 : QREAD_SLOT;
	unsigned k, seen = 0;
	int rc, sub;

	for (k = 0; k < n; k++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);

		/* a direct descriptor takes no O_CLOEXEC: it has no fd */
		io_uring_prep_openat_direct(sqe, b->dfd, b->items[idx[k]].name,
		    O_RDONLY | O_NOFOLLOW, 0, k);
		sqe->flags |= IOSQE_IO_HARDLINK;
		sqe->user_data = k * 4 + 0;
		sqe = io_uring_get_sqe(&w->ring);
		io_uring_prep_read(sqe, (int)k, w->slots + (size_t)k *
		    QREAD_SLOT, (unsigned)want, 0);
		sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
		sqe->user_data = k * 4 + 1;
		sqe = io_uring_get_sqe(&w->ring);
		io_uring_prep_close_direct(sqe, k);
		sqe->user_data = k * 4 + 2;
	}
	do
		sub = io_uring_submit_and_wait(&w->ring, 3 * (unsigned)n);
	while (sub == -EINTR);
	if (sub <= 0) {
		ring_drop(w);
		return false;
	}
	/* part submitted (the kernel ran short): what was is reaped, then
	 * the ring goes and the chunk is read the plain way */
	while (seen < (unsigned)sub) {
		struct io_uring_cqe *cqe;
		unsigned kk;

		do
			rc = io_uring_wait_cqe(&w->ring, &cqe);
		while (rc == -EINTR);
		if (rc < 0)
			break;
		kk = (unsigned)(cqe->user_data / 4);
		if (cqe->user_data % 4 == 0)
			ores[kk] = cqe->res;
		else if (cqe->user_data % 4 == 1)
			rres[kk] = cqe->res;
		io_uring_cqe_seen(&w->ring, cqe);
		seen++;
	}
	if (seen != 3 * n) {
		ring_drop(w);
		for (k = 0; k < n; k++)
			qread_one(r, idx[k], (int)(w - r->w));
		return true;
	}
	for (k = 0; k < n; k++) {
		struct qread_item *it = &b->items[idx[k]];

		if (ores[k] < 0) {
			it->len = ores[k] == -ENOENT ? -2 : -1;
			it->err = -ores[k];
		} else if (rres[k] < 0) {
			it->len = -1;
			it->err = -rres[k];
		} else if ((size_t)rres[k] >= want && (r->plausible == NULL ||
		    r->plausible(w->slots + (size_t)k * QREAD_SLOT, want))) {
			/* it may be longer, or past max: the plain way,
			 * which looks at its size first */
			queue_bytes_add((size_t)rres[k]);
			qread_one(r, idx[k], (int)(w - r->w));
		} else {
			/* the whole file; or (a full slot of what is not an
			 * envelope) no more than that, as queue_read_file
			 * does with its first read */
			queue_bytes_add((size_t)rres[k]);
			it->len = rres[k];
			qread_keep(r, w, it, w->slots + (size_t)k * QREAD_SLOT,
			    (size_t)rres[k]);
			__atomic_fetch_add(&ring_files, 1, __ATOMIC_RELAXED);
		}
	}
	return true;
}
#endif

/* Items [begin, end) of the batch out, on worker's thread: the
 * QR_TEXT ones through its ring when it has one. */
static void
qread_chunk(void *arg, size_t begin, size_t end, int worker)
{
	struct qread *r = arg;
	size_t i;
#ifdef HAVE_LIBURING
	struct qread_worker *w = &r->w[worker];
	struct qread_batch *b = &r->b[r->out];
	size_t idx[QPOOL_CHUNK], n = 0;

	for (i = begin; i < end; i++) {
		struct qread_item *it = &b->items[i];

		if (it->op == QR_TEXT && ring_ready(w)) {
			it->worker = worker;
			it->err = 0;
			idx[n++] = i;
		} else
			qread_one(r, i, worker);
	}
	if (n > 0 && !ring_read(r, w, idx, n))
		for (i = 0; i < n; i++)
			qread_one(r, idx[i], worker);
#else
	for (i = begin; i < end; i++)
		qread_one(r, i, worker);
#endif
}

/* Batch h to the workers. */
static void
qread_start(struct qread *r, int h, int dfd)
{
	struct qread_batch *b = &r->b[h];
	size_t i;
	int k;

	/* the threads start with the first batch, on the reader's thread */
	if (r->w == NULL) {
		r->pool = qpool_new(queue_threads());
		r->nw = qpool_size(r->pool);
		r->w = xcalloc((size_t)r->nw, sizeof(*r->w));
	}
	for (k = 0; k < r->nw; k++) {
		struct qread_worker *w = &r->w[k];

		w->alen[h] = 0;
		/* one huge file must not stay in memory for good */
		if (w->acap[h] > QREAD_KEEP) {
			free(w->arena[h]);
			w->arena[h] = NULL;
			w->acap[h] = 0;
		}
		if (w->cap > QREAD_KEEP) {
			free(w->buf);
			w->buf = NULL;
			w->cap = 0;
		}
	}
	for (i = 0; i < b->n; i++)
		b->items[i].name = b->names + b->items[i].off;
	b->dfd = dfd;
	r->out = h;
	qpool_start_chunks(r->pool, b->n, qread_chunk, r);
}

/* The batch out with the workers, done: its contents' addresses. */
static struct qread_batch *
qread_finish(struct qread *r)
{
	struct qread_batch *b = &r->b[r->out];
	int h = r->out;
	size_t i;

	qpool_finish(r->pool);
	for (i = 0; i < b->n; i++) {
		struct qread_item *it = &b->items[i];

		it->buf = (it->op == QR_READ || it->op == QR_TEXT) &&
		    it->len >= 0 ?
		    r->w[it->worker].arena[h] + it->off : NULL;
	}
	r->out = -1;
	r->taken = h;
	return b;
}

struct qread_batch *
qread_next(struct qread *r, int dfd, bool last)
{
	struct qread_batch *b;

	if (r == NULL)
		return NULL;	/* nothing was ever added */
	qread_give_back(r);
	if (!last && r->b[r->list].n < QREAD_BATCH)
		return NULL;
	if (r->b[r->list].n > 0) {
		int prev = r->out;

		if (prev >= 0)
			b = qread_finish(r);
		qread_start(r, r->list, dfd);
		r->list ^= 1;	/* the free one, or the one taken now */
		if (prev >= 0)
			return b;
	}
	if (last && r->out >= 0)
		return qread_finish(r);
	return NULL;
}
