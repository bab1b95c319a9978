/*
 * probe_flap.c: flap control. A check's status goes down after `fall`
 * failures in a row and up after `rise` successes in a row, so one lost
 * packet does not page anyone and a flapping service does not page at
 * every round. The same rule applies from unknown: a service that fails
 * at start-up shows unknown until `fall` rounds have failed.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "probe/probe_int.h"

void
probe_flap_apply(struct probe_result *r, bool ok, unsigned fall,
    unsigned rise, time_t now)
{
	enum probe_status next = r->status;

	if (fall == 0)
		fall = 1;
	if (rise == 0)
		rise = 1;
	if (ok) {
		r->fails = 0;
		if (r->oks < UINT_MAX)
			r->oks++;
		if (r->oks >= rise)
			next = PROBE_UP;
	} else {
		r->oks = 0;
		if (r->fails < UINT_MAX)
			r->fails++;
		if (r->fails >= fall)
			next = PROBE_DOWN;
		snprintf(r->last_error, sizeof(r->last_error), "%s",
		    r->error);
	}
	r->status_changed = next != r->status;
	if (r->status_changed) {
		r->status = next;
		r->last_change = now;
	}
}
