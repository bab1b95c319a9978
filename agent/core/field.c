/*
 * field.c: reading a described field out of a collector's struct, the
 * one way every output (MIB view, JSON, text, metrics) does it.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "core/field.h"

static uint32_t
have_word(const void *base, int32_t off)
{
	uint32_t h;

	if (off < 0)
		return UINT32_MAX;
	memcpy(&h, (const char *)base + off, sizeof(h));
	return h;
}

uint32_t
fgroup_have(const struct fgroup *g, const void *data)
{
	return have_word(data, g->have_off);
}

uint32_t
ftable_row_have(const struct ftable *t, const void *row)
{
	return have_word(row, t->row_have_off);
}

const void *
ftable_rows(const struct ftable *t, const void *data, size_t *n)
{
	const char *p = (const char *)data;
	const void *rows;

	memcpy(n, p + t->nrows_off, sizeof(*n));
	if (t->rows_inline)
		return p + t->rows_off;
	memcpy(&rows, p + t->rows_off, sizeof(rows));
	if (rows == NULL)
		*n = 0;
	return rows;
}

const struct field *
ftable_key(const struct ftable *t)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (t->cols[i].flags & FF_KEY)
			return &t->cols[i];
	return NULL;
}

size_t
ftable_row_index(const struct ftable *t, const void *row, uint32_t *out,
    size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < t->ncols; i++) {
		struct fval v;

		if (!(t->cols[i].flags & FF_INDEX))
			continue;
		field_get(&t->cols[i], row, UINT32_MAX, 0, &v);
		if (n < max)
			out[n] = v.i < 0 ? 0 : v.i > UINT32_MAX ? UINT32_MAX :
			    (uint32_t)v.i;
		n++;
	}
	return n;
}

bool
ftable_new_sub(const struct ftable *t, const void *prev, const void *row)
{
	uint32_t a[FTABLE_INDEX_MAX], b[FTABLE_INDEX_MAX];
	size_t n;

	if (prev == NULL)
		return true;
	n = ftable_row_index(t, row, a, FTABLE_INDEX_MAX);
	if (n > FTABLE_INDEX_MAX)
		n = FTABLE_INDEX_MAX;
	ftable_row_index(t, prev, b, FTABLE_INDEX_MAX);
	return n > 0 && memcmp(a, b, n * sizeof(*a)) != 0;
}

void
field_get(const struct field *f, const void *base, uint32_t have,
    time_t taken, struct fval *v)
{
	const char *p = (const char *)base + f->off;

	memset(v, 0, sizeof(*v));
	if ((have & f->have) != f->have)
		return;		/* unknown */
	v->t = FV_NUM;
	switch (f->kind) {
	case FK_U64: {
		uint64_t x;

		memcpy(&x, p, sizeof(x));
		v->i = x > INT64_MAX ? INT64_MAX : (int64_t)x;
		v->num = (double)x;
		break;
	}
	case FK_I64:
		memcpy(&v->i, p, sizeof(v->i));
		v->num = (double)v->i;
		break;
	case FK_U32: {
		uint32_t x;

		memcpy(&x, p, sizeof(x));
		v->i = x;
		v->num = x;
		break;
	}
	case FK_INT: {
		int x;

		memcpy(&x, p, sizeof(x));
		v->i = x;
		v->num = x;
		if (f->names != NULL && x >= 0) {
			size_t k;

			for (k = 0; f->names[k] != NULL && k < (size_t)x; k++)
				;
			v->str = f->names[k];
		}
		break;
	}
	case FK_DBL:
		memcpy(&v->num, p, sizeof(v->num));
		v->i = (int64_t)llround(v->num);
		break;
	case FK_TIME:
	case FK_AGE: {
		time_t t;

		memcpy(&t, p, sizeof(t));
		if (f->kind == FK_TIME) {
			if (t == 0) {
				v->t = FV_NONE;
				return;
			}
			v->i = t;
		} else
			v->i = (t == 0 || t > taken) ? 0 : taken - t;
		v->num = (double)v->i;
		break;
	}
	case FK_STR:
		memcpy(&v->str, p, sizeof(v->str));
		v->t = v->str ? FV_STR : FV_NONE;
		break;
	case FK_CHARS:
		v->str = p;
		v->t = FV_STR;
		break;
	}
}

int64_t
field_mib_int(const struct field *f, const struct fval *v)
{
	double d = v->num;
	int64_t x = v->i;

	switch (f->conv) {
	case FC_KIB:
		x = (int64_t)(((uint64_t)x + 1023) / 1024);
		break;
	case FC_MIB:
		x = (int64_t)(((uint64_t)x + 1048575) / 1048576);
		break;
	case FC_X100:
		x = (int64_t)llround(d * 100.0);
		break;
	case FC_CEIL:
		x = (int64_t)ceil(d);
		break;
	case FC_NONE:
		break;
	}
	switch (f->smi) {
	case FS_GAUGE:
	case FS_COUNTER32:
	case FS_UNSIGNED:
		if (x < 0)
			x = 0;
		if (x > (int64_t)UINT32_MAX)
			x = f->smi == FS_COUNTER32 ? (int64_t)(x & UINT32_MAX)
						   : (int64_t)UINT32_MAX;
		break;
	case FS_INTEGER:
		if (x > INT32_MAX)
			x = INT32_MAX;
		if (x < INT32_MIN)
			x = INT32_MIN;
		break;
	default:
		break;
	}
	return x;
}
