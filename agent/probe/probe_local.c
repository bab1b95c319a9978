/*
 * probe_local.c: the checks that read this machine: a process by name
 * (/proc/PID/comm), a pid file whose process is alive, a file that
 * exists and is recent; and the engine that runs them and the firewall
 * check.
 *
 * Reading /proc and stat() are quick, but not always: a stat() of a
 * file on a dead NFS server blocks in the kernel for minutes. So each of
 * these runs on a short-lived thread of its own and reports through a
 * pipe; a check that overruns is failed on time and its thread, when
 * the kernel lets it go, frees what it used. The firewall check runs in
 * the loop's thread (probe_fw.c): netlink to the local kernel answers.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "probe/probe_int.h"

#define COMM_LEN 15		/* TASK_COMM_LEN - 1 */

/* What a thread gets and gives: copies, so that it never touches a job
 * that may be gone. refs: the thread and the engine. */
struct ljob {
	struct ljob *next;
	struct probe_job *job;	/* the engine's side only */
	enum probe_kind kind;
	char *target, *pidfile;
	long max_age;
	bool ok, finished;
	char text[PROBE_ERR_MAX];	/* detail when ok, else error */
	int refs;
	int wake;		/* the engine's pipe */
};

struct local_engine {
	struct ljob *jobs;
	int pipe[2];
};

static pthread_mutex_t local_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- the checks (on the thread) ---- */

/* /proc/PID/FILE into buf, first line only; -1 with errno */
static int
proc_read(long pid, const char *file, char *buf, size_t len)
{
	char path[64];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), 0 if gone. */
static char
proc_state(long pid)
{
	char buf[512], *p;

	if (proc_read(pid, "stat", buf, sizeof(buf)) < 0)
		return 0;
	/* "pid (comm) S ...": comm may hold ')' and spaces */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return 0;
	return p[2];
}

static bool
comm_matches(long pid, const char *name)
{
	char comm[64];

	if (proc_read(pid, "comm", comm, sizeof(comm)) < 0)
		return false;
	/* the kernel keeps 15 bytes of the name */
	return strncmp(comm, name, COMM_LEN) == 0 &&
	    (strlen(name) <= COMM_LEN || strlen(comm) == COMM_LEN);
}

static void
local_process_name(struct ljob *lj)
{
	DIR *d;
	struct dirent *e;
	long first = 0, n = 0;

	if ((d = opendir("/proc")) == NULL) {
		snprintf(lj->text, sizeof(lj->text), "/proc: %s",
		    strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		char st;

		if (*end != '\0' || pid <= 0 || !comm_matches(pid, lj->target))
			continue;
		st = proc_state(pid);
		if (st == 0 || st == 'Z' || st == 'X')
			continue;
		if (n++ == 0)
			first = pid;
	}
	closedir(d);
	if (n == 0) {
		snprintf(lj->text, sizeof(lj->text), "no process named %s",
		    lj->target);
		return;
	}
	lj->ok = true;
	if (n == 1)
		snprintf(lj->text, sizeof(lj->text), "pid %ld", first);
	else
		snprintf(lj->text, sizeof(lj->text), "%ld processes, pid %ld",
		    n, first);
}

static void
local_pidfile(struct ljob *lj)
{
	char buf[64], comm[64], *end, *p;
	ssize_t r;
	long pid;
	int fd;
	char st;

	if ((fd = open(lj->pidfile, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(lj->text, sizeof(lj->text), "%s: %s", lj->pidfile,
		    strerror(errno));
		return;
	}
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[r > 0 ? r : 0] = '\0';
	for (p = buf; isspace((unsigned char)*p); p++)
		;
	errno = 0;
	pid = strtol(p, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (end == p || *end != '\0' || errno != 0 || pid <= 0 ||
	    pid > INT_MAX) {
		snprintf(lj->text, sizeof(lj->text), "%s: no pid in it",
		    lj->pidfile);
		return;
	}
	st = proc_state(pid);
	if (st == 0) {
		snprintf(lj->text, sizeof(lj->text),
		    "pid %ld (%s) is not running", pid, lj->pidfile);
		return;
	}
	if (st == 'Z' || st == 'X') {
		snprintf(lj->text, sizeof(lj->text), "pid %ld (%s) is a zombie",
		    pid, lj->pidfile);
		return;
	}
	if (lj->target != NULL && *lj->target != '\0' &&
	    !comm_matches(pid, lj->target)) {
		if (proc_read(pid, "comm", comm, sizeof(comm)) < 0)
			snprintf(comm, sizeof(comm), "?");
		probe_text_clean(buf, sizeof(buf), comm, strlen(comm));
		snprintf(lj->text, sizeof(lj->text),
		    "pid %ld (%s) is %s, not %s", pid, lj->pidfile, buf,
		    lj->target);
		return;
	}
	lj->ok = true;
	snprintf(lj->text, sizeof(lj->text), "pid %ld", pid);
}

static void
local_file(struct ljob *lj)
{
	struct stat sb;
	double age;

	if (stat(lj->target, &sb) < 0) {
		snprintf(lj->text, sizeof(lj->text), "%s: %s", lj->target,
		    strerror(errno));
		return;
	}
	age = difftime(time(NULL), sb.st_mtime);
	if (lj->max_age > 0 && age > (double)lj->max_age) {
		snprintf(lj->text, sizeof(lj->text),
		    "%s not modified for %.0f s (max %ld)", lj->target, age,
		    lj->max_age);
		return;
	}
	lj->ok = true;
	snprintf(lj->text, sizeof(lj->text), "modified %.0f s ago",
	    age < 0 ? 0 : age);
}

static void
ljob_unref(struct ljob *lj)
{
	bool last;

	pthread_mutex_lock(&local_lock);
	last = --lj->refs == 0;
	pthread_mutex_unlock(&local_lock);
	if (!last)
		return;
	free(lj->target);
	free(lj->pidfile);
	free(lj);
}

static void *
local_thread(void *arg)
{
	struct ljob *lj = arg;
	char c = 1;

	if (lj->kind == PROBE_FILE)
		local_file(lj);
	else if (lj->pidfile != NULL)
		local_pidfile(lj);
	else
		local_process_name(lj);
	pthread_mutex_lock(&local_lock);
	lj->finished = true;
	if (lj->job != NULL && write(lj->wake, &c, 1) < 0) {
		/* the pipe is full: the loop is awake anyway */
	}
	pthread_mutex_unlock(&local_lock);
	ljob_unref(lj);
	return NULL;
}

/* ---- the engine (on the loop's thread) ---- */

static void *
local_init(void)
{
	struct local_engine *le = xcalloc(1, sizeof(*le));

	if (pipe2(le->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		log_fatalx("probe", "pipe: %s", strerror(errno));
	return le;
}

static void
ljob_drop(struct local_engine *le, struct ljob *lj)
{
	struct ljob **pp;

	for (pp = &le->jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == lj) {
			*pp = lj->next;
			break;
		}
	}
	pthread_mutex_lock(&local_lock);
	lj->job->priv = NULL;
	lj->job = NULL;		/* the thread must not wake us any more */
	pthread_mutex_unlock(&local_lock);
	ljob_unref(lj);
}

static void
local_fini(void *state)
{
	struct local_engine *le = state;

	if (le == NULL)
		return;
	while (le->jobs != NULL)
		ljob_drop(le, le->jobs);
	/* a thread still stuck keeps its ljob; it no longer writes here */
	close(le->pipe[0]);
	close(le->pipe[1]);
	free(le);
}

static void
local_start(void *state, struct probe_job *job)
{
	struct local_engine *le = state;
	const struct probe_desc *d = &job->p->d;
	struct ljob *lj;
	pthread_attr_t attr;
	pthread_t t;

	if (d->kind == PROBE_FIREWALL) {
		probe_fw_start(job);
		return;
	}
	lj = xcalloc(1, sizeof(*lj));
	lj->job = job;
	lj->kind = d->kind;
	lj->target = d->target ? xstrdup(d->target) : NULL;
	lj->pidfile = d->pidfile ? xstrdup(d->pidfile) : NULL;
	lj->max_age = d->max_age;
	lj->wake = le->pipe[1];
	lj->refs = 2;
	lj->next = le->jobs;
	le->jobs = lj;
	job->priv = lj;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (pthread_create(&t, &attr, local_thread, lj) != 0)
		local_thread(lj);	/* no thread: run it here */
	pthread_attr_destroy(&attr);
}

static void
local_fill(void *state, struct pollvec *pv, int64_t *wake)
{
	struct local_engine *le = state;

	(void)wake;
	if (le->jobs != NULL)
		pollvec_add(pv, le->pipe[0], POLLIN);
}

static void
local_process(void *state, const struct pollfd *pfd, size_t n)
{
	struct local_engine *le = state;
	struct ljob *lj, *next;
	char buf[64];

	if (n > 0 && (pfd[0].revents & POLLIN))
		while (read(le->pipe[0], buf, sizeof(buf)) > 0)
			;
	for (lj = le->jobs; lj != NULL; lj = next) {
		bool fin;

		next = lj->next;
		pthread_mutex_lock(&local_lock);
		fin = lj->finished;
		pthread_mutex_unlock(&local_lock);
		if (!fin)
			continue;
		if (lj->ok)
			probe_job_ok(lj->job, "%s", lj->text);
		else
			probe_job_fail(lj->job, "%s", lj->text);
		ljob_drop(le, lj);
	}
}

static void
local_cancel(void *state, struct probe_job *job)
{
	struct ljob *lj = job->priv;

	if (lj != NULL)
		ljob_drop(state, lj);
}

const struct probe_engine probe_engine_local = {
	.name = "local",
	.init = local_init,
	.fini = local_fini,
	.start = local_start,
	.fill = local_fill,
	.process = local_process,
	.cancel = local_cancel,
};
