/*
 * test_drsync_col.c: the DR sync collector around its engine: the
 * `drsync` section (off without it; every error with its file and
 * line, the engine's own checks included; the sample's block parses),
 * the alarms it implies, rounds on a clock of the test's choosing with
 * real stamp files, a closed and an open loopback port as the peer and
 * a stand-in drbdsetup, and what they give in the MIB, the metrics,
 * the alarms and the text report.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "drsync/drsync_col.h"
#include "view/view.h"
#include "cfgtest.h"

#define R 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 25
#define D R, 1, MH_G_DRSYNC

static char tmp[64];
static char cpath[128];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/test_drsync_col.XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *
write_conf(const char *text)
{
	FILE *fp;

	snprintf(cpath, sizeof(cpath), "%s/mailhealthd.conf", tmp);
	fp = fopen(cpath, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return cpath;
}

static struct conf *
load(const char *fmt, ...)
{
	char text[4096], *err = NULL;
	struct conf *c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if ((c = conf_load(write_conf(text), &err)) == NULL)
		fail_msg("%s", err);
	return c;
}

static void
test_conf(void **state)
{
	const struct conf_col *cc;
	const struct drsync_conf *k;
	const struct conf_alarm *a;
	struct conf *c;

	(void)state;
	/* no section: not running, no alarm */
	c = load("interval = 30\n");
	assert_false(conf_col_of(c, &collector_drsync)->on);
	assert_null(conf_alarm_find(c, "drsync-late"));
	conf_free(c);

	c = load("drsync {\n stamp_file = \"/srv/mail/.stamp\"\n"
	    " max_lag = 600 interval = 5 }\n");
	cc = conf_col_of(c, &collector_drsync);
	assert_true(cc->on);
	assert_int_equal(cc->interval, 5);
	/* 2 x interval + 30, and room for the command and the peer */
	assert_int_equal(cc->deadline, 2 * 5 + 2 * 10 + 30);
	k = cc->cc;
	assert_int_equal(k->o.method, DRSYNC_STAMP);
	assert_int_equal(k->o.role, DRSYNC_DR);
	assert_string_equal(k->o.stamp_file, "/srv/mail/.stamp");
	assert_int_equal(k->o.max_lag, 600);
	assert_int_equal(k->o.timeout, 10);
	/* the implied alarms, critical, no alarm section needed: the lag
	 * reaching max_lag, and a failure as long where there is no lag */
	a = conf_alarm_find(c, "drsync-late");
	assert_non_null(a);
	assert_string_equal(a->metric, "drsync.lag");
	assert_true(a->rising == 600 && a->falling == 599);
	assert_int_equal(a->severity, MH_SEV_CRITICAL);
	assert_true(a->implied);
	a = conf_alarm_find(c, "drsync-failed");
	assert_non_null(a);
	assert_string_equal(a->metric, "drsync.failed");
	assert_true(a->rising == 600 && a->falling == 0);
	assert_int_equal(a->severity, MH_SEV_CRITICAL);
	assert_null(conf_alarm_find(c, "drsync-peer"));
	conf_free(c);

	c = load("drsync {\n method = command\n role = primary\n"
	    " command = \"/bin/echo 12\"\n peer = \"[::1]:22\"\n"
	    " severity = major\n peer_failures = 3\n}\n");
	k = conf_col_of(c, &collector_drsync)->cc;
	assert_int_equal(k->o.method, DRSYNC_COMMAND);
	assert_int_equal(k->o.role, DRSYNC_PRIMARY);
	assert_string_equal(k->o.command, "/bin/echo 12");
	assert_string_equal(k->o.peer, "[::1]:22");
	assert_int_equal(conf_alarm_find(c, "drsync-late")->severity,
	    MH_SEV_MAJOR);
	a = conf_alarm_find(c, "drsync-peer");
	assert_non_null(a);
	assert_string_equal(a->metric, "drsync.peer_failures");
	assert_true(a->rising == 3 && a->falling == 0);
	assert_int_equal(a->severity, MH_SEV_MAJOR);
	conf_free(c);

	/* the engine's checks come out with the section's file and line */
	ct_expect_error("interval = 5\ndrsync {\n method = stamp\n}\n", 4,
	    "drsync: method stamp needs stamp_file, an absolute path");
	ct_expect_error("drsync {\n method = command\n}\n", 3,
	    "drsync: method command needs command");
	ct_expect_error("drsync {\n method = command\n"
	    " command = \"check 'lag\"\n}\n", 4,
	    "drsync: command: unterminated ' in the command");
	ct_expect_error("drsync {\n stamp_file = \"/x\"\n peer = \"dr1\"\n}\n",
	    4, "drsync: peer \"dr1\": ");
	ct_expect_error("drsync {\n stamp_file = \"/x\"\n command = \"x\"\n}\n",
	    4, "drsync: command is not used by method stamp");
	ct_expect_error("drsync {\n method = drbd\n stamp_file = \"/x\"\n}\n", 4,
	    "drsync: stamp_file is not used by method drbd");
	/* the option's own line when libconfuse checks it */
	ct_expect_error("drsync {\n\n method = rsync\n}\n", 3,
	    "method: 'rsync' is not stamp, drbd or command");
	ct_expect_error("drsync {\n role = secondary\n}\n", 2,
	    "role: 'secondary' is not primary or dr");
	ct_expect_error("drsync {\n stamp_file = \"stamp\"\n}\n", 2,
	    "stamp_file must be an absolute path");
	ct_expect_error("drsync {\n max_lag = 0\n}\n", 2,
	    "max_lag = 0 is out of range");
	ct_expect_error("drsync {\n severity = loud\n}\n", 2,
	    "invalid severity 'loud'");
	ct_expect_error("drsync {\n stamp_file = \"/x\"\n timeout = 0\n}\n", 3,
	    "timeout = 0 is out of range");
	ct_expect_error("drsync { stamp_file = \"/x\" }\n"
	    "drsync { stamp_file = \"/y\" }\n", 2, "only one drsync section");
	ct_expect_error("alarm drsync-late { metric = \"drsync.lag\" rising = 1 "
	    "falling = 0 }\ndrsync {\n stamp_file = \"/x\"\n}\n", 4,
	    "the alarms 'drsync-late', 'drsync-failed' and 'drsync-peer' are "
	    "made by this section");
}

/* The sample's commented drsync block, uncommented, parses. */
static void
test_sample(void **state)
{
	const char *top = getenv("top_srcdir");
	char cmd[1024], *err = NULL;
	struct conf *c;

	(void)state;
	assert_non_null(top);
	snprintf(cmd, sizeof(cmd), "sed -n '/drsync example: begin/,"
	    "/drsync example: end/p' %s/conf/mailhealthd.conf | "
	    "sed '1d;$d;s/^#//' >%s/sample.conf", top, tmp);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/sample.conf", tmp);
	c = conf_load(cmd, &err);
	if (c == NULL)
		fail_msg("%s", err);
	assert_true(conf_col_of(c, &collector_drsync)->on);
	assert_non_null(conf_alarm_find(c, "drsync-late"));
	assert_non_null(conf_alarm_find(c, "drsync-peer"));
	assert_non_null(conf_alarm_find(c, "dr-lag-warning"));
	conf_free(c);
}

/* ---- rounds */

struct run {
	struct conf *c;
	void *state;
	struct alarms *al;
	char events[4][512];
	size_t nev;
};

static void
run_start(struct run *r, struct conf *c)
{
	memset(r, 0, sizeof(*r));
	r->c = c;
	r->state = collector_drsync.init(conf_col_of(c, &collector_drsync)->cc,
	    c);
	assert_non_null(r->state);
	r->al = alarms_new();
	alarms_configure(r->al, c);
}

static void
run_end(struct run *r)
{
	collector_drsync.fini(r->state);
	alarms_free(r->al);
	conf_free(r->c);
}

static void
emit_cb(const struct alarm_event *ev, void *arg)
{
	struct run *r = arg;
	char t[480];

	alarm_text(ev, t, sizeof(t));
	if (r->nev < 4)
		snprintf(r->events[r->nev++], sizeof(r->events[0]), "%s %s: %s",
		    ev->kind == ALARM_RAISED ? "raised" : "cleared",
		    ev->row->name, t);
}

/* One round at time t, as a snapshot; the alarms evaluated on it. */
static struct snapshot *
round_at(struct run *r, time_t t)
{
	struct snapshot *s = snapshot_new(ncollectors);
	struct part *p = part_new(&collector_drsync);
	size_t i;

	p->taken = t;
	assert_int_equal(collector_drsync.collect(r->state, p), 0);
	s->taken = s->last_collect = t;
	for (i = 0; i < ncollectors; i++)
		if (collectors[i] == &collector_drsync)
			s->parts[i].part = p;
	r->nev = 0;
	alarms_eval(r->al, s, t, emit_cb, r);
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

static void
stamp_at(const char *path, int64_t t, uint64_t seq)
{
	struct drsync_stamp st;

	memset(&st, 0, sizeof(st));
	snprintf(st.host, sizeof(st.host), "mail1");
	st.time = t;
	st.seq = seq;
	assert_int_equal(drsync_stamp_write(path, &st), 0);
}

struct one {
	double v;
	char detail[256];
	int n;
};

static void
one_cb(const char *instance, double value, const char *detail, void *arg)
{
	struct one *o = arg;

	(void)instance;
	o->v = value;
	snprintf(o->detail, sizeof(o->detail), "%s", detail);
	o->n++;
}

static void
test_stamp_dr(void **state)
{
	const time_t T = 1700000000;
	struct mibview *m = mibview_new();
	struct snapshot *s;
	struct run r;
	struct one o;
	char stamp[128], want[256];
	const struct mv_entry *e;

	(void)state;
	snprintf(stamp, sizeof(stamp), "%s/.mailhealth-stamp", tmp);
	run_start(&r, load("drsync {\n stamp_file = \"%s\"\n max_lag = 1800\n"
	    "}\n", stamp));

	/* nothing has arrived: failed, with the reason; not late yet */
	s = round_at(&r, T);
	mibview_build(m, s, &ai, r.al, 10);
	assert_int_equal(GET(m, D, MH_DR_STATUS, 0)->v.i, DRSYNC_FAILED);
	e = GET(m, D, MH_DR_LASTERROR, 0);
	snprintf(want, sizeof(want), "%s: no stamp has arrived", stamp);
	assert_string_equal(e->v.str.s, want);
	assert_null(GET(m, D, MH_DR_LAG, 0));
	assert_true(IS_OBJECT(D, MH_DR_LAG, 0));
	assert_null(GET(m, D, MH_DR_LASTSUCCESS, 0));
	assert_null(GET(m, D, MH_DR_PEER, 0));
	assert_null(GET(m, D, MH_DR_PEERSTATUS, 0));
	assert_null(GET(m, D, MH_DR_OUTOFSYNC, 0));
	assert_int_equal(GET(m, D, MH_DR_ROLE, 0)->v.i, 2);
	{
		/* never a success: not "0 s ago" at the console */
		char *t = report_text(s, &ai, r.al, 10);

		assert_non_null(strstr(t, "  since last success       -\n"));
		free(t);
	}
	assert_int_equal(GET(m, D, MH_DR_METHOD, 0)->v.i, 1);
	assert_int_equal(GET(m, D, MH_DR_MAXLAG, 0)->v.u, 1800);
	assert_int_equal(r.nev, 0);
	snapshot_free(s);

	/* a stamp written 10 s ago: ok */
	stamp_at(stamp, T + 50, 5);
	s = round_at(&r, T + 60);
	mibview_build(m, s, &ai, r.al, 10);
	assert_int_equal(GET(m, D, MH_DR_STATUS, 0)->v.i, DRSYNC_OK);
	assert_int_equal(GET(m, D, MH_DR_LAG, 0)->v.u, 10);
	assert_int_equal(GET(m, D, MH_DR_LASTSUCCESS, 0)->v.str.slen, 11);
	assert_string_equal(GET(m, D, MH_DR_LASTERROR, 0)->v.str.s, "");
	assert_string_equal(GET(m, D, MH_DR_DETAIL, 0)->v.str.s,
	    "stamp seq 5 from mail1");
	memset(&o, 0, sizeof(o));
	assert_int_equal(metrics_each(s, "drsync.failed", one_cb, &o), 1);
	assert_true(o.v == 0);
	assert_int_equal(metrics_each(s, "drsync.lag", one_cb, &o), 1);
	assert_true(o.v == 10);
	assert_string_equal(o.detail, "stamp seq 5 from mail1");
	assert_int_equal(metrics_each(s, "drsync.peer_failures", one_cb, &o),
	    METRIC_NO_DATA);
	snapshot_free(s);

	/* no new stamp for 66 minutes: late, and drsync-late raised */
	s = round_at(&r, T + 50 + 3990);
	mibview_build(m, s, &ai, r.al, 10);
	assert_int_equal(GET(m, D, MH_DR_STATUS, 0)->v.i, DRSYNC_LATE);
	assert_int_equal(GET(m, D, MH_DR_LAG, 0)->v.u, 3990);
	assert_int_equal(r.nev, 1);
	assert_string_equal(r.events[0], "raised drsync-late: drsync.lag 3990 "
	    ">= 1800, stamp seq 5 from mail1");
	assert_int_equal(GET(m, R, 1, MH_G_ALARMS, 1, 0)->v.u, 1);
	snapshot_free(s);

	/* the sync resumes: ok, and the alarm clears */
	stamp_at(stamp, T + 4100, 6);
	s = round_at(&r, T + 4101);
	assert_int_equal(((const struct drsync_part *)snapshot_data(s,
	    &collector_drsync))->status, DRSYNC_OK);
	assert_int_equal(r.nev, 1);
	assert_string_equal(r.events[0], "cleared drsync-late: drsync.lag 1 "
	    "<= 1799");
	snapshot_free(s);

	/* a damaged stamp after a success: failed, with file and line; the
	 * lag still grows from the last success */
	{
		FILE *f = fopen(stamp, "w");

		fputs("mailhealth-stamp 1\nhost\n", f);
		fclose(f);
	}
	s = round_at(&r, T + 4200);
	mibview_build(m, s, &ai, r.al, 10);
	assert_int_equal(GET(m, D, MH_DR_STATUS, 0)->v.i, DRSYNC_FAILED);
	assert_int_equal(GET(m, D, MH_DR_LAG, 0)->v.u, 100);
	e = GET(m, D, MH_DR_LASTERROR, 0);
	assert_non_null(strstr(e->v.str.s, ".mailhealth-stamp: line 2: "));
	assert_int_equal(r.nev, 0);
	snapshot_free(s);
	/* the lag grows on: late again, saying why */
	s = round_at(&r, T + 4100 + 1800);
	assert_int_equal(r.nev, 1);
	assert_non_null(strstr(r.events[0], "raised drsync-late: drsync.lag "
	    "1800 >= 1800, failed: "));
	assert_non_null(strstr(r.events[0], ".mailhealth-stamp: line 2: "));
	snapshot_free(s);
	mibview_free(m);
	run_end(&r);
}

/* A DR whose replication never brings a stamp (a filter leaves dot
 * files out): no lag at all, and yet it pages after max_lag. */
static void
test_never_arrives(void **state)
{
	const time_t T = 1700000000;
	struct snapshot *s;
	struct run r;
	struct one o;
	char stamp[128], want[256];

	(void)state;
	snprintf(stamp, sizeof(stamp), "%s/.mailhealth-stamp", tmp);
	run_start(&r, load("drsync {\n stamp_file = \"%s\"\n max_lag = 600\n"
	    "}\n", stamp));
	s = round_at(&r, T);
	memset(&o, 0, sizeof(o));
	assert_int_equal(metrics_each(s, "drsync.lag", one_cb, &o),
	    METRIC_NO_DATA);
	assert_int_equal(metrics_each(s, "drsync.failed", one_cb, &o), 1);
	assert_true(o.v == 0);
	snapshot_free(s);
	s = round_at(&r, T + 599);
	assert_int_equal(r.nev, 0);
	snapshot_free(s);
	s = round_at(&r, T + 600);
	assert_int_equal(r.nev, 1);
	snprintf(want, sizeof(want), "raised drsync-failed: drsync.failed 600 "
	    ">= 600, %s: no stamp has arrived", stamp);
	assert_string_equal(r.events[0], want);
	snapshot_free(s);
	/* it arrives: drsync.failed is 0 again, the alarm clears, and the
	 * lag takes over */
	stamp_at(stamp, T + 700, 1);
	s = round_at(&r, T + 701);
	assert_int_equal(r.nev, 1);
	assert_string_equal(r.events[0], "cleared drsync-failed: "
	    "drsync.failed 0 <= 0");
	assert_int_equal(metrics_each(s, "drsync.lag", one_cb, &o), 1);
	assert_true(o.v == 1);
	snapshot_free(s);
	run_end(&r);
}

static void
test_stamp_primary(void **state)
{
	const time_t T = 1700000000;
	struct mibview *m = mibview_new();
	struct snapshot *s;
	struct run r;
	struct drsync_stamp st;
	char stamp[128], err[256];
	char *t;

	(void)state;
	snprintf(stamp, sizeof(stamp), "%s/.mailhealth-stamp", tmp);
	run_start(&r, load("drsync {\n role = primary\n stamp_file = \"%s\"\n"
	    "}\n", stamp));
	s = round_at(&r, T);
	snapshot_free(s);
	s = round_at(&r, T + 30);
	/* the collector wrote its stamp, every round */
	assert_int_equal(drsync_stamp_read(stamp, &st, err, sizeof(err)), 0);
	assert_int_equal(st.time, T + 30);
	assert_int_equal(st.seq, 2);
	mibview_build(m, s, &ai, r.al, 10);
	assert_int_equal(GET(m, D, MH_DR_STATUS, 0)->v.i, DRSYNC_OK);
	assert_int_equal(GET(m, D, MH_DR_ROLE, 0)->v.i, 1);
	/* no lag on the primary: it cannot see what arrived */
	assert_null(GET(m, D, MH_DR_LAG, 0));
	assert_non_null(GET(m, D, MH_DR_LASTSUCCESS, 0));
	assert_non_null(strstr(GET(m, D, MH_DR_DETAIL, 0)->v.str.s,
	    "wrote stamp seq 2 to "));
	t = report_text(s, &ai, r.al, 10);
	assert_non_null(strstr(t, "\nDR sync\n"
	    "  status                   ok\n"
	    "  role                     primary\n"
	    "  method                   stamp\n"
	    "  lag                      -\n"
	    "  allowed lag              30m\n"
	    "  since last success       0s\n"
	    "  seen                     wrote stamp seq 2 to "));
	/* no peer configured, no DRBD: not a line of dashes for them */
	assert_null(strstr(t, "peer"));
	assert_null(strstr(t, "out of sync"));
	free(t);
	snapshot_free(s);

	/* the stamp cannot be written: failed; drsync-failed once that
	 * lasted max_lag since the last write (the primary has no lag) */
	assert_int_equal(chmod(tmp, 0500), 0);
	if (access(tmp, W_OK) == 0) {
		/* root writes anyway: take the directory away instead */
		assert_int_equal(chmod(tmp, 0700), 0);
		assert_int_equal(rename(stamp, cpath), 0);
		assert_int_equal(mkdir(stamp, 0700), 0);
	}
	s = round_at(&r, T + 60);
	assert_int_equal(((const struct drsync_part *)snapshot_data(s,
	    &collector_drsync))->status, DRSYNC_FAILED);
	assert_int_equal(r.nev, 0);
	snapshot_free(s);
	s = round_at(&r, T + 30 + 1800);
	assert_int_equal(r.nev, 1);
	assert_non_null(strstr(r.events[0], "raised drsync-failed: "
	    "drsync.failed 1800 >= 1800, cannot write "));
	snapshot_free(s);
	chmod(tmp, 0700);
	mibview_free(m);
	run_end(&r);
}

/* a loopback port nobody listens on, and a listener for it */
static int
closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static int
listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

static void
test_peer(void **state)
{
	const time_t T = 1700000000;
	struct mibview *m = mibview_new();
	struct snapshot *s;
	struct run r;
	char stamp[128], want[256];
	int port = closed_port(), lfd;

	(void)state;
	snprintf(stamp, sizeof(stamp), "%s/.mailhealth-stamp", tmp);
	run_start(&r, load("drsync {\n role = primary\n stamp_file = \"%s\"\n"
	    " peer = \"127.0.0.1:%d\"\n timeout = 2\n}\n", stamp, port));
	/* one missed round does not page */
	s = round_at(&r, T);
	mibview_build(m, s, &ai, r.al, 10);
	assert_int_equal(GET(m, D, MH_DR_PEERSTATUS, 0)->v.i, 2);
	assert_int_equal(GET(m, D, MH_DR_PEERFAILURES, 0)->v.u, 1);
	assert_null(GET(m, D, MH_DR_PEERCONNECTTIME, 0));
	snprintf(want, sizeof(want), "127.0.0.1:%d", port);
	assert_string_equal(GET(m, D, MH_DR_PEER, 0)->v.str.s, want);
	snprintf(want, sizeof(want), "127.0.0.1 port %d (127.0.0.1): "
	    "Connection refused", port);
	assert_string_equal(GET(m, D, MH_DR_PEERLASTERROR, 0)->v.str.s, want);
	assert_int_equal(r.nev, 0);
	snapshot_free(s);
	/* the second does */
	s = round_at(&r, T + 30);
	assert_int_equal(r.nev, 1);
	snprintf(want, sizeof(want), "raised drsync-peer: drsync.peer_failures "
	    "2 >= 2, peer 127.0.0.1:%d: 127.0.0.1 port %d (127.0.0.1): "
	    "Connection refused", port, port);
	assert_string_equal(r.events[0], want);
	snapshot_free(s);
	/* it answers: up, with its connect time, and the alarm clears */
	lfd = listen_on(port);
	s = round_at(&r, T + 60);
	mibview_build(m, s, &ai, r.al, 10);
	assert_int_equal(GET(m, D, MH_DR_PEERSTATUS, 0)->v.i, 1);
	assert_int_equal(GET(m, D, MH_DR_PEERFAILURES, 0)->v.u, 0);
	assert_non_null(GET(m, D, MH_DR_PEERCONNECTTIME, 0));
	assert_string_equal(GET(m, D, MH_DR_PEERLASTERROR, 0)->v.str.s, "");
	assert_int_equal(r.nev, 1);
	assert_string_equal(r.events[0], "cleared drsync-peer: "
	    "drsync.peer_failures 0 <= 0");
	snapshot_free(s);
	close(lfd);
	mibview_free(m);
	run_end(&r);
}

/* What `drbdsetup status --json mail` prints during a resync (drbd-utils
 * 9; the fields the engine reads, in the layout of test_drbd's seeds) */
static const char syncsource[] =
    "[ { \"name\": \"mail\", \"role\": \"Primary\",\n"
    "  \"devices\": [ { \"volume\": 0, \"minor\": 1,\n"
    "    \"disk-state\": \"UpToDate\" } ],\n"
    "  \"connections\": [ { \"peer-node-id\": 1, \"name\": \"dr1\",\n"
    "    \"connection-state\": \"Connected\",\n"
    "    \"peer_devices\": [ { \"volume\": 0,\n"
    "      \"replication-state\": \"SyncSource\",\n"
    "      \"peer-disk-state\": \"Inconsistent\",\n"
    "      \"out-of-sync\": 131072, \"percent-in-sync\": 87.50 } ] } ] } ]\n";

/* DRBD 9 through a stand-in drbdsetup printing that status */
static void
test_drbd(void **state)
{
	const time_t T = 1700000000;
	struct mibview *m = mibview_new();
	struct snapshot *s;
	struct run r;
	struct one o;
	char script[256], json[256];
	FILE *f;

	(void)state;
	snprintf(json, sizeof(json), "%s/status.json", tmp);
	f = fopen(json, "w");
	fputs(syncsource, f);
	fclose(f);
	snprintf(script, sizeof(script), "%s/drbdsetup", tmp);
	f = fopen(script, "w");
	fprintf(f, "#!/bin/sh\ncat %s\n", json);
	fclose(f);
	assert_int_equal(chmod(script, 0755), 0);
	run_start(&r, load("drsync {\n method = drbd\n resource = mail\n"
	    " drbdsetup = \"%s\"\n proc_drbd = \"%s/no-proc-drbd\"\n"
	    " max_lag = 120\n}\n", script, tmp));
	s = round_at(&r, T);
	mibview_build(m, s, &ai, r.al, 10);
	assert_int_equal(GET(m, D, MH_DR_STATUS, 0)->v.i, DRSYNC_OK);
	assert_int_equal(GET(m, D, MH_DR_METHOD, 0)->v.i, 2);
	assert_int_equal(GET(m, D, MH_DR_OUTOFSYNC, 0)->v.u, 131072);
	assert_string_equal(GET(m, D, MH_DR_DETAIL, 0)->v.str.s,
	    "mail/0 to dr1: SyncSource, 131072 KiB out of sync");
	memset(&o, 0, sizeof(o));
	assert_int_equal(metrics_each(s, "drsync.out_of_sync", one_cb, &o), 1);
	assert_true(o.v == 131072);
	snapshot_free(s);
	/* a resync longer than max_lag: late */
	s = round_at(&r, T + 121);
	assert_int_equal(r.nev, 1);
	assert_string_equal(r.events[0], "raised drsync-late: drsync.lag 121 >= "
	    "120, mail/0 to dr1: SyncSource, 131072 KiB out of sync");
	snapshot_free(s);
	/* drbdsetup gone: failed, out of sync unknown */
	unlink(script);
	s = round_at(&r, T + 130);
	mibview_build(m, s, &ai, r.al, 10);
	assert_int_equal(GET(m, D, MH_DR_STATUS, 0)->v.i, DRSYNC_FAILED);
	assert_null(GET(m, D, MH_DR_OUTOFSYNC, 0));
	assert_non_null(strstr(GET(m, D, MH_DR_LASTERROR, 0)->v.str.s,
	    "drbdsetup status: cannot execute: No such file or directory"));
	snapshot_free(s);
	mibview_free(m);
	run_end(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sample, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_dr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_arrives, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stamp_primary, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drbd, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
