/*
 * logs_conf.c: the log collector's sections of mailhealthd.conf.
 *
 *   log mail {                   one per log source
 *       path = "/var/log/mail.log"    a file, followed across rotation
 *     | multilog = "/var/log/qmail/send"   a daemontools directory
 *     | journal = true             the systemd journal
 *           units = { "postfix@-.service" }  identifiers = { "dovecot" }
 *           path = "/var/log/journal/remote"  (journal files there)
 *       parser = postfix | dovecot | qmail | exim   (lines without a
 *                                    program name: mainlog, multilog)
 *   }
 *   rule webmail { match = "REGEX" kind = auth_failure user = 1
 *       client = 2 proto = imap program = "roundcube" }
 *   logs { rate_window = 300 auth_window = 300 counters = 4096
 *       interval = 30 deadline = 90 }
 *
 * Site rules are compiled here once, so a bad expression is an error
 * with its file and line, never a surprise at run time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logs.h"

#define NAME_MAX_LEN 64

static cfg_opt_t log_sec[] = {
	CFG_STR("path", NULL, CFGF_NONE),
	CFG_STR("multilog", NULL, CFGF_NONE),
	CFG_BOOL("journal", cfg_false, CFGF_NONE),
	CFG_STR_LIST("units", NULL, CFGF_NONE),
	CFG_STR_LIST("identifiers", NULL, CFGF_NONE),
	CFG_STR("parser", NULL, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t rule_sec[] = {
	CFG_STR("match", NULL, CFGF_NONE),
	CFG_STR("kind", NULL, CFGF_NONE),
	CFG_INT("user", 0, CFGF_NONE),
	CFG_INT("client", 0, CFGF_NONE),
	CFG_STR("proto", NULL, CFGF_NONE),
	CFG_STR("program", NULL, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t logs_sec[] = {
	CFG_INT("rate_window", 300, CFGF_NONE),
	CFG_INT("auth_window", 300, CFGF_NONE),
	CFG_INT("counters", 4096, CFGF_NONE),
	CFG_INT("interval", 0, CFGF_NONE),
	CFG_INT("deadline", 0, CFGF_NONE),
	CFG_END()
};

cfg_opt_t logs_opts[] = {
	CFG_SEC("log", log_sec, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("rule", rule_sec, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("logs", logs_sec, CFGF_NONE),
	CFG_END()
};

static int
v_parser(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *p = cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);
	enum log_parser lp;

	if (p == NULL || !logparse_parser_by_name(p, &lp)) {
		cfg_error(cfg, "parser = '%s': not one of postfix, dovecot, "
		    "qmail, exim", p ? p : "");
		return -1;
	}
	return 0;
}

/* The name makes the state file's name: nothing that could leave the
 * state directory or surprise a shell. */
static bool
name_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || s[0] == '.' ||
	    strlen(s) > NAME_MAX_LEN)
		return false;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

/* Cross-option rules of a log section, checked when it closes. */
static int
v_log(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *t = cfg_title(sec);
	bool journal = cfg_getbool(sec, "journal");
	int n = (cfg_getstr(sec, "path") && !journal) +
	    (cfg_getstr(sec, "multilog") != NULL) + journal;

	if (!name_ok(t)) {
		cfg_error(cfg, "log %s: a log name is 1 to %d letters, digits, "
		    "'-', '_' or '.' (it names the state file)", t ? t : "",
		    NAME_MAX_LEN);
		return -1;
	}
	if (n != 1) {
		cfg_error(cfg, "log %s: %s", t, n == 0 ? "one of path, "
		    "multilog or journal = true is required" : "path, "
		    "multilog and journal = true exclude each other");
		return -1;
	}
	if (!journal && (cfg_size(sec, "units") || cfg_size(sec,
	    "identifiers"))) {
		cfg_error(cfg, "log %s: units and identifiers need journal = "
		    "true", t);
		return -1;
	}
	if (journal && !logsrc_have_journal()) {
		cfg_error(cfg, "log %s: this mailhealthd was built without "
		    "libsystemd: no journal", t);
		return -1;
	}
	return 0;
}

static int
v_rule(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *t = cfg_title(sec);
	struct logrule *r;
	char *err = NULL;

	if (cfg_getstr(sec, "match") == NULL || cfg_getstr(sec, "kind") ==
	    NULL) {
		cfg_error(cfg, "rule %s: match and kind are required", t);
		return -1;
	}
	r = logrule_new(t, cfg_getstr(sec, "match"), cfg_getstr(sec, "kind"),
	    cfg_getstr(sec, "proto"), cfg_getstr(sec, "program"),
	    (int)cfg_getint(sec, "user"), (int)cfg_getint(sec, "client"),
	    &err);
	if (r == NULL) {
		cfg_error(cfg, "%s", err ? err : "bad rule");
		free(err);
		return -1;
	}
	logrule_free(r);
	return 0;
}

static const struct conf_range logs_ranges[] = {
	{ "rule|user", 0, 99 },
	{ "rule|client", 0, 99 },
	{ "logs|rate_window", 10, 86400 },
	{ "logs|auth_window", 10, 86400 },
	{ "logs|counters", 16, 1000000 },
	{ "logs|interval", 0, 86400 },
	{ "logs|deadline", 0, 86400 },
};

void
logs_conf_validate(cfg_t *cfg)
{
	conf_ranges(cfg, logs_ranges, MH_ARRAY_SIZE(logs_ranges));
	cfg_set_validate_func(cfg, "log", v_log);
	cfg_set_validate_func(cfg, "log|path", conf_v_path);
	cfg_set_validate_func(cfg, "log|multilog", conf_v_path);
	cfg_set_validate_func(cfg, "log|parser", v_parser);
	cfg_set_validate_func(cfg, "rule", v_rule);
}

static char **
strlist(cfg_t *sec, const char *name)
{
	unsigned i, n = cfg_size(sec, name);
	char **v;

	if (n == 0)
		return NULL;
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = xstrdup(cfg_getnstr(sec, name, i));
	return v;
}

int
logs_conf_read(cfg_t *cfg, struct conf *c, struct conf_col *cc, char **err)
{
	struct logs_conf *lc = xcalloc(1, sizeof(*lc));
	cfg_t *sec = cfg_getsec(cfg, "logs");
	unsigned i;

	(void)c;
	(void)err;
	lc->nsrc = cfg_size(cfg, "log");
	lc->src = xcalloc(lc->nsrc ? lc->nsrc : 1, sizeof(*lc->src));
	for (i = 0; i < lc->nsrc; i++) {
		cfg_t *l = cfg_getnsec(cfg, "log", i);
		struct logs_src_conf *s = &lc->src[i];
		const char *p = cfg_getstr(l, "parser");

		s->name = xstrdup(cfg_title(l));
		if (cfg_getbool(l, "journal")) {
			s->kind = LOGSRC_JOURNAL;
			s->path = conf_strdup(l, "path");
			s->units = strlist(l, "units");
			s->idents = strlist(l, "identifiers");
		} else if (cfg_getstr(l, "multilog") != NULL) {
			s->kind = LOGSRC_MULTILOG;
			s->path = xstrdup(cfg_getstr(l, "multilog"));
		} else {
			s->kind = LOGSRC_FILE;
			s->path = xstrdup(cfg_getstr(l, "path"));
		}
		s->parser = LOGP_AUTO;
		if (p != NULL)
			logparse_parser_by_name(p, &s->parser);
	}
	lc->nrules = cfg_size(cfg, "rule");
	lc->rules = xcalloc(lc->nrules ? lc->nrules : 1, sizeof(*lc->rules));
	for (i = 0; i < lc->nrules; i++) {
		cfg_t *r = cfg_getnsec(cfg, "rule", i);
		struct logs_rule_conf *rc = &lc->rules[i];

		rc->name = xstrdup(cfg_title(r));
		rc->match = xstrdup(cfg_getstr(r, "match"));
		rc->kind = xstrdup(cfg_getstr(r, "kind"));
		rc->proto = conf_strdup(r, "proto");
		rc->program = conf_strdup(r, "program");
		rc->user = (int)cfg_getint(r, "user");
		rc->client = (int)cfg_getint(r, "client");
	}
	lc->rate_window = sec ? (unsigned)cfg_getint(sec, "rate_window") : 300;
	lc->auth_window = sec ? (unsigned)cfg_getint(sec, "auth_window") : 300;
	lc->counters = sec ? (size_t)cfg_getint(sec, "counters") : 4096;
	if (sec != NULL) {
		cc->interval = cfg_getint(sec, "interval");
		cc->deadline = cfg_getint(sec, "deadline");
	}
	cc->cc = lc;
	/* rules alone read nothing */
	cc->on = lc->nsrc > 0;
	return 0;
}

static void
strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

void
logs_conf_free(void *p)
{
	struct logs_conf *lc = p;
	size_t i;

	if (lc == NULL)
		return;
	for (i = 0; i < lc->nsrc; i++) {
		free(lc->src[i].name);
		free(lc->src[i].path);
		strv_free(lc->src[i].units);
		strv_free(lc->src[i].idents);
	}
	for (i = 0; i < lc->nrules; i++) {
		free(lc->rules[i].name);
		free(lc->rules[i].match);
		free(lc->rules[i].kind);
		free(lc->rules[i].proto);
		free(lc->rules[i].program);
	}
	free(lc->src);
	free(lc->rules);
	free(lc);
}

struct logparse *
logs_parser_new(const struct logs_conf *lc)
{
	struct logparse *lp = logparse_new(NULL);
	size_t i;

	for (i = 0; i < lc->nrules; i++) {
		const struct logs_rule_conf *r = &lc->rules[i];
		char *err = NULL;
		struct logrule *rule = logrule_new(r->name, r->match, r->kind,
		    r->proto, r->program, r->user, r->client, &err);

		/* checked when the configuration was read: only a
		 * library that changed under us fails here */
		if (rule == NULL) {
			log_warnx("logs", "%s", err ? err : "bad rule");
			free(err);
			continue;
		}
		logparse_add_rule(lp, rule);
	}
	return lp;
}

void
logs_window_text(char *buf, size_t len, unsigned s)
{
	if (s % 3600 == 0)
		snprintf(buf, len, "%uh", s / 3600);
	else if (s % 60 == 0)
		snprintf(buf, len, "%umin", s / 60);
	else
		snprintf(buf, len, "%us", s);
}
