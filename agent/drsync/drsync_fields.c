/*
 * drsync_fields.c: what the DR sync collector publishes, described
 * once: mhDrSync in MAILHEALTH-MIB, "drsync" in the JSON and the text
 * report, and the drsync.* metrics.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "drsync/drsync_col.h"

#define DP struct drsync_part

/* indexed by the MIB's values */
static const char *const status_names[] = { "?", "ok", "late", "failed",
	"unknown", NULL };
static const char *const role_names[] = { "?", "primary", "dr", NULL };
static const char *const method_names[] = { "?", "stamp", "drbd",
	"command", NULL };
static const char *const peer_names[] = { "?", "up", "down", NULL };

/* What the admin needs after the lag and its threshold: what was seen
 * last, or why it failed. */
static void
detail_sync(const void *data, const void *row, char *buf, size_t len)
{
	const DP *p = data;

	(void)row;
	if (p->status == DRSYNC_FAILED)
		snprintf(buf, len, "failed: %s", p->last_error);
	else
		snprintf(buf, len, "%s", p->detail);
}

static void
detail_failed(const void *data, const void *row, char *buf, size_t len)
{
	const DP *p = data;

	(void)row;
	snprintf(buf, len, "%s", p->last_error);
}

static void
detail_peer(const void *data, const void *row, char *buf, size_t len)
{
	const DP *p = data;

	(void)row;
	if (p->peer_status == 1)
		snprintf(buf, len, "peer %s up (%" PRIu32 " ms)", p->peer,
		    p->peer_ms);
	else
		snprintf(buf, len, "peer %s: %s", p->peer, p->peer_error);
}

static void
detail_oos(const void *data, const void *row, char *buf, size_t len)
{
	const DP *p = data;

	(void)row;
	snprintf(buf, len, "%s", p->detail);
}

static const struct field drsync_scalars[] = {
	{ .name = "status", .kind = FK_INT, FIELD_AT(DP, status),
	  .names = status_names, .have = DRS_HAVE_ROUND, .smi = FS_INTEGER,
	  .arc = MH_DR_STATUS },
	{ .name = "role", .kind = FK_INT, FIELD_AT(DP, role),
	  .names = role_names, .have = DRS_HAVE_ROUND, .smi = FS_INTEGER,
	  .arc = MH_DR_ROLE },
	{ .name = "method", .kind = FK_INT, FIELD_AT(DP, method),
	  .names = method_names, .have = DRS_HAVE_ROUND, .smi = FS_INTEGER,
	  .arc = MH_DR_METHOD },
	{ .name = "lag", .kind = FK_I64, FIELD_AT(DP, lag),
	  .have = DRS_HAVE_ROUND | DRS_HAVE_LAG, .smi = FS_GAUGE,
	  .arc = MH_DR_LAG, .metric = "drsync.lag", .unit = "s",
	  .detail = detail_sync },
	{ .name = "max_lag", .kind = FK_I64, FIELD_AT(DP, max_lag),
	  .have = DRS_HAVE_ROUND, .smi = FS_GAUGE, .arc = MH_DR_MAXLAG,
	  .unit = "s", .label = "allowed lag" },
	{ .name = "last_success", .kind = FK_TIME, FIELD_AT(DP, last_success),
	  .have = DRS_HAVE_ROUND, .smi = FS_DATEANDTIME,
	  .arc = MH_DR_LASTSUCCESS, .flags = FF_NOTEXT },
	{ .name = "last_success_age", .kind = FK_AGE,
	  FIELD_AT(DP, last_success), .have = DRS_HAVE_SUCCESS,
	  .flags = FF_NOJSON, .label = "since last success" },
	{ .name = "detail", .kind = FK_CHARS, FIELD_CHARS(DP, detail),
	  .have = DRS_HAVE_ROUND, .smi = FS_STRING, .arc = MH_DR_DETAIL,
	  .label = "seen" },
	{ .name = "last_error", .kind = FK_CHARS, FIELD_CHARS(DP, last_error),
	  .have = DRS_HAVE_ROUND, .smi = FS_STRING, .arc = MH_DR_LASTERROR,
	  .label = "last error" },
	{ .name = "failed_for", .kind = FK_I64, FIELD_AT(DP, failed_for),
	  .have = DRS_HAVE_ROUND, .flags = FF_NOTEXT,
	  .metric = "drsync.failed", .unit = "s", .detail = detail_failed },
	/* not shown in the text where not measured or not configured */
	{ .name = "out_of_sync", .kind = FK_U64, FIELD_AT(DP, oos_kib),
	  .flags = FF_TEXTKNOWN, .have = DRS_HAVE_ROUND | DRS_HAVE_OOS,
	  .smi = FS_GAUGE, .arc = MH_DR_OUTOFSYNC,
	  .metric = "drsync.out_of_sync", .unit = "KiB",
	  .label = "out of sync", .detail = detail_oos },
	{ .name = "peer", .kind = FK_STR, FIELD_AT(DP, peer),
	  .flags = FF_TEXTKNOWN, .have = DRS_HAVE_PEER, .smi = FS_STRING,
	  .arc = MH_DR_PEER },
	{ .name = "peer_status", .kind = FK_INT, FIELD_AT(DP, peer_status),
	  .names = peer_names, .flags = FF_TEXTKNOWN, .have = DRS_HAVE_PEER,
	  .smi = FS_INTEGER, .arc = MH_DR_PEERSTATUS,
	  .label = "peer status" },
	{ .name = "peer_connect_ms", .kind = FK_U32, FIELD_AT(DP, peer_ms),
	  .flags = FF_TEXTKNOWN, .have = DRS_HAVE_PEER | DRS_HAVE_PEER_UP,
	  .smi = FS_GAUGE, .arc = MH_DR_PEERCONNECTTIME, .unit = "ms",
	  .label = "peer connect time" },
	{ .name = "peer_failures", .kind = FK_U32,
	  FIELD_AT(DP, peer_failures), .flags = FF_TEXTKNOWN,
	  .have = DRS_HAVE_PEER, .smi = FS_GAUGE, .arc = MH_DR_PEERFAILURES,
	  .metric = "drsync.peer_failures", .unit = "rounds",
	  .label = "peer failed in a row", .detail = detail_peer },
	{ .name = "peer_error", .kind = FK_CHARS, FIELD_CHARS(DP, peer_error),
	  .flags = FF_TEXTKNOWN, .have = DRS_HAVE_PEER, .smi = FS_STRING,
	  .arc = MH_DR_PEERLASTERROR, .label = "peer error" },
};

const struct fgroup drsync_groups[] = {
	{ .name = "drsync", .title = "DR sync", .mib_group = MH_G_DRSYNC,
	  .family = MH_FAM_DRSYNC, .have_off = offsetof(DP, have),
	  .fields = FIELDS(drsync_scalars) },
};

void
drsync_part_free(void *p)
{
	DP *d = p;

	if (d == NULL)
		return;
	free(d->peer);
	free(d);
}
