/*
 * mib_appl.c: NETWORK-SERVICES-MIB (RFC 2788), applTable, as a second
 * view of the snapshot (values looked up by MAILHEALTH-MIB arcs,
 * mibval.c).
 *
 * applIndex 1 is the MTA (its MTA-MIB rows are mib_mta.c's), present
 * whenever mhAgentMta names one. applIndex 2 is the POP3/IMAP server
 * (Dovecot, or vpopmail's qmail-pop3d), present when a pop3, pop3s,
 * imap or imaps service check is configured or when the authentication
 * log shows POP3 or IMAP logins or failures (mhAuthProtoTable).
 *
 * applOperStatus: up(1) when at least one of the application's service
 * checks (smtp, submission, smtps for the MTA) is up, down(2) when all
 * of them are down, congested(4) for an MTA that is up while a queue
 * alarm is active; noSuchInstance without such a check. Inbound
 * associations are the established connections on the application's
 * ports (mhConnTable). Uptime, last change and the accumulated counters
 * are not known to mailhealthd: noSuchInstance.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/view.h"
#include "mhmib.h"

enum {
	APPL_NAME = 2, APPL_DIRECTORY_NAME = 3, APPL_OPER_STATUS = 6,
	APPL_INBOUND_ASSOCIATIONS = 8, APPL_DESCRIPTION = 16,
};
enum { OPER_UP = 1, OPER_DOWN = 2, OPER_CONGESTED = 4 };

/* mhServiceKind and mhServiceStatus values, mhAuthProto's */
enum { KIND_SMTP = 7, KIND_SUBMISSION, KIND_SMTPS, KIND_POP3, KIND_POP3S,
    KIND_IMAP, KIND_IMAPS };
enum { SVC_UP = 1, SVC_DOWN = 2 };
enum { PROTO_POP3 = 2, PROTO_IMAP = 3 };
#define AUTH_PROTO_TABLE 10
#define AUTH_PROTO_FAILURES 2
#define AUTH_PROTO_SUCCESSES 4

struct appl {
	uint32_t index;
	int kind_lo, kind_hi;		/* its service checks' kinds */
	const uint32_t *ports;
	size_t nports;
};

static const uint32_t smtp_ports[] = { 25, 465, 587 };
static const uint32_t mbox_ports[] = { 110, 143, 993, 995 };
static const struct appl appl_mta = { MV_APPL_MTA, KIND_SMTP, KIND_SMTPS,
    smtp_ports, MH_ARRAY_SIZE(smtp_ports) };
static const struct appl appl_mbox = { MV_APPL_MBOX, KIND_POP3, KIND_IMAPS,
    mbox_ports, MH_ARRAY_SIZE(mbox_ports) };

/* -1 when no check of the application's kinds has a known status; with
 * *any set when such a check is configured at all. */
static int
oper_status(const struct snapshot *s, const struct appl *a, bool *any)
{
	struct mibtab t;
	bool up = false, down = false;
	int64_t kind, st;
	size_t i;

	*any = false;
	if (!mibval_table(s, MH_G_SERVICES, MH_SVC_TABLE, &t))
		return -1;
	for (i = 0; i < t.n; i++) {
		if (!mibtab_int(&t, i, MH_SV_KIND, &kind) ||
		    kind < a->kind_lo || kind > a->kind_hi)
			continue;
		*any = true;
		if (!mibtab_int(&t, i, MH_SV_STATUS, &st))
			continue;
		up |= st == SVC_UP;
		down |= st == SVC_DOWN;
	}
	return up ? OPER_UP : down ? OPER_DOWN : -1;
}

static bool
queue_alarm_active(const struct alarms *al)
{
	const struct alarm_row **rows;
	bool yes = false;
	size_t i, n;

	if (al == NULL)
		return false;
	n = alarms_active(al, &rows);
	for (i = 0; i < n && !yes; i++)
		yes = rows[i]->family == MH_FAM_QUEUE;
	free(rows);
	return yes;
}

/* Does the authentication log show POP3 or IMAP (any login or
 * failure counted)? */
static bool
auth_log_mbox(const struct snapshot *s)
{
	struct mibtab t;
	int64_t v;
	size_t i;

	if (!mibval_table(s, MH_G_AUTH, AUTH_PROTO_TABLE, &t))
		return false;
	for (i = 0; i < t.n; i++) {
		uint32_t proto = mibtab_index(&t, i);

		if (proto != PROTO_POP3 && proto != PROTO_IMAP)
			continue;
		if ((mibtab_int(&t, i, AUTH_PROTO_FAILURES, &v) && v > 0) ||
		    (mibtab_int(&t, i, AUTH_PROTO_SUCCESSES, &v) && v > 0))
			return true;
	}
	return false;
}

static void
appl_str(struct mv_builder *b, const struct appl *a, unsigned col,
    const char *v)
{
	const uint32_t oid[] = { MV_MIB2, MV_APPL, 1, 1, col, a->index };

	mv_add_str(b, v, strlen(v), oid, MH_ARRAY_SIZE(oid));
}

static void
appl_int(struct mv_builder *b, const struct appl *a, unsigned col,
    enum mv_type type, int64_t v)
{
	const uint32_t oid[] = { MV_MIB2, MV_APPL, 1, 1, col, a->index };

	mv_add_int(b, type, v, oid, MH_ARRAY_SIZE(oid));
}

static void
appl_row(struct mv_builder *b, const struct snapshot *s, const struct appl *a,
    const char *name, const char *descr, int status)
{
	int64_t conns = mib_std_conns(s, a->ports, a->nports);

	appl_str(b, a, APPL_NAME, name);
	appl_str(b, a, APPL_DIRECTORY_NAME, "");	/* none: zero length */
	appl_str(b, a, APPL_DESCRIPTION, descr);
	if (status > 0)
		appl_int(b, a, APPL_OPER_STATUS, MV_INTEGER, status);
	if (conns >= 0)
		appl_int(b, a, APPL_INBOUND_ASSOCIATIONS, MV_GAUGE, conns);
}

void
mib_appl_build(struct mv_builder *b, const struct snapshot *s,
    const struct alarms *al)
{
	int mta = mib_std_mta(s), st;
	bool checked;
	char d[128];

	if (mta != 0) {
		st = oper_status(s, &appl_mta, &checked);
		if (st == OPER_UP && queue_alarm_active(al))
			st = OPER_CONGESTED;
		snprintf(d, sizeof(d), "%s mail transfer agent (mailhealthd)",
		    mib_std_mta_name(mta, true));
		appl_row(b, s, &appl_mta, mib_std_mta_name(mta, false), d, st);
	}
	st = oper_status(s, &appl_mbox, &checked);
	if (checked || auth_log_mbox(s))
		appl_row(b, s, &appl_mbox, "pop3-imap",
		    "POP3/IMAP server (mailhealthd)", st);
}
