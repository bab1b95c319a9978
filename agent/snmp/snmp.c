/*
 * snmp.c: net-snmp as an AgentX subagent serving MAILHEALTH-MIB.
 *
 * Each subtree of the view (view.h's mv_subtrees: MAILHEALTH-MIB, and
 * the standard MTA-MIB and NETWORK-SERVICES-MIB served from the same
 * snapshot) is one registration with one handler. Requests are answered
 * from the current struct mibview (built by the main thread from the
 * last complete snapshot), so a request never waits for anything: a GET
 * is a binary search, a GETNEXT the entry after it, within the
 * registration's subtree.
 *
 * Notifications (building, pacing, holding) are notify.c's.
 *
 * Hardening learnt the hard way by others (see docs/architecture.md):
 * subagent role, no MIB files loaded, no persistent state, no config
 * files of net-snmp's own, ping interval set AFTER init_agent (which
 * resets it), short session timeouts, net-snmp's log routed into ours,
 * and notifications kept while the master is away.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>
#include <net-snmp/agent/agent_sysORTable.h>

#include "snmp/snmp.h"
#include "mhmib.h"

static const struct mibview *view;
static bool connected;
static void (*connect_cb)(void *);
static void *connect_arg;
/* Registration: net-snmp only logs "registering pdu failed: N" when the
 * master refuses a subtree (another agent holds it), and carries on as
 * if connected. We read that from its log, say so, and retry that
 * subtree until the master takes it (the other agent stops). The log
 * line does not say which subtree: net-snmp announces each registration
 * through SNMPD_CALLBACK_REGISTER_OID just before it sends it, and our
 * callback, called first, notes which one is under way (reg_cur). */
struct reg {
	long error;		/* AgentX error of the last attempt, 0 ok */
	long last_error;	/* what was last said, -1 nothing yet */
	bool tried;		/* attempted since the last reg_check() */
};
static struct reg *regs;	/* one per mv_subtrees row */
static size_t reg_cur = SIZE_MAX;	/* the registration under way */
static unsigned int reg_timer;
static long reg_retry = 5;	/* seconds, the AgentX ping interval */
static netsnmp_session *agentx_sess;	/* the live AgentX session */
static void reg_check(void);

/* net-snmp's AgentX client (agent/mibgroup/agentx/client.c), which it
 * exports but installs no header for; 5.9's signature. It sends one
 * Register PDU on the session and waits for the answer (the session's
 * short timeout applies); 1 when the master took it. Unregistering and
 * registering our handler again instead would send an Unregister PDU,
 * and the master would drop the other agent's registration of the same
 * subtree: stealing it, not retrying. */
int agentx_register(netsnmp_session *, oid *, size_t, int, int, oid, int,
    u_char, const char *);
/* AgentX sessions carry version AGENTX_VERSION_BASE (192) + n
 * (agentx/protocol.h, not installed either). */
#define MH_IS_AGENTX(v) (((v) & 192) == 192)


void
snmp_set_view(const struct mibview *v)
{
	view = v;
}

bool
snmp_connected(void)
{
	return connected;
}

void
snmp_on_connect(void (*cb)(void *), void *arg)
{
	connect_cb = cb;
	connect_arg = arg;
}

/* The view's OIDs as net-snmp's (to_u32, below, is the other way). */
static size_t
to_oid(const uint32_t *in, size_t len, oid *out)
{
	size_t i;

	if (len > MV_OID_MAX)
		len = MV_OID_MAX;
	for (i = 0; i < len; i++)
		out[i] = in[i];
	return len;
}

static int
set_value(netsnmp_variable_list *vb, const struct mv_entry *e)
{
	oid o[MV_OID_MAX];
	struct counter64 c64;
	long l;
	size_t i;

	switch (e->type) {
	case MV_INTEGER:
		l = (long)e->v.i;
		return snmp_set_var_typed_value(vb, ASN_INTEGER, &l, sizeof(l));
	case MV_UNSIGNED:
		l = (long)e->v.u;
		return snmp_set_var_typed_value(vb, ASN_UNSIGNED, &l, sizeof(l));
	case MV_GAUGE:
		l = (long)e->v.u;
		return snmp_set_var_typed_value(vb, ASN_GAUGE, &l, sizeof(l));
	case MV_AGE: {
		time_t now = time(NULL);

		l = now > (time_t)e->v.u ? (long)(now - (time_t)e->v.u) : 0;
		return snmp_set_var_typed_value(vb, ASN_GAUGE, &l, sizeof(l));
	}
	case MV_COUNTER32:
		l = (long)(e->v.u & 0xffffffffu);
		return snmp_set_var_typed_value(vb, ASN_COUNTER, &l, sizeof(l));
	case MV_TIMETICKS:
		l = (long)e->v.u;
		return snmp_set_var_typed_value(vb, ASN_TIMETICKS, &l, sizeof(l));
	case MV_COUNTER64:
		c64.high = (u_long)(e->v.u >> 32);
		c64.low = (u_long)(e->v.u & 0xffffffffu);
		return snmp_set_var_typed_value(vb, ASN_COUNTER64, &c64,
		    sizeof(c64));
	case MV_STRING:
		return snmp_set_var_typed_value(vb, ASN_OCTET_STR,
		    e->v.str.s, e->v.str.slen);
	case MV_OID:
		i = to_oid(e->v.oid.o, e->v.oid.olen, o);
		return snmp_set_var_typed_value(vb, ASN_OBJECT_ID, o,
		    i * sizeof(oid));
	}
	return -1;
}

static size_t
to_u32(const oid *in, size_t len, uint32_t *out)
{
	size_t i;

	if (len > MV_OID_MAX)
		len = MV_OID_MAX;
	for (i = 0; i < len; i++)
		out[i] = in[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)in[i];
	return len;
}

/* Is e inside the registration's subtree (its range included)? A
 * GETNEXT must not answer past it: the next subtree may be another
 * agent's. net-snmp hands the handler a copy of the registration per
 * element of a range, so the row of mv_subtrees is found again by the
 * registration's OID. */
static bool
in_subtree(const struct mv_entry *e, const netsnmp_handler_registration *reg)
{
	uint32_t r[MV_OID_MAX];
	size_t i, len = to_u32(reg->rootoid, reg->rootoid_len, r);

	for (i = 0; i < mv_nsubtrees; i++)
		if (mv_subtree_has(&mv_subtrees[i], r, len))
			return mv_subtree_has(&mv_subtrees[i], e->oid, e->len);
	return false;
}

static int
mh_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	netsnmp_request_info *r;

	(void)handler;
	for (r = requests; r; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;
		uint32_t q[MV_OID_MAX];
		size_t qlen;
		const struct mv_entry *e;

		if (r->processed)
			continue;
		qlen = to_u32(vb->name, vb->name_length, q);
		switch (reqinfo->mode) {
		case MODE_GET:
			e = view ? mibview_get(view, q, qlen) : NULL;
			if (e != NULL)
				set_value(vb, e);
			else
				netsnmp_set_request_error(reqinfo, r,
				    mibview_is_object(q, qlen) ?
				    SNMP_NOSUCHINSTANCE : SNMP_NOSUCHOBJECT);
			break;
		case MODE_GETNEXT:
			e = view ? mibview_next(view, q, qlen) : NULL;
			if (e != NULL && in_subtree(e, reg)) {
				oid o[MV_OID_MAX];

				snmp_set_var_objid(vb, o, to_oid(e->oid, e->len,
				    o));
				set_value(vb, e);
			}
			/* else: leave it unset, the agent moves on to the
			 * next registered subtree */
			break;
		default:
			netsnmp_set_request_error(reqinfo, r, SNMP_ERR_NOTWRITABLE);
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

static int
log_cb(int major, int minor, void *serverarg, void *clientarg)
{
	const struct snmp_log_message *m = serverarg;
	char msg[1024];
	size_t len;
	long err;
	int prio;

	(void)major;
	(void)minor;
	(void)clientarg;
	snprintf(msg, sizeof(msg), "%s", m->msg ? m->msg : "");
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		msg[--len] = '\0';
	if (len == 0)
		return 0;
	if (sscanf(msg, "registering pdu failed: %ld", &err) == 1) {
		/* said by us, with the reason, in reg_check() */
		if (regs != NULL && reg_cur < mv_nsubtrees)
			regs[reg_cur].error = err;
		log_debug("netsnmp", "%s", msg);
		return 0;
	}
	prio = m->priority;
	if (prio >= LOG_DEBUG)
		log_debug("netsnmp", "%s", msg);
	else if (prio >= LOG_INFO)
		log_info("netsnmp", "%s", msg);
	else
		log_warnx("netsnmp", "%s", msg);
	return 0;
}


static int
connect_cb_fn(int major, int minor, void *serverarg, void *clientarg)
{
	(void)major;
	(void)serverarg;
	(void)clientarg;
	if (minor == SNMPD_CALLBACK_INDEX_START) {
		/* net-snmp registers our subtrees again right after this
		 * callback (reg_note_cb sees each); the verdicts are checked
		 * at the next loop pass */
		connected = true;
		notify_release_held();
		if (connect_cb)
			connect_cb(connect_arg);
	} else if (minor == SNMPD_CALLBACK_INDEX_STOP) {
		if (connected)
			log_warnx("snmp", "lost the AgentX master; "
			    "reconnecting");
		connected = false;
		agentx_sess = NULL;
	}
	return 0;
}

static const char *
agentx_error(long e)
{
	switch (e) {
	case 256: return "open failed";
	case 257: return "session not open";
	case 262: return "unsupported context";
	case 263: return "duplicate registration: another agent serves "
		    "this subtree";
	case 264: return "unknown registration";
	case 266: return "parse error";
	case 267: return "request denied";
	case 268: return "processing error";
	}
	return "refused";
}


/* SNMPD_CALLBACK_REGISTER_OID, before net-snmp's AgentX client sends
 * the Register PDU (we are first in the list): which subtree is it? */
static int
reg_note_cb(int major, int minor, void *serverarg, void *clientarg)
{
	const struct register_parameters *rp = serverarg;
	size_t i, k;

	(void)major;
	(void)minor;
	(void)clientarg;
	reg_cur = SIZE_MAX;
	for (i = 0; rp != NULL && i < mv_nsubtrees; i++) {
		const struct mv_subtree *t = &mv_subtrees[i];

		if (rp->namelen != t->len)
			continue;
		for (k = 0; k < t->len && rp->name[k] == t->oid[k]; k++)
			;
		if (k == t->len) {
			reg_cur = i;
			regs[i].error = 0;
			regs[i].tried = true;
			break;
		}
	}
	return 0;
}

static void
reg_retry_cb(unsigned int timer, void *arg)
{
	size_t i;

	(void)timer;
	(void)arg;
	reg_timer = 0;
	if (!connected || agentx_sess == NULL)
		return;		/* the reconnection registers again */
	for (i = 0; i < mv_nsubtrees; i++) {
		const struct mv_subtree *t = &mv_subtrees[i];
		oid o[MV_OID_MAX];

		if (regs[i].error == 0)
			continue;
		to_oid(t->oid, t->len, o);
		reg_cur = i;
		regs[i].error = 0;
		regs[i].tried = true;
		if (agentx_register(agentx_sess, o, t->len, t->priority,
		    t->range_subid, t->range_ubound, 0, 0, NULL) != 1 &&
		    regs[i].error == 0)
			regs[i].error = 268;	/* no answer: processing error */
	}
	reg_cur = SIZE_MAX;
	reg_check();
}

/* After registration attempts: say what happened, retry what was
 * refused. */
static void
reg_check(void)
{
	bool retry = false;
	size_t i;

	for (i = 0; regs != NULL && i < mv_nsubtrees; i++) {
		struct reg *r = &regs[i];
		const char *name = mv_subtrees[i].name;

		if (!r->tried)
			continue;
		r->tried = false;
		if (r->error == 0) {
			/* one "connected" line per connection: MAILHEALTH-MIB's */
			if (strcmp(name, "MAILHEALTH-MIB") == 0)
				log_info("snmp", "connected to the AgentX master, "
				    "%s registered", name);
			else
				log_info("snmp", "%s registered", name);
			r->last_error = 0;
			continue;
		}
		if (r->error != r->last_error)
			log_warnx("snmp", "the AgentX master refused to "
			    "register %s: %s (AgentX error %ld); retrying "
			    "every %ld s", name, agentx_error(r->error),
			    r->error, reg_retry);
		r->last_error = r->error;
		retry = true;
	}
	if (retry && reg_timer == 0)
		reg_timer = snmp_alarm_register((unsigned)reg_retry, 0,
		    reg_retry_cb, NULL);
}

void
snmp_poll_registration(void)
{
	reg_check();
}

/* Synchronous AgentX operations (open, register, ping) block the loop:
 * keep them short so a dead master cannot freeze us. */
static int
session_init_cb(int major, int minor, void *serverarg, void *clientarg)
{
	netsnmp_session *sess = serverarg;

	(void)major;
	(void)minor;
	(void)clientarg;
	if (sess) {
		sess->timeout = ONE_SEC / 2;
		sess->retries = 0;
		if (MH_IS_AGENTX(sess->version))
			agentx_sess = sess;
	}
	return 0;
}

static int
register_subtrees(void)
{
	size_t i;

	regs = xcalloc(mv_nsubtrees, sizeof(*regs));
	for (i = 0; i < mv_nsubtrees; i++) {
		const struct mv_subtree *t = &mv_subtrees[i];
		netsnmp_handler_registration *reg;
		oid o[MV_OID_MAX];

		regs[i].last_error = -1;
		to_oid(t->oid, t->len, o);
		reg = netsnmp_create_handler_registration(t->name, mh_handler,
		    o, t->len, HANDLER_CAN_RONLY);
		if (reg == NULL) {
			log_warnx("snmp", "cannot register %s", t->name);
			return -1;
		}
		reg->priority = t->priority;
		reg->range_subid = t->range_subid;
		reg->range_ubound = t->range_ubound;
		if (netsnmp_register_handler(reg) != MIB_REGISTERED_OK) {
			log_warnx("snmp", "cannot register %s", t->name);
			return -1;
		}
	}
	return 0;
}

int
snmp_agent_init(const char *agentx_socket, long ping_interval)
{
	size_t i;

	/* Debian ships no IETF MIBs: loading any MIB prints hundreds of
	 * errors, and a subagent needs none. */
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "/dev/null", 1);

	snmp_disable_log();
	snmp_enable_calllog();
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING,
	    log_cb, NULL);

	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID,
	    NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID,
	    NETSNMP_DS_AGENT_X_SOCKET, agentx_socket);

	snmp_register_callback(SNMP_CALLBACK_LIBRARY,
	    SNMP_CALLBACK_SESSION_INIT, session_init_cb, NULL);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION,
	    SNMPD_CALLBACK_INDEX_START, connect_cb_fn, NULL);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION,
	    SNMPD_CALLBACK_INDEX_STOP, connect_cb_fn, NULL);
	/* before net-snmp's AgentX client, which sends the Register PDU
	 * from its own callback of the same kind */
	netsnmp_register_callback(SNMP_CALLBACK_APPLICATION,
	    SNMPD_CALLBACK_REGISTER_OID, reg_note_cb, NULL,
	    NETSNMP_CALLBACK_HIGHEST_PRIORITY);

	if (init_agent("mailhealthd") != 0) {
		log_warnx("snmp", "init_agent failed");
		return -1;
	}
	/* init_agent() resets the ping interval of a subagent to 15 s:
	 * set ours now, before init_snmp() starts the session. */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID,
	    NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, (int)ping_interval);

	reg_retry = ping_interval;
	if (register_subtrees() != 0)
		return -1;
	init_snmp("mailhealthd");
	for (i = 0; i < mv_nsubtrees; i++) {
		const struct mv_subtree *t = &mv_subtrees[i];
		oid o[MV_OID_MAX];

		if (t->descr == NULL)
			continue;
		register_sysORTable(o, to_oid(t->oid, t->sysor_len, o),
		    t->descr);
	}
	return 0;
}

void
snmp_agent_shutdown(void)
{
	notify_shutdown();
	if (reg_timer)
		snmp_alarm_unregister(reg_timer);
	snmp_shutdown("mailhealthd");
	free(regs);
	regs = NULL;
}
