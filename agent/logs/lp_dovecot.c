/*
 * lp_dovecot.c: Dovecot's login processes and auth server (checked on
 * Dovecot 2.3.19, Debian 12: tests/data/logs/dovecot-2.3.log).
 *
 * Through syslog a line is "dovecot: imap-login: Login: ..."; in
 * Dovecot's own log_path file it is "imap-login: Info: Login: ...". Both
 * are read: the program name may be "dovecot" (then the service leads
 * the message) or the service itself, and a level ("Info: ") may follow.
 *
 *   X-login: Login: user=<u>, method=M, rip=IP, ...           auth_ok
 *   X-login: Disconnected...(auth failed, N attempts in S secs):
 *            user=<u>, method=M, rip=IP, ...                   auth_fail x N
 *     the same without method= (every attempt refused before the
 *     password: plaintext disabled)                            auth_nopass x N
 *   X-login: ...(no auth attempts in S secs): ..., rip=IP      auth_nopass
 *   X-login: ...(tried to use disallowed plaintext auth): ...  auth_nopass
 *   X-login: ...(client didn't finish SASL auth, ...): ...     auth_nopass
 *   auth: DRIVER(user,ip,<session>): Password mismatch | unknown user
 *
 * The login process reports the failed attempts of a session only when
 * the session ends without logging in. A session that fails and then
 * logs in shows its failures only in the auth server's lines (with
 * auth_verbose). So those lines are remembered per session id, never
 * counted on their own: the "Login:" line of that session emits them,
 * and a "Disconnected (auth failed, N attempts)" line drops them (its N
 * already counts them). Each failure is counted once, either way.
 */
#include "config.h"

#include <stdlib.h>

#include "util.h"
#include "logs/lp_int.h"

struct dc_sess {
	uint32_t fails;
	char user[LP_USER_MAX];
	char client[LP_IP_MAX];
};

struct lp_dovecot {
	struct lpmap *sess;
};

static void *
lp_dovecot_new(size_t msg_slots, size_t session_slots)
{
	struct lp_dovecot *dc = xcalloc(1, sizeof(*dc));

	(void)msg_slots;
	dc->sess = lpmap_new(session_slots, sizeof(struct dc_sess));
	return dc;
}

static void
lp_dovecot_free(void *arg)
{
	struct lp_dovecot *dc = arg;

	if (dc == NULL)
		return;
	lpmap_free(dc->sess);
	free(dc);
}

static void
lp_dovecot_evicted(const void *arg, uint64_t *msg, uint64_t *sess)
{
	const struct lp_dovecot *dc = arg;

	*msg = 0;
	*sess = lpmap_evicted(dc->sess);
}

/* "Info: ", "Warning: ", ... as written in log_path files. */
static void
dc_skip_level(struct log_str *m)
{
	(void)(LPS_SKIP(m, "Info: ") || LPS_SKIP(m, "Warning: ") ||
	    LPS_SKIP(m, "Error: ") || LPS_SKIP(m, "Debug: ") ||
	    LPS_SKIP(m, "Fatal: ") || LPS_SKIP(m, "Panic: "));
}

/* "session=<ID>" of a login line: the key shared with the auth lines. */
static struct log_str
dc_session(struct log_str m)
{
	return LPS_FIELD(m, "session=<", ">");
}

static void
dc_flush_session(struct lp_emit *e, struct lp_dovecot *dc,
    struct log_str sid, enum log_proto proto, bool emit)
{
	struct dc_sess *s;
	struct log_event ev;

	if (sid.n == 0 || (s = lpmap_get(dc->sess, sid.p, sid.n)) == NULL)
		return;
	if (emit && s->fails > 0) {
		lp_event_init(&ev, LEV_AUTH_FAIL);
		ev.proto = proto;
		ev.count = s->fails;
		ev.user = lps_cstr(s->user);
		ev.client = lps_cstr(s->client);
		ev.reason = lps_cstr("failed before a successful login");
		lp_emit(e, &ev);
	}
	lpmap_del(dc->sess, sid.p, sid.n);
}

/* The (user, client) fields that follow "): " or "Login: ". */
static void
dc_fields(struct log_str m, struct log_event *ev)
{
	ev->user = LPS_FIELD(m, "user=<", ">");
	ev->client = LPS_FIELD(m, "rip=", ",");
}

static void
dc_login(struct lp_emit *e, struct lp_dovecot *dc, enum log_proto proto,
    struct log_str m)
{
	struct log_event ev;
	struct log_str sid = dc_session(m);

	dc_flush_session(e, dc, sid, proto, true);
	lp_event_init(&ev, LEV_AUTH_OK);
	ev.proto = proto;
	dc_fields(m, &ev);
	lp_emit(e, &ev);
}

/* Any end of a login session: find the parenthesised reason. */
static void
dc_end(struct lp_emit *e, struct lp_dovecot *dc, enum log_proto proto,
    struct log_str m)
{
	struct log_event ev;
	const char *p;
	struct log_str r, tail;
	unsigned long n;

	if ((p = LPS_FIND(m, "(auth failed, ")) != NULL) {
		r = lpscan_from(m, p + 14);
		if (!lpscan_ulong(&r, &n, 0xffffffUL) || n == 0)
			return;
		tail = lpscan_from(m, r.p);
		lp_event_init(&ev, LEV_AUTH_FAIL);
		/* No method=: no mechanism ran, so no password was ever
		 * checked (the LOGIN command with plaintext disabled). */
		if (LPS_FIND(tail, ", method=") == NULL)
			ev.kind = LEV_AUTH_NOPASS;
		ev.count = (uint32_t)n;
	} else if ((p = LPS_FIND(m, "(no auth attempts")) != NULL ||
	    (p = LPS_FIND(m, "plaintext auth)")) != NULL ||
	    (p = LPS_FIND(m, "(client didn't finish SASL auth")) != NULL) {
		tail = lpscan_from(m, p);
		lp_event_init(&ev, LEV_AUTH_NOPASS);
	} else {
		return;
	}
	dc_flush_session(e, dc, dc_session(m), proto, false);
	ev.proto = proto;
	dc_fields(tail, &ev);
	/* the whole parenthesised reason, from the '(' at or before p */
	p = lpscan_rfind(lps_mk(m.p, (size_t)(p + 1 - m.p)), "(", 1);
	if (p != NULL)
		ev.reason = lpscan_until(m, p + 1, ')');
	lp_emit(e, &ev);
}

/* "passwd-file(alice,127.0.0.3,<9tHsV35hWaR/AAAD>): Password mismatch",
 * after "auth: " or "auth-worker(N): " (2.3 may put "conn unix:...:
 * auth-worker<N>: " in between). Only lines with a session id matter. */
static void
dc_auth(struct lp_dovecot *dc, struct log_str m)
{
	const char *open, *close;
	struct log_str args, user, ip, sid, what;
	struct dc_sess *s;

	close = LPS_FIND(m, ">): ");
	if (close == NULL)
		return;
	what = lpscan_from(m, close + 4);
	if (!LPS_STARTS(what, "Password mismatch") &&
	    !LPS_STARTS(what, "unknown user") &&
	    !LPS_STARTS(what, "pam_authenticate() failed"))
		return;
	args = lps_mk(m.p, (size_t)(close + 1 - m.p));
	open = lpscan_rfind(args, ",<", 2);
	if (open == NULL)
		return;
	sid = lps_mk(open + 2, (size_t)(close - open - 2));
	args.n = (size_t)(open - args.p);
	open = lpscan_rfind(args, "(", 1);
	if (open == NULL)
		return;
	args = lpscan_from(args, open + 1);
	/* user,ip: the user may hold a comma, the address does not */
	open = lpscan_rfind(args, ",", 1);
	if (open == NULL)
		return;
	user = lps_mk(args.p, (size_t)(open - args.p));
	ip = lpscan_from(args, open + 1);
	s = lpmap_put(dc->sess, sid.p, sid.n);
	if (s == NULL)
		return;
	s->fails++;
	lpscan_copy(s->user, sizeof(s->user), user);
	lpscan_copy(s->client, sizeof(s->client), ip);
}

static enum log_proto
dc_service(struct log_str svc)
{
	if (LPS_EQ(svc, "imap-login"))
		return LPROTO_IMAP;
	if (LPS_EQ(svc, "pop3-login"))
		return LPROTO_POP3;
	if (LPS_EQ(svc, "submission-login"))
		return LPROTO_SUBMISSION;
	return LPROTO_NONE;
}

static void
lp_dovecot_line(struct lp_emit *e, void *arg, struct log_str prog,
    struct log_str m)
{
	struct lp_dovecot *dc = arg;
	struct log_str svc = prog;
	enum log_proto proto;
	const char *colon;

	/* "dovecot: imap-login: ..." or a prog that is the service */
	if (svc.n == 0 || LPS_EQ(svc, "dovecot")) {
		dc_skip_level(&m);
		colon = LPS_FIND(m, ": ");
		if (colon == NULL)
			return;
		svc = lps_mk(m.p, (size_t)(colon - m.p));
		m = lpscan_from(m, colon + 2);
	}
	dc_skip_level(&m);
	if (LPS_EQ(svc, "auth") || LPS_STARTS(svc, "auth-worker")) {
		dc_auth(dc, m);
		return;
	}
	proto = dc_service(svc);
	if (proto == LPROTO_NONE)
		return;
	if (LPS_STARTS(m, "Login: "))
		dc_login(e, dc, proto, m);
	else
		dc_end(e, dc, proto, m);
}

const struct lp_family lp_dovecot_family = {
	.name = "dovecot",
	.init = lp_dovecot_new,
	.fini = lp_dovecot_free,
	.line = lp_dovecot_line,
	.evicted = lp_dovecot_evicted,
};
