/*
 * sender_main.c: mailhealth-sms-sender, installed in
 * $(pkglibexecdir). It runs what talks to the gateway, so only it links
 * libcurl:
 *
 *   --flush, --daemon, --test TEXT   mailhealth-sms execs us with its own
 *                                    arguments (same options, same pid);
 *   --detached=FD                    a handler spooled something and
 *                                    nobody held SPOOL/sender.lock: FD is
 *                                    that lock, taken by the handler and
 *                                    inherited across exec (launch.c).
 *
 * Run by hand it behaves as mailhealth-sms does for those modes.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sms.h"

/* All distinct recipients in the config, for --test. */
static size_t
sender_all_recipients(const struct sms_conf *c, char ***out)
{
	char **v = NULL;
	size_t n = 0, i, k, j;

	for (i = 0; i <= c->nroutes; i++) {
		char **list = i == 0 ? c->recipients :
		    c->routes[i - 1].recipients;
		size_t cnt = i == 0 ? c->nrecipients :
		    c->routes[i - 1].nrecipients;

		for (k = 0; k < cnt; k++) {
			for (j = 0; j < n; j++)
				if (strcmp(v[j], list[k]) == 0)
					break;
			if (j < n)
				continue;
			v = xreallocarray(v, n + 1, sizeof(char *));
			v[n++] = list[k];
		}
	}
	*out = v;
	return n;
}

/* --test TEXT: sent right now, not spooled, so the admin sees the answer. */
static int
sender_test(const struct sms_conf *c, const char *text0, bool dry_run)
{
	char **to;
	size_t n = sender_all_recipients(c, &to), i;
	char *text = msg_fit(text0, "", c->max_segments, c->marker,
	    c->allow_ucs2);
	int rc = SMS_EX_OK;

	gateway_global_init();
	for (i = 0; i < n; i++) {
		struct gw_request r;
		char err[256], *id = spool_unique_name(0, "test");
		long http;

		if (dry_run) {
			sms_print_plan(c, to[i], "test", text);
			free(id);
			continue;
		}
		if (gateway_build(&c->gw, to[i], text, id, &r, err,
		    sizeof(err)) != 0) {
			printf("FAIL %s: %s\n", to[i], err);
			rc = SMS_EX_UNAVAILABLE;
		} else {
			enum gw_result res = gateway_send(&c->gw, &r, &http,
			    err, sizeof(err));
			char *safe = gateway_redact(&c->gw, err);

			printf("%s %s: %s\n", res == GW_OK ? "OK" : "FAIL",
			    to[i], safe);
			audit_event(res == GW_OK ? "test" : "test-failed",
			    to[i], id, safe, text);
			if (res != GW_OK)
				rc = SMS_EX_UNAVAILABLE;
			free(safe);
			gateway_request_free(&r);
		}
		free(id);
	}
	gateway_global_cleanup();
	free(to);
	free(text);
	return rc;
}

/*
 * --detached=FD: FD must be this spool's sender.lock (or the fallback
 * spool's, when the handler could not use the first), and ours. flock on
 * the open file that already holds the lock succeeds at once; on any
 * other it fails (someone else's) or takes it (then it is ours).
 */
static bool
sender_lock_is(const char *dir, int fd)
{
	char *p = spool_path(dir, "sender.lock", NULL);
	struct stat a, b;
	bool ok;

	ok = fstat(fd, &a) == 0 && stat(p, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino;
	free(p);
	return ok;
}

/* The spool whose sender.lock fd is, or NULL (logged). */
static const char *
sender_lock_ok(const struct sms_conf *c, int fd)
{
	const char *dir = sender_lock_is(c->spool_dir, fd) ? c->spool_dir :
	    c->fallback_dir && sender_lock_is(c->fallback_dir, fd) ?
	    c->fallback_dir : NULL;
	bool ok = dir && flock(fd, LOCK_EX | LOCK_NB) == 0;

	if (!ok)
		log_warnx("sender", "--detached=%d is not a lock on %s/"
		    "sender.lock", fd, c->spool_dir);
	else
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return ok ? dir : NULL;
}

int
sender_main(int argc, char **argv)
{
	struct sms_opts o;
	struct sms_conf *c = NULL;
	const char *lock_dir;
	char err[600];
	int rc;

	log_init("mailhealth-sms", LOG_TO_STDERR);
	if (!sms_opts_parse(argc, argv, true, &o, &rc))
		return rc;
	if (!o.flush && !o.daemon_mode && !o.test_text && !o.check &&
	    o.detached_fd < 0) {
		fprintf(stderr, SMS_SENDER_NAME ": needs --flush, --daemon or "
		    "--test; the trap handler is mailhealth-sms\n");
		return SMS_EX_USAGE;
	}
	if (o.detached_fd >= 0 && !log_debug_enabled("sender"))
		log_init("mailhealth-sms", LOG_TO_SYSLOG);
	if ((c = sms_conf_load(o.conffile, err, sizeof(err))) == NULL) {
		if (o.detached_fd >= 0)
			log_warnx("conf", "%s", err);
		else
			fprintf(stderr, "%s\n", err);
		return SMS_EX_CONFIG;
	}
	if (o.check) {
		rc = SMS_EX_OK;
		goto out;
	}
	if (!o.dry_run)
		audit_open(c->audit_log);
	if (o.daemon_mode) {
		log_init("mailhealth-sms", log_debug_enabled("sender") ?
		    LOG_TO_STDERR : LOG_TO_SYSLOG);
		rc = sender_daemon(&c);
	} else if (o.flush) {
		rc = sender_flush(c, o.dry_run);
	} else if (o.test_text) {
		rc = sender_test(c, o.test_text, o.dry_run);
	} else if ((lock_dir = sender_lock_ok(c, o.detached_fd)) != NULL) {
		rc = sender_detached(&c, lock_dir, o.detached_fd);
	} else {
		rc = SMS_EX_USAGE;
	}
out:
	audit_close();
	sms_conf_free(c);
	return rc;
}
