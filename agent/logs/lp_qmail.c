/*
 * lp_qmail.c: qmail's logs: qmail-send, tcpserver and rblsmtpd (ucspi-
 * tcp), the qmail-smtpd AUTH patches, and vpopmail's vchkpw. Formats are
 * the ones the programs' sources print (docs/logs.md cites them); under
 * multilog the source has already removed the @TAI64N stamp, through
 * splogger the line may still start with its "SECONDS.USEC " stamp.
 *
 *   new msg M                                        received
 *   info msg M: bytes B from <s> qp Q uid U          submit (uid's user,
 *       or the AUTH user of qmail-smtpd's qlogreceived line with qp Q)
 *   starting delivery D: msg M to local|remote R     (D -> M, domain)
 *   delivery D: success|deferral|failure: TEXT       delivered|deferred|
 *                                                    bounced
 *   end msg M                                        (forget M)
 *   tcpserver: pid P from IP / ok P l:ip:port h:ip:i:port / end P
 *                                                    (P -> client)
 *   tcpserver: deny P ...                            rejected
 *   rblsmtpd: IP pid P: 451 text                     rejected
 *   qmail-smtpd[P]: auth: auth-failed|auth-success type=T user=<u>
 *       (sagredo's combined patch)                   auth_fail|auth_ok
 *   qlogenvelope: result=rejected ... reason=R ... remoteip=IP ...
 *                                                    rejected (authfailed:
 *                                                    auth_fail, once)
 *   qmail-smtpd: AUTH failed [IP] user               auth_fail
 *   vchkpw-SERVICE: password fail|vpopmail user not found user@d:IP
 *                                                    auth_fail
 *   vchkpw-SERVICE: null password given|... access denied   auth_nopass
 *   vchkpw-SERVICE: (MECH) login success user@d:IP   auth_ok
 *
 * One SMTP AUTH failure is logged twice when qmail-smtpd's
 * checkpassword is vchkpw: by the patch and by vchkpw. The MTA's line
 * wins: once an AUTH line of qmail-smtpd has been seen, vchkpw's SMTP
 * lines are no longer counted. And sagredo's patch logs "auth-failed"
 * then a qlogenvelope line for the same attempt: the second is skipped
 * for a pid whose first was counted.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "logs/lp_int.h"

struct qm_del {
	char msg[24];
	char domain[LP_DOMAIN_MAX];
};

/* The two halves of an SMTP AUTH submission meet by qmail-queue's pid:
 * qmail-smtpd's qlogreceived line (the user) and qmail-send's info line
 * (the message). They are in different logs and either may be read
 * first, so whichever comes first waits here for the other. */
struct qm_qp {
	char user[LP_USER_MAX];
	char client[LP_IP_MAX];
	uint8_t proto;
	char msg[24];
};

struct qm_pid {
	char client[LP_IP_MAX];
	unsigned long port;
	uint32_t auth_counted;	/* auth-failed lines awaiting their qlog */
};

struct lp_qmail {
	struct lpmap *msgs;	/* qmail-send message number */
	struct lpmap *dels;	/* delivery number */
	struct lpmap *pids;	/* tcpserver child = qmail-smtpd pid */
	struct lpmap *qps;	/* qmail-queue pid of an AUTH submission */
	bool mta_auth;		/* qmail-smtpd logs AUTH results itself */
};

static void *
lp_qmail_new(size_t msg_slots, size_t session_slots)
{
	struct lp_qmail *q = xcalloc(1, sizeof(*q));

	q->msgs = lpmap_new(msg_slots, sizeof(struct lp_msg));
	q->dels = lpmap_new(session_slots, sizeof(struct qm_del));
	q->pids = lpmap_new(session_slots, sizeof(struct qm_pid));
	q->qps = lpmap_new(session_slots, sizeof(struct qm_qp));
	return q;
}

static void
lp_qmail_free(void *arg)
{
	struct lp_qmail *q = arg;

	if (q == NULL)
		return;
	lpmap_free(q->msgs);
	lpmap_free(q->dels);
	lpmap_free(q->pids);
	lpmap_free(q->qps);
	free(q);
}

static void
lp_qmail_evicted(const void *arg, uint64_t *msg, uint64_t *sess)
{
	const struct lp_qmail *q = arg;

	*msg = lpmap_evicted(q->msgs) + lpmap_evicted(q->dels);
	*sess = lpmap_evicted(q->pids) + lpmap_evicted(q->qps);
}

static enum log_proto
qm_port_proto(unsigned long port)
{
	if (port == 587 || port == 465)
		return LPROTO_SUBMISSION;
	return LPROTO_SMTP;
}

/* The next space-separated word of *m, advancing past it. */
static struct log_str
qm_word(struct log_str *m)
{
	struct log_str w = lpscan_until(*m, m->p, ' ');

	*m = lpscan_from(*m, lpscan_end(w));
	(void)LPS_SKIP(m, " ");
	return w;
}

/* qmail-send writes report text with '_' for spaces and '/' between
 * the lines of a remote reply: give it back its spaces. */
static struct log_str
qm_text(struct lp_emit *e, struct log_str t)
{
	size_t len, i, n;
	char *b = lp_scratch(e->lp, &len);

	n = t.n < len ? t.n : len;
	for (i = 0; i < n; i++)
		b[i] = (t.p[i] == '_' || t.p[i] == '/') ? ' ' : t.p[i];
	while (n > 0 && b[n - 1] == ' ')
		n--;
	return lps_mk(b, n);
}

static void
qm_new(struct lp_emit *e, struct lp_qmail *q, struct log_str m)
{
	struct log_event ev;

	lpmap_del(q->msgs, m.p, m.n);
	lp_event_init(&ev, LEV_RECEIVED);
	ev.qid = m;
	lp_emit(e, &ev);
}

/* "M: bytes B from <s> qp Q uid U" */
static void
qm_info(struct lp_emit *e, struct lp_qmail *q, struct log_str m)
{
	struct log_str id = lpscan_until(m, m.p, ':'), qp, uidp, user;
	struct qm_qp *a;
	char name[LP_USER_MAX];
	unsigned long uid;
	const char *p;

	p = lpscan_rfind(m, "> qp ", 5);
	if (p == NULL || id.n == m.n || id.n >= sizeof(a->msg))
		return;
	qp = lpscan_until(m, p + 5, ' ');
	uidp = LPS_FIELD(lpscan_from(m, p), " uid ", " ");
	if (!lpscan_ulong(&uidp, &uid, 0xffffffffUL))
		return;
	user = lp_uid_name(e->lp, uid, name, sizeof(name));
	if (!lp_not_submitter(e->lp, user)) {
		lp_submit(e, q->msgs, id, user, lps_mk(NULL, 0), LPROTO_NONE);
		return;
	}
	/* qmaild: an SMTP submission, authenticated if qmail-smtpd said so */
	a = lpmap_get(q->qps, qp.p, qp.n);
	if (a != NULL && a->user[0] != '\0') {
		lp_submit(e, q->msgs, id, lps_cstr(a->user),
		    lps_cstr(a->client), (enum log_proto)a->proto);
		lpmap_del(q->qps, qp.p, qp.n);
	} else if ((a = lpmap_put(q->qps, qp.p, qp.n)) != NULL) {
		lpscan_copy(a->msg, sizeof(a->msg), id);
	}
}

/* "D: msg M to local|remote R" */
static void
qm_start(struct lp_qmail *q, struct log_str m)
{
	struct log_str d = lpscan_until(m, m.p, ':'), mid, rest;
	struct qm_del *del;

	if (d.n == m.n)
		return;
	rest = lpscan_from(m, lpscan_end(d));
	if (!LPS_SKIP(&rest, ": msg "))
		return;
	mid = qm_word(&rest);
	if (!LPS_SKIP(&rest, "to local ") && !LPS_SKIP(&rest, "to remote "))
		return;
	del = lpmap_put(q->dels, d.p, d.n);
	if (del == NULL)
		return;
	lpscan_copy(del->msg, sizeof(del->msg), mid);
	lpscan_copy(del->domain, sizeof(del->domain), lpscan_domain(rest));
}

/* "D: success|deferral|failure: TEXT", "D: report mangled, will defer" */
static void
qm_result(struct lp_emit *e, struct lp_qmail *q, struct log_str m)
{
	struct log_str d = lpscan_until(m, m.p, ':'), rest, r;
	const struct lp_msg *msg = NULL;
	const struct qm_del *del;
	struct log_event ev;
	const char *p;

	if (d.n == m.n)
		return;
	rest = lpscan_from(m, lpscan_end(d));
	if (LPS_SKIP(&rest, ": success: "))
		lp_event_init(&ev, LEV_DELIVERED);
	else if (LPS_SKIP(&rest, ": deferral: ") ||
	    LPS_SKIP(&rest, ": report mangled"))
		lp_event_init(&ev, LEV_DEFERRED);
	else if (LPS_SKIP(&rest, ": failure: "))
		lp_event_init(&ev, LEV_BOUNCED);
	else
		return;
	del = lpmap_get(q->dels, d.p, d.n);
	if (del != NULL) {
		ev.domain = lps_cstr(del->domain);
		ev.qid = lps_cstr(del->msg);
		msg = lpmap_get(q->msgs, del->msg, strlen(del->msg));
		if (msg != NULL)
			ev.user = lps_cstr(msg->user);
	}
	ev.relay = LPS_FIELD(rest, "Connected_to_", "_");
	if (ev.relay.n == 0)
		ev.relay = lpscan_until(rest, rest.p, '_');
	if (LPS_FIND(ev.relay, ".") == NULL && LPS_FIND(ev.relay, ":") == NULL)
		ev.relay = lps_mk(NULL, 0);
	ev.reason = qm_text(e, rest);
	r = lpscan_reply(ev.reason);
	if (r.n > 4)
		ev.dsn = lpscan_dsn(lpscan_from(r, r.p + 4));
	else if ((p = LPS_FIND(ev.reason, "(#")) != NULL)
		ev.dsn = lpscan_dsn(lpscan_from(ev.reason, p + 2));	/* qmail's own */
	lp_emit(e, &ev);
	if (del != NULL)
		lpmap_del(q->dels, d.p, d.n);
}

static void
qm_send(struct lp_emit *e, struct lp_qmail *q, struct log_str m)
{
	if (LPS_SKIP(&m, "new msg "))
		qm_new(e, q, m);
	else if (LPS_SKIP(&m, "info msg "))
		qm_info(e, q, m);
	else if (LPS_SKIP(&m, "starting delivery "))
		qm_start(q, m);
	else if (LPS_SKIP(&m, "delivery "))
		qm_result(e, q, m);
	else if (LPS_SKIP(&m, "end msg "))
		lpmap_del(q->msgs, m.p, m.n);
}

/* "host:ip:info:port" (remote) or "host:ip:port" (local): the address
 * is between the first colon and the second-to-last (last) field;
 * tcpserver writes ':' in names as '?', so only an IPv6 address holds
 * colons. */
static struct log_str
qm_tcp_ip(struct log_str f, bool remote, unsigned long *port)
{
	const char *first = lpscan_find(f, ":", 1), *last, *cut;
	struct log_str pp;

	last = lpscan_rfind(f, ":", 1);
	if (first == NULL || last == NULL || last <= first)
		return lps_mk(NULL, 0);
	pp = lpscan_from(f, last + 1);
	if (port != NULL && !lpscan_ulong(&pp, port, 65535))
		*port = 0;
	cut = last;
	if (remote) {
		cut = lpscan_rfind(lps_mk(f.p, (size_t)(last - f.p)), ":", 1);
		if (cut == NULL || cut <= first)
			return lps_mk(NULL, 0);
	}
	return lps_mk(first + 1, (size_t)(cut - first - 1));
}

static void
qm_tcpserver(struct lp_emit *e, struct lp_qmail *q, struct log_str m)
{
	struct log_str pid, local, remote, ip;
	struct qm_pid *p;
	struct log_event ev;
	unsigned long port = 0;

	if (LPS_SKIP(&m, "pid ")) {
		pid = qm_word(&m);
		if (!LPS_SKIP(&m, "from ") || (p = lpmap_put(q->pids, pid.p,
		    pid.n)) == NULL)
			return;
		lpscan_copy(p->client, sizeof(p->client), qm_word(&m));
	} else if (LPS_SKIP(&m, "ok ")) {
		pid = qm_word(&m);
		local = qm_word(&m);
		remote = qm_word(&m);
		ip = qm_tcp_ip(remote, true, NULL);
		(void)qm_tcp_ip(local, false, &port);
		if ((p = lpmap_put(q->pids, pid.p, pid.n)) == NULL)
			return;
		if (ip.n > 0)
			lpscan_copy(p->client, sizeof(p->client), ip);
		p->port = port;
	} else if (LPS_SKIP(&m, "deny ")) {
		pid = qm_word(&m);
		local = qm_word(&m);
		remote = qm_word(&m);
		(void)qm_tcp_ip(local, false, &port);
		lp_event_init(&ev, LEV_REJECTED);
		ev.proto = qm_port_proto(port);
		ev.client = qm_tcp_ip(remote, true, NULL);
		ev.reason = lps_cstr("tcpserver deny");
		lp_emit(e, &ev);
	} else if (LPS_SKIP(&m, "end ")) {
		pid = qm_word(&m);
		lpmap_del(q->pids, pid.p, pid.n);
	}
}

/* "IP pid P: 451 text" or "IP pid P LIST: 451 text" */
static void
qm_rblsmtpd(struct lp_emit *e, struct log_str m)
{
	struct log_event ev;
	const char *c = LPS_FIND(m, ": ");

	lp_event_init(&ev, LEV_REJECTED);
	ev.proto = LPROTO_SMTP;
	ev.client = qm_word(&m);
	if (c != NULL)
		ev.reason = lpscan_from(m, c + 2);
	if (ev.reason.n > 4)
		ev.dsn = lpscan_dsn(lpscan_from(ev.reason, ev.reason.p + 4));
	lp_emit(e, &ev);
}

static struct qm_pid *
qm_pid(struct lp_qmail *q, long pid)
{
	char key[24];
	int kn;

	if (pid < 0)
		return NULL;
	kn = snprintf(key, sizeof(key), "%ld", pid);
	return lpmap_get(q->pids, key, (size_t)kn);
}

/* sagredo: "auth: auth-failed type=login user=<joe@example.com>" */
static void
qm_smtpd(struct lp_emit *e, struct lp_qmail *q, long pid, struct log_str m)
{
	struct qm_pid *p = qm_pid(q, pid);
	struct log_event ev;
	const char *at;

	if (LPS_SKIP(&m, "auth: auth-failed "))
		lp_event_init(&ev, LEV_AUTH_FAIL);
	else if (LPS_SKIP(&m, "auth: auth-success "))
		lp_event_init(&ev, LEV_AUTH_OK);
	else if ((at = LPS_FIND(m, "AUTH failed [")) != NULL) {
		/* the "AUTH failed [ip] user" patch */
		q->mta_auth = true;
		lp_event_init(&ev, LEV_AUTH_FAIL);
		ev.proto = LPROTO_SMTP;
		ev.client = lpscan_bracket(m, at);
		m = lpscan_from(m, lpscan_end(ev.client));
		(void)LPS_SKIP(&m, "] ");
		ev.user = qm_word(&m);
		lp_emit(e, &ev);
		return;
	} else
		return;
	q->mta_auth = true;
	ev.user = LPS_FIELD(m, "user=<", ">");
	ev.proto = LPROTO_SMTP;
	if (p != NULL) {
		ev.client = lps_cstr(p->client);
		ev.proto = qm_port_proto(p->port);
		if (ev.kind == LEV_AUTH_FAIL)
			p->auth_counted++;
	}
	lp_emit(e, &ev);
}

/* sagredo's "qlogenvelope: result=... code=... reason=... detail=...
 * ... authuser=... localport=... remoteip=... qp=... pid=..." */
static void
qm_qlog(struct lp_emit *e, struct lp_qmail *q, struct log_str m, bool received)
{
	struct log_str result = LPS_FIELD(m, " result=", " ");
	struct log_str reason = LPS_FIELD(m, " reason=", " ");
	struct log_str code = LPS_FIELD(m, " code=", " ");
	struct log_str user = LPS_FIELD(m, " authuser=", " ");
	struct log_str ip = LPS_FIELD(m, " remoteip=", " ");
	struct log_str lport = LPS_FIELD(m, " localport=", " ");
	struct log_str qp = LPS_FIELD(m, " qp=", " ");
	struct log_str pids = LPS_FIELD(m, " pid=", " ");
	unsigned long port = 0, pid;
	struct log_event ev;
	struct qm_qp *a;
	struct qm_pid *p = NULL;

	(void)lpscan_ulong(&lport, &port, 65535);
	if (lpscan_ulong(&pids, &pid, 0x7fffffffUL))
		p = qm_pid(q, (long)pid);
	if (LPS_EQ(result, "accepted")) {
		if (!received || user.n == 0 || qp.n == 0)
			return;
		a = lpmap_get(q->qps, qp.p, qp.n);
		if (a != NULL && a->msg[0] != '\0') {	/* info came first */
			lp_submit(e, q->msgs, lps_cstr(a->msg), user, ip,
			    qm_port_proto(port));
			lpmap_del(q->qps, qp.p, qp.n);
		} else if ((a = lpmap_put(q->qps, qp.p, qp.n)) != NULL) {
			lpscan_copy(a->user, sizeof(a->user), user);
			lpscan_copy(a->client, sizeof(a->client), ip);
			a->proto = (uint8_t)qm_port_proto(port);
		}
		return;
	}
	if (!LPS_EQ(result, "rejected"))
		return;
	if (LPS_EQ(reason, "authfailed")) {
		q->mta_auth = true;
		if (p != NULL && p->auth_counted > 0) {
			p->auth_counted--;	/* its auth-failed line counted */
			return;
		}
		lp_event_init(&ev, LEV_AUTH_FAIL);
		ev.user = user;
	} else {
		lp_event_init(&ev, LEV_REJECTED);
	}
	ev.proto = qm_port_proto(port);
	ev.client = ip;
	ev.reason = reason;
	if (code.n > 0) {	/* "553 not_in_rcpthosts" */
		size_t len;
		char *b = lp_scratch(e->lp, &len);
		int n = snprintf(b, len, "%.*s %.*s", (int)code.n, code.p,
		    (int)reason.n, reason.p);

		if (n > 0)
			ev.reason = lps_mk(b, (size_t)n < len ? (size_t)n : len - 1);
	}
	lp_emit(e, &ev);
}

/* "vchkpw-pop3: password fail user@dom:IP" and friends. */
static void
qm_vchkpw(struct lp_emit *e, struct lp_qmail *q, struct log_str m)
{
	struct log_str svc = lpscan_until(m, m.p, ':'), who, body;
	const char *sp, *at, *colon;
	struct log_event ev;
	enum log_proto proto = LPROTO_NONE;

	if (svc.n == m.n)
		return;
	body = lpscan_from(m, lpscan_end(svc));
	(void)LPS_SKIP(&body, ": ");
	(void)LPS_SKIP(&svc, "vchkpw-");
	if (LPS_EQ(svc, "smtp"))
		proto = LPROTO_SMTP;
	else if (LPS_EQ(svc, "smtps") || LPS_EQ(svc, "submission"))
		proto = LPROTO_SUBMISSION;
	else if (LPS_EQ(svc, "pop3") || LPS_EQ(svc, "pop3s"))
		proto = LPROTO_POP3;
	else if (LPS_EQ(svc, "imap") || LPS_EQ(svc, "imaps") ||
	    LPS_EQ(svc, "webmail"))
		proto = LPROTO_IMAP;
	if (LPS_STARTS(body, "password fail ") ||
	    LPS_STARTS(body, "vpopmail user not found "))
		lp_event_init(&ev, LEV_AUTH_FAIL);
	else if (LPS_STARTS(body, "null password given ") ||
	    LPS_STARTS(body, "null user name given ") ||
	    LPS_FIND(body, " access denied ") != NULL)
		lp_event_init(&ev, LEV_AUTH_NOPASS);
	else if (LPS_FIND(body, ") login success ") != NULL)
		lp_event_init(&ev, LEV_AUTH_OK);
	else
		return;
	/* The SMTP attempt is the MTA's to count when it logs AUTH. */
	if ((proto == LPROTO_SMTP || proto == LPROTO_SUBMISSION) && q->mta_auth)
		return;
	ev.proto = proto;
	/* user@dom:IP is the last word ("(pass: '...')" before it is
	 * never looked at: it may hold a password) */
	sp = lpscan_rfind(body, " ", 1);
	if (sp == NULL)
		return;
	who = lpscan_from(body, sp + 1);
	at = lpscan_rfind(who, "@", 1);
	colon = lpscan_find(at ? lpscan_from(who, at) : who, ":", 1);
	if (colon == NULL)
		return;
	ev.user = lps_mk(who.p, (size_t)(colon - who.p));
	ev.client = lpscan_from(who, colon + 1);
	if (ev.user.n > 0 && ev.user.p[ev.user.n - 1] == '@')
		ev.user.n--;	/* "user@" when the domain was not given */
	ev.reason = lps_mk(body.p, (size_t)(sp - body.p));
	if (LPS_STARTS(ev.reason, "password fail"))
		ev.reason = lps_cstr("password fail");
	lp_emit(e, &ev);
}

static void
lp_qmail_line(struct lp_emit *e, void *arg, struct log_str prog,
    struct log_str m)
{
	struct lp_qmail *q = arg;
	struct log_str w = m, pid;
	unsigned long v;

	/* splogger's "1054189746.123151 " */
	if (lpscan_ulong(&w, &v, ~0UL) && LPS_SKIP(&w, ".") &&
	    lpscan_ulong(&w, &v, ~0UL) && LPS_SKIP(&w, " "))
		m = w;
	if (LPS_EQ(prog, "tcpserver") || LPS_SKIP(&m, "tcpserver: "))
		qm_tcpserver(e, q, m);
	else if (LPS_EQ(prog, "rblsmtpd") || LPS_SKIP(&m, "rblsmtpd: "))
		qm_rblsmtpd(e, m);
	else if (LPS_SKIP(&m, "qlogenvelope:"))
		qm_qlog(e, q, m, false);
	else if (LPS_SKIP(&m, "qlogreceived:"))
		qm_qlog(e, q, m, true);
	else if (LPS_EQ(prog, "qmail-smtpd"))
		qm_smtpd(e, q, e->line->pid, m);
	else if (LPS_SKIP(&m, "qmail-smtpd[")) {
		pid = lpscan_until(m, m.p, ']');
		w = pid;
		if (!lpscan_ulong(&w, &v, 0x7fffffffUL) || w.n != 0)
			return;
		m = lpscan_from(m, lpscan_end(pid));
		if (LPS_SKIP(&m, "]: "))
			qm_smtpd(e, q, (long)v, m);
	} else if (LPS_SKIP(&m, "qmail-smtpd: "))
		qm_smtpd(e, q, -1, m);
	else if (LPS_STARTS(m, "vchkpw-"))
		qm_vchkpw(e, q, m);
	else
		qm_send(e, q, m);
}

const struct lp_family lp_qmail_family = {
	.name = "qmail",
	.init = lp_qmail_new,
	.fini = lp_qmail_free,
	.line = lp_qmail_line,
	.evicted = lp_qmail_evicted,
};
