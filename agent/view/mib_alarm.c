/*
 * mib_alarm.c: mhAlarms, the active-alarm table (MAILHEALTH-MIB). It is
 * the truth a poller resyncs from when a trap was lost.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "view/view.h"
#include "mhmib.h"

#define AL_SCALAR(n) { MH_OID_ROOT, MH_OBJECTS, MH_G_ALARMS, (n), 0 }
#define AL_SCALAR_LEN (MH_OID_ROOT_LEN + 4)
#define AL_CELL(c, i) { MH_OID_ROOT, MH_OBJECTS, MH_G_ALARMS, MH_ALARM_TABLE, 1, (c), (i) }
#define AL_CELL_LEN (MH_OID_ROOT_LEN + 6)

void
mib_alarm_build(struct mv_builder *b, const struct alarms *al)
{
	const struct alarm_row **rows;
	const uint32_t active[] = AL_SCALAR(MH_ALARM_ACTIVE);
	const uint32_t changes[] = AL_SCALAR(MH_ALARM_CHANGES);
	size_t i, n = alarms_active(al, &rows);

	mv_add_int(b, MV_GAUGE, (int64_t)n, active, AL_SCALAR_LEN);
	mv_add_int(b, MV_COUNTER32, alarms_changes(al), changes, AL_SCALAR_LEN);
	for (i = 0; i < n; i++) {
		const struct alarm_row *r = rows[i];
		uint32_t x = r->index;
		const uint32_t name[] = AL_CELL(MH_AE_NAME, x);
		const uint32_t metric[] = AL_CELL(MH_AE_METRIC, x);
		const uint32_t inst[] = AL_CELL(MH_AE_INSTANCE, x);
		const uint32_t sev[] = AL_CELL(MH_AE_SEVERITY, x);
		const uint32_t val[] = AL_CELL(MH_AE_VALUE, x);
		const uint32_t thr[] = AL_CELL(MH_AE_THRESHOLD, x);
		const uint32_t raised[] = AL_CELL(MH_AE_RAISED, x);
		const uint32_t text[] = AL_CELL(MH_AE_TEXT, x);
		const uint32_t notif[] = AL_CELL(MH_AE_NOTIFICATION, x);
		uint32_t noid[MV_OID_MAX];
		size_t nlen = mib_notification_oid(r->family, false, noid);
		struct alarm_event ev = { ALARM_RAISED, r, r->value, r->rising };
		char t[1024];

		alarm_text(&ev, t, sizeof(t));
		mv_add_str(b, r->name, strlen(r->name), name, AL_CELL_LEN);
		mv_add_str(b, r->metric, strlen(r->metric), metric, AL_CELL_LEN);
		mv_add_str(b, r->instance, strlen(r->instance), inst, AL_CELL_LEN);
		mv_add_int(b, MV_INTEGER, r->severity, sev, AL_CELL_LEN);
		mv_add_int(b, MV_INTEGER, mv_clamp32(r->value), val, AL_CELL_LEN);
		mv_add_int(b, MV_INTEGER, mv_clamp32(r->rising), thr, AL_CELL_LEN);
		mv_add_dateandtime(b, r->raised, raised, AL_CELL_LEN);
		mv_add_str(b, t, strlen(t), text, AL_CELL_LEN);
		mv_add_oid(b, noid, nlen, notif, AL_CELL_LEN);
	}
	free(rows);
}
