/*
 * mibview.c: MAILHEALTH-MIB as a sorted array of (OID, value).
 *
 * Why not net-snmp's table helpers: our data changes as a whole, once a
 * round, and never through SET. Building one sorted array per snapshot
 * makes GET a binary search and GETNEXT the following element, across
 * scalars and tables alike, and it is testable without net-snmp: the
 * golden OID test walks it. The SNMP handler (snmp.c) only translates.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "view/view.h"
#include "mhmib.h"

struct mv_builder {
	struct mv_entry *v;
	size_t n, cap;
};

struct mibview {
	struct mv_entry *v;
	size_t n;
	struct mib_fields *fields;	/* keeps row indexes between builds */
};

static const uint32_t root[] = { MH_OID_ROOT };

/* What the master is asked for, in OID order.
 *
 * MTA-MIB is asked for column by column (one AgentX range each for
 * mtaEntry and mtaGroupEntry), at a better (lower) priority than
 * net-snmp's default 127, because Debian's snmpd serves MTA-MIB itself
 * for sendmail (its mibII/mta_sendmail module: a row of zeros where
 * there is no sendmail). That module registers each of its columns on
 * its own, and the master prefers the longer of two overlapping
 * registrations whatever their priorities: a registration of all of
 * mib-2.28 would lose the columns sendmail has and keep the others, a
 * mix of two MTAs in one walk. Columns registered at the same length
 * and a better priority are ours while we are connected; when we are
 * gone the master serves its own again (docs/standard-mibs.md). */
const struct mv_subtree mv_subtrees[] = {
	{ "NETWORK-SERVICES-MIB", { MV_MIB2, MV_APPL }, MV_MIB2_LEN + 1,
	  0, 0, 127, "NETWORK-SERVICES-MIB: applTable for the MTA and the "
	  "POP3/IMAP server (mailhealthd)", MV_MIB2_LEN + 1 },
	{ "MTA-MIB mtaTable", { MV_MIB2, MV_MTA, 1, 1, 1 }, MV_MIB2_LEN + 4,
	  MV_MIB2_LEN + 4, 12, 100, "MTA-MIB: the MTA's queues and traffic "
	  "(mailhealthd)", MV_MIB2_LEN + 1 },
	{ "MTA-MIB mtaGroupTable", { MV_MIB2, MV_MTA, 2, 1, 2 },
	  MV_MIB2_LEN + 4, MV_MIB2_LEN + 4, 34, 100, NULL, 0 },
	{ "MAILHEALTH-MIB", { MH_OID_ROOT }, MH_OID_ROOT_LEN, 0, 0, 127,
	  "MAILHEALTH-MIB: mail server health (mailhealthd)",
	  MH_OID_ROOT_LEN },
};
const size_t mv_nsubtrees = MH_ARRAY_SIZE(mv_subtrees);

bool
mv_subtree_has(const struct mv_subtree *t, const uint32_t *oid, size_t len)
{
	size_t i;

	if (len < t->len)
		return false;
	for (i = 0; i < t->len; i++) {
		if (t->range_subid && i == (size_t)t->range_subid - 1) {
			if (oid[i] < t->oid[i] || oid[i] > t->range_ubound)
				return false;
		} else if (oid[i] != t->oid[i])
			return false;
	}
	return true;
}

struct mibview *
mibview_new(void)
{
	struct mibview *m = xcalloc(1, sizeof(struct mibview));

	m->fields = mib_fields_new();
	return m;
}

static void
entries_free(struct mv_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].type == MV_STRING)
			free(v[i].v.str.s);
		else if (v[i].type == MV_OID)
			free(v[i].v.oid.o);
	}
	free(v);
}

void
mibview_free(struct mibview *m)
{
	if (m == NULL)
		return;
	entries_free(m->v, m->n);
	mib_fields_free(m->fields);
	free(m);
}

static struct mv_entry *
mv_push(struct mv_builder *b, const uint32_t *oid, size_t len)
{
	struct mv_entry *e;

	if (len > MV_OID_MAX)
		log_fatalx("mib", "OID too long (%zu)", len);
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 128;
		b->v = xreallocarray(b->v, b->cap, sizeof(*b->v));
	}
	e = &b->v[b->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->oid, oid, len * sizeof(*oid));
	e->len = len;
	return e;
}

void
mv_add_int(struct mv_builder *b, enum mv_type t, int64_t v,
    const uint32_t *oid, size_t len)
{
	struct mv_entry *e = mv_push(b, oid, len);

	e->type = t;
	if (t == MV_INTEGER)
		e->v.i = v;
	else
		e->v.u = (uint64_t)v;
}

/* Every string value passes mhstr_clean: valid UTF-8, no control
 * characters, at most 255 octets (MhString). */
void
mv_add_str(struct mv_builder *b, const char *s, size_t slen,
    const uint32_t *oid, size_t len)
{
	struct mv_entry *e = mv_push(b, oid, len);
	char buf[MH_STR_MAX + 1];
	size_t n = mhstr_clean(buf, sizeof(buf), s, slen, MH_STR_MAX);

	e->type = MV_STRING;
	e->v.str.s = xmalloc(n + 1);
	memcpy(e->v.str.s, buf, n + 1);
	e->v.str.slen = n;
}

/* Raw octets (DateAndTime): no cleaning, they are not text. */
static void
mv_add_octets(struct mv_builder *b, const char *s, size_t slen,
    const uint32_t *oid, size_t len)
{
	struct mv_entry *e = mv_push(b, oid, len);

	e->type = MV_STRING;
	e->v.str.s = xmalloc(slen + 1);
	memcpy(e->v.str.s, s, slen);
	e->v.str.s[slen] = '\0';
	e->v.str.slen = slen;
}

void
mv_add_dateandtime(struct mv_builder *b, time_t t, const uint32_t *oid,
    size_t len)
{
	struct tm tm;
	char d[11];
	long off;

	/* local time with its offset from UTC, as DateAndTime says */
	localtime_r(&t, &tm);
	off = tm.tm_gmtoff;
	d[0] = (char)((tm.tm_year + 1900) >> 8);
	d[1] = (char)((tm.tm_year + 1900) & 0xff);
	d[2] = (char)(tm.tm_mon + 1);
	d[3] = (char)tm.tm_mday;
	d[4] = (char)tm.tm_hour;
	d[5] = (char)tm.tm_min;
	d[6] = (char)tm.tm_sec;
	d[7] = 0;
	d[8] = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	d[9] = (char)(off / 3600);
	d[10] = (char)((off % 3600) / 60);
	mv_add_octets(b, d, sizeof(d), oid, len);
}

void
mv_add_oid(struct mv_builder *b, const uint32_t *val, size_t vlen,
    const uint32_t *oid, size_t len)
{
	struct mv_entry *e = mv_push(b, oid, len);

	e->type = MV_OID;
	e->v.oid.o = xmalloc(vlen * sizeof(*val));
	memcpy(e->v.oid.o, val, vlen * sizeof(*val));
	e->v.oid.olen = vlen;
}

int32_t
mv_clamp32(double v)
{
	if (v >= 2147483647.0)
		return 2147483647;
	if (v <= -2147483648.0)
		return (-2147483647 - 1);
	return (int32_t)(v + (v >= 0 ? 0.5 : -0.5));
}

size_t
mib_notification_oid(enum mh_family f, bool cleared, uint32_t *out)
{
	memcpy(out, root, sizeof(root));
	out[MH_OID_ROOT_LEN] = MH_NOTIFICATIONS;
	out[MH_OID_ROOT_LEN + 1] = 2 * (uint32_t)f - (cleared ? 0 : 1);
	return MH_OID_ROOT_LEN + 2;
}

size_t
mv_scalar_oid(uint32_t *out, unsigned group, unsigned arc)
{
	memcpy(out, root, sizeof(root));
	out[MH_OID_ROOT_LEN] = MH_OBJECTS;
	out[MH_OID_ROOT_LEN + 1] = group;
	out[MH_OID_ROOT_LEN + 2] = arc;
	out[MH_OID_ROOT_LEN + 3] = 0;
	return MH_OID_ROOT_LEN + 4;
}

size_t
mv_cell_oid(uint32_t *out, unsigned group, unsigned table, unsigned col,
    uint32_t index)
{
	memcpy(out, root, sizeof(root));
	out[MH_OID_ROOT_LEN] = MH_OBJECTS;
	out[MH_OID_ROOT_LEN + 1] = group;
	out[MH_OID_ROOT_LEN + 2] = table;
	out[MH_OID_ROOT_LEN + 3] = 1;
	out[MH_OID_ROOT_LEN + 4] = col;
	out[MH_OID_ROOT_LEN + 5] = index;
	return MH_OID_ROOT_LEN + 6;
}

static int
oid_cmp(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen)
{
	size_t i, n = alen < blen ? alen : blen;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return alen < blen ? -1 : alen > blen;
}

static int
entry_cmp(const void *x, const void *y)
{
	const struct mv_entry *a = x, *b = y;

	return oid_cmp(a->oid, a->len, b->oid, b->len);
}

void
mibview_build(struct mibview *m, const struct snapshot *s,
    const struct agent_info *ai, const struct alarms *al, size_t top_n)
{
	struct mv_builder b = { NULL, 0, 0 };

	mib_agent_build(&b, s, ai);
	mib_fields_build(m->fields, &b, s, top_n);
	if (al)
		mib_alarm_build(&b, al);
	mib_appl_build(&b, s, al);
	mib_mta_build(&b, s);
	qsort(b.v, b.n, sizeof(*b.v), entry_cmp);
	entries_free(m->v, m->n);
	m->v = b.v;
	m->n = b.n;
}

/* Index of the first entry >= oid. */
static size_t
lower_bound(const struct mibview *m, const uint32_t *oid, size_t len)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (oid_cmp(m->v[mid].oid, m->v[mid].len, oid, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct mv_entry *
mibview_get(const struct mibview *m, const uint32_t *oid, size_t len)
{
	size_t i = lower_bound(m, oid, len);

	if (i < m->n && oid_cmp(m->v[i].oid, m->v[i].len, oid, len) == 0)
		return &m->v[i];
	return NULL;
}

const struct mv_entry *
mibview_next(const struct mibview *m, const uint32_t *oid, size_t len)
{
	size_t i = lower_bound(m, oid, len);

	if (i < m->n && oid_cmp(m->v[i].oid, m->v[i].len, oid, len) == 0)
		i++;
	return i < m->n ? &m->v[i] : NULL;
}

size_t
mibview_count(const struct mibview *m)
{
	return m->n;
}

const struct mv_entry *
mibview_at(const struct mibview *m, size_t i)
{
	return i < m->n ? &m->v[i] : NULL;
}

/* The agent's own groups (mhAgent, mhAlarms); the collectors' objects
 * come from their field tables (mib_fields_is_object). A GET of a
 * defined object whose instance we do not have is noSuchInstance;
 * anything else under the root is noSuchObject. */
struct mv_object {
	uint8_t group, table;	/* table 0: scalars 1..ncols */
	uint8_t ncols;		/* tables: columns 2..ncols are accessible */
};
static const struct mv_object objects[] = {
	{ MH_G_AGENT, 0, 10 },
	{ MH_G_ALARMS, 0, 2 },
	{ MH_G_ALARMS, MH_ALARM_TABLE, 10 },
};

/* The standard MIBs' columns we serve: entry OID, columns, index length */
struct mv_std {
	uint32_t entry[MV_MIB2_LEN + 3];
	uint8_t lo, hi, nidx;
};
static const struct mv_std std_objects[] = {
	{ { MV_MIB2, MV_APPL, 1, 1 }, 2, 17, 1 },	/* applEntry */
	{ { MV_MIB2, MV_MTA, 1, 1 }, 1, 12, 1 },	/* mtaEntry */
	{ { MV_MIB2, MV_MTA, 2, 1 }, 2, 34, 2 },	/* mtaGroupEntry */
};

static bool
std_is_object(const uint32_t *oid, size_t len)
{
	const size_t elen = MV_MIB2_LEN + 3;
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(std_objects); i++) {
		const struct mv_std *o = &std_objects[i];

		if (len == elen + 1 + o->nidx &&
		    oid_cmp(oid, elen, o->entry, elen) == 0 &&
		    oid[elen] >= o->lo && oid[elen] <= o->hi)
			return true;
	}
	return false;
}

bool
mibview_is_object(const uint32_t *oid, size_t len)
{
	const uint32_t *a;
	size_t i, n;

	if (std_is_object(oid, len))
		return true;
	if (len < MH_OID_ROOT_LEN + 3 ||
	    oid_cmp(oid, MH_OID_ROOT_LEN, root, MH_OID_ROOT_LEN) != 0 ||
	    oid[MH_OID_ROOT_LEN] != MH_OBJECTS)
		return false;
	a = oid + MH_OID_ROOT_LEN + 1;
	n = len - MH_OID_ROOT_LEN - 1;
	/* scalar: group.N.0; column: group.table.1.col.index... */
	if (n == 3 && a[2] == 0) {
		for (i = 0; i < MH_ARRAY_SIZE(objects); i++)
			if (objects[i].table == 0 && a[0] == objects[i].group &&
			    a[1] >= 1 && a[1] <= objects[i].ncols)
				return true;
		return mib_fields_is_object(a[0], a[1], 0, true);
	}
	if (n > 4 && a[2] == 1) {
		for (i = 0; i < MH_ARRAY_SIZE(objects); i++)
			if (objects[i].table && a[0] == objects[i].group &&
			    a[1] == objects[i].table && a[3] >= 2 &&
			    a[3] <= objects[i].ncols)
				return true;
		return mib_fields_is_object(a[0], a[1], a[3], false);
	}
	return false;
}
