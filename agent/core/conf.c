/*
 * conf.c: mailhealthd.conf. libconfuse does the parsing; here are the
 * options, their ranges and the cross-field rules. Every error comes out
 * as "FILE:LINE: reason", because an admin editing at 3 a.m. needs the
 * line, not a guess.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <confuse.h>

#include "core/core.h"

/* The first error of a parse, "FILE:LINE: reason". libconfuse is not
 * re-entrant anyway (its lexer has globals), so one static is honest. */
static char *conf_err;

static void
conf_errfn(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[512];

	if (conf_err != NULL)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cfg && cfg->filename)
		conf_err = xasprintf("%s:%d: %s", cfg->filename, cfg->line, msg);
	else
		conf_err = xasprintf("%s", msg);
}

const char *
conf_default_file(void)
{
	return SYSCONFDIR "/mailhealth/mailhealthd.conf";
}

static int
cb_severity(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	int s;

	(void)opt;
	if ((s = mh_severity_parse(value)) < 0) {
		cfg_error(cfg, "invalid severity '%s' (critical, major, minor, "
		    "warning or info)", value);
		return -1;
	}
	*(long *)result = (long)s;
	return 0;
}

/* Range check for an integer option, run right after it is set so the
 * line number is the option's own. */
static int
range(cfg_t *cfg, cfg_opt_t *opt, long lo, long hi)
{
	long v = cfg_opt_getnint(opt, cfg_opt_size(opt) - 1);

	if (v < lo || v > hi) {
		cfg_error(cfg, "%s = %ld is out of range (%ld to %ld)",
		    cfg_opt_name(opt), v, lo, hi);
		return -1;
	}
	return 0;
}

/* Integer options and their ranges: one row each, one validator. */
static const struct {
	const char *path;	/* for cfg_set_validate_func */
	long lo, hi;
} ranges[] = {
	{ "interval", 1, 86400 },
	{ "top_n", 1, SNAP_TOP_MAX },
	{ "topk_counters", 10, 1000000 },
	{ "agentx_ping", 1, 3600 },
	{ "mta|split", 1, 10000 },
	{ "mta|many_rcpt", 1, 1000000 },
	{ "alarm|hold", 0, 7 * 86400 },
};

static int
v_range(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *name = cfg_opt_name(opt);
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(ranges); i++) {
		const char *bar = strrchr(ranges[i].path, '|');

		if (strcmp(bar ? bar + 1 : ranges[i].path, name) == 0)
			return range(cfg, opt, ranges[i].lo, ranges[i].hi);
	}
	return 0;
}

static int
v_metric(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *m = cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);

	if (m == NULL || !metrics_known(m)) {
		cfg_error(cfg, "unknown metric '%s' (see mailhealthd.conf(5))",
		    m ? m : "");
		return -1;
	}
	return 0;
}

static int
v_path(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *p = cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);

	if (p == NULL || p[0] != '/') {
		cfg_error(cfg, "%s must be an absolute path", cfg_opt_name(opt));
		return -1;
	}
	return 0;
}

static int
v_mta(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *t = cfg_title(sec);

	if (cfg_opt_size(opt) > 1) {
		cfg_error(cfg, "only one mta section is allowed");
		return -1;
	}
	if (strcmp(t, "postfix") && strcmp(t, "qmail") && strcmp(t, "exim") &&
	    strcmp(t, "auto")) {
		cfg_error(cfg, "unknown mta '%s' (postfix, qmail, exim or auto)", t);
		return -1;
	}
	if (strcmp(t, "exim") == 0 && cfg_getstr(sec, "queue_directory")) {
		cfg_error(cfg, "mta exim takes spool_directory, not "
		    "queue_directory");
		return -1;
	}
	if ((strcmp(t, "postfix") == 0 || strcmp(t, "qmail") == 0) &&
	    cfg_getstr(sec, "spool_directory")) {
		cfg_error(cfg, "mta %s takes queue_directory, not "
		    "spool_directory", t);
		return -1;
	}
	return 0;
}

static int
v_alarm(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);

	if (cfg_size(sec, "metric") == 0 || cfg_getstr(sec, "metric") == NULL) {
		cfg_error(cfg, "alarm %s: metric is required", cfg_title(sec));
		return -1;
	}
	if (cfg_size(sec, "rising") == 0 || cfg_size(sec, "falling") == 0) {
		cfg_error(cfg, "alarm %s: rising and falling are required",
		    cfg_title(sec));
		return -1;
	}
	return 0;
}

static void
conf_free_alarm(struct conf_alarm *a)
{
	free(a->name);
	free(a->metric);
	free(a->text);
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nalarms; i++)
		conf_free_alarm(&c->alarms[i]);
	free(c->alarms);
	free(c->file);
	free(c->agentx_socket);
	free(c->pidfile);
	free(c->mta.queue_directory);
	free(c->mta.spool_directory);
	free(c);
}

static char *
dupnull(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct conf *
conf_load(const char *file, char **err)
{
	cfg_opt_t mta_opts[] = {
		CFG_STR("queue_directory", NULL, CFGF_NONE),
		CFG_STR("spool_directory", NULL, CFGF_NONE),
		CFG_INT("split", 23, CFGF_NONE),
		CFG_INT("many_rcpt", 20, CFGF_NONE),
		CFG_END()
	};
	cfg_opt_t alarm_opts[] = {
		CFG_STR("metric", NULL, CFGF_NODEFAULT),
		CFG_FLOAT("rising", 0, CFGF_NODEFAULT),
		CFG_FLOAT("falling", 0, CFGF_NODEFAULT),
		CFG_INT("hold", 0, CFGF_NONE),
		CFG_INT_CB("severity", MH_SEV_WARNING, CFGF_NONE, cb_severity),
		CFG_STR("text", NULL, CFGF_NONE),
		CFG_END()
	};
	cfg_opt_t opts[] = {
		CFG_STR("agentx_socket", "/var/agentx/master", CFGF_NONE),
		CFG_INT("agentx_ping", 5, CFGF_NONE),
		CFG_INT("interval", 30, CFGF_NONE),
		CFG_INT("top_n", 10, CFGF_NONE),
		CFG_INT("topk_counters", MH_TOPK_COUNTERS_DEFAULT, CFGF_NONE),
		CFG_STR("pidfile", RUNSTATEDIR "/mailhealthd.pid", CFGF_NONE),
		CFG_SEC("mta", mta_opts, CFGF_MULTI | CFGF_TITLE),
		CFG_SEC("alarm", alarm_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_FUNC("include", cfg_include),
		CFG_END()
	};
	struct conf *c = NULL;
	cfg_t *cfg;
	int rc;
	size_t i;
	FILE *fp;

	*err = NULL;
	free(conf_err);
	conf_err = NULL;

	/* libconfuse says only "cannot open" for a missing file: say why. */
	if ((fp = fopen(file, "r")) == NULL) {
		*err = xasprintf("%s: cannot open: %s", file, strerror(errno));
		return NULL;
	}
	fclose(fp);

	cfg = cfg_init(opts, CFGF_NONE);
	cfg_set_error_function(cfg, conf_errfn);
	for (i = 0; i < MH_ARRAY_SIZE(ranges); i++)
		cfg_set_validate_func(cfg, ranges[i].path, v_range);
	cfg_set_validate_func(cfg, "mta", v_mta);
	cfg_set_validate_func(cfg, "mta|queue_directory", v_path);
	cfg_set_validate_func(cfg, "mta|spool_directory", v_path);
	cfg_set_validate_func(cfg, "alarm", v_alarm);
	cfg_set_validate_func(cfg, "alarm|metric", v_metric);

	rc = cfg_parse(cfg, file);
	if (rc != CFG_SUCCESS) {
		if (conf_err == NULL)
			conf_err = xasprintf("%s: cannot parse", file);
		goto fail;
	}

	c = xcalloc(1, sizeof(*c));
	c->file = xstrdup(file);
	c->agentx_socket = xstrdup(cfg_getstr(cfg, "agentx_socket"));
	c->agentx_ping = cfg_getint(cfg, "agentx_ping");
	c->interval = cfg_getint(cfg, "interval");
	c->top_n = cfg_getint(cfg, "top_n");
	c->topk_counters = cfg_getint(cfg, "topk_counters");
	c->pidfile = xstrdup(cfg_getstr(cfg, "pidfile"));
	if (c->topk_counters < c->top_n) {
		conf_err = xasprintf("%s: topk_counters (%ld) must be at least "
		    "top_n (%ld)", file, c->topk_counters, c->top_n);
		goto fail;
	}

	c->mta.kind = MH_MTA_NONE;
	c->mta.is_auto = true;
	c->mta.split = 23;
	c->mta.many_rcpt = 20;
	if (cfg_size(cfg, "mta") == 1) {
		cfg_t *m = cfg_getnsec(cfg, "mta", 0);
		const char *t = cfg_title(m);

		c->mta.is_auto = strcmp(t, "auto") == 0;
		if (strcmp(t, "postfix") == 0)
			c->mta.kind = MH_MTA_POSTFIX;
		else if (strcmp(t, "qmail") == 0)
			c->mta.kind = MH_MTA_QMAIL;
		else if (strcmp(t, "exim") == 0)
			c->mta.kind = MH_MTA_EXIM;
		c->mta.queue_directory = dupnull(cfg_getstr(m, "queue_directory"));
		c->mta.spool_directory = dupnull(cfg_getstr(m, "spool_directory"));
		c->mta.split = cfg_getint(m, "split");
		c->mta.many_rcpt = cfg_getint(m, "many_rcpt");
	}
	/* the MTAs' own defaults */
	if (c->mta.queue_directory == NULL && c->mta.kind == MH_MTA_POSTFIX)
		c->mta.queue_directory = xstrdup("/var/spool/postfix");
	if (c->mta.queue_directory == NULL && c->mta.kind == MH_MTA_QMAIL)
		c->mta.queue_directory = xstrdup("/var/qmail/queue");
	if (c->mta.spool_directory == NULL && c->mta.kind == MH_MTA_EXIM)
		c->mta.spool_directory = xstrdup("/var/spool/exim4");

	c->nalarms = cfg_size(cfg, "alarm");
	c->alarms = xcalloc(c->nalarms ? c->nalarms : 1, sizeof(*c->alarms));
	for (i = 0; i < c->nalarms; i++) {
		cfg_t *a = cfg_getnsec(cfg, "alarm", (unsigned)i);
		struct conf_alarm *ca = &c->alarms[i];

		ca->name = xstrdup(cfg_title(a));
		ca->metric = xstrdup(cfg_getstr(a, "metric"));
		ca->rising = cfg_getfloat(a, "rising");
		ca->falling = cfg_getfloat(a, "falling");
		ca->hold = cfg_getint(a, "hold");
		ca->severity = (enum mh_severity)cfg_getint(a, "severity");
		ca->text = dupnull(cfg_getstr(a, "text"));
	}
	cfg_free(cfg);
	return c;

fail:
	cfg_free(cfg);
	conf_free(c);
	*err = conf_err;
	conf_err = NULL;
	return NULL;
}
