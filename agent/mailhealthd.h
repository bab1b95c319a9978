/*
 * mailhealthd.h: the private header of mailhealthd, and a map of it.
 *
 * Prototypes are grouped by the file that defines them. Everything here
 * compiles without net-snmp; the SNMP layer (snmp.h) is the only part
 * that includes net-snmp headers.
 *
 * Data flow: collectors (collect.c, on their own thread) fill a fresh
 * struct snapshot; the main thread swaps it in, runs the alarm engine
 * (alarm.c) on it, and rebuilds the OID view (mibview.c) that the SNMP
 * handler serves. A snapshot is immutable once published.
 */
#ifndef MAILHEALTHD_H
#define MAILHEALTHD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "util.h"

#define MH_EX_USAGE 64
#define MH_EX_CONFIG 78

/* ------------------------------------------------------------------ */
/* topk.c: Space-Saving heavy hitters with a fixed number of counters. */

struct topk;
struct topk_item {
	const char *key;	/* owned by the topk */
	uint64_t count;		/* estimated count, never below the true one */
	uint64_t error;		/* count - error <= true count <= count */
};
struct topk *topk_new(size_t capacity);
void topk_free(struct topk *);
void topk_reset(struct topk *);
void topk_add(struct topk *, const char *key, uint64_t weight);
uint64_t topk_total(const struct topk *);	/* sum of all weights */
size_t topk_size(const struct topk *);		/* counters in use */
size_t topk_capacity(const struct topk *);
/* The top n items, highest count first (ties by key); returns how many. */
size_t topk_top(const struct topk *, struct topk_item *out, size_t n);

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

enum mh_severity {
	MH_SEV_CRITICAL = 1,	/* values are the MIB's MhSeverity */
	MH_SEV_MAJOR = 2,
	MH_SEV_MINOR = 3,
	MH_SEV_WARNING = 4,
	MH_SEV_INFO = 5,
};
const char *severity_name(enum mh_severity);
int severity_parse(const char *, enum mh_severity *);

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
/* qcache.c: what each queue file held at the last scan, keyed by its
 * path relative to the queue root, so a rescan re-reads only files that
 * are new or changed (readers decide what "changed" means: inode,
 * mtime, size). Entries not seen in a scan are swept. */

struct qcache_ent {
	uint64_t ino;
	int64_t mtime_ns;
	uint64_t fsize;
	uint32_t gen;		/* scan generation that last saw it */
	void *data;		/* the reader's parsed record */
};
struct qcache;
struct qcache *qcache_new(void (*free_data)(void *));
void qcache_free(struct qcache *);
struct qcache_ent *qcache_lookup(struct qcache *, const char *key);
/* Existing entry, or a new zeroed one (data NULL). */
struct qcache_ent *qcache_insert(struct qcache *, const char *key);
/* Drop entries whose gen differs from gen; returns how many. */
size_t qcache_sweep(struct qcache *, uint32_t gen);
size_t qcache_count(const struct qcache *);

/* ------------------------------------------------------------------ */
/* queue.c: the queue collector common to every MTA.
 *
 * A queue reader walks the MTA's queue on disk and reports each message
 * to queue_add(); queue.c turns those into the snapshot's totals, per-
 * queue rows and top-N tables. */

struct queue_msg {
	uint32_t queues;	/* bit i: counts in the reader's queue i row;
				 * usually one bit, qmail may set local and
				 * remote both. Totals count the message once. */
	time_t arrival;		/* 0 if unknown: then it does not count
				 * toward the oldest age (readers fall back
				 * to the file's mtime themselves) */
	uint64_t size;		/* message bytes (headers and body) */
	const char *sender;	/* envelope sender, "" = null sender, NULL =
				 * unknown (counted, not in top senders) */
	size_t nrcpt;		/* pending recipients */
	const char *const *rcpt;/* nrcpt pending recipient addresses */
	const size_t *qrcpt;	/* NULL, or pending recipients per row:
				 * qrcpt[i] for bit i of queues */
};

struct queue_acc;
void queue_add(struct queue_acc *, const struct queue_msg *);
void queue_error(struct queue_acc *, const char *fmt, ...) MH_PRINTF(2, 3);

struct queue_reader {
	const char *name;			/* "postfix" */
	enum mh_mta mta;
	const char *const *queues;		/* NULL-terminated */
	bool (*detect)(const struct conf_mta *);/* for mta auto */
	void *(*open)(const struct conf_mta *);
	int (*scan)(void *state, struct queue_acc *);
	void (*close)(void *state);
};

/* The first problem of a scan and how many there were: a queue of
 * 100,000 unreadable files must make one log line, not 100,000. */
struct queue_errs {
	unsigned n;
	char first[200];
};
void queue_errs_add(struct queue_errs *, int err, const char *fmt, ...)
    MH_PRINTF(3, 4);

/* Read a whole queue file of at most max bytes into *buf (grown as
 * needed, one byte spare for a terminator); st gets its fstat. Returns
 * the length; -2 if it vanished before it was opened (a normal race with
 * the MTA); -1 with errno set otherwise (EFBIG past max). */
ssize_t queue_read_file(int dfd, const char *name, char **buf, size_t *cap,
    size_t max, struct stat *st);

const struct queue_reader *queue_reader_find(enum mh_mta);
enum mh_mta queue_detect(const struct conf_mta *);

/* queue_postfix.c */
extern const struct queue_reader queue_postfix;

/* pf_record.c: Postfix queue-file records. The parser reads from a byte
 * source that is either one buffer or a file read on demand (so that a
 * 20 MB message costs two small reads). */
struct pf_src {
	const unsigned char *buf;	/* bytes [boff, boff + blen) */
	size_t boff, blen;
	size_t flen;			/* length of the file */
	int fd;				/* -1: buf is all there is */
	unsigned char **win;		/* read-ahead window, grown as needed */
	size_t *wincap;
	int err;			/* errno of a failed read */
};
struct pf_parse {
	/* results */
	int64_t arrival;
	uint64_t size;		/* first field of the first C record */
	bool have_time, size_ok, have_sender, complete;
	/* called with the raw data (not NUL-terminated, no NULs) */
	void (*sender)(void *, const char *, size_t);
	void (*rcpt)(void *, const char *, size_t);
	void *arg;
};
/* 0 when the end record was reached, -1 with *why set otherwise. */
int pf_parse_src(struct pf_src *, struct pf_parse *, const char **why);

/* The same over one buffer, collecting sender and pending recipients;
 * for the unit tests and fuzzing. */
struct pf_qfile {
	time_t arrival;
	uint64_t size;		/* C record content size, 0 if absent */
	char *sender;		/* NULL if no S record was seen */
	size_t nrcpt;
	char **rcpt;		/* pending (R without a matching D) */
	bool complete;		/* the E record was reached */
};
/* 0 on success, -1 with *why set on a malformed or truncated file. */
int pf_qfile_parse(const unsigned char *buf, size_t len,
    struct pf_qfile *out, const char **why);
void pf_qfile_clear(struct pf_qfile *);

/* queue_qmail.c */
extern const struct queue_reader queue_qmail;

/* qmail envelope files, exposed for unit tests and fuzzing: a sequence
 * of NUL-terminated records. todo (and intd) hold u<uid> p<pid>
 * F<sender> T<rcpt>...; info holds F<sender>; local and remote hold
 * T<rcpt> (pending) and D<rcpt> (done). */
enum qmail_file { QMAIL_TODO, QMAIL_INFO, QMAIL_CHAN };
struct qmail_env {
	const char *sender;	/* into buf; NULL if no F record */
	size_t npending;	/* T records */
	size_t ndone;		/* D records */
	const char **rcpt;	/* the npending T addresses, into buf */
	size_t rcap;		/* allocated rcpt slots, reused */
};
/* 0 on success; -1 with *why set on a malformed or truncated file, and
 * out then holds the complete records before the fault. */
int qmail_env_parse(const char *buf, size_t len, enum qmail_file kind,
    struct qmail_env *out, const char **why);
void qmail_env_clear(struct qmail_env *);

/* queue_exim.c */
extern const struct queue_reader queue_exim;

/* An Exim -H spool file, exposed for unit tests and fuzzing. The parser
 * works in place: buf is modified (line ends become NULs) and the
 * strings point into it. */
struct exim_hdr {
	const char *id;		/* from line 1, without "-H" */
	const char *sender;	/* "" for the null sender */
	time_t received;
	bool frozen;
	size_t nrcpt;		/* all recipients */
	size_t npending;	/* not in the non-recipients tree */
	const char **rcpt;	/* the npending pending addresses */
	size_t rcap;		/* allocated rcpt slots, reused */
	uint64_t hdr_bytes;	/* headers that will be sent ("*" excluded) */
	const char **done;	/* scratch: the non-recipients tree */
	size_t ndone, dcap;
};
/* 0 on success, -1 with *why set on a malformed or truncated file. */
int exim_hdr_parse(char *buf, size_t len, struct exim_hdr *out,
    const char **why);
/* Mark the addresses of a -J journal (one per line, modified in place)
 * as delivered; call after exim_hdr_parse. */
void exim_hdr_journal(struct exim_hdr *, char *buf, size_t len);
void exim_hdr_clear(struct exim_hdr *);

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
/* The notification family of a metric (MIB arc under mhNotifications). */
enum alarm_family {
	AF_QUEUE = 1, AF_TRAFFIC, AF_AUTH, AF_DEFER, AF_SERVICE,
	AF_DRSYNC, AF_CONN, AF_SYSTEM, AF_AGENT,
};
enum alarm_family metrics_family(const char *name);

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
	enum alarm_family family;
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
size_t mib_notification_oid(enum alarm_family, bool cleared, uint32_t *out);
/* Integer32 range, for values that may not fit. */
int32_t mv_clamp32(double v);

/* mib_agent.c, mib_queue.c, mib_alarm.c: one per MIB group */
void mib_agent_build(struct mv_builder *, const struct snapshot *,
    const struct agent_info *);
void mib_queue_build(struct mv_builder *, const struct snapshot *, size_t top_n);
void mib_alarm_build(struct mv_builder *, const struct alarms *);

/* ------------------------------------------------------------------ */
/* util helpers local to the daemon */
int64_t mh_now_ms(void);	/* CLOCK_MONOTONIC in milliseconds */

#endif
