/*
 * wtop.c: Space-Saving over a sliding window, with a payload per key.
 *
 * Why not core/topk.c: that one ranks by counts that only grow. Here a
 * key's rank is its count in the window, which shrinks as buckets leave
 * it, and each key carries more than a count (totals, distinct sketches,
 * the last client, the first few IPs). The algorithm is the same
 * Space-Saving (docs/topk.md), adapted:
 *
 *  - k entries, never more. Each holds a count per bucket (ring of
 *    LS_BUCKETS); its window count is their sum. A min-heap on the
 *    window count (ties: the smaller total) picks the victim.
 *  - Buckets leave the window lazily: an entry drops the buckets that
 *    left since it was last touched when it is touched again (or read
 *    out). So a heap key may be stale, but only ever too high: the root
 *    is brought up to date before it is evicted, and each eviction also
 *    brings two more entries up to date, round robin, so that stale
 *    entries do not crowd the table: every k/2 evictions all entries
 *    are current. Moving the clock costs O(LS_BUCKETS), not O(k):
 *    replaying a day's log moves it thousands of times.
 *  - A new key when all entries are taken replaces the heap's root. As
 *    in Space-Saving it must inherit an upper bound of what it may have
 *    had in the window while it was not counted, or a flooder mixed with
 *    junk would be evicted forever. The bound is kept per bucket: emax[j]
 *    is the largest count in bucket j of any entry evicted since bucket
 *    j began. A key not in the table has at most emax[j] in bucket j
 *    (it was evicted with at most that, and untracked keys gain
 *    nothing), so the newcomer starts with ring = emax and err = the sum:
 *    count - err <= true <= count holds for every key, and the inherited
 *    part ages out with its buckets. The bound is looser than static
 *    Space-Saving's total/k (up to LS_BUCKETS times), but a flooder that
 *    is in the table before the junk fills it is never the smallest and
 *    is never replaced: its count stays exact (err 0). docs/logs.md.
 *  - Totals and aux counts are exact since the key's admission (a key
 *    that was never evicted: since the start).
 *
 * Strings: keys and payload strings are allocated on admission and
 * freed on eviction; per event there is at most one hash lookup and a
 * heap sift of O(log k).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "logs/ls_int.h"

struct wtop {
	size_t cap, n, naux;
	struct wtop_ent *ent;	/* cap entries, fixed in place */
	uint32_t *heap;		/* entry indices, min-heap */
	uint32_t *hash;		/* entry index + 1, 0 empty */
	uint64_t *hval;		/* the key hash of each entry */
	size_t hmask;
	uint32_t *aux;		/* cap x naux x LS_BUCKETS */
	uint32_t emax[LS_BUCKETS];
	int64_t cur;		/* current bucket; INT64_MIN before any */
	size_t rr;		/* next entry to bring up to date */
	uint64_t evicted;
};

uint64_t
wtop_hash(const char *s, size_t n)
{
	uint64_t h = mh_fnv1a64(s, n);

	/* FNV's high bits are poorly mixed for short keys, and the distinct
	 * sketches use them: finish with MurmurHash3's fmix64 */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

struct wtop *
wtop_new(size_t cap, size_t naux)
{
	struct wtop *t = xcalloc(1, sizeof(*t));
	size_t hs = 16;

	if (cap < 2)
		cap = 2;
	if (naux > WTOP_NAUX)
		naux = WTOP_NAUX;
	while (hs < cap * 2)
		hs <<= 1;
	t->cap = cap;
	t->naux = naux;
	t->ent = xcalloc(cap, sizeof(*t->ent));
	t->heap = xcalloc(cap, sizeof(*t->heap));
	t->hash = xcalloc(hs, sizeof(*t->hash));
	t->hval = xcalloc(cap, sizeof(*t->hval));
	t->hmask = hs - 1;
	if (naux > 0)
		t->aux = xcalloc(cap * naux * LS_BUCKETS, sizeof(*t->aux));
	t->cur = INT64_MIN;
	return t;
}

static void
ent_clear(struct wtop *t, struct wtop_ent *e)
{
	size_t i;
	uint32_t pos = e->pos;

	free(e->key);
	free(e->last);
	for (i = 0; i < e->nfirst; i++)
		free(e->first[i]);
	free(e->first);
	for (i = 0; i < WTOP_NDIST; i++)
		lsdist_clear(&e->dist[i]);
	memset(e, 0, sizeof(*e));
	e->pos = pos;
	if (t->aux != NULL)
		memset(t->aux + (size_t)(e - t->ent) * t->naux * LS_BUCKETS, 0,
		    t->naux * LS_BUCKETS * sizeof(*t->aux));
}

void
wtop_reset(struct wtop *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		ent_clear(t, &t->ent[t->heap[i]]);
	memset(t->hash, 0, (t->hmask + 1) * sizeof(*t->hash));
	memset(t->emax, 0, sizeof(t->emax));
	t->n = 0;
	t->cur = INT64_MIN;
	t->evicted = 0;
}

void
wtop_free(struct wtop *t)
{
	if (t == NULL)
		return;
	wtop_reset(t);
	free(t->ent);
	free(t->heap);
	free(t->hash);
	free(t->hval);
	free(t->aux);
	free(t);
}

/* heap order: window count, then total */
static bool
less(const struct wtop *t, uint32_t a, uint32_t b)
{
	const struct wtop_ent *x = &t->ent[a], *y = &t->ent[b];

	if (x->win != y->win)
		return x->win < y->win;
	return x->total < y->total;
}

static void
heap_set(struct wtop *t, size_t i, uint32_t idx)
{
	t->heap[i] = idx;
	t->ent[idx].pos = (uint32_t)i;
}

static void
sift_down(struct wtop *t, size_t i)
{
	uint32_t x = t->heap[i];

	for (;;) {
		size_t l = 2 * i + 1, m = l;

		if (l >= t->n)
			break;
		if (l + 1 < t->n && less(t, t->heap[l + 1], t->heap[l]))
			m = l + 1;
		if (!less(t, t->heap[m], x))
			break;
		heap_set(t, i, t->heap[m]);
		i = m;
	}
	heap_set(t, i, x);
}

static void
sift_up(struct wtop *t, size_t i)
{
	uint32_t x = t->heap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!less(t, x, t->heap[p]))
			break;
		heap_set(t, i, t->heap[p]);
		i = p;
	}
	heap_set(t, i, x);
}

static unsigned
slot(int64_t b)
{
	return (unsigned)(((b % LS_BUCKETS) + LS_BUCKETS) % LS_BUCKETS);
}

static uint32_t *
aux_of(const struct wtop *t, const struct wtop_ent *e)
{
	return t->aux ? t->aux + (size_t)(e - t->ent) * t->naux * LS_BUCKETS :
	    NULL;
}

/* Drop from e the buckets that left the window since it was touched. */
static void
age(struct wtop *t, struct wtop_ent *e)
{
	uint32_t *aux = aux_of(t, e);
	int64_t b;
	size_t j;

	if (e->aged >= t->cur)
		return;
	if (t->cur - e->aged >= LS_BUCKETS) {
		memset(e->ring, 0, sizeof(e->ring));
		e->win = 0;
		if (aux != NULL)
			memset(aux, 0, t->naux * LS_BUCKETS * sizeof(*aux));
	} else {
		for (b = e->aged + 1; b <= t->cur; b++) {
			unsigned s = slot(b);

			e->win -= e->ring[s];
			e->ring[s] = 0;
			for (j = 0; aux != NULL && j < t->naux; j++)
				aux[j * LS_BUCKETS + s] = 0;
		}
	}
	if (e->err > 0 && t->cur > e->err_until)
		e->err = 0;
	e->aged = t->cur;
}

void
wtop_advance(struct wtop *t, int64_t cur)
{
	int64_t b;

	if (t->cur != INT64_MIN && cur <= t->cur)
		return;
	if (t->cur == INT64_MIN || cur - t->cur >= LS_BUCKETS)
		memset(t->emax, 0, sizeof(t->emax));
	else
		for (b = t->cur + 1; b <= cur; b++)
			t->emax[slot(b)] = 0;
	t->cur = cur;
}

static size_t
hash_find(const struct wtop *t, const char *k, size_t n, uint64_t h,
    bool *found)
{
	size_t s = (size_t)h & t->hmask;

	while (t->hash[s] != 0) {
		uint32_t i = t->hash[s] - 1;

		if (t->hval[i] == h && strncmp(t->ent[i].key, k, n) == 0 &&
		    t->ent[i].key[n] == '\0') {
			*found = true;
			return s;
		}
		s = (s + 1) & t->hmask;
	}
	*found = false;
	return s;
}

static void
hash_delete(struct wtop *t, size_t s)
{
	size_t j = s;

	t->hash[s] = 0;
	for (;;) {
		size_t home;

		j = (j + 1) & t->hmask;
		if (t->hash[j] == 0)
			return;
		home = (size_t)t->hval[t->hash[j] - 1] & t->hmask;
		if ((s < j) ? (home <= s || home > j) : (home <= s && home > j)) {
			t->hash[s] = t->hash[j];
			t->hash[j] = 0;
			s = j;
		}
	}
}

struct wtop_ent *
wtop_find(struct wtop *t, const char *key, size_t n)
{
	bool found;
	size_t s;

	if (n == 0)
		return NULL;
	s = hash_find(t, key, n, wtop_hash(key, n), &found);
	return found ? &t->ent[t->hash[s] - 1] : NULL;
}

/* Take the root's place for a new key: remember its counts as the bound
 * any untracked key may have had. */
static uint32_t
evict(struct wtop *t)
{
	uint32_t idx;
	struct wtop_ent *e;
	bool found;
	size_t j, s;

	for (j = 0; j < 2; j++) {	/* aged keys only go down */
		e = &t->ent[t->rr++ % t->n];
		age(t, e);
		sift_up(t, e->pos);
	}
	idx = t->heap[0];
	e = &t->ent[idx];
	age(t, e);	/* (a smaller key: still the root) */
	for (j = 0; j < LS_BUCKETS; j++)
		if (e->ring[j] > t->emax[j])
			t->emax[j] = e->ring[j];
	s = hash_find(t, e->key, strlen(e->key), t->hval[idx], &found);
	if (found)
		hash_delete(t, s);
	ent_clear(t, e);
	t->evicted++;
	return idx;
}

struct wtop_ent *
wtop_add(struct wtop *t, const char *key, size_t n, int64_t b,
    uint32_t weight, int64_t ts)
{
	uint64_t h;
	bool found, full;
	size_t s, j;
	uint32_t idx;
	struct wtop_ent *e;

	if (n == 0)
		return NULL;
	if (t->cur == INT64_MIN || b > t->cur)
		wtop_advance(t, b);
	if (!ls_in_window(b, t->cur))
		return NULL;
	h = wtop_hash(key, n);
	s = hash_find(t, key, n, h, &found);
	if (found) {
		e = &t->ent[t->hash[s] - 1];
		age(t, e);
	} else {
		full = t->n == t->cap;
		idx = full ? evict(t) : (uint32_t)t->n;
		e = &t->ent[idx];
		e->key = xstrndup(key, n);
		e->since = ts;
		e->aged = t->cur;
		t->hval[idx] = h;
		s = hash_find(t, key, n, h, &found);
		t->hash[s] = idx + 1;
		if (full) {
			/* the bound of what this key may have had */
			/* (every slot is a bucket of the window; the
			 * ones that left it were zeroed) */
			for (j = 0; j < LS_BUCKETS; j++) {
				e->ring[j] = t->emax[j];
				e->win += t->emax[j];
			}
			e->err = e->win;
			e->err_until = t->cur + LS_BUCKETS - 1;
			sift_down(t, e->pos);
		} else {
			heap_set(t, t->n, idx);
			t->n++;
			sift_up(t, e->pos);
		}
	}
	e->ring[slot(b)] += weight;
	e->win += weight;
	e->total += weight;
	/* aging may have lowered the key, the weight raised it */
	sift_up(t, e->pos);
	sift_down(t, e->pos);
	return e;
}

void
wtop_aux_add(struct wtop *t, struct wtop_ent *e, size_t i, int64_t b,
    uint32_t weight)
{
	if (i >= t->naux || !ls_in_window(b, t->cur))
		return;
	t->aux[((size_t)(e - t->ent) * t->naux + i) * LS_BUCKETS + slot(b)] +=
	    weight;
	e->aux_total[i] += weight;
}

uint32_t
wtop_aux_win(const struct wtop *t, const struct wtop_ent *e, size_t i)
{
	const uint32_t *a;
	uint32_t sum = 0;
	size_t j;

	if (i >= t->naux)
		return 0;
	a = t->aux + ((size_t)(e - t->ent) * t->naux + i) * LS_BUCKETS;
	for (j = 0; j < LS_BUCKETS; j++)
		sum += a[j];
	return sum;
}

void
wtop_set_last(struct wtop_ent *e, const char *s, size_t n, size_t max,
    int64_t ts)
{
	if (n > max)
		n = max;
	if (n > UINT16_MAX - 1)
		n = UINT16_MAX - 1;
	if (e->last == NULL || e->last_cap < n + 1) {
		e->last_cap = (uint16_t)(n + 1 < 16 ? 16 : n + 1);
		e->last = xrealloc(e->last, e->last_cap);
	}
	memcpy(e->last, s, n);
	e->last[n] = '\0';
	if (ts > e->last_ts)
		e->last_ts = ts;
}

void
wtop_add_first(struct wtop_ent *e, const char *s, size_t n, size_t limit)
{
	size_t i;

	if (n == 0 || e->nfirst >= limit || e->nfirst >= LS_FIRST_MAX)
		return;
	for (i = 0; i < e->nfirst; i++)
		if (strncmp(e->first[i], s, n) == 0 && e->first[i][n] == '\0')
			return;
	if (e->first == NULL)
		e->first = xcalloc(LS_FIRST_MAX, sizeof(*e->first));
	e->first[e->nfirst++] = xstrndup(s, n);
}

static int
cmp_win(const void *a, const void *b)
{
	const struct wtop_ent *x = *(const struct wtop_ent *const *)a;
	const struct wtop_ent *y = *(const struct wtop_ent *const *)b;

	if (x->win != y->win)
		return x->win > y->win ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int
cmp_total(const void *a, const void *b)
{
	const struct wtop_ent *x = *(const struct wtop_ent *const *)a;
	const struct wtop_ent *y = *(const struct wtop_ent *const *)b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->key, y->key);
}

size_t
wtop_top(struct wtop *t, const struct wtop_ent **out, size_t n, bool by_total)
{
	const struct wtop_ent **all;
	size_t i, m = 0;

	if (t->n == 0 || n == 0)
		return 0;
	for (i = 0; i < t->n; i++)
		age(t, &t->ent[t->heap[i]]);
	for (i = t->n / 2; i-- > 0;)
		sift_down(t, i);
	all = xcalloc(t->n, sizeof(*all));
	for (i = 0; i < t->n; i++) {
		const struct wtop_ent *e = &t->ent[t->heap[i]];

		if (by_total || e->win > 0)
			all[m++] = e;
	}
	qsort(all, m, sizeof(*all), by_total ? cmp_total : cmp_win);
	if (n > m)
		n = m;
	memcpy(out, all, n * sizeof(*out));
	free(all);
	return n;
}

uint64_t
wtop_evicted(const struct wtop *t)
{
	return t->evicted;
}

int64_t
wtop_cur(const struct wtop *t)
{
	return t->cur;
}

size_t
wtop_bytes(const struct wtop *t)
{
	size_t b = sizeof(*t) + t->cap * (sizeof(*t->ent) + sizeof(*t->heap) +
	    sizeof(*t->hval)) + (t->hmask + 1) * sizeof(*t->hash) +
	    t->cap * t->naux * LS_BUCKETS * sizeof(uint32_t);
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		const struct wtop_ent *e = &t->ent[t->heap[i]];

		b += strlen(e->key) + 1 + e->last_cap;
		if (e->first != NULL)
			b += LS_FIRST_MAX * sizeof(*e->first);
		for (j = 0; j < e->nfirst; j++)
			b += strlen(e->first[j]) + 1;
		for (j = 0; j < WTOP_NDIST; j++)
			b += lsdist_bytes(&e->dist[j]);
	}
	return b;
}
