/*
 * queue_fields.c: what the queue collector publishes, described once:
 * mhQueue (and mhAgentMta) in MAILHEALTH-MIB, "queue" in the JSON, the
 * queue section of the text report, and the queue.* alarm metrics.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "queue/queue.h"

#define QP struct queue_part
#define QR struct snap_queue
#define TOP struct snap_top

static const char *const mta_names[] = {
	"unknown", "none", "postfix", "qmail", "exim", NULL
};

/* The first thing an admin wants next to a big queue: who fills it. */
static void
detail_top_sender(const void *data, const void *row, char *buf, size_t len)
{
	const QP *q = data;

	(void)row;
	if (q->top_senders.n == 0)
		return;
	snprintf(buf, len, "top %s %.0f%%",
	    q->top_senders.v[0].key[0] ? q->top_senders.v[0].key : "<>",
	    q->top_senders.v[0].share);
}

static void
detail_share(const void *data, const void *row, char *buf, size_t len)
{
	const TOP *t = row;

	(void)data;
	snprintf(buf, len, "%.0f%% of the queue", t->share);
}

static const struct field queue_scalars[] = {
	{ .name = "mta", .kind = FK_INT, FIELD_AT(QP, mta), .names = mta_names,
	  .smi = FS_INTEGER, .group = MH_G_AGENT, .arc = MH_AGENT_MTA },
	{ .name = "messages", .kind = FK_U64, FIELD_AT(QP, q_messages),
	  .have = SNAP_HAVE_QUEUE, .smi = FS_GAUGE, .arc = MH_QUEUE_MESSAGES,
	  .metric = "queue.total", .unit = "msgs",
	  .detail = detail_top_sender },
	{ .name = "bytes", .kind = FK_U64, FIELD_AT(QP, q_bytes),
	  .have = SNAP_HAVE_QUEUE, .smi = FS_GAUGE, .conv = FC_KIB,
	  .arc = MH_QUEUE_KBYTES, .metric = "queue.bytes", .unit = "bytes" },
	{ .name = "recipients", .kind = FK_U64, FIELD_AT(QP, q_recipients),
	  .have = SNAP_HAVE_QUEUE | SNAP_HAVE_QUEUE_RCPT, .smi = FS_GAUGE,
	  .arc = MH_QUEUE_RECIPIENTS, .metric = "queue.recipients",
	  .unit = "rcpts" },
	{ .name = "oldest_age", .kind = FK_AGE, FIELD_AT(QP, q_oldest),
	  .have = SNAP_HAVE_QUEUE, .smi = FS_GAUGE, .arc = MH_QUEUE_OLDESTAGE,
	  .metric = "queue.oldest_age", .unit = "s", .label = "oldest" },
	{ .name = "bounces", .kind = FK_U64, FIELD_AT(QP, q_bounces),
	  .have = SNAP_HAVE_QUEUE, .smi = FS_GAUGE, .arc = MH_QUEUE_BOUNCES,
	  .metric = "queue.bounces", .unit = "msgs",
	  .label = "bounces (null sender)" },
	{ .name = "many_rcpt", .kind = FK_U64, FIELD_AT(QP, q_manyrcpt),
	  .have = SNAP_HAVE_QUEUE, .smi = FS_GAUGE, .arc = MH_QUEUE_MANYRCPT,
	  .metric = "queue.many_rcpt", .unit = "msgs",
	  .label = "with many recipients" },
	{ .name = "growth_per_min", .kind = FK_I64, FIELD_AT(QP, q_growth),
	  .have = SNAP_HAVE_QUEUE | SNAP_HAVE_QUEUE_GROWTH, .smi = FS_INTEGER,
	  .arc = MH_QUEUE_GROWTH, .metric = "queue.growth",
	  .unit = "msgs/min", .label = "growth" },
};

static const struct field queue_row_cols[] = {
	{ .name = "name", .kind = FK_CHARS, FIELD_CHARS(QR, name),
	  .flags = FF_KEY, .smi = FS_STRING, .arc = MH_QE_NAME,
	  .label = "queue" },
	{ .name = "messages", .kind = FK_U64, FIELD_AT(QR, messages),
	  .have = SNAP_HAVE_QUEUE_ROW, .smi = FS_GAUGE, .arc = MH_QE_MESSAGES,
	  .metric = "queue.messages" },
	{ .name = "bytes", .kind = FK_U64, FIELD_AT(QR, bytes),
	  .have = SNAP_HAVE_QUEUE_ROW, .smi = FS_GAUGE, .conv = FC_KIB,
	  .arc = MH_QE_KBYTES },
	{ .name = "recipients", .kind = FK_U64, FIELD_AT(QR, recipients),
	  .have = SNAP_HAVE_QUEUE_ROW | SNAP_HAVE_QUEUE_RCPT,
	  .smi = FS_GAUGE, .arc = MH_QE_RECIPIENTS, .label = "rcpts" },
	{ .name = "oldest_age", .kind = FK_AGE, FIELD_AT(QR, oldest),
	  .have = SNAP_HAVE_QUEUE_ROW, .smi = FS_GAUGE,
	  .arc = MH_QE_OLDESTAGE, .unit = "s", .label = "oldest" },
};

static const struct field sender_cols[] = {
	{ .name = "address", .kind = FK_STR, FIELD_AT(TOP, key),
	  .flags = FF_KEY, .smi = FS_STRING, .arc = MH_QT_NAME,
	  .label = "sender" },
	{ .name = "messages", .kind = FK_U64, FIELD_AT(TOP, count),
	  .smi = FS_GAUGE, .arc = MH_QT_COUNT, .unit = "msgs" },
	{ .name = "share", .kind = FK_DBL, FIELD_AT(TOP, share),
	  .smi = FS_GAUGE, .conv = FC_X100, .arc = MH_QT_SHARE, .unit = "%" },
	{ .name = "error", .kind = FK_U64, FIELD_AT(TOP, error),
	  .label = "may be over by" },
	{ .name = "guaranteed", .kind = FK_U64, FIELD_AT(TOP, sure),
	  .metric = "queue.sender", .flags = FF_NOTEXT,
	  .detail = detail_share },
};

static const struct field domain_cols[] = {
	{ .name = "domain", .kind = FK_STR, FIELD_AT(TOP, key),
	  .flags = FF_KEY, .smi = FS_STRING, .arc = MH_QT_NAME },
	{ .name = "recipients", .kind = FK_U64, FIELD_AT(TOP, count),
	  .smi = FS_GAUGE, .arc = MH_QT_COUNT, .unit = "rcpts" },
	{ .name = "share", .kind = FK_DBL, FIELD_AT(TOP, share),
	  .smi = FS_GAUGE, .conv = FC_X100, .arc = MH_QT_SHARE, .unit = "%" },
	{ .name = "error", .kind = FK_U64, FIELD_AT(TOP, error),
	  .label = "may be over by" },
	{ .name = "guaranteed", .kind = FK_U64, FIELD_AT(TOP, sure),
	  .metric = "queue.domain", .flags = FF_NOTEXT,
	  .detail = detail_share },
};

static const struct ftable queue_tables[] = {
	{ .name = "queues", .title = "queues", .arc = MH_QUEUE_TABLE,
	  .index = IX_POSITION, .rows_off = offsetof(QP, queues),
	  .rows_inline = 1, .nrows_off = offsetof(QP, nqueues),
	  .row_size = sizeof(QR), .row_have_off = offsetof(QR, have),
	  .cols = FIELDS(queue_row_cols) },
	{ .name = "top_senders", .title = "top senders in the queue",
	  .arc = MH_QUEUE_SENDER_TABLE, .index = IX_KEY,
	  .rank_arc = MH_QT_RANK, .have = SNAP_HAVE_QUEUE_TOP,
	  .rows_off = offsetof(QP, top_senders.v), .rows_inline = 1,
	  .nrows_off = offsetof(QP, top_senders.n), .row_size = sizeof(TOP),
	  .row_have_off = -1, .cols = FIELDS(sender_cols) },
	{ .name = "top_domains", .title = "top recipient domains in the queue",
	  .arc = MH_QUEUE_DOMAIN_TABLE, .index = IX_KEY,
	  .rank_arc = MH_QT_RANK, .have = SNAP_HAVE_QUEUE_TOP,
	  .rows_off = offsetof(QP, top_domains.v), .rows_inline = 1,
	  .nrows_off = offsetof(QP, top_domains.n), .row_size = sizeof(TOP),
	  .row_have_off = -1, .cols = FIELDS(domain_cols) },
};

const struct fgroup queue_groups[] = {
	{ .name = "queue", .title = "queue", .mib_group = MH_G_QUEUE,
	  .family = MH_FAM_QUEUE, .have_off = offsetof(QP, have),
	  .fields = FIELDS(queue_scalars), .tables = FIELDS(queue_tables) },
};
const size_t queue_ngroups = MH_ARRAY_SIZE(queue_groups);

void
queue_part_free(void *p)
{
	QP *q = p;

	if (q == NULL)
		return;
	snapshot_toplist_clear(&q->top_senders);
	snapshot_toplist_clear(&q->top_domains);
	free(q);
}
