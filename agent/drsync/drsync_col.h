/*
 * drsync_col.h: the `drsync` collector, built on the engine of drsync.h
 * (docs/drsync.md):
 *
 *   drsync_col.c     the collector: its section, its implied alarms,
 *                    its rounds
 *   drsync_fields.c  what it publishes: mhDrSync, "drsync" in the JSON
 *                    and the text, the drsync.* metrics
 */
#ifndef MH_DRSYNC_COL_H
#define MH_DRSYNC_COL_H

#include "core/core.h"
#include "drsync/drsync.h"

/* have bits of struct drsync_part */
#define DRS_HAVE_ROUND	0x01u	/* a round ran (always, once published) */
#define DRS_HAVE_LAG	0x02u	/* a success is known (not on a primary
				 * of the stamp method) */
#define DRS_HAVE_OOS	0x04u	/* drbd: the state was read */
#define DRS_HAVE_PEER	0x08u	/* a peer is configured */
#define DRS_HAVE_PEER_UP 0x10u	/* ... and answered this round */
#define DRS_HAVE_SUCCESS 0x20u	/* a last success is known */

struct drsync_part {
	uint32_t have;
	int status;		/* mhDrSyncStatus: enum drsync_status */
	int role;		/* mhDrSyncRole: primary(1), dr(2) */
	int method;		/* mhDrSyncMethod: stamp(1), drbd(2),
				 * command(3) */
	int64_t lag;		/* seconds */
	time_t last_success;	/* 0: none known */
	int64_t max_lag;
	char last_error[256];
	char detail[256];
	uint64_t oos_kib;	/* drbd: out of sync */
	/* drsync.failed: seconds this round's failure has lasted where no
	 * lag can show it (the primary of the stamp method, a DR that never
	 * saw a success), 0 otherwise */
	int64_t failed_for;
	char *peer;		/* "HOST:PORT" as configured */
	int peer_status;	/* mhDrSyncPeerStatus: up(1), down(2) */
	uint32_t peer_ms;
	uint32_t peer_failures;	/* consecutive rounds it did not answer */
	char peer_error[128];
};

/* drsync_fields.c */
extern const struct fgroup drsync_groups[];
void drsync_part_free(void *);

/* drsync_col.c */
struct drsync_conf {
	struct drsync_opts o;	/* its strings point into this struct */
	char *stamp_file, *drbdsetup, *proc_drbd, *resource, *command, *peer;
	long peer_failures;	/* the drsync-peer alarm's threshold */
};
extern const struct collector collector_drsync;
/* Fill a part from the engine's result (also for tests): started is
 * when the collector's first round ran, for "failed since". */
void drsync_part_fill(struct drsync_part *, const struct drsync_result *,
    const struct drsync_conf *, time_t started, uint32_t peer_failures);

#endif
