/*
 * sms_main.c: the command line, and the handler path snmptrapd runs for
 * every notification: read, parse, decide, spool, make sure a sender is
 * on it, exit. No network I/O happens on this path, so snmptrapd (which
 * waits for each handler in turn) is never held up by a slow gateway.
 *
 * This program does not link libcurl: loading it and the thirty-odd
 * libraries it pulls in cost ~5 ms a run, which made snmptrapd fall
 * behind in a burst. --flush, --daemon and --test exec
 * mailhealth-sms-sender with the same arguments (launch.c); its
 * command line is parsed by sms_opts_parse() too.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sms.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define SMS_DEFAULT_CONF SYSCONFDIR "/mailhealth/mailhealth-sms.conf"
#define SMS_READ_TIMEOUT_MS 5000

static void
sms_usage(FILE *f, bool sender)
{
	if (sender)
		fprintf(f,
		    "usage: " SMS_SENDER_NAME " [-c FILE] [-D] --flush | --daemon\n"
		    "       " SMS_SENDER_NAME " [-c FILE] [-D] [--dry-run] --test TEXT\n"
		    "The sending half of mailhealth-sms, which runs it for these\n"
		    "modes and starts it detached after spooling a notification.\n"
		    "Default config: %s\n", SMS_DEFAULT_CONF);
	else
		fprintf(f,
		    "usage: mailhealth-sms [-c FILE] [-D] [--dry-run]\n"
		    "       mailhealth-sms [-c FILE] [-D] --flush | --daemon\n"
		    "       mailhealth-sms [-c FILE] [-D] [--dry-run] --test TEXT\n"
		    "       mailhealth-sms [-c FILE] --check-config\n"
		    "Without a mode, reads one notification from snmptrapd on stdin\n"
		    "and spools it. Default config: %s\n", SMS_DEFAULT_CONF);
}

/*
 * The command line of both programs. false: exit with *rc (usage error,
 * --help, --version). --detached=FD is the sender's only: how a handler
 * hands it sender.lock (launch.c).
 */
bool
sms_opts_parse(int argc, char **argv, bool sender, struct sms_opts *o,
    int *rc)
{
	enum { OPT_DRY = 256, OPT_FLUSH, OPT_DAEMON, OPT_TEST, OPT_CHECK,
	    OPT_DEBUG, OPT_DETACHED };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "flush", no_argument, NULL, OPT_FLUSH },
		{ "daemon", no_argument, NULL, OPT_DAEMON },
		{ "test", required_argument, NULL, OPT_TEST },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "debug", optional_argument, NULL, OPT_DEBUG },
		{ "detached", required_argument, NULL, OPT_DETACHED },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = sender ? SMS_SENDER_NAME : "mailhealth-sms";
	int ch;

	memset(o, 0, sizeof(*o));
	o->conffile = SMS_DEFAULT_CONF;
	o->detached_fd = -1;
	*rc = SMS_EX_USAGE;
	while ((ch = getopt_long(argc, argv, "c:DhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->conffile = optarg; break;
		case 'D': log_set_debug("all"); break;
		case OPT_DEBUG: log_set_debug(optarg ? optarg : "all"); break;
		case OPT_DRY: o->dry_run = true; break;
		case OPT_FLUSH: o->flush = true; break;
		case OPT_DAEMON: o->daemon_mode = true; break;
		case OPT_TEST: o->test_text = optarg; break;
		case OPT_CHECK: o->check = true; break;
		case OPT_DETACHED: {
			char *end;
			long fd;

			errno = 0;
			fd = strtol(optarg, &end, 10);
			if (!sender || errno || *end || end == optarg ||
			    fd < 0 || fd > INT_MAX) {
				sms_usage(stderr, sender);
				return false;
			}
			o->detached_fd = (int)fd;
			break;
		}
		case 'h': sms_usage(stdout, sender); *rc = SMS_EX_OK;
			return false;
		case 'V': printf("%s %s\n", prog, PACKAGE_VERSION);
			*rc = SMS_EX_OK;
			return false;
		default: sms_usage(stderr, sender); return false;
		}
	}
	if (optind != argc || (o->flush + o->daemon_mode +
	    (o->test_text != NULL) + o->check + (o->detached_fd >= 0)) > 1 ||
	    ((o->daemon_mode || o->detached_fd >= 0) && o->dry_run)) {
		sms_usage(stderr, sender);
		return false;
	}
	return true;
}

/* The handler's own options, passed on to a sender it starts. */
static char *const *sms_args;
static int sms_nargs;

struct sms_ctx {
	const struct sms_alert *a;
};

static const char *
sms_alert_get(void *ctx, const char *name, size_t len)
{
	return alert_field(((struct sms_ctx *)ctx)->a, name, len);
}

/* --dry-run: what would be sent to whom, and the request (gwreq.c). */
void
sms_print_plan(const struct sms_conf *c, const char *to, const char *verdict,
    const char *text)
{
	struct msg_len ml;

	printf("to=%s verdict=%s", to, verdict);
	if (text) {
		msg_measure(text, &ml);
		printf(" coding=%s units=%zu/%zu\n  text: %s\n",
		    ml.coding == MSG_GSM7 ? "GSM-7" : "UCS-2", ml.units,
		    msg_budget(ml.coding, c->max_segments), text);
		{
			struct gw_request r;
			char err[200];

			if (gateway_build(&c->gw, to, text, "dry-run", &r, err,
			    sizeof(err)) == 0) {
				gateway_dump(stdout, &c->gw, &r);
				gateway_request_free(&r);
			} else
				printf("  error: %s\n", err);
		}
	} else
		printf("\n");
}

/*
 * A notification of ours that lacks some mhNotify objects is still paged
 * (the default templates leave out what is empty): a terse page beats a
 * lost one. What it lacked goes to the log and the audit log, so the
 * admin can see why the page is terse.
 */
static void
sms_note_incomplete(const struct trap *t, const struct sms_alert *a)
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

/*
 * One notification, already read. Returns an exit status: 0 spooled or
 * deliberately not sent, 65 malformed input, 75/74 could not spool.
 */
int
sms_handle(const struct sms_conf *c, const char *input, size_t len,
    bool dry_run, time_t now, int minute)
{
	struct trap t;
	struct sms_alert a;
	struct route_target *tg = NULL;
	struct storm_params p = storm_params_of(c);
	struct storm *st = NULL;
	struct strbuf base;
	struct sms_ctx ctx;
	char err[256], *key = NULL, *state = NULL, *text = NULL;
	size_t ntg = 0, i;
	int lock = -1, rc = SMS_EX_OK;
	bool spooled = false, held = false, dirty = false;

	memset(&a, 0, sizeof(a));
	strbuf_init(&base);
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
	sms_note_incomplete(&t, &a);
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
	ctx.a = &a;
	if (msg_tmpl_expand(a.cleared ? c->tmpl_cleared[a.family] :
	    c->tmpl_raised[a.family], sms_alert_get, &ctx, NULL, &base, err,
	    sizeof(err)) != 0) {
		/* templates are checked at load time; belt and braces */
		log_warnx("msg", "template: %s", err);
		rc = SMS_EX_CONFIG;
		goto out;
	}
	{
		char *clean = msg_clean(base.s);

		strbuf_reset(&base);
		strbuf_puts(&base, clean);
		free(clean);
	}
	key = alert_key(&a);
	ntg = route_select(c, &a, minute, &tg);
	if (ntg == 0) {
		audit_event("suppressed", NULL, NULL, "no route", base.s);
		if (dry_run)
			printf("no recipient for this notification\n");
		goto out;
	}

	if (!dry_run && spool_init(c->spool_dir) != 0) {
		rc = SMS_EX_IOERR;
		goto out;
	}
	state = spool_path(c->spool_dir, "state", NULL);
	if (!dry_run &&
	    (lock = spool_lock(c->spool_dir, "state.lock", true)) < 0) {
		log_warn("spool", "cannot lock %s/state.lock", c->spool_dir);
		rc = SMS_EX_TEMPFAIL;
		goto out;
	}
	st = storm_new();
	storm_load(st, state);
	for (i = 0; i < ntg; i++) {
		char *summary = NULL, *suffix = NULL;
		enum storm_verdict v;

		v = storm_decide(st, &p, tg[i].to, key, a.cleared, a.family,
		    a.severity, tg[i].quiet, now, &summary);
		dirty = true;
		if (v == STORM_RATE || v == STORM_QUIET)
			held = true;	/* a summary is now owed */
		if (v != STORM_SEND) {
			audit_event("suppressed", tg[i].to, NULL,
			    storm_verdict_name(v), base.s);
			if (dry_run)
				sms_print_plan(c, tg[i].to,
				    storm_verdict_name(v), NULL);
			continue;
		}
		if (summary)
			suffix = xasprintf(" (%s)", summary);
		text = msg_fit(base.s, suffix, c->max_segments, c->marker,
		    c->allow_ucs2);
		free(summary);
		free(suffix);
		if (dry_run) {
			sms_print_plan(c, tg[i].to, "send", text);
		} else {
			struct spool_msg m = { 0 };

			m.to = tg[i].to;
			m.text = text;
			m.kind = (char *)"alert";
			m.key = key;
			m.created = now;
			if (spool_put(c->spool_dir, &m) != 0) {
				log_warnx("spool", "ALERT LOST for %s: cannot "
				    "spool: %s", tg[i].to, text);
				rc = SMS_EX_IOERR;
			} else {
				audit_event("queued", m.to, m.name,
				    a.cleared ? "cleared" : "raised", text);
				spooled = true;
			}
			free(m.name);
		}
		free(text);
		text = NULL;
	}
	if (!dry_run && dirty)
		storm_save(st, state);
out:
	if (lock >= 0)
		close(lock);
	/* someone must send what we spooled, and the summary we owe; if
	 * nobody can, it stays spooled and the exit status says so */
	if ((spooled || (held && !dry_run)) &&
	    launch_sender_ensure(c, sms_args, sms_nargs,
	    log_debug_enabled("sender")) != 0 && rc == SMS_EX_OK)
		rc = SMS_EX_UNAVAILABLE;
	storm_free(st);
	route_targets_free(tg, ntg);
	strbuf_free(&base);
	free(key);
	free(state);
	free(text);
	alert_free(&a);
	trapin_free(&t);
	return rc;
}

int
sms_main(int argc, char **argv)
{
	struct sms_opts o;
	struct sms_conf *c = NULL;
	char err[600], **args;
	int rc, i;

	log_init("mailhealth-sms", LOG_TO_STDERR);
	/* getopt_long may permute argv; the sender gets it as we got it */
	args = xcalloc((size_t)argc + 1, sizeof(char *));
	for (i = 0; i < argc; i++)
		args[i] = argv[i];
	if (!sms_opts_parse(argc, argv, false, &o, &rc))
		goto out;
	if (o.flush || o.daemon_mode || o.test_text) {
		/* the modes that talk to the gateway live in the sender */
		rc = launch_exec_sender(args);
		goto out;
	}
	if ((c = sms_conf_load(o.conffile, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		rc = SMS_EX_CONFIG;
		goto out;
	}
	if (o.check) {
		rc = SMS_EX_OK;
		goto out;
	}
	if (!o.dry_run)
		audit_open(c->audit_log);
	{
		char *buf;
		size_t len;
		time_t now = time(NULL);

		if (trapin_read_fd(STDIN_FILENO, &buf, &len,
		    SMS_READ_TIMEOUT_MS, err, sizeof(err)) != 0) {
			log_warnx("trap", "%s", err);
			audit_event("dropped", NULL, NULL, err, NULL);
			rc = SMS_EX_DATAERR;
			goto out;
		}
		/* a detached sender is started with our own options */
		sms_args = args + 1;
		sms_nargs = argc - 1;
		rc = sms_handle(c, buf, len, o.dry_run, now,
		    route_minute_of_day(now));
		free(buf);
	}
out:
	audit_close();
	sms_conf_free(c);
	free(args);
	return rc;
}
