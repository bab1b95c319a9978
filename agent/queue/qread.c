/*
 * qread.c: many queue files of one directory read at once by the
 * scanner threads (qpool.c), for the readers whose scans are written as
 * "list the directory, then read what is new" (qmail, Exim). The
 * workers only open, fstat and read (queue_read_file); the contents
 * land in per-worker arenas, and the caller parses them afterwards, in
 * order, on its own thread, exactly as if it had read them itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue/queue.h"

#define QREAD_KEEP (1u << 20)	/* arena bytes kept between runs */

struct qread_worker {
	char *buf;		/* queue_read_file's */
	size_t cap;
	char *arena;		/* the contents of this run's files */
	size_t alen, acap;
};

struct qread {
	struct qpool *pool;
	struct qread_worker *w;
	int nw;
	/* the run */
	int dfd;
	struct qread_item *items;
	size_t max;
	bool (*plausible)(const char *, size_t);
};

struct qread *
qread_new(void)
{
	return xcalloc(1, sizeof(struct qread));
}

void
qread_free(struct qread *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nw; i++) {
		free(r->w[i].buf);
		free(r->w[i].arena);
	}
	free(r->w);
	qpool_free(r->pool);
	free(r);
}

static void
qread_one(void *arg, size_t i, int worker)
{
	struct qread *r = arg;
	struct qread_worker *w = &r->w[worker];
	struct qread_item *it = &r->items[i];
	ssize_t len;

	it->worker = worker;
	it->err = 0;
	if (it->stat_only) {
		it->len = fstatat(r->dfd, it->name, &it->st,
		    AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno == ENOENT ? -2 : -1;
		if (it->len == -1)
			it->err = errno;
		return;
	}
	len = queue_read_file(r->dfd, it->name, &w->buf, &w->cap, r->max,
	    &it->st, r->plausible);
	it->len = len;
	if (len < 0) {
		it->err = errno;
		return;
	}
	if (w->alen + (size_t)len + 1 > w->acap) {
		w->acap = (w->alen + (size_t)len + 1) * 2 + 4096;
		w->arena = xrealloc(w->arena, w->acap);
	}
	memcpy(w->arena + w->alen, w->buf, (size_t)len);
	w->arena[w->alen + (size_t)len] = '\0';
	it->off = w->alen;
	w->alen += (size_t)len + 1;
}

void
qread_run(struct qread *r, int dfd, struct qread_item *items, size_t n,
    size_t max, bool (*plausible)(const char *, size_t))
{
	size_t i;
	int k;

	/* the threads start with the first run, on the collector's thread */
	if (r->w == NULL) {
		r->pool = qpool_new(queue_threads());
		r->nw = qpool_size(r->pool);
		r->w = xcalloc((size_t)r->nw, sizeof(*r->w));
	}
	for (k = 0; k < r->nw; k++) {
		struct qread_worker *w = &r->w[k];

		w->alen = 0;
		/* one huge file must not stay in memory for good */
		if (w->acap > QREAD_KEEP) {
			free(w->arena);
			w->arena = NULL;
			w->acap = 0;
		}
		if (w->cap > QREAD_KEEP) {
			free(w->buf);
			w->buf = NULL;
			w->cap = 0;
		}
	}
	r->dfd = dfd;
	r->items = items;
	r->max = max;
	r->plausible = plausible;
	qpool_run(r->pool, n, qread_one, r);
	for (i = 0; i < n; i++)
		items[i].buf = items[i].len >= 0 && !items[i].stat_only ?
		    r->w[items[i].worker].arena + items[i].off : NULL;
}
