/*
 * test_conn.c: the connections engine (agent/conn/).
 *
 * - The /proc/net/tcp line parser on lines made the way the kernel
 *   prints them (the address words in this machine's byte order, as
 *   %08X), and on broken lines.
 * - The /proc reader on a directory of such files (tcp6 missing, a
 *   line of junk, a 4 KiB line), and on files a kernel wrote (the fuzz
 *   seeds).
 * - The engine fed with sockets by hand: states, ports, v4-mapped
 *   addresses, distinct hosts, the top list, growth over rounds, which
 *   connections reached a listener.
 * - Distinct hosts beyond the exact limit (a spoofed flood): estimate
 *   within 5%, the flooder still first with Space-Saving's bound.
 * - netlink and /proc on real loopback sockets: both readers count the
 *   same, and the client ends of our own connections do not count, not
 *   even one whose source port is the port.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"
#include "conn/conn.h"

/* ------------------------------------------------------------------ */
/* lines as net/ipv4/tcp_ipv4.c prints them */

static void
hexaddr(char *out, const uint8_t *addr, size_t words)
{
	size_t i;

	for (i = 0; i < words; i++) {
		uint32_t w;

		memcpy(&w, addr + 4 * i, 4);
		sprintf(out + 8 * i, "%08X", w);
	}
}

static void
tcp4_line(char *buf, size_t len, int sl, const char *laddr, unsigned lport,
    const char *raddr, unsigned rport, unsigned st)
{
	uint8_t la[4], ra[4];
	char lh[9], rh[9];

	assert_int_equal(inet_pton(AF_INET, laddr, la), 1);
	assert_int_equal(inet_pton(AF_INET, raddr, ra), 1);
	hexaddr(lh, la, 1);
	hexaddr(rh, ra, 1);
	snprintf(buf, len, "%4d: %s:%04X %s:%04X %02X 00000000:00000000 "
	    "00:00000000 00000000     0        0 %d 1 0000000000000000 "
	    "20 4 30 10 -1", sl, lh, lport, rh, rport, st, 40000 + sl);
}

static void
tcp6_line(char *buf, size_t len, int sl, const char *laddr, unsigned lport,
    const char *raddr, unsigned rport, unsigned st)
{
	uint8_t la[16], ra[16];
	char lh[33], rh[33];

	assert_int_equal(inet_pton(AF_INET6, laddr, la), 1);
	assert_int_equal(inet_pton(AF_INET6, raddr, ra), 1);
	hexaddr(lh, la, 4);
	hexaddr(rh, ra, 4);
	snprintf(buf, len, "%4d: %s:%04X %s:%04X %02X 00000000:00000000 "
	    "00:00000000 00000000     0        0 %d 1 0000000000000000 "
	    "20 4 30 10 -1", sl, lh, lport, rh, rport, st, 50000 + sl);
}

static const char tcp_header[] = "  sl  local_address rem_address   st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

static void
test_proc_line(void **state)
{
	char line[512];
	struct conn_sock s;
	uint8_t want[16];

	(void)state;
	assert_int_equal(conn_proc_parse_line(tcp_header, strlen(tcp_header),
	    false, &s), 0);

	tcp4_line(line, sizeof(line), 0, "127.0.0.1", 25, "127.0.0.2",
	    54321, 1);
	assert_int_equal(conn_proc_parse_line(line, strlen(line), false, &s), 1);
	assert_int_equal(s.lport, 25);
	assert_int_equal(s.state, CONN_TCP_ESTABLISHED);
	assert_int_equal(s.family, AF_INET);
	inet_pton(AF_INET, "127.0.0.2", want);
	assert_memory_equal(s.raddr, want, 4);

	tcp4_line(line, sizeof(line), 1234, "127.0.0.10", 587, "127.0.0.11",
	    1025, 3);
	assert_int_equal(conn_proc_parse_line(line, strlen(line), false, &s), 1);
	assert_int_equal(s.lport, 587);
	assert_int_equal(s.state, CONN_TCP_SYN_RECV);
	inet_pton(AF_INET, "127.0.0.11", want);
	assert_memory_equal(s.raddr, want, 4);

	tcp6_line(line, sizeof(line), 7, "::ffff:127.0.0.1", 993,
	    "::1", 60000, 1);
	assert_int_equal(conn_proc_parse_line(line, strlen(line), true, &s), 1);
	assert_int_equal(s.lport, 993);
	assert_int_equal(s.family, AF_INET6);
	inet_pton(AF_INET6, "::1", want);
	assert_memory_equal(s.raddr, want, 16);

	/* a v4 line read as tcp6 and the other way round */
	tcp4_line(line, sizeof(line), 0, "127.0.0.1", 25, "127.0.0.2", 1, 1);
	assert_int_equal(conn_proc_parse_line(line, strlen(line), true, &s), -1);
	tcp6_line(line, sizeof(line), 0, "::1", 25, "::1", 1, 1);
	assert_int_equal(conn_proc_parse_line(line, strlen(line), false, &s), -1);
}

static void
test_proc_line_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"   ",
		"garbage",
		"   0 0100007F:0019 0200007F:D431 01",	/* no colon */
		"   0: 0100007F:0019 0200007F:D431",	/* no state */
		"   0: 0100007F:0019 0200007F:D431 1",	/* short state */
		"   0: 0100007F:0019 0200007F:D431 011",	/* long state */
		"   0: 0100007F:019 0200007F:D431 01",	/* short port */
		"   0: 100007F:0019 0200007F:D431 01",	/* short address */
		"   0: 0100007G:0019 0200007F:D431 01",	/* not hex */
		"   0: 0100007F0019 0200007F:D431 01",
		"   0: 0100007F:0019:0200007F:D431 01",
		"   0: 0100007F:0019 0200007F:D43 01",
		"   :  0100007F:0019 0200007F:D431 01",	/* no slot number */
		"12345678901: 0100007F:0019 0200007F:D431 01",
	};
	struct conn_sock s;
	size_t i;

	(void)state;
	for (i = 0; i < MH_ARRAY_SIZE(bad); i++)
		assert_int_equal(conn_proc_parse_line(bad[i], strlen(bad[i]),
		    false, &s), -1);
	/* the length is the end, not a NUL */
	assert_int_equal(conn_proc_parse_line("   0: 0100007F:0019 "
	    "0200007F:D431 01", 20, false, &s), -1);
}

/* ------------------------------------------------------------------ */

struct collected {
	size_t n;
	struct conn_sock v[64];
};

static void
collect_cb(void *arg, const struct conn_sock *s)
{
	struct collected *c = arg;

	assert_true(c->n < MH_ARRAY_SIZE(c->v));
	c->v[c->n++] = *s;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
test_proc_scan(void **state)
{
	char dir[] = "/tmp/test_conn.XXXXXX", path[256], line[4096];
	struct strbuf b;
	struct collected got = { 0 };
	char err[256];
	uint8_t want[4];
	size_t bad = 99;
	long n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	strbuf_init(&b);
	strbuf_printf(&b, "%s\n", tcp_header);
	tcp4_line(line, sizeof(line), 0, "0.0.0.0", 25, "0.0.0.0", 0, 0x0A);
	strbuf_printf(&b, "%s\n", line);	/* LISTEN */
	tcp4_line(line, sizeof(line), 1, "127.0.0.1", 25, "127.0.0.2", 4000, 1);
	strbuf_printf(&b, "%s\n", line);
	strbuf_puts(&b, "junk junk\n");
	memset(line, 'x', 4000);
	line[4000] = '\0';
	strbuf_printf(&b, "%s\n", line);	/* longer than any real line */
	tcp4_line(line, sizeof(line), 2, "127.0.0.1", 25, "127.0.0.3", 4001, 3);
	strbuf_printf(&b, "%s\n", line);
	tcp4_line(line, sizeof(line), 3, "127.0.0.1", 4001, "127.0.0.1", 25, 6);
	strbuf_printf(&b, "%s", line);	/* TIME_WAIT, no newline at the end */
	snprintf(path, sizeof(path), "%s/tcp", dir);
	write_file(path, b.s);

	/* no tcp6: a kernel without IPv6 */
	n = conn_proc_scan(dir, collect_cb, &got, &bad, err, sizeof(err));
	assert_int_equal(n, 3);
	assert_int_equal(bad, 2);
	assert_int_equal(got.n, 3);
	assert_int_equal(got.v[0].state, CONN_TCP_LISTEN);
	assert_int_equal(got.v[1].state, CONN_TCP_ESTABLISHED);
	assert_int_equal(got.v[2].state, CONN_TCP_SYN_RECV);
	assert_int_equal(got.v[2].lport, 25);
	inet_pton(AF_INET, "127.0.0.3", want);
	assert_memory_equal(got.v[2].raddr, want, 4);
	inet_pton(AF_INET, "127.0.0.1", want);
	assert_memory_equal(got.v[2].laddr, want, 4);

	strbuf_reset(&b);
	strbuf_printf(&b, "%s\n", tcp_header);
	tcp6_line(line, sizeof(line), 0, "::1", 993, "::1", 5000, 1);
	strbuf_printf(&b, "%s\n", line);
	snprintf(path, sizeof(path), "%s/tcp6", dir);
	write_file(path, b.s);
	got.n = 0;
	n = conn_proc_scan(dir, collect_cb, &got, &bad, err, sizeof(err));
	assert_int_equal(n, 4);
	assert_int_equal(got.v[3].family, AF_INET6);
	assert_int_equal(got.v[3].lport, 993);
	unlink(path);

	snprintf(path, sizeof(path), "%s/tcp", dir);
	unlink(path);
	n = conn_proc_scan(dir, collect_cb, &got, &bad, err, sizeof(err));
	assert_int_equal(n, -1);
	assert_non_null(strstr(err, "/tcp: No such file"));
	rmdir(dir);
	strbuf_free(&b);
}

/* tests/fuzz/corpus/conn_proc: /proc/net/tcp and tcp6 read in a
 * namespace with listeners on 127.0.0.1:25, [::]:587 (dual stack) and
 * 127.0.0.1:2525, connections to 25 from 127.0.0.2, to 587 from
 * 127.0.0.3 and ::1, and one to 2525 from 127.0.0.4 whose final ACK was
 * dropped (SYN-RECV). A little-endian machine wrote the addresses. */
static void
test_proc_seed(void **state)
{
	const char *top = getenv("top_srcdir");
	char dir[4096], err[256];
	struct conn_opts o;
	struct conn *c;
	const struct conn_result *r;
	const struct conn_port_stats *p;
	size_t i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/conn_proc",
	    top ? top : "..");
	conn_opts_default(&o);
	o.ports[0] = 25;
	o.ports[1] = 587;
	o.ports[2] = 2525;
	o.nports = 3;
	o.force_proc = true;
	o.proc_dir = dir;
	c = conn_new(&o);
	if (conn_collect(c, 1, err, sizeof(err)) < 0)
		fail_msg("%s (is top_srcdir set?)", err);
	r = conn_result(c);
	assert_int_equal(r->sockets, 11);	/* every socket, any port */
	assert_int_equal(r->outbound, 0);
	for (i = 0; i < r->nports; i++) {
		p = &r->ports[i];
		print_message("# port %u: %u established, %u half-open, %u "
		    "hosts\n", p->port, p->established, p->halfopen, p->hosts);
	}
	p = &r->ports[0];
	assert_int_equal(p->established, 1);
	assert_int_equal(p->halfopen, 0);
	assert_string_equal(p->top[0].addr, "127.0.0.2");
	p = &r->ports[1];
	assert_int_equal(p->established, 2);
	assert_int_equal(p->hosts, 2);
	assert_string_equal(p->top[0].addr, "127.0.0.3");	/* v4-mapped */
	assert_string_equal(p->top[1].addr, "::1");
	p = &r->ports[2];
	assert_int_equal(p->established, 0);
	assert_int_equal(p->halfopen, 1);
	assert_string_equal(p->top[0].addr, "127.0.0.4");
	conn_free(c);
}

/* ------------------------------------------------------------------ */
/* the engine, fed by hand */

/* times sockets from addr to local (NULL: 0.0.0.0 or ::) port */
static void
feed_at(struct conn *c, const char *local, uint16_t port, uint8_t st,
    const char *addr, int times)
{
	struct conn_sock s;
	int i;

	memset(&s, 0, sizeof(s));
	s.lport = port;
	s.state = st;
	s.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(s.family, addr, s.raddr), 1);
	if (local)
		assert_int_equal(inet_pton(s.family, local, s.laddr), 1);
	for (i = 0; i < times; i++)
		conn_feed(c, &s);
}

static void
feed(struct conn *c, uint16_t port, uint8_t st, const char *addr, int times)
{
	feed_at(c, NULL, port, st, addr, times);
}

static const struct conn_port_stats *
port_of(const struct conn_result *r, uint16_t port)
{
	size_t i;

	for (i = 0; i < r->nports; i++)
		if (r->ports[i].port == port)
			return &r->ports[i];
	fail_msg("port %u not in the result", port);
	return NULL;
}

static void
test_engine_counts(void **state)
{
	struct conn_opts o;
	struct conn *c;
	const struct conn_result *r;
	const struct conn_port_stats *p;

	(void)state;
	conn_opts_default(&o);
	o.ports[0] = 25;
	o.ports[1] = 587;
	o.ports[2] = 25;	/* a duplicate counts once */
	o.nports = 3;
	o.top_n = 3;
	c = conn_new(&o);
	assert_null(conn_result(c));

	conn_round_begin(c);
	feed(c, 25, CONN_TCP_ESTABLISHED, "127.1.0.1", 30);
	feed(c, 25, CONN_TCP_ESTABLISHED, "::ffff:127.1.0.1", 10); /* same host */
	feed(c, 25, CONN_TCP_SYN_RECV, "127.1.0.7", 25);
	feed(c, 25, CONN_TCP_ESTABLISHED, "::1", 5);
	feed(c, 25, CONN_TCP_ESTABLISHED, "127.1.0.2", 1);
	feed(c, 25, 6, "127.1.0.99", 9);	/* TIME_WAIT: not counted */
	feed(c, 587, CONN_TCP_ESTABLISHED, "127.1.0.1", 2);
	feed(c, 110, CONN_TCP_ESTABLISHED, "127.1.0.1", 2); /* not ours */
	conn_round_end(c, 1000, CONN_READ_PROC);

	r = conn_result(c);
	assert_non_null(r);
	assert_int_equal(r->nports, 2);
	assert_int_equal(r->sockets, 30 + 10 + 25 + 5 + 1 + 9 + 2 + 2);
	assert_int_equal(r->reader, CONN_READ_PROC);
	p = port_of(r, 25);
	assert_int_equal(p->established, 46);
	assert_int_equal(p->halfopen, 25);
	assert_int_equal(p->hosts, 4);
	assert_false(p->hosts_estimated);
	assert_false(p->have_growth);
	assert_int_equal(p->ntop, 3);
	assert_string_equal(p->top[0].addr, "127.1.0.1");
	assert_int_equal(p->top[0].count, 40);
	assert_int_equal(p->top[0].error, 0);
	assert_string_equal(p->top[1].addr, "127.1.0.7");
	assert_int_equal(p->top[1].count, 25);
	assert_string_equal(p->top[2].addr, "::1");
	assert_int_equal(p->top[2].count, 5);
	p = port_of(r, 587);
	assert_int_equal(p->established, 2);
	assert_int_equal(p->hosts, 1);

	/* a new round forgets the old sockets */
	conn_round_begin(c);
	feed(c, 587, CONN_TCP_SYN_RECV, "127.1.0.9", 1);
	conn_round_end(c, 1030, CONN_READ_NETLINK);
	r = conn_result(c);
	p = port_of(r, 25);
	assert_int_equal(p->established, 0);
	assert_int_equal(p->hosts, 0);
	assert_int_equal(p->ntop, 0);
	p = port_of(r, 587);
	assert_int_equal(p->halfopen, 1);
	assert_string_equal(p->top[0].addr, "127.1.0.9");
	conn_free(c);
}

static void
test_engine_listeners(void **state)
{
	struct conn_opts o;
	struct conn *c;
	const struct conn_result *r;
	const struct conn_port_stats *p;

	(void)state;
	conn_opts_default(&o);
	o.ports[0] = 25;
	o.ports[1] = 587;
	o.ports[2] = 993;
	o.nports = 3;
	c = conn_new(&o);
	conn_round_begin(c);
	/* 25: IPv4 on two addresses, IPv6 on the wildcard */
	feed_at(c, "127.0.0.1", 25, CONN_TCP_LISTEN, "0.0.0.0", 1);
	feed_at(c, "127.0.0.2", 25, CONN_TCP_LISTEN, "0.0.0.0", 1);
	feed_at(c, "::", 25, CONN_TCP_LISTEN, "::", 1);
	feed_at(c, "127.0.0.1", 25, CONN_TCP_ESTABLISHED, "127.1.0.1", 4);
	feed_at(c, "127.0.0.2", 25, CONN_TCP_SYN_RECV, "127.1.0.2", 2);
	/* our own dial-out from source port 25 on another address */
	feed_at(c, "127.0.0.3", 25, CONN_TCP_ESTABLISHED, "127.1.0.9", 3);
	feed_at(c, "::1", 25, CONN_TCP_ESTABLISHED, "::1", 5);
	feed_at(c, "::ffff:127.0.0.3", 25, CONN_TCP_ESTABLISHED,
	    "::ffff:127.1.0.1", 1);
	/* 587: no listener left: its connections still count */
	feed_at(c, "127.0.0.3", 587, CONN_TCP_ESTABLISHED, "127.1.0.1", 2);
	/* 993: only an IPv6 listener, on ::1; IPv4 connections have none */
	feed_at(c, "::1", 993, CONN_TCP_LISTEN, "::", 1);
	feed_at(c, "::1", 993, CONN_TCP_ESTABLISHED, "::1", 1);
	feed_at(c, "::ffff:127.0.0.1", 993, CONN_TCP_ESTABLISHED, "::1", 1);
	feed_at(c, "127.0.0.3", 993, CONN_TCP_ESTABLISHED, "127.1.0.1", 1);
	conn_round_end(c, 1, CONN_READ_NETLINK);
	r = conn_result(c);
	/* the dial-out from 127.0.0.3 and one to 993 from ::ffff:127.0.0.1,
	 * which no IPv6 listener listens on */
	assert_int_equal(r->outbound, 3 + 1);
	p = port_of(r, 25);
	assert_int_equal(p->established, 4 + 5 + 1);
	assert_int_equal(p->halfopen, 2);
	assert_int_equal(p->hosts, 3);	/* 127.1.0.1 twice */
	assert_string_equal(p->top[0].addr, "127.1.0.1");
	assert_int_equal(p->top[0].count, 5);
	p = port_of(r, 587);
	assert_int_equal(p->established, 2);
	p = port_of(r, 993);
	assert_int_equal(p->established, 2);

	/* listeners are per round */
	conn_round_begin(c);
	feed_at(c, "127.0.0.3", 25, CONN_TCP_ESTABLISHED, "127.1.0.9", 3);
	conn_round_end(c, 2, CONN_READ_NETLINK);
	r = conn_result(c);
	assert_int_equal(r->outbound, 0);
	assert_int_equal(port_of(r, 25)->established, 3);
	conn_free(c);
}

static void
round_with(struct conn *c, time_t t, int n)
{
	conn_round_begin(c);
	feed(c, 25, CONN_TCP_ESTABLISHED, "127.1.0.1", n);
	conn_round_end(c, t, CONN_READ_NETLINK);
}

static void
test_engine_growth(void **state)
{
	struct conn_opts o;
	struct conn *c;
	const struct conn_port_stats *p;

	(void)state;
	conn_opts_default(&o);
	o.ports[0] = 25;
	o.nports = 1;
	o.growth_window = 120;
	c = conn_new(&o);

	round_with(c, 1000, 10);
	p = port_of(conn_result(c), 25);
	assert_false(p->have_growth);

	round_with(c, 1030, 40);	/* +30 in 30 s */
	p = port_of(conn_result(c), 25);
	assert_true(p->have_growth);
	assert_int_equal(p->growth, 60);

	round_with(c, 1060, 40);	/* from the oldest in the window */
	p = port_of(conn_result(c), 25);
	assert_int_equal(p->growth, 30);

	round_with(c, 1120, 10);	/* 1000 is exactly 120 s back */
	p = port_of(conn_result(c), 25);
	assert_int_equal(p->growth, 0);

	round_with(c, 1150, 0);		/* 1030 is the oldest now */
	p = port_of(conn_result(c), 25);
	assert_int_equal(p->growth, -(40 * 60 / 120));

	round_with(c, 1150, 5);		/* same second: no division by 0 */
	p = port_of(conn_result(c), 25);
	assert_true(p->have_growth);

	round_with(c, 5000, 5);		/* a gap longer than the window */
	p = port_of(conn_result(c), 25);
	assert_false(p->have_growth);
	conn_free(c);
}

static void
test_engine_flood(void **state)
{
	struct conn_opts o;
	struct conn *c;
	struct conn_sock s;
	const struct conn_port_stats *p;
	const uint32_t distinct = 50000;
	uint32_t i;
	double ratio;

	(void)state;
	conn_opts_default(&o);
	o.ports[0] = 25;
	o.nports = 1;
	o.hosts_exact_max = 1000;
	o.topk_counters = 256;
	c = conn_new(&o);
	conn_round_begin(c);
	memset(&s, 0, sizeof(s));
	s.lport = 25;
	s.state = CONN_TCP_SYN_RECV;
	s.family = AF_INET;
	for (i = 0; i < distinct; i++) {
		/* distinct addresses in 127.0.0.0/8, shuffled */
		uint32_t a = htonl(0x7f000000u | ((i * 2654435761u) & 0xffffffu));

		memcpy(s.raddr, &a, 4);
		conn_feed(c, &s);
		if (i % 10 == 0)	/* the flooder, spread through */
			feed(c, 25, CONN_TCP_ESTABLISHED, "::1", 1);
	}
	conn_round_end(c, 1, CONN_READ_NETLINK);
	p = port_of(conn_result(c), 25);
	assert_int_equal(p->halfopen, distinct);
	assert_int_equal(p->established, distinct / 10);
	assert_true(p->hosts_estimated);
	ratio = (double)p->hosts / (distinct + 1);
	print_message("# %u distinct hosts estimated as %u (%.3f)\n",
	    distinct + 1, p->hosts, ratio);
	assert_true(ratio > 0.95 && ratio < 1.05);
	assert_string_equal(p->top[0].addr, "::1");
	assert_true(p->top[0].count >= distinct / 10);
	assert_true(p->top[0].count - p->top[0].error <= distinct / 10);

	/* the next, quiet round is exact again and the table shrinks */
	round_with(c, 2, 3);
	p = port_of(conn_result(c), 25);
	assert_false(p->hosts_estimated);
	assert_int_equal(p->hosts, 1);
	assert_int_equal(p->top[0].count, 3);
	conn_free(c);
}

static void
test_hosts_estimate_small(void **state)
{
	struct conn_hosts *h = conn_hosts_new(10, 16);
	uint8_t a[16] = { 0 };
	bool est;
	uint32_t i;
	uint64_t n;

	(void)state;
	/* just over the limit: never below what the hash proved */
	for (i = 0; i < 12; i++) {
		a[15] = (uint8_t)i;
		conn_hosts_add(h, AF_INET6, a);
	}
	n = conn_hosts_count(h, &est);
	assert_true(est);
	assert_true(n >= 11 && n <= 13);
	/* a few thousand: linear counting range */
	conn_hosts_reset(h);
	for (i = 0; i < 2000; i++) {
		a[14] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)i;
		conn_hosts_add(h, AF_INET6, a);
	}
	n = conn_hosts_count(h, &est);
	assert_true(est);
	assert_true(n > 1900 && n < 2100);
	conn_hosts_free(h);
}

/* ------------------------------------------------------------------ */
/* real sockets on loopback */

#define NCLIENT 200

/* A port below the ephemeral range, free on 127.0.0.1 and ::1: no
 * other program's client socket can get it as its local port, which
 * would count as one more outbound connection on it. */
static uint16_t
quiet_port(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	unsigned low = 32768, p, tries;

	if (f != NULL) {
		if (fscanf(f, "%u", &low) != 1)
			low = 32768;
		fclose(f);
	}
	assert_true(low > 2048);
	for (tries = 0, p = 1024 + (unsigned)getpid() % (low - 1024);
	    tries < 200; tries++, p = 1024 + (p - 1024 + 97) % (low - 1024)) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
		int f4 = socket(AF_INET, SOCK_STREAM, 0);
		int f6 = socket(AF_INET6, SOCK_STREAM, 0);
		bool ok;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons((uint16_t)p);
		a6.sin6_addr = in6addr_loopback;
		a6.sin6_port = htons((uint16_t)p);
		ok = f4 >= 0 && f6 >= 0 &&
		    bind(f4, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    bind(f6, (struct sockaddr *)&a6, sizeof(a6)) == 0;
		close(f4);
		close(f6);
		if (ok)
			return (uint16_t)p;
	}
	fail_msg("no free port below the ephemeral range (%u)", low);
	return 0;
}

static int
listen_on(int family, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(family, SOCK_STREAM, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons(*port);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons(*port);
		sl = sizeof(*sin6);
	}
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, sl), 0);
	assert_int_equal(listen(fd, 1024), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	*port = ntohs(family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static int
dial(int family, const char *src, uint16_t port)
{
	int fd = socket(family, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	if (family == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET };

		inet_pton(AF_INET, src, &a.sin_addr);
		assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons(port);
		assert_int_equal(connect(fd, (struct sockaddr *)&a,
		    sizeof(a)), 0);
	} else {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6 };

		a.sin6_addr = in6addr_loopback;
		a.sin6_port = htons(port);
		assert_int_equal(connect(fd, (struct sockaddr *)&a,
		    sizeof(a)), 0);
	}
	return fd;
}

/* a connection to our port from 127.0.0.9 with source port p too: its
 * server end counts, its client end (local port p, but not on the
 * listener's address) does not */
static int
dial_from_port(uint16_t p)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, "127.0.0.9", &a.sin_addr);
	a.sin_port = htons(p);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void
test_real_sockets(void **state)
{
	struct rlimit rl;
	uint16_t p4 = 0, p6;
	int l4, l6, fds[NCLIENT + 21], nfd = 0, i;
	struct conn_opts o;
	struct conn *nl, *pr;
	char err[256];
	const struct conn_port_stats *a, *b;
	const char *srcs[] = { "127.0.0.2", "127.0.0.3", "127.0.0.4",
		"127.0.0.5" };

	(void)state;
	/* two ends of NCLIENT connections plus the listeners */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 4 * NCLIENT + 64) {
		rl.rlim_cur = rl.rlim_max;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	p4 = quiet_port();
	l4 = listen_on(AF_INET, &p4);
	p6 = p4;	/* the same port number on ::1: a dual listener */
	l6 = listen_on(AF_INET6, &p6);
	for (i = 0; i < NCLIENT; i++)
		fds[nfd++] = dial(AF_INET, srcs[i % 4], p4);
	for (i = 0; i < 20; i++)
		fds[nfd++] = dial(AF_INET6, NULL, p6);
	fds[nfd++] = dial_from_port(p4);

	conn_opts_default(&o);
	o.ports[0] = p4;
	o.nports = 1;
	nl = conn_new(&o);
	o.force_proc = true;
	pr = conn_new(&o);
	assert_int_equal(conn_collect(nl, 10, err, sizeof(err)), 0);
	assert_int_equal(conn_collect(pr, 10, err, sizeof(err)), 0);
	assert_int_equal(conn_result(nl)->reader, CONN_READ_NETLINK);
	assert_int_equal(conn_result(pr)->reader, CONN_READ_PROC);
	a = &conn_result(nl)->ports[0];
	b = &conn_result(pr)->ports[0];
	/* the server ends only: the client ends have ephemeral local
	 * ports (their remote port is p4, which does not count) */
	assert_int_equal(a->established, NCLIENT + 20 + 1);
	assert_int_equal(b->established, NCLIENT + 20 + 1);
	assert_int_equal(a->hosts, 6);
	assert_int_equal(b->hosts, 6);
	assert_int_equal(conn_result(nl)->outbound, 1);
	assert_int_equal(conn_result(pr)->outbound, 1);
	assert_int_equal(a->halfopen, 0);
	assert_int_equal(a->top[0].count, NCLIENT / 4 > 20 ? NCLIENT / 4 : 20);
	assert_string_equal(a->top[4].addr, "::1");
	assert_int_equal(a->top[4].count, 20);
	for (i = 0; i < 5; i++) {
		assert_string_equal(a->top[i].addr, b->top[i].addr);
		assert_int_equal(a->top[i].count, b->top[i].count);
	}
	/* the kernel filtered: netlink saw only our port's sockets (two
	 * listeners, the server ends, the one client end on port p4) */
	assert_int_equal(conn_result(nl)->sockets, 2 + NCLIENT + 20 + 2);
	assert_true(conn_result(pr)->sockets >= 2 * (NCLIENT + 20));

	for (i = 0; i < nfd; i++)
		close(fds[i]);
	close(l4);
	close(l6);
	conn_free(nl);
	conn_free(pr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_line),
		cmocka_unit_test(test_proc_line_bad),
		cmocka_unit_test(test_proc_scan),
		cmocka_unit_test(test_proc_seed),
		cmocka_unit_test(test_engine_counts),
		cmocka_unit_test(test_engine_listeners),
		cmocka_unit_test(test_engine_growth),
		cmocka_unit_test(test_engine_flood),
		cmocka_unit_test(test_hosts_estimate_small),
		cmocka_unit_test(test_real_sockets),
	};

	log_init("test_conn", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
