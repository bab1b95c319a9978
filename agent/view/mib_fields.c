/*
 * mib_fields.c: every collector's MIB groups, built from its field
 * tables (core/field.h). No collector has MIB code of its own: a new
 * collector's objects appear here by declaring their arcs.
 *
 * Scalars are group.arc.0. Position tables are indexed 1..n in row
 * order; value tables by their FF_INDEX columns; per-key tables by the
 * number rowid.c keeps for the key (after their FF_INDEX columns, if
 * any), with the rank (1 for the largest) in rank_arc. Only the first
 * top_n rows of a per-key table (of each sub-table) are served: the
 * collectors keep up to SNAP_TOP_MAX for alarms and the report, the MIB
 * shows what the admin asked for.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "view/view.h"

struct tab_ids {
	const struct ftable *t;
	struct rowids *ids;
};

struct mib_fields {
	struct tab_ids *v;
	size_t n;
};

struct mib_fields *
mib_fields_new(void)
{
	return xcalloc(1, sizeof(struct mib_fields));
}

void
mib_fields_free(struct mib_fields *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		rowids_free(m->v[i].ids);
	free(m->v);
	free(m);
}

static struct rowids *
ids_for(struct mib_fields *m, const struct ftable *t)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->v[i].t == t)
			return m->v[i].ids;
	m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
	m->v[m->n].t = t;
	m->v[m->n].ids = rowids_new();
	return m->v[m->n++].ids;
}

static void
add_value(struct mv_builder *b, const struct field *f, const struct fval *v,
    const uint32_t *oid, size_t len)
{
	switch (f->smi) {
	case FS_STRING:
		if (v->t == FV_STR)
			mv_add_str(b, v->str, strlen(v->str), oid, len);
		break;
	case FS_DATEANDTIME:
		if (v->t == FV_NUM)
			mv_add_dateandtime(b, (time_t)v->i, oid, len);
		break;
	case FS_GAUGE:
		mv_add_int(b, MV_GAUGE, field_mib_int(f, v), oid, len);
		break;
	case FS_COUNTER32:
		mv_add_int(b, MV_COUNTER32, field_mib_int(f, v), oid, len);
		break;
	case FS_COUNTER64:
		mv_add_int(b, MV_COUNTER64, field_mib_int(f, v), oid, len);
		break;
	case FS_INTEGER:
		mv_add_int(b, MV_INTEGER, field_mib_int(f, v), oid, len);
		break;
	case FS_UNSIGNED:
		mv_add_int(b, MV_UNSIGNED, field_mib_int(f, v), oid, len);
		break;
	}
}

/* The OID of a cell whose index is idx[0..n-1]. */
static size_t
cell_oid(uint32_t *oid, unsigned group, unsigned table, unsigned col,
    const uint32_t *idx, size_t n)
{
	size_t len = mv_cell_oid(oid, group, table, col, idx[0]), i;

	for (i = 1; i < n && len < MV_OID_MAX; i++)
		oid[len++] = idx[i];
	return len;
}

static void
build_table(struct mib_fields *m, struct mv_builder *b,
    const struct fgroup *g, const struct ftable *t, const struct part *p,
    size_t top_n)
{
	const struct field *key = ftable_key(t);
	struct rowids *ids = t->index == IX_KEY ? ids_for(m, t) : NULL;
	uint32_t oid[MV_OID_MAX], idx[FTABLE_INDEX_MAX + 1];
	size_t i, c, n, len, nidx, rank = 0;
	const char *rows = ftable_rows(t, p->data, &n);
	const void *prev = NULL;

	if (ids)
		rowids_begin(ids);
	for (i = 0; i < n; i++) {
		const void *row = rows + i * t->row_size;
		uint32_t have = ftable_row_have(t, row);
		struct fval v;

		/* a per-key table serves its top_n, in each sub-table */
		if (ftable_new_sub(t, prev, row))
			rank = 0;
		prev = row;
		rank++;
		if (t->index == IX_KEY && rank > top_n)
			continue;
		nidx = ftable_row_index(t, row, idx, FTABLE_INDEX_MAX);
		if (nidx > FTABLE_INDEX_MAX)
			continue;
		if (t->index == IX_POSITION)
			idx[nidx++] = (uint32_t)i + 1;
		else if (ids) {
			if (key == NULL)
				continue;
			field_get(key, row, UINT32_MAX, 0, &v);
			if (v.t != FV_STR)
				continue;
			idx[nidx++] = rowids_get(ids, v.str);
			if (t->rank_arc) {
				len = cell_oid(oid, g->mib_group, t->arc,
				    t->rank_arc, idx, nidx);
				mv_add_int(b, MV_GAUGE, (int64_t)rank, oid,
				    len);
			}
		}
		if (nidx == 0)
			continue;
		for (c = 0; c < t->ncols; c++) {
			const struct field *f = &t->cols[c];

			if (f->smi == FS_NONE)
				continue;
			field_get(f, row, have, p->taken, &v);
			if (v.t == FV_NONE)
				continue;
			len = cell_oid(oid, g->mib_group, t->arc, f->arc, idx,
			    nidx);
			add_value(b, f, &v, oid, len);
		}
	}
	if (ids)
		rowids_end(ids);
}

void
mib_fields_build(struct mib_fields *m, struct mv_builder *b,
    const struct snapshot *s, size_t top_n)
{
	uint32_t oid[MV_OID_MAX];
	size_t i, k, j, len;

	for (i = 0; s != NULL && i < s->nparts; i++) {
		const struct part *p = snapshot_fresh(s, i);

		if (p == NULL)
			continue;
		for (k = 0; k < p->col->ngroups; k++) {
			const struct fgroup *g = &p->col->groups[k];
			uint32_t have = fgroup_have(g, p->data);

			if (g->mib_group == 0)
				continue;
			for (j = 0; j < g->nfields; j++) {
				const struct field *f = &g->fields[j];
				struct fval v;

				if (f->smi == FS_NONE)
					continue;
				field_get(f, p->data, have, p->taken, &v);
				if (v.t == FV_NONE)
					continue;
				len = mv_scalar_oid(oid, f->group ? f->group :
				    g->mib_group, f->arc);
				add_value(b, f, &v, oid, len);
			}
			for (j = 0; j < g->ntables; j++) {
				const struct ftable *t = &g->tables[j];

				if (t->arc == 0 || (have & t->have) != t->have)
					continue;
				build_table(m, b, g, t, p, top_n);
			}
		}
	}
}

bool
mib_fields_is_object(unsigned group, unsigned arc, unsigned col, bool scalar)
{
	size_t i, k, j, c;

	for (i = 0; i < ncollectors; i++)
		for (k = 0; k < collectors[i]->ngroups; k++) {
			const struct fgroup *g = &collectors[i]->groups[k];

			for (j = 0; scalar && j < g->nfields; j++) {
				const struct field *f = &g->fields[j];

				if (f->smi != FS_NONE && f->arc == arc &&
				    (f->group ? f->group : g->mib_group) == group)
					return true;
			}
			if (scalar || g->mib_group != group)
				continue;
			for (j = 0; j < g->ntables; j++) {
				const struct ftable *t = &g->tables[j];

				if (t->arc != arc)
					continue;
				if (t->index == IX_KEY && t->rank_arc == col)
					return true;
				for (c = 0; c < t->ncols; c++)
					if (t->cols[c].smi != FS_NONE &&
					    t->cols[c].arc == col)
						return true;
			}
		}
	return false;
}
