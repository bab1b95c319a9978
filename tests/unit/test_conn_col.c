/*
 * test_conn_col.c: the connections collector around its engine: the
 * `connections` section (defaults without it, every error with its
 * file and line), a round's result as the part publishes it, the MIB
 * rows it gives (mhConnTable indexed by port; mhConnHostTable by port
 * and a kept number, rank and top_n per port), its metrics and their
 * details, and the text report. The engine is fed by hand
 * (conn_round_begin/feed/end): the sockets are the ones the readers
 * would report.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "conn/conn_col.h"
#include "view/view.h"
#include "cfgtest.h"

#define R 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 25
#define C R, 1, MH_G_CONN

static const struct conn_conf *
cc_of(const struct conf *c)
{
	const struct conf_col *cc = conf_col_of(c, &collector_conn);

	assert_non_null(cc);
	assert_true(cc->on);
	return cc->cc;
}

static void
test_conf(void **state)
{
	static const uint16_t dflt[] = { 25, 465, 587, 110, 995, 143, 993 };
	const struct conn_conf *k;
	struct conf *c;

	(void)state;
	/* no section: on, with the default ports, in their order */
	c = ct_load("top_n = 4\n");
	k = cc_of(c);
	assert_int_equal(k->o.nports, 7);
	assert_memory_equal(k->o.ports, dflt, sizeof(dflt));
	assert_int_equal(k->o.top_n, 4);
	assert_false(k->o.force_proc);
	assert_int_equal(k->o.growth_window, 120);
	conf_free(c);

	c = ct_load("interval = 300\nconnections {\n ports = { 2525, 25 }\n"
	    " reader = proc\n}\n");
	k = cc_of(c);
	assert_int_equal(k->o.nports, 2);
	assert_int_equal(k->o.ports[0], 2525);
	assert_int_equal(k->o.ports[1], 25);
	assert_true(k->o.force_proc);
	/* growth needs a round inside the window: twice the interval */
	assert_int_equal(k->o.growth_window, 600);
	conf_free(c);

	c = ct_load("connections { ports += { 2525 } growth_window = 45 "
	    "interval = 5 }\n");
	k = cc_of(c);
	assert_int_equal(k->o.nports, 8);
	assert_int_equal(k->o.ports[7], 2525);
	assert_int_equal(k->o.growth_window, 45);
	assert_int_equal(conf_col_of(c, &collector_conn)->interval, 5);
	conf_free(c);

	ct_expect_error("\nconnections {\n ports = { 25, 0 }\n}\n", 3,
	    "ports: 0 is not a TCP port (1 to 65535)");
	ct_expect_error("connections {\n ports = { 70000 }\n}\n", 2,
	    "ports: 70000 is not a TCP port");
	ct_expect_error("connections {\n ports = { 25,\n 587, 25 }\n}\n", 3,
	    "ports: 25 is listed twice");
	ct_expect_error("connections {\n ports = {}\n}\n", 3,
	    "connections: ports is empty");
	ct_expect_error("connections {\n reader = netlink\n}\n", 2,
	    "reader: 'netlink' is not auto or proc");
	ct_expect_error("connections {\n growth_window = -1\n}\n", 2,
	    "growth_window = -1 is out of range");
	ct_expect_error("connections { }\nconnections { }\n", 2,
	    "only one connections section");
	ct_expect_error("connections {\n port = { 25 }\n}\n", 2, "port");
}

/* an IPv4 socket: 127.0.0.1:lport <- 127.0.0.r:rport */
static void
feed4(struct conn *c, uint16_t lport, uint8_t state, uint8_t r)
{
	struct conn_sock s;

	memset(&s, 0, sizeof(s));
	s.lport = lport;
	s.state = state;
	s.family = AF_INET;
	s.laddr[0] = 127;
	s.laddr[3] = 1;
	s.raddr[0] = 127;
	s.raddr[3] = r;
	conn_feed(c, &s);
}

/* One round at time t: port 25 has 5 established from .2, 3 from .3,
 * 2 half-open from .4 (plus extra connections from .2); port 587 one
 * from .9; port 110 nothing. */
static void
round_at(struct conn *c, time_t t, unsigned extra)
{
	unsigned i;

	conn_round_begin(c);
	feed4(c, 25, CONN_TCP_LISTEN, 0);
	feed4(c, 587, CONN_TCP_LISTEN, 0);
	for (i = 0; i < 5 + extra; i++)
		feed4(c, 25, CONN_TCP_ESTABLISHED, 2);
	for (i = 0; i < 3; i++)
		feed4(c, 25, CONN_TCP_ESTABLISHED, 3);
	for (i = 0; i < 2; i++)
		feed4(c, 25, CONN_TCP_SYN_RECV, 4);
	feed4(c, 587, CONN_TCP_ESTABLISHED, 9);
	feed4(c, 5555, CONN_TCP_ESTABLISHED, 7);	/* not ours */
	conn_round_end(c, t, CONN_READ_NETLINK);
}

static struct snapshot *
wrap(struct conn_part *cp, time_t taken)
{
	struct snapshot *s = snapshot_new(ncollectors);
	size_t i;

	s->taken = s->last_collect = taken;
	for (i = 0; i < ncollectors; i++)
		if (collectors[i] == &collector_conn) {
			s->parts[i].part = part_new(&collector_conn);
			s->parts[i].part->data = cp;
			s->parts[i].part->taken = taken;
		}
	return s;
}

static struct agent_info ai = {
	.version = "9.9", .hostname = "mx1.test", .started = 1690000000,
	.interval = 30,
};

static const struct mv_entry *
get(const struct mibview *m, const uint32_t *o, size_t len)
{
	return mibview_get(m, o, len);
}
#define GET(m, ...) get((m), (const uint32_t[]){ __VA_ARGS__ }, \
    sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))
#define IS_OBJECT(...) mibview_is_object((const uint32_t[]){ __VA_ARGS__ }, \
    sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))

static struct conn *
engine(void)
{
	struct conn_opts o;

	conn_opts_default(&o);
	o.ports[0] = 25;
	o.ports[1] = 587;
	o.ports[2] = 110;
	o.nports = 3;
	o.top_n = 10;
	return conn_new(&o);
}

static struct snapshot *
snap_of(struct conn *c, time_t t)
{
	struct conn_part *cp = xcalloc(1, sizeof(*cp));

	conn_part_fill(cp, conn_result(c));
	return wrap(cp, t);
}

static void
test_part_and_view(void **state)
{
	struct conn *c = engine();
	struct mibview *m = mibview_new();
	struct snapshot *s;
	const struct conn_part *cp;
	const struct mv_entry *e, *h2, *h3, *h4;
	size_t i;

	(void)state;
	round_at(c, 1000, 0);
	s = snap_of(c, 1000);
	cp = snapshot_data(s, &collector_conn);
	assert_non_null(cp);
	assert_int_equal(cp->nports, 3);
	assert_int_equal(cp->ports[0].port, 25);
	assert_int_equal(cp->ports[0].established, 8);
	assert_int_equal(cp->ports[0].halfopen, 2);
	assert_int_equal(cp->ports[0].hosts, 3);
	assert_int_equal(cp->ports[0].have & CONN_ROW_GROWTH, 0);
	assert_int_equal(cp->nhosts, 4);
	assert_string_equal(cp->hosts[0].key, "25 127.0.0.2");
	assert_int_equal(cp->hosts[0].count, 5);
	assert_true(cp->hosts[0].share == 50.0);
	assert_string_equal(cp->hosts[3].key, "587 127.0.0.9");

	mibview_build(m, s, &ai, NULL, 10);
	/* mhConnTable is indexed by the port itself */
	e = GET(m, C, 10, 1, MH_CE_ESTABLISHED, 25);
	assert_non_null(e);
	assert_int_equal(e->type, MV_GAUGE);
	assert_int_equal(e->v.u, 8);
	assert_int_equal(GET(m, C, 10, 1, MH_CE_HALFOPEN, 25)->v.u, 2);
	assert_int_equal(GET(m, C, 10, 1, MH_CE_REMOTEHOSTS, 25)->v.u, 3);
	assert_int_equal(GET(m, C, 10, 1, MH_CE_ESTABLISHED, 587)->v.u, 1);
	assert_int_equal(GET(m, C, 10, 1, MH_CE_ESTABLISHED, 110)->v.u, 0);
	assert_null(GET(m, C, 10, 1, MH_CE_ESTABLISHED, 1));
	assert_null(GET(m, C, 10, 1, MH_CE_PORT, 25));	/* not-accessible */
	/* no growth before a second round: noSuchInstance, not 0 */
	assert_null(GET(m, C, 10, 1, MH_CE_GROWTH, 25));
	assert_true(IS_OBJECT(C, 10, 1, MH_CE_GROWTH, 25));
	assert_int_equal(GET(m, C, MH_CONN_READER, 0)->v.i, 1);
	assert_int_equal(GET(m, C, MH_CONN_OUTBOUND, 0)->v.u, 0);

	/* mhConnHostTable: (port, kept number); rank per port */
	h2 = GET(m, C, 11, 1, MH_CH_ADDRESS, 25, 1);
	h3 = GET(m, C, 11, 1, MH_CH_ADDRESS, 25, 2);
	h4 = GET(m, C, 11, 1, MH_CH_ADDRESS, 25, 3);
	assert_non_null(h2);
	assert_string_equal(h2->v.str.s, "127.0.0.2");
	assert_string_equal(h3->v.str.s, "127.0.0.3");
	assert_string_equal(h4->v.str.s, "127.0.0.4");
	assert_int_equal(GET(m, C, 11, 1, MH_CH_CONNECTIONS, 25, 1)->v.u, 5);
	assert_int_equal(GET(m, C, 11, 1, MH_CH_SHARE, 25, 1)->v.u, 5000);
	assert_int_equal(GET(m, C, 11, 1, MH_CH_RANK, 25, 1)->v.u, 1);
	assert_int_equal(GET(m, C, 11, 1, MH_CH_RANK, 25, 3)->v.u, 3);
	e = GET(m, C, 11, 1, MH_CH_ADDRESS, 587, 4);
	assert_non_null(e);
	assert_string_equal(e->v.str.s, "127.0.0.9");
	assert_int_equal(GET(m, C, 11, 1, MH_CH_RANK, 587, 4)->v.u, 1);
	assert_true(IS_OBJECT(C, 11, 1, MH_CH_RANK, 587, 99));
	assert_false(IS_OBJECT(C, 11, 1, MH_CH_INDEX, 587, 4));
	/* GETNEXT walks port 25's hosts, then port 587's */
	e = mibview_next(m, h4->oid, h4->len);
	assert_int_equal(e->oid[e->len - 2], 587);
	for (i = 0; i < mibview_count(m); i++)
		assert_true(mibview_is_object(mibview_at(m, i)->oid,
		    mibview_at(m, i)->len));
	snapshot_free(s);

	/* a second round a minute later with 6 more: growth 6/min; the
	 * hosts keep their numbers */
	round_at(c, 1060, 6);
	s = snap_of(c, 1060);
	mibview_build(m, s, &ai, NULL, 10);
	e = GET(m, C, 10, 1, MH_CE_GROWTH, 25);
	assert_non_null(e);
	assert_int_equal(e->type, MV_INTEGER);
	assert_int_equal(e->v.i, 6);
	assert_int_equal(GET(m, C, 10, 1, MH_CE_GROWTH, 587)->v.i, 0);
	assert_int_equal(GET(m, C, 11, 1, MH_CH_CONNECTIONS, 25, 1)->v.u, 11);
	assert_string_equal(GET(m, C, 11, 1, MH_CH_ADDRESS, 587, 4)->v.str.s,
	    "127.0.0.9");
	snapshot_free(s);

	/* top_n 2: two rows of port 25 and port 587's one are served */
	mibview_free(m);
	m = mibview_new();
	round_at(c, 1120, 0);
	s = snap_of(c, 1120);
	mibview_build(m, s, &ai, NULL, 2);
	assert_non_null(GET(m, C, 11, 1, MH_CH_ADDRESS, 25, 1));
	assert_non_null(GET(m, C, 11, 1, MH_CH_ADDRESS, 25, 2));
	assert_null(GET(m, C, 11, 1, MH_CH_ADDRESS, 25, 3));
	/* a new view numbers only the rows it serves */
	assert_int_equal(GET(m, C, 11, 1, MH_CH_RANK, 587, 3)->v.u, 1);
	snapshot_free(s);
	mibview_free(m);
	conn_free(c);
}

struct seen {
	char inst[8][64];
	double val[8];
	char detail[8][256];
	size_t n;
};

static void
seen_cb(const char *instance, double value, const char *detail, void *arg)
{
	struct seen *s = arg;

	if (s->n == 8)
		return;
	snprintf(s->inst[s->n], sizeof(s->inst[0]), "%s", instance);
	s->val[s->n] = value;
	snprintf(s->detail[s->n], sizeof(s->detail[0]), "%s", detail);
	s->n++;
}

static void
test_metrics(void **state)
{
	struct conn *c = engine();
	struct snapshot *s;
	struct seen sn;

	(void)state;
	round_at(c, 1000, 0);
	s = snap_of(c, 1000);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(metrics_each(s, "conn.halfopen", seen_cb, &sn), 3);
	assert_string_equal(sn.inst[0], "25");
	assert_true(sn.val[0] == 2);
	assert_string_equal(sn.detail[0], "from 3 hosts, top 127.0.0.2 (5), "
	    "8 established");
	assert_string_equal(sn.inst[2], "110");
	assert_string_equal(sn.detail[2], "from 0 hosts, 0 established");
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(metrics_each(s, "conn.host", seen_cb, &sn), 4);
	assert_string_equal(sn.inst[0], "25 127.0.0.2");
	assert_true(sn.val[0] == 5);
	assert_string_equal(sn.detail[0], "50% of port 25's 10 connections");
	assert_string_equal(sn.inst[3], "587 127.0.0.9");
	/* growth before the second round: there, but unknown (NAN) */
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(metrics_each(s, "conn.growth", seen_cb, &sn),
	    METRIC_NO_DATA);
	assert_int_equal(metrics_family("conn.established"), MH_FAM_CONN);
	snapshot_free(s);

	/* a round that could not read: no data at all */
	{
		struct conn_part *cp = xcalloc(1, sizeof(*cp));

		s = wrap(cp, 1000);
		assert_int_equal(metrics_each(s, "conn.established", seen_cb,
		    &sn), METRIC_NO_DATA);
		snapshot_free(s);
	}
	conn_free(c);
}

/* An alarm on conn.halfopen raises for the port, by the engine's rules */
static void
emit_cb(const struct alarm_event *ev, void *arg)
{
	char *buf = arg;

	alarm_text(ev, buf, 512);
}

static void
test_alarm(void **state)
{
	struct conf *cf = ct_load("alarm syn { metric = \"conn.halfopen\" "
	    "rising = 2 falling = 0 }\n");
	struct alarms *al = alarms_new();
	struct conn *c = engine();
	struct snapshot *s;
	char text[512] = "";

	(void)state;
	alarms_configure(al, cf);
	round_at(c, 1000, 0);
	s = snap_of(c, 1000);
	alarms_eval(al, s, 1000, emit_cb, text);
	assert_string_equal(text, "conn.halfopen 25 2 >= 2, from 3 hosts, "
	    "top 127.0.0.2 (5), 8 established");
	snapshot_free(s);
	alarms_free(al);
	conf_free(cf);
	conn_free(c);
}

static void
test_text(void **state)
{
	struct conn *c = engine();
	struct snapshot *s;
	struct agent_info a = ai;
	char *t;

	(void)state;
	round_at(c, 1000, 0);
	s = snap_of(c, 1000);
	t = report_text(s, &a, NULL, 2);
	assert_non_null(strstr(t, "\nconnections\n"));
	assert_non_null(strstr(t, "  read through             netlink\n"));
	assert_non_null(strstr(t, "  connections per port\n"
	    "            port  established    half-open        hosts"
	    "   growth/min\n"
	    "              25            8            2            3"
	    "            -\n"));
	/* top_n (2) hosts of each port */
	assert_non_null(strstr(t, "  top remote hosts per port\n"
	    "            port        conns      share %  remote host\n"
	    "              25            5         50.0  127.0.0.2\n"
	    "              25            3         30.0  127.0.0.3\n"
	    "             587            1        100.0  127.0.0.9\n"));
	free(t);
	snapshot_free(s);
	conn_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_part_and_view),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_alarm),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
