/*
 * gwreq.c: one SMS, one HTTP request, built but not sent. The request is
 * built from the gateway section (URL template, method, form or JSON
 * fields, headers) and a style that supplies defaults; the answer is
 * classified here too. Sending is gateway.c, the only file that needs
 * libcurl, which only mailhealth-sms-sender links: the trap handler uses
 * this file for --dry-run and the config check without loading libcurl.
 *
 * A new gateway style is one row in gateway_styles[].
 */
#include "config.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"

static const long gw_codes_2xx[] = { 200, 201, 202, 204, 0 };
static const long gw_codes_kannel[] = { 200, 202, 0 };
static const char *const gw_fields_twilio[] = {
	"To={to}", "From={from}", "Body={text}", NULL,
};
static const char *const gw_fields_json[] = {
	"to={to}", "text={text}", NULL,
};

static const struct gw_style gateway_styles[] = {
	/* everything from the config; defaults: GET, 2xx */
	{ "generic", GW_GET, GW_BODY_NONE, NULL, gw_codes_2xx, NULL },
	/* Kannel smsbox sendsms: 202 "0: Accepted for delivery" or
	 * "3: Queued for later delivery" */
	{ "kannel", GW_GET, GW_BODY_NONE, NULL, gw_codes_kannel, "^[03]: " },
	/* Twilio Messages API: form POST, basic auth, 201 + JSON */
	{ "twilio", GW_POST, GW_BODY_FORM, gw_fields_twilio, gw_codes_2xx,
	    NULL },
	/* a JSON webhook: {"to": ..., "text": ...} */
	{ "json", GW_POST, GW_BODY_JSON, gw_fields_json, gw_codes_2xx, NULL },
};

const char *const gateway_placeholders[] = {
	"to", "text", "from", "id", NULL,
};

const struct gw_style *
gateway_style(const char *name)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(gateway_styles); i++)
		if (strcasecmp(gateway_styles[i].name, name) == 0)
			return &gateway_styles[i];
	return NULL;
}

/* RFC 3986: everything but unreserved characters is %XX, byte by byte
 * (UTF-8 stays UTF-8 once decoded). Also right for form bodies. */
void
gateway_url_escape(struct strbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			strbuf_putc(b, (char)c);
		} else {
			strbuf_putc(b, '%');
			strbuf_putc(b, hex[c >> 4]);
			strbuf_putc(b, hex[c & 15]);
		}
	}
}

/* Header values: no CR/LF, so trap text can never add a header. */
static void
gateway_header_escape(struct strbuf *b, const char *s)
{
	for (; *s; s++)
		strbuf_putc(b, *s == '\r' || *s == '\n' ? ' ' : *s);
}

struct gw_vars {
	const char *to, *text, *from, *id;
};

static const char *
gateway_var(void *ctx, const char *name, size_t len)
{
	const struct gw_vars *v = ctx;

#define IS(s) (len == sizeof(s) - 1 && memcmp(name, s, len) == 0)
	if (IS("to"))
		return v->to;
	if (IS("text"))
		return v->text;
	if (IS("from"))
		return v->from;
	if (IS("id"))
		return v->id;
#undef IS
	return NULL;
}

int
gateway_build(const struct gw_conf *g, const char *to, const char *text,
    const char *id, struct gw_request *r, char *err, size_t errlen)
{
	struct gw_vars v = { to, text, g->from ? g->from : "", id };
	struct strbuf b;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->method = g->method;
	strbuf_init(&b);
	if (msg_tmpl_expand(g->url, gateway_var, &v, gateway_url_escape, &b,
	    err, errlen) != 0)
		goto fail;
	r->url = strbuf_steal(&b);

	if (g->body != GW_BODY_NONE) {
		strbuf_init(&b);
		if (g->body == GW_BODY_JSON)
			strbuf_putc(&b, '{');
		for (i = 0; i < g->nfields; i++) {
			const char *f = g->fields[i];
			const char *eq = strchr(f, '=');
			struct strbuf val;
			char *name;

			if (eq == NULL)
				continue;
			strbuf_init(&val);
			if (msg_tmpl_expand(eq + 1, gateway_var, &v, NULL, &val,
			    err, errlen) != 0) {
				strbuf_free(&val);
				goto fail;
			}
			name = xstrndup(f, (size_t)(eq - f));
			if (g->body == GW_BODY_JSON) {
				if (i)
					strbuf_puts(&b, ", ");
				strbuf_json_str(&b, name);
				strbuf_puts(&b, ": ");
				strbuf_json_str(&b, val.s);
			} else {
				if (i)
					strbuf_putc(&b, '&');
				gateway_url_escape(&b, name);
				strbuf_putc(&b, '=');
				gateway_url_escape(&b, val.s);
			}
			free(name);
			strbuf_free(&val);
		}
		if (g->body == GW_BODY_JSON)
			strbuf_putc(&b, '}');
		r->body = strbuf_steal(&b);
		r->content_type = g->body == GW_BODY_JSON ? "application/json" :
		    "application/x-www-form-urlencoded";
	}

	r->headers = xcalloc(g->nheaders + 2, sizeof(char *));
	for (i = 0; i < g->nheaders; i++) {
		strbuf_init(&b);
		if (msg_tmpl_expand(g->headers[i], gateway_var, &v,
		    gateway_header_escape, &b, err, errlen) != 0)
			goto fail;
		r->headers[r->nheaders++] = strbuf_steal(&b);
	}
	if (g->bearer_token)
		r->headers[r->nheaders++] = xasprintf("Authorization: Bearer %s",
		    g->bearer_token);
	return 0;
fail:
	strbuf_free(&b);
	gateway_request_free(r);
	return -1;
}

void
gateway_request_free(struct gw_request *r)
{
	size_t i;

	free(r->url);
	free(r->body);
	for (i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

/*
 * Success: a configured code and, when success_body is set, a body that
 * matches it (gateways that answer 200 with an error text). Temporary:
 * 408, 425, 429, 5xx, and a 2xx whose body says it failed (we cannot tell
 * why, so we retry until max_age). Everything else is permanent: a 4xx
 * will not get better by sending it again.
 */
enum gw_result
gateway_classify(const struct gw_conf *g, long http, const char *body)
{
	size_t i;
	bool code_ok = false;

	for (i = 0; i < g->nsuccess_codes; i++)
		if (g->success_codes[i] == http)
			code_ok = true;
	if (code_ok) {
		regex_t re;
		int m;

		if (g->success_body == NULL)
			return GW_OK;
		if (regcomp(&re, g->success_body, REG_EXTENDED | REG_NOSUB) != 0)
			return GW_TEMP;
		m = regexec(&re, body ? body : "", 0, NULL, 0);
		regfree(&re);
		return m == 0 ? GW_OK : GW_TEMP;
	}
	if (http == 408 || http == 425 || http == 429 || http >= 500 ||
	    http == 0)
		return GW_TEMP;
	if (http >= 200 && http < 300)
		return GW_TEMP;	/* a 2xx we were not told to expect */
	return GW_PERM;
}

/* --dry-run: the request as it would leave, secrets masked (redact.c). */
void
gateway_dump(FILE *out, const struct gw_conf *g, const struct gw_request *r)
{
	char *u = gateway_redact(g, r->url);
	size_t i;

	fprintf(out, "  request: %s %s\n", r->method == GW_POST ? "POST" :
	    "GET", u);
	free(u);
	if (g->username)
		fprintf(out, "  auth: basic %s:***\n", g->username);
	for (i = 0; i < r->nheaders; i++) {
		u = gateway_redact_header(g, r->headers[i]);
		fprintf(out, "  header: %s\n", u);
		free(u);
	}
	if (r->body) {
		u = gateway_redact(g, r->body);
		fprintf(out, "  body: %s\n", u);
		free(u);
	}
}
