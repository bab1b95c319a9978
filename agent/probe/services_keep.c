/*
 * services_keep.c: the last result of every service check, kept for
 * the process's life, so that a reload does not reset what the checks
 * know.
 *
 * Why it is needed: a reload that changes any `service` section makes
 * the framework stop the services collector's thread and start a new
 * one with new state (collect.c never waits for the old one: it may be
 * in the middle of a 10 s timeout). Without this, every service would
 * start again at unknown, forget its last change and last error, and a
 * service that was down would show unknown for `fall` rounds. So each
 * round stores its results here, and a new collector state reads them
 * back at init (probe_set_restore).
 *
 * Who writes: only the newest state (the last to claim). A state that
 * was told to stop may still finish a round after its successor
 * started; its results are not published, so they must not land here
 * either. Entries of services that left the configuration are dropped
 * when the next state claims. At most PROBE_MAX entries, one per
 * configured service.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "probe/services.h"

struct keep_entry {
	char *name;
	enum probe_kind kind;
	char *target;
	struct probe_result r;
	struct services_extra x;
};

static pthread_mutex_t keep_lock = PTHREAD_MUTEX_INITIALIZER;
static struct keep_entry *keep_v;
static size_t keep_n;
static uint64_t keep_owner;	/* the newest claim */

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

static bool
keep_same(const struct keep_entry *e, const struct probe_desc *d)
{
	return e->kind == d->kind && strcmp(e->name, nz(d->name)) == 0 &&
	    strcmp(e->target, nz(d->target)) == 0;
}

static struct keep_entry *
keep_find(const struct probe_desc *d)
{
	size_t i;

	for (i = 0; i < keep_n; i++)
		if (keep_same(&keep_v[i], d))
			return &keep_v[i];
	return NULL;
}

static void
keep_entry_free(struct keep_entry *e)
{
	free(e->name);
	free(e->target);
}

uint64_t
services_keep_claim(const struct probe_desc *d, size_t n)
{
	uint64_t owner;
	size_t i, k, j = 0;

	pthread_mutex_lock(&keep_lock);
	owner = ++keep_owner;
	for (i = 0; i < keep_n; i++) {
		bool wanted = false;

		for (k = 0; k < n && !wanted; k++)
			wanted = keep_same(&keep_v[i], &d[k]);
		if (wanted)
			keep_v[j++] = keep_v[i];
		else
			keep_entry_free(&keep_v[i]);
	}
	keep_n = j;
	pthread_mutex_unlock(&keep_lock);
	return owner;
}

bool
services_keep_get(const struct probe_desc *d, struct probe_result *r,
    struct services_extra *x)
{
	struct keep_entry *e;

	pthread_mutex_lock(&keep_lock);
	if ((e = keep_find(d)) != NULL) {
		*r = e->r;
		*x = e->x;
	}
	pthread_mutex_unlock(&keep_lock);
	return e != NULL;
}

bool
services_keep_put(uint64_t owner, const struct probe_desc *d,
    const struct probe_result *r, const struct services_extra *x)
{
	struct keep_entry *e;
	bool newest;

	pthread_mutex_lock(&keep_lock);
	if (!(newest = owner == keep_owner))
		goto out;	/* a stopped state: not published */
	if ((e = keep_find(d)) == NULL) {
		keep_v = xreallocarray(keep_v, keep_n + 1, sizeof(*keep_v));
		e = &keep_v[keep_n++];
		e->name = xstrdup(nz(d->name));
		e->kind = d->kind;
		e->target = xstrdup(nz(d->target));
	}
	e->r = *r;
	e->x = *x;
out:
	pthread_mutex_unlock(&keep_lock);
	return newest;
}

void
services_keep_clear(void)
{
	size_t i;

	pthread_mutex_lock(&keep_lock);
	for (i = 0; i < keep_n; i++)
		keep_entry_free(&keep_v[i]);
	free(keep_v);
	keep_v = NULL;
	keep_n = 0;
	pthread_mutex_unlock(&keep_lock);
}
