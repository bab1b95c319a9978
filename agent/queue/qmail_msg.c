/*
 * qmail_msg.c: the qmail reader's messages: one small record per
 * message in an open-addressing table on the message number, and the
 * packed sender and recipient domains each record keeps.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queue/qmail.h"

/* "123" -> 123; 0 for anything that is not a plain decimal number. */
uint64_t
qmail_msg_id(const char *s)
{
	uint64_t v = 0;

	if (*s == '\0' || (*s == '0' && s[1] != '\0'))
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	return v;
}

/* ------------------------------------------------------------------ */
/* The records and the table on the message number. */

void
qmail_tab_init(struct qmail *q)
{
	q->tcap = 1024;
	q->tab = xcalloc(q->tcap, sizeof(*q->tab));
	q->senders = strtab_new(QUEUE_KEEP_ONCE);
	q->domains = strtab_new(SIZE_MAX);
}

void
qmail_tab_free(struct qmail *q)
{
	size_t i;

	for (i = 0; i < q->nchunks; i++)
		free(q->chunks[i]);
	free(q->chunks);
	free(q->freerec);
	free(q->tab);
	strtab_free(q->senders);
	strtab_free(q->domains);
	free(q->rpool);
}

static struct qm_msg *
qmail_rec(const struct qmail *q, uint32_t i)
{
	return &q->chunks[i / QM_CHUNK][i % QM_CHUNK];
}

static size_t
qmail_tab_slot(const struct qmail *q, uint64_t id)
{
	uint64_t h = id * 0x9E3779B97F4A7C15ULL;

	return (size_t)(h >> 17) & (q->tcap - 1);
}

struct qm_msg *
qmail_tab_at(const struct qmail *q, size_t slot)
{
	return q->tab[slot] ? qmail_rec(q, q->tab[slot] - 1) : NULL;
}

struct qm_msg *
qmail_tab_get(const struct qmail *q, uint64_t id)
{
	size_t s = qmail_tab_slot(q, id);

	for (; q->tab[s]; s = (s + 1) & (q->tcap - 1))
		if (qmail_rec(q, q->tab[s] - 1)->id == id)
			return qmail_rec(q, q->tab[s] - 1);
	return NULL;
}

static void
qmail_tab_put(struct qmail *q, uint32_t ri)
{
	size_t s = qmail_tab_slot(q, qmail_rec(q, ri)->id);

	while (q->tab[s])
		s = (s + 1) & (q->tcap - 1);
	q->tab[s] = ri + 1;
	q->tn++;
}

static void
qmail_tab_resize(struct qmail *q, size_t cap)
{
	uint32_t *old = q->tab;
	size_t ocap = q->tcap, i;

	q->tab = xcalloc(cap, sizeof(*q->tab));
	q->tcap = cap;
	q->tn = 0;
	for (i = 0; i < ocap; i++)
		if (old[i])
			qmail_tab_put(q, old[i] - 1);
	free(old);
}

struct qm_msg *
qmail_tab_add(struct qmail *q, uint64_t id)
{
	struct qm_msg *m;
	uint32_t ri;

	if ((q->tn + 1) * 4 > q->tcap * 3)
		qmail_tab_resize(q, q->tcap * 2);
	if (q->nfree)
		ri = q->freerec[--q->nfree];
	else {
		if (q->nrec == q->nchunks * QM_CHUNK) {
			q->chunks = xreallocarray(q->chunks, q->nchunks + 1,
			    sizeof(*q->chunks));
			q->chunks[q->nchunks++] = xcalloc(QM_CHUNK,
			    sizeof(struct qm_msg));
		}
		ri = (uint32_t)q->nrec++;
	}
	m = qmail_rec(q, ri);
	memset(m, 0, sizeof(*m));
	m->id = id;
	qmail_tab_put(q, ri);
	return m;
}

/* Free the messages a scan did not see, and rehash the rest (dropping
 * from an open-addressing table is simplest done by rebuilding it). */
void
qmail_tab_sweep(struct qmail *q)
{
	size_t i, gone = 0;

	for (i = 0; i < q->tcap; i++) {
		struct qm_msg *m;

		if (!q->tab[i])
			continue;
		m = qmail_rec(q, q->tab[i] - 1);
		if (m->gen == q->mgen)
			continue;
		if (q->nfree == q->cfree) {
			q->cfree = q->cfree ? q->cfree * 2 : 256;
			q->freerec = xreallocarray(q->freerec, q->cfree,
			    sizeof(*q->freerec));
		}
		q->freerec[q->nfree++] = q->tab[i] - 1;
		qmail_msg_clear(q, m);
		memset(m, 0, sizeof(*m));
		q->tab[i] = 0;
		gone++;
	}
	if (gone) {
		size_t cap = q->tcap;

		q->tn -= gone;
		while (cap > 1024 && q->tn * 8 < cap)
			cap /= 2;
		qmail_tab_resize(q, cap);
	}
}

/* ------------------------------------------------------------------ */
/* A message's sender and recipient domains. */

void
qmail_msg_view(const struct qmail *q, const struct qm_msg *m,
    struct msg_view *v)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	v->sender = m->sender ? strtab_str(q->senders, m->sender) : NULL;
	for (i = 0; i < SRC_N; i++) {
		uint32_t d = m->dom[i];

		if (d == 0)
			continue;
		if (d & QM_LIST) {
			v->n[i] = q->rpool[d & ~QM_LIST];
			v->ids[i] = &q->rpool[(d & ~QM_LIST) + 1];
		} else {
			v->one[i] = d;
			v->n[i] = 1;
			v->ids[i] = &v->one[i];
		}
	}
}

void
qmail_msg_mark(struct qmail *q, const struct qm_msg *m)
{
	struct msg_view v;
	size_t i, j;

	strtab_mark(q->senders, m->sender, q->gen);
	qmail_msg_view(q, m, &v);
	for (i = 0; i < SRC_N; i++)
		for (j = 0; j < v.n[i]; j++)
			strtab_mark(q->domains, v.ids[i][j], q->gen);
}

static void
qmail_dom_drop(struct qmail *q, uint32_t *d)
{
	if (*d & QM_LIST)
		q->rlive -= q->rpool[*d & ~QM_LIST] + 1;
	*d = 0;
}

void
qmail_msg_clear(struct qmail *q, struct qm_msg *m)
{
	size_t i;

	m->sender = 0;
	for (i = 0; i < SRC_N; i++)
		qmail_dom_drop(q, &m->dom[i]);
}

void
qmail_msg_sweep(struct qmail *q)
{
	uint32_t *np = NULL;
	size_t i, n = 0, c;

	strtab_sweep(q->senders, q->gen);
	strtab_sweep(q->domains, q->gen);
	if (q->nrpool <= 2 * q->rlive + 4096)
		return;
	/* more than half of the pool is lists no message has any more */
	c = q->rlive + 1024;
	np = xreallocarray(NULL, c, sizeof(*np));
	for (i = 0; i < q->tcap; i++) {
		struct qm_msg *m;
		int k;

		if (!q->tab[i])
			continue;
		m = qmail_rec(q, q->tab[i] - 1);
		for (k = 0; k < SRC_N; k++) {
			uint32_t d = m->dom[k], len;

			if (!(d & QM_LIST))
				continue;
			len = q->rpool[d & ~QM_LIST] + 1;
			memcpy(np + n, q->rpool + (d & ~QM_LIST),
			    len * sizeof(*np));
			m->dom[k] = QM_LIST | (uint32_t)n;
			n += len;
		}
	}
	free(q->rpool);
	q->rpool = np;
	q->nrpool = n;
	q->crpool = c;
	q->rlive = n;
}

void
qmail_msg_set_sender(struct qmail *q, struct qm_msg *m, const char *s)
{
	size_t n;

	/* qmail-send sends double bounces from "#@[]", qmail's own null
	 * sender for a bounce of a bounce: count them with the bounces */
	if (strcmp(s, "#@[]") == 0)
		s = "";
	n = strlen(s);
	/* the null sender makes the bounce count: always kept by name */
	m->sender = strtab_get(q->senders, s, n, q->gen, n == 0);
}

/* Set the pending domains of one source; pass e NULL to clear them. */
void
qmail_msg_set_domains(struct qmail *q, struct qm_msg *m, int src,
    const struct qmail_env *e)
{
	size_t i, n = e ? e->npending : 0;
	uint32_t off;

	qmail_dom_drop(q, &m->dom[src]);
	if (n == 0)
		return;
	if (n > 1) {
		if (q->nrpool + n + 1 > q->crpool) {
			q->crpool = (q->nrpool + n + 1) * 3 / 2 + 64;
			q->rpool = xreallocarray(q->rpool, q->crpool,
			    sizeof(*q->rpool));
		}
		off = (uint32_t)q->nrpool;
		q->rpool[q->nrpool++] = (uint32_t)n;
		q->rlive += n + 1;
	}
	for (i = 0; i < n; i++) {
		const char *at = strrchr(e->rcpt[i], '@');
		uint32_t id = strtab_get(q->domains, at ? at : "",
		    at ? strlen(at) : 0, q->gen, true);

		if (n == 1)
			m->dom[src] = id;
		else
			q->rpool[q->nrpool++] = id;
	}
	if (n > 1)
		m->dom[src] = QM_LIST | off;
}

void
qmail_msg_dirty(struct qmail *q, struct qm_msg *m, uint8_t bits)
{
	/* a scan that lists every directory reads them anyway: no list
	 * (on a first scan it would hold every message) */
	if (m->dirty == 0 && q->events) {
		if (q->ndirty == q->cdirty) {
			q->cdirty = q->cdirty ? q->cdirty * 2 : 256;
			q->dirtyv = xreallocarray(q->dirtyv, q->cdirty,
			    sizeof(*q->dirtyv));
		}
		q->dirtyv[q->ndirty++] = m;
	}
	m->dirty |= bits;
}

/* ------------------------------------------------------------------ */
/* A message's report to queue_add(). */

/* Append cnt domains (ids) to the recipient list for queue_add(). */
static size_t
push_domains(struct qmail *q, size_t n, const uint32_t *ids, uint32_t cnt)
{
	uint32_t i;

	if (n + cnt > q->rcptcap) {
		q->rcptcap = (n + cnt) * 2;
		q->rcpt = xreallocarray(q->rcpt, q->rcptcap, sizeof(*q->rcpt));
	}
	for (i = 0; i < cnt; i++)
		q->rcpt[n++] = strtab_str(q->domains, ids[i]);
	return n;
}

void
qmail_msg_report(struct qmail *q, struct qm_msg *m, struct queue_acc *acc)
{
	struct queue_msg qm;
	struct msg_view v;
	size_t n = 0;
	int c;

	/* what this scan did not see is gone */
	if (!(m->seen & SEEN_TODO) && m->todo_ino) {
		m->todo_ino = 0;
		qmail_msg_set_domains(q, m, SRC_TODO, NULL);
	}
	if (!(m->seen & SEEN_INFO)) {
		m->info_ino = 0;
		m->flags &= (uint8_t)~F_INFO_TIME;
	}
	for (c = 0; c < 2; c++)
		if (!(m->seen & (c == 0 ? SEEN_LOCAL : SEEN_REMOTE))) {
			m->chan_sig[c] = 0;
			qmail_msg_set_domains(q, m, SRC_LOCAL + c, NULL);
		}
	if (!(m->seen & (SEEN_TODO | SEEN_INFO)))
		m->flags &= (uint8_t)~F_SENDER;
	/* qmail-queue has finished writing mess before it links todo, so
	 * from then on mess is final and need not be stat()ed again */
	if (m->seen & (SEEN_TODO | SEEN_INFO))
		m->flags |= F_MESS_FINAL;
	m->dirty = 0;

	qmail_msg_mark(q, m);
	qmail_msg_view(q, m, &v);
	memset(&qm, 0, sizeof(qm));
	qm.queues = 0;	/* the total is mhQueueMessages, not a row */
	qm.size = m->size;
	qm.arrival = (time_t)m->arrival;
	if (m->seen & SEEN_TODO) {
		/* not preprocessed: todo is the truth, even if a crashed
		 * qmail-send left info/local/remote behind */
		qm.queues |= 1u << Q_TODO;
		n = push_domains(q, n, v.ids[SRC_TODO], v.n[SRC_TODO]);
	} else {
		if (v.n[SRC_LOCAL])
			qm.queues |= 1u << Q_LOCAL;
		if (v.n[SRC_REMOTE])
			qm.queues |= 1u << Q_REMOTE;
		n = push_domains(q, n, v.ids[SRC_LOCAL], v.n[SRC_LOCAL]);
		n = push_domains(q, n, v.ids[SRC_REMOTE], v.n[SRC_REMOTE]);
	}
	if (m->seen & SEEN_BOUNCE)
		qm.queues |= 1u << Q_BOUNCE;
	/* mess alone is a message qmail-queue is still writing, or one
	 * qmail-clean has yet to remove: counted, its sender unknown */
	qm.sender = (m->flags & F_SENDER) && v.sender ? v.sender : NULL;
	qm.nrcpt = n;
	qm.rcpt = q->rcpt;
	/* a message in both local and remote counts in each row with that
	 * channel's recipients only */
	{
		size_t per[Q_BOUNCE + 1];

		per[Q_TODO] = per[Q_BOUNCE] = n;
		per[Q_LOCAL] = (m->seen & SEEN_TODO) ? 0 : v.n[SRC_LOCAL];
		per[Q_REMOTE] = (m->seen & SEEN_TODO) ? 0 : v.n[SRC_REMOTE];
		qm.qrcpt = per;
		queue_add(acc, &qm);
	}
}
