/*
 * logparse.c: hand each log line to the parser of its program family,
 * then to the site rules if no built-in parser counted it.
 *
 * What is counted (the rules every parser follows; docs/logs.md says the
 * same for the admin, with the exact lines of each MTA):
 *
 *  - received: one per message that entered the queue, i.e. one per
 *    queue id (Postfix cleanup's "message-id=" line, qmail's "new msg",
 *    Exim's "<="). Bounces the MTA generates itself count too: they
 *    enter the queue.
 *  - submit: who submitted an accepted message, emitted with the
 *    "received" event: the SMTP AUTH user, else the local user (Postfix
 *    pickup's uid=, qmail's "info msg ... uid", Exim's U= on P=local*).
 *    The MTA's own users (LOGPARSE_NOT_SUBMITTERS) are never submitters;
 *    root is one (a script or cron job sending junk is exactly what the
 *    admin must see).
 *  - delivered / deferred / bounced: one per recipient per delivery
 *    attempt with that outcome (Postfix "status=" lines, qmail
 *    "delivery N:" lines, Exim "=>"/"->", "==", "**"). Deliveries carry
 *    the submitter of their message when it is still remembered, for
 *    "distinct recipient domains per submitter". A Postfix message that
 *    expires ("status=expired, returned to sender") is one bounce with no
 *    domain: Postfix logs no recipient line for it. Exim "==" lines that
 *    only say the retry time was not reached are not attempts.
 *  - rejected: one per refusal line (Postfix "reject:" and
 *    "milter-reject:" from smtpd, cleanup and postscreen; Exim
 *    "rejected"; tcpserver "deny", rblsmtpd, qmail-smtpd qlog
 *    "result=rejected"). Warnings (reject_warning) are not refusals.
 *  - auth_fail: one per password checked and refused, counted once:
 *    for SMTP from the MTA's own line (Postfix "SASL ... authentication
 *    failed", Exim "authenticator failed ... 535", the qmail-smtpd AUTH
 *    patch, or vchkpw when the MTA logs none), for IMAP/POP3/submission
 *    from Dovecot's login process ("auth failed, N attempts" counts N).
 *    The auth server's own lines ("auth: passwd-file(...): Password
 *    mismatch") are never counted on their own: they only recover the
 *    failures of a session that then logged in, which the login process
 *    does not report. Exim's 435 (temporary) is not a refusal.
 *  - auth_nopass: refused (or abandoned) before any password was checked:
 *    plaintext disabled, no auth attempts, AUTH aborted (Postfix
 *    "auth=0/1" with no failure line in that session).
 *  - auth_ok: one per successful login (Dovecot "Login:", Postfix's
 *    "auth=N" in the disconnect line, vchkpw "login success", the qmail
 *    AUTH patch's success line; Exim logs none, so its "<=" with A=
 *    counts one per authenticated message).
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "logs/lp_int.h"

#define UIDCACHE 64
#define SCRATCH 1024

struct uidname {
	unsigned long uid;
	bool used;
	char name[LP_USER_MAX];
};

struct logparse {
	size_t msg_slots, session_slots;
	const char **notsub;	/* NULL-terminated, owned copies */
	logparse_uid_fn uid_name;
	void *uid_arg;
	struct uidname uidcache[UIDCACHE];
	unsigned uidnext;
	void *fam[LOGP_COUNT];	/* each family's state, NULL until used */
	struct lp_rules *rules;
	char scratch[SCRATCH];
	struct logparse_stats st;
};

static const char *const default_notsub[] = { LOGPARSE_NOT_SUBMITTERS, NULL };

/* The program families, by the parser that reads them (LOGP_AUTO:
 * none). */
static const struct lp_family *const families[LOGP_COUNT] = {
	[LOGP_POSTFIX] = &lp_postfix_family,
	[LOGP_DOVECOT] = &lp_dovecot_family,
	[LOGP_QMAIL] = &lp_qmail_family,
	[LOGP_EXIM] = &lp_exim_family,
};

struct logparse *
logparse_new(const struct logparse_conf *c)
{
	struct logparse *lp = xcalloc(1, sizeof(*lp));
	const char *const *ns = default_notsub;
	size_t i, n = 0;

	lp->msg_slots = 16384;
	lp->session_slots = 4096;
	if (c != NULL) {
		if (c->msg_slots)
			lp->msg_slots = c->msg_slots;
		if (c->session_slots)
			lp->session_slots = c->session_slots;
		if (c->not_submitters != NULL)
			ns = c->not_submitters;
		lp->uid_name = c->uid_name;
		lp->uid_arg = c->uid_arg;
	}
	while (ns[n] != NULL)
		n++;
	lp->notsub = xcalloc(n + 1, sizeof(*lp->notsub));
	for (i = 0; i < n; i++)
		lp->notsub[i] = xstrdup(ns[i]);
	lp->rules = lp_rules_new();
	return lp;
}

static void
families_free(struct logparse *lp)
{
	size_t p;

	for (p = 0; p < LOGP_COUNT; p++) {
		if (lp->fam[p] != NULL)
			families[p]->fini(lp->fam[p]);
		lp->fam[p] = NULL;
	}
}

void
logparse_free(struct logparse *lp)
{
	size_t i;

	if (lp == NULL)
		return;
	families_free(lp);
	lp_rules_free(lp->rules);
	for (i = 0; lp->notsub[i] != NULL; i++)
		free((char *)lp->notsub[i]);
	free(lp->notsub);
	free(lp);
}

void
logparse_reset(struct logparse *lp)
{
	families_free(lp);
	memset(&lp->st, 0, sizeof(lp->st));
}

void
logparse_add_rule(struct logparse *lp, struct logrule *r)
{
	lp_rules_add(lp->rules, r);
}

char *
lp_scratch(struct logparse *lp, size_t *len)
{
	*len = sizeof(lp->scratch);
	return lp->scratch;
}

void
lp_event_init(struct log_event *ev, enum log_ev_kind kind)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->count = 1;
}

void
lp_emit(struct lp_emit *e, struct log_event *ev)
{
	if (ev->count == 0)
		return;
	ev->ts = e->ts;
	e->n++;
	e->lp->st.events++;
	e->fn(e->arg, ev);
}

void
lp_submit(struct lp_emit *e, struct lpmap *msgs, struct log_str id,
    struct log_str user, struct log_str client, enum log_proto proto)
{
	struct lp_msg *msg = lpmap_put(msgs, id.p, id.n);
	struct log_event ev;

	if (msg != NULL) {
		lpscan_copy(msg->user, sizeof(msg->user), user);
		lpscan_copy(msg->client, sizeof(msg->client), client);
		msg->proto = (uint8_t)proto;
	}
	lp_event_init(&ev, LEV_SUBMIT);
	ev.qid = id;
	ev.user = user;
	ev.client = client;
	ev.proto = proto;
	lp_emit(e, &ev);
}

bool
lp_not_submitter(const struct logparse *lp, struct log_str user)
{
	size_t i;

	for (i = 0; lp->notsub[i] != NULL; i++)
		if (strlen(lp->notsub[i]) == user.n &&
		    memcmp(lp->notsub[i], user.p, user.n) == 0)
			return true;
	return false;
}

static bool
uid_getpw(unsigned long uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r((uid_t)uid, &pw, tmp, sizeof(tmp), &res) != 0 ||
	    res == NULL)
		return false;
	lpscan_copy(buf, len, lps_cstr(res->pw_name));
	return true;
}

/* uid -> name through a small cache: the uids in a mail log are few
 * (qmaild, qmails, a handful of local users), getpwuid_r may read a file
 * or ask NSS every time. */
struct log_str
lp_uid_name(struct logparse *lp, unsigned long uid, char *buf, size_t len)
{
	struct uidname *u;
	bool ok;
	unsigned i;

	for (i = 0; i < UIDCACHE; i++) {
		u = &lp->uidcache[i];
		if (u->used && u->uid == uid) {
			lpscan_copy(buf, len, lps_cstr(u->name));
			return lps_cstr(buf);
		}
	}
	u = &lp->uidcache[lp->uidnext++ % UIDCACHE];
	u->uid = uid;
	u->used = true;
	if (lp->uid_name != NULL)
		ok = lp->uid_name(lp->uid_arg, uid, u->name, sizeof(u->name));
	else
		ok = uid_getpw(uid, u->name, sizeof(u->name));
	if (!ok)
		snprintf(u->name, sizeof(u->name), "%lu", uid);
	lpscan_copy(buf, len, lps_cstr(u->name));
	return lps_cstr(buf);
}

static bool
prog_is(struct log_str p, const char *const *names)
{
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (p.n == strlen(names[i]) && memcmp(p.p, names[i], p.n) == 0)
			return true;
	return false;
}

/* A line without a program name (an Exim mainlog, a multilog directory)
 * and no parser option: guess from its first words. */
static enum log_parser
sniff(struct log_str m)
{
	static const char *const qm[] = { "new msg ", "info msg ",
		"starting delivery ", "delivery ", "status: ", "end msg ",
		"bounce msg ", "tcpserver: ", "rblsmtpd: ", "qmail-smtpd",
		"qlogenvelope:", "qlogreceived:", NULL };
	size_t i;

	for (i = 0; qm[i] != NULL; i++)
		if (lpscan_starts(m, qm[i], strlen(qm[i])))
			return LOGP_QMAIL;
	/* an Exim message id: 6-6-2 (or 6-11-4 since 4.97) base62 */
	if (m.n > 17 && m.p[6] == '-' && (m.p[13] == '-' || m.p[18] == '-'))
		return LOGP_EXIM;
	if (LPS_FIND(m, " authenticator failed for ") != NULL ||
	    LPS_STARTS(m, "H="))
		return LOGP_EXIM;
	return LOGP_AUTO;
}

static enum log_parser
by_prog(struct log_str p, struct log_str msg)
{
	static const char *const dove[] = { "dovecot", "imap-login",
		"pop3-login", "submission-login", "managesieve-login", "auth",
		NULL };
	static const char *const qm[] = { "qmail", "qmail-send",
		"qmail-smtpd", "tcpserver", "rblsmtpd", "vpopmail", "splogger",
		"qmail-pop3d", NULL };
	static const char *const ex[] = { "exim", "exim4", NULL };

	if (p.n == 0)
		return sniff(msg);
	if (LPS_STARTS(p, "postfix"))
		return LOGP_POSTFIX;
	if (prog_is(p, dove) || LPS_STARTS(p, "auth-worker") ||
	    LPS_STARTS(p, "dovecot"))
		return LOGP_DOVECOT;
	if (prog_is(p, qm) || LPS_STARTS(p, "vchkpw"))
		return LOGP_QMAIL;
	if (prog_is(p, ex))
		return LOGP_EXIM;
	return LOGP_AUTO;
}

size_t
logparse_line(struct logparse *lp, const struct log_line *line, int64_t now,
    logparse_emit_fn fn, void *arg)
{
	struct lp_emit e = { lp, line, line->ts ? line->ts : now, fn, arg, 0 };
	enum log_parser p = line->parser;
	struct log_str prog = line->prog, msg = line->msg;
	const struct lp_family *f;

	lp->st.lines++;
	if (prog.p == NULL)
		prog.n = 0;
	if (msg.p == NULL) {
		msg.p = "";
		msg.n = 0;
	}
	if (p <= LOGP_AUTO || p >= LOGP_COUNT)
		p = by_prog(prog, msg);
	lp->st.by_parser[p]++;
	f = families[p];
	if (f != NULL) {
		if (lp->fam[p] == NULL)
			lp->fam[p] = f->init(lp->msg_slots, lp->session_slots);
		f->line(&e, lp->fam[p], prog, msg);
	}
	if (e.n == 0 && !lp_rules_empty(lp->rules) && lp_rules_line(lp->rules, &e))
		lp->st.rule_hits++;
	if (e.n > 0)
		lp->st.counted_lines++;
	return e.n;
}

void
logparse_stats(const struct logparse *lp, struct logparse_stats *st)
{
	uint64_t m = 0, s = 0, a, b;
	size_t p;

	*st = lp->st;
	for (p = 0; p < LOGP_COUNT; p++) {
		if (lp->fam[p] == NULL)
			continue;
		families[p]->evicted(lp->fam[p], &a, &b);
		m += a;
		s += b;
	}
	st->msg_evicted = m;
	st->session_evicted = s;
}

const char *
logparse_kind_name(enum log_ev_kind k)
{
	switch (k) {
	case LEV_RECEIVED: return "received";
	case LEV_SUBMIT: return "submit";
	case LEV_DELIVERED: return "delivered";
	case LEV_DEFERRED: return "deferred";
	case LEV_BOUNCED: return "bounced";
	case LEV_REJECTED: return "rejected";
	case LEV_AUTH_FAIL: return "auth_fail";
	case LEV_AUTH_NOPASS: return "auth_nopass";
	case LEV_AUTH_OK: return "auth_ok";
	}
	return "?";
}

const char *
logparse_proto_name(enum log_proto p)
{
	switch (p) {
	case LPROTO_NONE: return "";
	case LPROTO_SMTP: return "smtp";
	case LPROTO_SUBMISSION: return "submission";
	case LPROTO_POP3: return "pop3";
	case LPROTO_IMAP: return "imap";
	case LPROTO_COUNT: break;
	}
	return "?";
}

bool
logparse_parser_by_name(const char *name, enum log_parser *out)
{
	size_t p;

	for (p = 0; p < LOGP_COUNT; p++)
		if (families[p] != NULL &&
		    strcmp(name, families[p]->name) == 0) {
			*out = (enum log_parser)p;
			return true;
		}
	return false;
}
