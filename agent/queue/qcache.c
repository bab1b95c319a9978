/*
 * qcache.c: a string-keyed hash of queue-file records, so that a rescan
 * of a 100,000-message queue re-reads only what changed. Chained
 * buckets, doubled when the load reaches one entry per bucket.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

struct qnode {
	struct qnode *next;
	uint64_t hash;
	struct qcache_ent ent;
	char key[];
};

struct qcache {
	struct qnode **b;
	size_t nb;		/* power of two */
	size_t n;
	void (*free_data)(void *);
};

static uint64_t
qcache_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 31);
}

struct qcache *
qcache_new(void (*free_data)(void *))
{
	struct qcache *c = xcalloc(1, sizeof(*c));

	c->nb = 1024;
	c->b = xcalloc(c->nb, sizeof(*c->b));
	c->free_data = free_data;
	return c;
}

static void
qcache_node_free(struct qcache *c, struct qnode *q)
{
	if (c->free_data && q->ent.data)
		c->free_data(q->ent.data);
	free(q);
}

void
qcache_free(struct qcache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nb; i++) {
		struct qnode *q = c->b[i], *nx;

		for (; q; q = nx) {
			nx = q->next;
			qcache_node_free(c, q);
		}
	}
	free(c->b);
	free(c);
}

struct qcache_ent *
qcache_lookup(struct qcache *c, const char *key)
{
	uint64_t h = qcache_hash(key);
	struct qnode *q;

	for (q = c->b[h & (c->nb - 1)]; q; q = q->next)
		if (q->hash == h && strcmp(q->key, key) == 0)
			return &q->ent;
	return NULL;
}

static void
qcache_grow(struct qcache *c)
{
	size_t nb = c->nb * 2, i;
	struct qnode **b = xcalloc(nb, sizeof(*b));

	for (i = 0; i < c->nb; i++) {
		struct qnode *q = c->b[i], *nx;

		for (; q; q = nx) {
			nx = q->next;
			q->next = b[q->hash & (nb - 1)];
			b[q->hash & (nb - 1)] = q;
		}
	}
	free(c->b);
	c->b = b;
	c->nb = nb;
}

struct qcache_ent *
qcache_insert(struct qcache *c, const char *key)
{
	struct qcache_ent *e = qcache_lookup(c, key);
	struct qnode *q;
	size_t len;

	if (e)
		return e;
	if (c->n >= c->nb)
		qcache_grow(c);
	len = strlen(key);
	q = xcalloc(1, sizeof(*q) + len + 1);
	memcpy(q->key, key, len + 1);
	q->hash = qcache_hash(key);
	q->next = c->b[q->hash & (c->nb - 1)];
	c->b[q->hash & (c->nb - 1)] = q;
	c->n++;
	return &q->ent;
}

size_t
qcache_sweep(struct qcache *c, uint32_t gen)
{
	size_t i, dropped = 0;

	for (i = 0; i < c->nb; i++) {
		struct qnode **pp = &c->b[i];

		while (*pp) {
			struct qnode *q = *pp;

			if (q->ent.gen != gen) {
				*pp = q->next;
				qcache_node_free(c, q);
				dropped++;
			} else
				pp = &q->next;
		}
	}
	c->n -= dropped;
	return dropped;
}

size_t
qcache_count(const struct qcache *c)
{
	return c->n;
}
