/*
 * notify.c: notifications out of mailhealthd: building them, pacing
 * them, and keeping what the master would lose.
 *
 * net-snmp drops a notification sent while the subagent is not
 * connected, so a clear due then is held (up to notify_queue) and sent
 * first on reconnection; a raise is not held, because the re-send of
 * every active alarm on reconnection (mailhealthd.c) covers it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "snmp/snmp.h"
#include "mhmib.h"

/* Notifications leave at most NOTIFY_RATE a second after a burst of
 * NOTIFY_BURST: snmpd forwards each at once, and a receiver such as
 * snmptrapd, which runs a handler per trap, loses what overflows its
 * socket buffer when hundreds arrive in the same millisecond. */
#define NOTIFY_RATE 50
#define NOTIFY_BURST 20

static const oid snmptrap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

struct pending {
	struct snmp_notice n;
	char host[256];
};
/* clears held while the master is away */
static struct pending *pending;
static size_t npending, pending_cap;
static unsigned long dropped;
static size_t queue_max = 100000;	/* conf notify_queue */

/* the paced queue of notifications to send (a ring) */
static struct pending *outq;
static size_t outq_cap, outq_head, outq_n;
static double tokens = NOTIFY_BURST;
static struct timespec tokens_at;
static unsigned int drain_timer;
static void outq_drain(void);

void
snmp_set_queue_max(size_t n)
{
	queue_max = n;
}

void
notify_release_held(void)
{
	size_t i;

	if (npending)
		log_info("snmp", "sending %zu clear notification(s) held while "
		    "disconnected", npending);
	for (i = 0; i < npending; i++)
		snmp_notify(&pending[i].n, pending[i].host);
	npending = 0;
	free(pending);
	pending = NULL;
	pending_cap = 0;
	if (dropped) {
		log_warnx("snmp", "%lu notification(s) were dropped while "
		    "disconnected (active alarms are re-sent)", dropped);
		dropped = 0;
	}
}

void
notify_shutdown(void)
{
	if (outq_n)
		log_warnx("snmp", "exiting with %zu notification(s) not sent",
		    outq_n);
	if (drain_timer)
		snmp_alarm_unregister(drain_timer);
	drain_timer = 0;
	free(outq);
	outq = NULL;
	outq_cap = outq_head = outq_n = 0;
}

static void
add_str(netsnmp_variable_list **vl, uint32_t arc, const char *s)
{
	oid o[] = { MH_OID_ROOT, MH_OBJECTS, MH_G_NOTIFY, arc, 0 };

	snmp_varlist_add_variable(vl, o, OID_LENGTH(o), ASN_OCTET_STR,
	    s, strlen(s));
}

static void
add_int(netsnmp_variable_list **vl, uint32_t arc, u_char type, long v)
{
	oid o[] = { MH_OID_ROOT, MH_OBJECTS, MH_G_NOTIFY, arc, 0 };

	snmp_varlist_add_variable(vl, o, OID_LENGTH(o), type, &v, sizeof(v));
}

static void
send_notice(const struct snmp_notice *n, const char *host)
{
	netsnmp_variable_list *vl = NULL;
	uint32_t no[MV_OID_MAX];
	oid o[MV_OID_MAX];
	size_t i, len = mib_notification_oid(n->family, n->cleared, no);

	for (i = 0; i < len; i++)
		o[i] = no[i];
	snmp_varlist_add_variable(&vl, snmptrap_oid, OID_LENGTH(snmptrap_oid),
	    ASN_OBJECT_ID, o, len * sizeof(oid));
	add_int(&vl, MH_N_ALARMINDEX, ASN_UNSIGNED, (long)n->index);
	add_str(&vl, MH_N_ALARMNAME, n->name);
	add_str(&vl, MH_N_METRIC, n->metric);
	add_str(&vl, MH_N_INSTANCE, n->instance);
	add_int(&vl, MH_N_SEVERITY, ASN_INTEGER, n->severity);
	add_int(&vl, MH_N_VALUE, ASN_INTEGER, n->value);
	add_int(&vl, MH_N_THRESHOLD, ASN_INTEGER, n->threshold);
	add_str(&vl, MH_N_TEXT, n->text);
	{
		char h[MH_STR_MAX + 1];

		mhstr_clean(h, sizeof(h), host, strlen(host), MH_STR_MAX);
		add_str(&vl, MH_N_HOST, h);
	}
	send_v2trap(vl);
	snmp_free_varbind(vl);
	log_info("snmp", "sent %s notification for alarm %s%s%s (index %u)",
	    n->cleared ? "clear" : "raise", n->name,
	    n->instance[0] ? " " : "", n->instance, n->index);
}

/* Held while disconnected: a clear is kept (bounded) for reconnection;
 * a raise is left to the re-send of the active alarms. */
static void
hold_notice(const struct snmp_notice *n, const char *host)
{
	if (!n->cleared)
		return;
	if (npending == queue_max) {
		if (dropped++ == 0)
			log_warnx("snmp", "notify_queue (%zu) clears held: "
			    "dropping further ones", queue_max);
		return;
	}
	if (npending == pending_cap) {
		pending_cap = pending_cap ? pending_cap * 2 : 64;
		pending = xreallocarray(pending, pending_cap, sizeof(*pending));
	}
	pending[npending].n = *n;
	snprintf(pending[npending].host, sizeof(pending[npending].host), "%s",
	    host);
	npending++;
	log_info("snmp", "master not connected: holding the clear of "
	    "alarm %s", n->name);
}

static void
drain_cb(unsigned int reg, void *arg)
{
	(void)reg;
	(void)arg;
	drain_timer = 0;
	outq_drain();
}

static void
outq_drain(void)
{
	struct timespec now;
	double dt;

	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = (double)(now.tv_sec - tokens_at.tv_sec) +
	    (double)(now.tv_nsec - tokens_at.tv_nsec) / 1e9;
	tokens_at = now;
	tokens += dt * NOTIFY_RATE;
	if (tokens > NOTIFY_BURST)
		tokens = NOTIFY_BURST;
	while (outq_n > 0 && (tokens >= 1.0 || !snmp_connected())) {
		struct pending *p = &outq[outq_head];

		if (snmp_connected()) {
			send_notice(&p->n, p->host);
			tokens -= 1.0;
		} else
			hold_notice(&p->n, p->host);
		outq_head = (outq_head + 1) % outq_cap;
		outq_n--;
	}
	if (outq_n > 0 && drain_timer == 0) {
		struct timeval tv = { 0, 1000000 / NOTIFY_RATE };

		drain_timer = snmp_alarm_register_hr(tv, 0, drain_cb, NULL);
	}
}

void
snmp_notify(const struct snmp_notice *n, const char *host)
{
	struct pending *p;

	if (!snmp_connected() && outq_n == 0) {
		hold_notice(n, host);
		return;
	}
	if (outq_n >= queue_max) {
		dropped++;
		log_warnx("snmp", "%zu notifications waiting (notify_queue): "
		    "dropping the %s of alarm %s", queue_max,
		    n->cleared ? "clear" : "raise", n->name);
		return;
	}
	if (outq_n == outq_cap) {
		/* grow the ring, unrolling it */
		size_t ncap = outq_cap ? outq_cap * 2 : 64, i;
		struct pending *q = xcalloc(ncap, sizeof(*q));

		for (i = 0; i < outq_n; i++)
			q[i] = outq[(outq_head + i) % outq_cap];
		free(outq);
		outq = q;
		outq_cap = ncap;
		outq_head = 0;
	}
	p = &outq[(outq_head + outq_n) % outq_cap];
	p->n = *n;
	snprintf(p->host, sizeof(p->host), "%s", host);
	outq_n++;
	if (tokens_at.tv_sec == 0)
		clock_gettime(CLOCK_MONOTONIC, &tokens_at);
	outq_drain();
}

/*
 * The dead-man's switch: mhHeartbeat { mhNotifyHost, mhNotifyInterval },
 * interval being the seconds until the next one. Sent at once, outside
 * the paced queue (one small notification per interval cannot flood a
 * receiver), and dropped while the master is away: a heartbeat is about
 * now, and the receiver's silence timer is what should notice the gap.
 */
void
snmp_heartbeat(const char *host, uint32_t interval)
{
	static const oid hb[] = { MH_OID_ROOT, MH_NOTIFICATIONS,
	    MH_NOTIFY_HEARTBEAT };
	netsnmp_variable_list *vl = NULL;

	if (!snmp_connected()) {
		log_debug("snmp", "master not connected: heartbeat not sent");
		return;
	}
	snmp_varlist_add_variable(&vl, snmptrap_oid, OID_LENGTH(snmptrap_oid),
	    ASN_OBJECT_ID, hb, sizeof(hb));
	add_str(&vl, MH_N_HOST, host);
	add_int(&vl, MH_N_INTERVAL, ASN_UNSIGNED, (long)interval);
	send_v2trap(vl);
	snmp_free_varbind(vl);
	log_debug("snmp", "sent heartbeat (next in %u s)", interval);
}

void
snmp_notice_from_event(struct snmp_notice *n, const struct alarm_event *ev)
{
	const struct alarm_row *r = ev->row;

	char text[1024];

	memset(n, 0, sizeof(*n));
	n->family = r->family;
	n->cleared = ev->kind == ALARM_CLEARED;
	n->index = r->index;
	/* varbinds are MhStrings: the one door (mhstr_clean) */
	mhstr_clean(n->name, sizeof(n->name), r->name, strlen(r->name),
	    MH_STR_MAX);
	mhstr_clean(n->metric, sizeof(n->metric), r->metric, strlen(r->metric),
	    MH_STR_MAX);
	mhstr_clean(n->instance, sizeof(n->instance), r->instance,
	    strlen(r->instance), MH_STR_MAX);
	n->severity = r->severity;
	n->value = mv_clamp32(ev->value);
	n->threshold = mv_clamp32(ev->threshold);
	/* mhNotifyText: what the metric, instance, value and threshold do
	 * not say already: the operator's text, then the metric's detail
	 * at a raise ("top info@example.com 81%", "connect refused") */
	snprintf(text, sizeof(text), "%s%s%s", r->text,
	    r->text[0] && ev->kind == ALARM_RAISED && r->detail[0] ? ": " : "",
	    ev->kind == ALARM_RAISED ? r->detail : "");
	mhstr_clean(n->text, sizeof(n->text), text, strlen(text), MH_STR_MAX);
}
