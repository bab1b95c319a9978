/*
 * view.h: MAILHEALTH-MIB as a sorted array of (OID, value) built from a
 * snapshot on the main thread (mibview.c), one builder per MIB group
 * (mib_*.c). Pure C: the SNMP layer (snmp/) only translates requests.
 */
#ifndef MH_VIEW_H
#define MH_VIEW_H

#include "core/core.h"

/* ------------------------------------------------------------------ */
/* mibview.c: the OID-sorted view of a snapshot that the SNMP handler
 * serves by binary search. Built on the main thread when a snapshot
 * arrives; pure C, tested without net-snmp. */

#define MV_OID_MAX 32
enum mv_type {
	MV_INTEGER, MV_UNSIGNED, MV_GAUGE, MV_COUNTER32, MV_COUNTER64,
	MV_STRING, MV_OID, MV_TIMETICKS,
	MV_AGE,		/* Gauge32 seconds since v.u (a unix time), worked
			 * out when the request is answered */
};
struct mv_entry {
	uint32_t oid[MV_OID_MAX];
	size_t len;
	enum mv_type type;
	union {
		int64_t i;
		uint64_t u;
		struct {
			char *s;
			size_t slen;
		} str;
		struct {
			uint32_t *o;
			size_t olen;
		} oid;
	} v;
};
struct mibview;
struct mibview *mibview_new(void);
void mibview_free(struct mibview *);
/* Rebuild from a snapshot (may be NULL before the first one). */
void mibview_build(struct mibview *, const struct snapshot *,
    const struct agent_info *, const struct alarms *, size_t top_n);
const struct mv_entry *mibview_get(const struct mibview *,
    const uint32_t *oid, size_t len);
const struct mv_entry *mibview_next(const struct mibview *,
    const uint32_t *oid, size_t len);
size_t mibview_count(const struct mibview *);
const struct mv_entry *mibview_at(const struct mibview *, size_t i);
/* True if oid names an object (scalar or column) the MIB defines, so a
 * GET of a missing instance is noSuchInstance rather than noSuchObject. */
bool mibview_is_object(const uint32_t *oid, size_t len);

/* mibview.c builder helpers used by the mib_*.c files */
struct mv_builder;
void mv_add_int(struct mv_builder *, enum mv_type, int64_t v,
    const uint32_t *oid, size_t len);
void mv_add_str(struct mv_builder *, const char *s, size_t slen,
    const uint32_t *oid, size_t len);
void mv_add_dateandtime(struct mv_builder *, time_t t,
    const uint32_t *oid, size_t len);
void mv_add_oid(struct mv_builder *, const uint32_t *val, size_t vlen,
    const uint32_t *oid, size_t len);
/* The OID of a notification: root.0.(2 * family - 1 + cleared). */
size_t mib_notification_oid(enum mh_family, bool cleared, uint32_t *out);
/* Integer32 range, for values that may not fit. */
int32_t mv_clamp32(double v);

/* The OID of a scalar (group.arc.0) or a column cell (group.table.1.
 * col.index) of MAILHEALTH-MIB; returns its length. */
size_t mv_scalar_oid(uint32_t *out, unsigned group, unsigned arc);
size_t mv_cell_oid(uint32_t *out, unsigned group, unsigned table,
    unsigned col, uint32_t index);

/* rowid.c: the index a per-key table row keeps while its key stays in
 * the table, so a poller's row N is the same sender from poll to poll
 * (IX_KEY tables). Numbers are not reused while the agent runs, until
 * they wrap past 2^31. */
struct rowids;
struct rowids *rowids_new(void);
void rowids_free(struct rowids *);
/* The key's index, made if new; marks it seen in this build. */
uint32_t rowids_get(struct rowids *, const char *key);
/* Start a build / forget the keys the build did not see. */
void rowids_begin(struct rowids *);
void rowids_end(struct rowids *);
size_t rowids_count(const struct rowids *);

/* mib_fields.c: every collector's groups, from its field tables */
struct mib_fields;
struct mib_fields *mib_fields_new(void);
void mib_fields_free(struct mib_fields *);
void mib_fields_build(struct mib_fields *, struct mv_builder *,
    const struct snapshot *, size_t top_n);
/* Is this column or scalar one that some collector's table declares? */
bool mib_fields_is_object(unsigned group, unsigned arc, unsigned col,
    bool scalar);

/* mibval.c: a snapshot's values looked up by MAILHEALTH-MIB arcs,
 * whatever collector publishes them, in their MIB form; false (or NULL)
 * when no fresh part has the value: the standard MIBs' second view
 * degrades to noSuchInstance as ours does. */
struct mibtab {			/* a table found in a snapshot */
	const struct ftable *t;
	const struct part *p;
	const char *rows;
	size_t n;
};
bool mibval_int(const struct snapshot *, unsigned group, unsigned arc,
    int64_t *out);
bool mibval_table(const struct snapshot *, unsigned group, unsigned table,
    struct mibtab *);
bool mibtab_int(const struct mibtab *, size_t row, unsigned col,
    int64_t *out);
const char *mibtab_str(const struct mibtab *, size_t row, unsigned col);
uint32_t mibtab_index(const struct mibtab *, size_t row);

/* The standard MIBs served from the same snapshot (docs/standard-mibs.md):
 * NETWORK-SERVICES-MIB's applTable (mib_appl.c) and MTA-MIB's mtaTable
 * and mtaGroupTable (mib_mta.c). */
#define MV_MIB2 1, 3, 6, 1, 2, 1
#define MV_MIB2_LEN 6
#define MV_APPL 27		/* mib-2.27: application (RFC 2788) */
#define MV_MTA 28		/* mib-2.28: mta (RFC 2789) */
#define MV_APPL_MTA 1		/* applIndex of the MTA */
#define MV_APPL_MBOX 2		/* applIndex of the POP3/IMAP server */
void mib_appl_build(struct mv_builder *, const struct snapshot *,
    const struct alarms *);
void mib_mta_build(struct mv_builder *, const struct snapshot *);
/* mib_mta.c, for both: the MhMta value of the MTA (0: none known), its
 * name ("postfix", or "Postfix" as a title), and the established
 * connections on a set of local ports (-1: none of them counted) */
int mib_std_mta(const struct snapshot *);
const char *mib_std_mta_name(int mta, bool title);
int64_t mib_std_conns(const struct snapshot *, const uint32_t *ports,
    size_t n);

/* The subtrees the view serves, each registered with the AgentX master
 * on its own (snmp.c). */
struct mv_subtree {
	const char *name;	/* for the log: "MAILHEALTH-MIB" */
	uint32_t oid[MV_OID_MAX];
	size_t len;
	/* a range of subtrees (AgentX range_subid, 1-based, 0 for none):
	 * oid[range_subid - 1] up to range_ubound, both included */
	uint8_t range_subid;
	uint32_t range_ubound;
	int priority;		/* AgentX: lower wins an overlap */
	const char *descr;	/* sysORDescr, NULL: no sysORTable row of
				 * its own (another row of the module has
				 * it) */
	size_t sysor_len;	/* sysORID: the first sysor_len of oid */
};
/* Is oid inside subtree t (its range included)? */
bool mv_subtree_has(const struct mv_subtree *t, const uint32_t *oid,
    size_t len);
extern const struct mv_subtree mv_subtrees[];
extern const size_t mv_nsubtrees;

/* mib_agent.c, mib_alarm.c: the agent's own groups */
void mib_agent_build(struct mv_builder *, const struct snapshot *,
    const struct agent_info *);
void mib_alarm_build(struct mv_builder *, const struct alarms *);


#endif
