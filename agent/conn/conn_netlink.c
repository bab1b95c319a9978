/*
 * conn_netlink.c: TCP sockets through NETLINK_SOCK_DIAG, as ss(8) reads
 * them: one SOCK_DIAG_BY_FAMILY dump per address family with a struct
 * inet_diag_req_v2 whose idiag_states selects LISTEN, ESTABLISHED and
 * SYN-RECV in the kernel, and an INET_DIAG_REQ_BYTECODE filter on the local port
 * so that the kernel sends only the sockets of our ports. On a mail
 * server with 100,000 sockets the dump is most of the cost, so what the
 * kernel need not format and copy is the saving (docs/conn.md).
 *
 * Half-open connections are request sockets (TCP_NEW_SYN_RECV inside
 * the kernel); inet_diag includes them when SYN-RECV is asked for and
 * reports them with state SYN-RECV.
 *
 * The bytecode is an OR of port tests laid out as ss lays it out, so
 * that the kernel's audit (inet_diag_bc_audit: every "no" jump must land
 * on an op the chain of "yes" jumps reaches) accepts it:
 *
 *	S_EQ p1 (yes: next op, no: skip 12) JMP (no: to the end = accept)
 *	S_EQ p2 ...                         JMP
 *	S_EQ pn (yes: next op = the end = accept, no: end + 4 = reject)
 *
 * S_EQ appeared in Linux 4.16; an older kernel rejects the filter with
 * EINVAL and the dump is repeated without it (the caller filters).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "util.h"
#include "conn/conn.h"

#define NL_RECV_BUF (64u << 10)
#define NL_SNDRCV_TIMEOUT_S 5

struct nl_req {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
};

/* The bytecode for nports ports into bc (12 * nports bytes at most);
 * returns its length. */
static size_t
nl_bytecode(const uint16_t *ports, size_t nports, uint8_t *bc)
{
	size_t total = nports * 12 - 4, off = 0, i;

	for (i = 0; i < nports; i++) {
		struct inet_diag_bc_op op[2];

		op[0].code = INET_DIAG_BC_S_EQ;
		op[0].yes = 8;
		op[0].no = 12;
		op[1].code = 0;
		op[1].yes = 0;
		op[1].no = ports[i];
		memcpy(bc + off, op, sizeof(op));
		off += sizeof(op);
		if (i + 1 < nports) {
			struct inet_diag_bc_op jmp;

			jmp.code = INET_DIAG_BC_JMP;
			jmp.yes = 4;
			jmp.no = (unsigned short)(total - off);
			memcpy(bc + off, &jmp, sizeof(jmp));
			off += sizeof(jmp);
		}
	}
	return off;
}

static int
nl_send(int fd, uint8_t family, const uint16_t *ports, size_t nports,
    bool filter, uint32_t seq)
{
	size_t bclen = 0, len;
	struct nl_req *q;
	struct nlattr *nla;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	uint8_t *buf;
	ssize_t r;

	buf = xcalloc(1, sizeof(*q) + NLA_HDRLEN + nports * 12);
	q = (struct nl_req *)buf;
	q->nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q->nlh.nlmsg_seq = seq;
	q->r.sdiag_family = family;
	q->r.sdiag_protocol = IPPROTO_TCP;
	q->r.idiag_states = 1u << CONN_TCP_ESTABLISHED |
	    1u << CONN_TCP_SYN_RECV | 1u << CONN_TCP_LISTEN;
	len = NLMSG_ALIGN(sizeof(*q));
	if (filter && nports > 0) {
		nla = (struct nlattr *)(buf + len);
		bclen = nl_bytecode(ports, nports, buf + len + NLA_HDRLEN);
		nla->nla_type = INET_DIAG_REQ_BYTECODE;
		nla->nla_len = (uint16_t)(NLA_HDRLEN + bclen);
		len += NLA_ALIGN(nla->nla_len);
	}
	q->nlh.nlmsg_len = (uint32_t)len;
	do
		r = sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	free(buf);
	return r == (ssize_t)len ? 0 : -1;
}

struct nl_dump {
	conn_sock_fn *fn;
	void *arg;
	long n;
};

static void
nl_socket(struct nl_dump *d, const struct inet_diag_msg *m)
{
	struct conn_sock s;

	memset(&s, 0, sizeof(s));
	s.lport = ntohs(m->id.idiag_sport);
	s.state = m->idiag_state;
	s.family = m->idiag_family;
	memcpy(s.laddr, m->id.idiag_src, s.family == AF_INET6 ? 16 : 4);
	memcpy(s.raddr, m->id.idiag_dst, s.family == AF_INET6 ? 16 : 4);
	d->n++;
	d->fn(d->arg, &s);
}

/* Reads one dump to its NLMSG_DONE. Returns 0, or -1 with errno set
 * (from an NLMSG_ERROR: the kernel's error). */
static int
nl_recv(int fd, uint32_t seq, struct nl_dump *d, uint8_t *buf)
{
	for (;;) {
		ssize_t r = recv(fd, buf, NL_RECV_BUF, 0);
		struct nlmsghdr *h;
		size_t left;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			errno = EPIPE;
			return -1;
		}
		left = (size_t)r;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
		    h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;	/* a stale reply */
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					errno = EPROTO;
				else
					errno = e->error ? -e->error : EPROTO;
				return -1;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				continue;
			nl_socket(d, NLMSG_DATA(h));
		}
	}
}

long
conn_nl_scan(const uint16_t *ports, size_t nports, conn_sock_fn *fn,
    void *arg, char *err, size_t errlen)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	struct timeval tv = { .tv_sec = NL_SNDRCV_TIMEOUT_S };
	struct nl_dump d = { fn, arg, 0 };
	uint8_t *buf = NULL;
	bool filter = true;
	uint32_t seq = 1;
	size_t i;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		snprintf(err, errlen, "netlink sock_diag socket: %s",
		    strerror(errno));
		return -1;
	}
	/* a kernel that never answers must not hang the collector */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	buf = xmalloc(NL_RECV_BUF);
	i = 0;
	while (i < MH_ARRAY_SIZE(families)) {
		long before = d.n;

		if (nl_send(fd, families[i], ports, nports, filter, ++seq) < 0) {
			snprintf(err, errlen, "netlink sock_diag send: %s",
			    strerror(errno));
			goto fail;
		}
		if (nl_recv(fd, seq, &d, buf) == 0) {
			i++;
			continue;
		}
		if (errno == EINVAL && filter && d.n == before) {
			/* a kernel before 4.16 without S_EQ: the same
			 * family again without the filter */
			log_debug("conn", "sock_diag rejected the port filter, "
			    "reading all sockets");
			filter = false;
			continue;
		}
		if (families[i] == AF_INET6 && errno == ENOENT) {
			i++;	/* no IPv6 in this kernel */
			continue;
		}
		snprintf(err, errlen, "netlink sock_diag dump (%s): %s",
		    families[i] == AF_INET ? "IPv4" : "IPv6", strerror(errno));
		goto fail;
	}
	free(buf);
	close(fd);
	return d.n;
fail:
	free(buf);
	close(fd);
	return -1;
}
