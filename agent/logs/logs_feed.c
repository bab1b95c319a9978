/*
 * logs_feed.c: one round of reading several log sources, their lines
 * handed on in time stamp order.
 *
 * The counters' windows move with the events' own time (logstats.h):
 * a source read after another would find its lines "older than the
 * window" but for its last minutes. So each source is read a chunk at
 * a time into a buffer of its own, and the line with the oldest time
 * stamp among the buffers' heads goes first. A line without a time
 * stamp takes its source's previous one, so it keeps its place.
 *
 * A line from a source is valid only during the source's callback, so
 * buffered lines are copied (the text once; host, program and message
 * are offsets into it, or copies when the header reader rebuilt them).
 * One source alone needs no order: its lines go straight through.
 *
 * Every line a source delivered is handed on before the call returns,
 * even when the deadline cuts the round: the source's saved position
 * is after the last line delivered, so a line held back would be lost
 * by a restart.
 *
 * A replay (--once) reads on a thread of its own, in batches, while the
 * caller parses and counts (logs_feed_run_piped): reading and splitting
 * a line costs about a third of parsing and counting it, and the
 * machine has another core for it.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logs.h"

/* what one read of a source may deliver into its buffer */
#define CHUNK_LINES 4096
#define CHUNK_BYTES (1024 * 1024)
/* a replay's batches: lines and bytes of one, and how many circulate */
#define BATCH_LINES 8192
#define BATCH_BYTES (1024 * 1024)
#define NBATCH 4
/* the deadline is looked at every this many lines (one source alone) */
#define SOLO_LINES 65536

struct piece {
	uint32_t off, n;
};

struct held {
	int64_t ts;
	long pid;
	enum log_parser parser;
	struct piece text, host, prog, msg;
};

struct buf {
	struct logsrc *src;
	char *bytes;
	size_t used, cap;
	struct held *v;
	size_t n, head, vcap;
	int64_t last_ts;	/* for lines without a time stamp */
	bool open;		/* may have more this round */
	enum logsrc_rc rc;
};

struct logs_feed {
	struct buf *b;
	size_t n;
};

struct logs_feed *
logs_feed_new(struct logsrc **src, size_t n)
{
	struct logs_feed *f = xcalloc(1, sizeof(*f));
	size_t i;

	f->b = xcalloc(n ? n : 1, sizeof(*f->b));
	f->n = n;
	for (i = 0; i < n; i++)
		f->b[i].src = src[i];
	return f;
}

void
logs_feed_free(struct logs_feed *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->b[i].bytes);
		free(f->b[i].v);
	}
	free(f->b);
	free(f);
}

static uint32_t
put(struct buf *b, const char *p, size_t n)
{
	uint32_t off;

	if (b->used + n > b->cap) {
		b->cap = (b->used + n) * 2;
		b->bytes = xrealloc(b->bytes, b->cap);
	}
	off = (uint32_t)b->used;
	if (n)
		memcpy(b->bytes + b->used, p, n);
	b->used += n;
	return off;
}

/* A piece of the line: inside its text an offset, else a copy. */
static struct piece
piece_of(struct buf *b, const struct log_str *text, uint32_t text_off,
    struct log_str s)
{
	struct piece pc = { 0, (uint32_t)s.n };

	if (s.n == 0)
		return pc;
	if (s.p >= text->p && s.p + s.n <= text->p + text->n)
		pc.off = text_off + (uint32_t)(s.p - text->p);
	else
		pc.off = put(b, s.p, s.n);
	return pc;
}

static void
hold_line(void *arg, const struct log_line *l)
{
	struct buf *b = arg;
	struct held *h;
	uint32_t t;

	if (b->n == b->vcap) {
		b->vcap = b->vcap ? b->vcap * 2 : 256;
		b->v = xreallocarray(b->v, b->vcap, sizeof(*b->v));
	}
	h = &b->v[b->n++];
	t = put(b, l->text.p, l->text.n);
	h->text = (struct piece){ t, (uint32_t)l->text.n };
	h->host = piece_of(b, &l->text, t, l->host);
	h->prog = piece_of(b, &l->text, t, l->prog);
	h->msg = piece_of(b, &l->text, t, l->msg);
	h->pid = l->pid;
	h->parser = l->parser;
	if (l->ts != 0)
		b->last_ts = l->ts;
	h->ts = b->last_ts;
}

static void
refill(struct buf *b, int64_t deadline_ms)
{
	struct logsrc_budget bud = { CHUNK_LINES, CHUNK_BYTES };

	b->used = 0;
	b->n = 0;
	b->head = 0;
	if (!b->open)
		return;
	if (deadline_ms && mh_now_ms() >= deadline_ms) {
		b->open = false;
		return;
	}
	b->rc = logsrc_read(b->src, hold_line, b, &bud);
	b->open = b->rc == LOGSRC_MORE;
}

static struct log_str
str_of(const struct buf *b, struct piece pc)
{
	return (struct log_str){ b->bytes + pc.off, pc.n };
}

static void
give(const struct buf *b, const struct held *h, logs_line_fn *fn, void *arg)
{
	struct log_line l;

	l.text = str_of(b, h->text);
	l.host = str_of(b, h->host);
	l.prog = str_of(b, h->prog);
	l.msg = str_of(b, h->msg);
	l.ts = h->ts;
	l.pid = h->pid;
	l.parser = h->parser;
	fn(arg, &l);
}

struct solo {
	logs_line_fn *fn;
	void *arg;
	uint64_t n;
};

static void
solo_line(void *arg, const struct log_line *l)
{
	struct solo *s = arg;

	s->n++;
	s->fn(s->arg, l);
}

static uint64_t
run_solo(struct buf *b, logs_line_fn *fn, void *arg, int64_t deadline_ms,
    bool *capped)
{
	struct logsrc_budget bud = { SOLO_LINES, 0 };
	struct solo s = { fn, arg, 0 };

	for (;;) {
		b->rc = logsrc_read(b->src, solo_line, &s, &bud);
		if (b->rc != LOGSRC_MORE)
			break;
		if (deadline_ms && mh_now_ms() >= deadline_ms) {
			*capped = true;
			break;
		}
	}
	return s.n;
}

uint64_t
logs_feed_run(struct logs_feed *f, logs_line_fn *fn, void *arg,
    int64_t deadline_ms, bool *capped, enum logsrc_rc *rc)
{
	uint64_t n = 0;
	size_t i;

	*capped = false;
	if (f->n == 1) {
		n = run_solo(&f->b[0], fn, arg, deadline_ms, capped);
		rc[0] = f->b[0].rc;
		return n;
	}
	for (i = 0; i < f->n; i++) {
		f->b[i].open = true;
		f->b[i].rc = LOGSRC_IDLE;
		refill(&f->b[i], 0);
	}
	for (;;) {
		struct buf *best = NULL;

		for (i = 0; i < f->n; i++) {
			struct buf *b = &f->b[i];

			if (b->head == b->n) {
				if (b->open && deadline_ms &&
				    mh_now_ms() >= deadline_ms)
					*capped = true;
				refill(b, deadline_ms);
			}
			if (b->head < b->n && (best == NULL ||
			    b->v[b->head].ts < best->v[best->head].ts))
				best = b;
		}
		if (best == NULL)
			break;
		give(best, &best->v[best->head++], fn, arg);
		n++;
	}
	for (i = 0; i < f->n; i++)
		rc[i] = f->b[i].rc;
	return n;
}

/* ------------------------------------------------------------------ */
/* A replay: a reader thread runs the feed into batches, the caller
 * parses them. Batches circulate: full ones to the caller, empty ones
 * back. */

struct piped {
	struct logs_feed *f;
	enum logsrc_rc *rc;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct buf b[NBATCH];
	size_t full[NBATCH], nfull, fhead;	/* a queue of indexes */
	size_t empty[NBATCH], nempty;
	size_t cur;		/* the reader's batch */
	bool done;
	uint64_t n;
};

static void
batch_push(struct piped *pp)
{
	pthread_mutex_lock(&pp->mu);
	pp->full[(pp->fhead + pp->nfull++) % NBATCH] = pp->cur;
	pthread_cond_broadcast(&pp->cv);
	while (pp->nempty == 0)
		pthread_cond_wait(&pp->cv, &pp->mu);
	pp->cur = pp->empty[--pp->nempty];
	pthread_mutex_unlock(&pp->mu);
	pp->b[pp->cur].used = pp->b[pp->cur].n = 0;
}

static void
batch_line(void *arg, const struct log_line *l)
{
	struct piped *pp = arg;
	struct buf *b = &pp->b[pp->cur];

	hold_line(b, l);
	/* hold_line fills in lines without a time stamp from the last one
	 * of the batch: carry it over batches */
	pp->n++;
	if (b->n >= BATCH_LINES || b->used >= BATCH_BYTES) {
		int64_t last = b->last_ts;

		batch_push(pp);
		pp->b[pp->cur].last_ts = last;
	}
}

static void *
reader(void *arg)
{
	struct piped *pp = arg;
	bool capped;

	logs_feed_run(pp->f, batch_line, pp, 0, &capped, pp->rc);
	pthread_mutex_lock(&pp->mu);
	pp->full[(pp->fhead + pp->nfull++) % NBATCH] = pp->cur;
	pp->done = true;
	pthread_cond_broadcast(&pp->cv);
	pthread_mutex_unlock(&pp->mu);
	return NULL;
}

uint64_t
logs_feed_run_piped(struct logs_feed *f, logs_line_fn *fn, void *arg,
    enum logsrc_rc *rc)
{
	struct piped pp;
	pthread_t t;
	size_t i, k;
	bool capped;

	memset(&pp, 0, sizeof(pp));
	pp.f = f;
	pp.rc = rc;
	pthread_mutex_init(&pp.mu, NULL);
	pthread_cond_init(&pp.cv, NULL);
	for (i = 1; i < NBATCH; i++)
		pp.empty[pp.nempty++] = i;
	pp.cur = 0;
	if (pthread_create(&t, NULL, reader, &pp) != 0) {
		/* no thread: read and parse here */
		pthread_cond_destroy(&pp.cv);
		pthread_mutex_destroy(&pp.mu);
		return logs_feed_run(f, fn, arg, 0, &capped, rc);
	}
	for (;;) {
		struct buf *b;

		pthread_mutex_lock(&pp.mu);
		while (pp.nfull == 0 && !pp.done)
			pthread_cond_wait(&pp.cv, &pp.mu);
		if (pp.nfull == 0) {
			pthread_mutex_unlock(&pp.mu);
			break;
		}
		k = pp.full[pp.fhead];
		pp.fhead = (pp.fhead + 1) % NBATCH;
		pp.nfull--;
		pthread_mutex_unlock(&pp.mu);
		b = &pp.b[k];
		for (i = 0; i < b->n; i++)
			give(b, &b->v[i], fn, arg);
		pthread_mutex_lock(&pp.mu);
		pp.empty[pp.nempty++] = k;
		pthread_cond_broadcast(&pp.cv);
		pthread_mutex_unlock(&pp.mu);
	}
	pthread_join(t, NULL);
	for (i = 0; i < NBATCH; i++) {
		free(pp.b[i].bytes);
		free(pp.b[i].v);
	}
	pthread_cond_destroy(&pp.cv);
	pthread_mutex_destroy(&pp.mu);
	return pp.n;
}
