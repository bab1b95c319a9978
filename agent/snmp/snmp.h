/*
 * snmp.h: the SNMP layer of mailhealthd, the only part that includes
 * net-snmp. It registers MAILHEALTH-MIB as one subtree served from a
 * struct mibview, sends notifications, and bridges net-snmp into the
 * daemon's loop.
 */
#ifndef MH_SNMP_H
#define MH_SNMP_H

#include "view/view.h"

/* snmp.c */
struct snmp_notice {		/* what a notification carries: MhStrings,
				 * cleaned by snmp_notice_from_event */
	enum mh_family family;
	bool cleared;
	uint32_t index;
	char name[MH_STR_MAX + 1];
	char metric[MH_STR_MAX + 1];
	char instance[MH_STR_MAX + 1];
	enum mh_severity severity;
	int32_t value;
	int32_t threshold;
	char text[MH_STR_MAX + 1];
};
int snmp_agent_init(const char *agentx_socket, long ping_interval);
void snmp_agent_shutdown(void);
void snmp_set_view(const struct mibview *);
/* Notifications waiting to leave (paced) or held while the master is
 * away, at most; past it they are dropped, counted and logged. */
void snmp_set_queue_max(size_t);
bool snmp_connected(void);
/* Call once per loop pass: reports the outcome of a registration made
 * since the last call, and schedules a retry when it was refused. */
void snmp_poll_registration(void);
/* Called on every (re)connection to the master, after registration. */
void snmp_on_connect(void (*cb)(void *), void *arg);
/* Send now if connected. net-snmp drops traps sent while disconnected,
 * so then a clear is held (bounded) and sent on reconnection, and a raise
 * is left to the re-send of the active alarms that follows. */
void snmp_notify(const struct snmp_notice *, const char *host);
/* mhHeartbeat: the next one is due in `interval` seconds. Sent at once
 * if connected, dropped otherwise. */
void snmp_heartbeat(const char *host, uint32_t interval);
void snmp_notice_from_event(struct snmp_notice *, const struct alarm_event *);

/* notify.c: the paced queue and the clears held while disconnected,
 * for snmp.c's connection callbacks */
void notify_release_held(void);
void notify_shutdown(void);

/* loop.c: the one event loop, with the one bridge to net-snmp. */
typedef void (*loop_fd_cb)(int fd, void *arg);
void loop_add_fd(int fd, loop_fd_cb cb, void *arg);
void loop_del_fd(int fd);
void loop_stop(void);
/* Called after every pass of the loop (at least once a second). */
void loop_set_tick(void (*cb)(void *), void *arg);
/* Runs until loop_stop(); returns 0, or -1 on a select() failure. */
int loop_run(void);

/* mailhealthd.c */
int mailhealthd_main(int argc, char **argv);

#endif
