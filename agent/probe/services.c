/*
 * services.c: the services collector. Its sections of mailhealthd.conf:
 *
 *   service smtp {            # one section per check; the title names it
 *       check    = smtp       # smtp, submission, smtps, pop3[s], imap[s],
 *                             # http[s], dns, firewall, process, command,
 *                             # tcp, tls, file
 *       target   = "127.0.0.1:25"
 *       timeout  = 10  fall = 2  rise = 1
 *       severity = critical   # of its own down alarm
 *       alarm    = true       # false: no down alarm, the row only
 *       ...                   # the kind's options (docs/probes.md)
 *   }
 *   services { interval = 30  deadline = 90 }   # optional
 *
 * Each section is a struct probe_desc; the set runs one round per
 * collection, every check at once (probe_set_run), on this collector's
 * thread, so a hanging target costs this collector its timeout and
 * nobody else anything. Each service implies an alarm "service-NAME" on
 * service.down for its own instance (rising 1, falling 0), so a service
 * that goes down raises mhServiceAlarm without an alarm section.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/services.h"

#define SVC_NAME_MAX 64

static int cb_kind(cfg_t *, cfg_opt_t *, const char *, void *);
static int cb_fw_backend(cfg_t *, cfg_opt_t *, const char *, void *);

static cfg_opt_t service_sec[] = {
	CFG_INT_CB("check", 0, CFGF_NODEFAULT, cb_kind),
	CFG_STR("target", NULL, CFGF_NONE),
	CFG_INT("timeout", PROBE_TIMEOUT_DEFAULT, CFGF_NONE),
	CFG_INT("fall", PROBE_FALL_DEFAULT, CFGF_NONE),
	CFG_INT("rise", PROBE_RISE_DEFAULT, CFGF_NONE),
	CFG_INT_CB("severity", MH_SEV_CRITICAL, CFGF_NONE, conf_cb_severity),
	CFG_BOOL("alarm", cfg_true, CFGF_NONE),
	/* TLS */
	CFG_BOOL("starttls", cfg_false, CFGF_NODEFAULT),
	CFG_BOOL("tls_verify", cfg_false, CFGF_NONE),
	CFG_STR("tls_name", NULL, CFGF_NONE),
	CFG_STR("ca_file", NULL, CFGF_NONE),
	CFG_INT("min_cert_days", 0, CFGF_NONE),
	/* http, https */
	CFG_INT("http_status", 0, CFGF_NONE),
	/* dns */
	CFG_STR("dns_type", NULL, CFGF_NONE),
	CFG_STR("resolver", NULL, CFGF_NONE),
	CFG_BOOL("nxdomain_ok", cfg_false, CFGF_NONE),
	CFG_STR("expect", NULL, CFGF_NONE),
	/* firewall */
	CFG_STR("chain", NULL, CFGF_NONE),
	CFG_INT_CB("fw_backend", PROBE_FW_AUTO, CFGF_NONE, cb_fw_backend),
	/* process, file */
	CFG_STR("pidfile", NULL, CFGF_NONE),
	CFG_INT("max_age", 0, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t services_sec[] = {
	CFG_INT("interval", 0, CFGF_NONE),
	CFG_INT("deadline", 0, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t services_opts[] = {
	CFG_SEC("service", service_sec,
	    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("services", services_sec, CFGF_NONE),
	CFG_END()
};

/* ---- configuration ---- */

static int
cb_kind(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	int k = probe_kind_parse(value);

	(void)opt;
	if (k < 0) {
		cfg_error(cfg, "unknown check '%s' (smtp, submission, smtps, "
		    "pop3, pop3s, imap, imaps, http, https, dns, firewall, "
		    "process, command, tcp, tls or file)", value);
		return -1;
	}
	*(long *)result = k;
	return 0;
}

static int
cb_fw_backend(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	(void)opt;
	if (strcmp(value, "auto") == 0)
		*(long *)result = PROBE_FW_AUTO;
	else if (strcmp(value, "nft") == 0)
		*(long *)result = PROBE_FW_NFT;
	else if (strcmp(value, "iptables") == 0)
		*(long *)result = PROBE_FW_IPTABLES;
	else {
		cfg_error(cfg, "invalid fw_backend '%s' (auto, nft or "
		    "iptables)", value);
		return -1;
	}
	return 0;
}

/* The title is the service's name everywhere: the MIB, the alarm
 * "service-NAME", the instance in notifications and SMS. Keep it a
 * word an admin can type in an alarm's instance. */
static int
v_service(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *t = cfg_title(sec);
	size_t n = t ? strlen(t) : 0;

	if (n == 0 || n > SVC_NAME_MAX || strspn(t, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n) {
		cfg_error(cfg, "service '%s': a name is 1 to %d letters, "
		    "digits, '.', '-' or '_'", t ? t : "", SVC_NAME_MAX);
		return -1;
	}
	if (cfg_size(sec, "check") == 0) {
		cfg_error(cfg, "service %s: check is required", t);
		return -1;
	}
	return 0;
}

static const struct conf_range services_ranges[] = {
	{ "service|timeout", 1, 3600 },
	{ "service|fall", 1, 100 },
	{ "service|rise", 1, 100 },
	{ "service|min_cert_days", 0, 3650 },
	{ "service|max_age", 0, 366 * 86400L },
	{ "services|interval", 0, 86400 },
	{ "services|deadline", 0, 86400 },
};

static void
services_validate(cfg_t *cfg)
{
	conf_ranges(cfg, services_ranges, MH_ARRAY_SIZE(services_ranges));
	cfg_set_validate_func(cfg, "service", v_service);
	cfg_set_validate_func(cfg, "service|ca_file", conf_v_path);
	cfg_set_validate_func(cfg, "service|pidfile", conf_v_path);
}

static void
desc_read(cfg_t *sec, struct probe_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(cfg_title(sec));
	d->kind = (enum probe_kind)cfg_getint(sec, "check");
	d->target = conf_strdup(sec, "target");
	d->timeout = (unsigned)cfg_getint(sec, "timeout");
	d->fall = (unsigned)cfg_getint(sec, "fall");
	d->rise = (unsigned)cfg_getint(sec, "rise");
	if (cfg_size(sec, "starttls") > 0)
		d->starttls = cfg_getbool(sec, "starttls") ? PROBE_OPT_YES :
		    PROBE_OPT_NO;
	d->tls_verify = cfg_getbool(sec, "tls_verify");
	d->tls_name = conf_strdup(sec, "tls_name");
	d->ca_file = conf_strdup(sec, "ca_file");
	d->min_cert_days = (int)cfg_getint(sec, "min_cert_days");
	d->http_status = cfg_getint(sec, "http_status");
	d->dns_type = conf_strdup(sec, "dns_type");
	d->resolver = conf_strdup(sec, "resolver");
	d->nxdomain_ok = cfg_getbool(sec, "nxdomain_ok");
	d->expect = conf_strdup(sec, "expect");
	d->chain = conf_strdup(sec, "chain");
	d->fw_backend = (enum probe_fw_backend)cfg_getint(sec, "fw_backend");
	d->pidfile = conf_strdup(sec, "pidfile");
	d->max_age = cfg_getint(sec, "max_age");
}

static void
services_conf_free(void *p)
{
	struct services_conf *sc = p;
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->n; i++)
		probe_desc_free(&sc->descs[i]);
	free(sc->descs);
	free(sc);
}

static int
services_conf_read(cfg_t *cfg, struct conf *c, struct conf_col *cc,
    char **err)
{
	struct services_conf *sc = xcalloc(1, sizeof(*sc));
	cfg_t *tim = cfg_getsec(cfg, "services");
	char where[300], why[PROBE_ERR_MAX], *alarm;
	long interval, deadline;
	size_t i;

	if (tim != NULL) {
		cc->interval = cfg_getint(tim, "interval");
		cc->deadline = cfg_getint(tim, "deadline");
	}
	/* conf_load's defaults, needed here already: a round must end
	 * before the part it publishes goes stale, that is within
	 * deadline - interval of the previous round's end */
	interval = cc->interval ? cc->interval : c->interval;
	deadline = cc->deadline ? cc->deadline : 2 * interval + 30;
	sc->round_ms = (deadline - interval - 1) * 1000;
	sc->n = cfg_size(cfg, "service");
	sc->descs = xcalloc(sc->n ? sc->n : 1, sizeof(*sc->descs));
	for (i = 0; i < sc->n; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "service", (unsigned)i);
		struct probe_desc *d = &sc->descs[i];

		desc_read(sec, d);
		conf_where(sec, where, sizeof(where));
		if (probe_desc_check(d, why, sizeof(why)) < 0) {
			*err = xasprintf("%sservice %s: %s", where, d->name,
			    why);
			goto fail;
		}
		if (d->kind == PROBE_FILE && d->target[0] != '/') {
			*err = xasprintf("%sservice %s: a file check needs an "
			    "absolute path", where, d->name);
			goto fail;
		}
		if ((long)d->timeout * 1000 > sc->round_ms) {
			*err = xasprintf("%sservice %s: timeout %u s does not "
			    "fit in a round (deadline %ld s - interval %ld s): "
			    "lower it, or raise the services section's "
			    "deadline", where, d->name, d->timeout, deadline,
			    interval);
			goto fail;
		}
		if (!cfg_getbool(sec, "alarm"))
			continue;
		alarm = xasprintf("service-%s", d->name);
		if (conf_alarm_find(c, alarm)) {
			*err = xasprintf("%sservice %s: its down alarm is "
			    "named %s, and an alarm section has that name",
			    where, d->name, alarm);
			free(alarm);
			goto fail;
		}
		/* down raises (1 >= 1), up clears (0 <= 0); flap control
		 * already held it back, so no hold */
		conf_alarm_add(c, alarm, "service.down", d->name, 1, 0, 0,
		    (enum mh_severity)cfg_getint(sec, "severity"), NULL);
		free(alarm);
	}
	cc->on = sc->n > 0;
	cc->cc = sc;
	return 0;

fail:
	services_conf_free(sc);
	return -1;
}

/* ---- rounds ---- */

struct services_state {
	const struct services_conf *sc;
	struct probe_set *set;
	uint64_t owner;			/* services_keep */
	struct services_extra *x;	/* one per check */
};

static void *
services_init(const void *cc, const struct conf *c)
{
	const struct services_conf *sc = cc;
	struct services_state *st;
	struct probe_result r;
	char *err = NULL;
	size_t i;

	(void)c;
	st = xcalloc(1, sizeof(*st));
	st->sc = sc;
	if ((st->set = probe_set_new(sc->descs, sc->n, &err)) == NULL) {
		/* checked when the configuration was read */
		log_warnx("service", "%s", err);
		free(err);
		free(st);
		return NULL;
	}
	st->x = xcalloc(sc->n ? sc->n : 1, sizeof(*st->x));
	st->owner = services_keep_claim(sc->descs, sc->n);
	for (i = 0; i < sc->n; i++)
		if (services_keep_get(&sc->descs[i], &r, &st->x[i])) {
			probe_set_restore(st->set, i, &r);
			log_debug("service", "%s: %s since before the reload",
			    sc->descs[i].name, probe_status_name(r.status));
		}
	return st;
}

static void
services_fini(void *p)
{
	struct services_state *st = p;

	if (st == NULL)
		return;
	probe_set_free(st->set);
	free(st->x);
	free(st);
}

/* What the admin reads in the log: status changes and ruleset changes,
 * once each, when they happen. */
static void
services_note(const struct probe_desc *d, const struct probe_result *r)
{
	if (r->fw_changed)
		log_info("service", "%s: %s", d->name, r->fw_event);
	if (!r->status_changed)
		return;
	if (r->status == PROBE_DOWN)
		log_warnx("service", "%s is down: %s", d->name, r->error);
	else if (r->status == PROBE_UP)
		log_info("service", "%s is up%s%s", d->name,
		    r->detail[0] ? ": " : "", r->detail);
}

static int
services_collect(void *arg, struct part *p)
{
	struct services_state *st = arg;
	const struct services_conf *sc = st->sc;
	struct services_part *s = xcalloc(1, sizeof(*s));
	time_t now;
	size_t i;

	p->data = s;
	probe_set_run(st->set, sc->round_ms);
	now = time(NULL);
	s->nrows = sc->n;
	s->rows = xcalloc(sc->n ? sc->n : 1, sizeof(*s->rows));
	for (i = 0; i < sc->n; i++) {
		const struct probe_desc *d = probe_set_desc(st->set, i);
		const struct probe_result *r = probe_set_result(st->set, i);
		struct services_extra *x = &st->x[i];

		if (r->checked)
			x->checks++;
		if (r->fw_changed) {
			x->fw_changes++;
			x->fw_last_change = now;
			snprintf(x->fw_last_event, sizeof(x->fw_last_event),
			    "%s", r->fw_event);
		}
		/* a state told to stop (a reload) publishes nothing, and
		 * says nothing either: its successor will */
		if (services_keep_put(st->owner, d, r, x))
			services_note(d, r);
		services_row_fill(&s->rows[i], d, r, x);
	}
	s->have = SVC_HAVE_ROWS;
	return 0;
}

const struct collector collector_services = {
	.name = "services",
	.opts = services_opts,
	/* the round's limit comes from the global interval */
	.deps = (const char *const[]){ "interval", NULL },
	.conf_validate = services_validate,
	.conf_read = services_conf_read,
	.conf_free = services_conf_free,
	.init = services_init,
	.collect = services_collect,
	.fini = services_fini,
	.part_free = services_part_free,
	.groups = services_groups,
	.ngroups = 1,
};
