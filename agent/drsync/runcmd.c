/*
 * runcmd.c: split a command line into words and run it with a timeout
 * (runcmd.h says what the caller gets).
 *
 * Why posix_spawn and not fork: the collectors run on threads of a
 * daemon whose main thread may hold any lock; between fork and exec
 * only async-signal-safe calls are allowed, which posix_spawn's file
 * actions and attributes give without our writing that code. glibc's
 * posix_spawn (clone with CLONE_VFORK) also reports a failed exec
 * (ENOENT, EACCES) as its return value.
 *
 * Why a process group: a script that runs other programs must not leave
 * them behind on a timeout, so the child gets its own group and the
 * whole group is killed.
 *
 * Waiting: poll() over the two pipes and a pidfd (Linux 5.3), so the
 * end of the program, output, and the deadline are all one poll. Where
 * pidfd_open is missing the poll wakes every 50 ms to ask waitpid.
 * When the program has exited, its output is read to the end of what
 * is in the pipes and the run is over, even if a background child of it
 * still holds them open.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "drsync/runcmd.h"

extern char **environ;

#define RUNCMD_SLICE_MS 50	/* poll slice without a pidfd */
#define RUNCMD_REAP_MS 2000	/* how long a SIGKILLed group may take */

static bool
runcmd_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char **
runcmd_split(const char *line, const char **why)
{
	size_t len = strlen(line), n = 0;
	char **argv, *out;
	const char *p = line;

	if (len > RUNCMD_LINE_MAX) {
		*why = "command longer than 4096 bytes";
		return NULL;
	}
	/* the words never take more room than the line plus one NUL */
	argv = xmalloc((RUNCMD_WORDS_MAX + 1) * sizeof(char *) + len + 1);
	out = (char *)(argv + RUNCMD_WORDS_MAX + 1);
	for (;;) {
		while (runcmd_blank(*p))
			p++;
		if (*p == '\0')
			break;
		if (n == RUNCMD_WORDS_MAX) {
			*why = "more than 64 words in the command";
			goto fail;
		}
		argv[n++] = out;
		while (*p != '\0' && !runcmd_blank(*p)) {
			if (*p == '\'') {
				for (p++; *p != '\0' && *p != '\''; p++)
					*out++ = *p;
				if (*p == '\0') {
					*why = "unterminated ' in the command";
					goto fail;
				}
				p++;
			} else if (*p == '"') {
				for (p++; *p != '\0' && *p != '"'; p++) {
					if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					*out++ = *p;
				}
				if (*p == '\0') {
					*why = "unterminated \" in the command";
					goto fail;
				}
				p++;
			} else if (*p == '\\') {
				if (p[1] == '\0') {
					*why = "backslash at the end of the command";
					goto fail;
				}
				*out++ = p[1];
				p += 2;
			} else {
				*out++ = *p++;
			}
		}
		*out++ = '\0';
	}
	if (n == 0) {
		*why = "empty command";
		goto fail;
	}
	argv[n] = NULL;
	return argv;
fail:
	free(argv);
	return NULL;
}

static int64_t
runcmd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
runcmd_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
#else
	(void)pid;
	return -1;
#endif
}

static int
runcmd_spawn(char *const argv[], int out, int err, pid_t *pid)
{
	static const int defsigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP,
		SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	size_t i;
	int e;

	sigemptyset(&none);
	sigemptyset(&def);
	for (i = 0; i < MH_ARRAY_SIZE(defsigs); i++)
		sigaddset(&def, defsigs[i]);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	if (strchr(argv[0], '/'))
		e = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
	else
		e = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return e;
}

/* Reads once from *fd: 1 when it read something, 0 at the end of the
 * file (or an error: *fd is closed), -1 when there is nothing now. */
static int
runcmd_read(int *fd, char *buf, size_t *len, size_t max, bool *trunc)
{
	char tmp[4096];
	ssize_t n = read(*fd, tmp, sizeof(tmp));
	size_t keep;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return -1;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	keep = (size_t)n;
	if (keep > max - *len) {
		keep = max - *len;
		*trunc = true;
	}
	memcpy(buf + *len, tmp, keep);
	*len += keep;
	buf[*len] = '\0';
	return 1;
}

static void
runcmd_status(struct runcmd_result *r, int st)
{
	if (WIFEXITED(st)) {
		r->end = RUNCMD_EXITED;
		r->code = WEXITSTATUS(st);
	} else {
		r->end = RUNCMD_SIGNALED;
		r->code = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	}
}

/* waitpid with a deadline; true when reaped (status in *st) */
static bool
runcmd_reap(pid_t pid, int pidfd, int64_t deadline, int *st)
{
	for (;;) {
		pid_t w = waitpid(pid, st, WNOHANG);
		int64_t left;
		struct pollfd pf = { .fd = pidfd, .events = POLLIN };

		if (w == pid)
			return true;
		if (w < 0 && errno != EINTR)
			return false;	/* ECHILD: SIGCHLD ignored */
		left = deadline - runcmd_now_ms();
		if (left <= 0)
			return false;
		if (pidfd >= 0)
			(void)poll(&pf, 1, (int)left);
		else
			(void)poll(NULL, 0, left < RUNCMD_SLICE_MS ?
			    (int)left : RUNCMD_SLICE_MS);
	}
}

int
runcmd_run(char *const argv[], long timeout_ms, size_t max_out,
    struct runcmd_result *r)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, pidfd = -1, st = 0, e;
	int64_t t0 = runcmd_now_ms(), deadline = t0 + timeout_ms;
	bool exited = false;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->out = xcalloc(1, max_out + 1);
	r->err = xcalloc(1, max_out + 1);
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		r->end = RUNCMD_ERROR;
		r->code = errno;
		goto out;
	}
	e = runcmd_spawn(argv, po[1], pe[1], &pid);
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	if (e != 0) {
		r->end = RUNCMD_NOEXEC;
		r->code = e;
		goto out;
	}
	pidfd = runcmd_pidfd(pid);
	while (po[0] >= 0 || pe[0] >= 0 || !exited) {
		struct pollfd pf[3];
		int64_t left = deadline - runcmd_now_ms();
		int np = 0, wait_ms;

		if (left <= 0)
			break;
		pf[np++] = (struct pollfd){ .fd = po[0], .events = POLLIN };
		pf[np++] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
		pf[np++] = (struct pollfd){
		    .fd = exited ? -1 : pidfd, .events = POLLIN };
		wait_ms = (int)left;
		if (pidfd < 0 && !exited && wait_ms > RUNCMD_SLICE_MS)
			wait_ms = RUNCMD_SLICE_MS;
		if (poll(pf, (nfds_t)np, wait_ms) < 0 && errno != EINTR) {
			r->end = RUNCMD_ERROR;
			r->code = errno;
			break;
		}
		if (po[0] >= 0 && pf[0].revents)
			runcmd_read(&po[0], r->out, &r->outlen, max_out,
			    &r->truncated);
		if (pe[0] >= 0 && pf[1].revents)
			runcmd_read(&pe[0], r->err, &r->errlen, max_out,
			    &r->truncated);
		if (!exited && (pidfd < 0 || pf[2].revents)) {
			pid_t w = waitpid(pid, &st, WNOHANG);

			if (w == pid || (w < 0 && errno == ECHILD)) {
				exited = true;
				if (w < 0) {
					r->end = RUNCMD_ERROR;
					r->code = ECHILD;
				} else {
					runcmd_status(r, st);
				}
				/* what is in the pipes now is all we wait for */
				if (po[0] >= 0)
					(void)fcntl(po[0], F_SETFL, O_NONBLOCK);
				if (pe[0] >= 0)
					(void)fcntl(pe[0], F_SETFL, O_NONBLOCK);
			}
		}
		if (exited) {
			while (po[0] >= 0 && runcmd_read(&po[0], r->out,
			    &r->outlen, max_out, &r->truncated) == 1)
				;
			while (pe[0] >= 0 && runcmd_read(&pe[0], r->err,
			    &r->errlen, max_out, &r->truncated) == 1)
				;
			break;
		}
	}
	if (!exited) {
		r->end = RUNCMD_TIMEOUT;
		r->code = 0;
		(void)kill(-pid, SIGKILL);
		if (!runcmd_reap(pid, pidfd, runcmd_now_ms() + RUNCMD_REAP_MS,
		    &st))
			log_warnx("runcmd", "%s (pid %d) killed after %ld ms "
			    "but not reaped", argv[0], (int)pid, timeout_ms);
	}
out:
	if (pidfd >= 0)
		close(pidfd);
	if (po[0] >= 0)
		close(po[0]);
	if (pe[0] >= 0)
		close(pe[0]);
	if (po[1] >= 0)
		close(po[1]);
	if (pe[1] >= 0)
		close(pe[1]);
	r->ms = (long)(runcmd_now_ms() - t0);
	return 0;
}

void
runcmd_result_free(struct runcmd_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void
runcmd_describe(const struct runcmd_result *r, long timeout_ms, char *buf,
    size_t len)
{
	switch (r->end) {
	case RUNCMD_EXITED:
		snprintf(buf, len, "exit %d", r->code);
		break;
	case RUNCMD_SIGNALED:
		snprintf(buf, len, "killed by signal %d (%s)", r->code,
		    strsignal(r->code));
		break;
	case RUNCMD_TIMEOUT:
		if (timeout_ms % 1000 == 0)
			snprintf(buf, len, "timed out after %ld s",
			    timeout_ms / 1000);
		else
			snprintf(buf, len, "timed out after %ld ms", timeout_ms);
		break;
	case RUNCMD_NOEXEC:
		snprintf(buf, len, "cannot execute: %s", strerror(r->code));
		break;
	case RUNCMD_ERROR:
		snprintf(buf, len, "cannot run: %s", strerror(r->code));
		break;
	}
}

void
runcmd_first_line(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (len == 0)
		return;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	while (*p != '\0' && *p != '\n' && *p != '\r' && o + 1 < len) {
		size_t n = *p < 0x80 ? 1 : utf8_seq(p);

		if (n == 0 || *p < 0x20 || *p == 0x7f) {
			buf[o++] = '?';	/* a control byte or broken UTF-8 */
			p++;
			continue;
		}
		if (o + n >= len)
			break;	/* never half a character */
		memcpy(buf + o, p, n);
		o += n;
		p += n;
	}
	while (o > 0 && (buf[o - 1] == ' ' || buf[o - 1] == '\t'))
		o--;
	buf[o] = '\0';
}
