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
/* The file conf_load() parses: libconfuse gives a section that is not
 * CFGF_MULTI (made at cfg_init(), before any file) no file name. */
static const char *conf_cur_file;

static void conf_errfn(cfg_t *, const char *, va_list) MH_PRINTF(2, 0);

static void
conf_errfn(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[512];

	if (conf_err != NULL)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cfg && cfg->filename)
		conf_err = xasprintf("%s:%d: %s", cfg->filename, cfg->line, msg);
	else if (cfg && conf_cur_file)
		conf_err = xasprintf("%s:%d: %s", conf_cur_file, cfg->line,
		    msg);
	else
		conf_err = xasprintf("%s", msg);
}

const char *
conf_default_file(void)
{
	return SYSCONFDIR "/mailhealth/mailhealthd.conf";
}

int
conf_cb_severity(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
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
int
conf_range(cfg_t *cfg, cfg_opt_t *opt, long lo, long hi)
{
	long v = cfg_opt_getnint(opt, cfg_opt_size(opt) - 1);

	if (v < lo || v > hi) {
		cfg_error(cfg, "%s = %ld is out of range (%ld to %ld)",
		    cfg_opt_name(opt), v, lo, hi);
		return -1;
	}
	return 0;
}

/* Integer options and their ranges: a table of rows per owner (these
 * for the core, each collector its own through conf_ranges()), and one
 * validator that finds the row of the option it is called for by the
 * section it is in ("drsync|timeout" and "service|timeout" differ). The
 * tables are registered anew for every parse (libconfuse is not
 * re-entrant, and neither is this). */
static const struct conf_range core_ranges[] = {
	{ "interval", 1, 86400 },
	{ "top_n", 1, SNAP_TOP_MAX },
	{ "topk_counters", 10, 1000000 },
	{ "agentx_ping", 1, 3600 },
	{ "alarm_forget", 0, 30 * 86400 },
	{ "alarm_instances", 10, 10000000 },
	{ "notify_queue", 100, 10000000 },
	{ "heartbeat", 0, 86400 },
	{ "alarm|hold", 0, 7 * 86400 },
};

#define RANGE_TABLES_MAX 32
static struct {
	const struct conf_range *r;
	size_t n;
} range_tables[RANGE_TABLES_MAX];
static size_t nrange_tables;

/* Does a row's path name this option of this section? The section is
 * the last part of the path before the option ("a|b|opt": b), the root
 * for a path without one. */
static bool
range_matches(const char *path, cfg_t *sec, const char *name)
{
	const char *bar = strrchr(path, '|'), *start;
	size_t len;

	if (bar == NULL)
		return strcmp(path, name) == 0 && strcmp(sec->name, "root") == 0;
	if (strcmp(bar + 1, name) != 0)
		return false;
	for (start = bar; start > path && start[-1] != '|'; start--)
		;
	len = (size_t)(bar - start);
	return strlen(sec->name) == len && strncmp(sec->name, start, len) == 0;
}

static int
v_range(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *name = cfg_opt_name(opt);
	size_t t, i;

	for (t = 0; t < nrange_tables; t++)
		for (i = 0; i < range_tables[t].n; i++) {
			const struct conf_range *r = &range_tables[t].r[i];

			if (range_matches(r->path, cfg, name))
				return conf_range(cfg, opt, r->lo, r->hi);
		}
	return 0;
}

void
conf_ranges(cfg_t *cfg, const struct conf_range *r, size_t n)
{
	size_t i;

	if (nrange_tables == RANGE_TABLES_MAX)
		log_fatalx("conf", "too many range tables");
	range_tables[nrange_tables].r = r;
	range_tables[nrange_tables].n = n;
	nrange_tables++;
	for (i = 0; i < n; i++)
		cfg_set_validate_func(cfg, r[i].path, v_range);
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

int
conf_v_path(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *p = cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);

	if (p == NULL || p[0] != '/') {
		cfg_error(cfg, "%s must be an absolute path", cfg_opt_name(opt));
		return -1;
	}
	return 0;
}

const char *
conf_where(cfg_t *sec, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%d: ", sec && sec->filename ? sec->filename :
	    conf_cur_file ? conf_cur_file : "?", sec ? sec->line : 0);
	return buf;
}

static char *
dupnull(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

char *
conf_strdup(cfg_t *sec, const char *name)
{
	return dupnull(cfg_getstr(sec, name));
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
	free(a->instance);
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
	for (i = 0; i < c->ncol; i++) {
		if (c->col[i].cc != NULL && collectors[i]->conf_free != NULL)
			collectors[i]->conf_free(c->col[i].cc);
		free(c->col[i].key);
	}
	free(c->col);
	free(c->file);
	free(c->agentx_socket);
	free(c->pidfile);
	free(c->state_directory);
	free(c);
}

const struct conf_col *
conf_col_of(const struct conf *c, const struct collector *col)
{
	size_t i;

	for (i = 0; i < c->ncol; i++)
		if (collectors[i] == col)
			return &c->col[i];
	return NULL;
}

const struct conf_alarm *
conf_alarm_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nalarms; i++)
		if (strcmp(c->alarms[i].name, name) == 0)
			return &c->alarms[i];
	return NULL;
}

void
conf_alarm_add(struct conf *c, const char *name, const char *metric,
    const char *instance, double rising, double falling, long hold,
    enum mh_severity sev, const char *text)
{
	struct conf_alarm *a;

	c->alarms = xreallocarray(c->alarms, c->nalarms + 1,
	    sizeof(*c->alarms));
	a = &c->alarms[c->nalarms++];
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(name);
	a->metric = xstrdup(metric);
	a->instance = dupnull(instance);
	a->rising = rising;
	a->falling = falling;
	a->hold = hold;
	a->severity = sev;
	a->text = dupnull(text);
	a->implied = true;
}

/* A collector's sections and the core options it depends on, printed:
 * equal text, equal configuration, so a reload leaves it running. */
static char *
col_key(cfg_t *cfg, const struct collector *col)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL)
		log_fatalx("conf", "open_memstream failed");
	for (i = 0; col->opts != NULL && col->opts[i].name != NULL; i++) {
		cfg_opt_t *o = cfg_getopt(cfg, col->opts[i].name);

		if (o != NULL)
			cfg_opt_print(o, fp);
	}
	for (i = 0; col->deps != NULL && col->deps[i] != NULL; i++) {
		cfg_opt_t *o = cfg_getopt(cfg, col->deps[i]);

		if (o != NULL)
			cfg_opt_print(o, fp);
	}
	fclose(fp);
	return buf;
}

static cfg_opt_t *
build_opts(cfg_opt_t *core, size_t ncore)
{
	cfg_opt_t *all;
	size_t n = ncore, i, k;

	for (i = 0; i < ncollectors; i++)
		for (k = 0; collectors[i]->opts != NULL &&
		    collectors[i]->opts[k].name != NULL; k++)
			n++;
	all = xcalloc(n + 1, sizeof(*all));
	memcpy(all, core, ncore * sizeof(*core));
	n = ncore;
	for (i = 0; i < ncollectors; i++)
		for (k = 0; collectors[i]->opts != NULL &&
		    collectors[i]->opts[k].name != NULL; k++)
			all[n++] = collectors[i]->opts[k];
	all[n] = (cfg_opt_t)CFG_END();
	return all;
}

struct conf *
conf_load(const char *file, char **err)
{
	cfg_opt_t alarm_opts[] = {
		CFG_STR("metric", NULL, CFGF_NODEFAULT),
		CFG_STR("instance", NULL, CFGF_NONE),
		CFG_FLOAT("rising", 0, CFGF_NODEFAULT),
		CFG_FLOAT("falling", 0, CFGF_NODEFAULT),
		CFG_INT("hold", 0, CFGF_NONE),
		CFG_INT_CB("severity", MH_SEV_WARNING, CFGF_NONE,
		    conf_cb_severity),
		CFG_STR("text", NULL, CFGF_NONE),
		CFG_END()
	};
	cfg_opt_t core[] = {
		CFG_STR("agentx_socket", "/var/agentx/master", CFGF_NONE),
		CFG_INT("agentx_ping", 5, CFGF_NONE),
		CFG_INT("interval", 30, CFGF_NONE),
		CFG_INT("top_n", 10, CFGF_NONE),
		CFG_INT("topk_counters", MH_TOPK_COUNTERS_DEFAULT, CFGF_NONE),
		CFG_INT("alarm_forget", 3600, CFGF_NONE),
		CFG_INT("alarm_instances", 100000, CFGF_NONE),
		CFG_INT("notify_queue", 100000, CFGF_NONE),
		CFG_INT("heartbeat", 0, CFGF_NONE),
		CFG_STR("pidfile", RUNSTATEDIR "/mailhealthd.pid", CFGF_NONE),
		CFG_STR("state_directory", LOCALSTATEDIR "/lib/mailhealth",
		    CFGF_NONE),
		CFG_SEC("alarm", alarm_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_FUNC("include", cfg_include),
	};
	cfg_opt_t *opts = build_opts(core, MH_ARRAY_SIZE(core));
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
		free(opts);
		return NULL;
	}
	fclose(fp);
	conf_cur_file = file;

	cfg = cfg_init(opts, CFGF_NONE);
	free(opts);		/* cfg_init made its own copy */
	cfg_set_error_function(cfg, conf_errfn);
	nrange_tables = 0;
	conf_ranges(cfg, core_ranges, MH_ARRAY_SIZE(core_ranges));
	cfg_set_validate_func(cfg, "state_directory", conf_v_path);
	cfg_set_validate_func(cfg, "alarm", v_alarm);
	cfg_set_validate_func(cfg, "alarm|metric", v_metric);
	for (i = 0; i < ncollectors; i++)
		if (collectors[i]->conf_validate != NULL)
			collectors[i]->conf_validate(cfg);

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
	c->alarm_forget = cfg_getint(cfg, "alarm_forget");
	c->alarm_instances = cfg_getint(cfg, "alarm_instances");
	c->notify_queue = cfg_getint(cfg, "notify_queue");
	c->heartbeat = cfg_getint(cfg, "heartbeat");
	c->pidfile = xstrdup(cfg_getstr(cfg, "pidfile"));
	c->state_directory = xstrdup(cfg_getstr(cfg, "state_directory"));
	if (c->topk_counters < c->top_n) {
		conf_err = xasprintf("%s: topk_counters (%ld) must be at least "
		    "top_n (%ld)", file, c->topk_counters, c->top_n);
		goto fail;
	}

	c->nalarms = cfg_size(cfg, "alarm");
	c->alarms = xcalloc(c->nalarms ? c->nalarms : 1, sizeof(*c->alarms));
	for (i = 0; i < c->nalarms; i++) {
		cfg_t *a = cfg_getnsec(cfg, "alarm", (unsigned)i);
		struct conf_alarm *ca = &c->alarms[i];

		ca->name = xstrdup(cfg_title(a));
		ca->metric = xstrdup(cfg_getstr(a, "metric"));
		ca->instance = conf_strdup(a, "instance");
		ca->rising = cfg_getfloat(a, "rising");
		ca->falling = cfg_getfloat(a, "falling");
		ca->hold = cfg_getint(a, "hold");
		ca->severity = (enum mh_severity)cfg_getint(a, "severity");
		ca->text = conf_strdup(a, "text");
	}

	/* every collector reads its own sections */
	c->ncol = ncollectors;
	c->col = xcalloc(ncollectors ? ncollectors : 1, sizeof(*c->col));
	for (i = 0; i < ncollectors; i++) {
		const struct collector *col = collectors[i];
		struct conf_col *cc = &c->col[i];

		if (col->conf_read != NULL &&
		    col->conf_read(cfg, c, cc, &conf_err) != 0) {
			if (conf_err == NULL)
				conf_err = xasprintf("%s: %s: bad configuration",
				    file, col->name);
			goto fail;
		}
		if (cc->interval == 0)
			cc->interval = c->interval;
		/* a part is stale once two rounds and a margin went by
		 * without a new one */
		if (cc->deadline == 0)
			cc->deadline = 2 * cc->interval + 30;
		cc->key = col_key(cfg, col);
	}
	cfg_free(cfg);
	conf_cur_file = NULL;
	return c;

fail:
	cfg_free(cfg);
	conf_free(c);
	*err = conf_err;
	conf_err = NULL;
	conf_cur_file = NULL;
	return NULL;
}
