/*
 * drsync.h: disaster-recovery sync and the DR peer's heartbeat, the
 * engine behind the `drsync` collector, and a map of agent/drsync/.
 *
 * A round measures the replication by one method and checks the peer:
 *   stamp    the primary writes a stamp file (host, time, sequence) into
 *            the replicated tree each round; the DR reads the newest that
 *            has arrived: lag = now - its time (drsync_stamp.c)
 *   drbd     connection and disk states and the out-of-sync amount from
 *            `drbdsetup status --json` (DRBD 9) or /proc/drbd (DRBD 8)
 *            (drsync_drbd.c, JSON by json.c)
 *   command  a program that prints the lag in seconds (runcmd.c)
 * and, when `peer` is set, a TCP connect to it (drsync_peer.c).
 * Status: ok, late (lag > max_lag), failed (with the reason), unknown
 * (before the first round). docs/drsync.md has the rules and why.
 * Nothing here includes net-snmp or core.h.
 */
#ifndef MH_DRSYNC_H
#define MH_DRSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* drsync.c: the engine. */

enum drsync_method { DRSYNC_STAMP, DRSYNC_DRBD, DRSYNC_COMMAND };
enum drsync_role { DRSYNC_PRIMARY, DRSYNC_DR };
/* values are the MIB's mhDrSyncStatus */
enum drsync_status {
	DRSYNC_OK = 1,
	DRSYNC_LATE = 2,
	DRSYNC_FAILED = 3,
	DRSYNC_UNKNOWN = 4,
};
enum drsync_peer_state { DRSYNC_PEER_NONE, DRSYNC_PEER_UP, DRSYNC_PEER_DOWN };

const char *drsync_method_name(enum drsync_method);
const char *drsync_role_name(enum drsync_role);
const char *drsync_status_name(enum drsync_status);
const char *drsync_peer_name(enum drsync_peer_state);
/* "stamp" -> DRSYNC_STAMP; -1 if unknown */
int drsync_method_parse(const char *);
int drsync_role_parse(const char *);

#define DRSYNC_TIMEOUT_DEFAULT 10	/* seconds, command and peer */
#define DRSYNC_DRBDSETUP_DEFAULT "drbdsetup"
#define DRSYNC_PROC_DRBD_DEFAULT "/proc/drbd"

struct drsync_opts {
	enum drsync_method method;
	enum drsync_role role;		/* stamp: who writes, who reads */
	const char *stamp_file;		/* stamp */
	const char *hostname;		/* written in the stamp; NULL: ours */
	const char *drbdsetup;		/* drbd; NULL: "drbdsetup" in PATH */
	const char *proc_drbd;		/* drbd; NULL: "/proc/drbd" */
	const char *resource;		/* drbd: a resource name (DRBD 9) or
					 * minor number (DRBD 8); NULL: all */
	const char *command;		/* command: split by runcmd_split() */
	const char *peer;		/* "HOST:PORT", "[V6]:PORT" or NULL */
	long max_lag;			/* seconds; late above it */
	long timeout;			/* seconds for the command and peer */
};
void drsync_opts_default(struct drsync_opts *);

struct drsync_result {
	enum drsync_status status;
	bool have_lag;
	int64_t lag;			/* seconds, when have_lag */
	time_t last_success;		/* 0: none known */
	char last_error[256];		/* "" when the last round succeeded */
	char detail[256];		/* what was seen: "stamp seq 42 from
					 * mail1", "r0/0 to dr1: SyncSource,
					 * 1024 KiB out of sync" */
	uint64_t oos_kib;		/* drbd: out of sync, KiB */
	enum drsync_peer_state peer;
	uint32_t peer_ms;		/* connect time when up */
	char peer_error[128];		/* why down */
	time_t taken;			/* the round's time, 0: no round yet */
};

struct drsync;
/* Checks the options (the command splits, the peer parses, the files
 * the method needs are named); NULL with *err (malloc'd) otherwise. */
struct drsync *drsync_new(const struct drsync_opts *, char **err);
void drsync_free(struct drsync *);
/* One round at wall-clock time now (tests pass their own clock). May
 * block for up to twice the timeout (command, then peer). */
void drsync_round(struct drsync *, time_t now);
/* The last round's result; status unknown before the first. */
const struct drsync_result *drsync_result(const struct drsync *);
/* late when lag > max_lag, ok otherwise */
enum drsync_status drsync_status_of_lag(int64_t lag, long max_lag);

/* ------------------------------------------------------------------ */
/* drsync_stamp.c: the stamp file. */

#define DRSYNC_STAMP_MAX 4096
struct drsync_stamp {
	char host[256];
	int64_t time;
	uint64_t seq;
};
/* Formats a stamp into buf; returns its length. */
size_t drsync_stamp_format(const struct drsync_stamp *, char *buf, size_t len);
/* Parses len bytes; 0, or -1 with *why set to a constant reason and
 * *line to its line (0: the whole file). */
int drsync_stamp_parse(const char *buf, size_t len, struct drsync_stamp *,
    const char **why, size_t *line);
/* Writes path atomically (DIR/.NAME.tmp, fsync, rename); -1 with errno. */
int drsync_stamp_write(const char *path, const struct drsync_stamp *);
/* Reads path; -1 with the reason in err ("no stamp yet: ...", "...:
 * line 2: ...") */
int drsync_stamp_read(const char *path, struct drsync_stamp *, char *err,
    size_t errlen);

/* ------------------------------------------------------------------ */
/* drsync_drbd.c: DRBD state, parsed and judged. */

/* One replication path: a volume of a resource towards one peer. */
struct drbd_path {
	char resource[64];	/* DRBD 9: the name; DRBD 8: the minor */
	int volume;		/* DRBD 8: 0 */
	char peer[64];		/* DRBD 9: the connection name; 8: "" */
	char conn[32];		/* Connected, StandAlone, ... */
	char repl[32];		/* Established, SyncSource, ...; DRBD 8:
				 * the cs: field again */
	char disk[32];		/* local disk state */
	char peer_disk[32];	/* the peer's disk state */
	uint64_t oos_kib;	/* out of sync */
	bool v8;		/* from DRBD 8's /proc/drbd */
};

#define DRBD_PATHS_MAX 64
struct drbd_state {
	size_t n;
	struct drbd_path p[DRBD_PATHS_MAX];
	size_t devices;		/* devices seen, with or without a peer */
};

/* `drbdsetup status --json` output; resource NULL: all. 0, or -1 with
 * the reason in err. */
int drsync_drbd_parse_json(const char *text, size_t len,
    const char *resource, struct drbd_state *, char *err, size_t errlen);
/* /proc/drbd of DRBD 8 (resource: a minor number or NULL). 1 parsed, 0
 * not DRBD 8 (DRBD 9 has only the version there), -1 with err. */
int drsync_drbd_parse_proc(const char *text, size_t len,
    const char *resource, struct drbd_state *, char *err, size_t errlen);

enum drbd_verdict { DRBD_IN_SYNC, DRBD_SYNCING, DRBD_BROKEN };
/* The worst path decides; why says which path and what (for the
 * detail or the error). */
enum drbd_verdict drsync_drbd_judge(const struct drbd_state *,
    uint64_t *oos_kib, char *why, size_t whylen);

/* ------------------------------------------------------------------ */
/* drsync_peer.c: the DR peer's heartbeat. */

/* "host:port", "[v6]:port": host into host (hostlen), port 1..65535.
 * 0, or -1 with *why set. */
int drsync_peer_parse(const char *spec, char *host, size_t hostlen,
    uint16_t *port, const char **why);
struct drsync_peer;
struct drsync_peer *drsync_peer_new(const char *host, uint16_t port);
void drsync_peer_free(struct drsync_peer *);
/* Resolve (a name through getaddrinfo_a, bounded by the timeout too)
 * and connect to each address in turn until one answers. true when one
 * did, with the time to connect in *ms; false with the reason in err. */
bool drsync_peer_check(struct drsync_peer *, long timeout_ms, uint32_t *ms,
    char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* json.c: a small strict JSON reader (RFC 8259) for drbdsetup. */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING,
	JSON_ARRAY, JSON_OBJECT };
struct json {
	enum json_type type;
	char *key;		/* member name inside an object, else NULL */
	char *str;		/* STRING: the decoded text; NUMBER: as written */
	bool b;
	struct json *child;	/* ARRAY, OBJECT: the first element */
	struct json *next;	/* the next sibling */
};
/* NULL with err "line L column C: what" on anything that is not one
 * JSON value (with blanks around it), nesting deeper than 64, more than
 * 200,000 values or a NUL byte. */
struct json *json_parse(const char *text, size_t len, char *err,
    size_t errlen);
void json_free(struct json *);
/* the member of an object by name (the first), NULL if none */
const struct json *json_get(const struct json *, const char *key);
/* a member's string; NULL if absent or not a string */
const char *json_get_str(const struct json *, const char *key);
/* a member that is a non-negative integer; false otherwise */
bool json_get_u64(const struct json *, const char *key, uint64_t *);

#endif
