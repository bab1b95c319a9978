/*
 * conf_check.c: the value checks of mailhealth-sms.conf. They run as
 * libconfuse validate callbacks, while the parser still knows the line,
 * so every bad value is reported as FILE:LINE: reason. Also the duration
 * syntax (90, 90s, 5m, 2h, 1d), quiet hours, and small accessors of
 * libconfuse sections shared by sms_conf.c and conf_gw.c.
 */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_int.h"

/* "90", "90s", "5m", "2h", "1d" -> seconds */
int
conf_check_duration(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
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
RANGE(v_missed, 1, 1000)
RANGE(v_port, 1, 65535)
ONEOF(v_auth_proto, "MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512")
ONEOF(v_priv_proto, "DES", "AES")

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

/* Every value check, by option path; called once per parse. */
void
conf_check_register(cfg_t *cfg)
{
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
	cfg_set_validate_func(cfg, "deadman|missed", v_missed);
	cfg_set_validate_func(cfg, "deadman|severity", v_sev);
	cfg_set_validate_func(cfg, "deadman|forget", v_positive);
	cfg_set_validate_func(cfg, "reconcile|interval", v_nonneg);
	cfg_set_validate_func(cfg, "reconcile|port", v_port);
	cfg_set_validate_func(cfg, "reconcile|timeout", v_timeout);
	cfg_set_validate_func(cfg, "reconcile|auth_protocol", v_auth_proto);
	cfg_set_validate_func(cfg, "reconcile|priv_protocol", v_priv_proto);
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
}

char **
conf_list(cfg_t *sec, const char *name, size_t *n)
{
	unsigned i, cnt = cfg_size(sec, name);
	char **v = xcalloc(cnt + 1, sizeof(*v));

	for (i = 0; i < cnt; i++)
		v[i] = xstrdup(cfg_getnstr(sec, name, i));
	*n = cnt;
	return v;
}

void
conf_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A string option of sec; NULL when it is absent or empty. */
const char *
conf_str(cfg_t *sec, const char *name)
{
	const char *s = cfg_size(sec, name) ? cfg_getstr(sec, name) : NULL;

	return s && *s ? s : NULL;
}
