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

#include <confuse.h>

#include "util.h"
#include "mhmib.h"
#include "core/topk.h"
#include "core/field.h"

#define MH_EX_USAGE 64
#define MH_EX_CONFIG 78

/* ------------------------------------------------------------------ */
/* snapshot.c: one complete, immutable picture of the server.
 *
 * Each collector publishes a part (its own struct, described by its
 * field tables) at the end of each of its rounds. A snapshot is the
 * latest part of every collector, assembled on the main thread; parts
 * are shared between snapshots by reference count, so a collector that
 * is slow or hung keeps its last part in every new snapshot until that
 * part is older than the collector's deadline: then it is stale, left
 * out (unknown, never zero) and named in the snapshot's last error. */

struct collector;

struct part {
	const struct collector *col;
	void *data;		/* the collector's struct, col->part_free */
	time_t taken;		/* wall clock when the round started */
	int64_t done_ms;	/* monotonic clock when it ended */
	uint32_t duration_ms;
	uint32_t errors;	/* problems met in this round */
	char last_error[256];	/* the first of them, "" if none */
	bool incomplete;	/* something it should read could not be:
				 * --once exits 69 */
	unsigned refs;		/* atomic */
};
struct part *part_new(const struct collector *);
struct part *part_ref(struct part *);
void part_unref(struct part *);
/* Count a problem of this round; the first one's text is kept. */
void part_error(struct part *, const char *fmt, ...) MH_PRINTF(2, 3);

struct snap_part {
	struct part *part;	/* NULL: no complete round yet */
	bool stale;		/* older than the collector's deadline */
};
struct snapshot {
	time_t taken;		/* when it was assembled */
	time_t last_collect;	/* the newest round in it ended then */
	uint32_t duration_ms;	/* the longest round in it */
	uint32_t errors;	/* errors of the rounds in it */
	char last_error[512];	/* a stale part, or the newest round's
				 * error; "" if none */
	size_t nparts;
	struct snap_part *parts;	/* one per collector row */
};
struct snapshot *snapshot_new(size_t nparts);
void snapshot_free(struct snapshot *);
/* A collector's fresh part, or its data: NULL when it has none (not
 * configured, no round yet, no data, or stale). */
const void *snapshot_data(const struct snapshot *, const struct collector *);
const struct part *snapshot_part(const struct snapshot *,
    const struct collector *);
/* The same for row i: what the MIB, the JSON and the metrics show. */
const struct part *snapshot_fresh(const struct snapshot *, size_t i);
void snapshot_error(struct snapshot *, const char *fmt, ...) MH_PRINTF(2, 3);

/* Top-N rows out of a Space-Saving table, for any collector's per-key
 * table (queue senders, log users and clients). */
#define SNAP_TOP_MAX 100
/* Space-Saving counters per top-N table: a flooder with more than about
 * 8 x total / counters messages comes out exact (docs/topk.md). */
#define MH_TOPK_COUNTERS_DEFAULT 8192
struct snap_top {
	char *key;
	uint64_t count;		/* estimate, never below the true count */
	uint64_t error;		/* Space-Saving bound, 0 = exact */
	uint64_t sure;		/* count - error: never above the truth;
				 * what alarms compare */
	double share;		/* count / total, per cent */
};
struct snap_toplist {
	size_t n;
	struct snap_top v[SNAP_TOP_MAX];
	uint64_t total;		/* every weight the table counted */
};
/* Fill l with the top n of t; shares relative to total (0: t's own). */
void snapshot_toplist_fill(struct snap_toplist *, const struct topk *,
    size_t n, uint64_t total);
void snapshot_toplist_clear(struct snap_toplist *);

/* ------------------------------------------------------------------ */
/* conf.c: mailhealthd.conf, parsed and validated with libconfuse. The
 * core options and alarms are here; each collector adds its own
 * sections and reads them (struct collector, below). */

struct conf_alarm {
	char *name;		/* the section title */
	char *metric;		/* "queue.total" */
	char *instance;		/* only this instance, NULL: every one */
	double rising, falling;
	long hold;		/* seconds the condition must last */
	enum mh_severity severity;
	char *text;		/* optional operator text */
	bool implied;		/* made by a collector (service down) */
};

/* One collector row's configuration. */
struct conf_col {
	bool on;		/* configured: start it */
	void *cc;		/* the collector's own, col->conf_free */
	long interval;		/* seconds between its rounds */
	long deadline;		/* its part is stale past this age */
	char *key;		/* its sections as text: a reload restarts
				 * it only when this changes */
};

struct conf {
	char *file;		/* where it was read from */
	char *agentx_socket;
	long interval;		/* default of every collector */
	long top_n;
	long topk_counters;	/* Space-Saving counters per table */
	long agentx_ping;	/* seconds between AgentX pings */
	long alarm_forget;	/* seconds a cleared instance is kept */
	long alarm_instances;	/* most alarm rows at once */
	long notify_queue;	/* notifications waiting to leave, at most */
	long heartbeat;		/* seconds between heartbeats, 0 = none */
	char *pidfile;
	char *state_directory;	/* log positions and the like */
	bool once;		/* --once: read logs from the start */
	long since;		/* --once --since: seconds back, 0 = all */
	size_t nalarms;
	struct conf_alarm *alarms;
	size_t ncol;
	struct conf_col *col;	/* one per row of collectors[] */
};

/* Parse and validate. On error return NULL and set *err to a malloc'd
 * "FILE:LINE: reason" (the caller prints or logs it and frees it). */
struct conf *conf_load(const char *file, char **err);
void conf_free(struct conf *);
const char *conf_default_file(void);
/* For collectors: */
const struct conf_col *conf_col_of(const struct conf *,
    const struct collector *);
/* An alarm a collector's configuration implies (a service check's own
 * down alarm); name, metric and instance are copied. */
void conf_alarm_add(struct conf *, const char *name, const char *metric,
    const char *instance, double rising, double falling, long hold,
    enum mh_severity, const char *text);
/* The alarm of that name, configured or added so far, or NULL. */
const struct conf_alarm *conf_alarm_find(const struct conf *,
    const char *name);
/* libconfuse validators collectors can use: absolute path, an integer
 * range, and ranges by table: call conf_ranges() from conf_validate with
 * a static table ({ "drsync|timeout", 1, 3600 }, ...); the error names
 * the option, its value and the range, at its line. conf_cb_severity is
 * the parse callback of a severity option (CFG_INT_CB): "critical" ..
 * "info" to enum mh_severity. */
int conf_v_path(cfg_t *, cfg_opt_t *);
int conf_cb_severity(cfg_t *, cfg_opt_t *, const char *, void *);
int conf_range(cfg_t *, cfg_opt_t *, long lo, long hi);
struct conf_range {
	const char *path;	/* "section|option", or "option" at the top */
	long lo, hi;
};
void conf_ranges(cfg_t *, const struct conf_range *, size_t n);
/* "FILE:LINE: " for a section, into buf, for errors found after parsing */
const char *conf_where(cfg_t *sec, char *buf, size_t len);
/* A string option of a section, copied for the collector's own conf
 * (the cfg_t is freed after reading); NULL when it is not set. */
char *conf_strdup(cfg_t *sec, const char *name);

/* ------------------------------------------------------------------ */
/* collect.c: the collector threads and the snapshot they feed.
 *
 * A collector is one file (or folder) and one row of collectors[]
 * (agent/collectors.c): it declares its configuration, its part of the
 * snapshot, and its field tables (field.h). Each configured collector
 * runs on its own thread, one round every `interval` seconds; a round
 * publishes a part and writes one byte to the notify descriptor. A
 * collector never calls net-snmp. */

struct collector {
	const char *name;	/* "queue": log token and JSON part name */
	/* configuration: top-level options and sections it adds (ended by
	 * CFG_END()), core options its state depends on, validators */
	cfg_opt_t *opts;
	const char *const *deps;
	void (*conf_validate)(cfg_t *);
	/* Fill cc->cc and cc->on (and interval/deadline when its sections
	 * set them); 0, or -1 with *err a malloc'd "FILE:LINE: reason". */
	int (*conf_read)(cfg_t *, struct conf *, struct conf_col *,
	    char **err);
	void (*conf_free)(void *cc);
	/* running, on its own thread: init may return NULL (nothing to
	 * read there: logged), then it publishes nothing */
	void *(*init)(const void *cc, const struct conf *);
	/* fill part->data; problems through part_error(); -1 if the
	 * round failed as a whole (part->data may stay NULL) */
	int (*collect)(void *state, struct part *);
	void (*fini)(void *state);
	void (*part_free)(void *data);
	/* what it publishes */
	const struct fgroup *groups;
	size_t ngroups;
};

/* agent/collectors.c: the table, in set-up order */
extern const struct collector *const collectors[];
extern const size_t ncollectors;

struct collect;
/* Start a thread per configured collector. The collectors' own
 * configurations (conf->col[].cc) move to their threads: the caller's
 * conf has NULL there afterwards. */
struct collect *collect_new(struct conf *, int notify_fd);
/* Apply a new configuration: collectors whose sections did not change
 * keep running with their state (caches, watches, history); the others
 * are stopped without waiting (a hung one is left to finish alone) and
 * started anew. Never blocks on a collector. */
void collect_reconf(struct collect *, struct conf *);
/* Stop every thread; waits at most a moment for each. */
void collect_free(struct collect *);
/* Assemble a snapshot of the latest parts; *changed tells whether any
 * part or staleness changed since the last call (NULL: do not care). */
struct snapshot *collect_snapshot(struct collect *, bool *changed);
/* The errors of every part collect_snapshot() has met, each part
 * counted once however many snapshots it served (mhAgentCollectErrors). */
uint32_t collect_errors(const struct collect *);
/* Run every configured collector once on this thread (--once). */
struct snapshot *collect_once(const struct conf *);
/* For tests: run one collector's init/collect/fini once. */
struct part *collect_run_one(const struct collector *, const void *cc,
    const struct conf *);

/* ------------------------------------------------------------------ */
/* metrics.c: metric names (as used by alarms) looked up in a snapshot
 * through the collectors' field tables. */

typedef void (*metric_cb)(const char *instance, double value,
    const char *detail, void *arg);
/* Call cb for every value of a metric: a total once with instance "",
 * a per-row metric once per row; a row whose value is unknown this
 * round gets NAN (it is there: not a clear, not a raise). Returns how many (0: known, and no row
 * has it: every instance is gone), METRIC_NO_DATA when the snapshot has
 * no data for it (unknown: neither raise nor clear), METRIC_UNKNOWN_NAME
 * when no collector has that metric. */
#define METRIC_UNKNOWN_NAME (-1)
#define METRIC_NO_DATA (-2)
int metrics_each(const struct snapshot *, const char *name, metric_cb,
    void *arg);
bool metrics_known(const char *name);
enum mh_family metrics_family(const char *name);
/* Every metric name, for documentation checks: calls cb(name, arg). */
void metrics_list(void (*cb)(const char *, void *), void *arg);

/* ------------------------------------------------------------------ */
/* alarm.c: thresholds with hysteresis and hold-down. Pure: events come
 * out, the SNMP layer sends them. */

struct alarm_row {		/* one alarm instance */
	uint32_t index;		/* stable while the row lives */
	char *name;		/* the config section title */
	char *metric;
	char *instance;		/* whole key: "" or a queue, sender, disk */
	char *text;		/* the config's operator text, or "" */
	char detail[256];	/* the metric's detail at the last change */
	enum mh_severity severity;
	enum mh_family family;
	double rising, falling;
	long hold;
	double value;		/* latest value */
	time_t raised;		/* when it was raised, if active */
	time_t pending_since;	/* hold-down start, 0 if not pending */
	time_t quiet_since;	/* inactive and not pending since */
	bool active;
	bool orphan;		/* its alarm left the configuration */
	uint32_t gen;		/* evaluation that last saw a value */
	struct alarm_row *hnext;
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
/* The active rows by index, in a malloc'd array the caller frees. */
size_t alarms_active(const struct alarms *, const struct alarm_row ***out);
size_t alarms_rows(const struct alarms *);	/* all rows held */
uint32_t alarms_changes(const struct alarms *);
uint64_t alarms_overflow(const struct alarms *);	/* rows refused */
void alarm_text(const struct alarm_event *, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* report.c: --once output, from the field tables. */

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
