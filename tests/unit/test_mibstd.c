/*
 * test_mibstd.c: MTA-MIB and NETWORK-SERVICES-MIB as a second view of
 * the snapshot (view/mib_mta.c, mib_appl.c, mibval.c). The values are
 * found by MAILHEALTH-MIB arcs whatever collector publishes them, so a
 * stand-in collector here publishes mhTraffic, mhServiceTable,
 * mhConnTable and mhAuthProtoTable from a struct of its own, as the log,
 * service and connection collectors would; the queue is the real queue
 * collector's part. Everything the view serves must lie inside a
 * registered subtree (snmp.c registers mv_subtrees).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "view/view.h"
#include "queue/queue.h"
#include "mhmib.h"

#define MIB2 1, 3, 6, 1, 2, 1
#define APPL(c, i) MIB2, 27, 1, 1, (c), (i)
#define MTA(c) MIB2, 28, 1, 1, (c), 1
#define GRP(c, g) MIB2, 28, 2, 1, (c), 1, (g)

/* ---- a stand-in collector with the other groups ---------------------- */
struct fsvc { char *name; int kind; int status; };
struct fconn { uint32_t port; uint32_t est; };
struct fauth { int proto; uint64_t fail, succ; };
struct fake {
	uint32_t have;
	uint64_t received, delivered, rejected;
	size_t nsvc, nconn, nauth;
	struct fsvc svc[4];
	struct fconn conn[4];
	struct fauth auth[2];
};
#define F struct fake

static const struct field traffic_fields[] = {
	{ .name = "received", .kind = FK_U64, FIELD_AT(F, received), .have = 1,
	  .smi = FS_COUNTER64, .arc = 1 },
	{ .name = "delivered", .kind = FK_U64, FIELD_AT(F, delivered),
	  .have = 1, .smi = FS_COUNTER64, .arc = 2 },
	{ .name = "rejected", .kind = FK_U64, FIELD_AT(F, rejected),
	  .have = 1, .smi = FS_COUNTER64, .arc = 5 },
};
static const struct field svc_cols[] = {
	{ .name = "name", .kind = FK_STR, FIELD_AT(struct fsvc, name),
	  .flags = FF_KEY, .smi = FS_STRING, .arc = MH_SV_NAME },
	{ .name = "kind", .kind = FK_INT, FIELD_AT(struct fsvc, kind),
	  .smi = FS_INTEGER, .arc = MH_SV_KIND },
	{ .name = "status", .kind = FK_INT, FIELD_AT(struct fsvc, status),
	  .smi = FS_INTEGER, .arc = MH_SV_STATUS },
};
static const struct field conn_cols[] = {
	{ .name = "port", .kind = FK_U32, FIELD_AT(struct fconn, port),
	  .flags = FF_KEY | FF_INDEX },
	{ .name = "est", .kind = FK_U32, FIELD_AT(struct fconn, est),
	  .smi = FS_GAUGE, .arc = MH_CE_ESTABLISHED },
};
static const struct field auth_cols[] = {
	{ .name = "proto", .kind = FK_INT, FIELD_AT(struct fauth, proto),
	  .flags = FF_INDEX },
	{ .name = "fail", .kind = FK_U64, FIELD_AT(struct fauth, fail),
	  .smi = FS_COUNTER64, .arc = 2 },
	{ .name = "succ", .kind = FK_U64, FIELD_AT(struct fauth, succ),
	  .smi = FS_COUNTER64, .arc = 4 },
};
static const struct ftable svc_tab[] = { { .name = "svc", .arc = MH_SVC_TABLE,
	.index = IX_POSITION, .rows_off = offsetof(F, svc), .rows_inline = 1,
	.nrows_off = offsetof(F, nsvc), .row_size = sizeof(struct fsvc),
	.row_have_off = -1, .cols = FIELDS(svc_cols) } };
static const struct ftable conn_tab[] = { { .name = "conn",
	.arc = MH_CONN_TABLE, .index = IX_VALUE, .rows_off = offsetof(F, conn),
	.rows_inline = 1, .nrows_off = offsetof(F, nconn),
	.row_size = sizeof(struct fconn), .row_have_off = -1,
	.cols = FIELDS(conn_cols) } };
static const struct ftable auth_tab[] = { { .name = "auth", .arc = 10,
	.index = IX_VALUE, .rows_off = offsetof(F, auth), .rows_inline = 1,
	.nrows_off = offsetof(F, nauth), .row_size = sizeof(struct fauth),
	.row_have_off = -1, .cols = FIELDS(auth_cols) } };
static const struct fgroup fake_groups[] = {
	{ .name = "traffic", .mib_group = MH_G_TRAFFIC, .have_off =
	  offsetof(F, have), .fields = FIELDS(traffic_fields) },
	{ .name = "svc", .mib_group = MH_G_SERVICES, .have_off = -1,
	  .tables = FIELDS(svc_tab) },
	{ .name = "conn", .mib_group = MH_G_CONN, .have_off = -1,
	  .tables = FIELDS(conn_tab) },
	{ .name = "auth", .mib_group = MH_G_AUTH, .have_off = -1,
	  .tables = FIELDS(auth_tab) },
};
static void
fake_free(void *p)
{
	F *f = p;
	size_t i;

	for (i = 0; f && i < f->nsvc; i++)
		free(f->svc[i].name);
	free(f);
}
static const struct collector fake_col = { .name = "fake",
	.part_free = fake_free, .groups = fake_groups, .ngroups = 4 };

/* ---- the snapshot ------------------------------------------------------ */
#define NOW 1700000000

static struct queue_part *
queue_sample(void)
{
	struct queue_part *q = xcalloc(1, sizeof(*q));

	q->mta = MH_MTA_POSTFIX;
	q->have = SNAP_HAVE_QUEUE | SNAP_HAVE_QUEUE_TOP | SNAP_HAVE_QUEUE_RCPT;
	q->nqueues = 2;
	strcpy(q->queues[0].name, "active");
	q->queues[0].messages = 2;
	q->queues[0].bytes = 2048;
	q->queues[0].recipients = 2;
	q->queues[0].oldest = NOW - 10;
	strcpy(q->queues[1].name, "deferred");
	q->queues[1].messages = 30;
	q->queues[1].bytes = 30 * 1500 + 1;
	q->queues[1].recipients = 45;
	q->queues[1].oldest = NOW - 3600;
	q->queues[0].have = q->queues[1].have = SNAP_HAVE_QUEUE_ROW |
	    SNAP_HAVE_QUEUE_RCPT;
	q->q_messages = 32;
	q->q_bytes = 2048 + 30 * 1500 + 1;
	q->q_recipients = 47;
	q->q_oldest = NOW - 3600;
	return q;
}

static F *
fake_sample(void)
{
	F *f = xcalloc(1, sizeof(*f));

	f->have = 1;
	f->received = 5000000007ull;	/* past 2^32: Counter32 wraps */
	f->delivered = 10;
	f->rejected = 3;
	f->nsvc = 3;
	f->svc[0] = (struct fsvc){ xstrdup("smtp"), 7, 1 };	/* up */
	f->svc[1] = (struct fsvc){ xstrdup("submission"), 8, 2 };
	f->svc[2] = (struct fsvc){ xstrdup("dns"), 4, 2 };
	f->nconn = 3;
	f->conn[0] = (struct fconn){ 25, 3 };
	f->conn[1] = (struct fconn){ 143, 4 };
	f->conn[2] = (struct fconn){ 587, 2 };
	return f;
}

/* queue and/or fake may be NULL */
static struct snapshot *
snap(struct queue_part *q, F *f)
{
	struct snapshot *s = snapshot_new(ncollectors);
	size_t i, spare = SIZE_MAX;

	s->taken = s->last_collect = NOW;
	for (i = 0; i < ncollectors; i++) {
		if (collectors[i] == &collector_queue && q) {
			s->parts[i].part = part_new(&collector_queue);
			s->parts[i].part->data = q;
			s->parts[i].part->taken = NOW;
		} else if (collectors[i] != &collector_queue &&
		    spare == SIZE_MAX)
			spare = i;
	}
	if (f) {
		s->parts[spare].part = part_new(&fake_col);
		s->parts[spare].part->data = f;
		s->parts[spare].part->taken = NOW;
	}
	return s;
}

static struct agent_info ai = { .version = "9.9", .hostname = "mx1.test",
	.started = NOW - 100, .interval = 30 };

static const struct mv_entry *
get(const struct mibview *m, const uint32_t *o, size_t len)
{
	const struct mv_entry *e = mibview_get(m, o, len);

	/* what we do not serve is still an object: noSuchInstance */
	if (e == NULL)
		assert_true(mibview_is_object(o, len));
	return e;
}
#define OIDV(...) (const uint32_t[]){ __VA_ARGS__ }, \
    sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t)
#define GET(m, ...) get((m), OIDV(__VA_ARGS__))

static int64_t
num(const struct mv_entry *e)
{
	assert_non_null(e);
	return e->type == MV_INTEGER ? e->v.i : (int64_t)e->v.u;
}

static const char *
str(const struct mv_entry *e)
{
	assert_non_null(e);
	assert_int_equal(e->type, MV_STRING);
	return e->v.str.s;
}

static struct mibview *
build(struct snapshot *s, const struct alarms *al)
{
	struct mibview *m = mibview_new();

	mibview_build(m, s, &ai, al, 10);
	return m;
}

static void
test_mta_tables(void **state)
{
	struct snapshot *s = snap(queue_sample(), fake_sample());
	struct mibview *m = build(s, NULL);
	const struct mv_entry *e;

	(void)state;
	/* mtaTable: stored from the queue, received and delivered from
	 * mhTraffic */
	e = GET(m, MTA(1));
	assert_int_equal(e->type, MV_COUNTER32);
	assert_int_equal(num(e), 5000000007ull & 0xffffffffu);
	assert_int_equal(num(GET(m, MTA(2))), 32);
	assert_int_equal(num(GET(m, MTA(5))), (2048 + 45001 + 1023) / 1024);
	assert_int_equal(num(GET(m, MTA(8))), 47);
	assert_int_equal(num(GET(m, MTA(9))), 10);
	assert_null(GET(m, MTA(3)));	/* messages transmitted: unknown */
	assert_null(GET(m, MTA(12)));
	/* group 1, the whole MTA */
	assert_string_equal(str(GET(m, GRP(25, 1))), "postfix");
	assert_int_equal(num(GET(m, GRP(31, 1))), 0);
	assert_int_equal(num(GET(m, GRP(2, 1))), 5000000007ull & 0xffffffffu);
	assert_int_equal(num(GET(m, GRP(3, 1))), 3);
	assert_int_equal(num(GET(m, GRP(4, 1))), 32);
	assert_int_equal(num(GET(m, GRP(11, 1))), 10);
	assert_int_equal(num(GET(m, GRP(12, 1))), 360000);	/* 1/100 s */
	assert_int_equal(num(GET(m, GRP(13, 1))), 5);	/* ports 25, 587 */
	e = GET(m, GRP(24, 1));
	assert_int_equal(e->type, MV_OID);
	assert_int_equal(e->v.oid.olen, 9);
	assert_int_equal(e->v.oid.o[6], 27);
	assert_int_equal(e->v.oid.o[8], 25);	/* {applTCPProtoID 25} */
	/* groups 2 and 3: mhQueueTable's rows 1 and 2 */
	assert_string_equal(str(GET(m, GRP(25, 2))), "active");
	assert_string_equal(str(GET(m, GRP(28, 3))), "Postfix deferred queue");
	assert_int_equal(num(GET(m, GRP(31, 3))), 1);
	assert_int_equal(num(GET(m, GRP(4, 2))), 2);
	assert_int_equal(num(GET(m, GRP(4, 3))), 30);
	assert_int_equal(num(GET(m, GRP(7, 3))), (45001 + 1023) / 1024);
	assert_int_equal(num(GET(m, GRP(10, 3))), 45);
	assert_int_equal(num(GET(m, GRP(12, 2))), 1000);
	assert_null(GET(m, GRP(2, 2)));	/* no received per queue */
	assert_null(GET(m, GRP(4, 4)));	/* no third queue */
	mibview_free(m);
	snapshot_free(s);
}

static void
test_appl_table(void **state)
{
	F *f = fake_sample();
	struct snapshot *s = snap(queue_sample(), f);
	struct mibview *m = build(s, NULL);

	(void)state;
	assert_string_equal(str(GET(m, APPL(2, 1))), "postfix");
	assert_string_equal(str(GET(m, APPL(3, 1))), "");
	assert_string_equal(str(GET(m, APPL(16, 1))),
	    "Postfix mail transfer agent (mailhealthd)");
	/* smtp up, submission down: up; the dns check is not the MTA's */
	assert_int_equal(num(GET(m, APPL(6, 1))), 1);
	assert_int_equal(num(GET(m, APPL(8, 1))), 5);
	assert_null(GET(m, APPL(5, 1)));	/* uptime: unknown */
	/* no POP3/IMAP check, no POP3/IMAP in the auth log: no row 2 */
	assert_null(GET(m, APPL(2, 2)));
	mibview_free(m);

	/* every SMTP check down: down(2); an IMAP check: row 2, with
	 * port 143's connections and no status yet */
	f->svc[0].status = 2;
	f->svc[2].kind = 12;
	f->svc[2].status = 3;	/* unknown */
	m = build(s, NULL);
	assert_int_equal(num(GET(m, APPL(6, 1))), 2);
	assert_string_equal(str(GET(m, APPL(2, 2))), "pop3-imap");
	assert_int_equal(num(GET(m, APPL(8, 2))), 4);
	assert_null(GET(m, APPL(6, 2)));
	mibview_free(m);

	/* no checks at all, but POP3 logins in the auth log: row 2, and
	 * no status for either */
	while (f->nsvc > 0)
		free(f->svc[--f->nsvc].name);
	f->nauth = 1;
	f->auth[0] = (struct fauth){ 2, 0, 7 };
	m = build(s, NULL);
	assert_string_equal(str(GET(m, APPL(2, 2))), "pop3-imap");
	assert_null(GET(m, APPL(6, 1)));
	assert_null(GET(m, APPL(6, 2)));
	mibview_free(m);
	snapshot_free(s);
}

static void
no_emit(const struct alarm_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
}

static void
test_congested(void **state)
{
	struct conf *c = xcalloc(1, sizeof(*c));
	struct alarms *al = alarms_new();
	struct snapshot *s = snap(queue_sample(), fake_sample());
	struct mibview *m;

	(void)state;
	c->alarm_forget = 3600;
	c->alarm_instances = 100;
	c->nalarms = 1;
	c->alarms = xcalloc(1, sizeof(*c->alarms));
	c->alarms[0].name = xstrdup("queue-high");
	c->alarms[0].metric = xstrdup("queue.total");
	c->alarms[0].rising = 30;
	c->alarms[0].falling = 20;
	c->alarms[0].severity = MH_SEV_MAJOR;
	alarms_configure(al, c);
	alarms_eval(al, s, NOW, no_emit, NULL);
	m = build(s, al);
	/* up, but a queue alarm is active */
	assert_int_equal(num(GET(m, APPL(6, 1))), 4);
	mibview_free(m);
	alarms_free(al);
	conf_free(c);
	snapshot_free(s);
}

static void
test_absent(void **state)
{
	struct snapshot *s = snap(queue_sample(), NULL);
	struct mibview *m = build(s, NULL);
	size_t i;

	(void)state;
	/* no log collector: the traffic objects are noSuchInstance, the
	 * queue's are there */
	assert_null(GET(m, MTA(1)));
	assert_null(GET(m, MTA(9)));
	assert_null(GET(m, GRP(2, 1)));
	assert_null(GET(m, GRP(3, 1)));
	assert_null(GET(m, GRP(13, 1)));	/* no connection counts */
	assert_null(GET(m, APPL(8, 1)));
	assert_int_equal(num(GET(m, MTA(2))), 32);
	assert_int_equal(num(GET(m, GRP(4, 1))), 32);
	/* not objects: a column past the table's, a table we do not serve */
	assert_false(mibview_is_object(OIDV(MIB2, 28, 1, 1, 13, 1)));
	assert_false(mibview_is_object(OIDV(MIB2, 28, 3, 1, 1, 1, 1, 1)));
	assert_false(mibview_is_object(OIDV(MIB2, 27, 1, 1, 2)));
	mibview_free(m);
	snapshot_free(s);

	/* no MTA known: no standard rows at all */
	s = snap(NULL, fake_sample());
	m = build(s, NULL);
	for (i = 0; i < mibview_count(m); i++)
		assert_int_not_equal(mibview_at(m, i)->oid[4], 2);
	mibview_free(m);
	snapshot_free(s);
}

/* Whatever the view serves lies in exactly one registered subtree, and
 * every subtree's range is what snmp.c asks the master for. */
static void
test_subtrees(void **state)
{
	struct snapshot *s = snap(queue_sample(), fake_sample());
	struct mibview *m = build(s, NULL);
	size_t i, k, in;

	(void)state;
	for (i = 0; i < mibview_count(m); i++) {
		const struct mv_entry *e = mibview_at(m, i);

		for (in = 0, k = 0; k < mv_nsubtrees; k++)
			in += mv_subtree_has(&mv_subtrees[k], e->oid, e->len);
		assert_int_equal(in, 1);
	}
	assert_true(mv_subtree_has(&mv_subtrees[1], OIDV(MIB2, 28, 1, 1, 12,
	    1)));
	assert_false(mv_subtree_has(&mv_subtrees[1], OIDV(MIB2, 28, 1, 1, 13,
	    1)));
	assert_false(mv_subtree_has(&mv_subtrees[2], OIDV(MIB2, 28, 2, 1, 1,
	    1, 1)));
	assert_true(mv_subtree_has(&mv_subtrees[2], OIDV(MIB2, 28, 2, 1, 34,
	    1, 1)));
	mibview_free(m);
	snapshot_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mta_tables),
		cmocka_unit_test(test_appl_table),
		cmocka_unit_test(test_congested),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_subtrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
