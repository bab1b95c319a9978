/*
 * conn.c: the connections engine. A round reads the sockets (netlink
 * sock_diag, else /proc/net/tcp*), counts each socket of a configured
 * local port by state, hands its remote address to the port's host
 * counter (conn_hosts.c), and at the end turns the counts into the
 * round's result and one more sample of growth history.
 *
 * State kept across rounds: the growth history, the host tables (their
 * memory, not their contents) and the last result, which stays when a
 * round fails so that a caller never sees a half-counted round.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "util.h"
#include "conn/conn.h"

#define CONN_HISTORY 64
/* listening addresses remembered per port and family; more than this
 * (a host with many addresses, each listened on) is taken as "any" */
#define CONN_LISTEN_MAX 8

const uint16_t conn_default_ports[] = { 25, 465, 587, 110, 995, 143, 993 };
const size_t conn_ndefault_ports = MH_ARRAY_SIZE(conn_default_ports);

struct growth_sample {
	time_t t;
	uint64_t total;
};

struct conn_port {
	uint32_t est, half;		/* this round so far */
	/* this round's listeners, per family (0 IPv4, 1 IPv6) */
	bool listened[2];		/* a listener was seen */
	bool any[2];			/* one on the wildcard address */
	uint8_t nlisten[2];
	uint8_t listen[2][CONN_LISTEN_MAX][16];
	struct conn_hosts *hosts;
	struct growth_sample hist[CONN_HISTORY];
	size_t nhist, hpos;
};

struct conn {
	struct conn_opts o;
	uint8_t portidx[65536];		/* index + 1 of a port, 0: not ours */
	size_t nports;
	struct conn_port *ports;
	uint64_t sockets;		/* this round so far */
	uint64_t outbound;
	struct conn_result res;
	bool have_res;
	bool warned_proc;		/* the fallback was logged once */
};

const char *
conn_reader_name(enum conn_reader r)
{
	return r == CONN_READ_NETLINK ? "netlink" : "proc";
}

void
conn_opts_default(struct conn_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->top_n = CONN_TOP_N_DEFAULT;
	o->topk_counters = CONN_TOPK_COUNTERS_DEFAULT;
	o->hosts_exact_max = CONN_HOSTS_EXACT_DEFAULT;
	o->growth_window = CONN_GROWTH_WINDOW_DEFAULT;
}

struct conn *
conn_new(const struct conn_opts *opts)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	const uint16_t *ports = opts->ports;
	size_t n = opts->nports, i;

	c->o = *opts;
	if (n == 0) {
		ports = conn_default_ports;
		n = conn_ndefault_ports;
	}
	if (n > CONN_PORTS_MAX)
		n = CONN_PORTS_MAX;
	if (c->o.top_n > CONN_TOP_MAX)
		c->o.top_n = CONN_TOP_MAX;
	if (c->o.growth_window <= 0)
		c->o.growth_window = CONN_GROWTH_WINDOW_DEFAULT;
	if (c->o.proc_dir == NULL)
		c->o.proc_dir = "/proc/net";
	c->ports = xcalloc(n, sizeof(*c->ports));
	c->res.ports = xcalloc(n, sizeof(*c->res.ports));
	for (i = 0; i < n; i++) {
		/* a duplicate or port 0 would be counted twice or never */
		if (ports[i] == 0 || c->portidx[ports[i]] != 0)
			continue;
		c->o.ports[c->nports] = ports[i];
		c->portidx[ports[i]] = (uint8_t)(c->nports + 1);
		c->ports[c->nports].hosts = conn_hosts_new(
		    c->o.hosts_exact_max, c->o.topk_counters);
		c->res.ports[c->nports].port = ports[i];
		c->res.ports[c->nports].top =
		    xcalloc(c->o.top_n ? c->o.top_n : 1, sizeof(struct conn_host));
		c->nports++;
	}
	c->o.nports = c->nports;
	c->res.nports = c->nports;
	return c;
}

void
conn_free(struct conn *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nports; i++) {
		conn_hosts_free(c->ports[i].hosts);
		free(c->res.ports[i].top);
	}
	free(c->ports);
	free(c->res.ports);
	free(c);
}

const struct conn_result *
conn_result(const struct conn *c)
{
	return c->have_res ? &c->res : NULL;
}

void
conn_round_begin(struct conn *c)
{
	size_t i;

	for (i = 0; i < c->nports; i++) {
		struct conn_port *p = &c->ports[i];

		p->est = 0;
		p->half = 0;
		memset(p->listened, 0, sizeof(p->listened));
		memset(p->any, 0, sizeof(p->any));
		memset(p->nlisten, 0, sizeof(p->nlisten));
		conn_hosts_reset(p->hosts);
	}
	c->sockets = 0;
	c->outbound = 0;
}

static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static void
conn_listener(struct conn_port *p, int fi, const struct conn_sock *s)
{
	static const uint8_t zero[16];
	size_t alen = fi ? 16 : 4;

	p->listened[fi] = true;
	if (memcmp(s->laddr, zero, alen) == 0 ||
	    p->nlisten[fi] == CONN_LISTEN_MAX)
		p->any[fi] = true;
	else
		memcpy(p->listen[fi][p->nlisten[fi]++], s->laddr, alen);
}

/* Did this connection reach a listener of its port? Connections of a
 * port with no listener of their family left (it was closed, the
 * reader does not report listeners) are taken as inbound. */
static bool
conn_inbound(const struct conn_port *p, int fi, const struct conn_sock *s)
{
	size_t alen = fi ? 16 : 4, i;

	if (!p->listened[fi] || p->any[fi])
		return true;
	for (i = 0; i < p->nlisten[fi]; i++)
		if (memcmp(p->listen[fi][i], s->laddr, alen) == 0)
			return true;
	return false;
}

void
conn_feed(struct conn *c, const struct conn_sock *s)
{
	struct conn_port *p;
	uint8_t idx = c->portidx[s->lport];
	int fi = s->family == AF_INET6;

	c->sockets++;
	if (idx == 0)
		return;
	p = &c->ports[idx - 1];
	if (s->state == CONN_TCP_LISTEN) {
		conn_listener(p, fi, s);
		return;
	}
	if (s->state != CONN_TCP_ESTABLISHED && s->state != CONN_TCP_SYN_RECV)
		return;
	if (!conn_inbound(p, fi, s)) {
		c->outbound++;
		return;
	}
	if (s->state == CONN_TCP_ESTABLISHED)
		p->est++;
	else
		p->half++;
	/* an IPv4 client of a dual-stack listener is the same host as
	 * when it comes over an IPv4 socket */
	if (fi && memcmp(s->raddr, v4mapped, 12) == 0)
		conn_hosts_add(p->hosts, AF_INET, s->raddr + 12);
	else
		conn_hosts_add(p->hosts, s->family, s->raddr);
}

static void
conn_growth(const struct conn *c, struct conn_port *p,
    struct conn_port_stats *st, time_t now, uint64_t total)
{
	size_t i, best = SIZE_MAX;

	/* the oldest sample still inside the window, as queue.c does */
	st->have_growth = false;
	for (i = 0; i < p->nhist; i++) {
		const struct growth_sample *g = &p->hist[i];

		if (now - g->t > c->o.growth_window || g->t >= now)
			continue;
		if (best == SIZE_MAX || g->t < p->hist[best].t)
			best = i;
	}
	if (best != SIZE_MAX) {
		double dt = (double)(now - p->hist[best].t);
		double d = (double)total - (double)p->hist[best].total;

		st->growth = (int64_t)(d * 60.0 / dt + (d >= 0 ? 0.5 : -0.5));
		st->have_growth = true;
	}
	p->hist[p->hpos].t = now;
	p->hist[p->hpos].total = total;
	p->hpos = (p->hpos + 1) % CONN_HISTORY;
	if (p->nhist < CONN_HISTORY)
		p->nhist++;
}

void
conn_round_end(struct conn *c, time_t now, enum conn_reader reader)
{
	size_t i;

	for (i = 0; i < c->nports; i++) {
		struct conn_port *p = &c->ports[i];
		struct conn_port_stats *st = &c->res.ports[i];
		uint64_t hosts;

		st->established = p->est;
		st->halfopen = p->half;
		hosts = conn_hosts_count(p->hosts, &st->hosts_estimated);
		st->hosts = hosts > UINT32_MAX ? UINT32_MAX : (uint32_t)hosts;
		st->ntop = conn_hosts_top(p->hosts, st->top, c->o.top_n);
		conn_growth(c, p, st, now, (uint64_t)p->est + p->half);
	}
	c->res.taken = now;
	c->res.reader = reader;
	c->res.sockets = c->sockets;
	c->res.outbound = c->outbound;
	c->have_res = true;
}

static void
conn_feed_cb(void *arg, const struct conn_sock *s)
{
	conn_feed(arg, s);
}

static int64_t
conn_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
conn_collect(struct conn *c, time_t now, char *err, size_t errlen)
{
	char nlerr[256] = "";
	int64_t t0 = conn_now_us();
	enum conn_reader reader = CONN_READ_NETLINK;
	size_t bad = 0;

	conn_round_begin(c);
	if (c->o.force_proc ||
	    conn_nl_scan(c->o.ports, c->nports, conn_feed_cb, c, nlerr,
	    sizeof(nlerr)) < 0) {
		if (!c->o.force_proc) {
			if (!c->warned_proc)
				log_warnx("conn", "%s; reading %s/tcp instead",
				    nlerr, c->o.proc_dir);
			c->warned_proc = true;
		}
		reader = CONN_READ_PROC;
		conn_round_begin(c);	/* forget a half-read dump */
		if (conn_proc_scan(c->o.proc_dir, conn_feed_cb, c, &bad, err,
		    errlen) < 0) {
			if (nlerr[0] != '\0') {
				size_t l = strlen(err);

				snprintf(err + l, errlen - l, " (and %s)", nlerr);
			}
			return -1;
		}
		if (bad > 0)
			log_debug("conn", "%zu unreadable lines in %s/tcp*", bad,
			    c->o.proc_dir);
	}
	conn_round_end(c, now, reader);
	c->res.duration_us = (uint32_t)(conn_now_us() - t0);
	return 0;
}
