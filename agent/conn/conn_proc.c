/*
 * conn_proc.c: TCP sockets from /proc/net/tcp and /proc/net/tcp6, the
 * fallback when netlink sock_diag is unavailable (a kernel without
 * inet_diag, a seccomp or LSM policy that forbids the socket).
 *
 * The kernel prints one line per socket (net/ipv4/tcp_ipv4.c and
 * net/ipv6/tcp_ipv6.c):
 *
 *    sl  local_address rem_address   st tx_queue rx_queue ...
 *     0: 0100007F:0019 0200007F:D431 01 00000000:00000000 ...
 *
 * An IPv4 address is the 32-bit word as stored (network order) printed
 * with %08X, so on a little-endian machine the bytes come out reversed;
 * reading the hex back into a 32-bit word and storing it gives the
 * network-order bytes again on the machine that printed it. An IPv6
 * address is four such words. Ports are in host order, the state is
 * the kernel's TCP state number (request sockets of half-open
 * connections are printed as SYN-RECV, 03).
 *
 * Every byte is untrusted: a line that does not have exactly this shape
 * is rejected (-1), never half-read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"
#include "conn/conn.h"

#define PROC_READ_CHUNK (256u << 10)
#define PROC_LINE_MAX 512	/* real lines are ~150 bytes */

static int
proc_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* exactly n hex digits at *p into *v; advances *p */
static bool
proc_hex(const char **p, const char *end, size_t n, uint32_t *v)
{
	uint32_t x = 0;
	size_t i;

	if ((size_t)(end - *p) < n)
		return false;
	for (i = 0; i < n; i++) {
		int d = proc_hexval((*p)[i]);

		if (d < 0)
			return false;
		x = x << 4 | (uint32_t)d;
	}
	*p += n;
	*v = x;
	return true;
}

static void
proc_skip_blanks(const char **p, const char *end)
{
	while (*p < end && **p == ' ')
		(*p)++;
}

/* ADDR:PORT; addr gets the network-order bytes (see the top comment) */
static bool
proc_endpoint(const char **p, const char *end, bool v6, uint8_t *addr,
    uint16_t *port)
{
	size_t words = v6 ? 4 : 1, i;
	uint32_t w;

	for (i = 0; i < words; i++) {
		if (!proc_hex(p, end, 8, &w))
			return false;
		memcpy(addr + 4 * i, &w, 4);
	}
	if (*p >= end || **p != ':')
		return false;
	(*p)++;
	if (!proc_hex(p, end, 4, &w))
		return false;
	*port = (uint16_t)w;
	return true;
}

int
conn_proc_parse_line(const char *line, size_t len, bool v6,
    struct conn_sock *out)
{
	const char *p = line, *end = line + len;
	uint16_t rport;
	uint32_t st;
	size_t digits = 0;

	proc_skip_blanks(&p, end);
	if ((size_t)(end - p) >= 2 && p[0] == 's' && p[1] == 'l')
		return 0;	/* the header */
	while (p < end && *p >= '0' && *p <= '9') {
		p++;
		digits++;
	}
	if (digits == 0 || digits > 10 || p >= end || *p != ':')
		return -1;
	p++;
	proc_skip_blanks(&p, end);
	memset(out, 0, sizeof(*out));
	if (!proc_endpoint(&p, end, v6, out->laddr, &out->lport))
		return -1;
	if (p >= end || *p != ' ')
		return -1;
	proc_skip_blanks(&p, end);
	if (!proc_endpoint(&p, end, v6, out->raddr, &rport))
		return -1;
	if (p >= end || *p != ' ')
		return -1;
	proc_skip_blanks(&p, end);
	if (!proc_hex(&p, end, 2, &st))
		return -1;
	if (p < end && *p != ' ')
		return -1;
	out->state = (uint8_t)st;
	out->family = v6 ? AF_INET6 : AF_INET;
	return 1;
}

struct proc_ctx {
	conn_sock_fn *fn;
	void *arg;
	long n;
	size_t bad;
};

static void
proc_line(struct proc_ctx *c, const char *line, size_t len, bool v6)
{
	struct conn_sock s;
	int r = conn_proc_parse_line(line, len, v6, &s);

	if (r < 0) {
		c->bad++;
		return;
	}
	if (r == 0)
		return;
	if (s.state != CONN_TCP_ESTABLISHED && s.state != CONN_TCP_SYN_RECV &&
	    s.state != CONN_TCP_LISTEN)
		return;
	c->n++;
	c->fn(c->arg, &s);
}

/* Reads a whole file in chunks and hands its lines to proc_line(). A
 * line longer than PROC_LINE_MAX is counted bad and skipped. */
static int
proc_file(struct proc_ctx *c, const char *path, bool v6, char *err,
    size_t errlen)
{
	char *buf = xmalloc(PROC_READ_CHUNK + PROC_LINE_MAX);
	size_t have = 0;
	bool skipping = false;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + have, PROC_READ_CHUNK);
		char *p, *nl, *end;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		end = buf + have + r;
		p = buf;
		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			if (!skipping)
				proc_line(c, p, (size_t)(nl - p), v6);
			skipping = false;
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (have >= PROC_LINE_MAX) {	/* no newline in sight */
			if (!skipping)
				c->bad++;
			skipping = true;
			have = 0;
		} else {
			memmove(buf, p, have);
		}
		if (r == 0)
			break;
	}
	if (have > 0 && !skipping)	/* a last line without newline */
		proc_line(c, buf, have, v6);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

long
conn_proc_scan(const char *dir, conn_sock_fn *fn, void *arg, size_t *bad,
    char *err, size_t errlen)
{
	struct proc_ctx c = { fn, arg, 0, 0 };
	char path[4096];

	snprintf(path, sizeof(path), "%s/tcp", dir);
	if (proc_file(&c, path, false, err, errlen) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/tcp6", dir);
	if (access(path, F_OK) == 0 &&
	    proc_file(&c, path, true, err, errlen) < 0)
		return -1;
	if (bad)
		*bad = c.bad;
	return c.n;
}
