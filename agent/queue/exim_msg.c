/*
 * exim_msg.c: the Exim reader's messages, one 40-byte record each in
 * chunks that never move, an open-addressing table on the id's hash,
 * and the senders and recipient domains as strtab ids (see exim.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "queue/exim.h"

uint64_t
exim_key(const char *id, size_t n)
{
	uint64_t h = mh_fnv1a64(id, n);

	h ^= h >> 31;
	return h ? h : 1;
}

void
exim_tab_init(struct exim *x)
{
	x->tcap = 1024;
	x->tab = xcalloc(x->tcap, sizeof(*x->tab));
	x->senders = strtab_new(QUEUE_KEEP_ONCE);
	x->domains = strtab_new(SIZE_MAX);
}

void
exim_tab_free(struct exim *x)
{
	size_t i;

	for (i = 0; i < x->nchunks; i++)
		free(x->chunks[i]);
	free(x->chunks);
	free(x->freerec);
	free(x->tab);
	free(x->rpool);
	for (i = 0; i < EM_DIRS; i++) {
		size_t j;

		free(x->dirs[i].recs);
		for (j = 0; j < x->dirs[i].nj; j++)
			free(x->dirs[i].jids[j]);
		free(x->dirs[i].jids);
	}
	strtab_free(x->senders);
	strtab_free(x->domains);
}

static struct em_msg *
exim_rec(const struct exim *x, uint32_t i)
{
	return &x->chunks[i / EM_CHUNK][i % EM_CHUNK];
}

struct em_msg *
exim_msg_at(const struct exim *x, uint32_t ri)
{
	return exim_rec(x, ri);
}

struct em_msg *
exim_tab_get(const struct exim *x, uint64_t key, uint32_t *ri)
{
	size_t s = (size_t)(key >> 7) & (x->tcap - 1);

	for (; x->tab[s]; s = (s + 1) & (x->tcap - 1))
		if (exim_rec(x, x->tab[s] - 1)->key == key) {
			if (ri)
				*ri = x->tab[s] - 1;
			return exim_rec(x, x->tab[s] - 1);
		}
	return NULL;
}

static void
exim_tab_put(struct exim *x, uint32_t ri)
{
	size_t s = (size_t)(exim_rec(x, ri)->key >> 7) & (x->tcap - 1);

	while (x->tab[s])
		s = (s + 1) & (x->tcap - 1);
	x->tab[s] = ri + 1;
	x->tn++;
}

static void
exim_tab_resize(struct exim *x, size_t cap)
{
	uint32_t *old = x->tab;
	size_t ocap = x->tcap, i;

	x->tab = xcalloc(cap, sizeof(*x->tab));
	x->tcap = cap;
	x->tn = 0;
	for (i = 0; i < ocap; i++)
		if (old[i])
			exim_tab_put(x, old[i] - 1);
	free(old);
}

struct em_msg *
exim_tab_add(struct exim *x, uint64_t key, uint32_t *rip)
{
	struct em_msg *m;
	uint32_t ri;

	if ((x->tn + 1) * 4 > x->tcap * 3)
		exim_tab_resize(x, x->tcap * 2);
	if (x->nfree)
		ri = x->freerec[--x->nfree];
	else {
		if (x->nrec == x->nchunks * EM_CHUNK) {
			x->chunks = xreallocarray(x->chunks, x->nchunks + 1,
			    sizeof(*x->chunks));
			x->chunks[x->nchunks++] = xcalloc(EM_CHUNK,
			    sizeof(struct em_msg));
		}
		ri = (uint32_t)x->nrec++;
	}
	m = exim_rec(x, ri);
	memset(m, 0, sizeof(*m));
	m->key = key;
	exim_tab_put(x, ri);
	*rip = ri;
	return m;
}

static void
exim_dom_drop(struct exim *x, struct em_msg *m)
{
	if (m->dom & EM_LIST)
		x->rlive -= x->rpool[m->dom & ~EM_LIST] + 1;
	m->dom = 0;
}

void
exim_msg_clear(struct exim *x, struct em_msg *m)
{
	exim_dom_drop(x, m);
	m->sender = 0;
}

static void
exim_rpool_compact(struct exim *x)
{
	uint32_t *np;
	size_t i, n = 0, c;

	if (x->nrpool <= 2 * x->rlive + 4096)
		return;
	c = x->rlive + 1024;
	np = xreallocarray(NULL, c, sizeof(*np));
	for (i = 0; i < x->tcap; i++) {
		struct em_msg *m;
		uint32_t len;

		if (!x->tab[i])
			continue;
		m = exim_rec(x, x->tab[i] - 1);
		if (!(m->dom & EM_LIST))
			continue;
		len = x->rpool[m->dom & ~EM_LIST] + 1;
		memcpy(np + n, x->rpool + (m->dom & ~EM_LIST),
		    len * sizeof(*np));
		m->dom = EM_LIST | (uint32_t)n;
		n += len;
	}
	free(x->rpool);
	x->rpool = np;
	x->nrpool = n;
	x->crpool = c;
	x->rlive = n;
}

void
exim_tab_sweep(struct exim *x)
{
	size_t i, gone = 0;

	for (i = 0; i < x->tcap; i++) {
		struct em_msg *m;

		if (!x->tab[i])
			continue;
		m = exim_rec(x, x->tab[i] - 1);
		if (m->gen == x->gen)
			continue;
		if (x->nfree == x->cfree) {
			x->cfree = x->cfree ? x->cfree * 2 : 256;
			x->freerec = xreallocarray(x->freerec, x->cfree,
			    sizeof(*x->freerec));
		}
		x->freerec[x->nfree++] = x->tab[i] - 1;
		exim_msg_clear(x, m);
		memset(m, 0, sizeof(*m));
		x->tab[i] = 0;
		gone++;
	}
	if (gone) {
		size_t cap = x->tcap;

		x->tn -= gone;
		while (cap > 1024 && x->tn * 8 < cap)
			cap /= 2;
		exim_tab_resize(x, cap);
	}
	strtab_sweep(x->senders, x->gen);
	strtab_sweep(x->domains, x->gen);
	exim_rpool_compact(x);
}

void
exim_msg_set(struct exim *x, struct em_msg *m, const struct exim_hdr *h)
{
	size_t i, n = h->npending, sl = strlen(h->sender);
	uint32_t off = 0;

	exim_msg_clear(x, m);
	m->hdr_bytes = h->hdr_bytes > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)h->hdr_bytes;
	m->received = h->received > 0 && (uint64_t)h->received < UINT32_MAX ?
	    (uint32_t)h->received : 0;
	m->flags = (uint8_t)((m->flags & EM_BODY) | EM_OK |
	    (h->frozen ? EM_FROZEN : 0));
	/* the null sender makes the bounce count: always kept by name */
	m->sender = strtab_get(x->senders, h->sender, sl, x->gen, sl == 0);
	if (n > 1) {
		if (x->nrpool + n + 1 > x->crpool) {
			x->crpool = (x->nrpool + n + 1) * 3 / 2 + 64;
			x->rpool = xreallocarray(x->rpool, x->crpool,
			    sizeof(*x->rpool));
		}
		off = (uint32_t)x->nrpool;
		x->rpool[x->nrpool++] = (uint32_t)n;
		x->rlive += n + 1;
	}
	for (i = 0; i < n; i++) {
		const char *at = strrchr(h->rcpt[i], '@');
		uint32_t id = strtab_get(x->domains, at ? at : "",
		    at ? strlen(at) : 0, x->gen, true);

		if (n == 1)
			m->dom = id;
		else
			x->rpool[x->nrpool++] = id;
	}
	if (n > 1)
		m->dom = EM_LIST | off;
}

void
exim_msg_report(struct exim *x, struct em_msg *m, struct queue_acc *acc)
{
	struct queue_msg qm;
	const uint32_t *ids = &m->dom;
	uint32_t i, n = m->dom ? 1 : 0;

	if (m->dom & EM_LIST) {
		n = x->rpool[m->dom & ~EM_LIST];
		ids = &x->rpool[(m->dom & ~EM_LIST) + 1];
	}
	if (n > x->rcptcap) {
		x->rcptcap = (size_t)n * 2;
		x->rcpt = xreallocarray(x->rcpt, x->rcptcap, sizeof(*x->rcpt));
	}
	strtab_mark(x->senders, m->sender, x->gen);
	for (i = 0; i < n; i++) {
		strtab_mark(x->domains, ids[i], x->gen);
		x->rcpt[i] = strtab_str(x->domains, ids[i]);
	}
	memset(&qm, 0, sizeof(qm));
	qm.queues = 1u << Q_INPUT;
	if (m->flags & EM_FROZEN)
		qm.queues |= 1u << Q_FROZEN;
	qm.arrival = (time_t)m->received;
	qm.size = m->size;
	/* NULL for a damaged -H, or a sender met once that is not kept by
	 * name (strtab.c): counted, not a top sender */
	qm.sender = (m->flags & EM_OK) && m->sender ?
	    strtab_str(x->senders, m->sender) : NULL;
	qm.nrcpt = n;
	qm.rcpt = x->rcpt;
	queue_add(acc, &qm);
}
