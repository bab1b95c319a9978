/*
 * launch.c: how mailhealth-sms (the handler) runs mailhealth-sms-sender,
 * the half that talks HTTP and links libcurl.
 *
 * Where the sender is: $MAILHEALTH_SMS_SENDER if set; else next to our
 * own binary if there is a mailhealth-sms-sender (the build tree: both
 * are in sms/); else PKGLIBEXECDIR/mailhealth-sms-sender, where
 * `make install` puts it.
 *
 * --flush, --daemon and --test: execv() the sender with our arguments
 * (same pid, so systemd and scripts see no difference).
 *
 * After spooling: if nobody holds SPOOL/sender.lock, take it, fork,
 * setsid, fork again, point stdio at /dev/null and exec the sender with
 * --detached=FD, FD being the lock, inherited across exec. A close-on-exec
 * pipe tells the handler whether the exec worked, so a missing or broken
 * sender is logged by the handler itself (the messages stay spooled).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sms.h"

#ifndef PKGLIBEXECDIR
#define PKGLIBEXECDIR "/usr/local/libexec/mailhealth"
#endif

char *
launch_sender_path(void)
{
	const char *env = getenv(SMS_SENDER_ENV);
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		const char *slash;
		struct stat sb;

		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			char *p = xasprintf("%.*s/%s", (int)(slash - self),
			    self, SMS_SENDER_NAME);

			if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode))
				return p;
			free(p);
		}
	}
	return xstrdup(PKGLIBEXECDIR "/" SMS_SENDER_NAME);
}

/* Only returns when the exec failed: the exit status. */
int
launch_exec_sender(char **argv)
{
	char *path = launch_sender_path(), *arg0 = argv[0];

	fflush(NULL);
	argv[0] = path;
	execv(path, argv);
	argv[0] = arg0;
	log_warn("sender", "cannot run the sender %s (set %s to its path)",
	    path, SMS_SENDER_ENV);
	free(path);
	return SMS_EX_UNAVAILABLE;
}

/* What a child reports on the close-on-exec pipe when it fails. */
struct launch_report {
	int fork_failed;	/* else the exec failed */
	int err;
};

static void
launch_report(int fd, bool fork_failed, int err)
{
	struct launch_report r = { fork_failed, err };

	while (write(fd, &r, sizeof(r)) < 0 && errno == EINTR)
		;
}

static void
launch_failed(const struct sms_conf *c, const char *path, bool fork_failed,
    int err)
{
	char *d = xasprintf("cannot %s the sender %s: %s; messages stay "
	    "in %s/outgoing until a sender runs", fork_failed ? "fork" :
	    "start", path, strerror(err), c->spool_dir);

	log_warnx("sender", "%s (set %s, or run mailhealth-sms --flush)", d,
	    SMS_SENDER_ENV);
	audit_event("error", NULL, NULL, d, NULL);
	free(d);
}

/* The grandchild: never returns. */
static void
launch_detached(const char *path, char *const *args, int nargs, int lockfd,
    int report, bool keep_stderr)
{
	char **av = xcalloc((size_t)nargs + 3, sizeof(char *));
	int null = open("/dev/null", O_RDWR), i;

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		if (!keep_stderr)
			dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	av[0] = (char *)path;
	for (i = 0; i < nargs; i++)
		av[i + 1] = args[i];
	av[nargs + 1] = xasprintf("--detached=%d", lockfd);
	/* Whatever else the handler inherited (snmptrapd's sockets, a test
	 * harness's pipes) must not live on in a sender that outlasts it:
	 * everything but stdio and the lock closes on exec. */
	{
		long max = sysconf(_SC_OPEN_MAX), fd;

		if (max < 0 || max > 65536)
			max = 65536;
		for (fd = STDERR_FILENO + 1; fd < max; fd++)
			if (fd != lockfd)
				fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
	/* the lock goes with us across exec; the report pipe does not */
	if (fcntl(lockfd, F_SETFD, 0) == 0)
		execv(path, av);
	launch_report(report, false, errno);
	_exit(127);
}

/*
 * Called by the handler after it spooled. 0: a sender is on it (it was
 * running, or we started one); -1: none could be started (logged; the
 * messages stay spooled for the next handler, --flush or --daemon).
 * Returns at once either way: the sender is nobody's child.
 */
int
launch_sender_ensure(const struct sms_conf *c, char *const *args, int nargs,
    bool keep_stderr)
{
	int lockfd = spool_lock(c->spool_dir, "sender.lock", 0);
	int pfd[2] = { -1, -1 }, status, rc = -1;
	struct launch_report rep;
	char *path = NULL;
	ssize_t n;
	pid_t pid;

	/* a spool that cannot even hold its lock file (read-only, full of
	 * inodes): the fallback spool's lock names the sender instead */
	if (lockfd < 0 && errno != EWOULDBLOCK && c->fallback_dir) {
		log_warn("sender", "cannot open %s/sender.lock", c->spool_dir);
		if (spool_init(c->fallback_dir) == 0)
			lockfd = spool_lock(c->fallback_dir, "sender.lock", 0);
	}
	if (lockfd < 0) {
		if (errno == EWOULDBLOCK)
			return 0;	/* a sender is on it */
		log_warn("sender", "cannot open a sender.lock");
		return -1;
	}
	path = launch_sender_path();
	if (access(path, X_OK) != 0) {
		launch_failed(c, path, false, errno);
		goto out;
	}
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		log_warn("sender", "cannot start a sender: pipe");
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		launch_failed(c, path, true, errno);
		goto out;
	}
	if (pid == 0) {
		/* first child: new session, fork again so the sender is
		 * nobody's child, and exit */
		close(pfd[0]);
		setsid();
		pid = fork();
		if (pid < 0)
			launch_report(pfd[1], true, errno);
		if (pid != 0)
			_exit(0);
		launch_detached(path, args, nargs, lockfd, pfd[1],
		    keep_stderr);
	}
	close(pfd[1]);
	pfd[1] = -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* EOF once the first child exited and the sender's exec closed the
	 * pipe; a report if either failed */
	while ((n = read(pfd[0], &rep, sizeof(rep))) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(rep)) {
		launch_failed(c, path, rep.fork_failed, rep.err);
		goto out;
	}
	rc = 0;
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	close(lockfd);	/* a started sender's copy keeps the lock */
	free(path);
	return rc;
}
