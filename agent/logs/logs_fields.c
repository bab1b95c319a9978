/*
 * logs_fields.c: what the log collector publishes, described once:
 * mhTraffic, mhDefer and mhAuth in MAILHEALTH-MIB, "traffic", "auth",
 * "defer" and "logs" in the JSON and the text report (the runbook: who
 * is sending, who is failing to log in, who refuses our mail), and the
 * traffic.*, sender.*, auth.* and defer.* alarm metrics.
 *
 * Alarms on per-key tables compare the guaranteed count (the window
 * count minus its Space-Saving error), never the estimate, so a flood
 * of junk keys cannot raise them. The details name the culprit first:
 * the notification is read on a phone.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logs.h"

#define LP struct logs_part
#define SN struct logs_sender
#define AU struct logs_auth_user
#define AC struct logs_auth_client
#define DF struct logs_defer
#define PR struct logs_proto
#define SR struct logs_source
#define EV struct logs_alarm_ev

#define H LOGS_HAVE_STATS

static const char *const acc_names[] = { "unknown", "exact", "estimated",
	NULL };
static const char *const ev_names[] = { "?", "raised", "cleared", NULL };
static const char *const sev_names[] = { "unknown", "critical", "major",
	"minor", "warning", "info", NULL };

/* ------------------------------------------------------------ details */

static void
count_text(char *buf, size_t len, uint32_t n, int accuracy, const char *one,
    const char *many)
{
	snprintf(buf, len, "%s%" PRIu32 " %s", accuracy == LOGS_ESTIMATED ?
	    "about " : "", n, n == 1 ? one : many);
}

/* sender.rate: over how long, and "from 6 IPs", the compromise sign:
 * "200 msgs in 5min from 6 IPs" */
static void
detail_sender_ips(const void *data, const void *row, char *buf, size_t len)
{
	const LP *p = data;
	const SN *s = row;
	char n[64], w[32];

	logs_window_text(w, sizeof(w), p->rate_window);
	if (s->clients == 0) {
		snprintf(buf, len, "in %s, local", w);
		return;
	}
	count_text(n, sizeof(n), s->clients, s->clients_acc, "IP", "IPs");
	snprintf(buf, len, "in %s from %s", w, n);
}

/* sender.clients: how much it sent from them */
static void
detail_sender_msgs(const void *data, const void *row, char *buf, size_t len)
{
	const SN *s = row;

	(void)data;
	snprintf(buf, len, "sending %" PRIu32 " msgs", s->msgs);
}

/* auth.client: the user names tried, "admin, alice" */
static void
detail_client_users(const void *data, const void *row, char *buf, size_t len)
{
	const AC *c = row;
	size_t shown = 0;
	const char *p;

	(void)data;
	for (p = c->first_users; p && *p; p++)
		if (*p == ',')
			shown++;
	if (c->first_users && c->first_users[0])
		shown++;
	if (c->users > shown && shown > 0)
		snprintf(buf, len, "%s, +%" PRIu32 " more", c->first_users,
		    (uint32_t)(c->users - shown));
	else
		snprintf(buf, len, "%s", c->first_users ? c->first_users : "");
}

/* auth.user: from how many places */
static void
detail_user_ips(const void *data, const void *row, char *buf, size_t len)
{
	const AU *u = row;
	char n[64];

	(void)data;
	count_text(n, sizeof(n), u->clients, u->clients_acc, "IP", "IPs");
	snprintf(buf, len, "from %s", n);
}

/* auth.failures: who, mostly */
static void
detail_top_client(const void *data, const void *row, char *buf, size_t len)
{
	const LP *p = data;

	(void)row;
	if (p->nauth_clients > 0)
		snprintf(buf, len, "top %s", p->auth_clients[0].client);
}

/* defer.domain: what the remote says, as short as a phone wants it:
 * "4.7.28 host mx[ip] said: 421 4.7.28 rate limited (in reply to RCPT
 * TO command)" is "421 4.7.28 rate limited" */
static void
detail_reason(const void *data, const void *row, char *buf, size_t len)
{
	static const char *const lead[] = { " said: ", " talk to me: " };
	const DF *d = row;
	const char *r = d->last_reason ? d->last_reason : "", *p, *end;
	size_t i;

	(void)data;
	for (i = 0; i < MH_ARRAY_SIZE(lead); i++)
		if ((p = strstr(r, lead[i])) != NULL) {
			r = p + strlen(lead[i]);
			break;
		}
	end = strstr(r, " (in reply to ");
	if (end == NULL)
		end = r + strlen(r);
	snprintf(buf, len, "%.*s", (int)(end - r), r);
}

/* traffic.received: the top submitter; deferred, bounced: the top
 * destination */
static void
detail_top_sender(const void *data, const void *row, char *buf, size_t len)
{
	const LP *p = data;

	(void)row;
	if (p->nsenders > 0)
		snprintf(buf, len, "top %s", p->senders[0].user);
}

/* traffic.rejected: how many, over how long (the rate hides both) */
static void
detail_rejected_window(const void *data, const void *row, char *buf,
    size_t len)
{
	const LP *p = data;
	char w[32];

	(void)row;
	logs_window_text(w, sizeof(w), p->rate_window);
	snprintf(buf, len, "%" PRIu32 " in %s", p->window[LEV_REJECTED], w);
}

static void
detail_top_defer(const void *data, const void *row, char *buf, size_t len)
{
	const LP *p = data;

	(void)row;
	if (p->ndefers > 0)
		snprintf(buf, len, "mostly %s", p->defers[0].domain);
}

/* ------------------------------------------------------------ traffic */

#define TOTAL(k, nm, arc_) \
	{ .name = nm "_total", .kind = FK_U64, FIELD_AT(LP, total[k]), \
	  .have = H, .smi = FS_COUNTER64, .arc = arc_, .unit = "", \
	  .label = nm " since start" }
#define PERMIN(k, nm, arc_, det) \
	{ .name = nm "_per_min", .kind = FK_DBL, FIELD_AT(LP, per_min[k]), \
	  .have = H, .smi = FS_GAUGE, .arc = arc_, \
	  .metric = "traffic." nm, .unit = "/min", .label = nm, \
	  .detail = det }
#define WIN(k, nm, arc_) \
	{ .name = nm "_window", .kind = FK_U32, FIELD_AT(LP, window[k]), \
	  .have = H, .smi = FS_GAUGE, .arc = arc_, \
	  .label = nm " in window" }

static const struct field traffic_scalars[] = {
	PERMIN(LEV_RECEIVED, "received", MH_TR_RECEIVED_MIN,
	    detail_top_sender),
	PERMIN(LEV_DELIVERED, "delivered", MH_TR_DELIVERED_MIN,
	    detail_top_sender),
	PERMIN(LEV_DEFERRED, "deferred", MH_TR_DEFERRED_MIN,
	    detail_top_defer),
	PERMIN(LEV_BOUNCED, "bounced", MH_TR_BOUNCED_MIN, detail_top_defer),
	PERMIN(LEV_REJECTED, "rejected", MH_TR_REJECTED_MIN,
	    detail_rejected_window),
	WIN(LEV_RECEIVED, "received", MH_TR_RECEIVED_WIN),
	WIN(LEV_DELIVERED, "delivered", MH_TR_DELIVERED_WIN),
	WIN(LEV_DEFERRED, "deferred", MH_TR_DEFERRED_WIN),
	WIN(LEV_BOUNCED, "bounced", MH_TR_BOUNCED_WIN),
	WIN(LEV_REJECTED, "rejected", MH_TR_REJECTED_WIN),
	{ .name = "submitted_window", .kind = FK_U32,
	  FIELD_AT(LP, window[LEV_SUBMIT]), .have = H,
	  .label = "submitted in window" },
	TOTAL(LEV_RECEIVED, "received", MH_TR_RECEIVED),
	TOTAL(LEV_DELIVERED, "delivered", MH_TR_DELIVERED),
	TOTAL(LEV_DEFERRED, "deferred", MH_TR_DEFERRED),
	TOTAL(LEV_BOUNCED, "bounced", MH_TR_BOUNCED),
	TOTAL(LEV_REJECTED, "rejected", MH_TR_REJECTED),
	{ .name = "submitted_total", .kind = FK_U64,
	  FIELD_AT(LP, total[LEV_SUBMIT]), .have = H,
	  .label = "submitted since start" },
	{ .name = "rate_window", .kind = FK_U32, FIELD_AT(LP, rate_window),
	  .have = H, .smi = FS_UNSIGNED, .arc = MH_TR_RATEWINDOW,
	  .unit = "s", .label = "window" },
	{ .name = "window_end", .kind = FK_TIME, FIELD_AT(LP, now),
	  .have = H | LOGS_HAVE_TIME, .smi = FS_DATEANDTIME,
	  .arc = MH_TR_WINDOWEND, .label = "windows end at" },
};

#define SENDER_COLS \
	{ .name = "user", .kind = FK_STR, FIELD_AT(SN, user), \
	  .flags = FF_KEY, .smi = FS_STRING, .arc = MH_RS_NAME }, \
	{ .name = "messages", .kind = FK_U32, FIELD_AT(SN, msgs), \
	  .smi = FS_GAUGE, .arc = MH_RS_MESSAGES, .label = "msgs" }, \
	{ .name = "messages_error", .kind = FK_U32, FIELD_AT(SN, msgs_err), \
	  .smi = FS_GAUGE, .arc = MH_RS_MESSAGESERR, .label = "err" }, \
	{ .name = "per_hour", .kind = FK_U32, FIELD_AT(SN, per_hour), \
	  .smi = FS_GAUGE, .arc = MH_RS_PERHOUR, .flags = FF_NOTEXT }, \
	{ .name = "total", .kind = FK_U64, FIELD_AT(SN, total), \
	  .smi = FS_COUNTER64, .arc = MH_RS_TOTAL, .label = "in total" }, \
	{ .name = "total_since", .kind = FK_TIME, FIELD_AT(SN, since), \
	  .smi = FS_DATEANDTIME, .arc = MH_RS_SINCE, .flags = FF_NOTEXT }, \
	{ .name = "client_ips", .kind = FK_U32, FIELD_AT(SN, clients), \
	  .smi = FS_GAUGE, .arc = MH_RS_CLIENTIPS, .label = "IPs" }, \
	{ .name = "client_ips_accuracy", .kind = FK_INT, \
	  FIELD_AT(SN, clients_acc), .names = acc_names, \
	  .smi = FS_INTEGER, .arc = MH_RS_CLIENTIPSACC, .flags = FF_NOTEXT }, \
	{ .name = "domains", .kind = FK_U32, FIELD_AT(SN, domains), \
	  .smi = FS_GAUGE, .arc = MH_RS_DOMAINS, .label = "rcpt domains" }, \
	{ .name = "domains_accuracy", .kind = FK_INT, \
	  FIELD_AT(SN, domains_acc), .names = acc_names, \
	  .smi = FS_INTEGER, .arc = MH_RS_DOMAINSACC, .flags = FF_NOTEXT }, \
	{ .name = "last_client", .kind = FK_STR, FIELD_AT(SN, last_client), \
	  .smi = FS_STRING, .arc = MH_RS_LASTCLIENT, .label = "last IP" }, \
	{ .name = "last_time", .kind = FK_TIME, FIELD_AT(SN, last_time), \
	  .smi = FS_DATEANDTIME, .arc = MH_RS_LASTTIME, .flags = FF_NOTEXT }, \
	{ .name = "first_client_ips", .kind = FK_STR, \
	  FIELD_AT(SN, first_clients), .smi = FS_STRING, \
	  .arc = MH_RS_FIRSTCLIENTS, .label = "first IPs" }

static const struct field sender_cols[] = {
	SENDER_COLS,
	{ .name = "messages_guaranteed", .kind = FK_U32,
	  FIELD_AT(SN, msgs_sure), .flags = FF_NOTEXT, .metric = "sender.rate",
	  .detail = detail_sender_ips },
	/* the same column again, as the metric of the compromise sign */
	{ .name = "client_ips_metric", .kind = FK_U32, FIELD_AT(SN, clients),
	  .flags = FF_NOTEXT | FF_NOJSON, .metric = "sender.clients",
	  .detail = detail_sender_msgs },
};

static const struct field sender_total_cols[] = {
	SENDER_COLS,
};

static const struct ftable traffic_tables[] = {
	{ .name = "senders", .title = "who is sending: top users in the "
	  "window", .arc = MH_TR_SENDER_TABLE, .index = IX_KEY,
	  .rank_arc = MH_RS_RANK, .have = H,
	  .rows_off = offsetof(LP, senders), .nrows_off = offsetof(LP, nsenders),
	  .row_size = sizeof(SN), .row_have_off = -1,
	  .cols = FIELDS(sender_cols) },
	{ .name = "senders_total", .title = "who is sending: top users in "
	  "total", .index = IX_KEY, .have = H,
	  .rows_off = offsetof(LP, senders_total),
	  .nrows_off = offsetof(LP, nsenders_total),
	  .row_size = sizeof(SN), .row_have_off = -1,
	  .cols = FIELDS(sender_total_cols) },
};

/* ------------------------------------------------------------ defer */

static const struct field defer_cols[] = {
	{ .name = "domain", .kind = FK_STR, FIELD_AT(DF, domain),
	  .flags = FF_KEY, .smi = FS_STRING, .arc = MH_DF_DOMAIN },
	{ .name = "deferred", .kind = FK_U32, FIELD_AT(DF, deferred),
	  .smi = FS_GAUGE, .arc = MH_DF_MESSAGES, .metric = "defer.domain",
	  .detail = detail_reason },
	{ .name = "bounced", .kind = FK_U32, FIELD_AT(DF, bounced),
	  .smi = FS_GAUGE, .arc = MH_DF_BOUNCES },
	{ .name = "failed", .kind = FK_U32, FIELD_AT(DF, failed),
	  .smi = FS_GAUGE, .arc = MH_DF_FAILED, .flags = FF_NOTEXT },
	{ .name = "failed_error", .kind = FK_U32, FIELD_AT(DF, failed_err),
	  .smi = FS_GAUGE, .arc = MH_DF_FAILEDERR, .flags = FF_NOTEXT },
	{ .name = "deferred_total", .kind = FK_U64,
	  FIELD_AT(DF, deferred_total), .smi = FS_COUNTER64,
	  .arc = MH_DF_DEFERREDTOTAL, .label = "deferred total" },
	{ .name = "bounced_total", .kind = FK_U64, FIELD_AT(DF, bounced_total),
	  .smi = FS_COUNTER64, .arc = MH_DF_BOUNCEDTOTAL,
	  .label = "bounced total" },
	{ .name = "total_since", .kind = FK_TIME, FIELD_AT(DF, since),
	  .smi = FS_DATEANDTIME, .arc = MH_DF_SINCE, .flags = FF_NOTEXT },
	{ .name = "last_time", .kind = FK_TIME, FIELD_AT(DF, last_time),
	  .smi = FS_DATEANDTIME, .arc = MH_DF_LASTTIME, .label = "last" },
	{ .name = "last_reason", .kind = FK_STR, FIELD_AT(DF, last_reason),
	  .smi = FS_STRING, .arc = MH_DF_LASTREASON, .label = "reason" },
};

static const struct ftable defer_tables[] = {
	{ .name = "domains", .title = "who refuses our mail: deferrals and "
	  "bounces in the window", .arc = MH_DEFER_TABLE, .index = IX_KEY,
	  .rank_arc = MH_DF_RANK, .have = H, .rows_off = offsetof(LP, defers),
	  .nrows_off = offsetof(LP, ndefers), .row_size = sizeof(DF),
	  .row_have_off = -1, .cols = FIELDS(defer_cols) },
};

/* ------------------------------------------------------------ auth */

static const struct field auth_scalars[] = {
	{ .name = "failures_window", .kind = FK_U32,
	  FIELD_AT(LP, auth_fails_win), .have = H, .smi = FS_GAUGE,
	  .arc = MH_AU_FAILURESWIN, .label = "failed in window" },
	{ .name = "nopass_window", .kind = FK_U32,
	  FIELD_AT(LP, auth_nopass_win), .have = H, .smi = FS_GAUGE,
	  .arc = MH_AU_NOPASSWIN, .label = "no password in window" },
	{ .name = "failures_total", .kind = FK_U64, FIELD_AT(LP, auth_fails),
	  .have = H, .smi = FS_COUNTER64, .arc = MH_AU_FAILURES,
	  .label = "failed since start" },
	{ .name = "nopass_total", .kind = FK_U64, FIELD_AT(LP, auth_nopass),
	  .have = H, .smi = FS_COUNTER64, .arc = MH_AU_NOPASS,
	  .label = "no password since start" },
	{ .name = "logins_total", .kind = FK_U64, FIELD_AT(LP, auth_ok),
	  .have = H, .smi = FS_COUNTER64, .arc = MH_AU_SUCCESSES,
	  .label = "logins since start" },
	{ .name = "auth_window", .kind = FK_U32, FIELD_AT(LP, auth_window),
	  .have = H, .smi = FS_UNSIGNED, .arc = MH_AU_WINDOW, .unit = "s",
	  .label = "window" },
};

static const struct field proto_cols[] = {
	{ .name = "protocol", .kind = FK_CHARS, FIELD_CHARS(PR, name),
	  .flags = FF_KEY },
	{ .name = "failures_window", .kind = FK_U32, FIELD_AT(PR, fails_win),
	  .smi = FS_GAUGE, .arc = MH_AP_FAILURESWIN, .label = "failed",
	  .metric = "auth.failures", .detail = detail_top_client },
	{ .name = "nopass_window", .kind = FK_U32, FIELD_AT(PR, nopass_win),
	  .smi = FS_GAUGE, .arc = MH_AP_NOPASSWIN, .label = "no password" },
	{ .name = "failures_total", .kind = FK_U64, FIELD_AT(PR, fails),
	  .smi = FS_COUNTER64, .arc = MH_AP_FAILURES, .label = "failed total" },
	{ .name = "nopass_total", .kind = FK_U64, FIELD_AT(PR, nopass),
	  .smi = FS_COUNTER64, .arc = MH_AP_NOPASS, .label = "nopass total" },
	{ .name = "logins_total", .kind = FK_U64, FIELD_AT(PR, ok),
	  .smi = FS_COUNTER64, .arc = MH_AP_SUCCESSES, .label = "logins" },
};

static const struct field auth_user_cols[] = {
	{ .name = "user", .kind = FK_STR, FIELD_AT(AU, user), .flags = FF_KEY,
	  .smi = FS_STRING, .arc = MH_AUU_NAME },
	{ .name = "failures", .kind = FK_U32, FIELD_AT(AU, fails),
	  .smi = FS_GAUGE, .arc = MH_AUU_FAILURES, .label = "failed" },
	{ .name = "failures_error", .kind = FK_U32, FIELD_AT(AU, fails_err),
	  .smi = FS_GAUGE, .arc = MH_AUU_FAILURESERR, .label = "err" },
	{ .name = "failures_guaranteed", .kind = FK_U32,
	  FIELD_AT(AU, fails_sure), .flags = FF_NOTEXT, .metric = "auth.user",
	  .detail = detail_user_ips },
	{ .name = "total", .kind = FK_U64, FIELD_AT(AU, total),
	  .smi = FS_COUNTER64, .arc = MH_AUU_TOTAL, .label = "in total" },
	{ .name = "total_since", .kind = FK_TIME, FIELD_AT(AU, since),
	  .smi = FS_DATEANDTIME, .arc = MH_AUU_SINCE, .flags = FF_NOTEXT },
	{ .name = "client_ips", .kind = FK_U32, FIELD_AT(AU, clients),
	  .smi = FS_GAUGE, .arc = MH_AUU_CLIENTS, .label = "IPs" },
	{ .name = "client_ips_accuracy", .kind = FK_INT,
	  FIELD_AT(AU, clients_acc), .names = acc_names, .smi = FS_INTEGER,
	  .arc = MH_AUU_CLIENTSACC, .flags = FF_NOTEXT },
	{ .name = "last_client", .kind = FK_STR, FIELD_AT(AU, last_client),
	  .smi = FS_STRING, .arc = MH_AUU_LASTCLIENT, .label = "last IP" },
	{ .name = "last_time", .kind = FK_TIME, FIELD_AT(AU, last_time),
	  .smi = FS_DATEANDTIME, .arc = MH_AUU_LASTTIME, .flags = FF_NOTEXT },
};

static const struct field auth_client_cols[] = {
	{ .name = "client", .kind = FK_STR, FIELD_AT(AC, client),
	  .flags = FF_KEY, .smi = FS_STRING, .arc = MH_AUC_ADDRESS },
	{ .name = "failures", .kind = FK_U32, FIELD_AT(AC, fails),
	  .smi = FS_GAUGE, .arc = MH_AUC_FAILURES, .label = "failed" },
	{ .name = "failures_error", .kind = FK_U32, FIELD_AT(AC, fails_err),
	  .smi = FS_GAUGE, .arc = MH_AUC_FAILURESERR, .label = "err" },
	{ .name = "failures_guaranteed", .kind = FK_U32,
	  FIELD_AT(AC, fails_sure), .flags = FF_NOTEXT,
	  .metric = "auth.client", .detail = detail_client_users },
	{ .name = "total", .kind = FK_U64, FIELD_AT(AC, total),
	  .smi = FS_COUNTER64, .arc = MH_AUC_TOTAL, .label = "in total" },
	{ .name = "total_since", .kind = FK_TIME, FIELD_AT(AC, since),
	  .smi = FS_DATEANDTIME, .arc = MH_AUC_SINCE, .flags = FF_NOTEXT },
	{ .name = "users", .kind = FK_U32, FIELD_AT(AC, users),
	  .smi = FS_GAUGE, .arc = MH_AUC_USERS, .label = "users" },
	{ .name = "users_accuracy", .kind = FK_INT, FIELD_AT(AC, users_acc),
	  .names = acc_names, .smi = FS_INTEGER, .arc = MH_AUC_USERSACC,
	  .flags = FF_NOTEXT },
	{ .name = "last_time", .kind = FK_TIME, FIELD_AT(AC, last_time),
	  .smi = FS_DATEANDTIME, .arc = MH_AUC_LASTTIME, .flags = FF_NOTEXT },
	{ .name = "first_users", .kind = FK_STR, FIELD_AT(AC, first_users),
	  .smi = FS_STRING, .arc = MH_AUC_FIRSTUSERS, .label = "users tried" },
};

static const struct ftable auth_tables[] = {
	{ .name = "protocols", .title = "logins by protocol (failed, no "
	  "password: in the window)", .arc = MH_AU_PROTO_TABLE,
	  .index = IX_POSITION, .have = H, .rows_off = offsetof(LP, protos),
	  .rows_inline = 1, .nrows_off = offsetof(LP, nprotos),
	  .row_size = sizeof(PR), .row_have_off = -1,
	  .cols = FIELDS(proto_cols) },
	{ .name = "users", .title = "who is failing to log in: by user name",
	  .arc = MH_AU_USER_TABLE, .index = IX_KEY, .rank_arc = MH_AUU_RANK,
	  .have = H, .rows_off = offsetof(LP, auth_users),
	  .nrows_off = offsetof(LP, nauth_users), .row_size = sizeof(AU),
	  .row_have_off = -1, .cols = FIELDS(auth_user_cols) },
	{ .name = "clients", .title = "who is failing to log in: by client "
	  "IP", .arc = MH_AU_CLIENT_TABLE, .index = IX_KEY,
	  .rank_arc = MH_AUC_RANK, .have = H,
	  .rows_off = offsetof(LP, auth_clients),
	  .nrows_off = offsetof(LP, nauth_clients), .row_size = sizeof(AC),
	  .row_have_off = -1, .cols = FIELDS(auth_client_cols) },
};

/* ------------------------------------------------------------ logs */

static const struct field logs_scalars[] = {
	{ .name = "lines", .kind = FK_U64, FIELD_AT(LP, lines),
	  .label = "lines read" },
	{ .name = "events", .kind = FK_U64, FIELD_AT(LP, events),
	  .label = "events counted" },
	{ .name = "rule_hits", .kind = FK_U64, FIELD_AT(LP, rule_hits),
	  .label = "counted by site rules" },
	{ .name = "evictions", .kind = FK_U64, FIELD_AT(LP, evictions),
	  .label = "keys dropped (full)" },
	{ .name = "counter_bytes", .kind = FK_U64, FIELD_AT(LP, bytes),
	  .have = H, .conv = FC_KIB, .label = "counters' memory" },
	{ .name = "replay_alarms_dropped", .kind = FK_U64,
	  FIELD_AT(LP, alarm_evs_dropped), .have = LOGS_HAVE_REPLAY,
	  .flags = FF_NOTEXT },
};

static const struct field source_cols[] = {
	{ .name = "name", .kind = FK_STR, FIELD_AT(SR, name), .flags = FF_KEY,
	  .label = "log" },
	{ .name = "kind", .kind = FK_STR, FIELD_AT(SR, kind) },
	{ .name = "lines", .kind = FK_U64, FIELD_AT(SR, lines) },
	{ .name = "bytes", .kind = FK_U64, FIELD_AT(SR, bytes),
	  .flags = FF_NOTEXT },
	{ .name = "long_lines", .kind = FK_U64, FIELD_AT(SR, long_lines),
	  .flags = FF_NOTEXT },
	{ .name = "rotations", .kind = FK_U64, FIELD_AT(SR, rotations) },
	{ .name = "truncations", .kind = FK_U64, FIELD_AT(SR, truncations),
	  .flags = FF_NOTEXT },
	{ .name = "copy_missed", .kind = FK_U64, FIELD_AT(SR, copy_missed),
	  .label = "lost?" },
	{ .name = "error_rounds", .kind = FK_U64, FIELD_AT(SR, errors),
	  .label = "errors" },
	{ .name = "path", .kind = FK_STR, FIELD_AT(SR, path) },
	{ .name = "error", .kind = FK_STR, FIELD_AT(SR, error) },
};

static const struct field event_cols[] = {
	{ .name = "time", .kind = FK_TIME, FIELD_AT(EV, time) },
	{ .name = "event", .kind = FK_INT, FIELD_AT(EV, kind),
	  .names = ev_names },
	{ .name = "severity", .kind = FK_INT, FIELD_AT(EV, severity),
	  .names = sev_names },
	{ .name = "alarm", .kind = FK_STR, FIELD_AT(EV, alarm) },
	{ .name = "metric", .kind = FK_STR, FIELD_AT(EV, metric),
	  .flags = FF_NOTEXT },
	{ .name = "instance", .kind = FK_STR, FIELD_AT(EV, instance),
	  .flags = FF_NOTEXT },
	{ .name = "value", .kind = FK_DBL, FIELD_AT(EV, value),
	  .flags = FF_NOTEXT },
	{ .name = "threshold", .kind = FK_DBL, FIELD_AT(EV, threshold),
	  .flags = FF_NOTEXT },
	{ .name = "text", .kind = FK_STR, FIELD_AT(EV, text) },
};

static const struct ftable logs_tables[] = {
	{ .name = "sources", .title = "log sources", .index = IX_POSITION,
	  .rows_off = offsetof(LP, sources), .nrows_off = offsetof(LP, nsources),
	  .row_size = sizeof(SR), .row_have_off = -1,
	  .cols = FIELDS(source_cols) },
	{ .name = "replay_alarms", .title = "alarms raised and cleared during "
	  "the replay (log time)", .index = IX_POSITION,
	  .flags = FT_TEXT_OPTIONAL, .have = LOGS_HAVE_REPLAY,
	  .rows_off = offsetof(LP, alarm_evs),
	  .nrows_off = offsetof(LP, nalarm_evs), .row_size = sizeof(EV),
	  .row_have_off = -1, .cols = FIELDS(event_cols) },
};

const struct fgroup logs_groups[] = {
	{ .name = "traffic", .title = "mail traffic (from the logs)",
	  .mib_group = MH_G_TRAFFIC, .family = MH_FAM_TRAFFIC,
	  .have_off = offsetof(LP, have), .fields = FIELDS(traffic_scalars),
	  .tables = FIELDS(traffic_tables) },
	{ .name = "auth", .title = "logins (from the logs)",
	  .mib_group = MH_G_AUTH, .family = MH_FAM_AUTH,
	  .have_off = offsetof(LP, have), .fields = FIELDS(auth_scalars),
	  .tables = FIELDS(auth_tables) },
	{ .name = "defer", .title = "deferring destinations (from the logs)",
	  .mib_group = MH_G_DEFER, .family = MH_FAM_DEFER,
	  .have_off = offsetof(LP, have), .fields = NULL, .nfields = 0,
	  .tables = FIELDS(defer_tables) },
	{ .name = "logs", .title = "log reading", .family = MH_FAM_TRAFFIC,
	  .have_off = offsetof(LP, have), .fields = FIELDS(logs_scalars),
	  .tables = FIELDS(logs_tables) },
};
const size_t logs_ngroups = MH_ARRAY_SIZE(logs_groups);
_Static_assert(MH_ARRAY_SIZE(logs_groups) == LOGS_NGROUPS, "LOGS_NGROUPS");
