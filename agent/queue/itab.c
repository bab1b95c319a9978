/*
 * itab.c: interned strings (one copy of each distinct string), reclaimed
 * by mark and sweep: a reader touches every live string in each scan
 * (itab_get or itab_mark with the scan's generation), so a string not
 * touched in a scan is garbage and itab_sweep frees it.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "queue/pf.h"


uint32_t
itab_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

void
itab_init(struct itab *t)
{
	t->nb = 256;
	t->n = 0;
	t->b = xcalloc(t->nb, sizeof(*t->b));
}

static void
itab_grow(struct itab *t)
{
	size_t nb = t->nb * 2, i;
	struct istr **b = xcalloc(nb, sizeof(*b));

	for (i = 0; i < t->nb; i++) {
		struct istr *e = t->b[i], *nx;

		for (; e; e = nx) {
			nx = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

/* The interned copy of s[0..n) (n bytes, no NUL inside). */
const char *
itab_get(struct itab *t, const char *s, size_t n, uint32_t gen)
{
	uint32_t h = itab_hash(s, n);
	struct istr *e;

	for (e = t->b[h & (t->nb - 1)]; e; e = e->next)
		if (e->hash == h && strncmp(e->s, s, n) == 0 &&
		    e->s[n] == '\0') {
			e->gen = gen;
			return e->s;
		}
	if (t->n >= t->nb)
		itab_grow(t);
	e = xmalloc(sizeof(*e) + n + 1);
	memcpy(e->s, s, n);
	e->s[n] = '\0';
	e->hash = h;
	e->gen = gen;
	e->next = t->b[h & (t->nb - 1)];
	t->b[h & (t->nb - 1)] = e;
	t->n++;
	return e->s;
}

void
itab_mark(const char *s, uint32_t gen)
{
	struct istr *e = (struct istr *)(void *)(s - offsetof(struct istr, s));

	e->gen = gen;
}

void
itab_sweep(struct itab *t, uint32_t gen)
{
	size_t i;

	for (i = 0; i < t->nb; i++) {
		struct istr **pp = &t->b[i];

		while (*pp) {
			struct istr *e = *pp;

			if (e->gen != gen) {
				*pp = e->next;
				free(e);
				t->n--;
			} else
				pp = &e->next;
		}
	}
}

void
itab_free(struct itab *t)
{
	size_t i;

	for (i = 0; i < t->nb; i++) {
		struct istr *e = t->b[i], *nx;

		for (; e; e = nx) {
			nx = e->next;
			free(e);
		}
	}
	free(t->b);
	t->b = NULL;
}
