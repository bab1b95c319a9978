/*
 * sms_conf.c: mailhealth-sms.conf. libconfuse stays inside this file; the
 * rest of the program sees a plain struct sms_conf.
 *
 * Every error carries FILE:LINE: value checks run as libconfuse validate
 * callbacks, so they fire while the parser still knows the line, and the
 * cross-field checks at the end name the line where the section starts.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
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
	cfg_opt_t deadman_opts[] = {
		CFG_BOOL("enabled", cfg_true, CFGF_NONE),
		CFG_INT("missed", 3, CFGF_NONE),
		CFG_STR("severity", "critical", CFGF_NONE),
		CFG_INT_CB("forget", 7 * 86400, CFGF_NONE, conf_check_duration),
		CFG_END()
	};
	cfg_opt_t recon_opts[] = {
		CFG_INT_CB("interval", 0, CFGF_NONE, conf_check_duration),
		CFG_INT("port", 161, CFGF_NONE),
		CFG_STR("community", "public", CFGF_NONE),
		CFG_STR("user", "", CFGF_NONE),
		CFG_STR("auth_protocol", "SHA", CFGF_NONE),
		CFG_STR("auth_passphrase_file", "", CFGF_NONE),
		CFG_STR("priv_protocol", "AES", CFGF_NONE),
		CFG_STR("priv_passphrase_file", "", CFGF_NONE),
		CFG_INT_CB("timeout", 5, CFGF_NONE, conf_check_duration),
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
		CFG_INT_CB("connect_timeout", 5, CFGF_NONE, conf_check_duration),
		CFG_INT_CB("timeout", 15, CFGF_NONE, conf_check_duration),
		CFG_INT_LIST("success_codes", NULL, CFGF_NONE),
		CFG_STR("success_body", NULL, CFGF_NODEFAULT),
		CFG_END()
	};
	cfg_opt_t opts[] = {
		CFG_STR("spool_directory", LOCALSTATEDIR "/spool/mailhealth-sms",
		    CFGF_NONE),
		CFG_STR("audit_log", LOCALSTATEDIR "/log/mailhealth-sms.log",
		    CFGF_NONE),
		CFG_STR("fallback_spool", RUNSTATEDIR "/mailhealth-sms",
		    CFGF_NONE),
		CFG_STR("syslog_socket", "/dev/log", CFGF_NONE),
		CFG_STR_LIST("recipients", NULL, CFGF_NONE),
		CFG_STR("quiet_hours", "", CFGF_NONE),
		CFG_INT("max_segments", 1, CFGF_NONE),
		CFG_STR("charset", "auto", CFGF_NONE),
		CFG_STR("truncation_marker", "...", CFGF_NONE),
		CFG_STR("unknown_traps", "drop", CFGF_NONE),
		CFG_INT_CB("dedupe_window", 3600, CFGF_NONE, conf_check_duration),
		CFG_INT("rate_limit", 10, CFGF_NONE),
		CFG_INT_CB("rate_window", 3600, CFGF_NONE, conf_check_duration),
		CFG_INT_CB("summary_delay", 300, CFGF_NONE, conf_check_duration),
		CFG_INT_CB("retry_min", 30, CFGF_NONE, conf_check_duration),
		CFG_INT_CB("retry_max", 1800, CFGF_NONE, conf_check_duration),
		CFG_INT_CB("max_age", 86400, CFGF_NONE, conf_check_duration),
		CFG_INT("max_attempts", 0, CFGF_NONE),
		CFG_SEC("template", tmpl_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("route", route_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("gateway", gw_opts, CFGF_NONE),
		CFG_STR_LIST("agents", NULL, CFGF_NONE),
		CFG_SEC("deadman", deadman_opts, CFGF_NONE),
		CFG_SEC("reconcile", recon_opts, CFGF_NONE),
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
	conf_check_register(cfg);

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
	s = cfg_getstr(cfg, "fallback_spool");
	c->fallback_dir = s && *s ? xstrdup(s) : NULL;
	if (c->fallback_dir && (c->fallback_dir[0] != '/' ||
	    strcmp(c->fallback_dir, c->spool_dir) == 0)) {
		snprintf(err, errlen, "%s:0: fallback_spool must be an absolute "
		    "path other than spool_directory", file);
		goto fail;
	}
	s = cfg_getstr(cfg, "syslog_socket");
	c->syslog_socket = s && *s ? xstrdup(s) : NULL;
	c->recipients = conf_list(cfg, "recipients", &c->nrecipients);
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
			if ((s = conf_str(t, "raised")) != NULL) {
				free(c->tmpl_raised[f]);
				c->tmpl_raised[f] = xstrdup(s);
			}
			if ((s = conf_str(t, "cleared")) != NULL) {
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
		if ((s = conf_str(t, "raised")) != NULL) {
			free(c->tmpl_raised[f]);
			c->tmpl_raised[f] = xstrdup(s);
		}
		if ((s = conf_str(t, "cleared")) != NULL) {
			free(c->tmpl_cleared[f]);
			c->tmpl_cleared[f] = xstrdup(s);
		}
	}

	c->agents = conf_list(cfg, "agents", &c->nagents);
	if (conf_deadman_load(cfg_getsec(cfg, "deadman"), c) != 0 ||
	    conf_recon_load(cfg_getsec(cfg, "reconcile"), c, file, err,
	    errlen) != 0)
		goto fail;

	c->nroutes = cfg_size(cfg, "route");
	c->routes = xcalloc(c->nroutes + 1, sizeof(*c->routes));
	for (i = 0; i < c->nroutes; i++) {
		cfg_t *r = cfg_getnsec(cfg, "route", i);
		struct sms_route *rt = &c->routes[i];
		unsigned k;

		rt->name = xstrdup(cfg_title(r));
		rt->recipients = conf_list(r, "recipients",
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
		if ((s = conf_str(r, "quiet_hours")) != NULL)
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
	if (conf_gw_load(g, &c->gw, file, err, errlen) != 0)
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
	free(c->fallback_dir);
	free(c->syslog_socket);
	conf_strv_free(c->recipients, c->nrecipients);
	for (i = 0; i < c->nroutes; i++) {
		free(c->routes[i].name);
		conf_strv_free(c->routes[i].recipients,
		    c->routes[i].nrecipients);
	}
	free(c->routes);
	free(c->marker);
	for (f = 0; f < MH_FAM_COUNT; f++) {
		free(c->tmpl_raised[f]);
		free(c->tmpl_cleared[f]);
	}
	conf_gw_free(&c->gw);
	conf_strv_free(c->agents, c->nagents);
	conf_recon_free(&c->recon);
	free(c);
}
