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

void
qmail_msg_free(struct qm_msg *m)
{
	free(m->data);
	free(m);
}

/* ------------------------------------------------------------------ */
/* The message table. */

static size_t
qmail_tab_slot(const struct qmail *q, uint64_t id)
{
	uint64_t h = id * 0x9E3779B97F4A7C15ULL;

	return (size_t)(h >> 17) & (q->tcap - 1);
}

struct qm_msg *
qmail_tab_get(const struct qmail *q, uint64_t id)
{
	size_t s = qmail_tab_slot(q, id);

	for (; q->tab[s]; s = (s + 1) & (q->tcap - 1))
		if (q->tab[s]->id == id)
			return q->tab[s];
	return NULL;
}

static void
qmail_tab_put(struct qmail *q, struct qm_msg *m)
{
	size_t s = qmail_tab_slot(q, m->id);

	while (q->tab[s])
		s = (s + 1) & (q->tcap - 1);
	q->tab[s] = m;
	q->tn++;
}

static void
qmail_tab_resize(struct qmail *q, size_t cap)
{
	struct qm_msg **old = q->tab;
	size_t ocap = q->tcap, i;

	q->tab = xcalloc(cap, sizeof(*q->tab));
	q->tcap = cap;
	q->tn = 0;
	for (i = 0; i < ocap; i++)
		if (old[i])
			qmail_tab_put(q, old[i]);
	free(old);
}

struct qm_msg *
qmail_tab_add(struct qmail *q, uint64_t id)
{
	struct qm_msg *m = xcalloc(1, sizeof(*m));

	if ((q->tn + 1) * 4 > q->tcap * 3)
		qmail_tab_resize(q, q->tcap * 2);
	m->id = id;
	qmail_tab_put(q, m);
	return m;
}

/* Free the messages a scan did not see, and rehash the rest (dropping
 * from an open-addressing table is simplest done by rebuilding it). */
void
qmail_tab_sweep(struct qmail *q)
{
	size_t i, gone = 0;

	for (i = 0; i < q->tcap; i++) {
		struct qm_msg *m = q->tab[i];

		if (m && m->gen != q->gen) {
			qmail_msg_free(m);
			q->tab[i] = NULL;
			gone++;
		}
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
qmail_msg_view(const struct qm_msg *m, struct msg_view *v)
{
	const char *p;
	size_t i, j;

	memset(v, 0, sizeof(*v));
	if (m->data == NULL)
		return;
	memcpy(v->n, m->data, sizeof(v->n));
	v->sender = p = m->data + sizeof(v->n);
	p += strlen(p) + 1;
	for (i = 0; i < SRC_N; i++) {
		v->dom[i] = p;
		for (j = 0; j < v->n[i]; j++)
			p += strlen(p) + 1;
		v->len[i] = (size_t)(p - v->dom[i]);
	}
}

/* Replace the data of m by v (whose strings may point into m->data). */
static void
qmail_msg_store(struct qm_msg *m, const struct msg_view *v)
{
	size_t sl, total, i;
	char *d, *p;

	if (v->sender == NULL) {
		free(m->data);
		m->data = NULL;
		return;
	}
	sl = strlen(v->sender) + 1;
	total = sizeof(v->n) + sl;
	for (i = 0; i < SRC_N; i++)
		total += v->len[i];
	d = xmalloc(total);
	memcpy(d, v->n, sizeof(v->n));
	p = d + sizeof(v->n);
	memcpy(p, v->sender, sl);
	p += sl;
	for (i = 0; i < SRC_N; i++) {
		if (v->len[i])
			memcpy(p, v->dom[i], v->len[i]);
		p += v->len[i];
	}
	free(m->data);
	m->data = d;
}

void
qmail_msg_set_sender(struct qm_msg *m, const char *s)
{
	struct msg_view v;

	/* qmail-send sends double bounces from "#@[]", qmail's own null
	 * sender for a bounce of a bounce: count them with the bounces */
	if (strcmp(s, "#@[]") == 0)
		s = "";
	qmail_msg_view(m, &v);
	if (v.sender && strcmp(v.sender, s) == 0)
		return;
	v.sender = s;
	qmail_msg_store(m, &v);
}

/* Set the pending domains of one source; pass e NULL to clear them. */
void
qmail_msg_set_domains(struct qmail *q, struct qm_msg *m, int src,
    const struct qmail_env *e)
{
	struct msg_view v;
	size_t i, off = 0;

	qmail_msg_view(m, &v);
	if (e == NULL && v.n[src] == 0)
		return;
	if (v.sender == NULL)
		v.sender = "";	/* a channel file without info: rare */
	v.n[src] = e ? (uint32_t)e->npending : 0;
	for (i = 0; e && i < e->npending; i++) {
		const char *at = strrchr(e->rcpt[i], '@');
		size_t l = at ? strlen(at) : 0;

		if (off + l + 1 > q->dcap) {
			q->dcap = (off + l + 1) * 2;
			q->dbuf = xrealloc(q->dbuf, q->dcap);
		}
		memcpy(q->dbuf + off, at ? at : "", l);
		q->dbuf[off + l] = '\0';
		off += l + 1;
	}
	v.dom[src] = q->dbuf;
	v.len[src] = off;
	qmail_msg_store(m, &v);
}

void
qmail_msg_dirty(struct qmail *q, struct qm_msg *m, uint8_t bits)
{
	if (m->dirty == 0) {
		if (q->ndirty == q->cdirty) {
			q->cdirty = q->cdirty ? q->cdirty * 2 : 256;
			q->dirtyv = xreallocarray(q->dirtyv, q->cdirty,
			    sizeof(*q->dirtyv));
		}
		q->dirtyv[q->ndirty++] = m;
	}
	m->dirty |= bits;
}
