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
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue/queue.h"

#define QREAD_BATCH 1024	/* files in a batch */
#define QREAD_KEEP (1u << 20)	/* arena bytes kept between batches */

struct qread_worker {
	char *buf;		/* queue_read_file's */
	size_t cap;
	char *arena[2];		/* the contents, one arena per batch half */
	size_t alen[2], acap[2];
};

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

static void
qread_one(void *arg, size_t i, int worker)
{
	struct qread *r = arg;
	struct qread_worker *w = &r->w[worker];
	struct qread_batch *b = &r->b[r->out];
	struct qread_item *it = &b->items[i];
	int h = r->out;
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
	    &it->st, r->plausible);
	it->len = len;
	if (len < 0) {
		it->err = errno;
		return;
	}
	if (w->alen[h] + (size_t)len + 1 > w->acap[h]) {
		w->acap[h] = (w->alen[h] + (size_t)len + 1) * 2 + 4096;
		w->arena[h] = xrealloc(w->arena[h], w->acap[h]);
	}
	memcpy(w->arena[h] + w->alen[h], w->buf, (size_t)len);
	w->arena[h][w->alen[h] + (size_t)len] = '\0';
	it->off = w->alen[h];
	w->alen[h] += (size_t)len + 1;
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
	qpool_start(r->pool, b->n, qread_one, r);
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

		it->buf = it->op == QR_READ && it->len >= 0 ?
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
