/*
 * handler.c: what snmptrapd runs for every notification: parse, decide,
 * spool, make sure a sender is on it, return. No network I/O happens on
 * this path, so snmptrapd (which waits for each handler in turn) is never
 * held up by a slow gateway; and no lock is waited for longer than
 * SMS_LOCK_TIMEOUT_MS, so it is never held up by a stuck process either.
 *
 * Every outcome leaves an audit line: queued, fallback or lost (fallback.c),
 * suppressed (storm control, no route), dropped (malformed, foreign),
 * incomplete (missing varbinds), error (no storm state, no template).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sms.h"

/* The handler's own options, passed on to a sender it starts. */
static char *const *handler_args;
static int handler_nargs;

void
handler_set_args(char *const *args, int nargs)
{
	handler_args = args;
	handler_nargs = nargs;
}

static const char *
handler_alert_get(void *ctx, const char *name, size_t len)
{
	return alert_field(ctx, name, len);
}

/* --dry-run: what would be sent to whom, and the request (gwreq.c). */
void
sms_print_plan(const struct sms_conf *c, const char *to, const char *verdict,
    const char *text)
{
	struct msg_len ml;
	struct gw_request r;
	char err[200];

	printf("to=%s verdict=%s", to, verdict);
	if (text == NULL) {
		printf("\n");
		return;
	}
	msg_measure(text, &ml);
	printf(" coding=%s units=%zu/%zu\n  text: %s\n",
	    ml.coding == MSG_GSM7 ? "GSM-7" : "UCS-2", ml.units,
	    msg_budget(ml.coding, c->max_segments), text);
	if (gateway_build(&c->gw, to, text, "dry-run", &r, err,
	    sizeof(err)) == 0) {
		gateway_dump(stdout, &c->gw, &r);
		gateway_request_free(&r);
	} else
		printf("  error: %s\n", err);
}

/*
 * A notification of ours that lacks some mhNotify objects is still paged
 * (the default templates leave out what is empty): a terse page beats a
 * lost one. What it lacked goes to the log and the audit log, so the
 * admin can see why the page is terse.
 */
static void
handler_note_incomplete(const struct trap *t, const struct sms_alert *a)
{
	char *miss = alert_missing_names(a), *d;

	if (miss == NULL && !a->no_trap_oid)
		return;
	if (a->no_trap_oid)
		d = xasprintf("no snmpTrapOID.0: paged as a %s raise%s%s",
		    mh_family_name(a->family), miss ? "; lacks " : "",
		    miss ? miss : "");
	else
		d = xasprintf("%s lacks %s: paged with what it has",
		    a->trap_oid, miss);
	log_warnx("trap", "incomplete notification from %s: %s", t->host, d);
	audit_event("incomplete", NULL, NULL, d, NULL);
	free(d);
	free(miss);
}

/* The text of a, before storm control adds a summary; NULL (logged and
 * audited) when the template fails, which the config check prevents. */
static char *
handler_text(const struct sms_conf *c, const struct sms_alert *a)
{
	struct strbuf b;
	char err[256], *text;

	strbuf_init(&b);
	if (msg_tmpl_expand(a->cleared ? c->tmpl_cleared[a->family] :
	    c->tmpl_raised[a->family], handler_alert_get, (void *)a, NULL, &b,
	    err, sizeof(err)) != 0) {
		log_warnx("msg", "template: %s", err);
		audit_event("error", NULL, NULL, err, a->trap_oid);
		strbuf_free(&b);
		return NULL;
	}
	text = msg_clean(b.s);
	strbuf_free(&b);
	return text;
}

/*
 * The storm state, under state.lock. When the lock cannot be had within
 * SMS_LOCK_TIMEOUT_MS (a stuck process holds it) or the spool is not
 * usable, the page goes out without storm control: a duplicate costs
 * less than a page that never leaves. -1 then, and audited.
 */
static int
handler_lock_state(const struct sms_conf *c, bool main_ok)
{
	int lock;
	char *d;

	if (!main_ok)
		return -1;
	if ((lock = spool_lock(c->spool_dir, "state.lock",
	    SMS_LOCK_TIMEOUT_MS)) >= 0)
		return lock;
	d = xasprintf("%s/state.lock: %s: paged without storm control",
	    c->spool_dir, errno == EWOULDBLOCK ? "held by another process "
	    "for more than 1 s" : strerror(errno));
	log_warnx("spool", "%s", d);
	audit_event("error", NULL, NULL, d, NULL);
	free(d);
	return -1;
}

struct handler_run {
	const struct sms_conf *c;
	bool dry_run, main_ok;
	int lock;		/* state.lock, -1: no storm control */
	struct storm *st;
	bool spooled, held, dirty, lost, paged;
};

/* One recipient: the storm verdict, then the spool (or its fallbacks). */
static void
handler_one(struct handler_run *h, const struct route_target *tg,
    const struct sms_alert *a, const char *key, const char *base,
    time_t now)
{
	const struct sms_conf *c = h->c;
	struct storm_params p = storm_params_of(c);
	struct spool_msg m = { 0 };
	char *summary = NULL, *suffix = NULL, *missed, *text;
	enum storm_verdict v = STORM_SEND;

	if (h->lock >= 0 || h->dry_run) {
		v = storm_decide(h->st, &p, tg->to, key, a->cleared, a->family,
		    a->severity, tg->quiet, now, &summary);
		h->dirty = true;
	}
	if (v == STORM_RATE || v == STORM_QUIET)
		h->held = true;	/* a summary is now owed */
	if (v != STORM_SEND) {
		audit_event("suppressed", tg->to, NULL, storm_verdict_name(v),
		    base);
		if (h->dry_run)
			sms_print_plan(c, tg->to, storm_verdict_name(v), NULL);
		return;
	}
	if (summary)
		suffix = xasprintf(" (%s)", summary);
	/* the raise this clears never reached the phone (it expired or
	 * was refused): say what is cleared */
	if (a->cleared && (h->lock >= 0 || h->dry_run) &&
	    (missed = storm_take_undelivered(h->st, tg->to, key)) != NULL) {
		char *both = xasprintf("%s; missed: %s", base, missed);

		text = msg_fit(both, suffix, c->max_segments, c->marker,
		    c->allow_ucs2);
		free(both);
		free(missed);
	} else
		text = msg_fit(base, suffix, c->max_segments, c->marker,
		    c->allow_ucs2);
	free(summary);
	free(suffix);
	if (h->dry_run) {
		sms_print_plan(c, tg->to, "send", text);
		free(text);
		return;
	}
	h->paged = true;
	m.to = tg->to;
	m.text = text;
	m.kind = (char *)(a->cleared ? "clear" : "raise");
	m.key = (char *)key;
	m.created = now;
	if (fallback_put(c, &m, h->main_ok, a->cleared ? "cleared" :
	    "raised") < 0)
		h->lost = true;
	else
		h->spooled = true;
	free(m.name);
	free(text);
}

/*
 * `agents` set: only those may page, by the address snmptrapd received
 * the notification from or by its mhNotifyHost. With SNMPv3 (authPriv,
 * authUser in snmptrapd.conf) neither can be forged; with a community
 * the address is the better of the two. The rest is logged and audited.
 */
static bool
handler_trusted(const struct sms_conf *c, const struct sms_alert *a,
    const char *addr)
{
	size_t i;
	char *d;

	if (c->nagents == 0)
		return true;
	for (i = 0; i < c->nagents; i++)
		if ((addr && strcmp(c->agents[i], addr) == 0) ||
		    strcasecmp(c->agents[i], a->host) == 0)
			return true;
	d = xasprintf("from %s (host %s): not one of the configured agents",
	    addr ? addr : "an unknown address", a->host);
	log_warnx("trap", "notification rejected %s", d);
	audit_event("rejected", NULL, NULL, d, a->trap_oid);
	free(d);
	return false;
}

int
sms_handle(const struct sms_conf *c, const char *input, size_t len,
    bool dry_run, time_t now, int minute)
{
	return sms_handle_flags(c, input, len, dry_run ? HANDLE_DRY_RUN : 0,
	    now, minute);
}

/*
 * One notification, already read. Returns an exit status: 0 spooled
 * (perhaps in the fallback spool) or deliberately not sent, 65 malformed
 * input, 74 lost (only syslog and the audit log have it), 69 spooled but
 * no sender could be started. flags: HANDLE_DRY_RUN; HANDLE_INTERNAL for
 * what the sender makes itself (a dead-man page, a reconciled clear:
 * trusted, started from within the sender); HANDLE_RECONCILED.
 */
int
sms_handle_flags(const struct sms_conf *c, const char *input, size_t len,
    unsigned flags, time_t now, int minute)
{
	bool dry_run = (flags & HANDLE_DRY_RUN) != 0;
	struct handler_run h = { .c = c, .dry_run = dry_run, .lock = -1 };
	struct trap t;
	struct sms_alert a;
	struct route_target *tg = NULL;
	char err[256], *key = NULL, *state = NULL, *base = NULL, *addr = NULL;
	size_t ntg = 0, i;
	int rc = SMS_EX_OK;

	memset(&a, 0, sizeof(a));
	if (trapin_parse(input, len, &t, err, sizeof(err)) != 0) {
		log_warnx("trap", "malformed notification: %s", err);
		audit_event("dropped", NULL, NULL, err, NULL);
		return SMS_EX_DATAERR;
	}
	if (alert_from_trap(&t, &a, err, sizeof(err)) != 0) {
		log_warnx("trap", "malformed notification from %s: %s", t.host,
		    err);
		audit_event("dropped", NULL, NULL, err, NULL);
		rc = SMS_EX_DATAERR;
		goto out;
	}
	addr = trapin_source(t.transport);
	if (!(flags & HANDLE_INTERNAL) && !handler_trusted(c, &a, addr))
		goto out;
	if (a.heartbeat) {
		if (dry_run)
			printf("heartbeat of %s: recorded, not paged\n", a.host);
		else
			deadman_record(c, a.host, addr, a.interval, now);
		goto out;
	}
	if (!(flags & HANDLE_INTERNAL))
		handler_note_incomplete(&t, &a);
	if (!a.ours && !c->generic_other) {
		log_debug("trap", "not a MAILHEALTH-MIB notification (%s): "
		    "dropped", a.trap_oid);
		audit_event("dropped", NULL, NULL, "not a MAILHEALTH-MIB "
		    "notification", a.trap_oid);
		if (dry_run)
			printf("dropped: not a MAILHEALTH-MIB notification "
			    "(%s)\n", a.trap_oid);
		goto out;
	}
	if ((base = handler_text(c, &a)) == NULL) {
		rc = SMS_EX_CONFIG;
		goto out;
	}
	if (flags & HANDLE_RECONCILED) {
		char *b = xasprintf("%s (no longer active; its clear was lost)",
		    base);

		free(base);
		base = b;
	}
	key = alert_key(&a);
	ntg = route_select(c, &a, minute, &tg);
	if (ntg == 0) {
		audit_event("suppressed", NULL, NULL, "no route", base);
		if (dry_run)
			printf("no recipient for this notification\n");
		goto out;
	}

	h.main_ok = !dry_run && spool_init(c->spool_dir) == 0;
	state = spool_path(c->spool_dir, "state", NULL);
	if (!dry_run)
		h.lock = handler_lock_state(c, h.main_ok);
	h.st = storm_new();
	if (h.lock >= 0 || dry_run)
		storm_load(h.st, state);
	for (i = 0; i < ntg; i++)
		handler_one(&h, &tg[i], &a, key, base, now);
	if (h.lock >= 0 && h.dirty)
		storm_save(h.st, state);
	if (h.lock >= 0)
		recon_note(c, &a, addr, key, h.paged, now);
	if (h.lost)
		rc = SMS_EX_IOERR;
out:
	if (h.lock >= 0)
		close(h.lock);
	/* someone must send what we spooled, and the summary we owe; if
	 * nobody can, it stays spooled and the exit status says so */
	if ((h.spooled || (h.held && !dry_run)) &&
	    launch_sender_ensure(c, handler_args, handler_nargs,
	    log_debug_enabled("sender")) != 0 && rc == SMS_EX_OK)
		rc = SMS_EX_UNAVAILABLE;
	storm_free(h.st);
	route_targets_free(tg, ntg);
	free(base);
	free(key);
	free(state);
	free(addr);
	alert_free(&a);
	trapin_free(&t);
	return rc;
}
