/*
 * lp_exim.c: Exim's main log (checked on Exim 4.96, Debian 12:
 * tests/data/logs/exim-4.96.mainlog). The source strips the time stamp
 * of a mainlog line; through syslog the message still starts with
 * Exim's own "YYYY-MM-DD HH:MM:SS[ +ZZZZ][ [PID]]", skipped here.
 *
 *   ID <= sender [H=host (helo) [ip]] [U=user] P=proto [A=auth:user] ...
 *                                           received, submit, auth_ok
 *   ID => rcpt [<orig>] R= T= H=host [ip] ...  delivered (-> too)
 *   ID == rcpt ... defer (N) ...: 450 ...    deferred (not "retry time
 *                                           not reached": no attempt)
 *   ID ** rcpt ...: 550 ...                  bounced
 *   ID Completed                             (forget ID)
 *   [ID] H=... rejected RCPT|after DATA|...  rejected
 *   NAME authenticator failed for [H=]host (helo) [ip]: 535 Incorrect
 *       authentication data (set_id=user)    auth_fail (435: not counted)
 *
 * The submitter is the A= user (set by server_set_id), or for a local
 * submission (P=local...) the U= login unless it is the MTA's own user.
 * Exim writes rejections to the rejectlog as well: read the mainlog only
 * (docs/logs.md).
 */
#include "config.h"

#include <stdlib.h>

#include "util.h"
#include "logs/lp_int.h"

struct lp_exim {
	struct lpmap *msgs;
};

static void *
lp_exim_new(size_t msg_slots, size_t session_slots)
{
	struct lp_exim *x = xcalloc(1, sizeof(*x));

	(void)session_slots;
	x->msgs = lpmap_new(msg_slots, sizeof(struct lp_msg));
	return x;
}

static void
lp_exim_free(void *arg)
{
	struct lp_exim *x = arg;

	if (x == NULL)
		return;
	lpmap_free(x->msgs);
	free(x);
}

static void
lp_exim_evicted(const void *arg, uint64_t *msg, uint64_t *sess)
{
	const struct lp_exim *x = arg;

	*msg = lpmap_evicted(x->msgs);
	*sess = 0;
}

static bool
ex_digits(struct log_str s, size_t at, size_t n)
{
	size_t i;

	if (s.n < at + n)
		return false;
	for (i = 0; i < n; i++)
		if (s.p[at + i] < '0' || s.p[at + i] > '9')
			return false;
	return true;
}

/* "2014-02-17 12:36:16[.123] [+0100 ][[pid] ]" at the start of m. */
static void
ex_skip_stamp(struct log_str *m)
{
	struct log_str w;
	unsigned long v;

	if (ex_digits(*m, 0, 4) && m->n > 19 && m->p[4] == '-' &&
	    m->p[10] == ' ' && m->p[13] == ':') {
		*m = lpscan_from(*m, m->p + 19);
		if (LPS_SKIP(m, ".")) {
			w = *m;
			(void)lpscan_ulong(&w, &v, ~0UL);
			*m = w;
		}
		(void)LPS_SKIP(m, " ");
		if (m->n > 5 && (m->p[0] == '+' || m->p[0] == '-') &&
		    ex_digits(*m, 1, 4) && m->p[5] == ' ')
			*m = lpscan_from(*m, m->p + 6);
	}
	w = *m;
	if (LPS_SKIP(&w, "[") && lpscan_ulong(&w, &v, ~0UL) &&
	    LPS_SKIP(&w, "] "))
		*m = w;
}

static bool
ex_idchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* A message id "1xY1Qd-00041s-2a" (6-6-2) or, since 4.97, 6-11-4. */
static bool
ex_id(struct log_str *m, struct log_str *id)
{
	static const size_t shapes[2][3] = { { 6, 6, 2 }, { 6, 11, 4 } };
	size_t s, i, j, k;

	for (s = 0; s < 2; s++) {
		k = 0;
		for (i = 0; i < 3; i++) {
			for (j = 0; j < shapes[s][i]; j++, k++)
				if (k >= m->n || !ex_idchar(m->p[k]))
					goto next;
			if (i < 2 && (k >= m->n || m->p[k++] != '-'))
				goto next;
		}
		if (k < m->n && m->p[k] == ' ') {
			*id = lps_mk(m->p, k);
			*m = lpscan_from(*m, m->p + k + 1);
			return true;
		}
next:;
	}
	return false;
}

static bool
ex_ipchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F') || c == '.' || c == ':';
}

/* The address of Exim's host info "name (helo) [ip]:port" starting at
 * p: the first bracketed, address-shaped word outside the HELO name
 * (which the client chose, so it may hold brackets too). */
static struct log_str
ex_hostip(struct log_str m, const char *p)
{
	struct log_str s = lpscan_from(m, p), ip;
	const char *q;
	size_t i;

	if (s.n > 0 && s.p[0] != '(' && s.p[0] != '[')	/* the host name */
		s = lpscan_from(m, lpscan_end(lpscan_until(s, s.p, ' ')));
	(void)LPS_SKIP(&s, " ");
	if (LPS_STARTS(s, "(")) {
		while ((q = LPS_FIND(s, ") [")) != NULL) {
			s = lpscan_from(s, q + 2);
			ip = lpscan_bracket(s, s.p);
			for (i = 0; i < ip.n && ex_ipchar(ip.p[i]); i++)
				;
			if (ip.n > 0 && i == ip.n)
				return ip;
			s = lpscan_from(s, s.p + 1);
		}
		return lps_mk(NULL, 0);
	}
	if (!LPS_STARTS(s, "["))
		return lps_mk(NULL, 0);
	ip = lpscan_bracket(s, s.p);
	for (i = 0; i < ip.n && ex_ipchar(ip.p[i]); i++)
		;
	return i == ip.n ? ip : lps_mk(NULL, 0);
}

/* I=[ip]:port (log_selector +incoming_interface) tells submission. */
static enum log_proto
ex_proto(struct log_str f)
{
	struct log_str i = LPS_FIELD(f, " I=[", " ");
	const char *c = lpscan_rfind(i, "]:", 2);
	unsigned long port;
	struct log_str pp;

	if (c != NULL) {
		pp = lpscan_from(i, c + 2);
		if (lpscan_ulong(&pp, &port, 65535) && (port == 587 ||
		    port == 465))
			return LPROTO_SUBMISSION;
	}
	return LPROTO_SMTP;
}

static void
ex_arrival(struct lp_emit *e, struct lp_exim *x, struct log_str id,
    struct log_str m)
{
	struct log_str f = m, a, u, p, h, user = { NULL, 0 };
	const char *t = LPS_FIND(m, " T=\"");
	struct log_event ev;
	enum log_proto proto = LPROTO_NONE;

	if (t != NULL)	/* the subject may hold anything: fields end there */
		f.n = (size_t)(t - f.p);
	a = LPS_FIELD(f, " A=", " ");
	u = LPS_FIELD(f, " U=", " ");
	p = LPS_FIELD(f, " P=", " ");
	h = lps_mk(NULL, 0);
	if ((t = LPS_FIND(f, " H=")) != NULL)
		h = ex_hostip(f, t + 3);
	lp_event_init(&ev, LEV_RECEIVED);
	ev.qid = id;
	ev.client = h;
	if (a.n > 0) {
		proto = ex_proto(f);
		t = lpscan_find(a, ":", 1);
		if (t != NULL)
			user = lpscan_from(a, t + 1);
	} else if (LPS_STARTS(p, "local") && u.n > 0 &&
	    !lp_not_submitter(e->lp, u)) {
		user = u;
	}
	ev.user = user;
	lp_emit(e, &ev);
	if (a.n > 0) {
		lp_event_init(&ev, LEV_AUTH_OK);
		ev.proto = proto;
		ev.user = user;
		ev.client = h;
		lp_emit(e, &ev);
	}
	if (user.n > 0)
		lp_submit(e, x->msgs, id, user, h, proto);
}

/* The reply in a failure text: from the 3-digit code on, else after the
 * last ": ". */
static void
ex_reason(struct log_str m, struct log_event *ev)
{
	struct log_str r = lpscan_reply(m);
	const char *c;

	if (r.n > 4) {
		ev->reason = r;
		ev->dsn = lpscan_dsn(lpscan_from(r, r.p + 4));
		return;
	}
	c = LPS_FIND(m, ": ");
	if (c != NULL)
		ev->reason = lpscan_from(m, c + 2);
}

static void
ex_delivery(struct lp_emit *e, struct lp_exim *x, struct log_str id,
    enum log_ev_kind kind, struct log_str m)
{
	struct log_str rcpt, rest;
	const struct lp_msg *msg;
	struct log_event ev;
	const char *h;

	if (kind == LEV_DEFERRED && LPS_FIND(m, "retry time not reached") != NULL)
		return;
	lp_event_init(&ev, kind);
	ev.qid = id;
	rcpt = lpscan_until(m, m.p, ' ');
	rest = lpscan_from(m, lpscan_end(rcpt));
	if (LPS_STARTS(rest, " <"))	/* "=> :blackhole: <orig@dom>" */
		rcpt = lpscan_until(rest, rest.p + 2, '>');
	else if (rcpt.n > 0 && rcpt.p[rcpt.n - 1] == ':') {
		rcpt.n--;	/* "** x@y: Unrouteable address" */
		ev.reason = lpscan_trim(rest);
	}
	ev.domain = lpscan_domain(rcpt);
	if ((h = LPS_FIND(m, " H=")) != NULL)
		ev.relay = lpscan_until(m, h + 3, ' ');
	if (kind != LEV_DELIVERED && ev.reason.n == 0)
		ex_reason(rest, &ev);
	msg = lpmap_get(x->msgs, id.p, id.n);
	if (msg != NULL) {
		ev.user = lps_cstr(msg->user);
		ev.client = lps_cstr(msg->client);
	}
	lp_emit(e, &ev);
}

static void
ex_rejected(struct lp_emit *e, struct log_str id, struct log_str m,
    const char *rej)
{
	struct log_event ev;
	struct log_str r = lpscan_from(m, rej + 10), addr;
	const char *h = LPS_FIND(m, "H=");

	lp_event_init(&ev, LEV_REJECTED);
	ev.proto = ex_proto(m);
	ev.qid = id;
	if (h != NULL)
		ev.client = ex_hostip(m, h + 2);
	if (LPS_STARTS(r, "RCPT <")) {
		addr = lpscan_until(r, r.p + 6, '>');
		ev.domain = lpscan_domain(addr);
	}
	ex_reason(r, &ev);
	if (ev.reason.n == 0)
		ev.reason = r;
	lp_emit(e, &ev);
}

/* "NAME authenticator failed for [H=]host (helo) [ip]:port: 535
 * Incorrect authentication data (set_id=user)" */
static void
ex_authfail(struct lp_emit *e, struct log_str m, const char *p)
{
	struct log_str host = lpscan_from(m, p + 26), r;
	struct log_event ev;

	(void)LPS_SKIP(&host, "H=");
	r = lpscan_reply(host);
	if (!LPS_STARTS(r, "535 "))
		return;	/* 435: the backend failed, no verdict */
	lp_event_init(&ev, LEV_AUTH_FAIL);
	ev.proto = ex_proto(m);
	ev.client = ex_hostip(m, host.p);
	ev.user = LPS_FIELD(r, "(set_id=", ")");
	ev.reason = r;
	lp_emit(e, &ev);
}

static void
lp_exim_line(struct lp_emit *e, void *arg, struct log_str prog,
    struct log_str m)
{
	struct lp_exim *x = arg;
	struct log_str id = { NULL, 0 };
	const char *p;

	(void)prog;
	ex_skip_stamp(&m);
	if (ex_id(&m, &id)) {
		if (LPS_SKIP(&m, "<= "))
			ex_arrival(e, x, id, m);
		else if (LPS_SKIP(&m, "=> ") || LPS_SKIP(&m, "-> "))
			ex_delivery(e, x, id, LEV_DELIVERED, m);
		else if (LPS_SKIP(&m, "== "))
			ex_delivery(e, x, id, LEV_DEFERRED, m);
		else if (LPS_SKIP(&m, "** "))
			ex_delivery(e, x, id, LEV_BOUNCED, m);
		else if (LPS_EQ(m, "Completed"))
			lpmap_del(x->msgs, id.p, id.n);
		else if ((p = LPS_FIND(m, " rejected ")) != NULL)
			ex_rejected(e, id, m, p);
		return;
	}
	if ((p = LPS_FIND(m, " authenticator failed for ")) != NULL)
		ex_authfail(e, m, p);
	else if ((p = LPS_FIND(m, " rejected ")) != NULL &&
	    LPS_FIND(m, "H=") != NULL)
		ex_rejected(e, id, m, p);
}

const struct lp_family lp_exim_family = {
	.name = "exim",
	.init = lp_exim_new,
	.fini = lp_exim_free,
	.line = lp_exim_line,
	.evicted = lp_exim_evicted,
};
