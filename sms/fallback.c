/*
 * fallback.c: no page is lost without a trace. A message that cannot be
 * written to the spool (a full or read-only file system, a spool that
 * vanished) goes to the fallback spool (fallback_spool, by default under
 * /run: another file system than /var); when that fails too, its whole
 * text goes to syslog at LOG_ALERT, and the audit log says which of these
 * happened ("queued", "fallback", "lost"). Printing on stderr was not a
 * trace: snmptrapd throws a handler's stderr away.
 *
 * The sender sends from both spools (sender.c), and `mailhealth-sms
 * --status` counts what waits in each and what was lost (status.c).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sms.h"

/*
 * One RFC 3164 message ("<PRI>Mmm dd hh:mm:ss mailhealth-sms[PID]: MSG")
 * to the AF_UNIX datagram socket at path. Not syslog(3): it always
 * writes to /dev/log, and this must work where the admin (or a test)
 * points it. 0 when the socket took the message.
 */
int
fallback_syslog(const char *path, int pri, const char *msg)
{
	struct sockaddr_un sa;
	char when[32];
	struct tm tm;
	time_t now = time(NULL);
	char *line;
	int fd, rc = -1;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%b %e %H:%M:%S", &tm);
	line = xasprintf("<%d>%s mailhealth-sms[%d]: %s", pri, when,
	    (int)getpid(), msg);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && sendto(fd, line, strlen(line), MSG_DONTWAIT,
	    (struct sockaddr *)&sa, sizeof(sa)) == (ssize_t)strlen(line))
		rc = 0;
	if (fd >= 0) {
		int e = errno;

		close(fd);
		errno = e;
	}
	free(line);
	return rc;
}

/*
 * Spool m: in the spool when main_ok, else (or when that fails) in the
 * fallback spool, else to syslog. Audited either way; `detail` is the
 * audit detail of a normal "queued" line (raised, cleared, summary).
 * Returns 0 (spool), 1 (fallback spool) or -1 (lost: only syslog and the
 * audit log have it).
 */
int
fallback_put(const struct sms_conf *c, struct spool_msg *m, bool main_ok,
    const char *detail)
{
	char *why, *msg;
	bool logged;

	if (main_ok) {
		if (spool_put(c->spool_dir, m) == 0) {
			audit_event("queued", m->to, m->name, detail, m->text);
			return 0;
		}
		why = xasprintf("cannot spool in %s: %s", c->spool_dir,
		    strerror(errno));
	} else
		why = xasprintf("spool %s unusable", c->spool_dir);

	if (c->fallback_dir) {
		/* named from the main spool's sequence when it can still be
		 * read, so the sender keeps the arrival order across both */
		free(m->name);
		m->name = spool_unique_name(spool_next_seq(c->spool_dir), "m");
		if (spool_init(c->fallback_dir) == 0 &&
		    spool_put(c->fallback_dir, m) == 0) {
			char *d = xasprintf("%s; in the fallback spool %s (%s)",
			    why, c->fallback_dir, detail);

			log_warnx("spool", "SMS to %s: %s", m->to, d);
			audit_event("fallback", m->to, m->name, d, m->text);
			free(d);
			free(why);
			return 1;
		}
		msg = xasprintf("%s; cannot spool in %s either: %s", why,
		    c->fallback_dir, strerror(errno));
		free(why);
		why = msg;
	}

	/* the last resort: the whole text where an admin will look */
	msg = xasprintf("ALERT LOST for %s (%s): %s", m->to, why, m->text);
	logged = c->syslog_socket &&
	    fallback_syslog(c->syslog_socket, LOG_DAEMON | LOG_ALERT, msg) == 0;
	log_warnx("spool", "%s%s", msg, logged ? "" : " (syslog failed too)");
	{
		char *d = xasprintf("%s; %s", why, logged ? "text sent to "
		    "syslog (LOG_ALERT)" : "syslog failed too");

		audit_event("lost", m->to, NULL, d, m->text);
		free(d);
	}
	free(msg);
	free(why);
	return -1;
}
