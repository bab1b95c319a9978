/*
 * render.c: the words of an SMS. A notification carries a metric name
 * ("disk.used"), an instance ("/var/spool"), a value and a threshold as
 * plain integers in the metric's own unit; this file turns them into what
 * a person reads on a phone at 3 a.m.:
 *
 *   {subject}  what it is about        "disk /var/spool", "conn 25"
 *   {reading}  the value, in words     "93% used", "4,200 half-open",
 *                                      "lag 47 min", "down" / "up"
 *   {limit}    the threshold crossed   ">= 90", "<= 14" ("" for states)
 *   {head}     subject and reading     "conn 25: 4,200 half-open"
 *   {summary}  head and limit          "disk /var/spool 93% used (>= 90)"
 *
 * One row per metric in render_metrics[]: adding a metric is one row.
 * Units and wording come from the metric name only; a metric we do not
 * know is shown as "<family> <instance> <metric> <value>", so an agent
 * newer than this handler still pages something readable.
 *
 * Values get thousands separators ("5,234"); thresholds do not ("5000"),
 * so the two read apart at a glance. Durations take the unit of the
 * threshold (a 1800 s threshold makes "lag 47 min (>= 30)").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sms.h"

enum render_unit {
	RU_COUNT,	/* 5,234 msgs */
	RU_PERCENT,	/* 93% used */
	RU_MS,		/* 5,200 ms */
	RU_SECONDS,	/* a duration: 45 s, 47 min, 3 h, 2 d */
	RU_DAYS,	/* 12 days */
	RU_BYTES,	/* 1.2 MB */
	RU_STATE,	/* down / up: the value says nothing more */
	RU_SILENCE,	/* silent 3 min / back after 5 min (a duration) */
};

static const struct render_metric {
	const char *metric;
	const char *noun;	/* first word(s) of the subject */
	bool colon;		/* "conn 25: 4,200" rather than "disk / 93%" */
	const char *pre;	/* word before the number ("lag") */
	enum render_unit unit;
	const char *post;	/* word after it ("msgs"); "/x" is attached */
} render_metrics[] = {
	{ "queue.total", "queue", false, "", RU_COUNT, "msgs" },
	{ "queue.messages", "queue", false, "", RU_COUNT, "msgs" },
	{ "queue.bytes", "queue", false, "", RU_BYTES, "" },
	{ "queue.recipients", "queue", false, "", RU_COUNT, "rcpts" },
	{ "queue.oldest_age", "queue", false, "oldest", RU_SECONDS, "" },
	{ "queue.growth", "queue", false, "growth", RU_COUNT, "msgs/min" },
	{ "queue.bounces", "queue", false, "", RU_COUNT, "bounces" },
	{ "queue.many_rcpt", "queue", false, "", RU_COUNT,
	    "msgs to many rcpts" },
	{ "queue.sender", "queue sender", false, "", RU_COUNT, "msgs" },
	{ "queue.domain", "queue domain", false, "", RU_COUNT, "rcpts" },
	{ "traffic.received", "traffic", false, "", RU_COUNT, "received/min" },
	{ "traffic.delivered", "traffic", false, "", RU_COUNT,
	    "delivered/min" },
	{ "traffic.deferred", "traffic", false, "", RU_COUNT, "deferred/min" },
	{ "traffic.bounced", "traffic", false, "", RU_COUNT, "bounced/min" },
	{ "traffic.rejected", "traffic", false, "", RU_COUNT, "rejected/min" },
	{ "sender.rate", "sender", true, "", RU_COUNT, "msgs" },
	{ "sender.clients", "sender", true, "", RU_COUNT, "IPs" },
	{ "auth.failures", "auth", true, "", RU_COUNT, "failed logins" },
	{ "auth.client", "auth", true, "", RU_COUNT, "failed logins" },
	{ "auth.user", "auth user", true, "", RU_COUNT, "failed logins" },
	{ "defer.domain", "defer", true, "", RU_COUNT, "deferred" },
	{ "service.down", "service", false, "", RU_STATE, "" },
	{ "service.response", "service", false, "response", RU_MS, "" },
	{ "service.cert_days", "service", false, "cert expires in", RU_DAYS,
	    "" },
	{ "service.fw_changed", "service", false, "", RU_COUNT,
	    "ruleset change" },
	{ "drsync.lag", "drsync", false, "lag", RU_SECONDS, "" },
	{ "drsync.failed", "drsync", false, "failed for", RU_SECONDS, "" },
	{ "drsync.peer_failures", "drsync peer", false, "", RU_COUNT,
	    "rounds unanswered" },
	{ "drsync.out_of_sync", "drsync", false, "", RU_COUNT,
	    "KiB out of sync" },
	{ "conn.established", "conn", true, "", RU_COUNT, "established" },
	{ "conn.halfopen", "conn", true, "", RU_COUNT, "half-open" },
	{ "conn.growth", "conn", true, "growth", RU_COUNT, "/min" },
	{ "conn.host", "conn", true, "", RU_COUNT, "from one host" },
	{ "system.cpu", "cpu", false, "", RU_PERCENT, "busy" },
	{ "system.iowait", "cpu", false, "iowait", RU_PERCENT, "" },
	{ "system.steal", "cpu", false, "steal", RU_PERCENT, "" },
	{ "system.load1", "load", false, "", RU_COUNT, "" },
	{ "system.memory", "memory", false, "", RU_PERCENT, "used" },
	{ "system.swap", "swap", false, "", RU_PERCENT, "used" },
	{ "disk.used", "disk", false, "", RU_PERCENT, "used" },
	{ "disk.inodes", "disk", false, "", RU_PERCENT, "inodes used" },
	{ "agent.collect_errors", "agent", false, "", RU_COUNT,
	    "collect errors" },
	/* made by mailhealth-sms itself from missed heartbeats (deadman.c) */
	{ "agent.heartbeat", "agent", false, "", RU_SILENCE, "" },
};

static const struct render_metric *
render_find(const char *metric)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(render_metrics); i++)
		if (strcmp(render_metrics[i].metric, metric) == 0)
			return &render_metrics[i];
	return NULL;
}

/* 5234 -> "5,234"; -1200 -> "-1,200" */
void
render_grouped(struct strbuf *b, long long v)
{
	char digits[32];
	size_t n, i;

	if (v < 0) {
		strbuf_putc(b, '-');
		v = -v;
	}
	n = (size_t)snprintf(digits, sizeof(digits), "%lld", v);
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			strbuf_putc(b, ',');
		strbuf_putc(b, digits[i]);
	}
}

/* v / div with one decimal when it is not whole: 90 / 60 -> "1.5" */
static void
render_scaled(struct strbuf *b, long long v, long long div, bool grouped)
{
	if (div <= 1 || v % div == 0) {
		if (grouped)
			render_grouped(b, v / div);
		else
			strbuf_printf(b, "%lld", v / div);
		return;
	}
	strbuf_printf(b, "%.1f", (double)v / (double)div);
}

/* The duration unit a value (and its threshold) is shown in: chosen by
 * the threshold when there is one, so value and limit read alike. */
static void
render_duration_unit(long long base, long long *div, const char **name)
{
	if (base < 0)
		base = -base;
	if (base >= 2 * 86400) {
		*div = 86400;
		*name = "d";
	} else if (base >= 2 * 3600) {
		*div = 3600;
		*name = "h";
	} else if (base >= 60) {
		*div = 60;
		*name = "min";
	} else {
		*div = 1;
		*name = "s";
	}
}

static void
render_bytes(struct strbuf *b, long long v)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	double d = (double)v;
	size_t u = 0;

	while ((d >= 1024 || d <= -1024) && u + 1 < MH_ARRAY_SIZE(units)) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		strbuf_printf(b, "%lld B", v);
	else
		strbuf_printf(b, "%.1f %s", d, units[u]);
}

static void
render_post(struct strbuf *b, const char *post)
{
	if (post[0] == '\0')
		return;
	if (post[0] != '/' && post[0] != '%')
		strbuf_putc(b, ' ');
	strbuf_puts(b, post);
}

/* A number from the trap ("" when it was absent or not a number). */
static bool
render_number(const char *s, long long *v)
{
	char *end;

	if (s == NULL || *s == '\0')
		return false;
	*v = strtoll(s, &end, 10);
	return *end == '\0';
}

/*
 * Fill a->subject, reading, limit, head and summary from the metric,
 * instance, value and threshold alert.c decoded. Called once per alert;
 * alert_free() frees them.
 */
void
render_alert(struct sms_alert *a)
{
	const struct render_metric *m = render_find(a->metric);
	struct render_metric generic;
	struct strbuf sb, rb, lb, hb;
	long long v = 0, t = 0, div = 1;
	bool hv = render_number(a->value, &v);
	bool ht = render_number(a->threshold, &t);
	const char *dname = "";

	if (m == NULL) {
		/* unknown metric: "<family> <instance> <metric> <value>" */
		generic.metric = a->metric;
		generic.noun = mh_family_name(a->family);
		generic.colon = false;
		generic.pre = a->metric[0] ? a->metric : a->alarm_name;
		generic.unit = RU_COUNT;
		generic.post = "";
		m = &generic;
	}
	strbuf_init(&sb);
	strbuf_init(&rb);
	strbuf_init(&lb);
	strbuf_init(&hb);
	strbuf_add(&sb, "", 0);
	strbuf_add(&rb, "", 0);
	strbuf_add(&lb, "", 0);

	strbuf_puts(&sb, m->noun);
	if (a->instance[0])
		strbuf_printf(&sb, " %s", a->instance);

	if (m->unit == RU_SECONDS || m->unit == RU_SILENCE)
		render_duration_unit(ht ? t : v, &div, &dname);
	if (m->unit == RU_STATE) {
		strbuf_puts(&rb, a->cleared ? "up" : "down");
	} else if (hv) {
		if (m->pre[0])
			strbuf_printf(&rb, "%s ", m->pre);
		switch (m->unit) {
		case RU_PERCENT:
			strbuf_printf(&rb, "%lld%%", v);
			break;
		case RU_MS:
			render_grouped(&rb, v);
			strbuf_puts(&rb, " ms");
			break;
		case RU_SECONDS:
			render_grouped(&rb, v / div);
			strbuf_printf(&rb, " %s", dname);
			break;
		case RU_SILENCE:
			strbuf_puts(&rb, a->cleared ? "back after " : "silent ");
			render_grouped(&rb, v / div);
			strbuf_printf(&rb, " %s", dname);
			break;
		case RU_DAYS:
			render_grouped(&rb, v);
			strbuf_puts(&rb, v == 1 || v == -1 ? " day" : " days");
			break;
		case RU_BYTES:
			render_bytes(&rb, v);
			break;
		default:
			render_grouped(&rb, v);
			break;
		}
		render_post(&rb, m->post);
	}
	if (hv && ht && m->unit != RU_STATE) {
		strbuf_puts(&lb, v >= t ? ">= " : "<= ");
		if (m->unit == RU_BYTES)
			render_bytes(&lb, t);
		else
			render_scaled(&lb, t, div, false);
	}

	strbuf_puts(&hb, sb.s);
	if (rb.len)
		strbuf_printf(&hb, "%s%s", m->colon && a->instance[0] ?
		    ": " : " ", rb.s);
	a->subject = strbuf_steal(&sb);
	a->reading = strbuf_steal(&rb);
	a->limit = strbuf_steal(&lb);
	a->head = xstrdup(hb.s);
	if (a->limit[0])
		strbuf_printf(&hb, " (%s)", a->limit);
	a->summary = strbuf_steal(&hb);
}
