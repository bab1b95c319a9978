/*
 * lpmap.c: a bounded map from a short key (a queue id, a pid, a Dovecot
 * session id) to a fixed-size value, for the parsers' correlation state.
 *
 * Why bounded: a log can name a million queue ids that are never
 * "removed" (a log that starts mid-stream, a crash, an attacker); an
 * unbounded map would grow with them. This one holds at most `slots`
 * entries, allocated once, and when full it drops the least recently
 * used entry (lpmap_evicted() counts them). A dropped entry only costs
 * attribution: a later delivery of that message is counted, without its
 * submitter.
 *
 * Layout: one array of entries (key, value, LRU links), a free list, and
 * an open-addressing hash (linear probing, backward-shift deletion) of
 * entry index + 1. No allocation after lpmap_new().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "logs/lp_int.h"

#define NIL UINT32_MAX

struct ent {
	uint32_t hash;
	uint32_t prev, next;	/* LRU list (live) or free list (next) */
	uint8_t klen;		/* 0: free */
	char key[LPMAP_KEYMAX];
};

/* values start 8-aligned after the header (which is 44 bytes) */
#define HDR ((sizeof(struct ent) + 7) & ~(size_t)7)

struct lpmap {
	size_t slots, vsize, stride;
	unsigned char *ents;
	uint32_t *hash;		/* entry index + 1, 0 = empty */
	size_t hmask;
	uint32_t head, tail;	/* least and most recently used */
	uint32_t free;
	size_t used;
	uint64_t evicted;
};

static struct ent *
ent_at(const struct lpmap *m, uint32_t i)
{
	return (struct ent *)(void *)(m->ents + (size_t)i * m->stride);
}

static void *
ent_val(const struct lpmap *m, uint32_t i)
{
	return m->ents + (size_t)i * m->stride + HDR;
}

/* The slot and the quick compare before a key's bytes; nothing outside
 * the map sees it, so it may be the shared 64-bit hash folded in half
 * (the high half is the well-mixed one). */
static uint32_t
key_hash(const char *k, size_t n)
{
	uint64_t h = mh_fnv1a64(k, n);

	return (uint32_t)(h ^ (h >> 32));
}

void
lpmap_clear(struct lpmap *m)
{
	size_t i;

	memset(m->hash, 0, (m->hmask + 1) * sizeof(*m->hash));
	for (i = 0; i < m->slots; i++) {
		struct ent *e = ent_at(m, (uint32_t)i);

		e->klen = 0;
		e->next = i + 1 < m->slots ? (uint32_t)(i + 1) : NIL;
	}
	m->free = 0;
	m->head = m->tail = NIL;
	m->used = 0;
}

struct lpmap *
lpmap_new(size_t slots, size_t vsize)
{
	struct lpmap *m = xcalloc(1, sizeof(*m));
	size_t hs = 16;

	if (slots < 4)
		slots = 4;
	if (slots > (size_t)NIL / 4)
		slots = (size_t)NIL / 4;
	while (hs < slots * 2)
		hs <<= 1;
	m->slots = slots;
	m->vsize = vsize;
	/* keep values aligned for any struct the caller stores */
	m->stride = (HDR + vsize + 7) & ~(size_t)7;
	m->ents = xcalloc(slots, m->stride);
	m->hash = xcalloc(hs, sizeof(*m->hash));
	m->hmask = hs - 1;
	lpmap_clear(m);
	return m;
}

void
lpmap_free(struct lpmap *m)
{
	if (m == NULL)
		return;
	free(m->ents);
	free(m->hash);
	free(m);
}

uint64_t
lpmap_evicted(const struct lpmap *m)
{
	return m->evicted;
}

size_t
lpmap_used(const struct lpmap *m)
{
	return m->used;
}

static void
lru_unlink(struct lpmap *m, uint32_t i)
{
	struct ent *e = ent_at(m, i);

	if (e->prev != NIL)
		ent_at(m, e->prev)->next = e->next;
	else
		m->head = e->next;
	if (e->next != NIL)
		ent_at(m, e->next)->prev = e->prev;
	else
		m->tail = e->prev;
}

static void
lru_append(struct lpmap *m, uint32_t i)
{
	struct ent *e = ent_at(m, i);

	e->prev = m->tail;
	e->next = NIL;
	if (m->tail != NIL)
		ent_at(m, m->tail)->next = i;
	else
		m->head = i;
	m->tail = i;
}

/* Hash slot of key, or NIL-equivalent (hmask + 1) when absent. */
static size_t
hash_find(const struct lpmap *m, const char *k, size_t n, uint32_t h)
{
	size_t s = h & m->hmask;

	while (m->hash[s] != 0) {
		struct ent *e = ent_at(m, m->hash[s] - 1);

		if (e->hash == h && e->klen == n && memcmp(e->key, k, n) == 0)
			return s;
		s = (s + 1) & m->hmask;
	}
	return m->hmask + 1;
}

static void
hash_delete(struct lpmap *m, size_t s)
{
	size_t j = s;

	m->hash[s] = 0;
	for (;;) {
		size_t home;

		j = (j + 1) & m->hmask;
		if (m->hash[j] == 0)
			return;
		home = ent_at(m, m->hash[j] - 1)->hash & m->hmask;
		/* move j back to s unless home lies cyclically in (s, j] */
		if ((s < j) ? (home <= s || home > j) : (home <= s && home > j)) {
			m->hash[s] = m->hash[j];
			m->hash[j] = 0;
			s = j;
		}
	}
}

static void
ent_remove(struct lpmap *m, uint32_t i)
{
	struct ent *e = ent_at(m, i);
	size_t s = hash_find(m, e->key, e->klen, e->hash);

	if (s <= m->hmask)
		hash_delete(m, s);
	lru_unlink(m, i);
	e->klen = 0;
	e->next = m->free;
	m->free = i;
	m->used--;
}

void *
lpmap_get(struct lpmap *m, const char *key, size_t n)
{
	uint32_t h, i;
	size_t s;

	if (n == 0 || n > LPMAP_KEYMAX)
		return NULL;
	h = key_hash(key, n);
	s = hash_find(m, key, n, h);
	if (s > m->hmask)
		return NULL;
	i = m->hash[s] - 1;
	lru_unlink(m, i);
	lru_append(m, i);
	return ent_val(m, i);
}

void *
lpmap_put(struct lpmap *m, const char *key, size_t n)
{
	struct ent *e;
	uint32_t h, i;
	size_t s;
	void *v = lpmap_get(m, key, n);

	if (v != NULL || n == 0 || n > LPMAP_KEYMAX)
		return v;
	if (m->free == NIL) {
		ent_remove(m, m->head);
		m->evicted++;
	}
	i = m->free;
	e = ent_at(m, i);
	m->free = e->next;
	h = key_hash(key, n);
	e->hash = h;
	e->klen = (uint8_t)n;
	memcpy(e->key, key, n);
	lru_append(m, i);
	s = h & m->hmask;
	while (m->hash[s] != 0)
		s = (s + 1) & m->hmask;
	m->hash[s] = i + 1;
	m->used++;
	v = ent_val(m, i);
	memset(v, 0, m->vsize);
	return v;
}

void
lpmap_del(struct lpmap *m, const char *key, size_t n)
{
	size_t s;

	if (n == 0 || n > LPMAP_KEYMAX)
		return;
	s = hash_find(m, key, n, key_hash(key, n));
	if (s <= m->hmask)
		ent_remove(m, m->hash[s] - 1);
}
