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

/* mib_agent.c, mib_queue.c, mib_alarm.c: one per MIB group */
void mib_agent_build(struct mv_builder *, const struct snapshot *,
    const struct agent_info *);
void mib_queue_build(struct mv_builder *, const struct snapshot *, size_t top_n);
void mib_alarm_build(struct mv_builder *, const struct alarms *);


#endif
