/*
 * rowid.c: stable indexes for per-key tables. A string index would keep
 * a row on its key by itself, but a 255-octet key does not fit SNMP's
 * 128 sub-identifiers, so the agent numbers keys instead and keeps the
 * number while the key is in the table (NMS graphs and Zabbix discovery
 * follow the index). The rank is a column of its own.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "view/view.h"

struct rowid {
	char *key;
	uint32_t index;
	uint32_t gen;
	struct rowid *next;
};

struct rowids {
	struct rowid **bucket;
	size_t nbucket, n;
	uint32_t next_index;
	uint32_t gen;
};

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

struct rowids *
rowids_new(void)
{
	struct rowids *r = xcalloc(1, sizeof(*r));

	r->nbucket = 64;
	r->bucket = xcalloc(r->nbucket, sizeof(*r->bucket));
	r->next_index = 1;
	return r;
}

void
rowids_free(struct rowids *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nbucket; i++)
		while (r->bucket[i] != NULL) {
			struct rowid *e = r->bucket[i];

			r->bucket[i] = e->next;
			free(e->key);
			free(e);
		}
	free(r->bucket);
	free(r);
}

static void
grow(struct rowids *r)
{
	size_t n = r->nbucket * 2, i;
	struct rowid **b = xcalloc(n, sizeof(*b));

	for (i = 0; i < r->nbucket; i++)
		while (r->bucket[i] != NULL) {
			struct rowid *e = r->bucket[i];
			size_t k = hash(e->key) & (n - 1);

			r->bucket[i] = e->next;
			e->next = b[k];
			b[k] = e;
		}
	free(r->bucket);
	r->bucket = b;
	r->nbucket = n;
}

uint32_t
rowids_get(struct rowids *r, const char *key)
{
	size_t k = hash(key) & (r->nbucket - 1);
	struct rowid *e;

	for (e = r->bucket[k]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0) {
			e->gen = r->gen;
			return e->index;
		}
	if (r->n + 1 > r->nbucket) {
		grow(r);
		k = hash(key) & (r->nbucket - 1);
	}
	e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(key);
	e->index = r->next_index++;
	if (r->next_index > 0x7fffffffu)
		r->next_index = 1;
	e->gen = r->gen;
	e->next = r->bucket[k];
	r->bucket[k] = e;
	r->n++;
	return e->index;
}

void
rowids_begin(struct rowids *r)
{
	r->gen++;
}

void
rowids_end(struct rowids *r)
{
	size_t i;

	for (i = 0; i < r->nbucket; i++) {
		struct rowid **pp = &r->bucket[i], *e;

		while ((e = *pp) != NULL) {
			if (e->gen != r->gen) {
				*pp = e->next;
				free(e->key);
				free(e);
				r->n--;
				continue;
			}
			pp = &e->next;
		}
	}
}

size_t
rowids_count(const struct rowids *r)
{
	return r->n;
}
