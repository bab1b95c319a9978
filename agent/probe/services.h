/*
 * services.h: the services collector, which glues the probe engine
 * (probe.h) into mailhealthd: the `service` sections of mailhealthd.conf
 * become a probe set, each round of the collector is one round of the
 * set, and the results are rows of mhServiceTable, "services" in the
 * JSON and the text report, and the service.* alarm metrics. Each
 * service implies its own down alarm (mhServiceAlarm).
 *
 *   services.c         configuration, implied alarms, rounds
 *   services_fields.c  what it publishes (mhServiceTable, service.*)
 *   services_keep.c    the last results, kept across a reload
 */
#ifndef MH_SERVICES_H
#define MH_SERVICES_H

#include "core/core.h"
#include "probe/probe.h"

/* have bits of struct services_part */
#define SVC_HAVE_ROWS		0x01u
/* have bits of a row */
#define SVC_HAVE_CHECKED	0x01u	/* it ran at least once */
#define SVC_HAVE_DECIDED	0x02u	/* status is up or down */
#define SVC_HAVE_RESPONSE	0x04u	/* passed this round, with a time */
#define SVC_HAVE_CERT		0x08u	/* a certificate seen this round */
#define SVC_HAVE_CHANGED	0x10u	/* the status changed once at least */
#define SVC_HAVE_FW		0x20u	/* a firewall check */
#define SVC_HAVE_FWREAD		0x40u	/* ... whose ruleset was read */
#define SVC_HAVE_FWEVENT	0x80u	/* ... and seen to change */

/* What the collector counts beside the engine's result; kept across a
 * reload with it (services_keep.c). */
struct services_extra {
	uint64_t checks;		/* rounds run */
	uint64_t fw_changes;		/* ruleset changes seen */
	time_t fw_last_change;		/* when the last was seen, 0 */
	char fw_last_event[PROBE_ERR_MAX];	/* its text */
};

/* One row of mhServiceTable. Text is raw, as the check saw it: the
 * outputs clean it. */
struct services_row {
	uint32_t have;
	char *name;
	int kind;			/* enum probe_kind = MhServiceKind */
	char *target;
	int status;			/* enum probe_status */
	int down;			/* service.down: 1 down, 0 up */
	int64_t response_ms;
	time_t last_change;
	char last_error[PROBE_ERR_MAX];
	char result[PROBE_ERR_MAX];	/* this round: the detail or error */
	int ok;				/* this round passed */
	int cert_days;
	uint32_t fails, oks;
	uint64_t checks;
	uint32_t fw_rules;
	char fw_fingerprint[17];
	int fw_changed;			/* 1 in the round of a change */
	uint64_t fw_changes;
	time_t fw_last_change;
	char fw_last_event[PROBE_ERR_MAX];
};

struct services_part {
	uint32_t have;
	size_t nrows;
	struct services_row *rows;
};

/* services.c */
struct services_conf {
	size_t n;
	struct probe_desc *descs;	/* owned strings */
	long round_ms;			/* a round's own limit */
};
extern const struct collector collector_services;

/* services_fields.c */
extern const struct fgroup services_groups[];
extern const char *const services_kind_names[];	/* by enum probe_kind */
void services_part_free(void *);
/* Fill a row from a check's description and result. */
void services_row_fill(struct services_row *, const struct probe_desc *,
    const struct probe_result *, const struct services_extra *);

/* services_keep.c: the last result of every service, process-wide, so
 * the collector's new thread after a reload starts where the old one
 * was (status, last change, last error, counters, the firewall's
 * fingerprint). Keyed by name, kind and target; only the newest
 * collector state writes (a stopped one still in a round is ignored). */
uint64_t services_keep_claim(const struct probe_desc *, size_t n);
bool services_keep_get(const struct probe_desc *, struct probe_result *,
    struct services_extra *);
/* false when owner is no longer the newest: nothing was stored */
bool services_keep_put(uint64_t owner, const struct probe_desc *,
    const struct probe_result *, const struct services_extra *);
void services_keep_clear(void);	/* for tests */

#endif
