/*
 * sender.c: when the sender runs a pass (deliver.c), and for how long it
 * lives. Three ways to run it, one loop:
 *   --flush     one pass over everything (backoff ignored), then exit;
 *   --daemon    holds SPOOL/sender.lock for good, waits on inotify for
 *               new files and on the earliest retry / summary time;
 *   detached    what a handler starts when nobody holds sender.lock: the
 *               daemon loop, but it exits once nothing is left to do.
 *
 * Both long-running kinds follow their configuration: the file is read
 * again when it changes (inotify on its directory, and a stat() every
 * turn) and on SIGHUP (for included files). A bad file is logged with
 * FILE:LINE and the running configuration stays. After a good reload the
 * next pass ignores the backoff: the gateway may just have been fixed.
 *
 * A sender whose spool is gone (removed, or its sender.lock replaced by
 * another) exits: it has nothing to send, and another sender may own the
 * new spool.
 *
 * This is mailhealth-sms-sender (see sender_main.c), the only program
 * that links libcurl; mailhealth-sms execs it for --flush, --daemon and
 * --test, and a handler starts it detached (launch.c).
 *
 * Exit of a detached sender races with a handler that spooled a message
 * and saw the lock held. So the sender drops the lock, looks again, and
 * only exits when the spool is still empty or someone else took the lock
 * (the handler always spools first and checks the lock second).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_SYS_INOTIFY_H
#include <sys/inotify.h>
#else
#define IN_MOVED_TO 0
#endif

#include "sms.h"

static volatile sig_atomic_t sender_stop, sender_hup;

static void
sender_on_signal(int sig)
{
	if (sig == SIGHUP)
		sender_hup = 1;
	else
		sender_stop = 1;
}

bool
sender_stopping(void)
{
	return sender_stop != 0;
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

static long long
sender_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What tells the configuration file apart from its next version. */
struct sender_stamp {
	bool ok;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

static struct sender_stamp
sender_stamp_of(const char *file)
{
	struct sender_stamp s;
	struct stat sb;

	memset(&s, 0, sizeof(s));
	if (stat(file, &sb) == 0) {
		s.ok = true;
		s.dev = sb.st_dev;
		s.ino = sb.st_ino;
		s.size = sb.st_size;
		s.mtime = sb.st_mtim;
		s.ctime = sb.st_ctim;
	}
	return s;
}

static bool
sender_stamp_changed(const struct sender_stamp *a, const struct sender_stamp *b)
{
	return a->ok != b->ok || a->dev != b->dev || a->ino != b->ino ||
	    a->size != b->size || a->mtime.tv_sec != b->mtime.tv_sec ||
	    a->mtime.tv_nsec != b->mtime.tv_nsec ||
	    a->ctime.tv_sec != b->ctime.tv_sec ||
	    a->ctime.tv_nsec != b->ctime.tv_nsec;
}

/*
 * Parse the file again into a new struct sms_conf and switch to it only
 * when it is complete and valid. Anything wrong keeps the running
 * configuration, so a typo made while editing never stops the pager. The
 * spool cannot move under a running sender (it holds SPOOL/sender.lock
 * and watches SPOOL/outgoing), so a new spool_directory is refused too.
 * The audit log is reopened either way, which is what logrotate's
 * postrotate needs. True when the new configuration is in force.
 */
static bool
sender_reload(struct sms_conf **cp)
{
	struct sms_conf *old = *cp, *c;
	char err[600];

	if ((c = sms_conf_load(old->file, err, sizeof(err))) == NULL) {
		log_warnx("conf", "reload failed, keeping the running "
		    "configuration: %s", err);
		audit_open(old->audit_log);
		return false;
	}
	if (strcmp(c->spool_dir, old->spool_dir) != 0) {
		log_warnx("conf", "reload failed, keeping the running "
		    "configuration: %s:0: spool_directory cannot change from "
		    "%s to %s while running (restart mailhealth-sms --daemon)",
		    c->file, old->spool_dir, c->spool_dir);
		sms_conf_free(c);
		audit_open(old->audit_log);
		return false;
	}
	audit_open(c->audit_log);
	*cp = c;
	sms_conf_free(old);
	log_notice("conf", "reloaded %s", c->file);
	return true;
}

/* Is lockfd still the sender.lock of a spool that exists? */
static bool
sender_spool_alive(const struct sms_conf *c, const char *lock_dir, int lockfd)
{
	char *p = spool_path(lock_dir, "sender.lock", NULL);
	struct stat a, b, d;
	bool ok;

	ok = stat(c->spool_dir, &d) == 0 && fstat(lockfd, &a) == 0 &&
	    a.st_nlink > 0 && stat(p, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino;
	free(p);
	return ok;
}

struct sender_watch {
	int ino;
	bool fallback, fallback_watched;	/* configured; watched */
};

static void
sender_watch_add(struct sender_watch *w, const char *dir, const char *sub,
    uint32_t mask, bool *done)
{
#ifdef HAVE_SYS_INOTIFY_H
	char *p = sub ? spool_path(dir, sub, NULL) : xstrdup(dir);

	if (w->ino >= 0 && inotify_add_watch(w->ino, p, mask) >= 0 && done)
		*done = true;
	free(p);
#else
	(void)w; (void)dir; (void)sub; (void)mask; (void)done;
#endif
}

/*
 * Wake-ups: a message renamed into either outgoing/ (only IN_MOVED_TO:
 * IN_CLOSE_WRITE also fired for our own claims, opened O_RDWR, and while
 * messages waited for a retry each pass woke the next one at once), the
 * spool directory going away, and the configuration file's directory
 * (editors write a new file and rename it over the old one).
 */
static void
sender_watch_init(struct sender_watch *w, const struct sms_conf *c)
{
	w->ino = -1;
	w->fallback = c->fallback_dir != NULL;
	w->fallback_watched = false;
#ifdef HAVE_SYS_INOTIFY_H
	w->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	sender_watch_add(w, c->spool_dir, "outgoing",
	    IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF, NULL);
	/* IN_MOVED_TO: a heartbeat recorded (deadman.c renames the file),
	 * for a prompt "back" page */
	sender_watch_add(w, c->spool_dir, NULL, IN_DELETE_SELF | IN_MOVE_SELF |
	    IN_MOVED_TO, NULL);
	{
		char *dup = xstrdup(c->file);

		sender_watch_add(w, dirname(dup), NULL, IN_CLOSE_WRITE |
		    IN_MOVED_TO | IN_CREATE | IN_ATTRIB, NULL);
		free(dup);
	}
#endif
	if (c->fallback_dir && spool_init(c->fallback_dir) == 0)
		sender_watch_add(w, c->fallback_dir, "outgoing", IN_MOVED_TO,
		    &w->fallback_watched);
}

/*
 * Sleep until wake_ms, an inotify event, or a signal. The signals are
 * blocked from the flag test to ppoll(), which unblocks them atomically:
 * a SIGHUP or SIGTERM that arrives just before the sleep interrupts it
 * instead of waiting out the idle poll.
 */
static void
sender_wait(const struct sender_watch *w, long long wake_ms)
{
	long long ms = wake_ms - sender_now_ms();
	struct pollfd pfd;
	struct timespec ts;
	sigset_t block, old;

	if (ms < 0)
		ms = 0;
	if (ms > SENDER_IDLE_POLL * 1000LL)
		ms = SENDER_IDLE_POLL * 1000LL;
	/* without inotify (or a fallback spool we could not watch), look
	 * often: a message may be waiting */
	if ((w->ino < 0 || (w->fallback && !w->fallback_watched)) &&
	    ms > 5000)
		ms = 5000;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	pfd.fd = w->ino;
	pfd.events = POLLIN;
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (!sender_stop && !sender_hup &&
	    ppoll(w->ino >= 0 ? &pfd : NULL, w->ino >= 0 ? 1 : 0, &ts,
	    &old) > 0) {
		char buf[4096];

		while (read(w->ino, buf, sizeof(buf)) > 0)
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

static void
sender_wake_at(long long *wake, long long t)
{
	if (t > 0 && (*wake == 0 || t < *wake))
		*wake = t;
}

/*
 * *cp is replaced by a reload. lock_dir is the spool whose sender.lock
 * lockfd is (the fallback spool's when a handler could not use the
 * first). Returns 0, or SMS_EX_IOERR when the spool went away.
 */
static int
sender_loop(struct sms_conf **cp, enum sender_mode mode, const char *lock_dir0,
    int lockfd)
{
	const struct sms_conf *c = *cp;
	char *lock_dir = xstrdup(lock_dir0);
	struct deliver_stats st;
	struct sender_watch w;
	struct sender_stamp stamp = sender_stamp_of(c->file), now_stamp;
	bool force = false;
	int rc = 0;

	sender_signals();
	sender_watch_init(&w, c);
	sender_note_pid(lockfd);
	log_debug("sender", "sender %d running (%s)", (int)getpid(),
	    mode == SENDER_DAEMON ? "daemon" : "detached");
	while (!sender_stop) {
		time_t next_summary;
		long long wake = 0;

		now_stamp = sender_stamp_of(c->file);
		if (sender_hup || sender_stamp_changed(&stamp, &now_stamp)) {
			sender_hup = 0;
			stamp = now_stamp;
			if (sender_reload(cp)) {
				c = *cp;
				force = true;	/* retry now, with the new one */
			}
		}
		if (!sender_spool_alive(c, lock_dir, lockfd)) {
			log_warnx("sender", "spool %s is gone (or its sender.lock "
			    "was replaced): sender %d exits", c->spool_dir,
			    (int)getpid());
			rc = SMS_EX_IOERR;
			break;
		}
		w.fallback = c->fallback_dir != NULL;
		if (c->fallback_dir && !w.fallback_watched &&
		    spool_init(c->fallback_dir) == 0)
			sender_watch_add(&w, c->fallback_dir, "outgoing",
			    IN_MOVED_TO, &w.fallback_watched);
		deliver_summaries(c, time(NULL), false, &next_summary);
		if (deliver_pass(c, force, false, &st) != 0) {
			/* gone (the check above ends us) or unreadable */
			sender_wait(&w, sender_now_ms() + 1000);
			continue;
		}
		force = false;
		if (sender_stop)
			break;
		sender_wake_at(&wake, (long long)st.next_due * 1000);
		sender_wake_at(&wake, (long long)next_summary * 1000);
		if (mode == SENDER_DAEMON) {
			/* the dead-man's switch and reconciliation are the
			 * long-running sender's: a detached one is gone
			 * when the spool is empty */
			time_t t;

			deadman_check(c, time(NULL), &t);
			sender_wake_at(&wake, (long long)t * 1000);
			recon_run(c, time(NULL), &t);
			sender_wake_at(&wake, (long long)t * 1000);
		}
		/* messages another process is sending: no inotify event
		 * tells when it is done (we watch arrivals only), so look
		 * again in a second rather than at the idle poll */
		if (st.busy > 0)
			sender_wake_at(&wake, sender_now_ms() + 1000);
		if (mode == SENDER_DETACHED && st.left == 0 &&
		    next_summary == 0) {
			/* drop the lock, then look once more (see top) */
			close(lockfd);
			lockfd = -1;
			if (deliver_spool_empty(c) &&
			    !deliver_summary_pending(c))
				break;
			if ((lockfd = spool_lock(lock_dir, "sender.lock", 0)) < 0)
				break;	/* another sender has it now */
			sender_note_pid(lockfd);
			continue;
		}
		if (wake == 0)
			wake = sender_now_ms() + SENDER_IDLE_POLL * 1000LL;
		sender_wait(&w, wake);
	}
	if (w.ino >= 0)
		close(w.ino);
	if (lockfd >= 0)
		close(lockfd);
	free(lock_dir);
	log_debug("sender", "sender %d exits", (int)getpid());
	return rc;
}

/* --flush: one pass, backoff ignored, then exit. */
int
sender_flush(const struct sms_conf *c, bool dry_run)
{
	struct deliver_stats st;
	time_t next;
	int rc;

	if (spool_init(c->spool_dir) != 0)
		return SMS_EX_IOERR;
	gateway_global_init();
	deliver_summaries(c, time(NULL), dry_run, &next);
	if (deliver_pass(c, true, dry_run, &st) != 0) {
		rc = SMS_EX_IOERR;
		goto out;
	}
	if (!dry_run)
		printf("sent %u, retry later %u, failed %u\n", st.sent,
		    st.left - st.busy, st.failed);
	/* what another sender has in hand is not ours to report */
	rc = st.left > st.busy && !dry_run ? SMS_EX_TEMPFAIL : SMS_EX_OK;
out:
	gateway_global_cleanup();
	return rc;
}

/* --daemon: runs until SIGTERM (or its spool is removed). */
int
sender_daemon(struct sms_conf **cp)
{
	int lockfd = -1, rc, waited = 0;

	/* handlers installed before the wait below, so a SIGHUP sent while
	 * we wait for a detached sender is kept for the loop, not fatal */
	sender_signals();
	if (spool_init((*cp)->spool_dir) != 0)
		return SMS_EX_IOERR;
	gateway_global_init();
	/* wait for a detached sender to finish, then own the spool; in
	 * steps, so SIGTERM is heard and the wait is logged */
	while (!sender_stop && (lockfd = spool_lock((*cp)->spool_dir,
	    "sender.lock", 1000)) < 0) {
		if (errno != EWOULDBLOCK) {
			log_warn("sender", "cannot lock %s/sender.lock",
			    (*cp)->spool_dir);
			rc = SMS_EX_IOERR;
			goto out;
		}
		if (waited++ % 30 == 0)
			log_notice("sender", "waiting for the sender holding "
			    "%s/sender.lock to finish", (*cp)->spool_dir);
	}
	rc = lockfd < 0 ? SMS_EX_OK :
	    sender_loop(cp, SENDER_DAEMON, (*cp)->spool_dir, lockfd);
out:
	gateway_global_cleanup();
	return rc;
}

/*
 * What a handler starts (through launch.c, fork + setsid + fork + exec)
 * when nobody held sender.lock: lockfd is that lock (of lock_dir), taken
 * by the handler and inherited across exec. The daemon loop, exiting once
 * nothing is left to do.
 */
int
sender_detached(struct sms_conf **cp, const char *lock_dir, int lockfd)
{
	gateway_global_init();
	sender_loop(cp, SENDER_DETACHED, lock_dir, lockfd);
	gateway_global_cleanup();
	return SMS_EX_OK;
}
