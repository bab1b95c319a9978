/*
 * conn_fields.c: what the connections collector publishes, described
 * once: mhConnections in MAILHEALTH-MIB (mhConnTable indexed by the
 * port, mhConnHostTable by the port and a number kept per host),
 * "connections" in the JSON and the text report, and the conn.*
 * metrics (per port; conn.host per "PORT ADDRESS").
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn/conn_col.h"

#define CP struct conn_part
#define PR struct conn_portrow
#define HR struct conn_hostrow

static const char *const reader_names[] = { "?", "netlink", "proc", NULL };
static const char *const yesno[] = { "no", "yes", NULL };

/* The first (top) host row of a port, NULL if it has none. */
static const HR *
top_host(const CP *c, uint32_t port)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++)
		if (c->hosts[i].port == port)
			return &c->hosts[i];
	return NULL;
}

/* What an admin paged about a port wants after the value and its
 * threshold (which the notification carries): from how many hosts, who
 * holds the most, and the other state. */
static void
detail_port(char *buf, size_t len, const CP *c, const PR *r, const char *other,
    uint32_t nother)
{
	const HR *h = top_host(c, r->port);
	int n;

	n = snprintf(buf, len, "from %s%" PRIu32 " hosts", r->hosts_estimated ?
	    "about " : "", r->hosts);
	if (h != NULL && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ", top %s (%"
		    PRIu64 ")", h->addr, h->count);
	if (other != NULL && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", %" PRIu32 " %s", nother,
		    other);
}

static void
detail_established(const void *data, const void *row, char *buf, size_t len)
{
	const PR *r = row;

	detail_port(buf, len, data, r, "half-open", r->halfopen);
}

static void
detail_halfopen(const void *data, const void *row, char *buf, size_t len)
{
	const PR *r = row;

	detail_port(buf, len, data, r, "established", r->established);
}

static void
detail_growth(const void *data, const void *row, char *buf, size_t len)
{
	const PR *r = row;
	int n = snprintf(buf, len, "now %" PRIu32 " established, %" PRIu32
	    " half-open, ", r->established, r->halfopen);

	if (n > 0 && (size_t)n < len)
		detail_port(buf + n, len - (size_t)n, data, r, NULL, 0);
}

static void
detail_host(const void *data, const void *row, char *buf, size_t len)
{
	const HR *h = row;
	const CP *c = data;
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < c->nports; i++)
		if (c->ports[i].port == h->port)
			total = (uint64_t)c->ports[i].established +
			    c->ports[i].halfopen;
	snprintf(buf, len, "%.0f%% of port %" PRIu32 "'s %" PRIu64
	    " connections", h->share, h->port, total);
}

static const struct field conn_scalars[] = {
	{ .name = "reader", .kind = FK_INT, FIELD_AT(CP, reader),
	  .names = reader_names, .have = CONN_HAVE_ROUND, .smi = FS_INTEGER,
	  .arc = MH_CONN_READER, .label = "read through" },
	{ .name = "outbound", .kind = FK_U64, FIELD_AT(CP, outbound),
	  .have = CONN_HAVE_ROUND, .smi = FS_GAUGE, .arc = MH_CONN_OUTBOUND,
	  .unit = "conns", .label = "dialled out (ignored)" },
	{ .name = "sockets", .kind = FK_U64, FIELD_AT(CP, sockets),
	  .have = CONN_HAVE_ROUND, .flags = FF_NOTEXT },
	{ .name = "read_us", .kind = FK_U32, FIELD_AT(CP, read_us),
	  .have = CONN_HAVE_ROUND, .flags = FF_NOTEXT },
};

static const struct field port_cols[] = {
	{ .name = "port", .kind = FK_U32, FIELD_AT(PR, port),
	  .flags = FF_KEY | FF_INDEX },
	{ .name = "established", .kind = FK_U32, FIELD_AT(PR, established),
	  .smi = FS_GAUGE, .arc = MH_CE_ESTABLISHED,
	  .metric = "conn.established", .detail = detail_established },
	{ .name = "halfopen", .kind = FK_U32, FIELD_AT(PR, halfopen),
	  .smi = FS_GAUGE, .arc = MH_CE_HALFOPEN, .metric = "conn.halfopen",
	  .label = "half-open", .detail = detail_halfopen },
	{ .name = "hosts", .kind = FK_U32, FIELD_AT(PR, hosts),
	  .smi = FS_GAUGE, .arc = MH_CE_REMOTEHOSTS, .label = "hosts" },
	{ .name = "hosts_estimated", .kind = FK_INT,
	  FIELD_AT(PR, hosts_estimated), .names = yesno,
	  .flags = FF_NOTEXT },
	{ .name = "growth_per_min", .kind = FK_I64, FIELD_AT(PR, growth),
	  .have = CONN_ROW_GROWTH, .smi = FS_INTEGER, .arc = MH_CE_GROWTH,
	  .metric = "conn.growth", .label = "growth/min",
	  .detail = detail_growth },
};

static const struct field host_cols[] = {
	{ .name = "key", .kind = FK_CHARS, FIELD_CHARS(HR, key),
	  .flags = FF_KEY | FF_NOTEXT | FF_NOJSON },
	{ .name = "port", .kind = FK_U32, FIELD_AT(HR, port),
	  .flags = FF_INDEX },
	{ .name = "connections", .kind = FK_U64, FIELD_AT(HR, count),
	  .smi = FS_GAUGE, .arc = MH_CH_CONNECTIONS, .label = "conns" },
	{ .name = "share", .kind = FK_DBL, FIELD_AT(HR, share),
	  .smi = FS_GAUGE, .conv = FC_X100, .arc = MH_CH_SHARE, .unit = "%",
	  .label = "share %" },
	{ .name = "error", .kind = FK_U64, FIELD_AT(HR, error),
	  .flags = FF_NOTEXT },
	{ .name = "guaranteed", .kind = FK_U64, FIELD_AT(HR, sure),
	  .metric = "conn.host", .flags = FF_NOTEXT, .detail = detail_host },
	{ .name = "address", .kind = FK_CHARS, FIELD_CHARS(HR, addr),
	  .smi = FS_STRING, .arc = MH_CH_ADDRESS, .label = "remote host" },
};

static const struct ftable conn_tables[] = {
	{ .name = "ports", .title = "connections per port",
	  .arc = MH_CONN_TABLE, .index = IX_VALUE, .have = CONN_HAVE_ROUND,
	  .rows_off = offsetof(CP, ports), .nrows_off = offsetof(CP, nports),
	  .row_size = sizeof(PR), .row_have_off = offsetof(PR, have),
	  .cols = FIELDS(port_cols) },
	{ .name = "top_hosts", .title = "top remote hosts per port",
	  .arc = MH_CONN_HOST_TABLE, .index = IX_KEY, .rank_arc = MH_CH_RANK,
	  .have = CONN_HAVE_ROUND, .rows_off = offsetof(CP, hosts),
	  .nrows_off = offsetof(CP, nhosts), .row_size = sizeof(HR),
	  .row_have_off = -1, .cols = FIELDS(host_cols) },
};

const struct fgroup conn_groups[] = {
	{ .name = "connections", .title = "connections",
	  .mib_group = MH_G_CONN, .family = MH_FAM_CONN,
	  .have_off = offsetof(CP, have), .fields = FIELDS(conn_scalars),
	  .tables = FIELDS(conn_tables) },
};

void
conn_part_fill(struct conn_part *c, const struct conn_result *r)
{
	size_t i, j, n = 0;

	c->have = CONN_HAVE_ROUND;
	c->reader = r->reader == CONN_READ_NETLINK ? 1 : 2;
	c->sockets = r->sockets;
	c->outbound = r->outbound;
	c->read_us = r->duration_us;
	c->nports = r->nports;
	c->ports = xcalloc(r->nports ? r->nports : 1, sizeof(*c->ports));
	for (i = 0; i < r->nports; i++)
		n += r->ports[i].ntop;
	c->hosts = xcalloc(n ? n : 1, sizeof(*c->hosts));
	for (i = 0; i < r->nports; i++) {
		const struct conn_port_stats *s = &r->ports[i];
		PR *p = &c->ports[i];
		uint64_t total = (uint64_t)s->established + s->halfopen;

		p->port = s->port;
		p->established = s->established;
		p->halfopen = s->halfopen;
		p->hosts = s->hosts;
		p->hosts_estimated = s->hosts_estimated;
		if (s->have_growth) {
			p->growth = s->growth;
			p->have |= CONN_ROW_GROWTH;
		}
		for (j = 0; j < s->ntop; j++) {
			HR *h = &c->hosts[c->nhosts++];

			snprintf(h->key, sizeof(h->key), "%u %s", s->port,
			    s->top[j].addr);
			snprintf(h->addr, sizeof(h->addr), "%s",
			    s->top[j].addr);
			h->port = s->port;
			h->count = s->top[j].count;
			h->error = s->top[j].error;
			h->sure = h->count - (h->error < h->count ? h->error :
			    h->count);
			h->share = total ? (double)h->count * 100.0 /
			    (double)total : 0;
			if (h->share > 100)
				h->share = 100;
		}
	}
}

void
conn_part_free(void *p)
{
	CP *c = p;

	if (c == NULL)
		return;
	free(c->ports);
	free(c->hosts);
	free(c);
}
