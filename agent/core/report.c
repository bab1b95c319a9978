/*
 * report.c: what `mailhealthd --once` prints. JSON for tools and tests,
 * text for an admin at the console in the middle of an outbreak. Both
 * carry the same data.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"

static long long
age_of(const struct snapshot *s, time_t t)
{
	if (t == 0 || t > s->taken)
		return 0;
	return (long long)(s->taken - t);
}

static double
share(uint64_t n, uint64_t total)
{
	return total ? (double)n * 100.0 / (double)total : 0.0;
}

static void
json_toplist(struct strbuf *b, const char *name, const char *keyname,
    const char *countname, const struct snap_toplist *l, uint64_t total)
{
	size_t i;

	strbuf_printf(b, ",\"%s\":[", name);
	for (i = 0; i < l->n; i++) {
		strbuf_printf(b, "%s{\"%s\":", i ? "," : "", keyname);
		strbuf_json_str(b, l->v[i].key);
		strbuf_printf(b, ",\"%s\":%" PRIu64 ",\"error\":%" PRIu64
		    ",\"share\":%.2f}", countname, l->v[i].count,
		    l->v[i].error, share(l->v[i].count, total));
	}
	strbuf_putc(b, ']');
}

char *
report_json(const struct snapshot *s, const struct agent_info *ai,
    const struct alarms *al)
{
	struct strbuf b;
	size_t i;

	strbuf_init(&b);
	strbuf_puts(&b, "{\"agent\":{\"version\":");
	strbuf_json_str(&b, ai->version);
	strbuf_puts(&b, ",\"hostname\":");
	strbuf_json_str(&b, ai->hostname);
	strbuf_printf(&b, ",\"started\":%lld,\"interval\":%ld}",
	    (long long)ai->started, ai->interval);
	strbuf_printf(&b, ",\"snapshot\":{\"taken\":%lld,\"duration_ms\":%u,"
	    "\"errors\":%u,\"last_error\":", (long long)s->taken,
	    s->duration_ms, s->errors);
	strbuf_json_str(&b, s->last_error);
	strbuf_puts(&b, "},\"mta\":");
	strbuf_json_str(&b, mta_name(s->mta));

	if (s->have & SNAP_HAVE_QUEUE) {
		strbuf_printf(&b, ",\"queue\":{\"messages\":%" PRIu64
		    ",\"bytes\":%" PRIu64 ",\"recipients\":%" PRIu64
		    ",\"oldest_age\":%lld,\"bounces\":%" PRIu64
		    ",\"many_rcpt\":%" PRIu64 ",\"growth_per_min\":",
		    s->q_messages, s->q_bytes, s->q_recipients,
		    age_of(s, s->q_oldest), s->q_bounces, s->q_manyrcpt);
		if (s->have & SNAP_HAVE_QUEUE_GROWTH)
			strbuf_printf(&b, "%" PRId64, s->q_growth);
		else
			strbuf_puts(&b, "null");
		strbuf_puts(&b, ",\"queues\":[");
		for (i = 0; i < s->nqueues; i++) {
			const struct snap_queue *q = &s->queues[i];

			strbuf_printf(&b, "%s{\"name\":", i ? "," : "");
			strbuf_json_str(&b, q->name);
			strbuf_printf(&b, ",\"messages\":%" PRIu64
			    ",\"bytes\":%" PRIu64 ",\"recipients\":%" PRIu64
			    ",\"oldest_age\":%lld}", q->messages, q->bytes,
			    q->recipients, age_of(s, q->oldest));
		}
		strbuf_putc(&b, ']');
		json_toplist(&b, "top_senders", "address", "messages",
		    &s->top_senders, s->q_messages);
		json_toplist(&b, "top_domains", "domain", "recipients",
		    &s->top_domains, s->q_recipients);
		strbuf_putc(&b, '}');
	}

	strbuf_puts(&b, ",\"alarms\":[");
	if (al) {
		const struct alarm_row *rows[256];
		size_t n = alarms_active(al, rows, MH_ARRAY_SIZE(rows));

		for (i = 0; i < n; i++) {
			strbuf_printf(&b, "%s{\"index\":%u,\"name\":",
			    i ? "," : "", rows[i]->index);
			strbuf_json_str(&b, rows[i]->name);
			strbuf_puts(&b, ",\"metric\":");
			strbuf_json_str(&b, rows[i]->metric);
			strbuf_puts(&b, ",\"instance\":");
			strbuf_json_str(&b, rows[i]->instance);
			strbuf_printf(&b, ",\"severity\":\"%s\",\"value\":%.17g,"
			    "\"threshold\":%.17g,\"raised\":%lld}",
			    mh_severity_name(rows[i]->severity), rows[i]->value,
			    rows[i]->rising, (long long)rows[i]->raised);
		}
	}
	strbuf_puts(&b, "]}\n");
	return strbuf_steal(&b);
}

static void
human_age(char *buf, size_t len, long long s)
{
	if (s < 120)
		snprintf(buf, len, "%llds", s);
	else if (s < 7200)
		snprintf(buf, len, "%lldm", s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, (s % 86400) / 3600);
}

static void
text_toplist(struct strbuf *b, const char *title, const char *unit,
    const struct snap_toplist *l, uint64_t total, size_t top_n)
{
	size_t i;

	strbuf_printf(b, "\n%s\n", title);
	if (l->n == 0) {
		strbuf_puts(b, "  (none)\n");
		return;
	}
	for (i = 0; i < l->n && i < top_n; i++) {
		strbuf_printf(b, "  %8" PRIu64 " %-8s %5.1f%%  %s", l->v[i].count,
		    unit, share(l->v[i].count, total), l->v[i].key);
		if (l->v[i].error)
			strbuf_printf(b, "  (may be over by %" PRIu64 ")",
			    l->v[i].error);
		strbuf_putc(b, '\n');
	}
}

char *
report_text(const struct snapshot *s, const struct agent_info *ai,
    const struct alarms *al, size_t top_n)
{
	struct strbuf b;
	char age[32], when[64];
	struct tm tm;
	size_t i;

	strbuf_init(&b);
	localtime_r(&s->taken, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
	strbuf_printf(&b, "mailhealth %s on %s, %s (took %u ms)\n",
	    ai->version, ai->hostname, when, s->duration_ms);
	if (s->errors)
		strbuf_printf(&b, "collector errors: %u, last: %s\n",
		    s->errors, s->last_error);

	if (!(s->have & SNAP_HAVE_QUEUE)) {
		strbuf_printf(&b, "\nqueue: not read (mta %s)\n",
		    mta_name(s->mta));
	} else {
		human_age(age, sizeof(age), age_of(s, s->q_oldest));
		strbuf_printf(&b, "\n%s queue: %" PRIu64 " messages, %" PRIu64
		    " KiB, %" PRIu64 " recipients, oldest %s\n",
		    mta_name(s->mta), s->q_messages, (s->q_bytes + 1023) / 1024,
		    s->q_recipients, s->q_messages ? age : "-");
		if (s->have & SNAP_HAVE_QUEUE_GROWTH)
			strbuf_printf(&b, "  growth: %+" PRId64
			    " messages/minute\n", s->q_growth);
		strbuf_printf(&b, "  bounces (null sender): %" PRIu64
		    "   messages with many recipients: %" PRIu64 "\n",
		    s->q_bounces, s->q_manyrcpt);
		strbuf_printf(&b, "\n  %-10s %10s %10s %10s %8s\n", "queue",
		    "messages", "KiB", "rcpts", "oldest");
		for (i = 0; i < s->nqueues; i++) {
			const struct snap_queue *q = &s->queues[i];

			human_age(age, sizeof(age), age_of(s, q->oldest));
			strbuf_printf(&b, "  %-10s %10" PRIu64 " %10" PRIu64
			    " %10" PRIu64 " %8s\n", q->name, q->messages,
			    (q->bytes + 1023) / 1024, q->recipients,
			    q->messages ? age : "-");
		}
		text_toplist(&b, "top senders in the queue", "msgs",
		    &s->top_senders, s->q_messages, top_n);
		text_toplist(&b, "top recipient domains in the queue", "rcpts",
		    &s->top_domains, s->q_recipients, top_n);
	}
	if (al) {
		const struct alarm_row *rows[256];
		size_t n = alarms_active(al, rows, MH_ARRAY_SIZE(rows));

		strbuf_printf(&b, "\nactive alarms: %zu\n", n);
		for (i = 0; i < n; i++)
			strbuf_printf(&b, "  [%s] %s: %s%s%s = %.0f\n",
			    mh_severity_name(rows[i]->severity), rows[i]->name,
			    rows[i]->metric, rows[i]->instance[0] ? " " : "",
			    rows[i]->instance, rows[i]->value);
	}
	return strbuf_steal(&b);
}
