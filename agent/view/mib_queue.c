/*
 * mib_queue.c: mhQueue: totals, the per-queue table and the top sender
 * and recipient-domain tables (MAILHEALTH-MIB).
 */
#include "config.h"

#include <string.h>

#include "view/view.h"
#include "mhmib.h"

#define Q_SCALAR(n) { MH_OID_ROOT, MH_OBJECTS, MH_G_QUEUE, (n), 0 }
#define Q_SCALAR_LEN (MH_OID_ROOT_LEN + 4)
#define Q_CELL(t, c, i) { MH_OID_ROOT, MH_OBJECTS, MH_G_QUEUE, (t), 1, (c), (i) }
#define Q_CELL_LEN (MH_OID_ROOT_LEN + 6)

static uint64_t
kbytes(uint64_t b)
{
	uint64_t k = (b + 1023) / 1024;

	return k > UINT32_MAX ? UINT32_MAX : k;
}

static uint64_t
g32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : v;
}

static uint64_t
age(const struct snapshot *s, time_t t)
{
	return (t == 0 || t > s->taken) ? 0 : (uint64_t)(s->taken - t);
}

/* hundredths of a percent */
static uint64_t
share(uint64_t n, uint64_t total)
{
	return total ? (n * 10000 + total / 2) / total : 0;
}

static void
toptable(struct mv_builder *b, uint32_t table, const struct snap_toplist *l,
    uint64_t total, size_t top_n)
{
	size_t i;

	for (i = 0; i < l->n && i < top_n; i++) {
		uint32_t rank = (uint32_t)i + 1;
		const uint32_t name[] = Q_CELL(table, MH_QT_NAME, rank);
		const uint32_t cnt[] = Q_CELL(table, MH_QT_COUNT, rank);
		const uint32_t shr[] = Q_CELL(table, MH_QT_SHARE, rank);

		mv_add_str(b, l->v[i].key, strlen(l->v[i].key), name,
		    Q_CELL_LEN);
		mv_add_int(b, MV_GAUGE, (int64_t)g32(l->v[i].count), cnt,
		    Q_CELL_LEN);
		mv_add_int(b, MV_GAUGE, (int64_t)share(l->v[i].count, total),
		    shr, Q_CELL_LEN);
	}
}

void
mib_queue_build(struct mv_builder *b, const struct snapshot *s, size_t top_n)
{
	const uint32_t msgs[] = Q_SCALAR(MH_QUEUE_MESSAGES);
	const uint32_t kb[] = Q_SCALAR(MH_QUEUE_KBYTES);
	const uint32_t old[] = Q_SCALAR(MH_QUEUE_OLDESTAGE);
	const uint32_t grow[] = Q_SCALAR(MH_QUEUE_GROWTH);
	const uint32_t bnc[] = Q_SCALAR(MH_QUEUE_BOUNCES);
	const uint32_t many[] = Q_SCALAR(MH_QUEUE_MANYRCPT);
	const uint32_t rcpt[] = Q_SCALAR(MH_QUEUE_RECIPIENTS);
	size_t i;

	if (!(s->have & SNAP_HAVE_QUEUE))
		return;
	mv_add_int(b, MV_GAUGE, (int64_t)g32(s->q_messages), msgs, Q_SCALAR_LEN);
	mv_add_int(b, MV_GAUGE, (int64_t)kbytes(s->q_bytes), kb, Q_SCALAR_LEN);
	mv_add_int(b, MV_GAUGE, (int64_t)g32(age(s, s->q_oldest)), old,
	    Q_SCALAR_LEN);
	if (s->have & SNAP_HAVE_QUEUE_GROWTH)
		mv_add_int(b, MV_INTEGER, mv_clamp32((double)s->q_growth), grow,
		    Q_SCALAR_LEN);
	mv_add_int(b, MV_GAUGE, (int64_t)g32(s->q_bounces), bnc, Q_SCALAR_LEN);
	mv_add_int(b, MV_GAUGE, (int64_t)g32(s->q_manyrcpt), many, Q_SCALAR_LEN);
	if (s->have & SNAP_HAVE_QUEUE_RCPT)
		mv_add_int(b, MV_GAUGE, (int64_t)g32(s->q_recipients), rcpt,
		    Q_SCALAR_LEN);

	for (i = 0; i < s->nqueues; i++) {
		const struct snap_queue *q = &s->queues[i];
		uint32_t idx = (uint32_t)i + 1;
		const uint32_t name[] = Q_CELL(MH_QUEUE_TABLE, MH_QE_NAME, idx);
		const uint32_t m[] = Q_CELL(MH_QUEUE_TABLE, MH_QE_MESSAGES, idx);
		const uint32_t k[] = Q_CELL(MH_QUEUE_TABLE, MH_QE_KBYTES, idx);
		const uint32_t o[] = Q_CELL(MH_QUEUE_TABLE, MH_QE_OLDESTAGE, idx);
		const uint32_t r[] = Q_CELL(MH_QUEUE_TABLE, MH_QE_RECIPIENTS, idx);

		mv_add_str(b, q->name, strlen(q->name), name, Q_CELL_LEN);
		mv_add_int(b, MV_GAUGE, (int64_t)g32(q->messages), m, Q_CELL_LEN);
		mv_add_int(b, MV_GAUGE, (int64_t)kbytes(q->bytes), k, Q_CELL_LEN);
		mv_add_int(b, MV_GAUGE, (int64_t)g32(age(s, q->oldest)), o,
		    Q_CELL_LEN);
		if (s->have & SNAP_HAVE_QUEUE_RCPT)
			mv_add_int(b, MV_GAUGE, (int64_t)g32(q->recipients), r,
			    Q_CELL_LEN);
	}
	if (s->have & SNAP_HAVE_QUEUE_TOP) {
		toptable(b, MH_QUEUE_SENDER_TABLE, &s->top_senders,
		    s->q_messages, top_n);
		toptable(b, MH_QUEUE_DOMAIN_TABLE, &s->top_domains,
		    s->q_recipients, top_n);
	}
}
