/*
 * metrics.c: the names alarms use for values in a snapshot. There is no
 * table of metrics here: a metric is a field of some collector's field
 * table with a `metric` name (field.h). Names are documented in
 * mailhealthd.conf(5); tests/unit/test_metrics.c checks that every one
 * is.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"

/* Metrics of the agent itself, not of a collector. */
static const char agent_errors[] = "agent.collect_errors";

struct where {
	const struct collector *col;
	const struct fgroup *g;
	const struct ftable *t;	/* NULL for a scalar */
	const struct field *f;
};

static bool
find(const char *name, struct where *w)
{
	size_t i, k, j, c;

	for (i = 0; i < ncollectors; i++) {
		const struct collector *col = collectors[i];

		for (k = 0; k < col->ngroups; k++) {
			const struct fgroup *g = &col->groups[k];

			for (j = 0; j < g->nfields; j++)
				if (g->fields[j].metric != NULL &&
				    strcmp(g->fields[j].metric, name) == 0) {
					*w = (struct where){ col, g, NULL,
					    &g->fields[j] };
					return true;
				}
			for (j = 0; j < g->ntables; j++) {
				const struct ftable *t = &g->tables[j];

				for (c = 0; c < t->ncols; c++)
					if (t->cols[c].metric != NULL &&
					    strcmp(t->cols[c].metric, name) == 0) {
						*w = (struct where){ col, g, t,
						    &t->cols[c] };
						return true;
					}
			}
		}
	}
	return false;
}

bool
metrics_known(const char *name)
{
	struct where w;

	return strcmp(name, agent_errors) == 0 || find(name, &w);
}

enum mh_family
metrics_family(const char *name)
{
	struct where w;

	if (find(name, &w))
		return (enum mh_family)w.g->family;
	return MH_FAM_AGENT;
}

void
metrics_list(void (*cb)(const char *, void *), void *arg)
{
	size_t i, k, j, c;

	cb(agent_errors, arg);
	for (i = 0; i < ncollectors; i++)
		for (k = 0; k < collectors[i]->ngroups; k++) {
			const struct fgroup *g = &collectors[i]->groups[k];

			for (j = 0; j < g->nfields; j++)
				if (g->fields[j].metric)
					cb(g->fields[j].metric, arg);
			for (j = 0; j < g->ntables; j++)
				for (c = 0; c < g->tables[j].ncols; c++)
					if (g->tables[j].cols[c].metric)
						cb(g->tables[j].cols[c].metric,
						    arg);
		}
}

/* The instance a row stands for: its key column, as text. */
static const char *
row_instance(const struct ftable *t, const void *row, char *buf, size_t len)
{
	const struct field *k = ftable_key(t);
	struct fval v;

	if (k == NULL)
		return "";
	field_get(k, row, UINT32_MAX, 0, &v);
	if (v.t == FV_STR)
		return v.str;
	if (v.t == FV_NUM) {
		snprintf(buf, len, "%lld", (long long)v.i);
		return buf;
	}
	return "";
}

int
metrics_each(const struct snapshot *s, const char *name, metric_cb cb,
    void *arg)
{
	const struct part *p;
	const void *data;
	struct where w;
	char detail[256], num[32];
	uint32_t have;
	struct fval v;
	size_t i, nrows, n = 0;
	const char *rows;

	if (strcmp(name, agent_errors) == 0) {
		if (s == NULL)
			return METRIC_NO_DATA;
		cb("", (double)s->errors, s->last_error, arg);
		return 1;
	}
	if (!find(name, &w))
		return METRIC_UNKNOWN_NAME;
	if ((p = snapshot_part(s, w.col)) == NULL)
		return METRIC_NO_DATA;
	data = p->data;
	have = fgroup_have(w.g, data);
	if (w.t == NULL) {
		field_get(w.f, data, have, p->taken, &v);
		if (v.t != FV_NUM)
			return METRIC_NO_DATA;
		detail[0] = '\0';
		if (w.f->detail)
			w.f->detail(data, NULL, detail, sizeof(detail));
		cb("", v.num, detail, arg);
		return 1;
	}
	if ((have & w.t->have) != w.t->have)
		return METRIC_NO_DATA;
	rows = ftable_rows(w.t, data, &nrows);
	for (i = 0; i < nrows; i++) {
		const void *row = rows + i * w.t->row_size;

		field_get(w.f, row, ftable_row_have(w.t, row), p->taken, &v);
		if (v.t != FV_NUM) {
			cb(row_instance(w.t, row, num, sizeof(num)), NAN, "",
			    arg);
			continue;
		}
		detail[0] = '\0';
		if (w.f->detail)
			w.f->detail(data, row, detail, sizeof(detail));
		cb(row_instance(w.t, row, num, sizeof(num)), v.num, detail,
		    arg);
		n++;
	}
	/* a table with rows none of which is known is unknown, not empty */
	return nrows > 0 && n == 0 ? METRIC_NO_DATA : (int)n;
}
