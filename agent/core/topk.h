/*
 * topk.h: Space-Saving heavy hitters (topk.c), shared by every collector
 * that ranks keys: queue senders and domains, log users and clients.
 * Bounded memory whatever the flood: see docs/topk.md.
 */
#ifndef MH_TOPK_H
#define MH_TOPK_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* topk.c: Space-Saving heavy hitters with a fixed number of counters. */

struct topk;
struct topk_item {
	const char *key;	/* owned by the topk */
	uint64_t count;		/* estimated count, never below the true one */
	uint64_t error;		/* count - error <= true count <= count */
};
struct topk *topk_new(size_t capacity);
void topk_free(struct topk *);
void topk_reset(struct topk *);
void topk_add(struct topk *, const char *key, uint64_t weight);
uint64_t topk_total(const struct topk *);	/* sum of all weights */
size_t topk_size(const struct topk *);		/* counters in use */
size_t topk_capacity(const struct topk *);
/* The top n items, highest count first (ties by key); returns how many. */
size_t topk_top(const struct topk *, struct topk_item *out, size_t n);

#endif
