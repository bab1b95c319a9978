/*
 * status.c: `mailhealth-sms --status`, the pager's own health: pages
 * waiting in each spool (and since when), pages the gateway refused or
 * that expired (failed/), pages lost (the audit log's "lost" lines: no
 * spool could take them, only syslog has their text), and whether a
 * sender is running. The exit status is a monitoring plugin's:
 *
 *   0  nothing waiting, failed or lost
 *   1  pages waiting to be sent (normal for seconds; not for hours)
 *   2  pages failed or lost: someone was not paged
 *   3  the spool cannot be read
 *
 * failed/ is kept for the admin, so status 2 stays until it is emptied;
 * the lost count is that of the current audit log (rotation resets it).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "sms.h"

#define STATUS_OK 0
#define STATUS_WAITING 1
#define STATUS_FAILED 2
#define STATUS_UNKNOWN 3

struct status_spool {
	unsigned waiting, failed;
	time_t oldest;		/* created= of the oldest waiting; 0 none */
	bool unreadable;
};

/* Files in SPOOL/sub; -1 when the directory exists but cannot be read
 * (a spool not created yet has nothing in it). */
static long
status_count(const char *dir, const char *sub)
{
	char *p = spool_path(dir, sub, NULL);
	DIR *d = opendir(p);
	struct dirent *de;
	long n = 0;

	free(p);
	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
status_spool(const char *dir, struct status_spool *s)
{
	char **names = NULL;
	size_t n = 0, i;
	long failed = status_count(dir, "failed"),
	    waiting = status_count(dir, "outgoing");

	memset(s, 0, sizeof(*s));
	if (failed < 0 || waiting < 0) {
		s->unreadable = true;
		return;
	}
	s->failed = (unsigned)failed;
	if (waiting == 0 || spool_list(dir, &names, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		struct spool_msg m;
		char *p = spool_path(dir, "outgoing", names[i]);

		s->waiting++;
		if (spool_read_msg(p, &m) == 0) {
			if (s->oldest == 0 || m.created < s->oldest)
				s->oldest = m.created;
			spool_msg_free(&m);
		}
		free(p);
	}
	spool_names_free(names, n);
}

static void
status_print_spool(FILE *out, const char *what, const char *dir,
    const struct status_spool *s, time_t now)
{
	fprintf(out, "%s %s: ", what, dir);
	if (s->unreadable) {
		fprintf(out, "cannot be read\n");
		return;
	}
	fprintf(out, "%u waiting", s->waiting);
	if (s->oldest)
		fprintf(out, " (oldest queued %lld s ago)",
		    (long long)(now - s->oldest));
	fprintf(out, ", %u failed\n", s->failed);
}

/* "lost" lines in the audit log: how many, and the last one's start. */
static long
status_lost(const char *audit, char *last, size_t lastlen)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	long n = 0;

	last[0] = '\0';
	if (audit == NULL || (f = fopen(audit, "r")) == NULL)
		return audit == NULL || errno == ENOENT ? 0 : -1;
	while (getline(&line, &cap, f) > 0)
		if (strstr(line, " event=lost ") != NULL) {
			n++;
			snprintf(last, lastlen, "%.*s", (int)strcspn(line,
			    "\n"), line);
		}
	free(line);
	fclose(f);
	return n;
}

/* The pid in SPOOL/sender.lock, if that sender still holds the lock. */
static long
status_sender(const char *dir)
{
	char *p = spool_path(dir, "sender.lock", NULL);
	char buf[32];
	long pid = 0;
	ssize_t n;
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	free(p);
	if (fd < 0)
		return 0;
	/* a lock we can take is a lock nobody holds */
	if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK &&
	    (n = pread(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		pid = strtol(buf, NULL, 10);
	}
	close(fd);
	return pid;
}

int
status_report(const struct sms_conf *c, FILE *out)
{
	struct status_spool main_s, fb_s;
	time_t now = time(NULL);
	char last[512];
	long lost, pid;
	int rc = STATUS_OK;

	status_spool(c->spool_dir, &main_s);
	status_print_spool(out, "spool", c->spool_dir, &main_s, now);
	memset(&fb_s, 0, sizeof(fb_s));
	if (c->fallback_dir) {
		status_spool(c->fallback_dir, &fb_s);
		status_print_spool(out, "fallback", c->fallback_dir, &fb_s,
		    now);
	}
	lost = status_lost(c->audit_log, last, sizeof(last));
	if (lost < 0)
		fprintf(out, "lost: unknown (cannot read %s)\n", c->audit_log);
	else
		fprintf(out, "lost: %ld%s%s\n", lost, lost ? "; last: " : "",
		    lost ? last : "");
	pid = status_sender(c->spool_dir);
	if (pid == 0 && c->fallback_dir)
		pid = status_sender(c->fallback_dir);
	if (pid > 0)
		fprintf(out, "sender: running (pid %ld)\n", pid);
	else
		fprintf(out, "sender: not running\n");

	if (main_s.waiting + fb_s.waiting > 0)
		rc = STATUS_WAITING;
	if (main_s.failed + fb_s.failed > 0 || lost > 0)
		rc = STATUS_FAILED;
	if (main_s.unreadable || fb_s.unreadable || lost < 0)
		rc = STATUS_UNKNOWN;
	fprintf(out, "status: %s\n", rc == STATUS_OK ? "OK: nothing waiting, "
	    "failed or lost" : rc == STATUS_WAITING ? "WAITING: pages not "
	    "sent yet" : rc == STATUS_FAILED ? "FAILED: pages failed or "
	    "lost" : "UNKNOWN: cannot read the spool or the audit log");
	return rc;
}
