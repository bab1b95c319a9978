/*
 * mib_agent.c: mhAgent, the agent's own state (MAILHEALTH-MIB).
 */
#include "config.h"

#include <string.h>

#include "view/view.h"
#include "mhmib.h"

#define A(n) { MH_OID_ROOT, MH_OBJECTS, MH_G_AGENT, (n), 0 }
#define ALEN (MH_OID_ROOT_LEN + 4)

void
mib_agent_build(struct mv_builder *b, const struct snapshot *s,
    const struct agent_info *ai)
{
	const uint32_t version[] = A(MH_AGENT_VERSION);
	const uint32_t host[] = A(MH_AGENT_HOSTNAME);
	const uint32_t start[] = A(MH_AGENT_STARTTIME);
	const uint32_t interval[] = A(MH_AGENT_INTERVAL);
	const uint32_t last[] = A(MH_AGENT_LASTCOLLECT);
	const uint32_t age[] = A(MH_AGENT_SNAPSHOTAGE);
	const uint32_t dur[] = A(MH_AGENT_COLLECTDURATION);
	const uint32_t errs[] = A(MH_AGENT_COLLECTERRORS);
	const uint32_t lasterr[] = A(MH_AGENT_LASTERROR);

	/* mhAgentMta (2) comes from the queue collector's field table */
	mv_add_str(b, ai->version, strlen(ai->version), version, ALEN);
	mv_add_str(b, ai->hostname, strlen(ai->hostname), host, ALEN);
	mv_add_dateandtime(b, ai->started, start, ALEN);
	mv_add_int(b, MV_UNSIGNED, ai->interval, interval, ALEN);
	mv_add_int(b, MV_COUNTER32, ai->collect_errors, errs, ALEN);
	if (s == NULL || s->last_collect == 0)
		return;	/* nothing collected yet: noSuchInstance */
	mv_add_dateandtime(b, s->last_collect, last, ALEN);
	mv_add_int(b, MV_AGE, s->last_collect, age, ALEN);
	mv_add_int(b, MV_GAUGE, s->duration_ms, dur, ALEN);
	mv_add_str(b, s->last_error, strlen(s->last_error), lasterr, ALEN);
}
