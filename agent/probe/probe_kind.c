/*
 * probe_kind.c: the kinds of check (one table: name, engine, port),
 * validation of a description, and the small text helpers the engines
 * share (a printable line from outside bytes, days left on a
 * certificate).
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/probe_int.h"

/* scheme: libcurl's URL scheme (tcp: nothing is sent in CONNECT_ONLY
 * mode; tls: CONNECT_ONLY does the handshake). command: the one curl
 * sends after the greeting and capabilities (and STARTTLS): the
 * goodbye, so that the dialogue is exactly greeting, EHLO, QUIT, and
 * the server closes the connection itself (curl's own QUIT when it
 * closes a connection waits for the answer, blocking). */
static const struct kind {
	enum probe_kind kind;
	const char *name;
	const struct probe_engine *engine;
	unsigned port;
	const char *scheme, *command;
	unsigned flags;
} kinds[] = {
	{PROBE_TCP, "tcp", &probe_engine_curl, 0, "http", NULL, 0},
	{PROBE_TLS, "tls", &probe_engine_curl, 0, "https", NULL, KIND_TLS},
	{PROBE_PROCESS, "process", &probe_engine_local, 0, NULL, NULL, 0},
	{PROBE_DNS, "dns", &probe_engine_dns, 0, NULL, NULL, 0},
	{PROBE_COMMAND, "command", &probe_engine_cmd, 0, NULL, NULL, 0},
	{PROBE_FILE, "file", &probe_engine_local, 0, NULL, NULL, 0},
	{PROBE_SMTP, "smtp", &probe_engine_curl, 25, "smtp", "QUIT",
	    KIND_MAIL | KIND_STARTTLS},
	{PROBE_SUBMISSION, "submission", &probe_engine_curl, 587, "smtp",
	    "QUIT", KIND_MAIL | KIND_STARTTLS | KIND_STARTTLS_DEFAULT},
	{PROBE_SMTPS, "smtps", &probe_engine_curl, 465, "smtps", "QUIT",
	    KIND_MAIL | KIND_TLS},
	{PROBE_POP3, "pop3", &probe_engine_curl, 110, "pop3", "QUIT",
	    KIND_MAIL | KIND_STARTTLS},
	{PROBE_POP3S, "pop3s", &probe_engine_curl, 995, "pop3s", "QUIT",
	    KIND_MAIL | KIND_TLS},
	{PROBE_IMAP, "imap", &probe_engine_curl, 143, "imap", "LOGOUT",
	    KIND_MAIL | KIND_STARTTLS | KIND_TAGGED},
	{PROBE_IMAPS, "imaps", &probe_engine_curl, 993, "imaps", "LOGOUT",
	    KIND_MAIL | KIND_TLS | KIND_TAGGED},
	{PROBE_HTTP, "http", &probe_engine_curl, 80, "http", NULL, KIND_WEB},
	{PROBE_HTTPS, "https", &probe_engine_curl, 443, "https", NULL,
	    KIND_WEB | KIND_TLS},
	{PROBE_FIREWALL, "firewall", &probe_engine_local, 0, NULL, NULL, 0},
};

static const struct kind *
kind_find(enum probe_kind k)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == k)
			return &kinds[i];
	return NULL;
}

const char *
probe_kind_name(enum probe_kind k)
{
	const struct kind *e = kind_find(k);

	return e ? e->name : "unknown";
}

int
probe_kind_parse(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < MH_ARRAY_SIZE(kinds); i++)
		if (strcmp(kinds[i].name, s) == 0)
			return (int)kinds[i].kind;
	return -1;
}

const struct probe_engine *
probe_kind_engine(enum probe_kind k)
{
	return kind_find(k)->engine;
}

unsigned
probe_kind_port(enum probe_kind k)
{
	const struct kind *e = kind_find(k);

	return e ? e->port : 0;
}

const char *
probe_kind_scheme(enum probe_kind k)
{
	const struct kind *e = kind_find(k);

	return e ? e->scheme : NULL;
}

const char *
probe_kind_command(enum probe_kind k)
{
	const struct kind *e = kind_find(k);

	return e ? e->command : NULL;
}

bool
probe_kind_is(enum probe_kind k, unsigned flags)
{
	const struct kind *e = kind_find(k);

	return e != NULL && (e->flags & flags) != 0;
}

const char *
probe_status_name(enum probe_status s)
{
	switch (s) {
	case PROBE_UP:
		return "up";
	case PROBE_DOWN:
		return "down";
	case PROBE_UNKNOWN:
		break;
	}
	return "unknown";
}

static bool
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* An option that the kind does not use is an error, not ignored. */
static int
desc_check_options(const struct probe_desc *d, char *err, size_t errlen)
{
	enum probe_kind k = d->kind;
	bool tls = probe_kind_is(k, KIND_TLS | KIND_STARTTLS);
	const char *bad = NULL;

	if (d->starttls != PROBE_OPT_DEFAULT && !probe_kind_is(k,
	    KIND_STARTTLS))
		bad = "starttls";
	else if (d->tls_verify && !tls)
		bad = "tls_verify";
	else if (!empty(d->tls_name) && (!tls || probe_kind_is(k, KIND_WEB)))
		bad = "tls_name";	/* a URL names its host itself */
	else if (!empty(d->tls_name) && (strlen(d->tls_name) > 253 ||
	    strspn(d->tls_name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != strlen(d->tls_name))) {
		/* it goes into a URL and CURLOPT_CONNECT_TO */
		snprintf(err, errlen, "tls_name '%s' is not a host name",
		    d->tls_name);
		return -1;
	}
	else if (!empty(d->ca_file) && !tls)
		bad = "ca_file";
	else if (d->min_cert_days != 0 && !tls)
		bad = "min_cert_days";
	else if (d->http_status != 0 && !probe_kind_is(k, KIND_WEB))
		bad = "http_status";
	else if (k != PROBE_DNS && (!empty(d->dns_type) ||
	    !empty(d->resolver) || d->nxdomain_ok || !empty(d->expect)))
		bad = !empty(d->dns_type) ? "dns_type" : !empty(d->resolver) ?
		    "resolver" : d->nxdomain_ok ? "nxdomain_ok" : "expect";
	else if (k != PROBE_FIREWALL && (!empty(d->chain) ||
	    d->fw_backend != PROBE_FW_AUTO))
		bad = !empty(d->chain) ? "chain" : "fw_backend";
	else if (k != PROBE_PROCESS && !empty(d->pidfile))
		bad = "pidfile";
	else if (k != PROBE_FILE && d->max_age != 0)
		bad = "max_age";
	if (bad == NULL)
		return 0;
	snprintf(err, errlen, "%s does not apply to a %s check", bad,
	    probe_kind_name(k));
	return -1;
}

int
probe_desc_check(const struct probe_desc *d, char *err, size_t errlen)
{
	char **argv = NULL;
	char fam[16], tab[64];

	if (empty(d->name)) {
		snprintf(err, errlen, "a check needs a name");
		return -1;
	}
	if (kind_find(d->kind) == NULL) {
		snprintf(err, errlen, "unknown kind %d", (int)d->kind);
		return -1;
	}
	if (d->timeout > 3600) {
		snprintf(err, errlen, "timeout %u s: at most 3600",
		    d->timeout);
		return -1;
	}
	if (d->fall > 100 || d->rise > 100) {
		snprintf(err, errlen, "fall and rise are at most 100");
		return -1;
	}
	if (desc_check_options(d, err, errlen) < 0)
		return -1;
	switch (d->kind) {
	case PROBE_PROCESS:
		if (empty(d->target) && empty(d->pidfile)) {
			snprintf(err, errlen,
			    "a process check needs a name or a pid file");
			return -1;
		}
		return 0;
	case PROBE_COMMAND:
		if (probe_words_split(d->target, &argv, err, errlen) < 0)
			return -1;
		probe_words_free(argv);
		return 0;
	case PROBE_DNS:
		if (probe_dns_type(d->dns_type ? d->dns_type : "A") < 0) {
			snprintf(err, errlen, "unknown DNS type '%s' (A, AAAA, "
			    "MX, TXT, NS, SOA, PTR)", d->dns_type);
			return -1;
		}
		if (!empty(d->resolver) &&
		    probe_dns_check_resolver(d->resolver, err, errlen) < 0)
			return -1;
		break;
	case PROBE_FIREWALL:
		return probe_fw_parse_target(d->target, d->chain, fam,
		    sizeof(fam), tab, sizeof(tab), err, errlen);
	case PROBE_TCP:
	case PROBE_TLS:
	case PROBE_SMTP:
	case PROBE_SUBMISSION:
	case PROBE_SMTPS:
	case PROBE_POP3:
	case PROBE_POP3S:
	case PROBE_IMAP:
	case PROBE_IMAPS: {
		char host[256];
		unsigned port;

		if (probe_hostport(d->target, d->kind, host, sizeof(host),
		    &port, err, errlen) < 0)
			return -1;
		break;
	}
	case PROBE_HTTP:
	case PROBE_HTTPS:
		if (d->target != NULL && strstr(d->target, "://") != NULL &&
		    (strncmp(d->target, probe_kind_scheme(d->kind),
		    strlen(probe_kind_scheme(d->kind))) != 0 ||
		    strncmp(d->target + strlen(probe_kind_scheme(d->kind)),
		    "://", 3) != 0)) {
			snprintf(err, errlen, "a %s check needs a %s:// URL",
			    probe_kind_name(d->kind),
			    probe_kind_scheme(d->kind));
			return -1;
		}
		if (d->http_status != 0 &&
		    (d->http_status < 100 || d->http_status > 599)) {
			snprintf(err, errlen, "HTTP status %ld is not one",
			    d->http_status);
			return -1;
		}
		break;
	default:
		break;
	}
	if (empty(d->target)) {
		snprintf(err, errlen, "a %s check needs a target",
		    probe_kind_name(d->kind));
		return -1;
	}
	if (strlen(d->target) > 1024) {
		snprintf(err, errlen, "target longer than 1024 bytes");
		return -1;
	}
	return 0;
}

int
probe_hostport(const char *target, enum probe_kind kind, char *host,
    size_t hlen, unsigned *port, char *err, size_t errlen)
{
	const char *p, *colon;
	size_t n;
	char *end;
	unsigned long v;

	*port = probe_kind_port(kind);
	if (empty(target)) {
		snprintf(err, errlen, "no host");
		return -1;
	}
	if (target[0] == '[') {
		p = strchr(target, ']');
		if (p == NULL) {
			snprintf(err, errlen, "'%s': no ] after the address",
			    target);
			return -1;
		}
		n = (size_t)(p - target) + 1;	/* keep the brackets */
		colon = p[1] == ':' ? p + 1 : NULL;
		if (p[1] != '\0' && colon == NULL) {
			snprintf(err, errlen, "'%s': junk after ]", target);
			return -1;
		}
	} else {
		colon = strrchr(target, ':');
		if (colon != NULL && strchr(target, ':') != colon) {
			snprintf(err, errlen, "'%s': write an IPv6 address "
			    "as [ADDR]:PORT", target);
			return -1;
		}
		n = colon ? (size_t)(colon - target) : strlen(target);
	}
	if (n == 0 || n >= hlen ||
	    strcspn(target, " \t/?#@") < n) {
		snprintf(err, errlen, "'%s' is not host:port", target);
		return -1;
	}
	memcpy(host, target, n);
	host[n] = '\0';
	if (colon != NULL) {
		v = strtoul(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || v == 0 || v > 65535) {
			snprintf(err, errlen, "'%s': bad port", target);
			return -1;
		}
		*port = (unsigned)v;
	}
	if (*port == 0) {
		snprintf(err, errlen, "'%s': a %s check needs a port", target,
		    probe_kind_name(kind));
		return -1;
	}
	return 0;
}

int
probe_url(const struct probe_desc *d, char *url, size_t ulen, char *ct,
    size_t ctlen, char *err, size_t errlen)
{
	const char *scheme = probe_kind_scheme(d->kind);
	char host[256];
	unsigned port;

	ct[0] = '\0';
	if (probe_kind_is(d->kind, KIND_WEB)) {
		if (strstr(d->target, "://") != NULL)
			snprintf(url, ulen, "%s", d->target);
		else
			snprintf(url, ulen, "%s://%s", scheme, d->target);
		return 0;
	}
	if (probe_hostport(d->target, d->kind, host, sizeof(host), &port, err,
	    errlen) < 0)
		return -1;
	if (empty(d->tls_name)) {
		snprintf(url, ulen, "%s://%s:%u/", scheme, host, port);
		return 0;
	}
	/* connect to the address; verify and send SNI for the name */
	snprintf(url, ulen, "%s://%s:%u/", scheme, d->tls_name, port);
	snprintf(ct, ctlen, "%s:%u:%s:%u", d->tls_name, port, host, port);
	return 0;
}

bool
probe_want_starttls(const struct probe_desc *d)
{
	if (!probe_kind_is(d->kind, KIND_STARTTLS))
		return false;
	if (d->starttls == PROBE_OPT_DEFAULT)
		return probe_kind_is(d->kind, KIND_STARTTLS_DEFAULT);
	return d->starttls == PROBE_OPT_YES;
}

void
probe_text_clean(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t i = 0, o = 0;

	if (dstlen == 0)
		return;
	while (i < n && s[i] != '\0' && o + 1 < dstlen) {
		unsigned char c = (unsigned char)s[i];
		size_t k;

		if (c == '\r' || c == '\n')
			break;
		if (c >= 0x80) {
			/* utf8_seq() reads up to a NUL; s has none (a curl
			 * line): look at a terminated copy of 4 bytes */
			unsigned char seq[5] = {0};

			memcpy(seq, s + i, n - i < 4 ? n - i : 4);
			k = utf8_seq(seq);
		} else {
			k = 0;
		}
		if (k > 0) {
			if (o + k >= dstlen)
				break;
			memcpy(dst + o, s + i, k);
			o += k;
			i += k;
			continue;
		}
		dst[o++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
		i++;
	}
	while (o > 0 && (dst[o - 1] == ' ' || dst[o - 1] == '\t'))
		o--;
	dst[o] = '\0';
}

int
probe_cert_days(const char *date, time_t now, int *days)
{
	struct tm tm;
	const char *end;
	time_t t;
	double d;

	memset(&tm, 0, sizeof(tm));
	if (date == NULL)
		return -1;
	while (isspace((unsigned char)*date))
		date++;
	/* OpenSSL's ASN1_TIME_print; curl may also hand the ISO form
	 * "2025-03-05 12:00:00 GMT" */
	end = strptime(date, "%b %d %H:%M:%S %Y", &tm);
	if (end == NULL) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(date, "%Y-%m-%d %H:%M:%S", &tm);
	}
	if (end == NULL)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (strncmp(end, "GMT", 3) != 0)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	/* whole days left: a certificate that ends in 2.9 days has 2 */
	d = difftime(t, now) / 86400.0;
	d = floor(d);
	*days = d > 1e6 ? 1000000 : (d < -1e6 ? -1000000 : (int)d);
	return 0;
}
