/*
 * ls_int.h: the counters' building blocks (logstats.h is the interface).
 * Prototypes grouped by file.
 */
#ifndef MH_LS_INT_H
#define MH_LS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logs/logstats.h"

/* Time in buckets: bucket b covers [b * width, (b + 1) * width). A
 * window is the LS_BUCKETS buckets ending with the current one. */
static inline bool
ls_in_window(int64_t b, int64_t cur)
{
	return b <= cur && b > cur - LS_BUCKETS;
}

/* ------------------------------------------------------------------ */
/* lsdist.c: distinct values of one key within the window. */

#define LSD_EXACT_MAX 64	/* exact up to this many in the window */
#define LSD_HLL_M 256		/* HyperLogLog registers per half */

struct lsdist {
	uint8_t hll;		/* 0: exact entries, 1: two HLL halves */
	uint8_t n, cap;		/* exact: entries used, allocated */
	uint32_t epoch[2];	/* hll: window-length epoch of each half */
	void *buf;		/* exact: {hash, bucket} pairs; hll: 2 x M */
};
void lsdist_add(struct lsdist *, uint32_t h, int64_t bucket);
uint32_t lsdist_count(const struct lsdist *, int64_t cur, bool *exact);
void lsdist_clear(struct lsdist *);
size_t lsdist_bytes(const struct lsdist *);

/* ------------------------------------------------------------------ */
/* wtop.c: windowed Space-Saving with a payload per key. */

#define WTOP_NDIST 2
#define WTOP_NAUX 2

struct wtop_ent {
	char *key;		/* NULL: free */
	uint32_t ring[LS_BUCKETS];	/* rank weight per bucket, with the
					 * inherited bound */
	uint32_t win;		/* sum of ring over the window */
	uint32_t err;		/* inherited bound still in the window */
	int64_t err_until;	/* bucket after which err has aged out */
	int64_t aged;		/* ring is current up to this bucket */
	uint64_t total;		/* rank weight since admission */
	uint64_t aux_total[WTOP_NAUX];
	int64_t since;
	struct lsdist dist[WTOP_NDIST];
	char *last;
	int64_t last_ts;
	char **first;		/* LS_FIRST_MAX slots once used */
	uint16_t last_cap;
	uint8_t nfirst;
	uint32_t pos;		/* index in the heap */
};

struct wtop;
/* The hash of a key (and of the values the distinct sketches count). */
uint64_t wtop_hash(const char *s, size_t n);
struct wtop *wtop_new(size_t cap, size_t naux);
void wtop_free(struct wtop *);
void wtop_reset(struct wtop *);
/* Move the current bucket on to cur (never back): O(LS_BUCKETS); the
 * entries catch up when next touched or read. */
void wtop_advance(struct wtop *, int64_t cur);
/* Count weight for key in bucket b (in the window); admits the key,
 * evicting the entry with the smallest window count when full. NULL
 * only for an empty key. */
struct wtop_ent *wtop_add(struct wtop *, const char *key, size_t n,
    int64_t b, uint32_t weight, int64_t ts);
/* The entry of key, or NULL. */
struct wtop_ent *wtop_find(struct wtop *, const char *key, size_t n);
/* Aux counter i of e (exact since admission), bucket b. */
void wtop_aux_add(struct wtop *, struct wtop_ent *, size_t i, int64_t b,
    uint32_t weight);
uint32_t wtop_aux_win(const struct wtop *, const struct wtop_ent *, size_t i);
/* e->last = s (truncated to max), at time ts. */
void wtop_set_last(struct wtop_ent *, const char *s, size_t n, size_t max,
    int64_t ts);
/* Remember s among the first `limit` distinct values of e. */
void wtop_add_first(struct wtop_ent *, const char *s, size_t n, size_t limit);
/* Entries with a non-zero window count, highest first (ties by key); or
 * all entries by total. Returns how many (<= n). Brings every entry up
 * to the current bucket first: O(k log k), once per read-out. */
size_t wtop_top(struct wtop *, const struct wtop_ent **out, size_t n,
    bool by_total);
uint64_t wtop_evicted(const struct wtop *);
size_t wtop_bytes(const struct wtop *);
int64_t wtop_cur(const struct wtop *);

#endif
