/*
 * lp_rules.c: site rules, for lines no built-in parser knows (another
 * AUTH patch, a webmail):
 *
 *   rule webmail-fail {
 *       match = "login failed for (\\S+) from ([0-9.]+)"
 *       kind = auth_failure  user = 1  client = 2
 *   }
 *
 * Each expression is compiled once, with PCRE2 (JIT-compiled when the
 * library supports it; the interpreter otherwise, same results), and
 * matched against the message part of lines on which no built-in parser
 * emitted anything, so a rule never counts a line twice. The first rule
 * that matches wins. Match data is allocated once per rule: matching
 * allocates nothing.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "logs/lp_int.h"

struct logrule {
	char *name;
	char *program;		/* NULL: any */
	enum log_ev_kind kind;
	enum log_proto proto;
	int user_group, client_group;
	pcre2_code *re;
	pcre2_match_data *md;
	struct logrule *next;
};

struct lp_rules {
	struct logrule *head, *tail;
};

static const struct {
	const char *name;
	enum log_ev_kind kind;
} kinds[] = {
	{ "auth_failure", LEV_AUTH_FAIL },
	{ "auth_nopass", LEV_AUTH_NOPASS },
	{ "auth_success", LEV_AUTH_OK },
	{ "submission", LEV_SUBMIT },
	{ "rejected", LEV_REJECTED },
};

static const struct {
	const char *name;
	enum log_proto proto;
} protos[] = {
	{ "smtp", LPROTO_SMTP },
	{ "submission", LPROTO_SUBMISSION },
	{ "pop3", LPROTO_POP3 },
	{ "imap", LPROTO_IMAP },
};

void
logrule_free(struct logrule *r)
{
	if (r == NULL)
		return;
	pcre2_match_data_free(r->md);
	pcre2_code_free(r->re);
	free(r->name);
	free(r->program);
	free(r);
}

struct logrule *
logrule_new(const char *name, const char *regex, const char *kind,
    const char *proto, const char *program, int user_group,
    int client_group, char **err)
{
	struct logrule *r = xcalloc(1, sizeof(*r));
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	uint32_t groups = 0;
	size_t i;
	int ec;

	*err = NULL;
	r->name = xstrdup(name);
	r->program = program != NULL ? xstrdup(program) : NULL;
	for (i = 0; kind != NULL && i < MH_ARRAY_SIZE(kinds); i++)
		if (strcmp(kind, kinds[i].name) == 0)
			break;
	if (kind == NULL || i == MH_ARRAY_SIZE(kinds)) {
		*err = xasprintf("rule %s: kind '%s' is not one of auth_failure, "
		    "auth_nopass, auth_success, submission, rejected", name,
		    kind ? kind : "");
		goto fail;
	}
	r->kind = kinds[i].kind;
	r->proto = LPROTO_NONE;
	if (proto != NULL && proto[0] != '\0') {
		for (i = 0; i < MH_ARRAY_SIZE(protos); i++)
			if (strcmp(proto, protos[i].name) == 0)
				break;
		if (i == MH_ARRAY_SIZE(protos)) {
			*err = xasprintf("rule %s: proto '%s' is not one of smtp, "
			    "submission, pop3, imap", name, proto);
			goto fail;
		}
		r->proto = protos[i].proto;
	}
	if (regex == NULL || regex[0] == '\0') {
		*err = xasprintf("rule %s: match is missing or empty", name);
		goto fail;
	}
	r->re = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, 0, &ec,
	    &off, NULL);
	if (r->re == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		*err = xasprintf("rule %s: match: %s at offset %zu", name,
		    (const char *)msg, (size_t)off);
		goto fail;
	}
	(void)pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &groups);
	if (user_group < 0 || client_group < 0 ||
	    (uint32_t)user_group > groups || (uint32_t)client_group > groups) {
		*err = xasprintf("rule %s: user = %d, client = %d, but the "
		    "expression has %u capture group%s", name, user_group,
		    client_group, groups, groups == 1 ? "" : "s");
		goto fail;
	}
	if (r->kind == LEV_SUBMIT && user_group == 0) {
		*err = xasprintf("rule %s: kind submission needs user = GROUP "
		    "(who submitted)", name);
		goto fail;
	}
	r->user_group = user_group;
	r->client_group = client_group;
	/* JIT when available; a failure only means the interpreter runs */
	(void)pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);
	r->md = pcre2_match_data_create_from_pattern(r->re, NULL);
	return r;
fail:
	logrule_free(r);
	return NULL;
}

struct lp_rules *
lp_rules_new(void)
{
	return xcalloc(1, sizeof(struct lp_rules));
}

void
lp_rules_free(struct lp_rules *rs)
{
	struct logrule *r, *n;

	if (rs == NULL)
		return;
	for (r = rs->head; r != NULL; r = n) {
		n = r->next;
		logrule_free(r);
	}
	free(rs);
}

void
lp_rules_add(struct lp_rules *rs, struct logrule *r)
{
	r->next = NULL;
	if (rs->tail != NULL)
		rs->tail->next = r;
	else
		rs->head = r;
	rs->tail = r;
}

bool
lp_rules_empty(const struct lp_rules *rs)
{
	return rs->head == NULL;
}

static struct log_str
group(const struct logrule *r, struct log_str subj, int g)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);

	if (g <= 0 || ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] < ov[2 * g])
		return lps_mk(NULL, 0);
	return lps_mk(subj.p + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

bool
lp_rules_line(struct lp_rules *rs, struct lp_emit *e)
{
	struct log_str subj = e->line->msg, prog = e->line->prog;
	struct logrule *r;
	struct log_event ev;
	int rc;

	if (subj.p == NULL)
		subj = lps_mk("", 0);
	for (r = rs->head; r != NULL; r = r->next) {
		if (r->program != NULL && (prog.p == NULL ||
		    strlen(r->program) != prog.n ||
		    memcmp(r->program, prog.p, prog.n) != 0))
			continue;
		rc = pcre2_match(r->re, (PCRE2_SPTR)subj.p, subj.n, 0, 0, r->md,
		    NULL);
		if (rc < 0)
			continue;	/* no match, or a match limit hit */
		lp_event_init(&ev, r->kind);
		ev.proto = r->proto;
		ev.user = group(r, subj, r->user_group);
		ev.client = group(r, subj, r->client_group);
		lp_emit(e, &ev);
		return true;
	}
	return false;
}
