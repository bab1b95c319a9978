/*
 * drsync.c: the DR sync engine: one round measures the replication by
 * the configured method, checks the peer, and keeps what later rounds
 * need (the last success, the stamp sequence, since when DRBD is out of
 * sync).
 *
 * The rules (docs/drsync.md):
 * - lag = now - last success, whenever a success is known, also while
 *   the status is failed: the copy keeps ageing whatever the reason.
 * - status: failed when this round could not measure (no stamp, garbage,
 *   the command failed, DRBD disconnected); otherwise late when lag >
 *   max_lag, else ok. unknown until the first round.
 * - stamp on the primary: ok when the stamp was written; it has no lag
 *   (only the DR side can see what arrived).
 * - stamp on the DR: the last success is the time in the stamp that
 *   has arrived (the primary's clock); a stamp from the future (clocks
 *   apart) counts as lag 0 and says so in the detail.
 * - command: the lag is what the program printed; last success = now -
 *   lag.
 * - drbd: in sync is a success now (lag 0); while syncing (a resync,
 *   blocks out of sync) the lag grows from the last time it was in sync
 *   (or from the first round that saw it syncing), so a resync shorter
 *   than max_lag stays ok and a long one turns late; broken is failed.
 *   The out-of-sync amount is reported beside (oos_kib), not as lag:
 *   KiB are not seconds.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "drsync/drsync.h"
#include "drsync/runcmd.h"

#define DRSYNC_OUT_MAX 4096		/* a command's output we keep */
#define DRSYNC_JSON_MAX (1u << 20)	/* drbdsetup status --json */
#define DRSYNC_PROC_DRBD_MAX (64u << 10)

struct drsync {
	struct drsync_opts o;
	char *stamp_file, *hostname, *drbdsetup, *proc_drbd, *resource;
	char **argv;			/* command */
	struct drsync_peer *peer;
	struct drsync_result res;
	uint64_t seq;			/* primary: the last stamp written */
	bool seq_loaded;
	time_t syncing_since;		/* drbd: first round seen syncing */
};

static const char *const method_names[] = { "stamp", "drbd", "command" };
static const char *const role_names[] = { "primary", "dr" };

const char *
drsync_method_name(enum drsync_method m)
{
	return method_names[m];
}

const char *
drsync_role_name(enum drsync_role r)
{
	return role_names[r];
}

const char *
drsync_status_name(enum drsync_status s)
{
	switch (s) {
	case DRSYNC_OK: return "ok";
	case DRSYNC_LATE: return "late";
	case DRSYNC_FAILED: return "failed";
	default: return "unknown";
	}
}

const char *
drsync_peer_name(enum drsync_peer_state p)
{
	return p == DRSYNC_PEER_UP ? "up" : p == DRSYNC_PEER_DOWN ? "down" :
	    "none";
}

int
drsync_method_parse(const char *s)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(method_names); i++)
		if (strcmp(s, method_names[i]) == 0)
			return (int)i;
	return -1;
}

int
drsync_role_parse(const char *s)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(role_names); i++)
		if (strcmp(s, role_names[i]) == 0)
			return (int)i;
	return -1;
}

void
drsync_opts_default(struct drsync_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->method = DRSYNC_STAMP;
	o->role = DRSYNC_DR;
	o->max_lag = 1800;
	o->timeout = DRSYNC_TIMEOUT_DEFAULT;
}

enum drsync_status
drsync_status_of_lag(int64_t lag, long max_lag)
{
	return lag > max_lag ? DRSYNC_LATE : DRSYNC_OK;
}

/* snprintf for messages that may be cut: a long host name or path must
 * not lose the round, and -Wformat-truncation is right that it may cut */
static void MH_PRINTF(3, 4)
drsync_msg(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static char *
drsync_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct drsync *
drsync_new(const struct drsync_opts *o, char **err)
{
	struct drsync *d = xcalloc(1, sizeof(*d));
	char host[256];
	const char *why;
	uint16_t port;

	d->o = *o;
	if (o->max_lag <= 0) {
		*err = xasprintf("max_lag must be a positive number of seconds");
		goto fail;
	}
	if (o->timeout <= 0) {
		*err = xasprintf("timeout must be a positive number of seconds");
		goto fail;
	}
	switch (o->method) {
	case DRSYNC_STAMP:
		if (o->stamp_file == NULL || o->stamp_file[0] != '/') {
			*err = xasprintf("method stamp needs stamp_file, an "
			    "absolute path");
			goto fail;
		}
		break;
	case DRSYNC_COMMAND:
		if (o->command == NULL) {
			*err = xasprintf("method command needs command");
			goto fail;
		}
		if ((d->argv = runcmd_split(o->command, &why)) == NULL) {
			*err = xasprintf("command: %s", why);
			goto fail;
		}
		break;
	case DRSYNC_DRBD:
		break;
	default:
		*err = xasprintf("unknown method");
		goto fail;
	}
	if (o->peer) {
		if (drsync_peer_parse(o->peer, host, sizeof(host), &port,
		    &why) < 0) {
			*err = xasprintf("peer \"%s\": %s", o->peer, why);
			goto fail;
		}
		d->peer = drsync_peer_new(host, port);
	}
	if (o->hostname) {
		d->hostname = xstrdup(o->hostname);
	} else {
		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "unknown");
		host[sizeof(host) - 1] = '\0';
		d->hostname = xstrdup(host);
	}
	d->stamp_file = drsync_dup(o->stamp_file);
	d->drbdsetup = xstrdup(o->drbdsetup ? o->drbdsetup :
	    DRSYNC_DRBDSETUP_DEFAULT);
	d->proc_drbd = xstrdup(o->proc_drbd ? o->proc_drbd :
	    DRSYNC_PROC_DRBD_DEFAULT);
	d->resource = drsync_dup(o->resource);
	/* the options keep pointing at our copies only */
	d->o.stamp_file = d->stamp_file;
	d->o.hostname = d->hostname;
	d->o.drbdsetup = d->drbdsetup;
	d->o.proc_drbd = d->proc_drbd;
	d->o.resource = d->resource;
	d->o.command = NULL;
	d->o.peer = NULL;
	d->res.status = DRSYNC_UNKNOWN;
	return d;
fail:
	free(d->argv);
	free(d);
	return NULL;
}

void
drsync_free(struct drsync *d)
{
	if (d == NULL)
		return;
	drsync_peer_free(d->peer);
	free(d->argv);
	free(d->stamp_file);
	free(d->hostname);
	free(d->drbdsetup);
	free(d->proc_drbd);
	free(d->resource);
	free(d);
}

const struct drsync_result *
drsync_result(const struct drsync *d)
{
	return &d->res;
}

/* ---- the methods: each returns 0 (measured) or -1 (error set) */

static int
drsync_stamp_primary(struct drsync *d, time_t now)
{
	struct drsync_stamp st;
	char err[64];

	/* go on with the sequence of the stamp we wrote before a restart */
	if (!d->seq_loaded) {
		if (drsync_stamp_read(d->stamp_file, &st, err, sizeof(err)) == 0 &&
		    strcmp(st.host, d->hostname) == 0)
			d->seq = st.seq;
		d->seq_loaded = true;
	}
	memset(&st, 0, sizeof(st));
	snprintf(st.host, sizeof(st.host), "%s", d->hostname);
	st.time = now;
	st.seq = d->seq + 1;
	if (drsync_stamp_write(d->stamp_file, &st) < 0) {
		drsync_msg(d->res.last_error, sizeof(d->res.last_error),
		    "cannot write %s: %s", d->stamp_file, strerror(errno));
		return -1;
	}
	d->seq = st.seq;
	d->res.last_success = now;
	drsync_msg(d->res.detail, sizeof(d->res.detail),
	    "wrote stamp seq %" PRIu64 " to %s", st.seq, d->stamp_file);
	return 0;
}

static int
drsync_stamp_dr(struct drsync *d, time_t now)
{
	struct drsync_stamp st;

	if (drsync_stamp_read(d->stamp_file, &st, d->res.last_error,
	    sizeof(d->res.last_error)) < 0)
		return -1;
	d->res.last_success = (time_t)st.time;
	if (st.time > now)
		drsync_msg(d->res.detail, sizeof(d->res.detail),
		    "stamp seq %" PRIu64 " from %s is %" PRId64 " s in the "
		    "future: the clocks differ", st.seq, st.host,
		    (int64_t)(st.time - now));
	else
		drsync_msg(d->res.detail, sizeof(d->res.detail),
		    "stamp seq %" PRIu64 " from %s", st.seq, st.host);
	return 0;
}

/* "12", "12.7", " 12 \n": seconds, floor; false for anything else */
static bool
drsync_parse_lag(const char *s, int64_t *lag)
{
	char line[64], *end;
	double v;

	runcmd_first_line(s, line, sizeof(line));
	if (line[0] < '0' || line[0] > '9')
		return false;
	errno = 0;
	v = strtod(line, &end);
	if (errno || *end != '\0' || !isfinite(v) || v > 1e15)
		return false;
	*lag = (int64_t)floor(v);
	return true;
}

static int
drsync_command(struct drsync *d, time_t now)
{
	struct runcmd_result r;
	char how[96], first[160];
	long tmo = d->o.timeout * 1000;
	int64_t lag;
	int rc = -1;

	runcmd_run(d->argv, tmo, DRSYNC_OUT_MAX, &r);
	runcmd_describe(&r, tmo, how, sizeof(how));
	runcmd_first_line(r.errlen ? r.err : r.out, first, sizeof(first));
	if (r.end != RUNCMD_EXITED || r.code != 0) {
		drsync_msg(d->res.last_error, sizeof(d->res.last_error),
		    "%s: %s%s%s", d->argv[0], how, first[0] ? ": " : "", first);
		goto out;
	}
	if (!drsync_parse_lag(r.out, &lag)) {
		runcmd_first_line(r.out, first, sizeof(first));
		drsync_msg(d->res.last_error, sizeof(d->res.last_error),
		    "%s printed \"%s\", not a number of seconds", d->argv[0],
		    first);
		goto out;
	}
	d->res.last_success = now - (time_t)lag;
	drsync_msg(d->res.detail, sizeof(d->res.detail), "%s: lag %" PRId64
	    " s", d->argv[0], lag);
	rc = 0;
out:
	runcmd_result_free(&r);
	return rc;
}

/* the whole of a small file into a NUL-terminated buffer; NULL with
 * errno (EFBIG when larger than max) */
static char *
drsync_slurp(const char *path, size_t max, size_t *len)
{
	char *buf = xmalloc(max + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	size_t n = 0;

	if (fd < 0)
		goto fail;
	while (n <= max) {
		ssize_t r = read(fd, buf + n, max + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	if (fd >= 0) {
		int e = errno;

		close(fd);
		errno = e;
	}
	free(buf);
	return NULL;
}

/* DRBD 9: drbdsetup status --json [resource] */
static int
drsync_drbdsetup(struct drsync *d, struct drbd_state *st)
{
	char *argv[5] = { d->drbdsetup, "status", "--json", d->resource, NULL };
	struct runcmd_result r;
	char how[96], first[160];
	long tmo = d->o.timeout * 1000;
	int rc = -1;

	runcmd_run(argv, tmo, DRSYNC_JSON_MAX, &r);
	if (r.end != RUNCMD_EXITED || r.code != 0) {
		runcmd_describe(&r, tmo, how, sizeof(how));
		runcmd_first_line(r.errlen ? r.err : r.out, first, sizeof(first));
		drsync_msg(d->res.last_error, sizeof(d->res.last_error),
		    "%s status: %s%s%s", d->drbdsetup, how, first[0] ? ": " : "",
		    first);
		goto out;
	}
	if (r.truncated) {
		drsync_msg(d->res.last_error, sizeof(d->res.last_error),
		    "%s status --json printed more than 1 MiB", d->drbdsetup);
		goto out;
	}
	rc = drsync_drbd_parse_json(r.out, r.outlen, d->resource, st,
	    d->res.last_error, sizeof(d->res.last_error));
out:
	runcmd_result_free(&r);
	return rc;
}

static int
drsync_drbd(struct drsync *d, time_t now)
{
	struct drbd_state *st = xcalloc(1, sizeof(*st));
	size_t len;
	char *text, why[256];
	int rc = -1, v8 = 0;

	/* /proc/drbd tells DRBD 8 (states there) from 9 (version only) */
	text = drsync_slurp(d->proc_drbd, DRSYNC_PROC_DRBD_MAX, &len);
	if (text) {
		v8 = drsync_drbd_parse_proc(text, len, d->resource, st,
		    d->res.last_error, sizeof(d->res.last_error));
		free(text);
		if (v8 < 0)
			goto out;
	}
	if (v8 == 0 && drsync_drbdsetup(d, st) < 0)
		goto out;
	switch (drsync_drbd_judge(st, &d->res.oos_kib, why, sizeof(why))) {
	case DRBD_IN_SYNC:
		d->res.last_success = now;
		d->syncing_since = 0;
		break;
	case DRBD_SYNCING:
		if (d->syncing_since == 0)
			d->syncing_since = now;
		if (d->res.last_success == 0)
			/* never seen in sync: at least this long */
			d->res.last_success = d->syncing_since;
		break;
	case DRBD_BROKEN:
		drsync_msg(d->res.last_error, sizeof(d->res.last_error), "%s",
		    why);
		goto out;
	}
	drsync_msg(d->res.detail, sizeof(d->res.detail), "%s", why);
	rc = 0;
out:
	free(st);
	return rc;
}

void
drsync_round(struct drsync *d, time_t now)
{
	struct drsync_result *r = &d->res;
	int rc = -1;

	r->taken = now;
	r->detail[0] = '\0';
	r->last_error[0] = '\0';
	r->oos_kib = 0;
	switch (d->o.method) {
	case DRSYNC_STAMP:
		rc = d->o.role == DRSYNC_PRIMARY ? drsync_stamp_primary(d, now) :
		    drsync_stamp_dr(d, now);
		break;
	case DRSYNC_DRBD:
		rc = drsync_drbd(d, now);
		break;
	case DRSYNC_COMMAND:
		rc = drsync_command(d, now);
		break;
	}
	r->have_lag = r->last_success != 0 &&
	    !(d->o.method == DRSYNC_STAMP && d->o.role == DRSYNC_PRIMARY);
	r->lag = 0;
	if (r->have_lag && now > r->last_success)
		r->lag = (int64_t)(now - r->last_success);
	if (rc < 0)
		r->status = DRSYNC_FAILED;
	else if (!r->have_lag)
		r->status = DRSYNC_OK;
	else
		r->status = drsync_status_of_lag(r->lag, d->o.max_lag);

	if (d->peer == NULL) {
		r->peer = DRSYNC_PEER_NONE;
		return;
	}
	r->peer_ms = 0;
	r->peer_error[0] = '\0';
	if (drsync_peer_check(d->peer, d->o.timeout * 1000, &r->peer_ms,
	    r->peer_error, sizeof(r->peer_error)))
		r->peer = DRSYNC_PEER_UP;
	else
		r->peer = DRSYNC_PEER_DOWN;
}
