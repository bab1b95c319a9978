/*
 * mibval.c: a snapshot's values looked up by their MAILHEALTH-MIB arcs.
 *
 * The standard MIBs (mib_mta.c, mib_appl.c) are a second view of the
 * same snapshot: they read what MAILHEALTH-MIB serves, by group, arc and
 * column, through the collectors' field tables, and never a collector's
 * struct. So a collector that starts filling a group (the log collector
 * and mhTraffic, say) shows in MTA-MIB with no change here, and a value
 * no collector provides this round is simply not found: the standard
 * object answers noSuchInstance, as ours does. The values come out in
 * their MIB form (units converted as MAILHEALTH-MIB serves them).
 */
#include "config.h"

#include <string.h>

#include "view/view.h"

bool
mibval_int(const struct snapshot *s, unsigned group, unsigned arc,
    int64_t *out)
{
	size_t i, k, j;

	for (i = 0; s != NULL && i < s->nparts; i++) {
		const struct part *p = snapshot_fresh(s, i);

		if (p == NULL)
			continue;
		for (k = 0; k < p->col->ngroups; k++) {
			const struct fgroup *g = &p->col->groups[k];

			for (j = 0; j < g->nfields; j++) {
				const struct field *f = &g->fields[j];
				struct fval v;

				if (f->smi == FS_NONE || f->arc != arc ||
				    (f->group ? f->group : g->mib_group) !=
				    group)
					continue;
				field_get(f, p->data, fgroup_have(g, p->data),
				    p->taken, &v);
				if (v.t != FV_NUM)
					return false;
				*out = field_mib_int(f, &v);
				return true;
			}
		}
	}
	return false;
}

bool
mibval_table(const struct snapshot *s, unsigned group, unsigned table,
    struct mibtab *out)
{
	size_t i, k, j;

	memset(out, 0, sizeof(*out));
	for (i = 0; s != NULL && i < s->nparts; i++) {
		const struct part *p = snapshot_fresh(s, i);

		if (p == NULL)
			continue;
		for (k = 0; k < p->col->ngroups; k++) {
			const struct fgroup *g = &p->col->groups[k];

			if (g->mib_group != group)
				continue;
			for (j = 0; j < g->ntables; j++) {
				const struct ftable *t = &g->tables[j];
				uint32_t have = fgroup_have(g, p->data);

				if (t->arc != table)
					continue;
				if ((have & t->have) != t->have)
					return false;
				out->t = t;
				out->p = p;
				out->rows = ftable_rows(t, p->data, &out->n);
				return true;
			}
		}
	}
	return false;
}

/* The accessible column col of a table. */
static const struct field *
tab_col(const struct mibtab *m, unsigned col)
{
	size_t c;

	for (c = 0; c < m->t->ncols; c++)
		if (m->t->cols[c].arc == col && m->t->cols[c].smi != FS_NONE)
			return &m->t->cols[c];
	return NULL;
}

static bool
tab_get(const struct mibtab *m, size_t i, unsigned col, struct fval *v,
    const struct field **fp)
{
	const struct field *f;
	const void *row;

	if (m->t == NULL || i >= m->n || (f = tab_col(m, col)) == NULL)
		return false;
	row = m->rows + i * m->t->row_size;
	field_get(f, row, ftable_row_have(m->t, row), m->p->taken, v);
	*fp = f;
	return v->t != FV_NONE;
}

bool
mibtab_int(const struct mibtab *m, size_t i, unsigned col, int64_t *out)
{
	const struct field *f;
	struct fval v;

	if (!tab_get(m, i, col, &v, &f) || v.t != FV_NUM)
		return false;
	*out = field_mib_int(f, &v);
	return true;
}

/* The first value of the row's index (mhConnPort, mhAuthProto): the
 * FF_INDEX column of an IX_VALUE table, or the position for IX_POSITION;
 * 0 when it has none. */
uint32_t
mibtab_index(const struct mibtab *m, size_t i)
{
	uint32_t idx[FTABLE_INDEX_MAX];

	if (m->t == NULL || i >= m->n)
		return 0;
	if (m->t->index == IX_POSITION)
		return (uint32_t)i + 1;
	if (ftable_row_index(m->t, m->rows + i * m->t->row_size, idx,
	    FTABLE_INDEX_MAX) == 0)
		return 0;
	return idx[0];
}

const char *
mibtab_str(const struct mibtab *m, size_t i, unsigned col)
{
	const struct field *f;
	struct fval v;

	if (!tab_get(m, i, col, &v, &f) || v.t != FV_STR)
		return NULL;
	return v.str;
}
