/*
 * conf_gw.c: the sections of mailhealth-sms.conf that reach out: the
 * gateway (with the style defaults of gwreq.c's table), the SNMP polls
 * of `reconcile`, and the `deadman` switch. Secrets are read from their
 * files (first line), so a password need not sit in the main file.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_int.h"

char *
conf_gw_read_secret(const char *path, char *err, size_t errlen)
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

int
conf_gw_load(cfg_t *g, struct gw_conf *gw, const char *file, char *err,
    size_t errlen)
{
	const struct gw_style *st;
	const char *s;
	unsigned i;

	gw->style = xstrdup(cfg_getstr(g, "style"));
	st = gateway_style(gw->style);
	if ((s = conf_str(g, "url")) == NULL) {
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
	s = conf_str(g, "method");
	gw->method = s ? (strcasecmp(s, "POST") == 0 ? GW_POST : GW_GET) :
	    st->method;
	s = conf_str(g, "body");
	gw->body = s == NULL ? st->body : strcasecmp(s, "form") == 0 ?
	    GW_BODY_FORM : strcasecmp(s, "json") == 0 ? GW_BODY_JSON :
	    GW_BODY_NONE;
	if (cfg_size(g, "fields") > 0 || st->fields == NULL)
		gw->fields = conf_list(g, "fields", &gw->nfields);
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
	gw->headers = conf_list(g, "headers", &gw->nheaders);
	if ((s = conf_str(g, "username")) != NULL)
		gw->username = xstrdup(s);
	if ((s = conf_str(g, "password")) != NULL)
		gw->password = xstrdup(s);
	if ((s = conf_str(g, "password_file")) != NULL) {
		char e[300];

		free(gw->password);
		if ((gw->password = conf_gw_read_secret(s, e, sizeof(e))) ==
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
	if ((s = conf_str(g, "bearer_token_file")) != NULL) {
		char e[300];

		if ((gw->bearer_token = conf_gw_read_secret(s, e,
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
	if ((s = conf_str(g, "ca_file")) != NULL)
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
	if ((s = conf_str(g, "success_body")) != NULL)
		gw->success_body = xstrdup(s);
	else if (st->success_body && cfg_size(g, "success_body") == 0)
		gw->success_body = xstrdup(st->success_body);
	return 0;
}

void
conf_gw_free(struct gw_conf *gw)
{
	free(gw->style);
	free(gw->url);
	conf_strv_free(gw->fields, gw->nfields);
	conf_strv_free(gw->headers, gw->nheaders);
	free(gw->username);
	free(gw->password);
	free(gw->bearer_token);
	free(gw->ca_file);
	free(gw->success_codes);
	free(gw->success_body);
	free(gw->from);
}

int
conf_deadman_load(cfg_t *d, struct sms_conf *c)
{
	c->deadman.enabled = d == NULL || cfg_getbool(d, "enabled");
	c->deadman.missed = d ? cfg_getint(d, "missed") : 3;
	{
		int sev = d ? alert_severity_from_name(cfg_getstr(d,
		    "severity")) : MH_SEV_CRITICAL;

		c->deadman.severity = sev < 0 ? MH_SEV_UNKNOWN :
		    (enum mh_severity)sev;
	}
	c->deadman.forget = d ? cfg_getint(d, "forget") : 7 * 86400;
	return 0;
}

int
conf_recon_load(cfg_t *r, struct sms_conf *c, const char *file, char *err,
    size_t errlen)
{
	struct recon_conf *rc = &c->recon;
	const char *s;
	char e[300];

	if (r == NULL)
		return 0;
	rc->interval = cfg_getint(r, "interval");
	rc->port = cfg_getint(r, "port");
	rc->timeout_ms = cfg_getint(r, "timeout") * 1000;
	rc->community = xstrdup(cfg_getstr(r, "community"));
	if ((s = conf_str(r, "user")) != NULL) {
		rc->user = xstrdup(s);
		rc->auth_proto = xstrdup(cfg_getstr(r, "auth_protocol"));
		rc->priv_proto = xstrdup(cfg_getstr(r, "priv_protocol"));
		if ((s = conf_str(r, "auth_passphrase_file")) != NULL &&
		    (rc->auth_pass = conf_gw_read_secret(s, e, sizeof(e))) ==
		    NULL)
			goto bad;
		if ((s = conf_str(r, "priv_passphrase_file")) != NULL &&
		    (rc->priv_pass = conf_gw_read_secret(s, e, sizeof(e))) ==
		    NULL)
			goto bad;
		if (rc->priv_pass && rc->auth_pass == NULL) {
			snprintf(e, sizeof(e), "privacy needs an "
			    "auth_passphrase_file too");
			goto bad;
		}
	}
	return 0;
bad:
	snprintf(err, errlen, "%s:%d: reconcile: %s", file, r->line, e);
	return -1;
}

void
conf_recon_free(struct recon_conf *rc)
{
	free(rc->community);
	free(rc->user);
	free(rc->auth_proto);
	free(rc->priv_proto);
	free(rc->auth_pass);
	free(rc->priv_pass);
}
