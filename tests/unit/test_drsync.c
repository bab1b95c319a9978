/*
 * test_drsync.c: the DR sync engine (agent/drsync/): the stamp file, the
 * status rules round by round with a test clock, the command and drbd
 * methods with real programs (a shell script stands in for drbdsetup
 * and prints the seeds of tests/fuzz/corpus/drbd), and the peer's
 * heartbeat against loopback listeners: up, refused, IPv6, a name, and
 * a listener whose accept queue is full (no answer: a timeout).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"
#include "drsync/drsync.h"

static char tmp[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/test_drsync.XXXXXX");
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

static char *
path(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmp, name);
	return buf[i];
}

static void
write_file(const char *p, const char *text, mode_t mode)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
}

/* ------------------------------------------------------------------ */
/* the stamp file */

static void
stamp_bad(const char *text, const char *want, size_t want_line)
{
	struct drsync_stamp st;
	const char *why = NULL;
	size_t line = 99;

	assert_int_equal(drsync_stamp_parse(text, strlen(text), &st, &why,
	    &line), -1);
	if (strstr(why, want) == NULL)
		fail_msg("'%s': '%s', want '%s'", text, why, want);
	assert_int_equal(line, want_line);
}

static void
test_stamp_parse(void **state)
{
	struct drsync_stamp st = { "mail1.example.net", 1700000000, 42 }, got;
	char buf[DRSYNC_STAMP_MAX + 2];
	const char *why;
	size_t len, line;

	(void)state;
	len = drsync_stamp_format(&st, buf, sizeof(buf));
	assert_string_equal(buf, "mailhealth-stamp 1\nhost mail1.example.net\n"
	    "time 1700000000\nseq 42\n");
	assert_int_equal(drsync_stamp_parse(buf, len, &got, &why, &line), 0);
	assert_string_equal(got.host, "mail1.example.net");
	assert_int_equal(got.time, 1700000000);
	assert_int_equal(got.seq, 42);
	/* later keys, blank lines, no final newline */
	assert_int_equal(drsync_stamp_parse("mailhealth-stamp 1\nzone UTC\n\n"
	    "seq 18446744073709551615\ntime 5\nhost h", 67, &got, &why,
	    &line), 0);
	assert_true(got.seq == UINT64_MAX);

	stamp_bad("", "empty", 0);
	stamp_bad("hello\n", "not a mailhealth stamp", 1);
	stamp_bad("mailhealth-stamp\n", "not a mailhealth stamp", 1);
	stamp_bad("mailhealth-stamp 2\nhost h\ntime 1\nseq 1\n",
	    "version this agent does not read", 1);
	stamp_bad("mailhealth-stamp 1\nhost h\ntime 1\n", "no seq line", 0);
	stamp_bad("mailhealth-stamp 1\nhost h\nseq 1\n", "no time line", 0);
	stamp_bad("mailhealth-stamp 1\ntime 1\nseq 1\n", "no host line", 0);
	stamp_bad("mailhealth-stamp 1\nhost h\nhost i\n", "host given twice", 3);
	stamp_bad("mailhealth-stamp 1\nhost \n", "host empty", 2);
	stamp_bad("mailhealth-stamp 1\ntime 12x\n", "time is not", 2);
	stamp_bad("mailhealth-stamp 1\ntime 0\n", "time is not", 2);
	stamp_bad("mailhealth-stamp 1\ntime -5\n", "time is not", 2);
	stamp_bad("mailhealth-stamp 1\ntime 9223372036854775808\n",
	    "time is not", 2);
	stamp_bad("mailhealth-stamp 1\nseq 18446744073709551616\n",
	    "seq is not", 2);
	stamp_bad("mailhealth-stamp 1\nseq 1\nseq 2\n", "seq given twice", 3);
	stamp_bad("mailhealth-stamp 1\nhostname\n", "not KEY VALUE", 2);
	stamp_bad("mailhealth-stamp 1\r\nhost h\n", "control character", 1);
	stamp_bad("mailhealth-stamp 1\nhost a\x01" "b\n", "control", 2);
	memset(buf, 'a', sizeof(buf));
	assert_int_equal(drsync_stamp_parse(buf, DRSYNC_STAMP_MAX + 1, &got,
	    &why, &line), -1);
	assert_non_null(strstr(why, "larger than 4096"));
	/* a NUL inside is binary data, not the end */
	assert_int_equal(drsync_stamp_parse("mailhealth-stamp 1\nhost a\0b\n",
	    28, &got, &why, &line), -1);
	assert_non_null(strstr(why, "binary"));
}

static void
test_stamp_files(void **state)
{
	struct drsync_stamp st = { "mail1", 1700000000, 7 }, got;
	char err[256];
	struct stat sb;

	(void)state;
	assert_int_equal(drsync_stamp_read(path("stamp"), &got, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "stamp: no stamp has arrived"));
	assert_int_equal(drsync_stamp_write(path("stamp"), &st), 0);
	assert_int_equal(stat(path(".stamp.tmp"), &sb), -1);	/* renamed */
	assert_int_equal(drsync_stamp_read(path("stamp"), &got, err,
	    sizeof(err)), 0);
	assert_int_equal(got.seq, 7);
	st.seq = 8;
	assert_int_equal(drsync_stamp_write(path("stamp"), &st), 0);
	assert_int_equal(drsync_stamp_read(path("stamp"), &got, err,
	    sizeof(err)), 0);
	assert_int_equal(got.seq, 8);

	write_file(path("garbage"), "mailhealth-stamp 1\nhost h\ntime x\n", 0644);
	assert_int_equal(drsync_stamp_read(path("garbage"), &got, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "garbage: line 3: time is not"));
	assert_int_equal(mkdir(path("dir"), 0755), 0);
	assert_int_equal(drsync_stamp_read(path("dir"), &got, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "dir: not a regular file"));
	/* a FIFO under the name: no hang */
	assert_int_equal(mkfifo(path("fifo"), 0644), 0);
	assert_int_equal(drsync_stamp_read(path("fifo"), &got, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "fifo: not a regular file"));
	/* a directory we cannot write into */
	errno = 0;
	assert_int_equal(drsync_stamp_write("/proc/mailhealth-stamp", &st), -1);
	assert_true(errno != 0);
}

/* ------------------------------------------------------------------ */
/* the engine, stamp method, with the test clock */

static struct drsync *
engine(struct drsync_opts *o)
{
	char *err = NULL;
	struct drsync *d = drsync_new(o, &err);

	if (d == NULL)
		fail_msg("drsync_new: %s", err);
	return d;
}

static const struct drsync_result *
round_at(struct drsync *d, time_t t)
{
	drsync_round(d, t);
	return drsync_result(d);
}

static void
test_engine_stamp(void **state)
{
	struct drsync_opts po, ro;
	struct drsync *pri, *dr;
	const struct drsync_result *r;
	char *err = NULL, stamp[256];

	(void)state;
	snprintf(stamp, sizeof(stamp), "%s", path("replica-stamp"));
	drsync_opts_default(&po);
	po.role = DRSYNC_PRIMARY;
	po.stamp_file = stamp;
	po.hostname = "mail1";
	ro = po;
	ro.role = DRSYNC_DR;
	ro.max_lag = 60;
	pri = engine(&po);
	dr = engine(&ro);
	assert_int_equal(drsync_result(dr)->status, DRSYNC_UNKNOWN);

	/* nothing has arrived yet */
	r = round_at(dr, 1000);
	assert_int_equal(r->status, DRSYNC_FAILED);
	assert_non_null(strstr(r->last_error, "no stamp has arrived"));
	assert_false(r->have_lag);
	assert_int_equal(r->peer, DRSYNC_PEER_NONE);

	r = round_at(pri, 1000);
	assert_int_equal(r->status, DRSYNC_OK);
	assert_false(r->have_lag);
	assert_int_equal(r->last_success, 1000);
	assert_string_equal(r->last_error, "");
	assert_non_null(strstr(r->detail, "wrote stamp seq 1"));

	/* the same file is the replica here: it "arrived" at once */
	r = round_at(dr, 1005);
	assert_int_equal(r->status, DRSYNC_OK);
	assert_true(r->have_lag);
	assert_int_equal(r->lag, 5);
	assert_int_equal(r->last_success, 1000);
	assert_string_equal(r->detail, "stamp seq 1 from mail1");
	assert_string_equal(r->last_error, "");

	r = round_at(dr, 1060);	/* exactly max_lag: still ok */
	assert_int_equal(r->status, DRSYNC_OK);
	r = round_at(dr, 1061);
	assert_int_equal(r->status, DRSYNC_LATE);
	assert_int_equal(r->lag, 61);

	round_at(pri, 1070);
	r = round_at(dr, 1071);
	assert_int_equal(r->status, DRSYNC_OK);
	assert_int_equal(r->lag, 1);
	assert_string_equal(r->detail, "stamp seq 2 from mail1");

	/* garbage arrives: failed with the reason, the lag goes on */
	write_file(path("replica-stamp"), "\x7f" "ELF\x02\x01", 0644);
	r = round_at(dr, 1100);
	assert_int_equal(r->status, DRSYNC_FAILED);
	assert_non_null(strstr(r->last_error, "replica-stamp: line 1: "));
	assert_true(r->have_lag);
	assert_int_equal(r->lag, 30);
	assert_int_equal(r->last_success, 1070);

	/* a restarted primary goes on with the sequence ... after its own
	 * stamp only: the garbage is not its stamp */
	drsync_free(pri);
	pri = engine(&po);
	round_at(pri, 1200);
	r = round_at(dr, 1200);
	assert_string_equal(r->detail, "stamp seq 1 from mail1");
	drsync_free(pri);
	pri = engine(&po);
	round_at(pri, 1210);
	r = round_at(dr, 1210);
	assert_string_equal(r->detail, "stamp seq 2 from mail1");

	/* the primary's clock ahead of ours: lag 0, said in the detail */
	round_at(pri, 2000);
	r = round_at(dr, 1990);
	assert_int_equal(r->status, DRSYNC_OK);
	assert_int_equal(r->lag, 0);
	assert_non_null(strstr(r->detail, "10 s in the future"));

	/* the primary cannot write */
	po.stamp_file = "/proc/no-such-dir/stamp";
	drsync_free(pri);
	pri = engine(&po);
	r = round_at(pri, 3000);
	assert_int_equal(r->status, DRSYNC_FAILED);
	assert_non_null(strstr(r->last_error,
	    "cannot write /proc/no-such-dir/stamp: "));

	/* options */
	po.stamp_file = "relative/stamp";
	assert_null(drsync_new(&po, &err));
	assert_non_null(strstr(err, "absolute path"));
	free(err);
	po.stamp_file = path("s");
	po.max_lag = 0;
	assert_null(drsync_new(&po, &err));
	assert_non_null(strstr(err, "max_lag"));
	free(err);
	drsync_free(pri);
	drsync_free(dr);
}

/* ------------------------------------------------------------------ */
/* the command method */

static void
test_engine_command(void **state)
{
	struct drsync_opts o;
	struct drsync *d;
	const struct drsync_result *r;
	char cmd[512], *err = NULL;

	(void)state;
	drsync_opts_default(&o);
	o.method = DRSYNC_COMMAND;
	o.max_lag = 100;
	o.timeout = 2;
	/* the lag the program prints is in a file the test changes */
	write_file(path("lag"), "42\n", 0644);
	snprintf(cmd, sizeof(cmd), "/bin/sh -c 'cat \"$0\"' %s", path("lag"));
	o.command = cmd;
	d = engine(&o);
	r = round_at(d, 5000);
	assert_int_equal(r->status, DRSYNC_OK);
	assert_int_equal(r->lag, 42);
	assert_int_equal(r->last_success, 5000 - 42);
	assert_string_equal(r->detail, "/bin/sh: lag 42 s");

	write_file(path("lag"), "  150.9  \n", 0644);
	r = round_at(d, 5010);
	assert_int_equal(r->status, DRSYNC_LATE);
	assert_int_equal(r->lag, 150);

	write_file(path("lag"), "soon\n", 0644);
	r = round_at(d, 5020);
	assert_int_equal(r->status, DRSYNC_FAILED);
	assert_string_equal(r->last_error,
	    "/bin/sh printed \"soon\", not a number of seconds");
	assert_int_equal(r->lag, 160);	/* from the last success */

	write_file(path("lag"), "-3\n", 0644);
	r = round_at(d, 5020);
	assert_int_equal(r->status, DRSYNC_FAILED);
	write_file(path("lag"), "", 0644);
	r = round_at(d, 5020);
	assert_int_equal(r->status, DRSYNC_FAILED);
	assert_string_equal(r->last_error,
	    "/bin/sh printed \"\", not a number of seconds");
	drsync_free(d);

	o.command = "/bin/sh -c 'echo rsync: connection refused >&2; exit 5'";
	d = engine(&o);
	r = round_at(d, 5000);
	assert_int_equal(r->status, DRSYNC_FAILED);
	assert_string_equal(r->last_error,
	    "/bin/sh: exit 5: rsync: connection refused");
	drsync_free(d);

	o.command = "sleep 30";
	o.timeout = 1;
	d = engine(&o);
	r = round_at(d, 5000);
	assert_int_equal(r->status, DRSYNC_FAILED);
	assert_string_equal(r->last_error, "sleep: timed out after 1 s");
	drsync_free(d);

	o.command = "/no/such/lag-check";
	d = engine(&o);
	r = round_at(d, 5000);
	assert_string_equal(r->last_error, "/no/such/lag-check: cannot "
	    "execute: No such file or directory");
	drsync_free(d);

	o.command = "echo 'oops";
	assert_null(drsync_new(&o, &err));
	assert_string_equal(err, "command: unterminated ' in the command");
	free(err);
	o.command = NULL;
	assert_null(drsync_new(&o, &err));
	free(err);
}

/* ------------------------------------------------------------------ */
/* the drbd method, with a stand-in drbdsetup */

static void
use_status(const char *seed_name)
{
	const char *top = getenv("top_srcdir");
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "cp %s/tests/fuzz/corpus/drbd/json-%s %s",
	    top ? top : "..", seed_name, path("status.json"));
	assert_int_equal(system(cmd), 0);
}

static void
test_engine_drbd(void **state)
{
	struct drsync_opts o;
	struct drsync *d;
	const struct drsync_result *r;
	char script[1024], args[256] = "", drbdsetup[256], noproc[256];
	char missing[256], procfile[256];
	FILE *f;

	(void)state;
	/* path() reuses its buffers: the options keep their own copies */
	snprintf(drbdsetup, sizeof(drbdsetup), "%s", path("drbdsetup"));
	snprintf(noproc, sizeof(noproc), "%s", path("no-proc-drbd"));
	snprintf(missing, sizeof(missing), "%s",
	    path("not-installed/drbdsetup"));
	snprintf(procfile, sizeof(procfile), "%s", path("proc-drbd"));
	snprintf(script, sizeof(script), "#!/bin/sh\necho \"$@\" > %s\n"
	    "cat %s\n", path("args"), path("status.json"));
	write_file(drbdsetup, script, 0755);
	drsync_opts_default(&o);
	o.method = DRSYNC_DRBD;
	o.drbdsetup = drbdsetup;
	o.proc_drbd = noproc;	/* as if DRBD 9 */
	o.resource = "mail";
	o.max_lag = 120;
	d = engine(&o);

	use_status("uptodate.json");
	r = round_at(d, 1000);
	assert_int_equal(r->status, DRSYNC_OK);
	assert_int_equal(r->lag, 0);
	assert_int_equal(r->last_success, 1000);
	assert_string_equal(r->detail,
	    "mail/0 to dr1: Established, UpToDate/UpToDate");
	f = fopen(path("args"), "r");
	assert_non_null(f);
	assert_non_null(fgets(args, sizeof(args), f));
	fclose(f);
	assert_string_equal(args, "status --json mail\n");

	/* a resync: ok while shorter than max_lag, late after */
	use_status("syncsource.json");
	r = round_at(d, 1030);
	assert_int_equal(r->status, DRSYNC_OK);
	assert_int_equal(r->lag, 30);
	assert_int_equal(r->oos_kib, 131072);
	assert_string_equal(r->detail,
	    "mail/0 to dr1: SyncSource, 131072 KiB out of sync");
	r = round_at(d, 1121);
	assert_int_equal(r->status, DRSYNC_LATE);
	assert_int_equal(r->lag, 121);

	use_status("standalone.json");
	r = round_at(d, 1150);
	assert_int_equal(r->status, DRSYNC_FAILED);
	assert_string_equal(r->last_error, "mail/0 to dr1: StandAlone");
	assert_int_equal(r->lag, 150);

	use_status("uptodate.json");
	r = round_at(d, 1160);
	assert_int_equal(r->status, DRSYNC_OK);
	assert_int_equal(r->lag, 0);

	/* drbdsetup fails */
	unlink(path("status.json"));
	r = round_at(d, 1170);
	assert_int_equal(r->status, DRSYNC_FAILED);
	assert_non_null(strstr(r->last_error, "drbdsetup status: exit 1: cat: "));
	drsync_free(d);

	/* a DR that has never seen it in sync: the lag counts from the
	 * first round that saw the resync */
	use_status("synctarget-2018.json");
	d = engine(&o);
	r = round_at(d, 2000);
	assert_int_equal(r->status, DRSYNC_OK);
	assert_int_equal(r->lag, 0);
	r = round_at(d, 2500);
	assert_int_equal(r->status, DRSYNC_LATE);
	assert_int_equal(r->lag, 500);
	drsync_free(d);

	/* no drbdsetup at all */
	o.drbdsetup = missing;
	d = engine(&o);
	r = round_at(d, 2000);
	assert_int_equal(r->status, DRSYNC_FAILED);
	assert_non_null(strstr(r->last_error, "not-installed/drbdsetup status: "
	    "cannot execute: No such file or directory"));
	drsync_free(d);

	/* DRBD 8: /proc/drbd, drbdsetup not needed */
	write_file(procfile, "version: 8.4.11 (api:1/proto:86-101)\n"
	    "GIT-hash: 66145a308421e9c124ec391a7848ac20203bb03c build by "
	    "mockbuild@, 2018-11-03 01:26:55\n"
	    " 0: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate "
	    "C r-----\n"
	    "    ns:0 nr:224452 dw:224452 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 "
	    "ep:1 wo:f oos:4096\n", 0644);
	o.proc_drbd = procfile;
	o.resource = NULL;
	d = engine(&o);
	r = round_at(d, 3000);
	assert_int_equal(r->status, DRSYNC_OK);
	assert_int_equal(r->oos_kib, 4096);
	assert_string_equal(r->detail, "minor 0: SyncTarget, 4096 KiB out of sync");
	write_file(procfile, "garbage\n", 0644);
	r = round_at(d, 3010);
	assert_int_equal(r->status, DRSYNC_FAILED);
	assert_non_null(strstr(r->last_error, "/proc/drbd: no \"version:\""));
	drsync_free(d);
}

/* ------------------------------------------------------------------ */
/* the peer */

static void
peer_bad(const char *spec, const char *want)
{
	char host[256];
	uint16_t port;
	const char *why = NULL;

	assert_int_equal(drsync_peer_parse(spec, host, sizeof(host), &port,
	    &why), -1);
	if (strstr(why, want) == NULL)
		fail_msg("'%s': '%s', want '%s'", spec, why, want);
}

static void
test_peer_parse(void **state)
{
	char host[256];
	uint16_t port;
	const char *why;

	(void)state;
	assert_int_equal(drsync_peer_parse("dr1.example.net:22", host,
	    sizeof(host), &port, &why), 0);
	assert_string_equal(host, "dr1.example.net");
	assert_int_equal(port, 22);
	assert_int_equal(drsync_peer_parse("[::1]:65535", host, sizeof(host),
	    &port, &why), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 65535);
	assert_int_equal(drsync_peer_parse("127.0.0.1:1", host, sizeof(host),
	    &port, &why), 0);

	peer_bad("dr1.example.net", "expected HOST:PORT");
	peer_bad("::1:22", "in brackets");
	peer_bad("[::1]22", "expected [IPV6]:PORT");
	peer_bad("[::1:22", "expected [IPV6]:PORT");
	peer_bad("[dr1]:22", "not an IPv6 address");
	peer_bad(":22", "host is empty");
	peer_bad("dr1:0", "port is not a number");
	peer_bad("dr1:65536", "port is not a number");
	peer_bad("dr1:ssh", "port is not a number");
	peer_bad("dr1:+22", "port is not a number");
	peer_bad("dr1:", "port is not a number");
	peer_bad("dr 1:22", "not a name or an IPv4 address");
	peer_bad("dr1;rm:22", "not a name or an IPv4 address");
}

static int
listener(int family, int backlog, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(family, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	}
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, sl), 0);
	assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/* one round of an engine that only checks the peer */
static const struct drsync_result *
peer_round(const char *peer, long timeout)
{
	static struct drsync_result res;
	struct drsync_opts o;
	struct drsync *d;

	drsync_opts_default(&o);
	o.method = DRSYNC_COMMAND;
	o.command = "true";
	o.peer = peer;
	o.timeout = timeout;
	d = engine(&o);
	res = *round_at(d, 1);
	drsync_free(d);
	return &res;
}

/* a connect that does not complete within ms: the accept queue is full */
static bool
hangs(uint16_t port, int *fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct pollfd pf;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	*fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(*fd >= 0);
	if (connect(*fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return false;
	assert_int_equal(errno, EINPROGRESS);
	pf.fd = *fd;
	pf.events = POLLOUT;
	return poll(&pf, 1, 200) == 0;
}

static void
test_peer_check(void **state)
{
	const struct drsync_result *r;
	uint16_t p4, p6, pq;
	int l4, l6, lq, fds[16], n = 0, i;
	char spec[64];

	(void)state;
	l4 = listener(AF_INET, 16, &p4);
	l6 = listener(AF_INET6, 16, &p6);

	snprintf(spec, sizeof(spec), "127.0.0.1:%u", p4);
	r = peer_round(spec, 2);
	assert_int_equal(r->peer, DRSYNC_PEER_UP);
	assert_string_equal(r->peer_error, "");
	assert_true(r->peer_ms < 1000);

	snprintf(spec, sizeof(spec), "[::1]:%u", p6);
	r = peer_round(spec, 2);
	assert_int_equal(r->peer, DRSYNC_PEER_UP);

	snprintf(spec, sizeof(spec), "localhost:%u", p4);	/* a name */
	r = peer_round(spec, 2);
	assert_int_equal(r->peer, DRSYNC_PEER_UP);

	close(l4);	/* nobody listens any more */
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", p4);
	r = peer_round(spec, 2);
	assert_int_equal(r->peer, DRSYNC_PEER_DOWN);
	assert_non_null(strstr(r->peer_error, "(127.0.0.1): Connection refused"));

	/* a listener that never accepts: fill its queue until a connect
	 * hangs, then the check must give up at its timeout */
	lq = listener(AF_INET, 0, &pq);
	while (n < 16 && !hangs(pq, &fds[n]))
		n++;
	assert_true(n < 16);
	n++;
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", pq);
	r = peer_round(spec, 1);
	assert_int_equal(r->peer, DRSYNC_PEER_DOWN);
	assert_non_null(strstr(r->peer_error, "no answer in 1000 ms"));
	for (i = 0; i < n; i++)
		close(fds[i]);
	close(lq);
	close(l6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp_parse),
		cmocka_unit_test_setup_teardown(test_stamp_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_stamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_command, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_engine_drbd, setup, teardown),
		cmocka_unit_test(test_peer_parse),
		cmocka_unit_test(test_peer_check),
	};

	log_init("test_drsync", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
