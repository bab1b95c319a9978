/*
 * core.h: the core of mailhealthd, and a map of it: the snapshot that
 * collectors fill, the collector table and its threads, the
 * configuration, metrics for alarms, the alarm engine and the --once
 * report. Prototypes are grouped by the file that defines them.
 * Nothing here includes net-snmp.
 *
 * Data flow: collectors (collect.c, on their own threads) fill a fresh
 * struct snapshot; the main thread swaps it in, runs the alarm engine
 * (alarm.c) on it, and rebuilds the OID view (view/) that the SNMP
 * handler serves. A snapshot is immutable once published.
 */
#ifndef MH_CORE_H
#define MH_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "util.h"
#include "mhmib.h"
#include "core/topk.h"

#define MH_EX_USAGE 64
#define MH_EX_CONFIG 78

/* ------------------------------------------------------------------ */
/* snapshot.c: one complete, immutable picture of the server. */

enum mh_mta {
	MH_MTA_NONE = 1,	/* values are the MIB's MhMta enumeration */
	MH_MTA_POSTFIX = 2,
	MH_MTA_QMAIL = 3,
	MH_MTA_EXIM = 4,
};
const char *mta_name(enum mh_mta);

/* Which sections a snapshot has filled. A section whose bit is clear is
 * answered noSuchInstance over SNMP and left out of the JSON. */
#define SNAP_HAVE_QUEUE		0x0001u
#define SNAP_HAVE_QUEUE_GROWTH	0x0002u
#define SNAP_HAVE_QUEUE_TOP	0x0004u
#define SNAP_HAVE_QUEUE_RCPT	0x0008u	/* recipients were counted */

#define SNAP_QUEUES_MAX 8
/* Space-Saving counters per top-N table: a flooder with more than about
 * 8 x total / counters messages comes out exact (docs/topk.md). */
#define MH_TOPK_COUNTERS_DEFAULT 8192
#define SNAP_TOP_MAX 100

struct snap_queue {
	char name[16];		/* "deferred", "todo", "input" */
	uint64_t messages;
	uint64_t bytes;
	uint64_t recipients;	/* pending recipients */
	time_t oldest;		/* arrival time of the oldest, 0 if empty */
};

struct snap_top {
	char *key;
	uint64_t count;
	uint64_t error;		/* Space-Saving bound, 0 = exact */
};

struct snap_toplist {
	size_t n;
	struct snap_top v[SNAP_TOP_MAX];
	uint64_t total;		/* what the shares are relative to */
};

struct snapshot {
	time_t taken;		/* wall clock at the start of collection */
	uint32_t duration_ms;	/* how long collection took */
	uint32_t errors;	/* collector errors in this round */
	char last_error[256];	/* most recent collector error, "" if none */
	unsigned have;		/* SNAP_HAVE_* */
	enum mh_mta mta;

	/* queue */
	size_t nqueues;
	struct snap_queue queues[SNAP_QUEUES_MAX];
	uint64_t q_messages, q_bytes, q_recipients;
	uint64_t q_bounces;	/* null sender (MAILER-DAEMON) */
	uint64_t q_manyrcpt;	/* messages with more than many_rcpt recipients */
	time_t q_oldest;	/* 0 if the queue is empty */
	int64_t q_growth;	/* messages per minute, SNAP_HAVE_QUEUE_GROWTH */
	struct snap_toplist top_senders;	/* by messages */
	struct snap_toplist top_domains;	/* by pending recipients */
};

struct snapshot *snapshot_new(void);
void snapshot_free(struct snapshot *);
void snapshot_error(struct snapshot *, const char *fmt, ...) MH_PRINTF(2, 3);
void snapshot_toplist_fill(struct snap_toplist *, const struct topk *,
    size_t n);

/* ------------------------------------------------------------------ */
/* conf.c: mailhealthd.conf, parsed and validated with libconfuse. */


struct conf_alarm {
	char *name;		/* the section title */
	char *metric;		/* "queue.total" */
	double rising, falling;
	long hold;		/* seconds the condition must last */
	enum mh_severity severity;
	char *text;		/* optional operator text */
};

struct conf_mta {
	enum mh_mta kind;	/* NONE when "auto" found nothing */
	bool is_auto;
	char *queue_directory;	/* postfix, qmail */
	char *spool_directory;	/* exim */
	long split;		/* qmail conf-split */
	long many_rcpt;		/* "many recipients" threshold */
};

struct conf {
	char *file;		/* where it was read from */
	char *agentx_socket;
	long interval;
	long top_n;
	long topk_counters;	/* Space-Saving counters per table */
	long agentx_ping;	/* seconds between AgentX pings */
	char *pidfile;
	struct conf_mta mta;
	size_t nalarms;
	struct conf_alarm *alarms;
};

/* Parse and validate. On error return NULL and set *err to a malloc'd
 * "FILE:LINE: reason" (the caller prints or logs it and frees it). */
struct conf *conf_load(const char *file, char **err);
void conf_free(struct conf *);
const char *conf_default_file(void);

/* ------------------------------------------------------------------ */
/* collect.c: the collector table and the collector thread. */

/* A data source. init may return NULL (the source is not configured or
 * not there); collect then gets NULL and should return 0. collect fills
 * its part of the snapshot and returns -1 after recording an error with
 * snapshot_error(). */
struct collector {
	const char *name;
	void *(*init)(const struct conf *);
	int (*collect)(void *state, struct snapshot *);
	void (*fini)(void *state);
};
extern const struct collector collector_queue;	/* queue.c */

struct collect;
struct collect *collect_new(const struct conf *);
void collect_free(struct collect *);
/* Run every collector once, synchronously (for --once and tests). */
struct snapshot *collect_once(struct collect *);
/* Start the thread: each round it publishes a snapshot and writes one
 * byte to notify_fd. */
int collect_start(struct collect *, int notify_fd);
/* Take the newest published snapshot, NULL if none is pending. */
struct snapshot *collect_take(struct collect *);
void collect_stop(struct collect *);

/* ------------------------------------------------------------------ */
/* metrics.c: metric names (as used by alarms) looked up in a snapshot. */

struct metric_value {
	char instance[64];	/* "deferred", "" for a total */
	double value;
};
/* Fills up to max values for a metric name; returns how many, 0 if the
 * snapshot has no such data, -1 if the name is unknown. */
int metrics_get(const struct snapshot *, const char *name,
    struct metric_value *out, size_t max);
bool metrics_known(const char *name);
/* The notification family of a metric (mhmib.h). */
enum mh_family metrics_family(const char *name);

/* ------------------------------------------------------------------ */
/* alarm.c: thresholds with hysteresis and hold-down. Pure: events come
 * out, the SNMP layer sends them. */

struct alarm_row {		/* one alarm instance */
	uint32_t index;		/* stable while the agent runs */
	char name[64];		/* the config section title */
	char metric[64];
	char instance[64];	/* "" or which queue, sender, disk */
	char text[128];		/* the config's operator text, or "" */
	enum mh_severity severity;
	enum mh_family family;
	double rising, falling;
	long hold;
	double value;		/* latest value */
	time_t raised;		/* when it was raised, if active */
	time_t pending_since;	/* hold-down start, 0 if not pending */
	bool active;
	bool orphan;		/* its alarm left the configuration */
};

enum alarm_event_kind { ALARM_RAISED, ALARM_CLEARED };
struct alarm_event {
	enum alarm_event_kind kind;
	const struct alarm_row *row;
	double value;
	double threshold;
};

struct alarms;
struct alarms *alarms_new(void);
void alarms_free(struct alarms *);
/* Take a (new) configuration; rows of alarms that keep their name keep
 * their state and index; active rows of removed alarms clear at the next
 * evaluation. The conf is copied: it may be freed afterwards. */
void alarms_configure(struct alarms *, const struct conf *);
/* Evaluate against a snapshot; calls emit for each raise and clear. */
void alarms_eval(struct alarms *, const struct snapshot *, time_t now,
    void (*emit)(const struct alarm_event *, void *), void *arg);
size_t alarms_active(const struct alarms *, const struct alarm_row **out,
    size_t max);
uint32_t alarms_changes(const struct alarms *);
void alarm_text(const struct alarm_event *, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* report.c: --once output. */

struct agent_info {
	const char *version;
	char hostname[256];
	time_t started;
	long interval;
	uint32_t collect_errors;	/* cumulative */
};

char *report_json(const struct snapshot *, const struct agent_info *,
    const struct alarms *);
char *report_text(const struct snapshot *, const struct agent_info *,
    const struct alarms *, size_t top_n);

/* ------------------------------------------------------------------ */
/* util helpers local to the daemon */
int64_t mh_now_ms(void);	/* CLOCK_MONOTONIC in milliseconds */

#endif
