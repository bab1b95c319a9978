/*
 * sms_main.c: the command line of mailhealth-sms and of its sender. The
 * handler path itself (what snmptrapd runs for every notification) is
 * handler.c; --status is status.c.
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
		    "       mailhealth-sms [-c FILE] --check-config | --status\n"
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
	    OPT_DEBUG, OPT_DETACHED, OPT_STATUS };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "flush", no_argument, NULL, OPT_FLUSH },
		{ "daemon", no_argument, NULL, OPT_DAEMON },
		{ "test", required_argument, NULL, OPT_TEST },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "status", no_argument, NULL, OPT_STATUS },
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
		case OPT_STATUS: o->status = true; break;
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
	    (o->test_text != NULL) + o->check + o->status +
	    (o->detached_fd >= 0)) > 1 || (o->status && (sender || o->dry_run)) ||
	    ((o->daemon_mode || o->detached_fd >= 0) && o->dry_run)) {
		sms_usage(stderr, sender);
		return false;
	}
	return true;
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
	if (o.status) {
		rc = status_report(c, stdout);
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
		handler_set_args(args + 1, argc - 1);
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
