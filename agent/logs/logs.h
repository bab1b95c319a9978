/*
 * logs.h: the log collector: the mail and authentication logs, read by
 * the log sources (logsrc.h), parsed (logparse.h) and counted
 * (logstats.h), published as mhTraffic, mhDefer and mhAuth.
 *
 *   logs_conf.c    the `log`, `rule` and `logs` sections
 *   logs.c         the collector: sources, rounds, state files
 *   logs_feed.c    lines of several sources merged by time stamp
 *   logs_replay.c  --once: the alarms a replay would have raised
 *   logs_part.c    a part out of a logstats report
 *   logs_fields.c  what it publishes (MIB, JSON, text, metrics)
 *
 * Nothing here includes net-snmp. docs/logs.md says what is counted.
 */
#ifndef MH_LOGS_H
#define MH_LOGS_H

#include "core/core.h"
#include "logs/logparse.h"
#include "logs/logsrc.h"
#include "logs/logstats.h"

/* ------------------------------------------------------------------ */
/* logs_conf.c */

struct logs_src_conf {
	char *name;		/* the section title */
	enum logsrc_kind kind;
	char *path;		/* file, multilog directory, or journal
				 * directory (NULL: the system journal) */
	char **units;		/* journal matches, NULL-terminated or NULL */
	char **idents;
	enum log_parser parser;
};

struct logs_rule_conf {
	char *name, *match, *kind, *proto, *program;
	int user, client;
};

struct logs_conf {
	struct logs_src_conf *src;
	size_t nsrc;
	struct logs_rule_conf *rules;
	size_t nrules;
	unsigned rate_window, auth_window;
	size_t counters;
};
extern cfg_opt_t logs_opts[];
void logs_conf_validate(cfg_t *);
int logs_conf_read(cfg_t *, struct conf *, struct conf_col *, char **err);
void logs_conf_free(void *);
/* A parser with the configured site rules (checked when the
 * configuration was read). */
struct logparse *logs_parser_new(const struct logs_conf *);
/* "5 min", "300 s": a window for texts */
void logs_window_text(char *buf, size_t len, unsigned seconds);

/* ------------------------------------------------------------------ */
/* logs_part.c: what a round publishes. Rows point into `rep`, which
 * the part owns; what is not in the report is owned by the row. */

#define LOGS_HAVE_STATS	0x01u	/* a source was read: counts are known */
#define LOGS_HAVE_TIME	0x02u	/* some event was counted: `now` */
#define LOGS_HAVE_REPLAY 0x04u	/* --once: the replay's alarm table */

enum { LOGS_EXACT = 1, LOGS_ESTIMATED = 2 };	/* MhCountAccuracy */

struct logs_sender {
	const char *user;
	uint32_t msgs, msgs_err, msgs_sure;	/* in the rate window */
	uint32_t per_hour;
	uint64_t total;
	int64_t since;
	uint32_t clients;
	int clients_acc;
	uint32_t domains;
	int domains_acc;
	const char *last_client;
	int64_t last_time;
	char *first_clients;	/* owned: "a b c" */
};

struct logs_auth_user {
	const char *user;
	uint32_t fails, fails_err, fails_sure;
	uint64_t total;
	int64_t since;
	uint32_t clients;
	int clients_acc;
	const char *last_client;
	int64_t last_time;
};

struct logs_auth_client {
	const char *client;
	uint32_t fails, fails_err, fails_sure;
	uint64_t total;
	int64_t since;
	uint32_t users;
	int users_acc;
	char *first_users;	/* owned: "admin, alice" */
	int64_t last_time;
};

struct logs_defer {
	const char *domain;
	uint32_t failed, failed_err;	/* deferred + bounced: the rank */
	uint32_t deferred, bounced;	/* in the window, exact since the
					 * domain entered the table */
	uint64_t deferred_total, bounced_total;
	int64_t since;
	const char *last_reason;
	int64_t last_time;
};

/* mhAuthProtoTable: row i is MIB index i + 1 */
enum { LOGS_PROTO_SMTP, LOGS_PROTO_POP3, LOGS_PROTO_IMAP,
    LOGS_PROTO_SUBMISSION, LOGS_NPROTO };
struct logs_proto {
	char name[16];
	uint64_t fails, nopass, ok;
	uint32_t fails_win, nopass_win;
};

struct logs_source {
	char *name;
	const char *kind;	/* "file", "multilog", "journal" */
	char *path;		/* "" for the system journal */
	uint64_t lines, bytes, long_lines, rotations, truncations,
	    copy_missed, errors;
	char *error;		/* NULL when none */
};

enum { LOGS_EV_RAISED = 1, LOGS_EV_CLEARED };
struct logs_alarm_ev {
	int64_t time;		/* log time of the evaluation */
	int kind;		/* LOGS_EV_* */
	char *alarm, *metric, *instance;
	int severity;		/* enum mh_severity */
	double value, threshold;
	char *text;		/* alarm_text() */
};

struct logs_part {
	uint32_t have;
	struct logstats_report *rep;
	int64_t now;		/* the windows end here (log time) */
	uint32_t rate_window, auth_window;
	uint64_t total[LS_KINDS];	/* since start, by enum log_ev_kind */
	uint32_t window[LS_KINDS];
	double per_min[LS_KINDS];
	uint64_t auth_fails, auth_nopass, auth_ok;
	uint32_t auth_fails_win, auth_nopass_win;
	uint64_t lines, events, rule_hits, evictions, bytes;
	struct logs_sender *senders, *senders_total;
	size_t nsenders, nsenders_total;
	struct logs_auth_user *auth_users;
	size_t nauth_users;
	struct logs_auth_client *auth_clients;
	size_t nauth_clients;
	struct logs_defer *defers;
	size_t ndefers;
	struct logs_proto protos[LOGS_NPROTO];
	size_t nprotos;
	struct logs_source *sources;
	size_t nsources;
	struct logs_alarm_ev *alarm_evs;
	size_t nalarm_evs;
	uint64_t alarm_evs_dropped;
};

/* A part's data from a report (taken over: freed with the part). */
struct logs_part *logs_part_new(struct logstats_report *);
void logs_part_free(void *);

/* ------------------------------------------------------------------ */
/* logs_fields.c */
#define LOGS_NGROUPS 4	/* traffic, auth, defer, logs */
extern const struct fgroup logs_groups[];
extern const size_t logs_ngroups;

/* ------------------------------------------------------------------ */
/* logs_feed.c: read several sources in one round, their lines merged
 * by time stamp, each line handed to fn. */

struct logs_feed;
typedef void logs_line_fn(void *arg, const struct log_line *);
struct logs_feed *logs_feed_new(struct logsrc **src, size_t n);
void logs_feed_free(struct logs_feed *);
/* Read until every source is caught up (or done), or until deadline_ms
 * (monotonic, 0: none) passes: then the lines already read are handed
 * on and the rest waits for the next call. Returns the lines handed
 * on; *capped tells whether the deadline cut the round. The last rc of
 * each source is in rc[] (n of them). */
uint64_t logs_feed_run(struct logs_feed *, logs_line_fn *, void *arg,
    int64_t deadline_ms, bool *capped, enum logsrc_rc *rc);
/* The same to the end (a replay), reading on a thread of its own while
 * fn runs on the caller's. */
uint64_t logs_feed_run_piped(struct logs_feed *, logs_line_fn *, void *arg,
    enum logsrc_rc *rc);

/* ------------------------------------------------------------------ */
/* logs_replay.c: --once. The configured alarms on the log metrics,
 * run along the replay at each minute of log time. */

struct logs_replay;
struct logs_replay *logs_replay_new(const struct conf *);	/* NULL:
			* no alarm watches a log metric */
void logs_replay_free(struct logs_replay *);
/* Before a line of time ts is counted: evaluate the minutes that ended
 * since the last one. */
void logs_replay_tick(struct logs_replay *, struct logstats *,
    int64_t ts);
/* At the end: a last evaluation where the windows end, and the events
 * moved into the part. */
void logs_replay_finish(struct logs_replay *, struct logstats *,
    struct logs_part *);

/* ------------------------------------------------------------------ */
/* logs.c */
extern const struct collector collector_logs;

#endif
