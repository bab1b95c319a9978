/*
 * sms_conf.c: mailhealth-sms.conf. libconfuse stays inside this file; the
 * rest of the program sees a plain struct sms_conf.
 *
 * Every error carries FILE:LINE: value checks run as libconfuse validate
 * callbacks, so they fire while the parser still knows the line, and the
 * cross-field checks at the end name the line where the section starts.
 */
#include "config.h"

#include <confuse.h>
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

/*
 * The built-in templates, one pair per notification type. They name the
 * instance and the value first ("CRITICAL mail1 disk /var/spool 93% used
 * (>= 90)"), then the agent's short detail (the top sender, the last
 * error, the users), and a clear is one short line ("OK mail1 disk
 * /var/spool 85% used"). The words come from render.c. Parts a trap may
 * lack ({text}, {limit}) are optional, so an incomplete notification
 * still reads as a sentence.
 */
#define DEF_RAISED "{SEVERITY} {host} {summary}{[, {text}]}"
#define DEF_CLEARED "OK {host} {head}"
#define DEF_OTHER "{host}: trap {trapoid} {text}"
static const char *const sms_conf_def_raised[MH_FAM_COUNT] = {
	[MH_FAM_OTHER] = DEF_OTHER,
	[MH_FAM_QUEUE] = DEF_RAISED,
	/* CRITICAL mail1 sender info: 200 msgs from 6 IPs (>= 100) */
	[MH_FAM_TRAFFIC] = "{SEVERITY} {host} {head}{[ {text}]}{[ ({limit})]}",
	/* WARNING mail1 auth 127.0.0.2: 22 failed logins (>= 20) (admin, bob) */
	[MH_FAM_AUTH] = "{SEVERITY} {host} {summary}{[ ({text})]}",
	[MH_FAM_DEFER] = DEF_RAISED,
	/* CRITICAL mail1 service smtp down: connect refused */
	[MH_FAM_SERVICE] = "{SEVERITY} {host} {summary}{[: {text}]}",
	[MH_FAM_DRSYNC] = DEF_RAISED,
	[MH_FAM_CONN] = DEF_RAISED,
	[MH_FAM_SYSTEM] = DEF_RAISED,
	[MH_FAM_AGENT] = DEF_RAISED,
};

static char sms_conf_errbuf[512];
static cfg_t *sms_conf_root;	/* knows the file and line being parsed */

static void
sms_conf_errfn(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[400];

	if (sms_conf_errbuf[0])
		return;	/* the first error is the one that matters */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* a section's validate callback gets the section, which has the
	 * line but no file name: that one the root has */
	if (cfg && cfg->filename == NULL && sms_conf_root &&
	    sms_conf_root->filename)
		snprintf(sms_conf_errbuf, sizeof(sms_conf_errbuf), "%s:%d: %s",
		    sms_conf_root->filename, cfg->line, msg);
	else if (cfg && cfg->filename)
		snprintf(sms_conf_errbuf, sizeof(sms_conf_errbuf), "%s:%d: %s",
		    cfg->filename, cfg->line, msg);
	else
		snprintf(sms_conf_errbuf, sizeof(sms_conf_errbuf), "%s", msg);
}

/* "90", "90s", "5m", "2h", "1d" -> seconds */
static int
sms_conf_duration(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (end == value || errno || n < 0)
		goto bad;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': n *= 60; break;
	case 'h': n *= 3600; break;
	case 'd': n *= 86400; break;
	default: goto bad;
	}
	if (*end && end[1])
		goto bad;
	*(long *)result = n;
	return 0;
bad:
	cfg_error(cfg, "%s: bad duration '%s' (use 90, 90s, 5m, 2h or 1d)",
	    opt->name, value);
	return -1;
}

static int
sms_conf_oneof(cfg_t *cfg, cfg_opt_t *opt, const char *const *allowed)
{
	unsigned i;

	for (i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);
		const char *const *a;

		for (a = allowed; *a; a++)
			if (strcasecmp(v, *a) == 0)
				break;
		if (*a == NULL) {
			cfg_error(cfg, "%s: '%s' is not one of the allowed "
			    "values", opt->name, v);
			return -1;
		}
	}
	return 0;
}

static int
sms_conf_range(cfg_t *cfg, cfg_opt_t *opt, long lo, long hi)
{
	unsigned i;

	for (i = 0; i < cfg_opt_size(opt); i++) {
		long v = cfg_opt_getnint(opt, i);

		if (v < lo || v > hi) {
			cfg_error(cfg, "%s: %ld is out of range %ld..%ld",
			    opt->name, v, lo, hi);
			return -1;
		}
	}
	return 0;
}

#define ONEOF(fn, ...)                                                    \
	static int fn(cfg_t *cfg, cfg_opt_t *opt)                         \
	{                                                                 \
		static const char *const a[] = { __VA_ARGS__, NULL };     \
		return sms_conf_oneof(cfg, opt, a);                       \
	}
ONEOF(v_charset, "auto", "gsm")
ONEOF(v_unknown, "drop", "generic")
ONEOF(v_method, "GET", "POST")
ONEOF(v_body, "none", "form", "json")
ONEOF(v_sev, "critical", "major", "minor", "warning", "info", "unknown")
ONEOF(v_notif, "queue", "traffic", "auth", "defer", "service", "drsync",
    "conn", "system", "agent", "other", "all")
ONEOF(v_state, "raised", "cleared")

#define RANGE(fn, lo, hi)                                                 \
	static int fn(cfg_t *cfg, cfg_opt_t *opt)                         \
	{                                                                 \
		return sms_conf_range(cfg, opt, lo, hi);                  \
	}
RANGE(v_segments, 1, 10)
RANGE(v_rate, 0, 100000)
RANGE(v_positive, 1, 10L * 365 * 86400)
RANGE(v_nonneg, 0, 10L * 365 * 86400)
RANGE(v_timeout, 1, 3600)
RANGE(v_code, 100, 599)
RANGE(v_attempts, 0, 1000000)

static int
v_style(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (gateway_style(v) == NULL) {
		cfg_error(cfg, "style: unknown gateway style '%s' (kannel, "
		    "twilio, json, generic)", v);
		return -1;
	}
	return 0;
}

static int
v_quiet(cfg_t *cfg, cfg_opt_t *opt)
{
	struct quiet q;
	const char *v = cfg_opt_getnstr(opt, 0);

	if (v && sms_conf_parse_quiet(v, &q) != 0) {
		cfg_error(cfg, "%s: '%s' is not HH:MM-HH:MM", opt->name, v);
		return -1;
	}
	return 0;
}

static int
sms_conf_check_tmpls(cfg_t *cfg, cfg_opt_t *opt, const char *const *names)
{
	unsigned i;
	char err[200];

	for (i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);

		if (v && msg_tmpl_check(v, names, err, sizeof(err)) != 0) {
			cfg_error(cfg, "%s: %s", opt->name, err);
			return -1;
		}
	}
	return 0;
}

static int
v_msg_tmpl(cfg_t *cfg, cfg_opt_t *opt)
{
	return sms_conf_check_tmpls(cfg, opt, alert_placeholders);
}

static int
v_gw_tmpl(cfg_t *cfg, cfg_opt_t *opt)
{
	return sms_conf_check_tmpls(cfg, opt, gateway_placeholders);
}

static int
v_pair(cfg_t *cfg, cfg_opt_t *opt, char sep)
{
	unsigned i;

	if (v_gw_tmpl(cfg, opt) != 0)
		return -1;
	for (i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);
		const char *s = strchr(v, sep);

		if (s == NULL || s == v) {
			cfg_error(cfg, "%s: '%s' must look like 'name%c value'",
			    opt->name, v, sep);
			return -1;
		}
	}
	return 0;
}

static int
v_fields(cfg_t *cfg, cfg_opt_t *opt)
{
	return v_pair(cfg, opt, '=');
}

static int
v_headers(cfg_t *cfg, cfg_opt_t *opt)
{
	return v_pair(cfg, opt, ':');
}

static int
v_regex(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	regex_t re;

	if (v == NULL)
		return 0;
	if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0) {
		cfg_error(cfg, "%s: bad regular expression '%s'", opt->name, v);
		return -1;
	}
	regfree(&re);
	return 0;
}

/* "22:00-07:00" (wraps midnight), "00:00-24:00" (all day) */
int
sms_conf_parse_quiet(const char *s, struct quiet *q)
{
	int h1, m1, h2, m2, n = 0;

	memset(q, 0, sizeof(*q));
	if (*s == '\0')
		return 0;
	if (sscanf(s, "%d:%d-%d:%d%n", &h1, &m1, &h2, &m2, &n) != 4 ||
	    s[n] != '\0')
		return -1;
	if (h1 < 0 || h1 > 23 || m1 < 0 || m1 > 59 || h2 < 0 || h2 > 24 ||
	    m2 < 0 || m2 > 59 || (h2 == 24 && m2 != 0))
		return -1;
	q->set = true;
	q->start = h1 * 60 + m1;
	q->end = h2 * 60 + m2;
	return 0;
}

static char **
sms_conf_list(cfg_t *sec, const char *name, size_t *n)
{
	unsigned i, cnt = cfg_size(sec, name);
	char **v = xcalloc(cnt + 1, sizeof(*v));

	for (i = 0; i < cnt; i++)
		v[i] = xstrdup(cfg_getnstr(sec, name, i));
	*n = cnt;
	return v;
}

static void
sms_conf_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* First line of a secret file, without the newline. */
static char *
sms_conf_read_secret(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "%s is empty", path);
		return NULL;
	}
	return xstrdup(line);
}

static const char *
sms_conf_str(cfg_t *sec, const char *name)
{
	const char *s = cfg_size(sec, name) ? cfg_getstr(sec, name) : NULL;

	return s && *s ? s : NULL;
}

static int
sms_conf_gateway(cfg_t *g, struct gw_conf *gw, const char *file, char *err,
    size_t errlen)
{
	const struct gw_style *st;
	const char *s;
	unsigned i;

	gw->style = xstrdup(cfg_getstr(g, "style"));
	st = gateway_style(gw->style);
	if ((s = sms_conf_str(g, "url")) == NULL) {
		/* libconfuse makes an empty default section (line 0) */
		if (g->line == 0)
			snprintf(err, errlen, "%s:0: a gateway section is "
			    "required", file);
		else
			snprintf(err, errlen, "%s:%d: gateway: url is "
			    "required", file, g->line);
		return -1;
	}
	gw->url = xstrdup(s);
	s = sms_conf_str(g, "method");
	gw->method = s ? (strcasecmp(s, "POST") == 0 ? GW_POST : GW_GET) :
	    st->method;
	s = sms_conf_str(g, "body");
	gw->body = s == NULL ? st->body : strcasecmp(s, "form") == 0 ?
	    GW_BODY_FORM : strcasecmp(s, "json") == 0 ? GW_BODY_JSON :
	    GW_BODY_NONE;
	if (cfg_size(g, "fields") > 0 || st->fields == NULL)
		gw->fields = sms_conf_list(g, "fields", &gw->nfields);
	else {
		size_t n = 0;

		while (st->fields[n])
			n++;
		gw->fields = xcalloc(n + 1, sizeof(char *));
		for (gw->nfields = 0; gw->nfields < n; gw->nfields++)
			gw->fields[gw->nfields] = xstrdup(st->fields[gw->nfields]);
	}
	if (gw->body != GW_BODY_NONE && gw->nfields == 0) {
		snprintf(err, errlen, "%s:%d: gateway: a form or json body "
		    "needs fields", file, g->line);
		return -1;
	}
	if (gw->method == GW_GET && gw->body != GW_BODY_NONE) {
		snprintf(err, errlen, "%s:%d: gateway: method GET cannot send "
		    "a body", file, g->line);
		return -1;
	}
	gw->headers = sms_conf_list(g, "headers", &gw->nheaders);
	if ((s = sms_conf_str(g, "username")) != NULL)
		gw->username = xstrdup(s);
	if ((s = sms_conf_str(g, "password")) != NULL)
		gw->password = xstrdup(s);
	if ((s = sms_conf_str(g, "password_file")) != NULL) {
		char e[300];

		free(gw->password);
		if ((gw->password = sms_conf_read_secret(s, e, sizeof(e))) ==
		    NULL) {
			snprintf(err, errlen, "%s:%d: gateway: password_file: "
			    "%s", file, g->line, e);
			return -1;
		}
	}
	if (gw->password && gw->username == NULL) {
		snprintf(err, errlen, "%s:%d: gateway: a password needs a "
		    "username", file, g->line);
		return -1;
	}
	if ((s = sms_conf_str(g, "bearer_token_file")) != NULL) {
		char e[300];

		if ((gw->bearer_token = sms_conf_read_secret(s, e,
		    sizeof(e))) == NULL) {
			snprintf(err, errlen, "%s:%d: gateway: "
			    "bearer_token_file: %s", file, g->line, e);
			return -1;
		}
		if (gw->username) {
			snprintf(err, errlen, "%s:%d: gateway: use basic auth "
			    "or a bearer token, not both", file, g->line);
			return -1;
		}
	}
	gw->from = xstrdup(cfg_getstr(g, "from"));
	gw->tls_verify = cfg_getbool(g, "tls_verify");
	if ((s = sms_conf_str(g, "ca_file")) != NULL)
		gw->ca_file = xstrdup(s);
	gw->connect_timeout_ms = cfg_getint(g, "connect_timeout") * 1000;
	gw->timeout_ms = cfg_getint(g, "timeout") * 1000;
	if (cfg_size(g, "success_codes") > 0) {
		gw->nsuccess_codes = cfg_size(g, "success_codes");
		gw->success_codes = xcalloc(gw->nsuccess_codes,
		    sizeof(long));
		for (i = 0; i < gw->nsuccess_codes; i++)
			gw->success_codes[i] = cfg_getnint(g, "success_codes",
			    i);
	} else {
		size_t n = 0;

		while (st->success_codes[n])
			n++;
		gw->success_codes = xcalloc(n, sizeof(long));
		memcpy(gw->success_codes, st->success_codes, n * sizeof(long));
		gw->nsuccess_codes = n;
	}
	if ((s = sms_conf_str(g, "success_body")) != NULL)
		gw->success_body = xstrdup(s);
	else if (st->success_body && cfg_size(g, "success_body") == 0)
		gw->success_body = xstrdup(st->success_body);
	return 0;
}

static unsigned
sms_conf_bits(cfg_t *sec, const char *name, int (*conv)(const char *))
{
	unsigned i, bits = 0;

	for (i = 0; i < cfg_size(sec, name); i++) {
		const char *v = cfg_getnstr(sec, name, i);

		if (strcasecmp(v, "all") == 0)
			return 0;
		bits |= 1u << conv(v);
	}
	return bits;
}

static int
sms_conf_sev_conv(const char *s)
{
	int v = alert_severity_from_name(s);

	return v < 0 ? MH_SEV_UNKNOWN : v;
}

struct sms_conf *
sms_conf_load(const char *file, char *err, size_t errlen)
{
	cfg_opt_t tmpl_opts[] = {
		CFG_STR("raised", NULL, CFGF_NONE),
		CFG_STR("cleared", NULL, CFGF_NONE),
		CFG_END()
	};
	cfg_opt_t route_opts[] = {
		CFG_STR_LIST("recipients", NULL, CFGF_NONE),
		CFG_STR_LIST("severity", NULL, CFGF_NONE),
		CFG_STR_LIST("notifications", NULL, CFGF_NONE),
		CFG_STR_LIST("states", "{raised, cleared}", CFGF_NONE),
		CFG_STR("quiet_hours", NULL, CFGF_NONE),
		CFG_END()
	};
	cfg_opt_t gw_opts[] = {
		CFG_STR("style", "generic", CFGF_NONE),
		CFG_STR("url", NULL, CFGF_NONE),
		CFG_STR("method", NULL, CFGF_NODEFAULT),
		CFG_STR("body", NULL, CFGF_NODEFAULT),
		CFG_STR_LIST("fields", NULL, CFGF_NONE),
		CFG_STR_LIST("headers", NULL, CFGF_NONE),
		CFG_STR("username", NULL, CFGF_NONE),
		CFG_STR("password", NULL, CFGF_NONE),
		CFG_STR("password_file", NULL, CFGF_NONE),
		CFG_STR("bearer_token_file", NULL, CFGF_NONE),
		CFG_STR("from", "", CFGF_NONE),
		CFG_BOOL("tls_verify", cfg_true, CFGF_NONE),
		CFG_STR("ca_file", NULL, CFGF_NONE),
		CFG_INT_CB("connect_timeout", 5, CFGF_NONE, sms_conf_duration),
		CFG_INT_CB("timeout", 15, CFGF_NONE, sms_conf_duration),
		CFG_INT_LIST("success_codes", NULL, CFGF_NONE),
		CFG_STR("success_body", NULL, CFGF_NODEFAULT),
		CFG_END()
	};
	cfg_opt_t opts[] = {
		CFG_STR("spool_directory", LOCALSTATEDIR "/spool/mailhealth-sms",
		    CFGF_NONE),
		CFG_STR("audit_log", LOCALSTATEDIR "/log/mailhealth-sms.log",
		    CFGF_NONE),
		CFG_STR_LIST("recipients", NULL, CFGF_NONE),
		CFG_STR("quiet_hours", "", CFGF_NONE),
		CFG_INT("max_segments", 1, CFGF_NONE),
		CFG_STR("charset", "auto", CFGF_NONE),
		CFG_STR("truncation_marker", "...", CFGF_NONE),
		CFG_STR("unknown_traps", "drop", CFGF_NONE),
		CFG_INT_CB("dedupe_window", 3600, CFGF_NONE, sms_conf_duration),
		CFG_INT("rate_limit", 10, CFGF_NONE),
		CFG_INT_CB("rate_window", 3600, CFGF_NONE, sms_conf_duration),
		CFG_INT_CB("summary_delay", 300, CFGF_NONE, sms_conf_duration),
		CFG_INT_CB("retry_min", 30, CFGF_NONE, sms_conf_duration),
		CFG_INT_CB("retry_max", 1800, CFGF_NONE, sms_conf_duration),
		CFG_INT_CB("max_age", 86400, CFGF_NONE, sms_conf_duration),
		CFG_INT("max_attempts", 0, CFGF_NONE),
		CFG_SEC("template", tmpl_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("route", route_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("gateway", gw_opts, CFGF_NONE),
		CFG_FUNC("include", cfg_include),
		CFG_END()
	};
	struct sms_conf *c = xcalloc(1, sizeof(*c));
	cfg_t *cfg = NULL, *g;
	unsigned i;
	int rc, f;
	const char *s;

	sms_conf_errbuf[0] = '\0';
	c->file = xstrdup(file);
	cfg = cfg_init(opts, CFGF_NONE);
	sms_conf_root = cfg;
	cfg_set_error_function(cfg, sms_conf_errfn);
	cfg_set_validate_func(cfg, "charset", v_charset);
	cfg_set_validate_func(cfg, "unknown_traps", v_unknown);
	cfg_set_validate_func(cfg, "quiet_hours", v_quiet);
	cfg_set_validate_func(cfg, "max_segments", v_segments);
	cfg_set_validate_func(cfg, "rate_limit", v_rate);
	cfg_set_validate_func(cfg, "rate_window", v_positive);
	cfg_set_validate_func(cfg, "dedupe_window", v_nonneg);
	cfg_set_validate_func(cfg, "summary_delay", v_nonneg);
	cfg_set_validate_func(cfg, "retry_min", v_positive);
	cfg_set_validate_func(cfg, "retry_max", v_positive);
	cfg_set_validate_func(cfg, "max_age", v_positive);
	cfg_set_validate_func(cfg, "max_attempts", v_attempts);
	cfg_set_validate_func(cfg, "template|raised", v_msg_tmpl);
	cfg_set_validate_func(cfg, "template|cleared", v_msg_tmpl);
	cfg_set_validate_func(cfg, "route|severity", v_sev);
	cfg_set_validate_func(cfg, "route|notifications", v_notif);
	cfg_set_validate_func(cfg, "route|states", v_state);
	cfg_set_validate_func(cfg, "route|quiet_hours", v_quiet);
	cfg_set_validate_func(cfg, "gateway|style", v_style);
	cfg_set_validate_func(cfg, "gateway|method", v_method);
	cfg_set_validate_func(cfg, "gateway|body", v_body);
	cfg_set_validate_func(cfg, "gateway|url", v_gw_tmpl);
	cfg_set_validate_func(cfg, "gateway|fields", v_fields);
	cfg_set_validate_func(cfg, "gateway|headers", v_headers);
	cfg_set_validate_func(cfg, "gateway|connect_timeout", v_timeout);
	cfg_set_validate_func(cfg, "gateway|timeout", v_timeout);
	cfg_set_validate_func(cfg, "gateway|success_codes", v_code);
	cfg_set_validate_func(cfg, "gateway|success_body", v_regex);

	rc = cfg_parse(cfg, file);
	if (rc == CFG_FILE_ERROR) {
		snprintf(err, errlen, "%s:0: cannot read: %s", file,
		    strerror(errno ? errno : ENOENT));
		goto fail;
	}
	if (rc != CFG_SUCCESS) {
		/* libconfuse fails on some input (a NUL byte, found by
		 * fuzz_sms_conf) without calling the error function; the
		 * root still knows the line it stopped at */
		if (sms_conf_errbuf[0])
			snprintf(err, errlen, "%s", sms_conf_errbuf);
		else
			snprintf(err, errlen, "%s:%d: syntax error (binary "
			    "data or an unexpected character)", file,
			    cfg->line);
		goto fail;
	}

	c->spool_dir = xstrdup(cfg_getstr(cfg, "spool_directory"));
	if (c->spool_dir[0] != '/') {
		snprintf(err, errlen, "%s:0: spool_directory must be an "
		    "absolute path", file);
		goto fail;
	}
	s = cfg_getstr(cfg, "audit_log");
	c->audit_log = s && *s ? xstrdup(s) : NULL;
	c->recipients = sms_conf_list(cfg, "recipients", &c->nrecipients);
	sms_conf_parse_quiet(cfg_getstr(cfg, "quiet_hours"), &c->quiet);
	c->max_segments = (int)cfg_getint(cfg, "max_segments");
	c->allow_ucs2 = strcasecmp(cfg_getstr(cfg, "charset"), "auto") == 0;
	c->marker = xstrdup(cfg_getstr(cfg, "truncation_marker"));
	c->generic_other = strcasecmp(cfg_getstr(cfg, "unknown_traps"),
	    "generic") == 0;
	c->dedupe_window = cfg_getint(cfg, "dedupe_window");
	c->rate_limit = cfg_getint(cfg, "rate_limit");
	c->rate_window = cfg_getint(cfg, "rate_window");
	c->summary_delay = cfg_getint(cfg, "summary_delay");
	c->retry_min = cfg_getint(cfg, "retry_min");
	c->retry_max = cfg_getint(cfg, "retry_max");
	c->max_age = cfg_getint(cfg, "max_age");
	c->max_attempts = cfg_getint(cfg, "max_attempts");
	if (c->retry_max < c->retry_min) {
		snprintf(err, errlen, "%s:0: retry_max (%ld) is below "
		    "retry_min (%ld)", file, c->retry_max, c->retry_min);
		goto fail;
	}

	for (f = 0; f < MH_FAM_COUNT; f++) {
		c->tmpl_raised[f] = xstrdup(sms_conf_def_raised[f]);
		c->tmpl_cleared[f] = xstrdup(f == MH_FAM_OTHER ? DEF_OTHER :
		    DEF_CLEARED);
	}
	/* "default" first, so a per-family section overrides it */
	for (i = 0; i < cfg_size(cfg, "template"); i++) {
		cfg_t *t = cfg_getnsec(cfg, "template", i);
		const char *title = cfg_title(t);

		if (strcmp(title, "default") != 0)
			continue;
		for (f = 1; f < MH_FAM_COUNT; f++) {
			if ((s = sms_conf_str(t, "raised")) != NULL) {
				free(c->tmpl_raised[f]);
				c->tmpl_raised[f] = xstrdup(s);
			}
			if ((s = sms_conf_str(t, "cleared")) != NULL) {
				free(c->tmpl_cleared[f]);
				c->tmpl_cleared[f] = xstrdup(s);
			}
		}
	}
	for (i = 0; i < cfg_size(cfg, "template"); i++) {
		cfg_t *t = cfg_getnsec(cfg, "template", i);
		const char *title = cfg_title(t);

		if (strcmp(title, "default") == 0)
			continue;
		if ((f = mh_family_parse(title)) < 0) {
			snprintf(err, errlen, "%s:%d: template '%s': not a "
			    "notification type (queue, traffic, auth, defer, "
			    "service, drsync, conn, system, agent, other, "
			    "default)", file, t->line, title);
			goto fail;
		}
		if ((s = sms_conf_str(t, "raised")) != NULL) {
			free(c->tmpl_raised[f]);
			c->tmpl_raised[f] = xstrdup(s);
		}
		if ((s = sms_conf_str(t, "cleared")) != NULL) {
			free(c->tmpl_cleared[f]);
			c->tmpl_cleared[f] = xstrdup(s);
		}
	}

	c->nroutes = cfg_size(cfg, "route");
	c->routes = xcalloc(c->nroutes + 1, sizeof(*c->routes));
	for (i = 0; i < c->nroutes; i++) {
		cfg_t *r = cfg_getnsec(cfg, "route", i);
		struct sms_route *rt = &c->routes[i];
		unsigned k;

		rt->name = xstrdup(cfg_title(r));
		rt->recipients = sms_conf_list(r, "recipients",
		    &rt->nrecipients);
		if (rt->nrecipients == 0) {
			snprintf(err, errlen, "%s:%d: route '%s' has no "
			    "recipients", file, r->line, rt->name);
			goto fail;
		}
		rt->severities = sms_conf_bits(r, "severity",
		    sms_conf_sev_conv);
		rt->families = sms_conf_bits(r, "notifications",
		    mh_family_parse);
		for (k = 0; k < cfg_size(r, "states"); k++) {
			if (strcasecmp(cfg_getnstr(r, "states", k),
			    "raised") == 0)
				rt->raised = true;
			else
				rt->cleared = true;
		}
		if ((s = sms_conf_str(r, "quiet_hours")) != NULL)
			sms_conf_parse_quiet(s, &rt->quiet);
	}
	if (c->nrecipients == 0 && c->nroutes == 0) {
		snprintf(err, errlen, "%s:0: no recipients: set recipients or "
		    "add a route", file);
		goto fail;
	}
	for (i = 0; i < c->nrecipients; i++)
		if (c->recipients[i][0] == '\0') {
			snprintf(err, errlen, "%s:0: empty recipient", file);
			goto fail;
		}

	g = cfg_getsec(cfg, "gateway");
	if (g == NULL || cfg_size(cfg, "gateway") == 0) {
		snprintf(err, errlen, "%s:0: a gateway section is required",
		    file);
		goto fail;
	}
	if (sms_conf_gateway(g, &c->gw, file, err, errlen) != 0)
		goto fail;
	sms_conf_root = NULL;
	cfg_free(cfg);
	return c;
fail:
	sms_conf_root = NULL;
	if (cfg)
		cfg_free(cfg);
	sms_conf_free(c);
	return NULL;
}

void
sms_conf_free(struct sms_conf *c)
{
	size_t i;
	int f;

	if (c == NULL)
		return;
	free(c->file);
	free(c->spool_dir);
	free(c->audit_log);
	sms_conf_strv_free(c->recipients, c->nrecipients);
	for (i = 0; i < c->nroutes; i++) {
		free(c->routes[i].name);
		sms_conf_strv_free(c->routes[i].recipients,
		    c->routes[i].nrecipients);
	}
	free(c->routes);
	free(c->marker);
	for (f = 0; f < MH_FAM_COUNT; f++) {
		free(c->tmpl_raised[f]);
		free(c->tmpl_cleared[f]);
	}
	free(c->gw.style);
	free(c->gw.url);
	sms_conf_strv_free(c->gw.fields, c->gw.nfields);
	sms_conf_strv_free(c->gw.headers, c->gw.nheaders);
	free(c->gw.username);
	free(c->gw.password);
	free(c->gw.bearer_token);
	free(c->gw.ca_file);
	free(c->gw.success_codes);
	free(c->gw.success_body);
	free(c->gw.from);
	free(c);
}
