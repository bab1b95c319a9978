/*
 * lsdist.c: how many distinct values (client IPs, recipient domains,
 * user names) one key saw within the window, in bounded memory.
 *
 * Exact while at most LSD_EXACT_MAX (64) distinct values fall in the
 * window: each value is kept as a 32-bit hash with the bucket it was
 * last seen in, values that left the window make room. The array grows
 * from 2 entries as needed, so the million keys of a junk flood, each
 * with one value, cost 16 bytes of values each.
 *
 * Beyond 64 it becomes a HyperLogLog (Flajolet et al. 2007) with 256
 * one-byte registers (standard error 1.04 / sqrt(256) = 6.5 %), in the
 * same 512 bytes: two halves, one per window-length epoch (floor(bucket
 * / LS_BUCKETS)), and the count merges the current and the previous
 * epoch's. So in that mode the count covers the values seen in the last
 * one to two window lengths, not exactly the window: it can only count
 * more than the window holds (docs/logs.md). When both halves are older
 * than that, the sketch starts exact again.
 *
 * Hash collisions: two values with the same 32-bit hash count once; for
 * 64 values the chance of any collision is about 5e-7.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "logs/ls_int.h"

struct pair {
	uint32_t h;
	uint32_t b;	/* bucket number, truncated: only differences count */
};

static uint8_t *
half(const struct lsdist *d, unsigned i)
{
	return (uint8_t *)d->buf + (size_t)i * LSD_HLL_M;
}

static bool
pair_live(const struct pair *p, int64_t cur)
{
	return (uint32_t)((uint32_t)cur - p->b) < LS_BUCKETS;
}

static void
hll_set(struct lsdist *d, unsigned i, uint32_t h)
{
	uint8_t *r = half(d, i);
	uint32_t rest = (h << 8) | 0x80u;	/* 24 bits left, stop bit */
	uint8_t rank = (uint8_t)(__builtin_clz(rest) + 1);

	if (r[h >> 24] < rank)
		r[h >> 24] = rank;
}

/* Live exact values into the current epoch's half. */
static void
to_hll(struct lsdist *d, int64_t cur)
{
	struct pair keep[LSD_EXACT_MAX];
	uint32_t e = (uint32_t)(cur / LS_BUCKETS);
	size_t i, n = 0;

	for (i = 0; i < d->n; i++)
		if (pair_live(&((struct pair *)d->buf)[i], cur))
			keep[n++] = ((struct pair *)d->buf)[i];
	if (d->cap < LSD_EXACT_MAX) {
		d->buf = xrealloc(d->buf, 2 * LSD_HLL_M);
		d->cap = LSD_EXACT_MAX;
	}
	memset(d->buf, 0, 2 * LSD_HLL_M);
	d->hll = 1;
	d->n = 0;
	d->epoch[e & 1] = e;
	d->epoch[(e & 1) ^ 1] = e - 1;	/* empty: merging it adds nothing */
	for (i = 0; i < n; i++)
		hll_set(d, e & 1, keep[i].h);
}

static void
add_hll(struct lsdist *d, uint32_t h, int64_t cur)
{
	uint32_t e = (uint32_t)(cur / LS_BUCKETS);
	unsigned i = e & 1;

	if (d->epoch[i] != e && d->epoch[i ^ 1] != e - 1 &&
	    d->epoch[i ^ 1] != e) {
		/* everything it holds is older than two windows */
		d->hll = 0;
		d->n = 0;
		return;
	}
	if (d->epoch[i] != e) {
		memset(half(d, i), 0, LSD_HLL_M);
		d->epoch[i] = e;
	}
	hll_set(d, i, h);
}

void
lsdist_add(struct lsdist *d, uint32_t h, int64_t cur)
{
	struct pair *p;
	size_t i, j;

	if (d->hll) {
		add_hll(d, h, cur);
		if (d->hll)
			return;
	}
	p = d->buf;
	for (i = 0; i < d->n; i++)
		if (p[i].h == h) {
			if ((int32_t)((uint32_t)cur - p[i].b) > 0)
				p[i].b = (uint32_t)cur;
			return;
		}
	if (d->n == LSD_EXACT_MAX) {
		for (i = j = 0; i < d->n; i++)
			if (pair_live(&p[i], cur))
				p[j++] = p[i];
		d->n = (uint8_t)j;
	}
	if (d->n == LSD_EXACT_MAX) {
		to_hll(d, cur);
		add_hll(d, h, cur);
		return;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? (uint8_t)(2 * d->cap) : 2;
		d->buf = xreallocarray(d->buf, d->cap, sizeof(*p));
		p = d->buf;
	}
	p[d->n].h = h;
	p[d->n].b = (uint32_t)cur;
	d->n++;
}

static double
hll_estimate(const struct lsdist *d, int64_t cur)
{
	uint32_t e = (uint32_t)(cur / LS_BUCKETS);
	const double m = LSD_HLL_M;
	const double alpha = 0.7213 / (1.0 + 1.079 / m);
	double sum = 0, est;
	unsigned j, zeros = 0, i;
	bool use[2];

	for (i = 0; i < 2; i++)
		use[i] = d->epoch[i] == e || d->epoch[i] == e - 1;
	for (j = 0; j < LSD_HLL_M; j++) {
		uint8_t r = 0;

		for (i = 0; i < 2; i++)
			if (use[i] && half(d, i)[j] > r)
				r = half(d, i)[j];
		sum += ldexp(1.0, -(int)r);
		if (r == 0)
			zeros++;
	}
	est = alpha * m * m / sum;
	if (est <= 2.5 * m && zeros > 0)
		est = m * log(m / zeros);	/* linear counting */
	return est;
}

uint32_t
lsdist_count(const struct lsdist *d, int64_t cur, bool *exact)
{
	const struct pair *p = d->buf;
	uint32_t n = 0;
	size_t i;

	*exact = !d->hll;
	if (d->hll)
		return (uint32_t)llround(hll_estimate(d, cur));
	for (i = 0; i < d->n; i++)
		if (pair_live(&p[i], cur))
			n++;
	return n;
}

void
lsdist_clear(struct lsdist *d)
{
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

size_t
lsdist_bytes(const struct lsdist *d)
{
	if (d->hll)
		return 2 * LSD_HLL_M;
	return (size_t)d->cap * sizeof(struct pair);
}
