/*
 * topk.c: Space-Saving (Metwally, Agrawal, El Abbadi 2005) with a fixed
 * number of counters.
 *
 * Why: a spam flood brings millions of distinct junk addresses, and an
 * exact hash of all of them is unbounded memory. Space-Saving keeps k
 * counters; when a new key arrives and all are taken, it replaces the
 * smallest counter and inherits its count as the new key's error.
 * Guarantees (see docs/architecture.md, "Top-N"):
 *   - every reported count c satisfies c - error <= true <= c;
 *   - any key whose true count exceeds total / k is in the summary;
 *   - while the number of distinct keys is at most k, counts are exact.
 *
 * Layout: counters in a binary min-heap on count (the victim is the
 * root), plus an open-addressing hash (linear probing, backward-shift
 * deletion) from key to heap slot. Every operation is O(log k).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "core/topk.h"

struct counter {
	char *key;
	uint64_t count;
	uint64_t error;
	size_t slot;		/* index in the hash */
};

struct topk {
	size_t cap;		/* k */
	size_t n;		/* counters in use */
	struct counter *heap;	/* n entries, min-heap on count */
	size_t *hash;		/* heap index + 1, 0 = empty */
	size_t hmask;
	uint64_t total;
};

static uint64_t
topk_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

struct topk *
topk_new(size_t capacity)
{
	struct topk *t = xcalloc(1, sizeof(*t));
	size_t hs = 16;

	if (capacity == 0)
		capacity = 1;
	while (hs < capacity * 2)
		hs <<= 1;
	t->cap = capacity;
	t->heap = xcalloc(capacity, sizeof(*t->heap));
	t->hash = xcalloc(hs, sizeof(*t->hash));
	t->hmask = hs - 1;
	return t;
}

void
topk_reset(struct topk *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->heap[i].key);
	memset(t->hash, 0, (t->hmask + 1) * sizeof(*t->hash));
	t->n = 0;
	t->total = 0;
}

void
topk_free(struct topk *t)
{
	if (t == NULL)
		return;
	topk_reset(t);
	free(t->heap);
	free(t->hash);
	free(t);
}

static void
heap_place(struct topk *t, size_t i, struct counter c)
{
	t->heap[i] = c;
	t->hash[c.slot] = i + 1;
}

static void
heap_down(struct topk *t, size_t i)
{
	struct counter c = t->heap[i];

	for (;;) {
		size_t l = 2 * i + 1, m = l;

		if (l >= t->n)
			break;
		if (l + 1 < t->n && t->heap[l + 1].count < t->heap[l].count)
			m = l + 1;
		if (t->heap[m].count >= c.count)
			break;
		heap_place(t, i, t->heap[m]);
		i = m;
	}
	heap_place(t, i, c);
}

static void
heap_up(struct topk *t, size_t i)
{
	struct counter c = t->heap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (t->heap[p].count <= c.count)
			break;
		heap_place(t, i, t->heap[p]);
		i = p;
	}
	heap_place(t, i, c);
}

/* Hash slot holding key, or the empty slot where it would go. */
static size_t
hash_find(const struct topk *t, const char *key, bool *found)
{
	size_t s = (size_t)topk_hash(key) & t->hmask;

	while (t->hash[s] != 0) {
		if (strcmp(t->heap[t->hash[s] - 1].key, key) == 0) {
			*found = true;
			return s;
		}
		s = (s + 1) & t->hmask;
	}
	*found = false;
	return s;
}

/* Remove slot s, shifting later members of the probe run back. */
static void
hash_delete(struct topk *t, size_t s)
{
	size_t j = s;

	t->hash[s] = 0;
	for (;;) {
		size_t home;

		j = (j + 1) & t->hmask;
		if (t->hash[j] == 0)
			return;
		home = (size_t)topk_hash(t->heap[t->hash[j] - 1].key) & t->hmask;
		/* move j back to s unless home lies cyclically in (s, j] */
		if ((s < j) ? (home <= s || home > j) : (home <= s && home > j)) {
			t->hash[s] = t->hash[j];
			t->heap[t->hash[s] - 1].slot = s;
			t->hash[j] = 0;
			s = j;
		}
	}
}

void
topk_add(struct topk *t, const char *key, uint64_t weight)
{
	bool found;
	size_t s, i;
	struct counter *c;

	t->total += weight;
	s = hash_find(t, key, &found);
	if (found) {
		i = t->hash[s] - 1;
		t->heap[i].count += weight;
		heap_down(t, i);
		return;
	}
	if (t->n < t->cap) {
		i = t->n++;
		c = &t->heap[i];
		c->key = xstrdup(key);
		c->count = weight;
		c->error = 0;
		c->slot = s;
		t->hash[s] = i + 1;
		heap_up(t, i);
		return;
	}
	/* Full: the smallest counter gives its place to the new key. */
	c = &t->heap[0];
	hash_delete(t, c->slot);
	free(c->key);
	c->key = xstrdup(key);
	c->error = c->count;
	c->count += weight;
	s = hash_find(t, key, &found);
	c->slot = s;
	t->hash[s] = 1;
	heap_down(t, 0);
}

uint64_t
topk_total(const struct topk *t)
{
	return t->total;
}

size_t
topk_size(const struct topk *t)
{
	return t->n;
}

size_t
topk_capacity(const struct topk *t)
{
	return t->cap;
}

static int
item_cmp(const void *a, const void *b)
{
	const struct topk_item *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

size_t
topk_top(const struct topk *t, struct topk_item *out, size_t n)
{
	struct topk_item *all;
	size_t i;

	if (t->n == 0 || n == 0)
		return 0;
	all = xcalloc(t->n, sizeof(*all));
	for (i = 0; i < t->n; i++) {
		all[i].key = t->heap[i].key;
		all[i].count = t->heap[i].count;
		all[i].error = t->heap[i].error;
	}
	qsort(all, t->n, sizeof(*all), item_cmp);
	if (n > t->n)
		n = t->n;
	memcpy(out, all, n * sizeof(*out));
	free(all);
	return n;
}
