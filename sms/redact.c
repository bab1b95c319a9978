/*
 * redact.c: secrets never leave in what we print or log. --dry-run shows
 * the request a gateway would get, and the audit log and the sender's log
 * quote the gateway's answer; a gateway URL or body often carries a
 * credential (Kannel's password=, an api_key= or access_token= query
 * parameter, user:password@ in the URL, a JSON "apiKey"). We mask:
 *
 *   - the configured password and bearer token, wherever they appear;
 *   - the value of a query, form or JSON parameter whose name looks like
 *     a credential (it contains pass, pwd, secret, token, key, auth,
 *     sig or credential, in any case);
 *   - the password of user:password@ in a URL;
 *   - in a header, the value of Authorization (the scheme word stays:
 *     "Bearer ***") and of any header whose name looks like a credential.
 *
 * Masking is by name, so it also covers secrets we were not told about
 * (a token pasted into the URL template rather than a token file).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"

#define REDACT_MASK "***"

/* Does a parameter or header name look like a credential? */
static bool
redact_secret_name(const char *name, size_t len)
{
	static const char *const words[] = { "pass", "pwd", "secret", "token",
	    "key", "auth", "sig", "credential", NULL };
	const char *const *w;
	size_t i, n;

	for (w = words; *w; w++) {
		n = strlen(*w);
		for (i = 0; i + n <= len; i++)
			if (strncasecmp(name + i, *w, n) == 0)
				return true;
	}
	return false;
}

static bool
redact_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' ||
	    c == '%';
}

/* At p: "name=value" after start, '?', '&' or ';' with a secret name?
 * Then append "name=***" and return the end of the value. */
static const char *
redact_param(struct strbuf *b, const char *s, const char *p)
{
	const char *n = p, *e;

	if (!(p == s || p[-1] == '?' || p[-1] == '&' || p[-1] == ';' ||
	    p[-1] == ' '))
		return NULL;
	while (redact_name_char(*n))
		n++;
	if (*n != '=' || n == p || !redact_secret_name(p, (size_t)(n - p)))
		return NULL;
	strbuf_add(b, p, (size_t)(n - p) + 1);
	strbuf_puts(b, REDACT_MASK);
	for (e = n + 1; *e && *e != '&' && *e != ';' && *e != '#' && *e != ' ';
	    e++)
		;
	return e;
}

/* At p: a JSON member "name": "value" with a secret name? */
static const char *
redact_json(struct strbuf *b, const char *p)
{
	const char *n, *q, *e;

	if (*p != '"')
		return NULL;
	for (n = p + 1; *n && *n != '"'; n++)
		if (*n == '\\' && n[1])
			n++;
	if (*n != '"' || !redact_secret_name(p + 1, (size_t)(n - p - 1)))
		return NULL;
	for (q = n + 1; *q == ' '; q++)
		;
	if (*q != ':')
		return NULL;
	for (q++; *q == ' '; q++)
		;
	if (*q != '"')
		return NULL;
	for (e = q + 1; *e && *e != '"'; e++)
		if (*e == '\\' && e[1])
			e++;
	if (*e != '"')
		return NULL;
	strbuf_add(b, p, (size_t)(q - p) + 1);
	strbuf_puts(b, REDACT_MASK "\"");
	return e + 1;
}

/* At p: "://user:password@"? Keep the user, mask the password. */
static const char *
redact_userinfo(struct strbuf *b, const char *p)
{
	const char *u, *colon = NULL, *at = NULL;

	if (strncmp(p, "://", 3) != 0)
		return NULL;
	for (u = p + 3; *u && *u != '/' && *u != '?' && *u != '#' &&
	    *u != ' '; u++) {
		if (*u == ':' && colon == NULL)
			colon = u;
		if (*u == '@')
			at = u;
	}
	if (colon == NULL || at == NULL || colon > at)
		return NULL;
	strbuf_add(b, p, (size_t)(colon - p) + 1);
	strbuf_puts(b, REDACT_MASK);
	return at;
}

static const char *
redact_literal(struct strbuf *b, const char *p, const char *secret)
{
	size_t n;

	if (secret == NULL || secret[0] == '\0')
		return NULL;
	n = strlen(secret);
	if (strncmp(p, secret, n) != 0)
		return NULL;
	strbuf_puts(b, REDACT_MASK);
	return p + n;
}

/* A URL, a form or JSON body, a log line: with the secrets masked. */
char *
gateway_redact(const struct gw_conf *g, const char *s)
{
	struct strbuf b;
	const char *p = s, *next;

	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	while (*p) {
		if ((next = redact_literal(&b, p, g->password)) != NULL ||
		    (next = redact_literal(&b, p, g->bearer_token)) != NULL ||
		    (next = redact_userinfo(&b, p)) != NULL ||
		    (next = redact_param(&b, s, p)) != NULL ||
		    (next = redact_json(&b, p)) != NULL) {
			p = next;
			continue;
		}
		strbuf_putc(&b, *p++);
	}
	return strbuf_steal(&b);
}

/* "Name: value": Authorization keeps its scheme word ("Bearer ***"); a
 * header with a credential-like name is masked whole. */
char *
gateway_redact_header(const struct gw_conf *g, const char *h)
{
	const char *colon = strchr(h, ':'), *v;
	size_t nlen;

	if (colon == NULL)
		return gateway_redact(g, h);
	nlen = (size_t)(colon - h);
	for (v = colon + 1; *v == ' '; v++)
		;
	if ((nlen == 13 && strncasecmp(h, "Authorization", 13) == 0) ||
	    (nlen == 19 && strncasecmp(h, "Proxy-Authorization", 19) == 0)) {
		const char *sp = strchr(v, ' ');

		if (sp)
			return xasprintf("%.*s%.*s " REDACT_MASK,
			    (int)(v - h), h, (int)(sp - v), v);
		return xasprintf("%.*s" REDACT_MASK, (int)(v - h), h);
	}
	if (redact_secret_name(h, nlen))
		return xasprintf("%.*s" REDACT_MASK, (int)(v - h), h);
	return gateway_redact(g, h);
}
