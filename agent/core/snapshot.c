/*
 * snapshot.c: the immutable picture the collectors build and the SNMP
 * side serves. Built on the collector thread, handed over whole, freed
 * by the main thread when the next one replaces it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

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

struct snapshot *
snapshot_new(void)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));

	s->mta = MH_MTA_NONE;
	return s;
}

static void
toplist_clear(struct snap_toplist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].key);
	l->n = 0;
}

void
snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	toplist_clear(&s->top_senders);
	toplist_clear(&s->top_domains);
	free(s);
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
snapshot_toplist_fill(struct snap_toplist *l, const struct topk *t, size_t n)
{
	struct topk_item items[SNAP_TOP_MAX];
	size_t i, got;

	toplist_clear(l);
	if (n > SNAP_TOP_MAX)
		n = SNAP_TOP_MAX;
	got = topk_top(t, items, n);
	for (i = 0; i < got; i++) {
		l->v[i].key = xstrdup(items[i].key);
		l->v[i].count = items[i].count;
		l->v[i].error = items[i].error;
	}
	l->n = got;
	l->total = topk_total(t);
}
