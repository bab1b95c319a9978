/*
 * lp_postfix.c: Postfix's log lines (checked on Postfix 3.7; the test
 * lines in tests/data/logs/postfix-3.7.log come from a real instance).
 *
 *   smtpd     connect / disconnect (auth=N/M), QID: client=...,
 *             sasl_username=, NOQUEUE|QID: reject: / milter-reject:,
 *             warning: ...: SASL X authentication failed: ...
 *   pickup    QID: uid=U from=<S>
 *   cleanup   QID: message-id=...  (received), reject: / milter-reject:
 *   qmgr      QID: removed, QID: from=<>, status=expired
 *   any       QID: to=<R>, ..., relay=, dsn=, status=sent|deferred|
 *             bounced (reason)  (smtp, lmtp, local, virtual, pipe,
 *             error, discard, and qmgr or cleanup themselves)
 *   postscreen NOQUEUE: reject: ...
 *
 * Correlation: the submitter of a queue id (from smtpd's client= line
 * with sasl_username, or pickup's uid) is remembered until qmgr logs
 * "removed", so that the received event and every delivery of that
 * message carry it. An smtpd session (by pid, from "connect from" to
 * "disconnect from") remembers how many SASL failure lines it logged:
 * the disconnect line's auth=N/M then tells the successes and the AUTH
 * commands that failed without a password being checked (aborted,
 * AUTH not allowed): those are auth_nopass.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "logs/lp_int.h"

struct pf_msg {
	char user[LP_USER_MAX];
	char client[LP_IP_MAX];
	uint8_t proto;
	bool relayed;		/* the same message, back from a content
				 * filter: its submission was counted */
};

struct pf_sess {
	uint32_t sasl_lines;	/* "SASL ... authentication failed" lines */
	char user[LP_USER_MAX];	/* from a client= line of this session */
};

struct lp_postfix {
	struct lpmap *msgs;
	struct lpmap *sess;
};

static void *
lp_postfix_new(size_t msg_slots, size_t session_slots)
{
	struct lp_postfix *pf = xcalloc(1, sizeof(*pf));

	pf->msgs = lpmap_new(msg_slots, sizeof(struct pf_msg));
	pf->sess = lpmap_new(session_slots, sizeof(struct pf_sess));
	return pf;
}

static void
lp_postfix_free(void *arg)
{
	struct lp_postfix *pf = arg;

	if (pf == NULL)
		return;
	lpmap_free(pf->msgs);
	lpmap_free(pf->sess);
	free(pf);
}

static void
lp_postfix_evicted(const void *arg, uint64_t *msg, uint64_t *sess)
{
	const struct lp_postfix *pf = arg;

	*msg = lpmap_evicted(pf->msgs);
	*sess = lpmap_evicted(pf->sess);
}

static struct pf_sess *pf_sess(struct lp_postfix *, long, bool);

/* smtpd under submission or smtps (master.cf's -o syslog_name=
 * postfix/submission, postfix/smtps) is submission; anything else SMTP. */
static enum log_proto
pf_proto(struct log_str prog)
{
	if (LPS_FIND(prog, "/submission") != NULL ||
	    LPS_FIND(prog, "/smtps") != NULL)
		return LPROTO_SUBMISSION;
	return LPROTO_SMTP;
}

/* The queue id at the start of m ("041FEB4A785: ", "NOQUEUE: "): sets
 * *qid and advances m past ": ". Short ids are hex, long ones base 52
 * with a 'z'; both are alphanumeric. */
static bool
pf_qid(struct log_str *m, struct log_str *qid)
{
	size_t i = 0;

	while (i < m->n && i <= LPMAP_KEYMAX &&
	    ((m->p[i] >= '0' && m->p[i] <= '9') ||
	    (m->p[i] >= 'A' && m->p[i] <= 'Z') ||
	    (m->p[i] >= 'a' && m->p[i] <= 'z')))
		i++;
	if (i < 5 || i > LPMAP_KEYMAX || i + 1 >= m->n || m->p[i] != ':' ||
	    m->p[i + 1] != ' ')
		return false;
	*qid = lps_mk(m->p, i);
	m->p += i + 2;
	m->n -= i + 2;
	return true;
}

static struct pf_msg *
pf_msg_get(struct lp_postfix *pf, struct log_str qid)
{
	return lpmap_get(pf->msgs, qid.p, qid.n);
}

static void
pf_with_submitter(struct log_event *ev, const struct pf_msg *m)
{
	if (m == NULL)
		return;
	ev->user = lps_cstr(m->user);
	ev->client = lps_cstr(m->client);
}

/* "to=<rcpt>, [orig_to=<o>, ]relay=R, [conn_use=N, ]delay=..., delays=...,
 * dsn=D, status=S (reason)": the fields are walked once, in order (a
 * delivery line is the most common line of a busy log). */
static void
pf_delivery(struct lp_emit *e, struct lp_postfix *pf, struct log_str qid,
    struct log_str m)
{
	struct log_event ev;
	struct log_str rcpt, st = { NULL, 0 }, relay = { NULL, 0 };
	struct log_str dsn = { NULL, 0 }, f, rest;
	const char *p = m.p + 4, *end = m.p + m.n, *c;

	rcpt = lpscan_until(m, p, '>');
	p = rcpt.p + rcpt.n;
	while (p < end) {
		c = memchr(p, ',', (size_t)(end - p));
		if (c == NULL || c + 1 >= end || c[1] != ' ')
			return;
		p = c + 2;
		f = lps_mk(p, (size_t)(end - p));
		if (LPS_SKIP(&f, "relay="))
			relay = lpscan_until(f, f.p, ',');
		else if (LPS_SKIP(&f, "dsn="))
			dsn = lpscan_until(f, f.p, ',');
		else if (LPS_SKIP(&f, "status=")) {
			st = lpscan_until(f, f.p, ' ');
			break;
		}
	}
	if (LPS_EQ(st, "sent"))
		lp_event_init(&ev, LEV_DELIVERED);
	else if (LPS_EQ(st, "deferred"))
		lp_event_init(&ev, LEV_DEFERRED);
	else if (LPS_EQ(st, "bounced") || LPS_EQ(st, "expired"))
		lp_event_init(&ev, LEV_BOUNCED);
	else
		return;	/* deliverable/undeliverable: address probes */
	ev.qid = qid;
	ev.domain = lpscan_domain(rcpt);
	ev.relay = relay;
	ev.dsn = dsn;
	rest = lpscan_from(m, lpscan_end(st));
	if (LPS_SKIP(&rest, " (") && rest.n > 0) {
		ev.reason = rest;
		if (rest.p[rest.n - 1] == ')')
			ev.reason.n--;
	}
	/* local(8) forwarding: a new queue id carries the message on, and
	 * its own deliveries count */
	if (ev.kind == LEV_DELIVERED && LPS_STARTS(ev.reason, "forwarded as "))
		return;
	pf_with_submitter(&ev, pf_msg_get(pf, qid));
	lp_emit(e, &ev);
}

/* "reject: STAGE from host[ip]: 554 5.7.1 <x>: text; from=<s> to=<r>
 * proto=ESMTP helo=<h>" (smtpd, postscreen), the same with
 * milter-reject:, and cleanup's "reject: header|body TEXT from
 * host[ip]; from=<s> to=<r> ...: 5.7.1 text". */
static void
pf_reject(struct lp_emit *e, struct log_str prog, struct log_str qid,
    struct log_str m, bool cleanup)
{
	struct log_event ev;
	const char *from, *end, *p;
	struct log_str r, to;

	lp_event_init(&ev, LEV_REJECTED);
	ev.proto = cleanup ? LPROTO_NONE : pf_proto(prog);
	if (qid.n > 0 && !LPS_EQ(qid, "NOQUEUE"))
		ev.qid = qid;
	end = LPS_FIND(m, "; from=<");
	if (cleanup) {
		r = lpscan_from(m, end);
		from = lpscan_rfind(lps_mk(m.p, end ? (size_t)(end - m.p) : m.n),
		    " from ", 6);
		p = LPS_FIND(r, ">: ");
		ev.reason = p ? lpscan_from(m, p + 3) : lps_mk(NULL, 0);
	} else {
		from = LPS_FIND(m, " from ");
		p = from ? lpscan_find(lpscan_from(m, from), "]", 1) : NULL;
		p = p ? lpscan_find(lpscan_from(m, p), ": ", 2) : NULL;
		if (p != NULL) {
			ev.reason = lpscan_from(m, p + 2);
			if (end != NULL && end > p)
				ev.reason.n = (size_t)(end - ev.reason.p);
		}
	}
	if (from != NULL)
		ev.client = lpscan_bracket(m, from);
	r = ev.reason;
	if (r.n > 4 && r.p[3] == ' ' && lpscan_reply(r).p == r.p)
		r = lpscan_from(r, r.p + 4);
	ev.dsn = lpscan_dsn(r);
	to = LPS_FIELD(m, " to=<", ">");
	ev.domain = lpscan_domain(to);
	lp_emit(e, &ev);
}

/* "client=host[ip][:port], sasl_method=M, sasl_username=U[, ...]", or
 * from a content filter's reinjection "client=localhost[127.0.0.1],
 * orig_queue_id=Q, orig_client=..." (XFORWARD): the new queue id is the
 * same message, its deliveries belong to the first one's submitter. */
static void
pf_client(struct lp_postfix *pf, struct log_str prog, long pid,
    struct log_str qid, struct log_str m)
{
	struct log_str user = LPS_FIELD(m, ", sasl_username=", ",");
	struct log_str ip = lpscan_bracket(m, m.p);
	struct log_str orig = LPS_FIELD(m, ", orig_queue_id=", ",");
	struct pf_msg *msg, *o;
	struct pf_sess *s;

	if (user.n == 0) {
		if (orig.n == 0 || (o = pf_msg_get(pf, orig)) == NULL ||
		    (msg = lpmap_put(pf->msgs, qid.p, qid.n)) == NULL)
			return;
		/* (the put may have evicted o: look again) */
		if ((o = pf_msg_get(pf, orig)) == NULL) {
			lpmap_del(pf->msgs, qid.p, qid.n);
			return;
		}
		*msg = *o;
		msg->relayed = true;
		return;
	}
	msg = lpmap_put(pf->msgs, qid.p, qid.n);
	if (msg == NULL)
		return;
	lpscan_copy(msg->user, sizeof(msg->user), user);
	lpscan_copy(msg->client, sizeof(msg->client), ip);
	msg->proto = (uint8_t)pf_proto(prog);
	s = pf_sess(pf, pid, false);
	if (s != NULL)
		lpscan_copy(s->user, sizeof(s->user), user);
}

/* "uid=U from=<S>": a local submission through sendmail/postdrop. */
static void
pf_pickup(struct lp_emit *e, struct lp_postfix *pf, struct log_str qid,
    struct log_str m)
{
	char name[LP_USER_MAX];
	struct log_str user;
	struct pf_msg *msg;
	unsigned long uid;

	if (!LPS_SKIP(&m, "uid=") || !lpscan_ulong(&m, &uid, 0xffffffffUL))
		return;
	user = lp_uid_name(e->lp, uid, name, sizeof(name));
	if (lp_not_submitter(e->lp, user))
		return;
	msg = lpmap_put(pf->msgs, qid.p, qid.n);
	if (msg == NULL)
		return;
	lpscan_copy(msg->user, sizeof(msg->user), user);
	msg->client[0] = '\0';
	msg->proto = LPROTO_NONE;
}

static void
pf_received(struct lp_emit *e, struct lp_postfix *pf, struct log_str qid)
{
	struct pf_msg *msg = pf_msg_get(pf, qid);
	struct log_event ev;

	lp_event_init(&ev, LEV_RECEIVED);
	ev.qid = qid;
	pf_with_submitter(&ev, msg);
	lp_emit(e, &ev);
	if (msg == NULL || msg->relayed)
		return;
	lp_event_init(&ev, LEV_SUBMIT);
	ev.qid = qid;
	ev.proto = msg->proto;
	pf_with_submitter(&ev, msg);
	lp_emit(e, &ev);
}

static void
pf_expired(struct lp_emit *e, struct lp_postfix *pf, struct log_str qid)
{
	struct log_event ev;

	lp_event_init(&ev, LEV_BOUNCED);
	ev.qid = qid;
	ev.reason = lps_cstr("expired, returned to sender");
	pf_with_submitter(&ev, pf_msg_get(pf, qid));
	lp_emit(e, &ev);
}

/* smtpd sessions are keyed by the pid's bytes: no formatting per line */
static struct pf_sess *
pf_sess(struct lp_postfix *pf, long pid, bool create)
{
	if (pid < 0)
		return NULL;
	if (create)
		return lpmap_put(pf->sess, (const char *)&pid, sizeof(pid));
	return lpmap_get(pf->sess, (const char *)&pid, sizeof(pid));
}

static void
pf_sess_end(struct lp_postfix *pf, long pid)
{
	if (pid >= 0)
		lpmap_del(pf->sess, (const char *)&pid, sizeof(pid));
}

/* "warning: host[ip]: SASL LOGIN authentication failed: REASON[,
 * sasl_username=U]" (the user since Postfix 3.9, and in Debian's 3.7). */
static void
pf_sasl_fail(struct lp_emit *e, struct lp_postfix *pf, struct log_str prog,
    struct log_str m)
{
	const char *p = LPS_FIND(m, ": SASL "), *u;
	struct pf_sess *s = pf_sess(pf, e->line->pid, false);
	struct log_event ev;
	struct log_str rest;

	if (p == NULL || (u = LPS_FIND(m, " authentication failed")) == NULL)
		return;
	if (s != NULL)
		s->sasl_lines++;
	lp_event_init(&ev, LEV_AUTH_FAIL);
	ev.proto = pf_proto(prog);
	ev.client = lpscan_bracket(lps_mk(m.p, (size_t)(p - m.p)), m.p);
	rest = lpscan_from(m, u + 22);
	(void)LPS_SKIP(&rest, ":");
	rest = lpscan_trim(rest);
	u = LPS_FIND(rest, ", sasl_username=");	/* reasons hold no such text */
	if (u != NULL) {
		ev.user = lpscan_from(rest, u + 16);
		rest.n = (size_t)(u - rest.p);
		if (LPS_EQ(ev.user, "(unavailable)"))
			ev.user = lps_mk(NULL, 0);
	}
	ev.reason = rest;
	/* The authentication server could not be asked: no verdict on the
	 * password (as Exim's 435). */
	if (LPS_FIND(rest, "Connection lost to authentication server") != NULL)
		return;
	lp_emit(e, &ev);
}

/* "disconnect from host[ip] ehlo=1 auth=N[/M] ... commands=..." */
static void
pf_disconnect(struct lp_emit *e, struct lp_postfix *pf, struct log_str prog,
    struct log_str m)
{
	struct pf_sess *s = pf_sess(pf, e->line->pid, false);
	struct log_str a = LPS_FIELD(m, " auth=", " ");
	unsigned long ok, all;
	struct log_event ev;

	if (a.n > 0 && lpscan_ulong(&a, &ok, 0xffffUL)) {
		all = ok;
		if (LPS_SKIP(&a, "/") && !lpscan_ulong(&a, &all, 0xffffUL))
			all = ok;
		if (ok > 0) {
			lp_event_init(&ev, LEV_AUTH_OK);
			ev.proto = pf_proto(prog);
			ev.count = (uint32_t)ok;
			ev.client = lpscan_bracket(m, m.p);
			if (s != NULL)
				ev.user = lps_cstr(s->user);
			lp_emit(e, &ev);
		}
		/* Failed AUTH commands with no failure line: aborted, or
		 * refused before a password (only known for a session seen
		 * from its start). */
		if (s != NULL && all > ok && all - ok > s->sasl_lines) {
			lp_event_init(&ev, LEV_AUTH_NOPASS);
			ev.proto = pf_proto(prog);
			ev.count = (uint32_t)(all - ok - s->sasl_lines);
			ev.client = lpscan_bracket(m, m.p);
			lp_emit(e, &ev);
		}
	}
	pf_sess_end(pf, e->line->pid);
}

static void
pf_smtpd(struct lp_emit *e, struct lp_postfix *pf, struct log_str prog,
    struct log_str m)
{
	struct log_str qid = { NULL, 0 };

	if (LPS_STARTS(m, "connect from ")) {
		pf_sess_end(pf, e->line->pid);
		(void)pf_sess(pf, e->line->pid, true);
		return;
	}
	if (LPS_STARTS(m, "disconnect from ")) {
		pf_disconnect(e, pf, prog, m);
		return;
	}
	if (LPS_SKIP(&m, "warning: ")) {
		pf_sasl_fail(e, pf, prog, m);
		return;
	}
	if (!pf_qid(&m, &qid))
		return;
	if (LPS_STARTS(m, "client="))
		pf_client(pf, prog, e->line->pid, qid, m);
	else if (LPS_SKIP(&m, "reject: ") || LPS_SKIP(&m, "milter-reject: "))
		pf_reject(e, prog, qid, m, false);
}

static void
lp_postfix_line(struct lp_emit *e, void *arg, struct log_str prog,
    struct log_str m)
{
	struct lp_postfix *pf = arg;
	const char *slash = lpscan_rfind(prog, "/", 1);
	struct log_str svc = slash ? lpscan_from(prog, slash + 1) : prog;
	struct log_str qid;

	if (LPS_EQ(svc, "smtpd")) {
		pf_smtpd(e, pf, prog, m);
		return;
	}
	if (!pf_qid(&m, &qid))
		return;
	if (LPS_STARTS(m, "to=<")) {
		pf_delivery(e, pf, qid, m);
		return;
	}
	if (LPS_EQ(svc, "cleanup")) {
		if (LPS_STARTS(m, "message-id="))
			pf_received(e, pf, qid);
		else if (LPS_SKIP(&m, "reject: ") ||
		    LPS_SKIP(&m, "milter-reject: "))
			pf_reject(e, prog, qid, m, true);
	} else if (LPS_EQ(svc, "qmgr")) {
		if (LPS_EQ(m, "removed"))
			lpmap_del(pf->msgs, qid.p, qid.n);
		else if (LPS_FIND(m, ", status=expired") != NULL)
			pf_expired(e, pf, qid);
	} else if (LPS_EQ(svc, "pickup")) {
		pf_pickup(e, pf, qid, m);
	} else if (LPS_EQ(svc, "postscreen")) {
		if (LPS_SKIP(&m, "reject: "))
			pf_reject(e, prog, qid, m, false);
	}
}

const struct lp_family lp_postfix_family = {
	.name = "postfix",
	.init = lp_postfix_new,
	.fini = lp_postfix_free,
	.line = lp_postfix_line,
	.evicted = lp_postfix_evicted,
};
