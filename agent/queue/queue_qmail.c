/*
 * queue_qmail.c: the qmail queue reader (/var/qmail/queue), for qmail
 * 1.03, netqmail, notqmail and the big-todo/ext-todo patches.
 *
 * The layout (docs/queues.md has the whole story): a message is mess/S/N
 * where N is the inode number of the mess file and S = N % split
 * (conf-split, 23 by default). qmail-queue writes mess/S/N and intd/N and
 * links intd/N to todo/N; qmail-send "preprocesses" todo/N into info/S/N
 * (F<sender>\0), local/S/N and remote/S/N (T<rcpt>\0 records, the first
 * byte overwritten with 'D' in place once a recipient is done) and has
 * todo/N and intd/N removed. bounce/N collects permanent failures until
 * qmail-send injects the bounce. todo/ and intd/ are flat in qmail-1.03
 * and split in the big-todo patch; both are read here.
 *
 * Rows: todo (qmail-qstat's "not yet preprocessed"), local and remote
 * (messages with pending recipients on that channel, as qmHandle counts
 * them; one message can be in both), bounce (a bounce/N file is waiting
 * to be injected; the message may be in local or remote too). Every
 * mess file (qmail-qstat's "messages in queue") is mhQueueMessages, the
 * total, not a row: a row holding the total made the rows sum to twice
 * it, which no poller adding rows up expects.
 *
 * Incremental rescans: mess, todo and info are written once and never
 * modified, so their directory entries (name and d_ino, which readdir
 * gives for free) tell a known file from a new one. The only file qmail
 * changes in place is a channel file (local/remote: 'T' -> 'D' when a
 * recipient is done), which only a stat() would show, and a stat() per
 * file costs more than the whole readdir pass (docs/queues.md has the
 * figures). So the reader watches mess/S, info/S, local/S and remote/S
 * with inotify: a rescan stats and re-reads only the files named in the
 * events since the last scan (IN_CREATE on mess/S/N also tells that a
 * message number was reused). When inotify is unavailable or its queue
 * overflowed, that scan stats every channel file instead, and a reused
 * number is caught by the new info or todo inode it brings.
 *
 * Memory: one record per message, in a hash on the message number; of
 * the recipients only the domain (from the last '@') is kept, because
 * that is all the statistics use.
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

#include "queue/qmail.h"

static const char *const qmail_queues[] = {
	"todo", "local", "remote", "bounce", NULL,
};

static long
disk_split(const char *root)
{
	char p[4096];
	struct stat st;
	long n = 0;

	for (;;) {
		snprintf(p, sizeof(p), "%s/mess/%ld", root, n);
		if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			return n;
		n++;
	}
}

static int
qmail_scan(void *arg, struct queue_acc *acc)
{
	struct qmail *q = arg;
	char rel[64];
	long i;
	uint32_t rows;
	struct stat st;

	/* by name each time: a queue directory that was moved away or
	 * replaced must not go on being read through an old descriptor */
	q->acc = acc;
	q->rootfd = open(q->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (q->rootfd < 0 || fstat(q->rootfd, &st) < 0) {
		queue_unknown(acc, -1, "qmail queue %s: %s", q->root,
		    strerror(errno));
		if (q->rootfd >= 0)
			close(q->rootfd);
		q->rootfd = -1;
		return -1;
	}
	/* the watches follow directories, not names: one renamed away
	 * (or replaced, or made unreadable) must be seen by its name */
	if (st.st_dev != q->root_dev || st.st_ino != q->root_ino ||
	    !qmail_watch_check(q)) {
		qmail_watch_close(q);
		q->root_dev = st.st_dev;
		q->root_ino = st.st_ino;
		qmail_watch_open(q);
	}
	q->gen++;
	if (q->gen == 0)
		q->gen = 1;
	q->mgen = q->mgen == 255 ? 1 : (uint8_t)(q->mgen + 1);
	memset(&q->errs, 0, sizeof(q->errs));
	/* before any file is read, so that a change made while this scan
	 * reads stays queued for the next one */
	q->events = !q->recheck;	/* for the drain's dirty list */
	qmail_watch_drain(q);
	q->events = !q->recheck;

	for (i = 0; i < q->split; i++) {
		snprintf(rel, sizeof(rel), "mess/%ld", i);
		qmail_scan_mess(q, rel);
	}
	if (queue_acc_unknown(acc, &rows)) {
		/* without mess/ there is no queue to speak of; the records
		 * stay for when it is back, all with the same gen again (not
		 * the next scan's: qmail.h) */
		uint8_t before = q->mgen == 1 ? 255 : (uint8_t)(q->mgen - 1);

		for (size_t s = 0; s < q->tcap; s++)
			if (q->tab[s])
				qmail_tab_at(q, s)->gen = before;
		q->ndirty = 0;
		q->recheck = true;
		q->root_ino = 0;	/* watch again once it is back */
		close(q->rootfd);
		q->rootfd = -1;
		return -1;
	}
	q->todo_split = fstatat(q->rootfd, "todo/0", &st, 0) == 0 &&
	    S_ISDIR(st.st_mode);
	if (q->todo_split)
		for (i = 0; i < q->split; i++) {
			snprintf(rel, sizeof(rel), "todo/%ld", i);
			qmail_scan_todo(q, rel);
		}
	else
		qmail_scan_todo(q, "todo");
	if (q->events)
		qmail_scan_dirty(q);
	else
		for (i = 0; i < q->split; i++) {
			snprintf(rel, sizeof(rel), "info/%ld", i);
			qmail_scan_info(q, rel);
			snprintf(rel, sizeof(rel), "local/%ld", i);
			qmail_scan_chan(q, rel, 0);
			snprintf(rel, sizeof(rel), "remote/%ld", i);
			qmail_scan_chan(q, rel, 1);
		}
	q->ndirty = 0;		/* the sweep may free what it points to */
	qmail_scan_bounce(q);

	qmail_tab_sweep(q);
	for (size_t s = 0; s < q->tcap; s++)
		if (q->tab[s])
			qmail_msg_report(q, qmail_tab_at(q, s), acc);
	/* after the report, which marked every string in use */
	qmail_msg_sweep(q);
	if (q->errs.n)
		queue_error(acc, "qmail queue %s: %s (%u problem%s)", q->root,
		    q->errs.first, q->errs.n, q->errs.n == 1 ? "" : "s");
	close(q->rootfd);
	q->rootfd = -1;
	q->recheck = q->ino_fd < 0;
	if (queue_acc_unknown(acc, &rows) || rows)
		q->root_ino = 0;	/* watch again once it is back */
	return 0;
}

static const char *
qmail_root(const struct conf_mta *c)
{
	return c->queue_directory ? c->queue_directory : QMAIL_DEFAULT_QUEUE;
}

static bool
qmail_detect(const struct conf_mta *c)
{
	const char *root = c->queue_directory && c->kind == MH_MTA_QMAIL ?
	    c->queue_directory : QMAIL_DEFAULT_QUEUE;
	char p[4096];
	struct stat st;
	static const char *const need[] = { "mess", "info", "todo", "lock" };

	for (size_t i = 0; i < MH_ARRAY_SIZE(need); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, need[i]);
		if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			return false;
	}
	return true;
}

static void *
qmail_open(const struct conf_mta *c)
{
	struct qmail *q;
	const char *root = qmail_root(c);
	long split;

	if (!qmail_detect(&(struct conf_mta){ .kind = MH_MTA_QMAIL,
	    .queue_directory = (char *)root })) {
		log_warnx("queue", "%s is not a qmail queue (no mess, info, "
		    "todo or lock directory, or no permission)", root);
		return NULL;
	}
	/* conf-split is compiled into qmail; trust the disk over the
	 * configuration, but say so, since one of them is wrong */
	split = disk_split(root);
	if (split == 0) {
		log_warnx("queue", "%s/mess has no split subdirectories", root);
		return NULL;
	}
	if (c->split > 0 && split != c->split)
		log_warnx("queue", "%s: split is %ld on disk, %ld in the "
		    "configuration; using %ld", root, split, c->split, split);
	q = xcalloc(1, sizeof(*q));
	q->rootfd = -1;
	q->ino_fd = -1;
	q->root = xstrdup(root);
	q->split = split;
	qmail_tab_init(q);
	return q;
}

static void
qmail_close(void *arg)
{
	struct qmail *q = arg;

	if (q == NULL)
		return;
	qmail_tab_free(q);
	free(q->buf);
	free(q->dbuf);
	free(q->rv);
	qread_free(q->qr);
	free(q->rcpt);
	free(q->dirtyv);
	qmail_env_clear(&q->env);
	qmail_watch_close(q);
	free(q->root);
	free(q);
}

const struct queue_reader queue_qmail = {
	.name = "qmail",
	.mta = MH_MTA_QMAIL,
	.queues = qmail_queues,
	.detect = qmail_detect,
	.open = qmail_open,
	.scan = qmail_scan,
	.close = qmail_close,
};
