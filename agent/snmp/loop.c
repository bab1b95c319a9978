/*
 * loop.c: the daemon's one event loop, and its one bridge to net-snmp
 * (snmp_select_info2 / snmp_read2 / snmp_timeout + run_alarms). Our own
 * descriptors (the collector's wake-up pipe, the signal pipe) sit in the
 * same select(). Nothing here blocks except select itself.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/select.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include "snmp/snmp.h"

#define LOOP_FDS 8

static struct {
	int fd;
	loop_fd_cb cb;
	void *arg;
} fds[LOOP_FDS];
static size_t nfds;
static volatile bool stopping;
static void (*tick_cb)(void *);
static void *tick_arg;

void
loop_set_tick(void (*cb)(void *), void *arg)
{
	tick_cb = cb;
	tick_arg = arg;
}

void
loop_add_fd(int fd, loop_fd_cb cb, void *arg)
{
	if (nfds == LOOP_FDS)
		log_fatalx("loop", "too many descriptors");
	fds[nfds].fd = fd;
	fds[nfds].cb = cb;
	fds[nfds].arg = arg;
	nfds++;
}

void
loop_del_fd(int fd)
{
	size_t i;

	for (i = 0; i < nfds; i++)
		if (fds[i].fd == fd) {
			fds[i] = fds[--nfds];
			return;
		}
}

void
loop_stop(void)
{
	stopping = true;
}

int
loop_run(void)
{
	netsnmp_large_fd_set rset;
	int rc = 0;

	netsnmp_large_fd_set_init(&rset, FD_SETSIZE);
	stopping = false;
	while (!stopping) {
		struct timeval tv = { 1, 0 };
		int maxfd = 0, block = 0, n;
		size_t i;

		NETSNMP_LARGE_FD_ZERO(&rset);
		for (i = 0; i < nfds; i++) {
			NETSNMP_LARGE_FD_SET(fds[i].fd, &rset);
			if (fds[i].fd + 1 > maxfd)
				maxfd = fds[i].fd + 1;
		}
		/* net-snmp adds its sockets and shortens tv to its next
		 * timer (AgentX ping, reconnect); block=1 means it has no
		 * timer and our 1 s tick stands. */
		snmp_select_info2(&maxfd, &rset, &tv, &block);
		n = netsnmp_large_fd_set_select(maxfd, &rset, NULL, NULL, &tv);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("loop", "select");
			rc = -1;
			break;
		}
		if (n == 0) {
			snmp_timeout();
		} else {
			for (i = 0; i < nfds; i++)
				if (NETSNMP_LARGE_FD_ISSET(fds[i].fd, &rset)) {
					NETSNMP_LARGE_FD_CLR(fds[i].fd, &rset);
					fds[i].cb(fds[i].fd, fds[i].arg);
				}
			snmp_read2(&rset);
		}
		run_alarms();
		netsnmp_check_outstanding_agent_requests();
		snmp_poll_registration();
		if (tick_cb)
			tick_cb(tick_arg);
	}
	netsnmp_large_fd_set_cleanup(&rset);
	return rc;
}
