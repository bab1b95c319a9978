/*
 * drsync_peer.c: the DR peer's heartbeat: can we open a TCP connection
 * to it (`peer = "dr1.example.net:22"`, `"[::1]:22"`)?
 *
 * A name is resolved every round (the DR address may move) with
 * getaddrinfo_a, so that a resolver that hangs costs the round at most
 * the timeout: getaddrinfo() itself would block for the resolver's own
 * timeouts and retries, and a collector must never hang. A lookup that
 * outlives the timeout and cannot be cancelled (glibc runs it on a
 * thread of its own) is kept and collected in a later round; until it
 * ends the peer is reported down with that reason. An address literal
 * is never looked up.
 *
 * Each address is tried in turn with a non-blocking connect() until one
 * answers, all within the same deadline. The connection is closed at
 * once; nothing is sent.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "drsync/drsync.h"

#define PEER_FREE_WAIT_MS 2000

struct peer_req {
	struct gaicb cb;
	struct addrinfo hints;
	char host[256];
	char service[8];
};

struct drsync_peer {
	char host[256];
	char service[8];
	struct peer_req *pending;	/* a lookup still running */
};

int
drsync_peer_parse(const char *spec, char *host, size_t hostlen,
    uint16_t *port, const char **why)
{
	const char *colon, *h = spec, *hend;
	char *end;
	unsigned long p;

	if (spec[0] == '[') {
		hend = strchr(spec, ']');
		if (hend == NULL || hend[1] != ':') {
			*why = "expected [IPV6]:PORT";
			return -1;
		}
		h = spec + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL) {
			*why = "expected HOST:PORT";
			return -1;
		}
		hend = colon;
		if (memchr(spec, ':', (size_t)(colon - spec))) {
			*why = "an IPv6 address goes in brackets: [ADDR]:PORT";
			return -1;
		}
	}
	if (hend == h || (size_t)(hend - h) >= hostlen) {
		*why = "the host is empty or too long";
		return -1;
	}
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	if (spec[0] == '[') {
		struct in6_addr a;

		if (inet_pton(AF_INET6, host, &a) != 1) {
			*why = "not an IPv6 address between the brackets";
			return -1;
		}
	} else if (strspn(host, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != strlen(host)) {
		*why = "the host is not a name or an IPv4 address";
		return -1;
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno ||
	    p == 0 || p > 65535) {
		*why = "the port is not a number from 1 to 65535";
		return -1;
	}
	*port = (uint16_t)p;
	return 0;
}

struct drsync_peer *
drsync_peer_new(const char *host, uint16_t port)
{
	struct drsync_peer *pe = xcalloc(1, sizeof(*pe));

	snprintf(pe->host, sizeof(pe->host), "%s", host);
	snprintf(pe->service, sizeof(pe->service), "%u", port);
	return pe;
}

static void
peer_req_free(struct peer_req *q)
{
	if (q->cb.ar_result)
		freeaddrinfo(q->cb.ar_result);
	free(q);
}

void
drsync_peer_free(struct drsync_peer *pe)
{
	if (pe == NULL)
		return;
	if (pe->pending) {
		struct gaicb *list[1] = { &pe->pending->cb };
		struct timespec ts = { PEER_FREE_WAIT_MS / 1000, 0 };

		if (gai_error(&pe->pending->cb) == EAI_INPROGRESS &&
		    gai_cancel(&pe->pending->cb) == EAI_NOTCANCELED)
			(void)gai_suspend((const struct gaicb *const *)list, 1, &ts);
		if (gai_error(&pe->pending->cb) == EAI_INPROGRESS)
			/* glibc still writes into it: it cannot be freed */
			log_warnx("drsync", "a lookup of %s outlives the agent's "
			    "drsync engine; its memory is left", pe->host);
		else
			peer_req_free(pe->pending);
	}
	free(pe);
}

static int64_t
peer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Resolves pe->host before the deadline; NULL with err otherwise. */
static struct addrinfo *
peer_resolve(struct drsync_peer *pe, int64_t deadline, char *err,
    size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	struct peer_req *q;
	struct gaicb *list[1];
	int e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(pe->host, pe->service, &hints, &ai) == 0)
		return ai;	/* an address literal */

	if (pe->pending) {
		if (gai_error(&pe->pending->cb) == EAI_INPROGRESS) {
			snprintf(err, errlen, "cannot resolve %s: the lookup "
			    "of an earlier round still runs", pe->host);
			return NULL;
		}
		peer_req_free(pe->pending);
		pe->pending = NULL;
	}
	q = xcalloc(1, sizeof(*q));
	snprintf(q->host, sizeof(q->host), "%s", pe->host);
	snprintf(q->service, sizeof(q->service), "%s", pe->service);
	q->hints.ai_socktype = SOCK_STREAM;
	q->hints.ai_flags = AI_NUMERICSERV;
	q->cb.ar_name = q->host;
	q->cb.ar_service = q->service;
	q->cb.ar_request = &q->hints;
	list[0] = &q->cb;
	e = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (e != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", pe->host,
		    gai_strerror(e));
		free(q);
		return NULL;
	}
	for (;;) {
		int64_t left = deadline - peer_now_ms();
		struct timespec ts;

		e = gai_error(&q->cb);
		if (e != EAI_INPROGRESS || left <= 0)
			break;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		(void)gai_suspend((const struct gaicb *const *)list, 1, &ts);
	}
	if (e == EAI_INPROGRESS) {
		snprintf(err, errlen, "cannot resolve %s: timed out", pe->host);
		if (gai_cancel(&q->cb) == EAI_CANCELED)
			peer_req_free(q);
		else
			pe->pending = q;	/* collected next round */
		return NULL;
	}
	if (e != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", pe->host,
		    gai_strerror(e));
		peer_req_free(q);
		return NULL;
	}
	ai = q->cb.ar_result;
	q->cb.ar_result = NULL;
	free(q);
	return ai;
}

/* 0 connected, -1 with errno (ETIMEDOUT at the deadline) */
static int
peer_connect(const struct addrinfo *a, int64_t deadline)
{
	int fd, e = 0;
	socklen_t el = sizeof(e);
	struct pollfd pf;

	fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    a->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
		goto ok;
	if (errno != EINPROGRESS)
		goto fail;
	pf.fd = fd;
	pf.events = POLLOUT;
	for (;;) {
		int64_t left = deadline - peer_now_ms();
		int r;

		if (left <= 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		r = poll(&pf, 1, (int)left);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
		goto fail;
	if (e != 0) {
		errno = e;
		goto fail;
	}
ok:
	close(fd);
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

bool
drsync_peer_check(struct drsync_peer *pe, long timeout_ms, uint32_t *ms,
    char *err, size_t errlen)
{
	int64_t t0 = peer_now_ms(), deadline = t0 + timeout_ms;
	struct addrinfo *ai, *a;
	char addr[INET6_ADDRSTRLEN + 8] = "";
	int last = 0;

	ai = peer_resolve(pe, deadline, err, errlen);
	if (ai == NULL)
		return false;
	for (a = ai; a; a = a->ai_next) {
		int64_t c0 = peer_now_ms();

		if (peer_connect(a, deadline) == 0) {
			*ms = (uint32_t)(peer_now_ms() - c0);
			freeaddrinfo(ai);
			return true;
		}
		last = errno;
		getnameinfo(a->ai_addr, a->ai_addrlen, addr, sizeof(addr), NULL,
		    0, NI_NUMERICHOST);
		if (last == ETIMEDOUT && peer_now_ms() >= deadline)
			break;
	}
	freeaddrinfo(ai);
	if (last == ETIMEDOUT)
		snprintf(err, errlen, "%s port %s (%s): no answer in %ld ms",
		    pe->host, pe->service, addr, timeout_ms);
	else
		snprintf(err, errlen, "%s port %s (%s): %s", pe->host,
		    pe->service, addr, strerror(last));
	return false;
}
