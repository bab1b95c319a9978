/*
 * conn_hosts.c: the remote hosts of one port in one round: how many are
 * distinct, and which hold the most connections.
 *
 * Distinct hosts are counted exactly in an open-addressing hash of
 * binary addresses (24 bytes an entry) up to exact_max of them. A SYN
 * flood from spoofed addresses brings a new address with nearly every
 * packet, so the hash stops growing there: addresses beyond it are
 * still counted by a HyperLogLog of 1024 registers (about 3% standard
 * error), fed with every address from the start, and the count is then
 * reported as an estimate (never below exact_max). Memory per port is
 * bounded by exact_max entries, 1 KiB of registers and the Space-Saving
 * counters.
 *
 * The top hosts: at the end of the round each hashed address goes into
 * a Space-Saving table (core/topk.h) once, with its exact count as the
 * weight, so while the hash holds every host the top list is exact;
 * an address past the limit goes in with weight 1 per connection, where
 * Space-Saving's bound (count - error <= true <= count) applies.
 */
#include "config.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"
#include "core/topk.h"
#include "conn/conn.h"

#define HLL_BITS 10
#define HLL_M (1u << HLL_BITS)
#define HOSTS_MIN_CAP 64u

struct host_ent {
	uint8_t addr[16];
	uint32_t count;		/* 0: the slot is free */
	uint8_t family;
};

struct conn_hosts {
	size_t exact_max;
	struct host_ent *tab;
	size_t cap;		/* a power of two */
	size_t n;
	bool overflow;		/* some address did not fit */
	uint8_t hll[HLL_M];
	struct topk *topk;
};

static uint64_t
hosts_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t
hosts_hash(uint8_t family, const uint8_t *a)
{
	uint64_t w0, w1;

	memcpy(&w0, a, 8);
	memcpy(&w1, a + 8, 8);
	return hosts_mix(w0 ^ hosts_mix(w1 + family));
}

struct conn_hosts *
conn_hosts_new(size_t exact_max, size_t topk_counters)
{
	struct conn_hosts *h = xcalloc(1, sizeof(*h));

	h->exact_max = exact_max ? exact_max : 1;
	h->cap = HOSTS_MIN_CAP;
	h->tab = xcalloc(h->cap, sizeof(*h->tab));
	h->topk = topk_new(topk_counters ? topk_counters : 1);
	return h;
}

void
conn_hosts_free(struct conn_hosts *h)
{
	if (h == NULL)
		return;
	topk_free(h->topk);
	free(h->tab);
	free(h);
}

void
conn_hosts_reset(struct conn_hosts *h)
{
	/* a table that a flood grew shrinks back once it is mostly empty */
	if (h->cap > HOSTS_MIN_CAP && h->n * 8 < h->cap) {
		free(h->tab);
		h->cap /= 2;
		h->tab = xcalloc(h->cap, sizeof(*h->tab));
	} else if (h->n > 0) {
		memset(h->tab, 0, h->cap * sizeof(*h->tab));
	}
	h->n = 0;
	h->overflow = false;
	memset(h->hll, 0, sizeof(h->hll));
	topk_reset(h->topk);
}

static void
hosts_grow(struct conn_hosts *h)
{
	struct host_ent *old = h->tab;
	size_t oldcap = h->cap, i;

	h->cap *= 2;
	h->tab = xcalloc(h->cap, sizeof(*h->tab));
	for (i = 0; i < oldcap; i++) {
		size_t j;

		if (old[i].count == 0)
			continue;
		j = hosts_hash(old[i].family, old[i].addr) & (h->cap - 1);
		while (h->tab[j].count != 0)
			j = (j + 1) & (h->cap - 1);
		h->tab[j] = old[i];
	}
	free(old);
}

static void
hosts_format(uint8_t family, const uint8_t *addr, char *buf, size_t len)
{
	if (inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf,
	    (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

void
conn_hosts_add(struct conn_hosts *h, uint8_t family, const uint8_t *addr)
{
	uint8_t a[16] = { 0 };
	uint64_t hv;
	size_t j;
	unsigned rank;

	memcpy(a, addr, family == AF_INET6 ? 16 : 4);
	hv = hosts_hash(family, a);

	/* HyperLogLog: the first HLL_BITS bits pick a register, the
	 * position of the first 1 bit in the rest is the rank */
	rank = (unsigned)__builtin_clzll(hv << HLL_BITS | 1ULL << (HLL_BITS - 1)) + 1;
	if (rank > h->hll[hv >> (64 - HLL_BITS)])
		h->hll[hv >> (64 - HLL_BITS)] = (uint8_t)rank;

	for (j = hv & (h->cap - 1); h->tab[j].count != 0;
	    j = (j + 1) & (h->cap - 1)) {
		if (h->tab[j].family == family && memcmp(h->tab[j].addr, a, 16) == 0) {
			if (h->tab[j].count < UINT32_MAX)
				h->tab[j].count++;
			return;
		}
	}
	if (h->n >= h->exact_max) {
		char key[CONN_ADDRSTRLEN];

		h->overflow = true;
		hosts_format(family, a, key, sizeof(key));
		topk_add(h->topk, key, 1);
		return;
	}
	memcpy(h->tab[j].addr, a, 16);
	h->tab[j].family = family;
	h->tab[j].count = 1;
	h->n++;
	if (h->n * 2 > h->cap)
		hosts_grow(h);
}

static double
hosts_hll_estimate(const struct conn_hosts *h)
{
	double m = HLL_M, sum = 0, e;
	size_t zeros = 0, i;

	for (i = 0; i < HLL_M; i++) {
		sum += ldexp(1.0, -(int)h->hll[i]);
		if (h->hll[i] == 0)
			zeros++;
	}
	e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (e <= 2.5 * m && zeros > 0)	/* small range: linear counting */
		e = m * log(m / (double)zeros);
	return e;
}

uint64_t
conn_hosts_count(const struct conn_hosts *h, bool *estimated)
{
	double e;

	if (!h->overflow) {
		if (estimated)
			*estimated = false;
		return h->n;
	}
	if (estimated)
		*estimated = true;
	e = hosts_hll_estimate(h);
	/* the hash alone proved exact_max distinct hosts, plus one */
	if (e < (double)h->exact_max + 1)
		return h->exact_max + 1;
	return (uint64_t)(e + 0.5);
}

size_t
conn_hosts_top(struct conn_hosts *h, struct conn_host *out, size_t n)
{
	struct topk_item items[CONN_TOP_MAX];
	size_t i, got;

	for (i = 0; i < h->cap; i++) {
		char key[CONN_ADDRSTRLEN];

		if (h->tab[i].count == 0)
			continue;
		hosts_format(h->tab[i].family, h->tab[i].addr, key, sizeof(key));
		topk_add(h->topk, key, h->tab[i].count);
	}
	if (n > CONN_TOP_MAX)
		n = CONN_TOP_MAX;
	got = topk_top(h->topk, items, n);
	for (i = 0; i < got; i++) {
		snprintf(out[i].addr, sizeof(out[i].addr), "%s", items[i].key);
		out[i].count = items[i].count;
		out[i].error = items[i].error;
	}
	return got;
}
