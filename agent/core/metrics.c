/*
 * metrics.c: the names alarms use for values in a snapshot. One table:
 * adding a metric is one row and one getter. Names are documented in
 * mailhealthd.conf(5); keep the two in step.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/core.h"

typedef int (*metric_fn)(const struct snapshot *, struct metric_value *,
    size_t);

static int
one(struct metric_value *out, size_t max, double v)
{
	if (max == 0)
		return 0;
	out[0].instance[0] = '\0';
	out[0].value = v;
	return 1;
}

#define QUEUE_SCALAR(fn, expr)						\
static int								\
fn(const struct snapshot *s, struct metric_value *out, size_t max)	\
{									\
	if (!(s->have & SNAP_HAVE_QUEUE))				\
		return 0;						\
	return one(out, max, (double)(expr));				\
}

QUEUE_SCALAR(m_queue_total, s->q_messages)
QUEUE_SCALAR(m_queue_bytes, s->q_bytes)
QUEUE_SCALAR(m_queue_recipients, s->q_recipients)
QUEUE_SCALAR(m_queue_bounces, s->q_bounces)
QUEUE_SCALAR(m_queue_many_rcpt, s->q_manyrcpt)
QUEUE_SCALAR(m_queue_oldest_age,
    s->q_oldest ? (s->taken > s->q_oldest ? s->taken - s->q_oldest : 0) : 0)

static int
m_queue_growth(const struct snapshot *s, struct metric_value *out, size_t max)
{
	if (!(s->have & SNAP_HAVE_QUEUE_GROWTH))
		return 0;
	return one(out, max, (double)s->q_growth);
}

static int
m_queue_messages(const struct snapshot *s, struct metric_value *out,
    size_t max)
{
	size_t i;

	if (!(s->have & SNAP_HAVE_QUEUE))
		return 0;
	for (i = 0; i < s->nqueues && i < max; i++) {
		snprintf(out[i].instance, sizeof(out[i].instance), "%s",
		    s->queues[i].name);
		out[i].value = (double)s->queues[i].messages;
	}
	return (int)i;
}

static int
toplist(const struct snap_toplist *l, struct metric_value *out, size_t max)
{
	size_t i;

	for (i = 0; i < l->n && i < max; i++) {
		snprintf(out[i].instance, sizeof(out[i].instance), "%s",
		    l->v[i].key);
		out[i].value = (double)l->v[i].count;
	}
	return (int)i;
}

static int
m_queue_sender(const struct snapshot *s, struct metric_value *out, size_t max)
{
	if (!(s->have & SNAP_HAVE_QUEUE_TOP))
		return 0;
	return toplist(&s->top_senders, out, max);
}

static int
m_queue_domain(const struct snapshot *s, struct metric_value *out, size_t max)
{
	if (!(s->have & SNAP_HAVE_QUEUE_TOP))
		return 0;
	return toplist(&s->top_domains, out, max);
}

static int
m_agent_errors(const struct snapshot *s, struct metric_value *out, size_t max)
{
	return one(out, max, (double)s->errors);
}

static const struct {
	const char *name;
	enum mh_family family;
	metric_fn fn;
} metrics[] = {
	{ "queue.total", MH_FAM_QUEUE, m_queue_total },
	{ "queue.bytes", MH_FAM_QUEUE, m_queue_bytes },
	{ "queue.recipients", MH_FAM_QUEUE, m_queue_recipients },
	{ "queue.oldest_age", MH_FAM_QUEUE, m_queue_oldest_age },
	{ "queue.growth", MH_FAM_QUEUE, m_queue_growth },
	{ "queue.bounces", MH_FAM_QUEUE, m_queue_bounces },
	{ "queue.many_rcpt", MH_FAM_QUEUE, m_queue_many_rcpt },
	{ "queue.messages", MH_FAM_QUEUE, m_queue_messages },
	{ "queue.sender", MH_FAM_QUEUE, m_queue_sender },
	{ "queue.domain", MH_FAM_QUEUE, m_queue_domain },
	{ "agent.collect_errors", MH_FAM_AGENT, m_agent_errors },
};

int
metrics_get(const struct snapshot *s, const char *name,
    struct metric_value *out, size_t max)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(metrics); i++)
		if (strcmp(metrics[i].name, name) == 0)
			return s ? metrics[i].fn(s, out, max) : 0;
	return -1;
}

bool
metrics_known(const char *name)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(metrics); i++)
		if (strcmp(metrics[i].name, name) == 0)
			return true;
	return false;
}

enum mh_family
metrics_family(const char *name)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(metrics); i++)
		if (strcmp(metrics[i].name, name) == 0)
			return metrics[i].family;
	return MH_FAM_AGENT;
}
