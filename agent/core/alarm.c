/*
 * alarm.c: threshold alarms with hysteresis and hold-down, RMON style.
 *
 * An alarm has a rising and a falling threshold. When rising >= falling
 * it is a high alarm: raised once the value has stayed >= rising for
 * `hold` seconds, cleared when it drops to <= falling (and below rising).
 * When rising < falling it is a low alarm (free space, heartbeats): the
 * comparisons flip. Metrics with instances (one queue, one sender) get
 * one row per instance.
 *
 * Pure logic: events go to a callback; the SNMP layer turns them into
 * notifications. The active rows are the active-alarm table: the truth a
 * poller resyncs from after a lost trap.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define ALARM_VALUES_MAX 128

struct conf_alarm_copy {
	char name[64];
	char metric[64];
	char text[128];
	double rising, falling;
	long hold;
	enum mh_severity severity;
};

struct alarms {
	struct alarm_row **rows;
	size_t n, cap;
	struct conf_alarm_copy *conf;
	size_t nconf;
	uint32_t next_index;
	uint32_t changes;
};

struct alarms *
alarms_new(void)
{
	struct alarms *a = xcalloc(1, sizeof(*a));

	a->next_index = 1;
	return a;
}

void
alarms_free(struct alarms *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		free(a->rows[i]);
	free(a->rows);
	free(a->conf);
	free(a);
}

static const struct conf_alarm_copy *
conf_find(const struct alarms *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nconf; i++)
		if (strcmp(a->conf[i].name, name) == 0)
			return &a->conf[i];
	return NULL;
}

static void
row_apply(struct alarm_row *r, const struct conf_alarm_copy *c)
{
	snprintf(r->metric, sizeof(r->metric), "%s", c->metric);
	snprintf(r->text, sizeof(r->text), "%s", c->text);
	r->rising = c->rising;
	r->falling = c->falling;
	r->hold = c->hold;
	r->severity = c->severity;
	r->family = metrics_family(c->metric);
}

void
alarms_configure(struct alarms *a, const struct conf *conf)
{
	size_t i;

	free(a->conf);
	a->nconf = conf->nalarms;
	a->conf = xcalloc(a->nconf ? a->nconf : 1, sizeof(*a->conf));
	for (i = 0; i < a->nconf; i++) {
		const struct conf_alarm *ca = &conf->alarms[i];
		struct conf_alarm_copy *c = &a->conf[i];

		snprintf(c->name, sizeof(c->name), "%s", ca->name);
		snprintf(c->metric, sizeof(c->metric), "%s", ca->metric);
		snprintf(c->text, sizeof(c->text), "%s", ca->text ? ca->text : "");
		c->rising = ca->rising;
		c->falling = ca->falling;
		c->hold = ca->hold;
		c->severity = ca->severity;
	}
	for (i = 0; i < a->n; i++) {
		struct alarm_row *r = a->rows[i];
		const struct conf_alarm_copy *c = conf_find(a, r->name);

		if (c == NULL) {
			r->orphan = true;
			continue;
		}
		if (strcmp(c->metric, r->metric) != 0) {
			/* a different metric is a different alarm: the old
			 * instance clears, a new one may raise */
			r->orphan = true;
			continue;
		}
		r->orphan = false;
		row_apply(r, c);
	}
}

static struct alarm_row *
row_find(struct alarms *a, const char *name, const char *metric,
    const char *instance)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		struct alarm_row *r = a->rows[i];

		if (!r->orphan && strcmp(r->name, name) == 0 &&
		    strcmp(r->metric, metric) == 0 &&
		    strcmp(r->instance, instance) == 0)
			return r;
	}
	return NULL;
}

static struct alarm_row *
row_new(struct alarms *a, const struct conf_alarm_copy *c, const char *inst)
{
	struct alarm_row *r = xcalloc(1, sizeof(*r));

	snprintf(r->name, sizeof(r->name), "%s", c->name);
	snprintf(r->instance, sizeof(r->instance), "%.63s", inst);
	row_apply(r, c);
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->rows = xreallocarray(a->rows, a->cap, sizeof(*a->rows));
	}
	a->rows[a->n++] = r;
	return r;
}

static bool
is_high(const struct alarm_row *r)
{
	return r->rising >= r->falling;
}

static bool
cond_raise(const struct alarm_row *r, double v)
{
	return is_high(r) ? v >= r->rising : v <= r->rising;
}

static bool
cond_clear(const struct alarm_row *r, double v)
{
	return is_high(r) ? (v <= r->falling && v < r->rising)
			  : (v >= r->falling && v > r->rising);
}

static void
emit_event(struct alarms *a, enum alarm_event_kind kind,
    const struct alarm_row *r, double thr,
    void (*emit)(const struct alarm_event *, void *), void *arg)
{
	struct alarm_event ev;

	a->changes++;
	ev.kind = kind;
	ev.row = r;
	ev.value = r->value;
	ev.threshold = thr;
	if (log_debug_enabled("alarm")) {
		char t[256];

		alarm_text(&ev, t, sizeof(t));
		log_debug("alarm", "%s", t);
	}
	if (emit)
		emit(&ev, arg);
}

static void
row_update(struct alarms *a, struct alarm_row *r, double v, time_t now,
    void (*emit)(const struct alarm_event *, void *), void *arg)
{
	r->value = v;
	if (!r->active) {
		if (!cond_raise(r, v)) {
			r->pending_since = 0;
			return;
		}
		if (r->pending_since == 0)
			r->pending_since = now;
		if (now - r->pending_since < r->hold)
			return;
		if (r->index == 0)
			r->index = a->next_index++;
		r->active = true;
		r->raised = now;
		r->pending_since = 0;
		emit_event(a, ALARM_RAISED, r, r->rising, emit, arg);
	} else if (cond_clear(r, v)) {
		r->active = false;
		r->raised = 0;
		emit_event(a, ALARM_CLEARED, r, r->falling, emit, arg);
	}
}

/* Drop rows that carry nothing: never raised and not pending, or
 * orphaned and no longer active. Raised-once rows stay so that the
 * same alarm instance keeps its index. */
static void
rows_compact(struct alarms *a)
{
	size_t i, j = 0;

	for (i = 0; i < a->n; i++) {
		struct alarm_row *r = a->rows[i];

		if ((!r->active && r->pending_since == 0 && r->index == 0) ||
		    (r->orphan && !r->active)) {
			free(r);
			continue;
		}
		a->rows[j++] = r;
	}
	a->n = j;
}

void
alarms_eval(struct alarms *a, const struct snapshot *s, time_t now,
    void (*emit)(const struct alarm_event *, void *), void *arg)
{
	struct metric_value vals[ALARM_VALUES_MAX];
	size_t i, k;

	/* removed alarms clear: an operator who deletes an alarm should
	 * not be left with a phone that says it is still raised */
	for (i = 0; i < a->n; i++) {
		struct alarm_row *r = a->rows[i];

		if (r->orphan && r->active) {
			r->active = false;
			emit_event(a, ALARM_CLEARED, r, r->falling, emit, arg);
		}
	}

	for (i = 0; i < a->nconf; i++) {
		const struct conf_alarm_copy *c = &a->conf[i];
		int n = metrics_get(s, c->metric, vals, ALARM_VALUES_MAX);

		if (n <= 0) {
			/* no data this round: keep every state as it is;
			 * an unknown value neither raises nor clears */
			continue;
		}
		for (k = 0; k < (size_t)n; k++) {
			struct alarm_row *r = row_find(a, c->name, c->metric,
			    vals[k].instance);

			if (r == NULL) {
				if (!cond_raise(&(struct alarm_row){
				    .rising = c->rising, .falling = c->falling },
				    vals[k].value))
					continue;
				r = row_new(a, c, vals[k].instance);
			}
			row_update(a, r, vals[k].value, now, emit, arg);
		}
		/* instances that dropped out of a multi-instance metric (a
		 * sender no longer in the top N) are below every listed
		 * value: for a high alarm that is a clear */
		for (k = 0; k < a->n; k++) {
			struct alarm_row *r = a->rows[k];
			size_t m;
			bool seen = false;

			if (r->orphan || strcmp(r->name, c->name) != 0)
				continue;
			for (m = 0; m < (size_t)n && !seen; m++)
				seen = strcmp(vals[m].instance, r->instance) == 0;
			if (seen)
				continue;
			r->pending_since = 0;
			if (r->active && is_high(r)) {
				r->value = 0;
				r->active = false;
				emit_event(a, ALARM_CLEARED, r, r->falling,
				    emit, arg);
			}
		}
	}
	rows_compact(a);
}

static int
row_cmp(const void *x, const void *y)
{
	const struct alarm_row *a = *(const struct alarm_row *const *)x;
	const struct alarm_row *b = *(const struct alarm_row *const *)y;

	return a->index < b->index ? -1 : a->index > b->index;
}

size_t
alarms_active(const struct alarms *a, const struct alarm_row **out,
    size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < a->n && n < max; i++)
		if (a->rows[i]->active)
			out[n++] = a->rows[i];
	qsort(out, n, sizeof(*out), row_cmp);
	return n;
}

uint32_t
alarms_changes(const struct alarms *a)
{
	return a->changes;
}

static void
fmt_num(char *buf, size_t len, double v)
{
	if (fabs(v - llround(v)) < 1e-9 && fabs(v) < 9e15)
		snprintf(buf, len, "%lld", (long long)llround(v));
	else
		snprintf(buf, len, "%.2f", v);
}

void
alarm_text(const struct alarm_event *ev, char *buf, size_t len)
{
	const struct alarm_row *r = ev->row;
	char v[32], t[32], what[160];
	bool high = is_high(r);

	fmt_num(v, sizeof(v), ev->value);
	fmt_num(t, sizeof(t), ev->threshold);
	if (r->instance[0])
		snprintf(what, sizeof(what), "%s[%s]", r->metric, r->instance);
	else
		snprintf(what, sizeof(what), "%s", r->metric);
	/* "queue.total 6 >= 5", with the operator's text in front when
	 * there is one: "queue big (queue.total 6 >= 5)" */
	if (r->text[0])
		snprintf(buf, len, "%s%s (%s %s %s %s)", r->text,
		    ev->kind == ALARM_RAISED ? "" : " cleared", what, v,
		    (ev->kind == ALARM_RAISED) == high ? ">=" : "<=", t);
	else
		snprintf(buf, len, "%s%s %s %s %s",
		    ev->kind == ALARM_RAISED ? "" : "cleared: ", what, v,
		    (ev->kind == ALARM_RAISED) == high ? ">=" : "<=", t);
}
