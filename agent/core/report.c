/*
 * report.c: what `mailhealthd --once` prints. JSON for tools and tests,
 * text for an admin at the console in the middle of an outbreak. Both
 * are made from the collectors' field tables (field.h), so they carry
 * the same data as the MIB, and every string in them went through the
 * one door (mhstr_clean): a sender address cannot set a terminal's
 * title or break a JSON parser.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* ---------------------------------------------------------------- JSON */

static void
json_value(struct strbuf *b, const struct field *f, const struct fval *v)
{
	if (v->t == FV_NONE)
		strbuf_puts(b, "null");
	else if (v->t == FV_STR)
		strbuf_json_text(b, v->str);
	else if (f->kind == FK_INT && v->str != NULL)
		strbuf_json_text(b, v->str);
	else if (f->kind == FK_DBL)
		strbuf_printf(b, "%.2f", v->num);
	else
		strbuf_printf(b, "%" PRId64, v->i);
}

static void
json_fields(struct strbuf *b, const struct field *fs, size_t n,
    const void *base, uint32_t have, time_t taken, bool *first)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct fval v;

		if (fs[i].flags & FF_NOJSON)
			continue;
		field_get(&fs[i], base, have, taken, &v);
		strbuf_printf(b, "%s\"%s\":", *first ? "" : ",", fs[i].name);
		*first = false;
		json_value(b, &fs[i], &v);
	}
}

static void
json_group(struct strbuf *b, const struct fgroup *g, const struct part *p)
{
	uint32_t have = fgroup_have(g, p->data);
	bool first = true;
	size_t j, r;

	strbuf_printf(b, ",\"%s\":{", g->name);
	json_fields(b, g->fields, g->nfields, p->data, have, p->taken, &first);
	for (j = 0; j < g->ntables; j++) {
		const struct ftable *t = &g->tables[j];
		size_t n;
		const char *rows;

		strbuf_printf(b, "%s\"%s\":", first ? "" : ",", t->name);
		first = false;
		if ((have & t->have) != t->have) {
			strbuf_puts(b, "null");
			continue;
		}
		rows = ftable_rows(t, p->data, &n);
		strbuf_putc(b, '[');
		for (r = 0; r < n; r++) {
			const void *row = rows + r * t->row_size;
			bool rf = true;

			strbuf_puts(b, r ? ",{" : "{");
			json_fields(b, t->cols, t->ncols, row,
			    ftable_row_have(t, row), p->taken, &rf);
			strbuf_putc(b, '}');
		}
		strbuf_putc(b, ']');
	}
	strbuf_putc(b, '}');
}

static void
json_alarms(struct strbuf *b, const struct alarms *al)
{
	const struct alarm_row **rows = NULL;
	size_t i, n = al ? alarms_active(al, &rows) : 0;

	strbuf_puts(b, ",\"alarms\":[");
	for (i = 0; i < n; i++) {
		strbuf_printf(b, "%s{\"index\":%u,\"name\":", i ? "," : "",
		    rows[i]->index);
		strbuf_json_text(b, rows[i]->name);
		strbuf_puts(b, ",\"metric\":");
		strbuf_json_text(b, rows[i]->metric);
		strbuf_puts(b, ",\"instance\":");
		strbuf_json_text(b, rows[i]->instance);
		strbuf_printf(b, ",\"severity\":\"%s\",\"value\":%.17g,"
		    "\"threshold\":%.17g,\"raised\":%lld,\"detail\":",
		    mh_severity_name(rows[i]->severity), rows[i]->value,
		    rows[i]->rising, (long long)rows[i]->raised);
		strbuf_json_text(b, rows[i]->detail);
		strbuf_putc(b, '}');
	}
	strbuf_putc(b, ']');
	free(rows);
}

char *
report_json(const struct snapshot *s, const struct agent_info *ai,
    const struct alarms *al)
{
	struct strbuf b;
	size_t i, k;
	bool first = true;

	strbuf_init(&b);
	strbuf_puts(&b, "{\"agent\":{\"version\":");
	strbuf_json_text(&b, ai->version);
	strbuf_puts(&b, ",\"hostname\":");
	strbuf_json_text(&b, ai->hostname);
	strbuf_printf(&b, ",\"started\":%lld,\"interval\":%ld}",
	    (long long)ai->started, ai->interval);
	strbuf_printf(&b, ",\"snapshot\":{\"taken\":%lld,\"last_collect\":%lld,"
	    "\"duration_ms\":%u,\"errors\":%u,\"last_error\":",
	    (long long)s->taken, (long long)s->last_collect, s->duration_ms,
	    s->errors);
	strbuf_json_text(&b, s->last_error);
	strbuf_puts(&b, ",\"parts\":{");
	for (i = 0; i < s->nparts; i++) {
		const struct part *p = s->parts[i].part;

		if (p == NULL)
			continue;
		strbuf_printf(&b, "%s\"%s\":{\"taken\":%lld,\"duration_ms\":%u,"
		    "\"errors\":%u,\"stale\":%s,\"last_error\":",
		    first ? "" : ",", p->col->name, (long long)p->taken,
		    p->duration_ms, p->errors,
		    s->parts[i].stale ? "true" : "false");
		strbuf_json_text(&b, p->last_error);
		strbuf_putc(&b, '}');
		first = false;
	}
	strbuf_puts(&b, "}}");
	for (i = 0; i < s->nparts; i++) {
		const struct part *p = snapshot_fresh(s, i);

		if (p == NULL)
			continue;
		for (k = 0; k < p->col->ngroups; k++)
			json_group(&b, &p->col->groups[k], p);
	}
	json_alarms(&b, al);
	strbuf_puts(&b, "}\n");
	return strbuf_steal(&b);
}

/* ---------------------------------------------------------------- text */

static void
human_age(char *buf, size_t len, long long s)
{
	if (s < 120)
		snprintf(buf, len, "%llds", s);
	else if (s < 7200)
		snprintf(buf, len, "%lldm", s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, (s % 86400) / 3600);
}

/* A value as an admin reads it: ages in h/m, bytes in KiB, strings
 * cleaned and cut for one line. */
static void
text_value(char *buf, size_t len, const struct field *f, const struct fval *v,
    const char **unit)
{
	*unit = f->unit ? f->unit : "";
	if (v->t == FV_NONE) {
		snprintf(buf, len, "-");
		*unit = "";
	} else if (v->t == FV_STR)
		mhstr_clean(buf, len, v->str, strlen(v->str), 80);
	else if (f->kind == FK_INT && v->str != NULL)
		snprintf(buf, len, "%s", v->str);
	else if (f->kind == FK_TIME) {
		/* a moment: local time, as the logs an admin reads show it */
		time_t t = (time_t)v->i;
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	} else if (f->kind == FK_AGE || (f->unit && strcmp(f->unit, "s") == 0)) {
		human_age(buf, len, (long long)v->i);
		*unit = "";
	} else if (f->conv == FC_KIB) {
		snprintf(buf, len, "%" PRIu64, ((uint64_t)v->i + 1023) / 1024);
		*unit = "KiB";
	} else if (f->conv == FC_MIB) {
		snprintf(buf, len, "%" PRIu64, ((uint64_t)v->i + 1048575) /
		    1048576);
		*unit = "MiB";
	} else if (f->kind == FK_DBL)
		snprintf(buf, len, "%.1f", v->num);
	else
		snprintf(buf, len, "%" PRId64, v->i);
}

static const char *
label(const struct field *f)
{
	return f->label ? f->label : f->name;
}

/* Characters of a cleaned (valid UTF-8) string, for padding. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static bool
text_is_str(const struct field *f)
{
	return !(f->flags & FF_NOTEXT) &&
	    (f->kind == FK_STR || f->kind == FK_CHARS);
}

/* Text columns are padded to their widest value (at most TEXT_PAD_MAX
 * characters), but for the last, so a table of services or disks reads
 * in columns; a longer value just pushes the rest of its line. */
#define TEXT_PAD_MAX 40

static size_t *
text_widths(const struct ftable *t, const struct part *p, const char *rows,
    size_t n, size_t top_n)
{
	size_t *w = xcalloc(t->ncols, sizeof(*w)), r, c;
	char val[256];
	const char *unit;
	struct fval v;

	for (c = 0; c < t->ncols; c++)
		if (text_is_str(&t->cols[c]))
			w[c] = text_width(label(&t->cols[c]));
	for (r = 0; r < n && (t->index != IX_KEY || r < top_n); r++) {
		const void *row = rows + r * t->row_size;

		for (c = 0; c < t->ncols; c++) {
			if (!text_is_str(&t->cols[c]))
				continue;
			field_get(&t->cols[c], row, ftable_row_have(t, row),
			    p->taken, &v);
			text_value(val, sizeof(val), &t->cols[c], &v, &unit);
			if (text_width(val) > w[c])
				w[c] = text_width(val);
		}
	}
	for (c = 0; c < t->ncols; c++)
		if (w[c] > TEXT_PAD_MAX)
			w[c] = TEXT_PAD_MAX;
	return w;
}

static void
text_cell(struct strbuf *b, const char *val, size_t width, bool last)
{
	size_t k;

	strbuf_printf(b, "  %s", val);
	for (k = text_width(val); !last && k < width; k++)
		strbuf_putc(b, ' ');
}

static void
text_table(struct strbuf *b, const struct ftable *t, const struct part *p,
    size_t top_n)
{
	size_t n, r, c, shown = 0, lastc = 0, *w;
	const char *rows = ftable_rows(t, p->data, &n);
	const void *prev = NULL;

	strbuf_printf(b, "\n  %s\n", t->title ? t->title : t->name);
	if (n == 0) {
		strbuf_puts(b, "    (none)\n");
		return;
	}
	/* numbers first, right-aligned; text columns (keys) last */
	w = text_widths(t, p, rows, n, top_n);
	for (c = 0; c < t->ncols; c++)
		if (text_is_str(&t->cols[c]))
			lastc = c;
	strbuf_puts(b, "   ");
	for (c = 0; c < t->ncols; c++)
		if (!(t->cols[c].flags & FF_NOTEXT) &&
		    t->cols[c].kind != FK_STR && t->cols[c].kind != FK_CHARS)
			strbuf_printf(b, " %12s", label(&t->cols[c]));
	for (c = 0; c < t->ncols; c++)
		if (text_is_str(&t->cols[c]))
			text_cell(b, label(&t->cols[c]), w[c], c == lastc);
	strbuf_putc(b, '\n');
	for (r = 0; r < n; r++) {
		const void *row = rows + r * t->row_size;
		uint32_t have = ftable_row_have(t, row);
		char val[256];
		const char *unit;
		struct fval v;

		/* top_n rows of a per-key table, of each sub-table */
		if (ftable_new_sub(t, prev, row))
			shown = 0;
		prev = row;
		if (t->index == IX_KEY && shown++ >= top_n)
			continue;
		strbuf_puts(b, "   ");
		for (c = 0; c < t->ncols; c++) {
			const struct field *f = &t->cols[c];

			if ((f->flags & FF_NOTEXT) || f->kind == FK_STR ||
			    f->kind == FK_CHARS)
				continue;
			field_get(f, row, have, p->taken, &v);
			text_value(val, sizeof(val), f, &v, &unit);
			strbuf_printf(b, " %12s", val);
		}
		for (c = 0; c < t->ncols; c++) {
			const struct field *f = &t->cols[c];

			if ((f->flags & FF_NOTEXT) || (f->kind != FK_STR &&
			    f->kind != FK_CHARS))
				continue;
			field_get(f, row, have, p->taken, &v);
			text_value(val, sizeof(val), f, &v, &unit);
			/* an empty key is the null sender; any other empty
			 * text is nothing known */
			text_cell(b, val[0] ? val : (f->flags & FF_KEY) ? "<>" :
			    "-", w[c], c == lastc);
		}
		strbuf_putc(b, '\n');
	}
	free(w);
}

static void
text_group(struct strbuf *b, const struct fgroup *g, const struct part *p,
    size_t top_n)
{
	uint32_t have = fgroup_have(g, p->data);
	size_t j;

	strbuf_printf(b, "\n%s\n", g->title ? g->title : g->name);
	for (j = 0; j < g->nfields; j++) {
		const struct field *f = &g->fields[j];
		char val[256];
		const char *unit;
		struct fval v;

		if (f->flags & FF_NOTEXT)
			continue;
		field_get(f, p->data, have, p->taken, &v);
		if ((f->flags & FF_TEXTKNOWN) && v.t == FV_NONE)
			continue;
		text_value(val, sizeof(val), f, &v, &unit);
		strbuf_printf(b, "  %-24s %s%s%s\n", label(f), val,
		    unit[0] ? " " : "", unit);
	}
	for (j = 0; j < g->ntables; j++) {
		const struct ftable *t = &g->tables[j];

		if ((have & t->have) != t->have && (t->flags & FT_TEXT_OPTIONAL))
			continue;
		if ((have & t->have) != t->have)
			strbuf_printf(b, "\n  %s: unknown\n",
			    t->title ? t->title : t->name);
		else
			text_table(b, t, p, top_n);
	}
}

char *
report_text(const struct snapshot *s, const struct agent_info *ai,
    const struct alarms *al, size_t top_n)
{
	const struct alarm_row **rows = NULL;
	struct strbuf b;
	char when[64], line[512];
	struct tm tm;
	size_t i, k, n;

	strbuf_init(&b);
	localtime_r(&s->taken, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
	strbuf_printf(&b, "mailhealth %s on ", ai->version);
	strbuf_clean(&b, ai->hostname, strlen(ai->hostname), 0);
	strbuf_printf(&b, ", %s (took %u ms)\n", when, s->duration_ms);
	if (s->errors || s->last_error[0]) {
		strbuf_printf(&b, "collector errors: %u, last: ", s->errors);
		strbuf_clean(&b, s->last_error, strlen(s->last_error), 0);
		strbuf_putc(&b, '\n');
	}
	for (i = 0; i < s->nparts; i++) {
		const struct part *p = s->parts[i].part;

		if (p == NULL || p->data == NULL)
			continue;
		if (s->parts[i].stale) {
			strbuf_printf(&b, "\n%s: stale, not shown\n",
			    p->col->name);
			continue;
		}
		for (k = 0; k < p->col->ngroups; k++)
			text_group(&b, &p->col->groups[k], p, top_n);
	}
	if (al != NULL) {
		n = alarms_active(al, &rows);
		strbuf_printf(&b, "\nactive alarms: %zu\n", n);
		for (i = 0; i < n; i++) {
			struct alarm_event ev = { ALARM_RAISED, rows[i],
			    rows[i]->value, rows[i]->rising };

			alarm_text(&ev, line, sizeof(line));
			strbuf_printf(&b, "  [%s] ",
			    mh_severity_name(rows[i]->severity));
			strbuf_clean(&b, rows[i]->name, strlen(rows[i]->name),
			    0);
			strbuf_puts(&b, ": ");
			strbuf_clean(&b, line, strlen(line), 0);
			strbuf_putc(&b, '\n');
		}
		free(rows);
	}
	return strbuf_steal(&b);
}
