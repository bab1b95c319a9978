/*
 * conn.h: TCP connections to local ports, the engine behind the
 * `connections` collector, and a map of agent/conn/.
 *
 * For each configured local port: the connections in state ESTABLISHED
 * and SYN-RECV (half-open) that reached this server on that port, IPv4
 * and IPv6 together; the distinct remote hosts among them; the top
 * remote hosts (Space-Saving, core/topk.h); growth per minute over the
 * last rounds. A connection reached us on port P when its local port is
 * P and its local address is one that a listener on P listens on (or P
 * has no listener any more): a connection we dialled out to a remote
 * port 25 does not count, nor one dialled out from a source port P
 * bound on another address.
 *
 * Sockets come from netlink sock_diag with a kernel-side state and port
 * filter (conn_netlink.c), or, when that is unavailable, from
 * /proc/net/tcp and tcp6 (conn_proc.c). docs/conn.md has the design and
 * the figures. Nothing here includes net-snmp or core.h.
 */
#ifndef MH_CONN_H
#define MH_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CONN_PORTS_MAX 64
#define CONN_TOP_MAX 100
/* Distinct remote hosts per port counted exactly up to this many; beyond
 * it the count is a HyperLogLog estimate (conn_hosts.c). */
#define CONN_HOSTS_EXACT_DEFAULT 16384
#define CONN_TOPK_COUNTERS_DEFAULT 1024
#define CONN_TOP_N_DEFAULT 10
#define CONN_GROWTH_WINDOW_DEFAULT 120
#define CONN_ADDRSTRLEN 46	/* INET6_ADDRSTRLEN */

/* TCP states as the kernel numbers them (include/net/tcp_states.h) */
#define CONN_TCP_ESTABLISHED 1
#define CONN_TCP_SYN_RECV 3
#define CONN_TCP_LISTEN 10

/* ------------------------------------------------------------------ */
/* conn.c: the engine: rounds, per-port counts, growth, results. */

extern const uint16_t conn_default_ports[];
extern const size_t conn_ndefault_ports;

enum conn_reader { CONN_READ_NETLINK, CONN_READ_PROC };
const char *conn_reader_name(enum conn_reader);

struct conn_opts {
	uint16_t ports[CONN_PORTS_MAX];	/* distinct, non-zero */
	size_t nports;			/* 0: conn_default_ports */
	size_t top_n;			/* top hosts kept per port */
	size_t topk_counters;		/* Space-Saving counters per port */
	size_t hosts_exact_max;		/* see CONN_HOSTS_EXACT_DEFAULT */
	long growth_window;		/* seconds of history for growth */
	bool force_proc;		/* skip netlink (tests, odd kernels) */
	const char *proc_dir;		/* NULL: "/proc/net" */
};
void conn_opts_default(struct conn_opts *);

/* One socket as a reader reports it. Addresses are in network byte
 * order: 4 bytes for AF_INET, 16 for AF_INET6. Readers report the
 * listeners of a family before its connections (both netlink and /proc
 * walk the kernel's listening hash first). */
struct conn_sock {
	uint16_t lport;		/* local port, host order */
	uint8_t state;		/* CONN_TCP_* */
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t laddr[16];
	uint8_t raddr[16];
};
typedef void conn_sock_fn(void *arg, const struct conn_sock *);

struct conn_host {
	char addr[CONN_ADDRSTRLEN];	/* "127.0.0.2", "::1" */
	uint64_t count;		/* connections (established + half-open) */
	uint64_t error;		/* Space-Saving bound: 0 = exact */
};

struct conn_port_stats {
	uint16_t port;
	uint32_t established;
	uint32_t halfopen;
	uint32_t hosts;		/* distinct remote addresses */
	bool hosts_estimated;	/* beyond hosts_exact_max: an estimate */
	bool have_growth;	/* false until a round inside the window */
	int64_t growth;		/* connections per minute, may be < 0 */
	size_t ntop;
	struct conn_host *top;	/* top_n entries, highest count first */
};

struct conn_result {
	time_t taken;		/* the round's time */
	enum conn_reader reader;
	uint64_t sockets;	/* sockets the reader returned */
	uint64_t outbound;	/* local port ours, local address not a
				 * listener's: dialled out, not counted */
	uint32_t duration_us;	/* how long reading and counting took */
	size_t nports;
	struct conn_port_stats *ports;	/* in configuration order */
};

struct conn;
struct conn *conn_new(const struct conn_opts *);
void conn_free(struct conn *);
/* One round: read the sockets and count them. On failure (no reader
 * worked) returns -1 with the reason in err; the previous result and
 * the growth history stay as they were. */
int conn_collect(struct conn *, time_t now, char *err, size_t errlen);
/* The last complete round, NULL before the first; valid until the next
 * conn_collect() or conn_round_end(). */
const struct conn_result *conn_result(const struct conn *);
/* conn_collect() in pieces, for readers of other sources and for tests
 * that feed sockets without the kernel. */
void conn_round_begin(struct conn *);
void conn_feed(struct conn *, const struct conn_sock *);
void conn_round_end(struct conn *, time_t now, enum conn_reader);

/* ------------------------------------------------------------------ */
/* conn_hosts.c: distinct remote hosts and top hosts of one port. */

struct conn_hosts;
struct conn_hosts *conn_hosts_new(size_t exact_max, size_t topk_counters);
void conn_hosts_free(struct conn_hosts *);
void conn_hosts_reset(struct conn_hosts *);
/* addr as in struct conn_sock */
void conn_hosts_add(struct conn_hosts *, uint8_t family, const uint8_t *addr);
uint64_t conn_hosts_count(const struct conn_hosts *, bool *estimated);
/* Up to n top hosts, highest count first; returns how many. Call once
 * per round, after the last conn_hosts_add(). */
size_t conn_hosts_top(struct conn_hosts *, struct conn_host *out, size_t n);

/* ------------------------------------------------------------------ */
/* conn_netlink.c: sockets through NETLINK_SOCK_DIAG (inet_diag). */

/* Dumps the TCP sockets in LISTEN, ESTABLISHED and SYN-RECV whose
 * local port is one of ports (kernel-side filter), IPv4 then IPv6,
 * calling fn for each. Returns the number of sockets, or -1 with the reason in err
 * (netlink or sock_diag unavailable, a dump error). */
long conn_nl_scan(const uint16_t *ports, size_t nports, conn_sock_fn *fn,
    void *arg, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* conn_proc.c: sockets from /proc/net/tcp and /proc/net/tcp6. */

/* One line of /proc/net/tcp (v6 false) or tcp6 (v6 true), len bytes,
 * not NUL-terminated. Returns 1 and fills out for a socket line, 0 for
 * the header line, -1 for a line that is neither. */
int conn_proc_parse_line(const char *line, size_t len, bool v6,
    struct conn_sock *out);
/* Reads dir/tcp and dir/tcp6 and calls fn for each socket in LISTEN,
 * ESTABLISHED or SYN-RECV (any port: the caller filters). Returns the
 * number of sockets, or -1 with the reason in err. A missing tcp6 (no
 * IPv6) is not an error; malformed lines are skipped and counted in
 * *bad. */
long conn_proc_scan(const char *dir, conn_sock_fn *fn, void *arg,
    size_t *bad, char *err, size_t errlen);

#endif
