/*
 * sender.c: moves spooled SMS to the gateway.
 *
 * Three ways to run it, one loop:
 *   --flush     one pass over everything (backoff ignored), then exit;
 *   --daemon    holds SPOOL/sender.lock for good, waits on inotify for
 *               new files and on the earliest retry / summary time;
 *               SIGHUP reloads the config (a bad one is logged with
 *               FILE:LINE and the running one stays) and reopens the
 *               audit log;
 *   detached    what a handler starts when nobody holds sender.lock: the
 *               daemon loop, but it exits once nothing is left to do.
 *
 * This is mailhealth-sms-sender (see sender_main.c), the only program
 * that links libcurl; mailhealth-sms execs it for --flush, --daemon and
 * --test, and a handler starts it detached (launch.c).
 *
 * Messages to one recipient go out in arrival order: when the oldest one
 * for a recipient is waiting for its retry time (or is being sent by
 * another process), the newer ones for that recipient wait too, so a clear
 * never overtakes its raise.
 *
 * Exit of a detached sender races with a handler that spooled a message
 * and saw the lock held. So the sender drops the lock, looks again, and
 * only exits when the spool is still empty or someone else took the lock
 * (the handler always spools first and checks the lock second).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SYS_INOTIFY_H
#include <sys/inotify.h>
#endif

#include "sms.h"

#define SENDER_IDLE_POLL 60	/* seconds between looks when nothing is due */

static volatile sig_atomic_t sender_stop, sender_hup;

static void
sender_on_signal(int sig)
{
	if (sig == SIGHUP)
		sender_hup = 1;
	else
		sender_stop = 1;
}

/* A recipient is quiet for a summary when every path to it is quiet. */
static bool
sender_quiet_for(void *ctx, const char *to)
{
	const struct sms_conf *c = ctx;
	int minute = route_minute_of_day(time(NULL));
	bool seen = false, quiet = true;
	size_t i, k;

	for (i = 0; i < c->nrecipients; i++)
		if (strcmp(c->recipients[i], to) == 0) {
			seen = true;
			quiet = quiet && route_quiet_now(&c->quiet, minute);
		}
	for (i = 0; i < c->nroutes; i++)
		for (k = 0; k < c->routes[i].nrecipients; k++)
			if (strcmp(c->routes[i].recipients[k], to) == 0) {
				const struct quiet *q = c->routes[i].quiet.set ?
				    &c->routes[i].quiet : &c->quiet;

				seen = true;
				quiet = quiet && route_quiet_now(q, minute);
			}
	return seen && quiet;
}

/* Stand-alone storm summaries that fell due. *next: when the next one is
 * due (0: none pending). */
static int
sender_summaries(const struct sms_conf *c, time_t now, bool dry_run,
    time_t *next)
{
	struct storm_params p = storm_params_of(c);
	struct storm *s = storm_new();
	char *state = spool_path(c->spool_dir, "state", NULL);
	char **to = NULL, **text = NULL;
	size_t n = 0, i;
	int lock, rc = 0;

	*next = 0;
	if ((lock = spool_lock(c->spool_dir, "state.lock", true)) < 0) {
		log_warn("sender", "cannot lock the storm state");
		rc = -1;
		goto out;
	}
	storm_load(s, state);
	n = storm_due_summaries(s, &p, now, sender_quiet_for, (void *)c, &to,
	    &text);
	for (i = 0; i < n; i++) {
		struct spool_msg m = { 0 };
		char *body = xasprintf("Held back: %s", text[i]);

		m.to = to[i];
		m.kind = (char *)"summary";
		m.key = (char *)"";
		m.text = msg_fit(body, "", c->max_segments, c->marker,
		    c->allow_ucs2);
		m.created = now;
		free(body);
		if (dry_run) {
			printf("summary to=%s text=%s\n", m.to, m.text);
		} else if (spool_put(c->spool_dir, &m) == 0) {
			audit_event("queued", m.to, m.name, "summary", m.text);
		} else {
			log_warnx("sender", "summary to %s lost: cannot spool",
			    m.to);
			rc = -1;
		}
		free(m.text);
		free(m.name);
	}
	if (n > 0 && !dry_run)
		storm_save(s, state);
	*next = storm_next_due(s, &p);
	close(lock);
out:
	for (i = 0; i < n; i++) {
		free(to[i]);
		free(text[i]);
	}
	free(to);
	free(text);
	free(state);
	storm_free(s);
	return rc;
}

int
sender_plan_summaries(const struct sms_conf *c, time_t now, bool dry_run)
{
	time_t next;

	return sender_summaries(c, now, dry_run, &next);
}

struct sender_stats {
	unsigned sent, retried, failed, left;
	unsigned busy;		/* of left: being sent by another process */
	time_t next_due;	/* earliest retry still waiting; 0 = none */
};

static bool
sender_blocked(char ***blocked, size_t *nb, const char *to, bool add)
{
	size_t i;

	for (i = 0; i < *nb; i++)
		if (strcmp((*blocked)[i], to) == 0)
			return true;
	if (add) {
		*blocked = xreallocarray(*blocked, *nb + 1, sizeof(char *));
		(*blocked)[(*nb)++] = xstrdup(to);
	}
	return false;
}

static time_t
sender_backoff(const struct sms_conf *c, unsigned attempts)
{
	time_t d = c->retry_min;

	while (attempts-- > 1 && d < c->retry_max)
		d *= 2;
	return d > c->retry_max ? c->retry_max : d;
}

static void
sender_dry(const struct sms_conf *c, const struct spool_msg *m)
{
	struct gw_request r;
	char err[200];
	struct msg_len ml;

	msg_measure(m->text, &ml);
	printf("to=%s id=%s kind=%s attempts=%u coding=%s units=%zu\n", m->to,
	    m->name, m->kind, m->attempts,
	    ml.coding == MSG_GSM7 ? "GSM-7" : "UCS-2", ml.units);
	printf("  text: %s\n", m->text);
	if (gateway_build(&c->gw, m->to, m->text, m->name, &r, err,
	    sizeof(err)) != 0) {
		printf("  error: %s\n", err);
		return;
	}
	gateway_dump(stdout, &c->gw, &r);
	gateway_request_free(&r);
}

/* One pass over outgoing/. force: ignore retry times (--flush). */
static void
sender_pass(const struct sms_conf *c, bool force, bool dry_run,
    struct sender_stats *st)
{
	char **names = NULL, **blocked = NULL;
	size_t n = 0, nb = 0, i;
	time_t now = time(NULL);

	memset(st, 0, sizeof(*st));
	if (spool_list(c->spool_dir, &names, &n) != 0)
		return;
	for (i = 0; i < n && !sender_stop; i++) {
		struct spool_claim cl;
		struct gw_request r;
		char detail[256], err[200], *safe;
		enum gw_result res;
		long http;
		int rc;

		rc = spool_claim(c->spool_dir, names[i], &cl);
		if (rc == 1) {
			/* in flight elsewhere: its recipient's later
			 * messages must wait behind it */
			struct spool_msg m;
			char *p = spool_path(c->spool_dir, "outgoing",
			    names[i]);

			if (spool_read_msg(p, &m) == 0) {
				sender_blocked(&blocked, &nb, m.to, true);
				st->left++;
				st->busy++;
				spool_msg_free(&m);
			}
			free(p);
			continue;
		}
		if (rc < 0) {
			log_warnx("sender", "%s: unreadable spool file, moved "
			    "to failed/", names[i]);
			audit_event("failed", NULL, names[i], "unreadable spool "
			    "file", NULL);
			st->failed++;
			spool_fail(c->spool_dir, &cl, "unreadable spool file");
			continue;
		}
		if (sender_blocked(&blocked, &nb, cl.msg.to, false)) {
			st->left++;
			spool_release(&cl);
			continue;
		}
		if ((c->max_age && now - cl.msg.created > c->max_age) ||
		    (c->max_attempts && cl.msg.attempts >=
		    (unsigned)c->max_attempts)) {
			snprintf(detail, sizeof(detail), "gave up after %u "
			    "attempts in %lld s", cl.msg.attempts,
			    (long long)(now - cl.msg.created));
			audit_event("failed", cl.msg.to, cl.msg.name, detail,
			    cl.msg.text);
			log_warnx("sender", "SMS to %s expired: %s", cl.msg.to,
			    detail);
			st->failed++;
			if (!dry_run)
				spool_fail(c->spool_dir, &cl, detail);
			else
				spool_release(&cl);
			continue;
		}
		if (!force && cl.msg.next_try > now) {
			if (st->next_due == 0 || cl.msg.next_try < st->next_due)
				st->next_due = cl.msg.next_try;
			sender_blocked(&blocked, &nb, cl.msg.to, true);
			st->left++;
			spool_release(&cl);
			continue;
		}
		if (dry_run) {
			sender_dry(c, &cl.msg);
			sender_blocked(&blocked, &nb, cl.msg.to, false);
			st->left++;
			spool_release(&cl);
			continue;
		}
		if (gateway_build(&c->gw, cl.msg.to, cl.msg.text, cl.msg.name,
		    &r, err, sizeof(err)) != 0) {
			audit_event("failed", cl.msg.to, cl.msg.name, err,
			    cl.msg.text);
			st->failed++;
			spool_fail(c->spool_dir, &cl, err);
			continue;
		}
		res = gateway_send(&c->gw, &r, &http, detail, sizeof(detail));
		gateway_request_free(&r);
		safe = gateway_redact(&c->gw, detail);
		switch (res) {
		case GW_OK:
			audit_event("sent", cl.msg.to, cl.msg.name, safe,
			    cl.msg.text);
			log_debug("sender", "sent %s to %s", cl.msg.name,
			    cl.msg.to);
			st->sent++;
			spool_done(&cl);
			break;
		case GW_TEMP: {
			unsigned att = cl.msg.attempts + 1;
			time_t next = now + sender_backoff(c, att);
			char *d = xasprintf("%s; attempt %u, next in %lld s",
			    safe, att, (long long)(next - now));

			audit_event("retry", cl.msg.to, cl.msg.name, d,
			    cl.msg.text);
			log_warnx("sender", "SMS to %s not accepted: %s",
			    cl.msg.to, d);
			free(d);
			spool_retry(&cl, att, next);
			if (st->next_due == 0 || next < st->next_due)
				st->next_due = next;
			sender_blocked(&blocked, &nb, cl.msg.to, true);
			st->retried++;
			st->left++;
			spool_release(&cl);
			break;
		}
		case GW_PERM:
			audit_event("failed", cl.msg.to, cl.msg.name, safe,
			    cl.msg.text);
			log_warnx("sender", "SMS to %s refused for good: %s",
			    cl.msg.to, safe);
			st->failed++;
			spool_fail(c->spool_dir, &cl, safe);
			break;
		}
		free(safe);
	}
	st->left += (unsigned)(n - i);	/* stopped early by a signal */
	spool_names_free(names, n);
	spool_names_free(blocked, nb);
}

/* Is a stand-alone summary still owed to someone? */
static bool
sender_summary_pending(const struct sms_conf *c)
{
	struct storm_params p = storm_params_of(c);
	struct storm *s = storm_new();
	char *state = spool_path(c->spool_dir, "state", NULL);
	int lock = spool_lock(c->spool_dir, "state.lock", true);
	bool pending = true;	/* when in doubt, stay */

	if (lock >= 0) {
		storm_load(s, state);
		pending = storm_next_due(s, &p) != 0;
		close(lock);
	}
	storm_free(s);
	free(state);
	return pending;
}

static bool
sender_spool_empty(const struct sms_conf *c)
{
	char **names;
	size_t n;

	if (spool_list(c->spool_dir, &names, &n) != 0)
		return false;
	spool_names_free(names, n);
	return n == 0;
}

static void
sender_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sender_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * SIGHUP in --daemon: parse the file again into a new struct sms_conf and
 * switch to it only when it is complete and valid. Anything wrong keeps
 * the running configuration, so a typo made while editing never stops
 * the pager. The spool cannot move under a running sender (it holds
 * SPOOL/sender.lock and watches SPOOL/outgoing), so a new
 * spool_directory is refused too. The audit log is reopened either way,
 * which is what logrotate's postrotate needs.
 */
static void
sender_reload(struct sms_conf **cp)
{
	struct sms_conf *old = *cp, *c;
	char err[600];

	if ((c = sms_conf_load(old->file, err, sizeof(err))) == NULL) {
		log_warnx("conf", "reload failed, keeping the running "
		    "configuration: %s", err);
		audit_open(old->audit_log);
		return;
	}
	if (strcmp(c->spool_dir, old->spool_dir) != 0) {
		log_warnx("conf", "reload failed, keeping the running "
		    "configuration: %s:0: spool_directory cannot change from "
		    "%s to %s while running (restart mailhealth-sms --daemon)",
		    c->file, old->spool_dir, c->spool_dir);
		sms_conf_free(c);
		audit_open(old->audit_log);
		return;
	}
	audit_open(c->audit_log);
	*cp = c;
	sms_conf_free(old);
	log_notice("conf", "reloaded %s", c->file);
}

/*
 * Sleep until `until` (0 = idle poll), a file lands in outgoing/, or a
 * signal. The signals are blocked from the flag test to ppoll(), which
 * unblocks them atomically: a SIGHUP or SIGTERM that arrives just before
 * the sleep interrupts it instead of waiting out the idle poll.
 */
static void
sender_wait(int ino, time_t until)
{
	time_t now = time(NULL);
	long ms;
	struct pollfd pfd;
	struct timespec ts;
	sigset_t block, old;

	if (until == 0 || until - now > SENDER_IDLE_POLL)
		until = now + SENDER_IDLE_POLL;
	ms = (long)(until - now) * 1000;
	if (ms <= 0)	/* a summary due but held by quiet hours: no spin */
		ms = SENDER_IDLE_POLL * 1000L;
	if (ino < 0 && ms > 1000)
		ms = 1000;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	pfd.fd = ino;
	pfd.events = POLLIN;
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (!sender_stop && !sender_hup &&
	    ppoll(ino >= 0 ? &pfd : NULL, ino >= 0 ? 1 : 0, &ts, &old) > 0) {
		char buf[4096];

		while (read(ino, buf, sizeof(buf)) > 0)
			;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* The lock file names its holder, for the admin (and the tests' cleanup). */
static void
sender_note_pid(int lockfd)
{
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

	if (ftruncate(lockfd, 0) != 0 || pwrite(lockfd, pid, (size_t)n, 0) != n)
		log_warn("sender", "cannot note our pid in sender.lock");
}

/* *cp is replaced by a SIGHUP reload (--daemon only; a detached sender
 * lives for one burst and keeps the config it started with). */
static int
sender_loop(struct sms_conf **cp, enum sender_mode mode, int lockfd)
{
	const struct sms_conf *c = *cp;
	struct sender_stats st;
	int ino = -1;

	sender_signals();
#ifdef HAVE_SYS_INOTIFY_H
	{
		char *p = spool_path(c->spool_dir, "outgoing", NULL);

		/* Only IN_MOVED_TO: every message arrives by rename
		 * (spool_put). IN_CLOSE_WRITE also fired for our own claims
		 * (opened O_RDWR), so while messages waited for a retry each
		 * pass woke the next one at once: a sender spun at 100% CPU
		 * for as long as the gateway was down. */
		ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (ino >= 0 && inotify_add_watch(ino, p, IN_MOVED_TO) < 0) {
			close(ino);
			ino = -1;
		}
		free(p);
	}
#endif
	sender_note_pid(lockfd);
	log_debug("sender", "sender %d running (%s)", (int)getpid(),
	    mode == SENDER_DAEMON ? "daemon" : "detached");
	while (!sender_stop) {
		time_t next_summary, wake;

		if (sender_hup) {
			sender_hup = 0;
			if (mode == SENDER_DAEMON) {
				sender_reload(cp);
				c = *cp;
			}
		}
		sender_summaries(c, time(NULL), false, &next_summary);
		sender_pass(c, false, false, &st);
		if (sender_stop)
			break;
		wake = st.next_due;
		if (next_summary && (wake == 0 || next_summary < wake))
			wake = next_summary;
		/* messages another process is sending: no inotify event
		 * tells when it is done (we watch arrivals only), so look
		 * again in a second rather than at the idle poll */
		if (st.busy > 0 && (wake == 0 || wake > time(NULL) + 1))
			wake = time(NULL) + 1;
		if (mode == SENDER_DETACHED && st.left == 0 &&
		    next_summary == 0) {
			/* drop the lock, then look once more (see top) */
			close(lockfd);
			lockfd = -1;
			if (sender_spool_empty(c) &&
			    !sender_summary_pending(c))
				break;
			if ((lockfd = spool_lock(c->spool_dir, "sender.lock",
			    false)) < 0)
				break;	/* another sender has it now */
			sender_note_pid(lockfd);
			continue;
		}
		sender_wait(ino, wake);
	}
	if (ino >= 0)
		close(ino);
	if (lockfd >= 0)
		close(lockfd);
	log_debug("sender", "sender %d exits", (int)getpid());
	return 0;
}

/* --flush: one pass, backoff ignored, then exit. */
int
sender_flush(const struct sms_conf *c, bool dry_run)
{
	struct sender_stats st;
	time_t next;
	int rc;

	if (spool_init(c->spool_dir) != 0)
		return SMS_EX_IOERR;
	gateway_global_init();
	sender_summaries(c, time(NULL), dry_run, &next);
	sender_pass(c, true, dry_run, &st);
	if (!dry_run)
		printf("sent %u, retry later %u, failed %u\n", st.sent,
		    st.left - st.busy, st.failed);
	/* what another sender has in hand is not ours to report */
	rc = st.left > st.busy && !dry_run ? SMS_EX_TEMPFAIL : SMS_EX_OK;
	gateway_global_cleanup();
	return rc;
}

/* --daemon: runs until SIGTERM; SIGHUP replaces *cp (see sender_reload). */
int
sender_daemon(struct sms_conf **cp)
{
	int lockfd, rc;

	/* handlers installed before the wait below, so a SIGHUP sent while
	 * we wait for a detached sender is kept for the loop, not fatal */
	sender_signals();
	if (spool_init((*cp)->spool_dir) != 0)
		return SMS_EX_IOERR;
	gateway_global_init();
	/* wait for a detached sender to finish, then own the spool */
	if ((lockfd = spool_lock((*cp)->spool_dir, "sender.lock", true)) < 0) {
		log_warn("sender", "cannot lock %s/sender.lock",
		    (*cp)->spool_dir);
		rc = SMS_EX_IOERR;
		goto out;
	}
	rc = sender_loop(cp, SENDER_DAEMON, lockfd);
out:
	gateway_global_cleanup();
	return rc;
}

/*
 * What a handler starts (through launch.c, fork + setsid + fork + exec)
 * when nobody held sender.lock: lockfd is that lock, taken by the handler
 * and inherited across exec. The daemon loop, exiting once nothing is
 * left to do. The config is the one loaded from the handler's file.
 */
int
sender_detached(struct sms_conf **cp, int lockfd)
{
	gateway_global_init();
	sender_loop(cp, SENDER_DETACHED, lockfd);
	gateway_global_cleanup();
	return SMS_EX_OK;
}
