/*
 * poll.c: reconciliation. Every `reconcile { interval }`, the sender
 * (--daemon only) asks each agent it has paged for which alarms are still
 * active (mhAlarmTable's names and instances, SNMP GETNEXT walks) and
 * pages the clear of every alarm that is gone but whose clear never came
 * (recon.c keeps the list). An agent that does not answer is left alone:
 * unknown is not cleared.
 *
 * The only file of mailhealth-sms that uses net-snmp, and it is linked
 * into the sender only, as libcurl is: the handler that snmptrapd starts
 * for every trap loads neither.
 */
#include "config.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sms.h"

#define POLL_MAX_ROWS 65536

static bool poll_ready;

static void
poll_init(void)
{
	if (poll_ready)
		return;
	/* no MIB files, no config files, no persistent state: numeric
	 * OIDs only, all settings from mailhealth-sms.conf */
	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	init_snmp("mailhealth-sms");
	poll_ready = true;
}

/* An SNMP session to addr (v2c or v3 from the configuration); NULL and
 * *err on failure. */
static void *
poll_open(const struct recon_conf *rc, const char *addr, char *err,
    size_t errlen)
{
	netsnmp_session ss;
	char *peer = strchr(addr, ':') ? xasprintf("udp6:[%s]:%ld", addr,
	    rc->port) : xasprintf("udp:%s:%ld", addr, rc->port);
	void *sess;

	snmp_sess_init(&ss);
	ss.peername = peer;
	ss.timeout = rc->timeout_ms * 1000L;
	ss.retries = 1;
	if (rc->user == NULL) {
		ss.version = SNMP_VERSION_2c;
		ss.community = (u_char *)rc->community;
		ss.community_len = strlen(rc->community);
	} else {
		ss.version = SNMP_VERSION_3;
		ss.securityName = rc->user;
		ss.securityNameLen = strlen(rc->user);
		ss.securityLevel = rc->auth_pass == NULL ? SNMP_SEC_LEVEL_NOAUTH :
		    rc->priv_pass == NULL ? SNMP_SEC_LEVEL_AUTHNOPRIV :
		    SNMP_SEC_LEVEL_AUTHPRIV;
		if (rc->auth_pass) {
			int proto = usm_lookup_auth_type(rc->auth_proto);
			size_t len;
			const oid *o = sc_get_auth_oid(proto, &len);

			ss.securityAuthProto = snmp_duplicate_objid(o, len);
			ss.securityAuthProtoLen = len;
			ss.securityAuthKeyLen = USM_AUTH_KU_LEN;
			if (generate_Ku(o, (u_int)len, (u_char *)rc->auth_pass,
			    strlen(rc->auth_pass), ss.securityAuthKey,
			    &ss.securityAuthKeyLen) != SNMPERR_SUCCESS) {
				snprintf(err, errlen, "cannot use the auth "
				    "passphrase (%s)", rc->auth_proto);
				free(peer);
				return NULL;
			}
		}
		if (rc->priv_pass) {
			int proto = usm_lookup_priv_type(rc->priv_proto);
			size_t len;
			const oid *o = sc_get_priv_oid(proto, &len);

			ss.securityPrivProto = snmp_duplicate_objid(o, len);
			ss.securityPrivProtoLen = len;
			ss.securityPrivKeyLen = USM_PRIV_KU_LEN;
			if (generate_Ku(ss.securityAuthProto,
			    (u_int)ss.securityAuthProtoLen,
			    (u_char *)rc->priv_pass, strlen(rc->priv_pass),
			    ss.securityPrivKey, &ss.securityPrivKeyLen) !=
			    SNMPERR_SUCCESS) {
				snprintf(err, errlen, "cannot use the privacy "
				    "passphrase (%s)", rc->priv_proto);
				free(peer);
				return NULL;
			}
		}
	}
	sess = snmp_sess_open(&ss);
	if (sess == NULL)
		snprintf(err, errlen, "cannot open a session to %s", peer);
	free(ss.securityAuthProto);
	free(ss.securityPrivProto);
	free(peer);
	return sess;
}

/* Walk column `col` of mhAlarmTable: the index (last arc) and the string
 * of each row. -1 (with *err) when the agent did not answer the walk. */
static int
poll_column(void *sess, int col, unsigned long **idx, char ***val, size_t *n,
    char *err, size_t errlen)
{
	oid base[] = { MH_OID_ROOT, MH_OBJECTS, MH_G_ALARMS, MH_ALARM_TABLE, 1,
	    (oid)col };
	size_t blen = OID_LENGTH(base), cur_len = blen;
	oid cur[MAX_OID_LEN];

	memcpy(cur, base, sizeof(base));
	*idx = NULL;
	*val = NULL;
	*n = 0;
	while (*n < POLL_MAX_ROWS) {
		netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GETNEXT), *resp = NULL;
		netsnmp_variable_list *vb;
		int st;

		snmp_add_null_var(pdu, cur, cur_len);
		st = snmp_sess_synch_response(sess, pdu, &resp);
		if (st != STAT_SUCCESS || resp == NULL ||
		    resp->errstat != SNMP_ERR_NOERROR) {
			snprintf(err, errlen, "%s", st == STAT_TIMEOUT ?
			    "no answer" : "walk failed");
			if (resp)
				snmp_free_pdu(resp);
			return -1;
		}
		vb = resp->variables;
		if (vb == NULL || vb->type == SNMP_ENDOFMIBVIEW ||
		    vb->type == SNMP_NOSUCHOBJECT ||
		    vb->type == SNMP_NOSUCHINSTANCE ||
		    vb->name_length != blen + 1 ||
		    snmp_oid_compare(vb->name, blen, base, blen) != 0) {
			snmp_free_pdu(resp);
			return 0;	/* past the column: done */
		}
		*idx = xreallocarray(*idx, *n + 1, sizeof(**idx));
		*val = xreallocarray(*val, *n + 1, sizeof(**val));
		(*idx)[*n] = (unsigned long)vb->name[blen];
		(*val)[*n] = vb->type == ASN_OCTET_STR ?
		    xstrndup((const char *)vb->val.string, vb->val_len) :
		    xstrdup("");
		(*n)++;
		memcpy(cur, vb->name, vb->name_length * sizeof(oid));
		cur_len = vb->name_length;
		snmp_free_pdu(resp);
	}
	return 0;
}

struct poll_agent {
	char **names, **insts;	/* active alarms, by row */
	size_t n;
};

static void
poll_agent_free(struct poll_agent *p)
{
	spool_names_free(p->names, p->n);
	spool_names_free(p->insts, p->n);
	memset(p, 0, sizeof(*p));
}

/* The active alarms of the agent at addr: 0, or -1 when unknown. */
static int
poll_agent(const struct recon_conf *rc, const char *addr,
    struct poll_agent *out)
{
	unsigned long *in = NULL, *ii = NULL;
	char **names = NULL, **insts = NULL, err[200];
	size_t nn = 0, ni = 0, i, k;
	void *sess;
	int rcode = -1;

	memset(out, 0, sizeof(*out));
	if ((sess = poll_open(rc, addr, err, sizeof(err))) == NULL)
		goto fail;
	if (poll_column(sess, MH_AE_NAME, &in, &names, &nn, err,
	    sizeof(err)) != 0 || poll_column(sess, MH_AE_INSTANCE, &ii,
	    &insts, &ni, err, sizeof(err)) != 0)
		goto fail;
	/* join the columns by index (a row may come and go between them:
	 * a name without its instance is taken as still active) */
	out->names = xcalloc(nn + 1, sizeof(char *));
	out->insts = xcalloc(nn + 1, sizeof(char *));
	for (i = 0; i < nn; i++) {
		for (k = 0; k < ni && ii[k] != in[i]; k++)
			;
		out->names[i] = xstrdup(names[i]);
		out->insts[i] = xstrdup(k < ni ? insts[k] : "\x01any");
	}
	out->n = nn;
	rcode = 0;
	goto out;
fail:
	log_notice("recon", "agent %s: %s: its alarms are left as they are",
	    addr, err);
out:
	if (sess)
		snmp_sess_close(sess);
	spool_names_free(names, nn);
	spool_names_free(insts, ni);
	free(in);
	free(ii);
	return rcode;
}

static bool
poll_active(const struct poll_agent *p, const struct recon_alarm *r)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->names[i], r->name) == 0 &&
		    (strcmp(p->insts[i], r->instance) == 0 ||
		    strcmp(p->insts[i], "\x01any") == 0))
			return true;
	return false;
}

/*
 * Due every reconcile interval (*next: when next). The list is read
 * under state.lock and the lock dropped before polling: the polls take
 * network time, and the clears go through the handler path, which takes
 * the lock itself.
 */
int
recon_run(const struct sms_conf *c, time_t now, time_t *next)
{
	static time_t last;
	struct recon_alarm *v = NULL;
	struct poll_agent pa;
	size_t n, i, k, cleared = 0;
	int lock;

	*next = 0;
	if (c->recon.interval <= 0)
		return 0;
	if (last && now >= last && now - last < c->recon.interval) {
		*next = last + c->recon.interval;
		return 0;
	}
	last = now;
	*next = now + c->recon.interval;
	if ((lock = spool_lock(c->spool_dir, "state.lock",
	    SMS_LOCK_TIMEOUT_MS)) < 0)
		return -1;
	n = recon_load(c->spool_dir, &v);
	close(lock);
	if (n == 0)
		goto out;
	poll_init();
	for (i = 0; i < n; i++) {
		if (v[i].addr == NULL)
			continue;	/* done with this agent */
		if (poll_agent(&c->recon, v[i].addr, &pa) != 0) {
			for (k = i + 1; k < n; k++)
				if (v[k].addr && strcmp(v[k].addr,
				    v[i].addr) == 0) {
					free(v[k].addr);
					v[k].addr = NULL;
				}
			continue;
		}
		for (k = i; k < n; k++) {
			char *trap;

			if (v[k].addr == NULL || strcmp(v[k].addr, v[i].addr))
				continue;
			if (!poll_active(&pa, &v[k])) {
				log_notice("recon", "%s %s %s is no longer "
				    "active at %s: paging its clear",
				    v[k].host, v[k].name, v[k].instance,
				    v[k].addr);
				trap = recon_clear_trap(&v[k]);
				sms_handle_flags(c, trap, strlen(trap),
				    HANDLE_INTERNAL | HANDLE_RECONCILED, now,
				    route_minute_of_day(now));
				free(trap);
				cleared++;
			}
			if (k != i) {
				free(v[k].addr);
				v[k].addr = NULL;
			}
		}
		free(v[i].addr);
		v[i].addr = NULL;
		poll_agent_free(&pa);
	}
	if (cleared)
		log_info("recon", "%zu clears paged by reconciliation",
		    cleared);
out:
	recon_alarms_free(v, n);
	return 0;
}
