/*
 * drsync_col.c: the DR sync collector. Its section of mailhealthd.conf,
 * optional (without it the collector does not run):
 *
 *   drsync {
 *       method = stamp              # stamp | drbd | command
 *       role = dr                   # primary | dr
 *       stamp_file = "/var/mail/.mailhealth-stamp"    # stamp
 *       resource = "r0"             # drbd: a resource (9), a minor (8)
 *       drbdsetup = "drbdsetup"     # drbd: the program, PATH or a path
 *       proc_drbd = "/proc/drbd"    # drbd: where DRBD 8 tells its state
 *       command = "/usr/local/bin/dr-lag --quiet"     # command
 *       peer = "dr1.example.net:22" # the DR server's heartbeat
 *       max_lag = 1800              # seconds; late above it
 *       timeout = 10                # seconds for the command and peer
 *       severity = critical         # of the alarms it implies
 *       peer_failures = 2           # rounds the peer may miss in a row
 *       interval = 30  deadline = 90
 *   }
 *
 * Each round is one drsync_round() (the primary of the stamp method
 * writes its stamp there). The section implies its alarms, so that a
 * DR sync is watched without an alarm section:
 *   drsync-late    on drsync.lag: raised when the lag reaches max_lag,
 *                  cleared when it is under it again
 *   drsync-failed  on drsync.failed: the measurement has failed for
 *                  max_lag where no lag can show it (the primary cannot
 *                  write its stamp, the DR never received one)
 *   drsync-peer    with a peer, on drsync.peer_failures: the peer
 *                  missed peer_failures rounds in a row (one lost SYN
 *                  does not page)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drsync/drsync_col.h"


static cfg_opt_t drsync_sec[] = {
	CFG_STR("method", "stamp", CFGF_NONE),
	CFG_STR("role", "dr", CFGF_NONE),
	CFG_STR("stamp_file", NULL, CFGF_NONE),
	CFG_STR("resource", NULL, CFGF_NONE),
	CFG_STR("drbdsetup", NULL, CFGF_NONE),
	CFG_STR("proc_drbd", NULL, CFGF_NONE),
	CFG_STR("command", NULL, CFGF_NONE),
	CFG_STR("peer", NULL, CFGF_NONE),
	CFG_INT("max_lag", 1800, CFGF_NONE),
	CFG_INT("timeout", DRSYNC_TIMEOUT_DEFAULT, CFGF_NONE),
	CFG_INT_CB("severity", MH_SEV_CRITICAL, CFGF_NONE, conf_cb_severity),
	CFG_INT("peer_failures", 2, CFGF_NONE),
	CFG_INT("interval", 0, CFGF_NONE),
	CFG_INT("deadline", 0, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t drsync_opts[] = {
	/* MULTI only so that an absent section is absent (cfg_size 0) and
	 * a present one knows its file and line; one at most */
	CFG_SEC("drsync", drsync_sec, CFGF_MULTI),
	CFG_END()
};

/* names of the alarms the section implies */
#define ALARM_LATE "drsync-late"
#define ALARM_FAILED "drsync-failed"
#define ALARM_PEER "drsync-peer"

static int
v_method(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *m = cfg_opt_getnstr(opt, 0);

	if (m == NULL || drsync_method_parse(m) < 0) {
		cfg_error(cfg, "method: '%s' is not stamp, drbd or command",
		    m ? m : "");
		return -1;
	}
	return 0;
}

static int
v_role(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *r = cfg_opt_getnstr(opt, 0);

	if (r == NULL || drsync_role_parse(r) < 0) {
		cfg_error(cfg, "role: '%s' is not primary or dr", r ? r : "");
		return -1;
	}
	return 0;
}

static int
v_nonempty(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = cfg_opt_getnstr(opt, 0);

	if (s == NULL || s[0] == '\0') {
		cfg_error(cfg, "%s is empty", cfg_opt_name(opt));
		return -1;
	}
	return 0;
}

static const struct conf_range drsync_ranges[] = {
	{ "drsync|max_lag", 1, 30 * 86400 },
	{ "drsync|timeout", 1, 3600 },
	{ "drsync|peer_failures", 1, 1000 },
	{ "drsync|interval", 0, 86400 },
	{ "drsync|deadline", 0, 86400 },
};

static void
drsync_validate(cfg_t *cfg)
{
	conf_ranges(cfg, drsync_ranges, MH_ARRAY_SIZE(drsync_ranges));
	cfg_set_validate_func(cfg, "drsync|method", v_method);
	cfg_set_validate_func(cfg, "drsync|role", v_role);
	cfg_set_validate_func(cfg, "drsync|stamp_file", conf_v_path);
	cfg_set_validate_func(cfg, "drsync|proc_drbd", conf_v_path);
	cfg_set_validate_func(cfg, "drsync|drbdsetup", v_nonempty);
	cfg_set_validate_func(cfg, "drsync|resource", v_nonempty);
	cfg_set_validate_func(cfg, "drsync|command", v_nonempty);
	cfg_set_validate_func(cfg, "drsync|peer", v_nonempty);
}

static void
drsync_conf_free(void *p)
{
	struct drsync_conf *k = p;

	if (k == NULL)
		return;
	free(k->stamp_file);
	free(k->drbdsetup);
	free(k->proc_drbd);
	free(k->resource);
	free(k->command);
	free(k->peer);
	free(k);
}

/* An option the method does not use is a mistake (a command left over
 * from a method that changed, a stamp_file for DRBD): say so. */
static const char *
unused_option(cfg_t *sec, enum drsync_method m)
{
	static const struct {
		const char *name;
		enum drsync_method for_method;
	} only[] = {
		{ "stamp_file", DRSYNC_STAMP },
		{ "resource", DRSYNC_DRBD },
		{ "drbdsetup", DRSYNC_DRBD },
		{ "proc_drbd", DRSYNC_DRBD },
		{ "command", DRSYNC_COMMAND },
	};
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(only); i++)
		if (only[i].for_method != m &&
		    cfg_getstr(sec, only[i].name) != NULL)
			return only[i].name;
	return NULL;
}

static int
drsync_conf_read(cfg_t *cfg, struct conf *c, struct conf_col *cc, char **err)
{
	unsigned nsec = cfg_size(cfg, "drsync");
	cfg_t *sec = nsec ? cfg_getnsec(cfg, "drsync", nsec - 1) : NULL;
	struct drsync_conf *k;
	struct drsync *d;
	enum mh_severity sev;
	const char *unused;
	char where[512], *why = NULL;

	if (sec == NULL)
		return 0;	/* no DR: the collector does not run */
	conf_where(sec, where, sizeof(where));
	if (nsec > 1) {
		*err = xasprintf("%sonly one drsync section", where);
		return -1;
	}
	k = xcalloc(1, sizeof(*k));
	drsync_opts_default(&k->o);
	k->o.method = (enum drsync_method)drsync_method_parse(
	    cfg_getstr(sec, "method"));
	k->o.role = (enum drsync_role)drsync_role_parse(cfg_getstr(sec,
	    "role"));
	if ((unused = unused_option(sec, k->o.method)) != NULL) {
		*err = xasprintf("%sdrsync: %s is not used by method %s", where,
		    unused, drsync_method_name(k->o.method));
		goto fail;
	}
	k->o.stamp_file = k->stamp_file = conf_strdup(sec, "stamp_file");
	k->o.drbdsetup = k->drbdsetup = conf_strdup(sec, "drbdsetup");
	k->o.proc_drbd = k->proc_drbd = conf_strdup(sec, "proc_drbd");
	k->o.resource = k->resource = conf_strdup(sec, "resource");
	k->o.command = k->command = conf_strdup(sec, "command");
	k->o.peer = k->peer = conf_strdup(sec, "peer");
	k->o.max_lag = cfg_getint(sec, "max_lag");
	k->o.timeout = cfg_getint(sec, "timeout");
	k->peer_failures = cfg_getint(sec, "peer_failures");
	/* the engine's own checks: the command splits, the peer parses,
	 * the method has what it needs */
	if ((d = drsync_new(&k->o, &why)) == NULL) {
		*err = xasprintf("%sdrsync: %s", where, why);
		free(why);
		goto fail;
	}
	drsync_free(d);
	if (conf_alarm_find(c, ALARM_LATE) ||
	    conf_alarm_find(c, ALARM_FAILED) ||
	    (k->peer && conf_alarm_find(c, ALARM_PEER))) {
		*err = xasprintf("%sdrsync: the alarms '%s', '%s' and '%s' are "
		    "made by this section; rename the alarm section of that "
		    "name", where, ALARM_LATE, ALARM_FAILED, ALARM_PEER);
		goto fail;
	}
	sev = (enum mh_severity)cfg_getint(sec, "severity");
	/* the lag the SMS shows ("drsync lag 47 min (>= 30)"),
	 * cleared once under max_lag (the status is ok again) */
	conf_alarm_add(c, ALARM_LATE, "drsync.lag", NULL, (double)k->o.max_lag,
	    (double)(k->o.max_lag - 1), 0, sev, NULL);
	conf_alarm_add(c, ALARM_FAILED, "drsync.failed", NULL,
	    (double)k->o.max_lag, 0, 0, sev, NULL);
	if (k->peer)
		conf_alarm_add(c, ALARM_PEER, "drsync.peer_failures", NULL,
		    (double)k->peer_failures, 0, 0, sev, NULL);
	cc->interval = cfg_getint(sec, "interval");
	cc->deadline = cfg_getint(sec, "deadline");
	/* a round may wait for the command and then the peer: the part is
	 * not stale while a round is within its timeouts */
	if (cc->deadline == 0)
		cc->deadline = 2 * (cc->interval ? cc->interval : c->interval) +
		    2 * k->o.timeout + 30;
	cc->cc = k;
	cc->on = true;
	return 0;
fail:
	drsync_conf_free(k);
	return -1;
}

struct drsync_state {
	const struct drsync_conf *k;
	struct drsync *d;
	time_t started;			/* the first round */
	uint32_t peer_failures;		/* in a row */
};

static void *
drsync_init(const void *cc, const struct conf *c)
{
	struct drsync_state *st = xcalloc(1, sizeof(*st));
	char *err = NULL;

	(void)c;
	st->k = cc;
	/* validated by conf_read: this fails only if the world moved */
	if ((st->d = drsync_new(&st->k->o, &err)) == NULL) {
		log_warnx("drsync", "%s", err);
		free(err);
		free(st);
		return NULL;
	}
	return st;
}

static void
drsync_fini(void *p)
{
	struct drsync_state *st = p;

	drsync_free(st->d);
	free(st);
}

/* A failed or late sync is the collector's finding, not its error: it
 * is in the status and the alarm, not in mhAgentCollectErrors. */
static int
drsync_collect(void *p, struct part *part)
{
	struct drsync_state *st = p;
	struct drsync_part *dp = xcalloc(1, sizeof(*dp));
	const struct drsync_result *r;

	part->data = dp;
	if (st->started == 0)
		st->started = part->taken;
	drsync_round(st->d, part->taken);
	r = drsync_result(st->d);
	if (r->peer == DRSYNC_PEER_DOWN)
		st->peer_failures++;
	else
		st->peer_failures = 0;
	drsync_part_fill(dp, r, st->k, st->started, st->peer_failures);
	return 0;
}

void
drsync_part_fill(struct drsync_part *p, const struct drsync_result *r,
    const struct drsync_conf *k, time_t started, uint32_t peer_failures)
{
	time_t since = r->last_success ? r->last_success : started;

	p->have = DRS_HAVE_ROUND;
	p->status = (int)r->status;
	p->role = k->o.role == DRSYNC_PRIMARY ? 1 : 2;
	p->method = (int)k->o.method + 1;
	p->max_lag = k->o.max_lag;
	if (r->have_lag) {
		p->have |= DRS_HAVE_LAG;
		p->lag = r->lag;
	}
	p->last_success = r->last_success;
	if (r->last_success != 0)
		p->have |= DRS_HAVE_SUCCESS;
	snprintf(p->last_error, sizeof(p->last_error), "%s", r->last_error);
	snprintf(p->detail, sizeof(p->detail), "%s", r->detail);
	if (k->o.method == DRSYNC_DRBD && r->status != DRSYNC_FAILED) {
		p->have |= DRS_HAVE_OOS;
		p->oos_kib = r->oos_kib;
	}
	/* failing where no lag shows how old the copy may be: how long,
	 * from the last success or the first round (a failure with a lag
	 * is in the lag, which keeps growing) */
	if (r->status == DRSYNC_FAILED && !r->have_lag && r->taken > since)
		p->failed_for = (int64_t)(r->taken - since);
	if (k->peer != NULL) {
		p->peer = xstrdup(k->peer);
		p->have |= DRS_HAVE_PEER;
		p->peer_status = r->peer == DRSYNC_PEER_UP ? 1 : 2;
		p->peer_failures = peer_failures;
		snprintf(p->peer_error, sizeof(p->peer_error), "%s",
		    r->peer_error);
		if (r->peer == DRSYNC_PEER_UP) {
			p->have |= DRS_HAVE_PEER_UP;
			p->peer_ms = r->peer_ms;
		}
	}
}

const struct collector collector_drsync = {
	.name = "drsync",
	.opts = drsync_opts,
	.conf_validate = drsync_validate,
	.conf_read = drsync_conf_read,
	.conf_free = drsync_conf_free,
	.init = drsync_init,
	.collect = drsync_collect,
	.fini = drsync_fini,
	.part_free = drsync_part_free,
	.groups = drsync_groups,
	.ngroups = 1,
};
