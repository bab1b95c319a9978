/*
 * mib_mta.c: MTA-MIB (RFC 2789), mtaTable and mtaGroupTable, as a second
 * view of the snapshot: every value is one MAILHEALTH-MIB serves,
 * looked up by its arc (mibval.c), so tools with built-in MTA-MIB
 * support see the queue and the traffic without our MIB.
 *
 * The MTA is applIndex 1 (mib_appl.c gives it its applTable row).
 * mtaGroupTable has one group for the whole MTA (mtaGroupIndex 1: every
 * queue, and the traffic counters of the mail log) and one group per row
 * of mhQueueTable (mtaGroupIndex = mhQueueIndex + 1), whose
 * mtaGroupHierarchy (1) says that group 1 includes it. What
 * MAILHEALTH-MIB does not have (volumes received, conversions, loops,
 * association counters) is not served: noSuchInstance, never 0. The
 * mapping is in docs/standard-mibs.md.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "view/view.h"
#include "mhmib.h"

#define MTA_ENTRY(t) MV_MIB2, MV_MTA, (t), 1

/* MTA-MIB's columns (RFC 2789) */
enum {
	MTA_RECEIVED_MESSAGES = 1, MTA_STORED_MESSAGES = 2,
	MTA_STORED_VOLUME = 5, MTA_STORED_RECIPIENTS = 8,
	MTA_TRANSMITTED_RECIPIENTS = 9,
};
enum {
	MG_RECEIVED_MESSAGES = 2, MG_REJECTED_MESSAGES = 3,
	MG_STORED_MESSAGES = 4, MG_STORED_VOLUME = 7,
	MG_STORED_RECIPIENTS = 10, MG_TRANSMITTED_RECIPIENTS = 11,
	MG_OLDEST_MESSAGE_STORED = 12, MG_INBOUND_ASSOCIATIONS = 13,
	MG_MAIL_PROTOCOL = 24, MG_NAME = 25, MG_DESCRIPTION = 28,
	MG_HIERARCHY = 31,
};

/* mhTraffic's scalars (MAILHEALTH-MIB { mhTraffic 1..5 }), which the
 * log collector fills; until it does they are found nowhere and the
 * MTA-MIB objects made of them answer noSuchInstance. */
#define TRAFFIC_RECEIVED 1
#define TRAFFIC_DELIVERED 2
#define TRAFFIC_REJECTED 5

/* MhMta: postfix(2), qmail(3), exim(4) */
static const char *const mta_names[][2] = {
	{ "postfix", "Postfix" }, { "qmail", "qmail" }, { "exim", "Exim" },
};
#define MTA_FIRST 2
#define MTA_LAST 4

int
mib_std_mta(const struct snapshot *s)
{
	int64_t mta;

	if (!mibval_int(s, MH_G_AGENT, MH_AGENT_MTA, &mta) ||
	    mta < MTA_FIRST || mta > MTA_LAST)
		return 0;
	return (int)mta;
}

const char *
mib_std_mta_name(int mta, bool title)
{
	if (mta < MTA_FIRST || mta > MTA_LAST)
		return "";
	return mta_names[mta - MTA_FIRST][title ? 1 : 0];
}

/* Established connections on the given local ports (mhConnTable), -1
 * when the connection collector counts none of them. */
int64_t
mib_std_conns(const struct snapshot *s, const uint32_t *ports, size_t n)
{
	struct mibtab t;
	int64_t sum = -1, v;
	size_t i, k;

	if (!mibval_table(s, MH_G_CONN, MH_CONN_TABLE, &t))
		return -1;
	for (i = 0; i < t.n; i++) {
		uint32_t port = mibtab_index(&t, i);

		for (k = 0; k < n; k++)
			if (ports[k] == port &&
			    mibtab_int(&t, i, MH_CE_ESTABLISHED, &v))
				sum = (sum < 0 ? 0 : sum) + v;
	}
	return sum;
}

static void
mta_cell(struct mv_builder *b, enum mv_type type, int64_t v, unsigned col)
{
	const uint32_t oid[] = { MTA_ENTRY(1), col, MV_APPL_MTA };

	mv_add_int(b, type, v, oid, MH_ARRAY_SIZE(oid));
}

/* Counter64 of ours to Counter32: the low 32 bits, as a wrap. */
static int64_t
c32(int64_t v)
{
	return (int64_t)((uint64_t)v & 0xffffffffu);
}

static void
build_mta(struct mv_builder *b, const struct snapshot *s)
{
	int64_t v;

	if (mibval_int(s, MH_G_TRAFFIC, TRAFFIC_RECEIVED, &v))
		mta_cell(b, MV_COUNTER32, c32(v), MTA_RECEIVED_MESSAGES);
	if (mibval_int(s, MH_G_QUEUE, MH_QUEUE_MESSAGES, &v))
		mta_cell(b, MV_GAUGE, v, MTA_STORED_MESSAGES);
	if (mibval_int(s, MH_G_QUEUE, MH_QUEUE_KBYTES, &v))
		mta_cell(b, MV_GAUGE, v, MTA_STORED_VOLUME);
	if (mibval_int(s, MH_G_QUEUE, MH_QUEUE_RECIPIENTS, &v))
		mta_cell(b, MV_GAUGE, v, MTA_STORED_RECIPIENTS);
	if (mibval_int(s, MH_G_TRAFFIC, TRAFFIC_DELIVERED, &v))
		mta_cell(b, MV_COUNTER32, c32(v), MTA_TRANSMITTED_RECIPIENTS);
}

static void
group_int(struct mv_builder *b, enum mv_type type, int64_t v, unsigned col,
    uint32_t group)
{
	const uint32_t oid[] = { MTA_ENTRY(2), col, MV_APPL_MTA, group };

	mv_add_int(b, type, v, oid, MH_ARRAY_SIZE(oid));
}

static void
group_str(struct mv_builder *b, const char *v, unsigned col, uint32_t group)
{
	const uint32_t oid[] = { MTA_ENTRY(2), col, MV_APPL_MTA, group };

	mv_add_str(b, v, strlen(v), oid, MH_ARRAY_SIZE(oid));
}

/* What every group has: its name, description, place in the hierarchy
 * and protocol ({applTCPProtoID 25}: SMTP). */
static void
group_common(struct mv_builder *b, uint32_t group, const char *name,
    const char *descr, int64_t hierarchy)
{
	const uint32_t oid[] = { MTA_ENTRY(2), MG_MAIL_PROTOCOL, MV_APPL_MTA,
	    group };
	const uint32_t smtp[] = { MV_MIB2, MV_APPL, 4, 25 };

	group_str(b, name, MG_NAME, group);
	group_str(b, descr, MG_DESCRIPTION, group);
	group_int(b, MV_INTEGER, hierarchy, MG_HIERARCHY, group);
	mv_add_oid(b, smtp, MH_ARRAY_SIZE(smtp), oid, MH_ARRAY_SIZE(oid));
}

static void
build_whole(struct mv_builder *b, const struct snapshot *s, int mta)
{
	static const uint32_t smtp_ports[] = { 25, 465, 587 };
	char d[128];
	int64_t v;

	snprintf(d, sizeof(d), "%s: every queue, and the mail log's "
	    "traffic", mib_std_mta_name(mta, true));
	group_common(b, 1, mib_std_mta_name(mta, false), d, 0);
	if (mibval_int(s, MH_G_TRAFFIC, TRAFFIC_RECEIVED, &v))
		group_int(b, MV_COUNTER32, c32(v), MG_RECEIVED_MESSAGES, 1);
	if (mibval_int(s, MH_G_TRAFFIC, TRAFFIC_REJECTED, &v))
		group_int(b, MV_COUNTER32, c32(v), MG_REJECTED_MESSAGES, 1);
	if (mibval_int(s, MH_G_TRAFFIC, TRAFFIC_DELIVERED, &v))
		group_int(b, MV_COUNTER32, c32(v), MG_TRANSMITTED_RECIPIENTS,
		    1);
	if (mibval_int(s, MH_G_QUEUE, MH_QUEUE_MESSAGES, &v))
		group_int(b, MV_GAUGE, v, MG_STORED_MESSAGES, 1);
	if (mibval_int(s, MH_G_QUEUE, MH_QUEUE_KBYTES, &v))
		group_int(b, MV_GAUGE, v, MG_STORED_VOLUME, 1);
	if (mibval_int(s, MH_G_QUEUE, MH_QUEUE_RECIPIENTS, &v))
		group_int(b, MV_GAUGE, v, MG_STORED_RECIPIENTS, 1);
	/* TimeInterval: hundredths of a second */
	if (mibval_int(s, MH_G_QUEUE, MH_QUEUE_OLDESTAGE, &v))
		group_int(b, MV_GAUGE, v * 100, MG_OLDEST_MESSAGE_STORED, 1);
	v = mib_std_conns(s, smtp_ports, MH_ARRAY_SIZE(smtp_ports));
	if (v >= 0)
		group_int(b, MV_GAUGE, v, MG_INBOUND_ASSOCIATIONS, 1);
}

static void
build_queues(struct mv_builder *b, const struct snapshot *s, int mta)
{
	struct mibtab t;
	size_t i;

	if (!mibval_table(s, MH_G_QUEUE, MH_QUEUE_TABLE, &t))
		return;
	for (i = 0; i < t.n; i++) {
		uint32_t g = mibtab_index(&t, i) + 1;
		const char *name = mibtab_str(&t, i, MH_QE_NAME);
		char d[128];
		int64_t v;

		if (name == NULL)
			continue;
		snprintf(d, sizeof(d), "%s %s queue", mib_std_mta_name(mta, true),
		    name);
		group_common(b, g, name, d, 1);
		if (mibtab_int(&t, i, MH_QE_MESSAGES, &v))
			group_int(b, MV_GAUGE, v, MG_STORED_MESSAGES, g);
		if (mibtab_int(&t, i, MH_QE_KBYTES, &v))
			group_int(b, MV_GAUGE, v, MG_STORED_VOLUME, g);
		if (mibtab_int(&t, i, MH_QE_RECIPIENTS, &v))
			group_int(b, MV_GAUGE, v, MG_STORED_RECIPIENTS, g);
		if (mibtab_int(&t, i, MH_QE_OLDESTAGE, &v))
			group_int(b, MV_GAUGE, v * 100,
			    MG_OLDEST_MESSAGE_STORED, g);
	}
}

void
mib_mta_build(struct mv_builder *b, const struct snapshot *s)
{
	int mta = mib_std_mta(s);

	if (mta == 0)
		return;		/* no MTA known: no rows */
	build_mta(b, s);
	build_whole(b, s, mta);
	build_queues(b, s, mta);
}
