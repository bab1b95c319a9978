/*
 * snapshot.c: parts and the snapshots assembled from them.
 *
 * A part is built on its collector's thread and published whole; from
 * then on nobody changes it. Snapshots on the main thread hold parts by
 * reference, so the same part can serve several snapshots in a row
 * while its collector is busy, and is freed with the last of them.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

struct part *
part_new(const struct collector *col)
{
	struct part *p = xcalloc(1, sizeof(*p));

	p->col = col;
	p->refs = 1;
	return p;
}

struct part *
part_ref(struct part *p)
{
	if (p != NULL)
		__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
	return p;
}

void
part_unref(struct part *p)
{
	if (p == NULL || __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (p->data != NULL && p->col != NULL && p->col->part_free != NULL)
		p->col->part_free(p->data);
	free(p);
}

void
part_error(struct part *p, const char *fmt, ...)
{
	va_list ap;

	if (p->errors++ != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(p->last_error, sizeof(p->last_error), fmt, ap);
	va_end(ap);
}

struct snapshot *
snapshot_new(size_t nparts)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));

	s->nparts = nparts;
	s->parts = xcalloc(nparts ? nparts : 1, sizeof(*s->parts));
	return s;
}

void
snapshot_free(struct snapshot *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nparts; i++)
		part_unref(s->parts[i].part);
	free(s->parts);
	free(s);
}

const struct part *
snapshot_part(const struct snapshot *s, const struct collector *col)
{
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < s->nparts; i++)
		if (s->parts[i].part != NULL && s->parts[i].part->col == col)
			return snapshot_fresh(s, i);
	return NULL;
}

const struct part *
snapshot_fresh(const struct snapshot *s, size_t i)
{
	const struct snap_part *sp = &s->parts[i];

	if (sp->part == NULL || sp->stale || sp->part->data == NULL)
		return NULL;
	return sp->part;
}

const void *
snapshot_data(const struct snapshot *s, const struct collector *col)
{
	const struct part *p = snapshot_part(s, col);

	return p ? p->data : NULL;
}

void
snapshot_error(struct snapshot *s, const char *fmt, ...)
{
	va_list ap;

	s->errors++;
	va_start(ap, fmt);
	vsnprintf(s->last_error, sizeof(s->last_error), fmt, ap);
	va_end(ap);
}

void
snapshot_toplist_clear(struct snap_toplist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].key);
	l->n = 0;
}

void
snapshot_toplist_fill(struct snap_toplist *l, const struct topk *t, size_t n,
    uint64_t total)
{
	struct topk_item items[SNAP_TOP_MAX];
	size_t i, got;

	snapshot_toplist_clear(l);
	if (n > SNAP_TOP_MAX)
		n = SNAP_TOP_MAX;
	got = topk_top(t, items, n);
	l->total = topk_total(t);
	if (total == 0)
		total = l->total;
	for (i = 0; i < got; i++) {
		struct snap_top *v = &l->v[i];

		v->key = xstrdup(items[i].key);
		v->count = items[i].count;
		v->error = items[i].error;
		v->sure = items[i].count - items[i].error;
		v->share = total ? (double)v->count * 100.0 / (double)total :
		    0.0;
	}
	l->n = got;
}
