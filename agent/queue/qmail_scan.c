/*
 * qmail_scan.c: the qmail queue's directories, one pass each (mess,
 * todo, info, local, remote, bounce), and each message's report to
 * queue_add(). The rules for rescans are at the top of queue_qmail.c.
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

static bool
is_file(int dfd, const struct dirent *d)
{
	struct stat st;

	if (d->d_type == DT_REG)
		return true;
	if (d->d_type != DT_UNKNOWN)
		return false;
	return fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode);
}

/* A queue directory, by its path under the queue; NULL when it cannot
 * be opened (gone, unreadable, a symlink), which makes row unknown. */
static DIR *
open_dir(struct qmail *q, const char *rel, int row)
{
	int fd = openat(q->rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		queue_unknown(q->acc, row,
		    "qmail queue %s: cannot open %s: %s", q->root, rel,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return d;
}

/* The next entry; NULL at the end, or on an error (row unknown). */
static struct dirent *
next_ent(struct qmail *q, DIR *d, const char *rel, int row)
{
	struct dirent *de;

	errno = 0;
	if ((de = readdir(d)) == NULL && errno != 0)
		queue_unknown(q->acc, row,
		    "qmail queue %s: cannot read %s: %s", q->root, rel,
		    strerror(errno));
	return de;
}

/* The message of a directory entry, if it is one this scan listed in
 * mess/ (a file of a message not there yet is left for next time). */
static struct qm_msg *
scan_msg(struct qmail *q, const struct dirent *de)
{
	uint64_t id = qmail_msg_id(de->d_name);
	struct qm_msg *m;

	if (id == 0 || (m = qmail_tab_get(q, id)) == NULL || m->gen != q->mgen)
		return NULL;
	return m;
}

/* One pass over a directory of the queue. want() says what to do with
 * an entry: read or stat its file ahead (a qread op, *mp its message),
 * or -1, nothing more; take() then gets each file read ahead, in the
 * order listed (qread.c overlaps the reads with the listing). */
struct qm_pass {
	int row;		/* made unknown if the directory cannot be read */
	int c;			/* the channel passes: local 0, remote 1 */
	int (*want)(struct qmail *, int dfd, const struct dirent *, int c,
	    struct qm_msg **mp);
	void (*take)(struct qmail *, int dfd, const char *rel, int c,
	    const struct qm_cand *, const struct qread_item *);
};

static void
pass_take(struct qmail *q, const struct qm_pass *p, int dfd,
    const char *rel, bool last)
{
	struct qread_batch *b;
	size_t i;

	while ((b = qread_next(q->qr, dfd, last)) != NULL)
		for (i = 0; i < b->n; i++)
			p->take(q, dfd, rel, p->c, qread_cand(b, i),
			    &b->items[i]);
}

static void
pass_run(struct qmail *q, const struct qm_pass *p, const char *rel)
{
	DIR *d = open_dir(q, rel, p->row);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = next_ent(q, d, rel, p->row)) != NULL) {
		struct qm_msg *m;
		int op = p->want(q, dirfd(d), de, p->c, &m);

		if (op < 0)
			continue;
		qmail_pre_add(q, m, de->d_name, de->d_ino, (enum qread_op)op);
		pass_take(q, p, dirfd(d), rel, false);
	}
	pass_take(q, p, dirfd(d), rel, true);
	closedir(d);
}

/* The sender of the envelope just parsed; a damaged one has none. */
static void
take_sender(struct qmail *q, struct qm_msg *m)
{
	if (q->env.sender) {
		qmail_msg_set_sender(q, m, q->env.sender);
		m->flags |= F_SENDER;
	} else
		m->flags &= (uint8_t)~F_SENDER;
}

static void
mess_stat_done(struct qmail *q, struct qm_msg *m, const char *name,
    int rc, int err, const struct stat *stp)
{
	struct stat st = *stp;

	if (rc < 0) {
		if (err != ENOENT)
			queue_errs_add(&q->errs, err,
			    "cannot stat mess/%ld/%s",
			    (long)(m->id % (uint64_t)q->split), name);
		m->gen = 0;	/* gone: drop it */
		return;
	}
	m->size = (uint64_t)st.st_size > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)st.st_size;
	if (!(m->flags & F_INFO_TIME))
		m->arrival = (uint32_t)st.st_mtim.tv_sec;
}

static void
stat_mess(struct qmail *q, struct qm_msg *m, int dfd, const char *name)
{
	struct stat st;
	int rc = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW);

	mess_stat_done(q, m, name, rc, errno, &st);
}

/* A message's file was replaced by another message's (the number was
 * reused): forget everything but the number, and stat the new mess. */
static void
msg_renew(struct qmail *q, struct qm_msg *m)
{
	char rel[64];

	qmail_msg_clear(q, m);
	m->todo_ino = m->info_ino = 0;
	m->chan_sig[0] = m->chan_sig[1] = 0;
	m->flags = 0;
	m->seen &= (uint8_t)~(SEEN_INFO | SEEN_LOCAL | SEEN_REMOTE);
	qmail_msg_dirty(q, m, DIRTY_INFO | DIRTY_LOCAL | DIRTY_REMOTE);
	snprintf(rel, sizeof(rel), "mess/%ld", (long)(m->id %
	    (uint64_t)q->split));
	{
		char name[24];
		int dfd = openat(q->rootfd, rel, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);

		snprintf(name, sizeof(name), "%llu", (unsigned long long)m->id);
		if (dfd >= 0) {
			stat_mess(q, m, dfd, name);
			close(dfd);
		}
	}
}

/* mess/S: every message; the new ones' sizes, stat()ed ahead. */
static int
mess_want(struct qmail *q, int dfd, const struct dirent *de, int c,
    struct qm_msg **mp)
{
	uint64_t id = qmail_msg_id(de->d_name);
	struct qm_msg *m;

	(void)c;
	if (id == 0)
		return -1;
	m = qmail_tab_get(q, id);
	if (m == NULL) {
		if (!is_file(dfd, de))
			return -1;
		m = qmail_tab_add(q, id);
		qmail_msg_dirty(q, m, DIRTY_INFO | DIRTY_LOCAL | DIRTY_REMOTE);
	}
	m->gen = q->mgen;
	/* what the events keep track of stays; todo and bounce are listed
	 * every scan */
	m->seen = q->events ? m->seen & (SEEN_INFO | SEEN_LOCAL |
	    SEEN_REMOTE) : 0;
	if (m->dirty & DIRTY_MESS) {
		/* a new mess file under a known number: the old message
		 * left and a new one took its inode */
		m->dirty &= (uint8_t)~DIRTY_MESS;
		msg_renew(q, m);
		return -1;
	}
	if (m->flags & F_MESS_FINAL)
		return -1;
	*mp = m;
	return QR_STAT;
}

static void
mess_take(struct qmail *q, int dfd, const char *rel, int c,
    const struct qm_cand *cand, const struct qread_item *it)
{
	(void)dfd;
	(void)rel;
	(void)c;
	mess_stat_done(q, cand->m, it->name, it->len < 0 ? -1 : 0, it->err,
	    &it->st);
}

void
qmail_scan_mess(struct qmail *q, const char *rel)
{
	static const struct qm_pass pass = { -1, 0, mess_want, mess_take };

	pass_run(q, &pass, rel);
}

/* todo/ (flat) or todo/S (big-todo): a file not read before (by its
 * inode) is read ahead (its contents only: nothing of its stat is
 * used). */
static int
todo_want(struct qmail *q, int dfd, const struct dirent *de, int c,
    struct qm_msg **mp)
{
	struct qm_msg *m = scan_msg(q, de);

	(void)dfd;
	(void)c;
	if (m == NULL)
		return -1;	/* not a message (yet) */
	if (QM_INO(de->d_ino) == m->todo_ino) {
		m->seen |= SEEN_TODO;
		return -1;
	}
	*mp = m;
	return de->d_type == DT_REG ? QR_TEXT : QR_READ;
}

static void
todo_take(struct qmail *q, int dfd, const char *rel, int c,
    const struct qm_cand *cand, const struct qread_item *it)
{
	struct qm_msg *m = cand->m;
	struct stat st;
	ssize_t len;

	(void)c;
	/* todo comes once per message, before info: todo beside an info
	 * read earlier is a new message under a reused number */
	if (m->info_ino && m->todo_ino == 0)
		msg_renew(q, m);
	len = qmail_read_file(q, dfd, it->name, rel, &st, it);
	if (len < 0)
		return;
	m->seen |= SEEN_TODO;
	m->todo_ino = QM_INO(cand->ino);
	qmail_parse_env(q, (size_t)len, QMAIL_TODO, rel, it->name);
	qmail_msg_set_domains(q, m, SRC_TODO, &q->env);
	take_sender(q, m);
}

void
qmail_scan_todo(struct qmail *q, const char *rel)
{
	static const struct qm_pass pass = { Q_TODO, 0, todo_want, todo_take };

	pass_run(q, &pass, rel);
}

/* info/S/N: the sender and, by its mtime, the time qmail-send counts
 * the message's queue lifetime from. dfd/name: the file, from a readdir
 * of info/S (it: read ahead) or by path from the queue root. */
static void
info_entry(struct qmail *q, struct qm_msg *m, int dfd, const char *name,
    const char *rel, const struct qread_item *it)
{
	struct stat st;
	ssize_t len;

	len = qmail_read_file(q, dfd, name, rel, &st, it);
	if (len < 0) {
		if (len == -2) {
			m->seen &= (uint8_t)~SEEN_INFO;
			m->info_ino = 0;
		}
		return;
	}
	if (m->info_ino && m->info_ino != QM_INO(st.st_ino) &&
	    !(m->seen & SEEN_TODO))
		msg_renew(q, m);	/* a new message, same number */
	m->seen |= SEEN_INFO;
	m->info_ino = QM_INO(st.st_ino);
	m->arrival = (uint32_t)st.st_mtim.tv_sec;
	m->flags |= F_INFO_TIME;
	qmail_parse_env(q, (size_t)len, QMAIL_INFO, rel, name);
	if (!(m->seen & SEEN_TODO))	/* todo is the truth until it goes */
		take_sender(q, m);
}

/* info/S: a file not read before (by its inode), or named by an event,
 * is read ahead. */
static int
info_want(struct qmail *q, int dfd, const struct dirent *de, int c,
    struct qm_msg **mp)
{
	struct qm_msg *m = scan_msg(q, de);

	(void)dfd;
	(void)c;
	if (m == NULL)
		return -1;
	if (QM_INO(de->d_ino) == m->info_ino && !(m->dirty & DIRTY_INFO)) {
		m->seen |= SEEN_INFO;
		return -1;
	}
	*mp = m;
	return QR_READ;
}

static void
info_take(struct qmail *q, int dfd, const char *rel, int c,
    const struct qm_cand *cand, const struct qread_item *it)
{
	(void)c;
	info_entry(q, cand->m, dfd, it->name, rel, it);
}

void
qmail_scan_info(struct qmail *q, const char *rel)
{
	static const struct qm_pass pass = { -1, 0, info_want, info_take };

	pass_run(q, &pass, rel);
}

/* local/S/N or remote/S/N: changed in place when a recipient is done.
 * it: read or stat()ed ahead, or NULL. */
static void
chan_entry(struct qmail *q, struct qm_msg *m, int dfd, const char *name,
    const char *rel, int c, const struct qread_item *it)
{
	uint8_t bit = c == 0 ? SEEN_LOCAL : SEEN_REMOTE;
	struct stat st;
	ssize_t len;
	int rc;

	/* read ahead without a stat (a regular file by its listing, the
	 * directory watched): an event will say when it changes */
	if (it && it->op == QR_TEXT) {
		m->seen |= bit;
		len = qmail_read_file(q, dfd, name, rel, &st, it);
		if (len < 0) {
			if (len == -2)
				m->seen &= (uint8_t)~bit;
			return;
		}
		m->chan_sig[c] = QUEUE_SIG_NONE;
		qmail_parse_env(q, (size_t)len, QMAIL_CHAN, rel, name);
		qmail_msg_set_domains(q, m, SRC_LOCAL + c, &q->env);
		return;
	}
	/* read or stat()ed ahead: its fstat is as good as a stat now */
	if (it && it->op != QR_NONE) {
		rc = it->len < 0 ? -1 : 0;
		errno = it->len == -2 ? ENOENT : it->err;
		st = it->st;
	} else
		rc = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW);
	if (rc < 0) {
		if (errno != ENOENT)
			queue_errs_add(&q->errs, errno,
			    "cannot stat %s/%s", rel, name);
		m->seen &= (uint8_t)~bit;
		return;
	}
	if (!S_ISREG(st.st_mode))
		return;
	m->seen |= bit;
	if (queue_file_sig(&st) == m->chan_sig[c])
		return;
	len = qmail_read_file(q, dfd, name, rel, &st, it);
	if (len < 0) {
		if (len == -2)
			m->seen &= (uint8_t)~bit;
		return;
	}
	m->chan_sig[c] = queue_file_sig(&st);
	qmail_parse_env(q, (size_t)len, QMAIL_CHAN, rel, name);
	qmail_msg_set_domains(q, m, SRC_LOCAL + c, &q->env);
}

/* local/S, remote/S: a file never read is read ahead; a known one is
 * stat()ed ahead, and read when taken only if it changed. While inotify
 * watches the directories (rescans look only at the files the events
 * name), a file is read without its stat: QUEUE_SIG_NONE says so, and
 * such a file is read again, not stat()ed, when a scan lists it. */
static int
chan_want(struct qmail *q, int dfd, const struct dirent *de, int c,
    struct qm_msg **mp)
{
	struct qm_msg *m = scan_msg(q, de);

	(void)dfd;
	if (m == NULL)
		return -1;
	*mp = m;
	if (m->chan_sig[c] != 0 && m->chan_sig[c] != QUEUE_SIG_NONE)
		return QR_STAT;
	return q->ino_fd >= 0 && de->d_type == DT_REG ? QR_TEXT : QR_READ;
}

static void
chan_take(struct qmail *q, int dfd, const char *rel, int c,
    const struct qm_cand *cand, const struct qread_item *it)
{
	chan_entry(q, cand->m, dfd, it->name, rel, c, it);
}

void
qmail_scan_chan(struct qmail *q, const char *rel, int c)
{
	static const struct qm_pass pass[2] = {
		{ Q_LOCAL, 0, chan_want, chan_take },
		{ Q_REMOTE, 1, chan_want, chan_take },
	};

	pass_run(q, &pass[c != 0], rel);
}

/* With inotify healthy, info/, local/ and remote/ are not listed at all
 * on a rescan: only the files of new messages, and those the events
 * named (created, written, deleted), are looked at, by path. */
void
qmail_scan_dirty(struct qmail *q)
{
	size_t i;

	for (i = 0; i < q->ndirty; i++) {
		struct qm_msg *m = q->dirtyv[i];
		char rel[32], name[64];
		long sd;
		int c;

		if (m->gen != q->mgen)
			continue;	/* left the queue */
		sd = (long)(m->id % (uint64_t)q->split);
		if (m->dirty & DIRTY_INFO) {
			snprintf(rel, sizeof(rel), "info/%ld", sd);
			snprintf(name, sizeof(name), "%s/%llu", rel,
			    (unsigned long long)m->id);
			info_entry(q, m, q->rootfd, name, ".", NULL);
		}
		for (c = 0; c < 2; c++) {
			if (!(m->dirty & (c ? DIRTY_REMOTE : DIRTY_LOCAL)))
				continue;
			snprintf(rel, sizeof(rel), "%s/%ld", c ? "remote" :
			    "local", sd);
			snprintf(name, sizeof(name), "%s/%llu", rel,
			    (unsigned long long)m->id);
			chan_entry(q, m, q->rootfd, name, ".", c, NULL);
		}
	}
}

void
qmail_scan_bounce(struct qmail *q)
{
	DIR *d = open_dir(q, "bounce", Q_BOUNCE);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = next_ent(q, d, "bounce", Q_BOUNCE)) != NULL) {
		struct qm_msg *m = scan_msg(q, de);

		if (m)
			m->seen |= SEEN_BOUNCE;
	}
	closedir(d);
}
