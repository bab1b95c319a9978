/*
 * queue.c: the queue collector shared by every MTA.
 *
 * The MTA-specific reader (queue_postfix.c, ...) walks the queue on disk
 * and reports each message through queue_add(). Here those become the
 * per-queue rows, totals, bounces, many-recipient count and the top
 * sender / recipient-domain tables (Space-Saving, topk.c), and growth per
 * minute over the recent rounds.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue/queue.h"

/* Adding an MTA: one reader file and one row here. */
static const struct queue_reader *const readers[] = {
	&queue_postfix,
	&queue_qmail,
	&queue_exim,
};

/* Growth is measured over this many seconds of history (or what there is
 * of it, once two rounds have run). */
#define GROWTH_WINDOW 300
#define GROWTH_SAMPLES 64

struct queue_acc {
	struct queue_part *snap;	/* the part being filled */
	struct part *part;		/* for errors */
	const struct queue_reader *reader;
	struct topk *senders;
	struct topk *domains;
	long many_rcpt;
	size_t nqueues;
	/* queue_unknown(): rows (bit i = the reader's queue i) and the whole
	 * queue whose counts this round are unknown, not smaller */
	uint32_t unknown_rows;
	bool unknown_all;
};

struct growth_sample {
	time_t t;
	uint64_t total;
};

struct queue_state {
	const struct queue_reader *reader;	/* NULL: auto found none */
	void *rstate;
	struct conf_mta mta;
	struct topk *senders;
	struct topk *domains;
	size_t top_n;
	struct growth_sample hist[GROWTH_SAMPLES];
	size_t nhist, hpos;
};

const struct queue_reader *
queue_reader_find(enum mh_mta mta)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(readers); i++)
		if (readers[i]->mta == mta)
			return readers[i];
	return NULL;
}

enum mh_mta
queue_detect(const struct conf_mta *m)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(readers); i++)
		if (readers[i]->detect && readers[i]->detect(m))
			return readers[i]->mta;
	return MH_MTA_NONE;
}

static void
lower_into(char *dst, size_t dlen, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < dlen && src[i]; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

const char *
mta_name(enum mh_mta m)
{
	switch (m) {
	case MH_MTA_POSTFIX: return "postfix";
	case MH_MTA_QMAIL: return "qmail";
	case MH_MTA_EXIM: return "exim";
	case MH_MTA_NONE: break;
	}
	return "none";
}

void
queue_add(struct queue_acc *a, const struct queue_msg *m)
{
	struct queue_part *s = a->snap;
	size_t i;
	char dom[256];

	for (i = 0; i < a->nqueues; i++) {
		struct snap_queue *q = &s->queues[i];

		if (!(m->queues & (1u << i)))
			continue;
		q->messages++;
		q->bytes += m->size;
		q->recipients += m->qrcpt ? m->qrcpt[i] : m->nrcpt;
		if (m->arrival && (q->oldest == 0 || m->arrival < q->oldest))
			q->oldest = m->arrival;
	}
	s->q_messages++;
	s->q_bytes += m->size;
	s->q_recipients += m->nrcpt;
	if (m->arrival && (s->q_oldest == 0 || m->arrival < s->q_oldest))
		s->q_oldest = m->arrival;
	if (m->sender != NULL && (m->sender[0] == '\0' ||
	    strcasecmp(m->sender, "MAILER-DAEMON") == 0))
		s->q_bounces++;
	if (a->many_rcpt > 0 && m->nrcpt > (size_t)a->many_rcpt)
		s->q_manyrcpt++;

	/* Addresses are case-insensitive in practice (the local part is
	 * not by the RFC, but no flood varies its case to matter). */
	if (m->sender == NULL) {
		/* unknown (a damaged or half-written file): counted in the
		 * totals, but naming it in top senders would only confuse */
	} else if (m->sender[0] == '\0')
		topk_add(a->senders, "", 1);	/* the null sender: "" as the MIB says */
	else {
		char key[512];

		lower_into(key, sizeof(key), m->sender);
		topk_add(a->senders, key, 1);
	}
	for (i = 0; i < m->nrcpt; i++) {
		const char *at = strrchr(m->rcpt[i], '@');

		lower_into(dom, sizeof(dom), at ? at + 1 : "(local)");
		if (dom[0] == '\0')
			strcpy(dom, "(local)");
		topk_add(a->domains, dom, 1);
	}
}

void
queue_error(struct queue_acc *a, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("queue", "%s", buf);
	part_error(a->part, "%s", buf);
}

void
queue_unknown(struct queue_acc *a, int row, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	/* said once per row (or whole queue) and scan: the readers may
	 * meet the same unreadable directory many times over */
	if (row < 0 || row >= 32) {
		if (a->unknown_all)
			return;
		a->unknown_all = true;
	} else {
		if (a->unknown_rows & (1u << row))
			return;
		a->unknown_rows |= 1u << row;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	queue_error(a, "%s", buf);
}

/* Ready a for one scan by r into s, whose rows are named from r's
 * queues. */
static void
queue_acc_start(struct queue_acc *a, struct queue_part *s, struct part *p,
    const struct queue_reader *r)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	a->snap = s;
	a->part = p;
	a->reader = r;
	for (i = 0; r->queues[i] && i < SNAP_QUEUES_MAX; i++)
		snprintf(s->queues[i].name, sizeof(s->queues[i].name), "%s",
		    r->queues[i]);
	a->nqueues = s->nqueues = i;
}

struct queue_acc *
queue_acc_new(struct queue_part *s, struct part *p,
    const struct queue_reader *r, size_t counters)
{
	struct queue_acc *a = xmalloc(sizeof(*a));

	queue_acc_start(a, s, p, r);
	a->senders = topk_new(counters);
	a->domains = topk_new(counters);
	return a;
}

void
queue_acc_free(struct queue_acc *a)
{
	if (a == NULL)
		return;
	topk_free(a->senders);
	topk_free(a->domains);
	free(a);
}

bool
queue_acc_unknown(const struct queue_acc *a, uint32_t *rows)
{
	*rows = a->unknown_rows;
	return a->unknown_all;
}

/* Keep the first message (errno text appended when err is set), count
 * the rest. */
void
queue_errs_add(struct queue_errs *e, int err, const char *fmt, ...)
{
	va_list ap;

	if (e->n++ != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(e->first, sizeof(e->first), fmt, ap);
	va_end(ap);
	if (err) {
		size_t l = strlen(e->first);

		snprintf(e->first + l, sizeof(e->first) - l, ": %s",
		    strerror(err));
	}
}

int64_t
queue_mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

uint32_t
queue_file_sig(const struct stat *st)
{
	uint64_t h = (uint64_t)st->st_ino * 0x9E3779B97F4A7C15ULL;

	h ^= (uint64_t)queue_mtime_ns(st) + 0x632BE59BD9B4E019ULL + (h << 6) +
	    (h >> 2);
	h ^= (uint64_t)st->st_size * 0xC2B2AE3D27D4EB4FULL;
	h ^= h >> 32;
	return (uint32_t)h > QUEUE_SIG_NONE ? (uint32_t)h : QUEUE_SIG_NONE + 1;
}

uint32_t
queue_ino_sig(uint64_t ino)
{
	uint64_t h = ino * 0x9E3779B97F4A7C15ULL;

	h ^= h >> 32;
	return (uint32_t)h ? (uint32_t)h : 1;
}

/* Bytes read from queue files (a test hook): readers may read from
 * several threads, hence atomic. */
static unsigned long long queue_nread;

void
queue_bytes_add(size_t n)
{
	__atomic_fetch_add(&queue_nread, (unsigned long long)n,
	    __ATOMIC_RELAXED);
}

unsigned long long
queue_bytes_read(void)
{
	return __atomic_load_n(&queue_nread, __ATOMIC_RELAXED);
}

/* The first read is this big: envelopes fit in it, and a file that is
 * not one shows it there. */
#define QUEUE_READ_FIRST 65536

ssize_t
queue_read_file(int dfd, const char *name, char **buf, size_t *cap,
    size_t max, struct stat *st, bool (*plausible)(const char *, size_t))
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat own;
	size_t len = 0;
	int saved;

	if (fd < 0)
		return errno == ENOENT ? -2 : -1;
	if (st && fstat(fd, st) < 0)
		goto fail;
	if (st && (uint64_t)st->st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	for (;;) {
		size_t want;
		ssize_t r;

		if (len + 4096 > *cap) {
			*cap = *cap ? *cap * 2 : QUEUE_READ_FIRST * 2;
			*buf = xrealloc(*buf, *cap);
		}
		want = *cap - len - 1;
		if (len == 0 && want > QUEUE_READ_FIRST)
			want = QUEUE_READ_FIRST;
		r = read(fd, *buf + len, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		queue_bytes_add((size_t)r);
		/* a file whose start is not an envelope (a sparse file of
		 * zeros, garbage) is not read further: the parser says
		 * what is wrong with what was read */
		if (len == 0 && plausible && !plausible(*buf, (size_t)r)) {
			len = (size_t)r;
			break;
		}
		len += (size_t)r;
		if (len > max) {	/* it grew while we read */
			errno = EFBIG;
			goto fail;
		}
		/* without st: a read shorter than asked is the end of a
		 * regular file; a first read that fills the buffer is a big
		 * file, whose size is looked at now, before more is read */
		if (st == NULL) {
			if ((size_t)r < want)
				break;
			st = &own;
			if (fstat(fd, st) < 0)
				goto fail;
			if ((uint64_t)st->st_size > max) {
				errno = EFBIG;
				goto fail;
			}
		}
		/* as long as fstat said: done, without a read to see EOF
		 * (queue files do not grow; one that does is read next
		 * time it changes) */
		if (len == (size_t)st->st_size)
			break;
	}
	close(fd);
	return (ssize_t)len;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static void *
queue_init(const void *cc, const struct conf *c)
{
	const struct conf_mta *m = cc;
	struct queue_state *st;
	enum mh_mta kind = m->kind;
	const struct queue_reader *r = NULL;

	(void)c;
	st = xcalloc(1, sizeof(*st));
	st->mta = *m;
	if (m->is_auto)
		kind = queue_detect(m);
	st->mta.kind = kind;
	if (kind == MH_MTA_NONE) {
		/* still publish a part: mhAgentMta says none(1) */
		log_warnx("queue", "no MTA queue found (mta auto): queue "
		    "objects stay empty");
		return st;
	}
	if ((r = queue_reader_find(kind)) == NULL) {
		log_warnx("queue", "no queue reader for %s", mta_name(kind));
		return st;
	}
	st->reader = r;
	st->top_n = (size_t)m->top_n;
	st->senders = topk_new((size_t)m->topk_counters);
	st->domains = topk_new((size_t)m->topk_counters);
	st->rstate = r->open(&st->mta);
	if (st->rstate == NULL) {
		/* open() logged why; retry at the next round */
		log_warnx("queue", "%s queue reader not ready, will retry",
		    r->name);
	}
	log_info("queue", "reading the %s queue", r->name);
	return st;
}

static void
queue_growth(struct queue_state *st, struct queue_part *s, time_t taken)
{
	size_t i, best = SIZE_MAX;
	time_t oldest = 0;

	/* the oldest sample still inside the window */
	for (i = 0; i < st->nhist; i++) {
		const struct growth_sample *g = &st->hist[i];

		if (taken - g->t > GROWTH_WINDOW || g->t >= taken)
			continue;
		if (best == SIZE_MAX || g->t < oldest) {
			best = i;
			oldest = g->t;
		}
	}
	if (best != SIZE_MAX) {
		double dt = (double)(taken - st->hist[best].t);
		double dq = (double)s->q_messages -
		    (double)st->hist[best].total;

		s->q_growth = (int64_t)(dq * 60.0 / dt +
		    (dq >= 0 ? 0.5 : -0.5));
		s->have |= SNAP_HAVE_QUEUE_GROWTH;
	}
	st->hist[st->hpos].t = taken;
	st->hist[st->hpos].total = s->q_messages;
	st->hpos = (st->hpos + 1) % GROWTH_SAMPLES;
	if (st->nhist < GROWTH_SAMPLES)
		st->nhist++;
}

static int
queue_collect(void *arg, struct part *p)
{
	struct queue_state *st = arg;
	struct queue_part *s = xcalloc(1, sizeof(*s));
	struct queue_acc a;
	size_t i;
	int rc;

	p->data = s;
	s->mta = st->mta.kind;
	if (st->reader == NULL)
		return 0;
	if (st->rstate == NULL) {
		st->rstate = st->reader->open(&st->mta);
		if (st->rstate == NULL) {
			part_error(p, "%s queue not readable",
			    st->reader->name);
			return -1;
		}
	}
	queue_acc_start(&a, s, p, st->reader);
	a.senders = st->senders;
	a.domains = st->domains;
	a.many_rcpt = st->mta.many_rcpt;
	topk_reset(st->senders);
	topk_reset(st->domains);

	rc = st->reader->scan(st->rstate, &a);
	if (rc < 0) {
		/* a failed scan publishes no queue numbers rather than
		 * wrong ones: the objects answer noSuchInstance */
		memset(s->queues, 0, sizeof(s->queues));
		s->nqueues = 0;
		s->q_messages = s->q_bytes = s->q_recipients = 0;
		s->q_bounces = s->q_manyrcpt = 0;
		s->q_oldest = 0;
		return -1;
	}
	/* A directory that should be there and could not be read makes
	 * its row unknown, and with it the totals, the top lists and the
	 * growth sample: a smaller number would read as an all-clear. The
	 * rows that were read stay known. */
	for (i = 0; i < s->nqueues; i++)
		if (!a.unknown_all && !(a.unknown_rows & (1u << i)))
			s->queues[i].have = SNAP_HAVE_QUEUE_ROW |
			    SNAP_HAVE_QUEUE_RCPT;
	if (a.unknown_all || a.unknown_rows) {
		p->incomplete = true;
		return 0;
	}
	s->have |= SNAP_HAVE_QUEUE | SNAP_HAVE_QUEUE_TOP | SNAP_HAVE_QUEUE_RCPT;
	snapshot_toplist_fill(&s->top_senders, st->senders, st->top_n,
	    s->q_messages);
	snapshot_toplist_fill(&s->top_domains, st->domains, st->top_n,
	    s->q_recipients);
	queue_growth(st, s, p->taken);
	return 0;
}

static void
queue_fini(void *arg)
{
	struct queue_state *st = arg;

	if (st == NULL)
		return;
	if (st->rstate)
		st->reader->close(st->rstate);
	topk_free(st->senders);
	topk_free(st->domains);
	free(st);
}

const struct collector collector_queue = {
	.name = "queue",
	.opts = queue_conf_opts,
	.deps = (const char *const[]){ "top_n", "topk_counters", NULL },
	.conf_validate = queue_conf_validate,
	.conf_read = queue_conf_read,
	.conf_free = queue_conf_free,
	.init = queue_init,
	.collect = queue_collect,
	.fini = queue_fini,
	.part_free = queue_part_free,
	.groups = queue_groups,
	.ngroups = 1,
};
