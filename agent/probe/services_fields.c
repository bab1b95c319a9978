/*
 * services_fields.c: what the services collector publishes, described
 * once: mhServiceTable in MAILHEALTH-MIB, "services" in the JSON and the
 * text report, and the service.* alarm metrics (per instance: the
 * service's name).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/services.h"

#define SP struct services_part
#define SR struct services_row

/* MhServiceKind by number (enum probe_kind); test_services checks it
 * against probe_kind_name(). */
const char *const services_kind_names[] = {
	"-", "tcp", "tls", "process", "dns", "command", "file", "smtp",
	"submission", "smtps", "pop3", "pop3s", "imap", "imaps", "http",
	"https", "firewall", NULL
};

/* mhServiceStatus by number (enum probe_status) */
static const char *const status_names[] = {
	"-", "up", "down", "unknown", NULL
};

/* service.down: why it is down, the first thing the SMS should say */
static void
detail_down(const void *data, const void *row, char *buf, size_t len)
{
	const SR *r = row;

	(void)data;
	if (r->status == PROBE_DOWN)
		snprintf(buf, len, "%s", r->last_error);
}

static void
detail_response(const void *data, const void *row, char *buf, size_t len)
{
	const SR *r = row;

	(void)data;
	snprintf(buf, len, "%s %s", services_kind_names[r->kind],
	    r->target);
}

static void
detail_cert(const void *data, const void *row, char *buf, size_t len)
{
	const SR *r = row;

	(void)data;
	if (r->cert_days < 0)
		snprintf(buf, len, "certificate expired %d day%s ago",
		    -r->cert_days, r->cert_days == -1 ? "" : "s");
	else if (r->cert_days == 0)
		snprintf(buf, len, "certificate expires today");
	else
		snprintf(buf, len, "certificate expires in %d day%s",
		    r->cert_days, r->cert_days == 1 ? "" : "s");
}

static void
detail_fw(const void *data, const void *row, char *buf, size_t len)
{
	const SR *r = row;

	(void)data;
	snprintf(buf, len, "%s", r->fw_last_event);
}

/* Numbers first in the text report (status, since, ms, cert days,
 * fails), then the name, the target and this round's result: one line
 * per service that says what is wrong. */
static const struct field service_cols[] = {
	{ .name = "name", .kind = FK_STR, FIELD_AT(SR, name), .flags = FF_KEY,
	  .smi = FS_STRING, .arc = MH_SV_NAME, .label = "service" },
	{ .name = "kind", .kind = FK_INT, FIELD_AT(SR, kind),
	  .names = services_kind_names, .smi = FS_INTEGER, .arc = MH_SV_KIND,
	  .flags = FF_NOTEXT },
	{ .name = "target", .kind = FK_STR, FIELD_AT(SR, target),
	  .smi = FS_STRING, .arc = MH_SV_TARGET },
	{ .name = "status", .kind = FK_INT, FIELD_AT(SR, status),
	  .names = status_names, .smi = FS_INTEGER, .arc = MH_SV_STATUS },
	{ .name = "since", .kind = FK_AGE, FIELD_AT(SR, last_change),
	  .have = SVC_HAVE_CHANGED, .flags = FF_NOJSON },
	{ .name = "down", .kind = FK_INT, FIELD_AT(SR, down),
	  .have = SVC_HAVE_DECIDED, .flags = FF_NOTEXT | FF_NOJSON,
	  .metric = "service.down", .detail = detail_down },
	{ .name = "response_ms", .kind = FK_I64, FIELD_AT(SR, response_ms),
	  .have = SVC_HAVE_RESPONSE, .smi = FS_GAUGE, .arc = MH_SV_RESPONSE,
	  .metric = "service.response", .unit = "ms", .label = "ms",
	  .detail = detail_response },
	{ .name = "last_change", .kind = FK_TIME, FIELD_AT(SR, last_change),
	  .have = SVC_HAVE_CHANGED, .smi = FS_DATEANDTIME,
	  .arc = MH_SV_LASTCHANGE, .flags = FF_NOTEXT },
	{ .name = "last_error", .kind = FK_CHARS,
	  FIELD_CHARS(SR, last_error), .smi = FS_STRING,
	  .arc = MH_SV_LASTERROR, .flags = FF_NOTEXT },
	{ .name = "cert_days", .kind = FK_INT, FIELD_AT(SR, cert_days),
	  .have = SVC_HAVE_CERT, .smi = FS_INTEGER, .arc = MH_SV_CERTDAYS,
	  .metric = "service.cert_days", .unit = "days",
	  .label = "cert days", .detail = detail_cert },
	{ .name = "failures", .kind = FK_U32, FIELD_AT(SR, fails),
	  .have = SVC_HAVE_CHECKED, .smi = FS_GAUGE, .arc = MH_SV_FAILURES,
	  .label = "fails" },
	{ .name = "successes", .kind = FK_U32, FIELD_AT(SR, oks),
	  .have = SVC_HAVE_CHECKED, .flags = FF_NOTEXT },
	{ .name = "checks", .kind = FK_U64, FIELD_AT(SR, checks),
	  .smi = FS_COUNTER32, .arc = MH_SV_CHECKS, .flags = FF_NOTEXT },
	{ .name = "ok", .kind = FK_INT, FIELD_AT(SR, ok),
	  .have = SVC_HAVE_CHECKED, .flags = FF_NOTEXT },
	{ .name = "result", .kind = FK_CHARS, FIELD_CHARS(SR, result),
	  .have = SVC_HAVE_CHECKED, .smi = FS_STRING,
	  .arc = MH_SV_LASTRESULT },
	{ .name = "fw_rules", .kind = FK_U32, FIELD_AT(SR, fw_rules),
	  .have = SVC_HAVE_FW | SVC_HAVE_FWREAD, .smi = FS_GAUGE,
	  .arc = MH_SV_FWRULES, .flags = FF_NOTEXT },
	{ .name = "fw_fingerprint", .kind = FK_CHARS,
	  FIELD_CHARS(SR, fw_fingerprint),
	  .have = SVC_HAVE_FW | SVC_HAVE_FWREAD, .smi = FS_STRING,
	  .arc = MH_SV_FWFINGERPRINT, .flags = FF_NOTEXT },
	{ .name = "fw_changed", .kind = FK_INT, FIELD_AT(SR, fw_changed),
	  .have = SVC_HAVE_FW | SVC_HAVE_CHECKED,
	  .flags = FF_NOTEXT | FF_NOJSON, .metric = "service.fw_changed",
	  .detail = detail_fw },
	{ .name = "fw_changes", .kind = FK_U64, FIELD_AT(SR, fw_changes),
	  .have = SVC_HAVE_FW, .smi = FS_COUNTER32, .arc = MH_SV_FWCHANGES,
	  .flags = FF_NOTEXT },
	{ .name = "fw_last_change", .kind = FK_TIME,
	  FIELD_AT(SR, fw_last_change), .have = SVC_HAVE_FW | SVC_HAVE_FWEVENT,
	  .smi = FS_DATEANDTIME, .arc = MH_SV_FWLASTCHANGE,
	  .flags = FF_NOTEXT },
	{ .name = "fw_last_event", .kind = FK_CHARS,
	  FIELD_CHARS(SR, fw_last_event),
	  .have = SVC_HAVE_FW | SVC_HAVE_FWEVENT, .smi = FS_STRING,
	  .arc = MH_SV_FWLASTEVENT, .flags = FF_NOTEXT },
};

static const struct ftable services_tables[] = {
	{ .name = "checks", .title = "service checks", .arc = MH_SVC_TABLE,
	  .index = IX_POSITION, .have = SVC_HAVE_ROWS,
	  .rows_off = offsetof(SP, rows), .nrows_off = offsetof(SP, nrows),
	  .row_size = sizeof(SR), .row_have_off = offsetof(SR, have),
	  .cols = FIELDS(service_cols) },
};

const struct fgroup services_groups[] = {
	{ .name = "services", .title = "services",
	  .mib_group = MH_G_SERVICES, .family = MH_FAM_SERVICE,
	  .have_off = offsetof(SP, have), .fields = NULL, .nfields = 0,
	  .tables = FIELDS(services_tables) },
};

void
services_row_fill(SR *row, const struct probe_desc *d,
    const struct probe_result *r, const struct services_extra *x)
{
	memset(row, 0, sizeof(*row));
	row->name = xstrdup(d->name);
	row->kind = d->kind;
	/* a process check by pid file alone, a firewall check of the
	 * whole ruleset: say what is checked all the same */
	row->target = xstrdup(d->target ? d->target : d->pidfile ?
	    d->pidfile : "");
	row->status = r->status;
	row->last_change = r->last_change;
	snprintf(row->last_error, sizeof(row->last_error), "%s",
	    r->last_error);
	row->fails = r->fails;
	row->oks = r->oks;
	row->checks = x->checks;
	if (r->checked) {
		row->have |= SVC_HAVE_CHECKED;
		row->ok = r->ok;
		snprintf(row->result, sizeof(row->result), "%s",
		    r->ok ? r->detail : r->error);
	}
	if (r->status == PROBE_UP || r->status == PROBE_DOWN) {
		row->have |= SVC_HAVE_DECIDED;
		row->down = r->status == PROBE_DOWN;
	}
	/* a failure's time says nothing about speed (refused: 0 ms) */
	if (r->checked && r->ok && r->response_ms >= 0) {
		row->have |= SVC_HAVE_RESPONSE;
		row->response_ms = r->response_ms;
	}
	if (r->have_cert) {
		row->have |= SVC_HAVE_CERT;
		row->cert_days = r->cert_days;
	}
	if (r->last_change != 0)
		row->have |= SVC_HAVE_CHANGED;
	if (d->kind == PROBE_FIREWALL) {
		row->have |= SVC_HAVE_FW;
		if (r->fw_fingerprint[0] != '\0')
			row->have |= SVC_HAVE_FWREAD;
		row->fw_rules = r->fw_rules;
		memcpy(row->fw_fingerprint, r->fw_fingerprint,
		    sizeof(row->fw_fingerprint));
		row->fw_changed = r->fw_changed;
		row->fw_changes = x->fw_changes;
		if (x->fw_changes > 0) {
			row->have |= SVC_HAVE_FWEVENT;
			row->fw_last_change = x->fw_last_change;
			snprintf(row->fw_last_event,
			    sizeof(row->fw_last_event), "%s",
			    x->fw_last_event);
		}
	}
}

void
services_part_free(void *p)
{
	SP *s = p;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nrows; i++) {
		free(s->rows[i].name);
		free(s->rows[i].target);
	}
	free(s->rows);
	free(s);
}
