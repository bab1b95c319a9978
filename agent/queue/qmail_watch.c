/*
 * qmail_watch.c: inotify on mess/S, info/S, local/S and remote/S, so
 * that a rescan reads only the files the events name (see the top of
 * queue_qmail.c). Without inotify every scan lists everything.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_SYS_INOTIFY_H
#include <sys/inotify.h>
#endif

#include "queue/qmail.h"

static const char *const watch_dirs[D_N] = { "mess", "info", "local", "remote" };

#ifdef HAVE_SYS_INOTIFY_H
/* Turn the inotify events since the last scan into dirty bits. */
void
qmail_watch_drain(struct qmail *q)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t r;

	if (q->ino_fd < 0) {
		q->recheck = true;
		return;
	}
	while ((r = read(q->ino_fd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (p < buf + r) {
			struct inotify_event *ev = (struct inotify_event *)p;
			struct qm_msg *m;
			uint64_t id;
			long i;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				q->recheck = true;
				continue;
			}
			if (ev->len == 0 || (id = qmail_msg_id(ev->name)) == 0 ||
			    (m = qmail_tab_get(q, id)) == NULL)
				continue;	/* new messages are read anyway */
			for (i = 0; i < D_N * q->split; i++)
				if (q->wd[i] == ev->wd)
					break;
			if (i == D_N * q->split)
				continue;
			switch (i / q->split) {
			case D_MESS:
				qmail_msg_dirty(q, m, DIRTY_MESS);
				break;
			case D_INFO:
				qmail_msg_dirty(q, m, DIRTY_INFO);
				break;
			case D_LOCAL:
				qmail_msg_dirty(q, m, DIRTY_LOCAL);
				break;
			default:
				qmail_msg_dirty(q, m, DIRTY_REMOTE);
				break;
			}
		}
	}
	if (r < 0 && errno != EAGAIN && errno != EINTR) {
		log_warn("queue", "inotify read; stat()ing every file from now");
		close(q->ino_fd);
		q->ino_fd = -1;
		q->recheck = true;
	}
}

void
qmail_watch_close(struct qmail *q)
{
	if (q->ino_fd >= 0)
		close(q->ino_fd);
	q->ino_fd = -1;
	free(q->wd);
	q->wd = NULL;
	free(q->wst);
	q->wst = NULL;
}

bool
qmail_watch_check(struct qmail *q)
{
	char rel[64];
	struct stat st;
	long i;
	int d;

	if (q->wst == NULL)
		return true;	/* nothing watched */
	for (d = 0; d < D_N; d++)
		for (i = 0; i < q->split; i++) {
			const struct stat *w = &q->wst[d * q->split + i];

			snprintf(rel, sizeof(rel), "%s/%ld", watch_dirs[d], i);
			if (fstatat(q->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    st.st_ino != w->st_ino || st.st_dev != w->st_dev ||
			    st.st_mode != w->st_mode)
				return false;
		}
	return true;
}

void
qmail_watch_open(struct qmail *q)
{
	char rel[64];
	long i;
	int d;

	q->recheck = true;	/* events start now: list everything once */
	q->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (q->ino_fd < 0) {
		log_warn("queue", "inotify: rescans stat every channel file");
		return;
	}
	q->wd = xcalloc((size_t)(D_N * q->split), sizeof(*q->wd));
	q->wst = xcalloc((size_t)(D_N * q->split), sizeof(*q->wst));
	for (d = 0; d < D_N; d++)
		for (i = 0; i < q->split; i++) {
			char path[4200];
			uint32_t mask = IN_CREATE | IN_MOVED_TO;

			/* mess is written after its creation (qmail-queue
			 * links first): its writes are of no interest, and
			 * not watching them spares an event per write; its
			 * removal shows in the listing of mess/ */
			if (d != D_MESS)
				mask |= IN_MODIFY | IN_DELETE | IN_MOVED_FROM;
			snprintf(rel, sizeof(rel), "%s/%ld", watch_dirs[d], i);
			snprintf(path, sizeof(path), "%s/%s", q->root, rel);
			/* what it was before the watch: a change after it
			 * shows in qmail_watch_check() */
			if (lstat(path, &q->wst[d * q->split + i]) == 0)
				q->wd[d * q->split + i] = inotify_add_watch(
				    q->ino_fd, path, mask | IN_ONLYDIR |
				    IN_DONT_FOLLOW);
			else
				q->wd[d * q->split + i] = -1;
			if (q->wd[d * q->split + i] < 0) {
				log_warn("queue", "inotify %s: rescans stat "
				    "every channel file", path);
				qmail_watch_close(q);
				return;
			}
		}
}
#else
void
qmail_watch_drain(struct qmail *q)
{
	q->recheck = true;
}

bool
qmail_watch_check(struct qmail *q)
{
	(void)q;
	return true;
}

void
qmail_watch_open(struct qmail *q)
{
	q->ino_fd = -1;
}

void
qmail_watch_close(struct qmail *q)
{
	q->ino_fd = -1;
}
#endif
