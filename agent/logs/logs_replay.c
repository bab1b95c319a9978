/*
 * logs_replay.c: `mailhealthd --once` replays yesterday's log; this
 * file says which alarms the daemon would have raised and cleared
 * meanwhile, and when.
 *
 * The core alarm engine is pure (alarms_new, alarms_configure,
 * alarms_eval): it is run along the replay, once for every minute of
 * log time, on a snapshot that holds only this collector's part as it
 * was at the end of that minute. Only alarms on this collector's
 * metrics take part: the queue or the disks of today say nothing about
 * yesterday's log. Holds work as in the daemon, in log time.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logs.h"

/* after the last line of a busy minute, the windows empty within a
 * window length: minutes beyond that change nothing, so a gap of hours
 * in the log costs a few evaluations, not one per minute */
#define MAX_EVENTS 10000

struct logs_replay {
	struct alarms *al;
	int64_t last_min;	/* INT64_MIN: no line yet */
	int64_t span;		/* minutes worth evaluating after a line */
	int64_t evaluated;	/* time of the last evaluation */
	struct logs_alarm_ev *ev;
	size_t n, cap;
	uint64_t dropped;
};

static bool
is_log_metric(const char *m)
{
	size_t g, j, c;

	for (g = 0; g < logs_ngroups; g++) {
		const struct fgroup *gr = &logs_groups[g];

		for (j = 0; j < gr->nfields; j++)
			if (gr->fields[j].metric &&
			    strcmp(gr->fields[j].metric, m) == 0)
				return true;
		for (j = 0; j < gr->ntables; j++)
			for (c = 0; c < gr->tables[j].ncols; c++)
				if (gr->tables[j].cols[c].metric &&
				    strcmp(gr->tables[j].cols[c].metric, m) == 0)
					return true;
	}
	return false;
}

struct logs_replay *
logs_replay_new(const struct conf *c)
{
	struct logs_replay *r;
	struct conf only;
	const struct conf_col *cc = conf_col_of(c, &collector_logs);
	const struct logs_conf *lc = cc ? cc->cc : NULL;
	unsigned w = 300;
	size_t i;

	only = *c;
	only.alarms = xcalloc(c->nalarms ? c->nalarms : 1,
	    sizeof(*only.alarms));
	only.nalarms = 0;
	for (i = 0; i < c->nalarms; i++)
		if (is_log_metric(c->alarms[i].metric))
			only.alarms[only.nalarms++] = c->alarms[i];
	if (only.nalarms == 0) {
		free(only.alarms);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->al = alarms_new();
	alarms_configure(r->al, &only);	/* copies what it keeps */
	free(only.alarms);
	if (lc != NULL)
		w = lc->rate_window > lc->auth_window ? lc->rate_window :
		    lc->auth_window;
	r->span = w / 60 + 2;
	r->last_min = INT64_MIN;
	r->evaluated = INT64_MIN;
	return r;
}

void
logs_replay_free(struct logs_replay *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->ev[i].alarm);
		free(r->ev[i].metric);
		free(r->ev[i].instance);
		free(r->ev[i].text);
	}
	free(r->ev);
	alarms_free(r->al);
	free(r);
}

struct emit_ctx {
	struct logs_replay *r;
	int64_t now;
};

static void
on_event(const struct alarm_event *ev, void *arg)
{
	struct emit_ctx *x = arg;
	struct logs_replay *r = x->r;
	struct logs_alarm_ev *e;
	char t[512];

	if (r->n >= MAX_EVENTS) {
		r->dropped++;
		return;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->ev = xreallocarray(r->ev, r->cap, sizeof(*r->ev));
	}
	e = &r->ev[r->n++];
	alarm_text(ev, t, sizeof(t));
	e->time = x->now;
	e->kind = ev->kind == ALARM_RAISED ? LOGS_EV_RAISED : LOGS_EV_CLEARED;
	e->alarm = xstrdup(ev->row->name);
	e->metric = xstrdup(ev->row->metric);
	e->instance = xstrdup(ev->row->instance);
	e->severity = (int)ev->row->severity;
	e->value = ev->value;
	e->threshold = ev->threshold;
	e->text = xstrdup(t);
}

/* The alarms against the counters as they are at `now`. */
static void
eval_at(struct logs_replay *r, struct logstats *ls, int64_t now)
{
	struct emit_ctx x = { r, now };
	struct snapshot *s;
	struct part *p;

	if (now <= r->evaluated)
		return;
	r->evaluated = now;
	p = part_new(&collector_logs);
	p->taken = (time_t)now;
	p->data = logs_part_new(logstats_report(ls, SNAP_TOP_MAX, now));
	s = snapshot_new(1);
	s->taken = (time_t)now;
	s->parts[0].part = p;	/* freed with the snapshot */
	alarms_eval(r->al, s, (time_t)now, on_event, &x);
	snapshot_free(s);
}

static int64_t
minute_of(int64_t ts)
{
	return ts >= 0 ? ts / 60 : (ts - 59) / 60;
}

void
logs_replay_tick(struct logs_replay *r, struct logstats *ls, int64_t ts)
{
	int64_t m = minute_of(ts), b;

	if (r == NULL)
		return;
	if (r->last_min == INT64_MIN) {
		r->last_min = m;
		return;
	}
	if (m <= r->last_min)
		return;
	/* every minute that ended since, up to span; then the gap */
	for (b = r->last_min + 1; b <= m && b <= r->last_min + r->span; b++)
		eval_at(r, ls, b * 60);
	if (m > r->last_min + r->span)
		eval_at(r, ls, m * 60);
	r->last_min = m;
}

void
logs_replay_finish(struct logs_replay *r, struct logstats *ls,
    struct logs_part *p)
{
	p->have |= LOGS_HAVE_REPLAY;
	if (r == NULL)
		return;
	/* the windows of the report end at the newest line: so does the
	 * last evaluation */
	if (p->now != 0)
		eval_at(r, ls, p->now);
	p->alarm_evs = r->ev;
	p->nalarm_evs = r->n;
	p->alarm_evs_dropped = r->dropped;
	r->ev = NULL;
	r->n = r->cap = 0;
}
