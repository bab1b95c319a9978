/*
 * probe_cmd.c: run programs for checks, without a shell, without ever
 * waiting on them: the command check, and the firewall check's
 * iptables-save. Each program gets /dev/null as stdin, one pipe for
 * stdout and stderr (the first 4 KiB kept, or what the job asks for; the
 * rest read and dropped so it never blocks on a full pipe), and its own
 * process group, so that on timeout the whole group (a script and what
 * it started) is killed.
 *
 * The end of a program is seen through a pidfd when the kernel has them
 * (Linux 5.3), else by polling waitpid() every 50 ms. A program that
 * does not die at once after SIGKILL (stuck in the kernel) is reaped in
 * a later round, never waited for.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe/probe_int.h"

#define CMD_OUT_MAX 4096	/* bytes of output kept by default */
#define CMD_TICK_MS 50		/* waitpid() polling without pidfds */
#define CMD_ORPHANS_MAX 256

extern char **environ;

struct cmdjob {
	struct probe_job *job;
	struct cmdjob *next;
	pid_t pid;
	int out;		/* read end of the output pipe, -1 at EOF */
	int pidfd;		/* -1 when the kernel has none */
	char *buf;
	size_t len, max;
	bool truncated;
};

struct cmd_engine {
	struct cmdjob *jobs;
	pid_t orphans[CMD_ORPHANS_MAX];	/* killed, not reaped yet */
	size_t norphans;
};

static int
cmd_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
#else
	(void)pid;
	return -1;
#endif
}

int
probe_cmd_spawn(struct probe_job *job, char *const argv[])
{
	struct cmd_engine *ce = job->cmd_state;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	struct cmdjob *cj;
	int fds[2], rc;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		probe_job_fail(job, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	/* libcurl's and c-ares' sockets need not be close-on-exec: the
	 * program gets none of ours */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	/* the daemon may ignore SIGPIPE or block signals: the program
	 * starts with the defaults */
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		probe_job_fail(job, "cannot run %s: %s", argv[0],
		    strerror(rc));
		return -1;
	}
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	cj = xcalloc(1, sizeof(*cj));
	cj->job = job;
	cj->pid = pid;
	cj->out = fds[0];
	cj->pidfd = cmd_pidfd(pid);
	cj->max = job->cmd_out_max ? job->cmd_out_max : CMD_OUT_MAX;
	cj->buf = xmalloc(cj->max);
	cj->next = ce->jobs;
	ce->jobs = cj;
	job->priv = cj;
	job->engine = &probe_engine_cmd;
	job->engine_state = ce;
	return 0;
}

static void
cmd_read(struct cmdjob *cj)
{
	char junk[4096];
	ssize_t r;

	while (cj->out >= 0) {
		if (cj->len < cj->max - 1)
			r = read(cj->out, cj->buf + cj->len,
			    cj->max - 1 - cj->len);
		else
			r = read(cj->out, junk, sizeof(junk));
		if (r > 0) {
			if (cj->len >= cj->max - 1)
				cj->truncated = true;
			else
				cj->len += (size_t)r;
			continue;
		}
		if (r < 0 && (errno == EINTR))
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		close(cj->out);	/* EOF, or an error: no more output */
		cj->out = -1;
	}
}

static void
cmd_unlink(struct cmd_engine *ce, struct cmdjob *cj)
{
	struct cmdjob **pp;

	for (pp = &ce->jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == cj) {
			*pp = cj->next;
			break;
		}
	}
	if (cj->out >= 0)
		close(cj->out);
	if (cj->pidfd >= 0)
		close(cj->pidfd);
	cj->job->priv = NULL;
	free(cj->buf);
	free(cj);
}

/* The program has ended (status from waitpid), or cannot be waited
 * for (SIGCHLD ignored by the daemon: status -1). */
static void
cmd_finish(struct cmd_engine *ce, struct cmdjob *cj, int wstatus)
{
	struct probe_job *job = cj->job;

	cmd_read(cj);	/* what it wrote before it ended is in the pipe */
	cj->buf[cj->len] = '\0';
	job->cmd_done(job, wstatus, cj->buf, cj->len, cj->truncated);
	cmd_unlink(ce, cj);
}

static void
cmd_reap_orphans(struct cmd_engine *ce)
{
	size_t i = 0;

	while (i < ce->norphans) {
		pid_t r = waitpid(ce->orphans[i], NULL, WNOHANG);

		if (r == 0) {
			i++;
			continue;
		}
		ce->orphans[i] = ce->orphans[--ce->norphans];
	}
}

static void *
cmd_init(void)
{
	return xcalloc(1, sizeof(struct cmd_engine));
}

static void
cmd_kill(struct cmd_engine *ce, struct cmdjob *cj)
{
	struct pollfd pfd;

	kill(-cj->pid, SIGKILL);
	kill(cj->pid, SIGKILL);	/* in case it left its group */
	if (cj->pidfd >= 0) {
		/* a killed process ends within microseconds; one stuck in
		 * the kernel is left for a later round */
		pfd.fd = cj->pidfd;
		pfd.events = POLLIN;
		poll(&pfd, 1, 100);
	}
	if (waitpid(cj->pid, NULL, WNOHANG) == 0) {
		if (ce->norphans < CMD_ORPHANS_MAX)
			ce->orphans[ce->norphans++] = cj->pid;
		else
			log_warnx("probe", "pid %ld does not die after "
			    "SIGKILL; too many such", (long)cj->pid);
	}
}

static void
cmd_fini(void *state)
{
	struct cmd_engine *ce = state;
	int i;

	if (ce == NULL)
		return;
	while (ce->jobs != NULL) {
		cmd_kill(ce, ce->jobs);
		cmd_unlink(ce, ce->jobs);
	}
	for (i = 0; i < 10 && ce->norphans > 0; i++) {
		cmd_reap_orphans(ce);
		if (ce->norphans > 0)
			poll(NULL, 0, 100);
	}
	free(ce);
}

static void
cmd_start(void *state, struct probe_job *job)
{
	(void)state;	/* job->cmd_state is the same */
	job->cmd_done = probe_cmd_verdict;
	probe_cmd_spawn(job, job->p->argv);
}

static void
cmd_fill(void *state, struct pollvec *pv, int64_t *wake)
{
	struct cmd_engine *ce = state;
	struct cmdjob *cj;

	cmd_reap_orphans(ce);
	for (cj = ce->jobs; cj != NULL; cj = cj->next) {
		if (cj->out >= 0)
			pollvec_add(pv, cj->out, POLLIN);
		if (cj->pidfd >= 0)
			pollvec_add(pv, cj->pidfd, POLLIN);
		else if (probe_now_ms() + CMD_TICK_MS < *wake) {
			*wake = probe_now_ms() + CMD_TICK_MS;
		}
	}
}

static void
cmd_process(void *state, const struct pollfd *pfd, size_t n)
{
	struct cmd_engine *ce = state;
	struct cmdjob *cj, *next;

	(void)pfd;
	(void)n;
	/* read what is there and look for ended programs, whatever woke
	 * us: both are cheap non-blocking calls */
	for (cj = ce->jobs; cj != NULL; cj = next) {
		int st;
		pid_t r;

		next = cj->next;
		cmd_read(cj);
		r = waitpid(cj->pid, &st, WNOHANG);
		if (r == cj->pid)
			cmd_finish(ce, cj, st);
		else if (r < 0 && errno == ECHILD)
			cmd_finish(ce, cj, -1);
	}
}

static void
cmd_cancel(void *state, struct probe_job *job)
{
	struct cmdjob *cj = job->priv;

	if (cj == NULL)
		return;
	cmd_kill(state, cj);
	probe_job_timeout(job, NULL);
	cmd_unlink(state, cj);
}

/* The first line of the output with something on it. */
static void
cmd_first_line(char *dst, size_t dstlen, const char *out, size_t len)
{
	size_t i = 0;

	while (i < len && (out[i] == '\n' || out[i] == '\r' ||
	    out[i] == ' ' || out[i] == '\t'))
		i++;
	probe_text_clean(dst, dstlen, out + i, len - i);
}

void
probe_cmd_verdict(struct probe_job *job, int wstatus, const char *out,
    size_t len, bool truncated)
{
	char line[PROBE_ERR_MAX];

	(void)truncated;
	cmd_first_line(line, sizeof(line), out, len);
	if (wstatus == -1)
		probe_job_fail(job, "exit status unknown (SIGCHLD is ignored)");
	else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		probe_job_ok(job, "%s", line[0] ? line : "exit 0");
	else if (WIFEXITED(wstatus) && line[0] != '\0')
		probe_job_fail(job, "%s", line);
	else if (WIFEXITED(wstatus))
		probe_job_fail(job, "exit status %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		probe_job_fail(job, "killed by signal %d (%s)%s%s",
		    WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)),
		    line[0] ? ": " : "", line);
	else
		probe_job_fail(job, "ended with status %#x", wstatus);
}

const struct probe_engine probe_engine_cmd = {
	.name = "cmd",
	.init = cmd_init,
	.fini = cmd_fini,
	.start = cmd_start,
	.fill = cmd_fill,
	.process = cmd_process,
	.cancel = cmd_cancel,
};
