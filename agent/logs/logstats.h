/*
 * logstats.h: count log events (logline.h), MTA-agnostic: totals since
 * start, sliding windows, and bounded per-key tables (who sends, who
 * fails to log in and from where, which domains refuse our mail).
 *
 *   logstats.c  the event -> counters glue and the read-out (report)
 *   wtop.c   windowed Space-Saving: k keys with a window count, a
 *               total, distinct-value sketches and a few strings each
 *   lsdist.c   distinct values per key: exact up to 64 in the window,
 *               then a HyperLogLog
 *
 * Time is the events' own: the windows end at the newest event counted
 * (so a replay of yesterday's log gives yesterday's windows), or later if
 * logstats_report() is given a later clock. A window is LS_BUCKETS
 * buckets of window/LS_BUCKETS seconds. Memory is fixed by the
 * configuration, whatever the flood: docs/logs.md has the figures and
 * the error of every estimate.
 */
#ifndef MH_LOGSTATS_H
#define MH_LOGSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logs/logline.h"

#define LS_BUCKETS 10		/* per window */
#define LS_FIRST_MAX 8		/* first values remembered per key */
#define LS_KINDS (LEV_AUTH_OK + 1)	/* indexed by enum log_ev_kind */

struct logstats_conf {
	unsigned rate_window;	/* s, default 300: traffic, senders, defer */
	unsigned auth_window;	/* s, default 300: auth tables */
	size_t counters;	/* Space-Saving keys per table (default 4096) */
	size_t first;		/* first client IPs / user names kept per key
				 * (default 8, at most LS_FIRST_MAX) */
};

struct logstats;
struct logstats *logstats_new(const struct logstats_conf *);	/* NULL: defaults */
void logstats_free(struct logstats *);
void logstats_reset(struct logstats *);	/* forget everything counted */
void logstats_add(struct logstats *, const struct log_event *);
/* logparse_emit_fn-shaped: arg is the struct logstats. */
void logstats_emit(void *ls, const struct log_event *);

/* ------------------------------------------------------------------
 * Read-out, at the end of a collection round: a self-contained copy the
 * snapshot can own (logstats_report_free). Counts are exact unless the
 * row says otherwise: *_err is how much a count may exceed the truth
 * (Space-Saving), *_exact false means a distinct count is a HyperLogLog
 * estimate (docs/logs.md). */

struct ls_sender {		/* who submits: SASL/AUTH user or local user */
	char *user;
	uint32_t msgs_win, msgs_win_err;	/* in rate_window */
	uint64_t msgs_total;	/* since the user entered the table */
	int64_t since;		/* ... at this time */
	uint32_t clients_win;	/* distinct client IPs in the window */
	bool clients_exact;
	uint32_t domains_win;	/* distinct recipient domains of its
				 * deliveries in the window */
	bool domains_exact;
	char *last_client;	/* "" for local submissions */
	int64_t last_time;
	char *clients[LS_FIRST_MAX];	/* the first distinct client IPs */
	size_t nclients;
};

struct ls_auth_user {		/* failed logins by user name, all protocols */
	char *user;
	uint32_t fails_win, fails_win_err;	/* in auth_window */
	uint64_t fails_total;
	int64_t since;
	uint32_t clients_win;	/* distinct client IPs of the failures */
	bool clients_exact;
	char *last_client;
	int64_t last_time;
};

struct ls_auth_client {		/* failed logins by client IP */
	char *client;
	uint32_t fails_win, fails_win_err;
	uint64_t fails_total;
	int64_t since;
	uint32_t users_win;	/* distinct user names tried */
	bool users_exact;
	char *users[LS_FIRST_MAX];	/* the first user names tried */
	size_t nusers;
	int64_t last_time;
};

struct ls_defer {		/* recipient domains that defer or bounce */
	char *domain;		/* lower case */
	uint32_t failed_win, failed_win_err;	/* deferred + bounced: the rank */
	uint32_t deferred_win, bounced_win;
	uint64_t deferred_total, bounced_total;
	int64_t since;
	char *last_reason;	/* "DSN reply", trimmed to 200 bytes */
	int64_t last_time;
};

struct ls_proto {
	uint64_t fails, nopass, ok;	/* since start */
	uint32_t fails_win, nopass_win;	/* in auth_window */
};

struct logstats_report {
	int64_t now;		/* the windows end here; 0: nothing counted */
	unsigned rate_window, auth_window;
	uint64_t total[LS_KINDS];	/* since start, by enum log_ev_kind */
	uint64_t window[LS_KINDS];	/* in rate_window (auth kinds: in
					 * auth_window) */
	struct ls_proto proto[LPROTO_COUNT];
	struct ls_sender *senders;	/* by messages in the window */
	size_t nsenders;
	struct ls_sender *senders_total;	/* by messages in total */
	size_t nsenders_total;
	struct ls_auth_user *auth_users;	/* by failures in the window */
	size_t nauth_users;
	struct ls_auth_client *auth_clients;
	size_t nauth_clients;
	struct ls_defer *defers;	/* by deferred + bounced in window */
	size_t ndefers;
	uint64_t evictions;	/* keys dropped from full tables so far */
	size_t bytes;		/* memory held by the counters */
};

/* The top `top_n` of every table. `now` 0: the windows end at the
 * newest event; a later time (the wall clock of a live daemon) slides
 * them on with no events. */
struct logstats_report *logstats_report(struct logstats *, size_t top_n,
    int64_t now);
void logstats_report_free(struct logstats_report *);
/* Events per minute in the window for an entry of report->window. */
double logstats_per_minute(const struct logstats_report *, enum log_ev_kind);

#endif
