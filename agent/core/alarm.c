/*
 * alarm.c: threshold alarms with hysteresis and hold-down, RMON style.
 *
 * An alarm has a rising and a falling threshold. When rising >= falling
 * it is a high alarm: raised once the value has stayed >= rising for
 * `hold` seconds, cleared when it drops to <= falling (and below rising).
 * When rising < falling it is a low alarm (free space, heartbeats): the
 * comparisons flip. Metrics with instances (one queue, one sender) get
 * one row per instance, keyed by the whole instance string: two
 * 1,000-byte senders that share a long prefix are two rows.
 *
 * Rows have a life cycle so a flood of junk instances cannot grow them
 * without bound: a row is made when its instance first crosses the
 * rising threshold, keeps its index while it lives, and is freed once
 * it has been clear (inactive, not pending) for `alarm_forget` seconds.
 * At most `alarm_instances` rows live at once; past that new instances
 * are refused, counted (alarms_overflow) and logged once a minute.
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

struct alarm_def {		/* one configured alarm, copied */
	char *name, *metric, *instance, *text;
	double rising, falling;
	long hold;
	enum mh_severity severity;
	bool data;		/* its metric had data this evaluation */
};

struct alarms {
	struct alarm_row **bucket;	/* hash of (name, instance) */
	size_t nbucket, nrows;
	struct alarm_def *def;
	size_t ndef;
	uint32_t next_index;
	uint32_t changes;
	uint32_t gen;
	long forget;
	size_t max_rows;
	uint64_t overflow;
	time_t overflow_logged;
};

struct alarms *
alarms_new(void)
{
	struct alarms *a = xcalloc(1, sizeof(*a));

	a->next_index = 1;
	a->nbucket = 64;
	a->bucket = xcalloc(a->nbucket, sizeof(*a->bucket));
	a->forget = 3600;
	a->max_rows = 100000;
	return a;
}

static void
row_free(struct alarm_row *r)
{
	free(r->name);
	free(r->metric);
	free(r->instance);
	free(r->text);
	free(r);
}

static void
defs_free(struct alarms *a)
{
	size_t i;

	for (i = 0; i < a->ndef; i++) {
		free(a->def[i].name);
		free(a->def[i].metric);
		free(a->def[i].instance);
		free(a->def[i].text);
	}
	free(a->def);
	a->def = NULL;
	a->ndef = 0;
}

void
alarms_free(struct alarms *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nbucket; i++)
		while (a->bucket[i] != NULL) {
			struct alarm_row *r = a->bucket[i];

			a->bucket[i] = r->hnext;
			row_free(r);
		}
	free(a->bucket);
	defs_free(a);
	free(a);
}

static uint64_t
hash2(const char *x, const char *y)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *x; x++)
		h = (h ^ (unsigned char)*x) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (; *y; y++)
		h = (h ^ (unsigned char)*y) * 1099511628211ULL;
	return h;
}

static void
rehash(struct alarms *a, size_t n)
{
	struct alarm_row **b = xcalloc(n, sizeof(*b));
	size_t i;

	for (i = 0; i < a->nbucket; i++)
		while (a->bucket[i] != NULL) {
			struct alarm_row *r = a->bucket[i];
			size_t k = hash2(r->name, r->instance) & (n - 1);

			a->bucket[i] = r->hnext;
			r->hnext = b[k];
			b[k] = r;
		}
	free(a->bucket);
	a->bucket = b;
	a->nbucket = n;
}

static struct alarm_row *
row_find(const struct alarms *a, const char *name, const char *instance)
{
	struct alarm_row *r;

	r = a->bucket[hash2(name, instance) & (a->nbucket - 1)];
	for (; r != NULL; r = r->hnext)
		if (strcmp(r->name, name) == 0 &&
		    strcmp(r->instance, instance) == 0)
			return r;
	return NULL;
}

static void
row_apply(struct alarm_row *r, const struct alarm_def *d)
{
	if (strcmp(r->text, d->text) != 0) {
		free(r->text);
		r->text = xstrdup(d->text);
	}
	r->rising = d->rising;
	r->falling = d->falling;
	r->hold = d->hold;
	r->severity = d->severity;
	r->family = metrics_family(d->metric);
}

static struct alarm_row *
row_new(struct alarms *a, const struct alarm_def *d, const char *inst)
{
	struct alarm_row *r = xcalloc(1, sizeof(*r));
	size_t k;

	r->name = xstrdup(d->name);
	r->metric = xstrdup(d->metric);
	r->instance = xstrdup(inst);
	r->text = xstrdup("");
	row_apply(r, d);
	if (a->nrows + 1 > a->nbucket)
		rehash(a, a->nbucket * 2);
	k = hash2(r->name, r->instance) & (a->nbucket - 1);
	r->hnext = a->bucket[k];
	a->bucket[k] = r;
	a->nrows++;
	return r;
}

static const struct alarm_def *
def_find(const struct alarms *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->ndef; i++)
		if (strcmp(a->def[i].name, name) == 0)
			return &a->def[i];
	return NULL;
}

void
alarms_configure(struct alarms *a, const struct conf *conf)
{
	size_t i;

	defs_free(a);
	a->forget = conf->alarm_forget;
	if (conf->alarm_instances > 0)
		a->max_rows = (size_t)conf->alarm_instances;
	a->ndef = conf->nalarms;
	a->def = xcalloc(a->ndef ? a->ndef : 1, sizeof(*a->def));
	for (i = 0; i < a->ndef; i++) {
		const struct conf_alarm *ca = &conf->alarms[i];
		struct alarm_def *d = &a->def[i];

		d->name = xstrdup(ca->name);
		d->metric = xstrdup(ca->metric);
		d->instance = ca->instance ? xstrdup(ca->instance) : NULL;
		d->text = xstrdup(ca->text ? ca->text : "");
		d->rising = ca->rising;
		d->falling = ca->falling;
		d->hold = ca->hold;
		d->severity = ca->severity;
	}
	for (i = 0; i < a->nbucket; i++) {
		struct alarm_row *r;

		for (r = a->bucket[i]; r != NULL; r = r->hnext) {
			const struct alarm_def *d = def_find(a, r->name);

			/* gone, or a different metric or instance filter: a
			 * different alarm; the old instance clears */
			if (d == NULL || strcmp(d->metric, r->metric) != 0 ||
			    (d->instance && strcmp(d->instance, r->instance))) {
				r->orphan = true;
				continue;
			}
			r->orphan = false;
			row_apply(r, d);
		}
	}
}

static bool
is_high(double rising, double falling)
{
	return rising >= falling;
}

static bool
cond_raise(double rising, double falling, double v)
{
	return is_high(rising, falling) ? v >= rising : v <= rising;
}

static bool
cond_clear(const struct alarm_row *r, double v)
{
	return is_high(r->rising, r->falling)
	    ? (v <= r->falling && v < r->rising)
	    : (v >= r->falling && v > r->rising);
}

struct eval {
	struct alarms *a;
	const struct alarm_def *d;
	time_t now;
	void (*emit)(const struct alarm_event *, void *);
	void *arg;
};

static void
emit_event(struct eval *e, enum alarm_event_kind kind, struct alarm_row *r,
    double thr)
{
	struct alarm_event ev;

	e->a->changes++;
	ev.kind = kind;
	ev.row = r;
	ev.value = r->value;
	ev.threshold = thr;
	if (log_debug_enabled("alarm")) {
		char t[512];

		alarm_text(&ev, t, sizeof(t));
		log_debug("alarm", "%s", t);
	}
	if (e->emit)
		e->emit(&ev, e->arg);
}

static void
row_update(struct eval *e, struct alarm_row *r, double v, const char *detail)
{
	r->value = v;
	r->gen = e->a->gen;
	if (!r->active) {
		if (!cond_raise(r->rising, r->falling, v)) {
			r->pending_since = 0;
			if (r->quiet_since == 0)
				r->quiet_since = e->now;
			return;
		}
		r->quiet_since = 0;
		if (r->pending_since == 0)
			r->pending_since = e->now;
		if (e->now - r->pending_since < r->hold)
			return;
		if (r->index == 0)
			r->index = e->a->next_index++;
		r->active = true;
		r->raised = e->now;
		r->pending_since = 0;
		snprintf(r->detail, sizeof(r->detail), "%s", detail);
		emit_event(e, ALARM_RAISED, r, r->rising);
	} else if (cond_clear(r, v)) {
		r->active = false;
		r->raised = 0;
		r->quiet_since = e->now;
		snprintf(r->detail, sizeof(r->detail), "%s", detail);
		emit_event(e, ALARM_CLEARED, r, r->falling);
	}
}

static void
on_value(const char *instance, double v, const char *detail, void *arg)
{
	struct eval *e = arg;
	const struct alarm_def *d = e->d;
	struct alarm_row *r;

	if (d->instance != NULL && strcmp(d->instance, instance) != 0)
		return;
	r = row_find(e->a, d->name, instance);
	if (isnan(v)) {
		/* there, but unknown this round: keep its state */
		if (r != NULL)
			r->gen = e->a->gen;
		return;
	}
	if (r == NULL) {
		if (!cond_raise(d->rising, d->falling, v))
			return;
		if (e->a->nrows >= e->a->max_rows) {
			e->a->overflow++;
			return;
		}
		r = row_new(e->a, d, instance);
	}
	row_update(e, r, v, detail);
}

/* After every alarm was evaluated: rows that were not seen although
 * their metric had data have dropped out (a sender no longer in the top
 * N): for a high alarm that is a clear. Rows clear for `forget` seconds,
 * and orphans no longer active, are freed. */
static void
sweep(struct eval *e)
{
	struct alarms *a = e->a;
	size_t i;

	for (i = 0; i < a->nbucket; i++) {
		struct alarm_row **pp = &a->bucket[i], *r;

		while ((r = *pp) != NULL) {
			const struct alarm_def *d = r->orphan ? NULL :
			    def_find(a, r->name);

			if (d != NULL && d->data && r->gen != a->gen) {
				r->pending_since = 0;
				if (r->active &&
				    is_high(r->rising, r->falling)) {
					r->value = 0;
					r->active = false;
					r->detail[0] = '\0';
					emit_event(e, ALARM_CLEARED, r,
					    r->falling);
				}
				if (!r->active && r->quiet_since == 0)
					r->quiet_since = e->now;
			}
			if ((r->orphan && !r->active) ||
			    (!r->active && r->pending_since == 0 &&
			    r->quiet_since != 0 &&
			    e->now - r->quiet_since >= a->forget)) {
				*pp = r->hnext;
				row_free(r);
				a->nrows--;
				continue;
			}
			pp = &r->hnext;
		}
	}
}

void
alarms_eval(struct alarms *a, const struct snapshot *s, time_t now,
    void (*emit)(const struct alarm_event *, void *), void *arg)
{
	struct eval e = { a, NULL, now, emit, arg };
	uint64_t overflow = a->overflow;
	size_t i;

	a->gen++;
	/* removed alarms clear: an operator who deletes an alarm should
	 * not be left with a phone that says it is still raised */
	for (i = 0; i < a->nbucket; i++) {
		struct alarm_row *r;

		for (r = a->bucket[i]; r != NULL; r = r->hnext)
			if (r->orphan && r->active) {
				r->active = false;
				emit_event(&e, ALARM_CLEARED, r, r->falling);
			}
	}
	for (i = 0; i < a->ndef; i++) {
		/* no data this round: keep every state as it is; an
		 * unknown value neither raises nor clears */
		e.d = &a->def[i];
		a->def[i].data = metrics_each(s, a->def[i].metric, on_value,
		    &e) >= 0;
	}
	sweep(&e);
	if (a->overflow != overflow && now - a->overflow_logged >= 60) {
		log_warnx("alarm", "alarm_instances (%zu) reached: %llu new "
		    "instance(s) refused so far", a->max_rows,
		    (unsigned long long)a->overflow);
		a->overflow_logged = now;
	}
}

static int
row_cmp(const void *x, const void *y)
{
	const struct alarm_row *a = *(const struct alarm_row *const *)x;
	const struct alarm_row *b = *(const struct alarm_row *const *)y;

	return a->index < b->index ? -1 : a->index > b->index;
}

size_t
alarms_active(const struct alarms *a, const struct alarm_row ***out)
{
	const struct alarm_row **v = NULL;
	size_t i, n = 0, cap = 0;

	for (i = 0; i < a->nbucket; i++) {
		const struct alarm_row *r;

		for (r = a->bucket[i]; r != NULL; r = r->hnext) {
			if (!r->active)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				v = xreallocarray(v, cap, sizeof(*v));
			}
			v[n++] = r;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), row_cmp);
	*out = v;
	return n;
}

size_t
alarms_rows(const struct alarms *a)
{
	return a->nrows;
}

uint32_t
alarms_changes(const struct alarms *a)
{
	return a->changes;
}

uint64_t
alarms_overflow(const struct alarms *a)
{
	return a->overflow;
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
	char v[32], t[32];
	bool raised = ev->kind == ALARM_RAISED;
	const char *op = raised == is_high(r->rising, r->falling) ? ">=" : "<=";

	fmt_num(v, sizeof(v), ev->value);
	fmt_num(t, sizeof(t), ev->threshold);
	/* What the admin needs first: the value against its threshold,
	 * then the detail (top sender, last error); the operator's text
	 * leads when there is one. "queue.total 5234 >= 5000, top
	 * info@example.com 81%". A clear is one short line. */
	if (!raised)
		snprintf(buf, len, "%s%s%s%s%s %s %s %s", r->text,
		    r->text[0] ? ": " : "", r->metric, r->instance[0] ? " " : "",
		    r->instance, v, op, t);
	else
		snprintf(buf, len, "%s%s%s%s%s %s %s %s%s%s", r->text,
		    r->text[0] ? ": " : "", r->metric, r->instance[0] ? " " : "",
		    r->instance, v, op, t, r->detail[0] ? ", " : "", r->detail);
}
