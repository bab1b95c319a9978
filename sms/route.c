/*
 * route.c: who gets an alert. The top-level `recipients` get everything;
 * each `route` adds its recipients for the severities, notification types
 * and states it names. A recipient reached by several routes is paged once,
 * and is in quiet hours only if every route that reaches it is.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sms.h"

bool
route_quiet_now(const struct quiet *q, int minute)
{
	if (!q->set)
		return false;
	if (q->start == q->end)
		return false;	/* empty interval */
	if (q->start < q->end)
		return minute >= q->start && minute < q->end;
	return minute >= q->start || minute < q->end;	/* wraps midnight */
}

int
route_minute_of_day(time_t now)
{
	struct tm tm;

	localtime_r(&now, &tm);
	return tm.tm_hour * 60 + tm.tm_min;
}

static bool
route_matches(const struct sms_route *r, const struct sms_alert *a)
{
	if (r->severities && !(r->severities & (1u << a->severity)))
		return false;
	if (r->families && !(r->families & (1u << a->family)))
		return false;
	if (a->cleared ? !r->cleared : !r->raised)
		return false;
	return true;
}

static void
route_add(struct route_target **t, size_t *n, const char *to, bool quiet)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*t)[i].to, to) == 0) {
			/* quiet only if quiet on every path */
			(*t)[i].quiet = (*t)[i].quiet && quiet;
			return;
		}
	*t = xreallocarray(*t, *n + 1, sizeof(**t));
	(*t)[*n].to = xstrdup(to);
	(*t)[*n].quiet = quiet;
	(*n)++;
}

size_t
route_select(const struct sms_conf *c, const struct sms_alert *a,
    int minute, struct route_target **out)
{
	struct route_target *t = NULL;
	size_t n = 0, i, k;
	bool gquiet = route_quiet_now(&c->quiet, minute);

	for (i = 0; i < c->nrecipients; i++)
		route_add(&t, &n, c->recipients[i], gquiet);
	for (i = 0; i < c->nroutes; i++) {
		const struct sms_route *r = &c->routes[i];
		bool q = r->quiet.set ? route_quiet_now(&r->quiet, minute) :
		    gquiet;

		if (!route_matches(r, a))
			continue;
		for (k = 0; k < r->nrecipients; k++)
			route_add(&t, &n, r->recipients[k], q);
	}
	*out = t;
	return n;
}

void
route_targets_free(struct route_target *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(t[i].to);
	free(t);
}
