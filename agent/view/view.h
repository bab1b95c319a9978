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

/* mib_agent.c, mib_alarm.c: the agent's own groups */
void mib_agent_build(struct mv_builder *, const struct snapshot *,
    const struct agent_info *);
void mib_alarm_build(struct mv_builder *, const struct alarms *);


#endif
