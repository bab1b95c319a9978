/*
 * strtab.c: interned strings with small stable ids, for the queue
 * readers' records (a sender or a recipient domain is a 4-byte id in a
 * message's record, not a pointer and not a copy).
 *
 * Memory is what this is for. A spam run queues a million messages from
 * a million distinct junk senders; keeping every sender string would
 * cost more than all the rest of a message's record. So a table may be
 * made to keep a string only once it is worth it: when the string is
 * met a second time (a sender with two messages or more: every flooder
 * is one), or while fewer than `keep` strings were kept on first sight.
 * A string met once beyond that is an entry of 16 bytes (its 64-bit
 * hash, for the second meeting, and a generation); strtab_str() then
 * gives NULL, and the reader reports the message's sender as unknown,
 * which leaves it out of the top senders but not out of any count. A
 * one-message sender cannot be a flooder, and the top-N tables stay
 * exact for those that are.
 *
 * Entries are reclaimed by mark and sweep: a reader touches the id of
 * every live record in each scan (strtab_mark), and strtab_sweep frees
 * what was not touched. Freed ids are reused.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

struct strtab_ent {
	uint64_t hash;		/* 0: free */
	uint32_t gen;
	uint32_t str;		/* index in strs + 1, 0: not kept; with
				 * STR_FIRST: kept on first sight */
};

#define STR_FIRST 0x80000000u
#define STR_INDEX(x) (((x) & ~STR_FIRST) - 1)

/* A kept string: its length, then its bytes and a NUL (strings may hold
 * NULs of their own: qmail's packed domain lists do). */
struct strtab_str {
	uint32_t len;
	char s[];
};

struct strtab {
	struct strtab_ent *ent;	/* id - 1 -> entry */
	size_t nent, cent;
	uint32_t *freeids;	/* ids swept, for reuse */
	size_t nfree, cfree;
	uint32_t *slot;		/* open addressing: id, 0 = empty */
	size_t nslot;		/* power of two */
	size_t nlive;
	struct strtab_str **strs;	/* kept strings; NULL = a free place */
	size_t nstrs, cstrs;
	uint32_t *freestrs;
	size_t nfreestrs, cfreestrs;
	size_t keep;		/* strings still kept on first sight */
};

static uint64_t
strtab_hash(const char *s, size_t n)
{
	uint64_t h = mh_fnv1a64(s, n);

	h ^= h >> 29;
	return h ? h : 1;
}

struct strtab *
strtab_new(size_t keep)
{
	struct strtab *t = xcalloc(1, sizeof(*t));

	t->nslot = 1024;
	t->slot = xcalloc(t->nslot, sizeof(*t->slot));
	t->keep = keep;
	return t;
}

void
strtab_free(struct strtab *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nstrs; i++)
		free(t->strs[i]);
	free(t->strs);
	free(t->freestrs);
	free(t->ent);
	free(t->freeids);
	free(t->slot);
	free(t);
}

static void
strtab_rehash(struct strtab *t, size_t nslot)
{
	size_t i;

	free(t->slot);
	t->slot = xcalloc(nslot, sizeof(*t->slot));
	t->nslot = nslot;
	for (i = 0; i < t->nent; i++) {
		size_t s;

		if (t->ent[i].hash == 0)
			continue;
		for (s = t->ent[i].hash & (nslot - 1); t->slot[s];
		    s = (s + 1) & (nslot - 1))
			;
		t->slot[s] = (uint32_t)(i + 1);
	}
}

static uint32_t
strtab_keep(struct strtab *t, const char *s, size_t n)
{
	struct strtab_str *c = xmalloc(sizeof(*c) + n + 1);
	size_t at;

	c->len = (uint32_t)n;
	memcpy(c->s, s, n);
	c->s[n] = '\0';
	if (t->nfreestrs)
		at = t->freestrs[--t->nfreestrs];
	else {
		if (t->nstrs == t->cstrs) {
			t->cstrs = t->cstrs ? t->cstrs * 2 : 256;
			t->strs = xreallocarray(t->strs, t->cstrs,
			    sizeof(*t->strs));
		}
		at = t->nstrs++;
	}
	t->strs[at] = c;
	return (uint32_t)(at + 1);
}

uint32_t
strtab_get(struct strtab *t, const char *s, size_t n, uint32_t gen,
    bool always)
{
	uint64_t h = strtab_hash(s, n);
	struct strtab_ent *e;
	size_t i;
	uint32_t id;

	for (i = h & (t->nslot - 1); (id = t->slot[i]) != 0;
	    i = (i + 1) & (t->nslot - 1)) {
		e = &t->ent[id - 1];
		if (e->hash != h)
			continue;
		/* a kept string is compared; an unkept one is known by
		 * its 64-bit hash alone (a collision merges two one-message
		 * senders, which changes no count) */
		if (e->str) {
			const struct strtab_str *k = t->strs[STR_INDEX(e->str)];

			if (k->len != n || memcmp(k->s, s, n) != 0)
				continue;
			if (e->str & STR_FIRST) {
				/* worth keeping now: the place it took in
				 * the first-sight budget is free again */
				e->str &= ~STR_FIRST;
				t->keep++;
			}
		} else
			e->str = strtab_keep(t, s, n);	/* met again */
		e->gen = gen;
		return id;
	}
	/* new: keep the load under 3/4 (linear probing stays short, and
	 * a slot is 4 bytes, an entry 16) */
	if ((t->nlive + 1) * 4 > t->nslot * 3) {
		strtab_rehash(t, t->nslot * 2);
		for (i = h & (t->nslot - 1); t->slot[i];
		    i = (i + 1) & (t->nslot - 1))
			;
	}
	if (t->nfree)
		id = t->freeids[--t->nfree];
	else {
		if (t->nent == t->cent) {
			/* by half: doubling would leave up to 16 bytes an
			 * entry unused in a million */
			t->cent = t->cent ? t->cent + t->cent / 2 : 1024;
			t->ent = xreallocarray(t->ent, t->cent, sizeof(*t->ent));
		}
		id = (uint32_t)++t->nent;
	}
	e = &t->ent[id - 1];
	e->hash = h;
	e->gen = gen;
	e->str = 0;
	if (always)
		e->str = strtab_keep(t, s, n);
	else if (t->keep) {
		t->keep--;
		e->str = strtab_keep(t, s, n) | STR_FIRST;
	}
	t->slot[i] = id;
	t->nlive++;
	return id;
}

const char *
strtab_str(const struct strtab *t, uint32_t id)
{
	const struct strtab_ent *e;

	if (id == 0 || id > t->nent)
		return NULL;
	e = &t->ent[id - 1];
	return e->str ? t->strs[STR_INDEX(e->str)]->s : NULL;
}

size_t
strtab_len(const struct strtab *t, uint32_t id)
{
	const struct strtab_ent *e;

	if (id == 0 || id > t->nent)
		return 0;
	e = &t->ent[id - 1];
	return e->str ? t->strs[STR_INDEX(e->str)]->len : 0;
}

void
strtab_mark(struct strtab *t, uint32_t id, uint32_t gen)
{
	if (id && id <= t->nent)
		t->ent[id - 1].gen = gen;
}

size_t
strtab_sweep(struct strtab *t, uint32_t gen)
{
	size_t i, gone = 0, nslot;

	for (i = 0; i < t->nent; i++) {
		struct strtab_ent *e = &t->ent[i];

		if (e->hash == 0 || e->gen == gen)
			continue;
		if (e->str) {
			uint32_t at = STR_INDEX(e->str);

			if (e->str & STR_FIRST)
				t->keep++;
			free(t->strs[at]);
			t->strs[at] = NULL;
			if (t->nfreestrs == t->cfreestrs) {
				t->cfreestrs = t->cfreestrs ?
				    t->cfreestrs * 2 : 256;
				t->freestrs = xreallocarray(t->freestrs,
				    t->cfreestrs, sizeof(*t->freestrs));
			}
			t->freestrs[t->nfreestrs++] = at;
		}
		memset(e, 0, sizeof(*e));
		if (t->nfree == t->cfree) {
			t->cfree = t->cfree ? t->cfree * 2 : 256;
			t->freeids = xreallocarray(t->freeids, t->cfree,
			    sizeof(*t->freeids));
		}
		t->freeids[t->nfree++] = (uint32_t)(i + 1);
		gone++;
	}
	if (gone == 0)
		return 0;
	t->nlive -= gone;
	nslot = t->nslot;
	while (nslot > 1024 && t->nlive * 8 < nslot)
		nslot /= 2;
	strtab_rehash(t, nslot);
	return gone;
}

size_t
strtab_count(const struct strtab *t)
{
	return t->nlive;
}
