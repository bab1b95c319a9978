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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_SYS_INOTIFY_H
#include <sys/inotify.h>
#endif

#include "queue/queue.h"

#define QMAIL_DEFAULT_QUEUE "/var/qmail/queue"
/* A channel file of a message to a 100,000-address list is ~3 MB. */
#define QMAIL_FILE_MAX (64u << 20)

enum { Q_TODO, Q_LOCAL, Q_REMOTE, Q_BOUNCE };
static const char *const qmail_queues[] = {
	"todo", "local", "remote", "bounce", NULL,
};

/* where a message's pending recipients were read from */
enum { SRC_TODO, SRC_LOCAL, SRC_REMOTE, SRC_N };

/* seen-this-scan bits */
#define SEEN_TODO	0x01u
#define SEEN_INFO	0x02u
#define SEEN_LOCAL	0x04u
#define SEEN_REMOTE	0x08u
#define SEEN_BOUNCE	0x10u

/* dirty bits: inotify saw the file created or written since the last scan */
#define DIRTY_MESS	0x01u
#define DIRTY_INFO	0x02u
#define DIRTY_LOCAL	0x04u
#define DIRTY_REMOTE	0x08u

/* flags */
#define F_MESS_FINAL	0x01u	/* mess size read once todo or info existed */
#define F_INFO_TIME	0x02u	/* arrival is info's mtime */
#define F_SENDER	0x04u	/* the sender is known (todo or info read) */

enum { D_MESS, D_INFO, D_LOCAL, D_REMOTE, D_N };
static const char *const watch_dirs[D_N] = { "mess", "info", "local", "remote" };

/*
 * One message, kept small (a 100,000-message queue is 100,000 of these):
 * the identity of each file as last read, and one allocation (data) for
 * the sender and the domains of the pending recipients, packed as
 *	uint32_t n[SRC_N]; "sender\0" "@dom\0"... (todo, local, remote)
 * A domain is the address from its last '@' ("@example.com"), or "" for
 * an address without one; queue_add() takes what follows the '@'.
 */
struct qm_msg {
	uint64_t id;		/* message number = inode of mess/S/N */
	uint64_t size;		/* st_size of mess/S/N */
	int64_t arrival;	/* info's mtime, else mess's */
	uint64_t todo_ino;	/* d_ino at the last read, 0 = absent */
	uint64_t info_ino;
	uint64_t chan_sig[2];	/* local, remote: ino/mtime/size, 0 = absent */
	uint32_t gen;		/* scan that last saw mess/S/N */
	uint8_t seen, dirty, flags;
	char *data;		/* NULL: no sender known (mess alone) */
};

struct qmail {
	char *root;
	int rootfd;		/* opened afresh by each scan */
	dev_t root_dev;		/* the directory the watches are on */
	ino_t root_ino;
	long split;
	int ino_fd;		/* inotify, -1 if unavailable */
	int *wd;		/* D_N * split watch descriptors */
	bool recheck;		/* list every directory next scan */
	bool events;		/* this scan trusts inotify */
	struct qm_msg **dirtyv;	/* messages with dirty bits this scan */
	size_t ndirty, cdirty;
	bool todo_split;	/* big-todo: todo/S/N */
	uint32_t gen;
	struct qm_msg **tab;	/* open addressing on id, NULL = empty */
	size_t tcap, tn;	/* power of two; entries */
	/* scratch, reused between files and scans */
	char *buf;		/* file contents */
	size_t bufcap;
	char *dbuf;		/* packed domains */
	size_t dcap;
	struct qmail_env env;
	const char **rcpt;
	size_t rcptcap;
	/* errors of one scan: the first is reported, the rest counted */
	struct queue_errs errs;
};

/* Files read since start: a test hook (not API) that lets the unit
 * tests prove a rescan reads only what changed. */
unsigned long queue_qmail_files_read(void);
static unsigned long files_read;

unsigned long
queue_qmail_files_read(void)
{
	return files_read;
}

/* ------------------------------------------------------------------ */
/* Envelope parsing (pure; unit-tested and fuzzed). */

void
qmail_env_clear(struct qmail_env *e)
{
	free(e->rcpt);
	memset(e, 0, sizeof(*e));
}

static void
env_push(struct qmail_env *e, const char *addr)
{
	if (e->npending == e->rcap) {
		e->rcap = e->rcap ? e->rcap * 2 : 16;
		e->rcpt = xreallocarray(e->rcpt, e->rcap, sizeof(*e->rcpt));
	}
	e->rcpt[e->npending++] = addr;
}

int
qmail_env_parse(const char *buf, size_t len, enum qmail_file kind,
    struct qmail_env *e, const char **why)
{
	size_t pos = 0, nrec = 0;

	e->sender = NULL;
	e->npending = e->ndone = 0;
	*why = NULL;
	while (pos < len) {
		const char *rec = buf + pos;
		const char *nul = memchr(rec, '\0', len - pos);

		if (nul == NULL) {
			*why = "truncated record";
			return -1;
		}
		pos += (size_t)(nul - rec) + 1;
		nrec++;
		switch (rec[0]) {
		case 'F':
			if (kind == QMAIL_CHAN || e->sender != NULL) {
				*why = "unexpected F record";
				return -1;
			}
			e->sender = rec + 1;
			break;
		case 'T':
		case 'D':
			if (kind == QMAIL_INFO ||
			    (kind == QMAIL_TODO && rec[0] == 'D')) {
				*why = "unexpected recipient record";
				return -1;
			}
			if (rec[0] == 'T')
				env_push(e, rec + 1);
			else
				e->ndone++;
			break;
		case 'u':
		case 'p':
			if (kind != QMAIL_TODO) {
				*why = "unexpected u/p record";
				return -1;
			}
			break;
		default:
			*why = "unknown record type";
			return -1;
		}
	}
	if (kind != QMAIL_CHAN && e->sender == NULL) {
		*why = nrec ? "no F record" : "empty file";
		return -1;
	}
	return 0;
}

static void
msg_free(struct qm_msg *m)
{
	free(m->data);
	free(m);
}

/* ------------------------------------------------------------------ */
/* The message table. */

static size_t
tab_slot(const struct qmail *q, uint64_t id)
{
	uint64_t h = id * 0x9E3779B97F4A7C15ULL;

	return (size_t)(h >> 17) & (q->tcap - 1);
}

static struct qm_msg *
tab_get(const struct qmail *q, uint64_t id)
{
	size_t s = tab_slot(q, id);

	for (; q->tab[s]; s = (s + 1) & (q->tcap - 1))
		if (q->tab[s]->id == id)
			return q->tab[s];
	return NULL;
}

static void
tab_put(struct qmail *q, struct qm_msg *m)
{
	size_t s = tab_slot(q, m->id);

	while (q->tab[s])
		s = (s + 1) & (q->tcap - 1);
	q->tab[s] = m;
	q->tn++;
}

static void
tab_resize(struct qmail *q, size_t cap)
{
	struct qm_msg **old = q->tab;
	size_t ocap = q->tcap, i;

	q->tab = xcalloc(cap, sizeof(*q->tab));
	q->tcap = cap;
	q->tn = 0;
	for (i = 0; i < ocap; i++)
		if (old[i])
			tab_put(q, old[i]);
	free(old);
}

static struct qm_msg *
tab_add(struct qmail *q, uint64_t id)
{
	struct qm_msg *m = xcalloc(1, sizeof(*m));

	if ((q->tn + 1) * 4 > q->tcap * 3)
		tab_resize(q, q->tcap * 2);
	m->id = id;
	tab_put(q, m);
	return m;
}

/* Free the messages a scan did not see, and rehash the rest (dropping
 * from an open-addressing table is simplest done by rebuilding it). */
static void
tab_sweep(struct qmail *q)
{
	size_t i, gone = 0;

	for (i = 0; i < q->tcap; i++) {
		struct qm_msg *m = q->tab[i];

		if (m && m->gen != q->gen) {
			msg_free(m);
			q->tab[i] = NULL;
			gone++;
		}
	}
	if (gone) {
		size_t cap = q->tcap;

		q->tn -= gone;
		while (cap > 1024 && q->tn * 8 < cap)
			cap /= 2;
		tab_resize(q, cap);
	}
}

/* ------------------------------------------------------------------ */
/* A message's sender and recipient domains. */

struct msg_view {
	const char *sender;	/* NULL if unknown */
	uint32_t n[SRC_N];
	const char *dom[SRC_N];	/* packed, n[i] strings each */
	size_t len[SRC_N];	/* bytes of dom[i] */
};

static void
msg_view(const struct qm_msg *m, struct msg_view *v)
{
	const char *p;
	size_t i, j;

	memset(v, 0, sizeof(*v));
	if (m->data == NULL)
		return;
	memcpy(v->n, m->data, sizeof(v->n));
	v->sender = p = m->data + sizeof(v->n);
	p += strlen(p) + 1;
	for (i = 0; i < SRC_N; i++) {
		v->dom[i] = p;
		for (j = 0; j < v->n[i]; j++)
			p += strlen(p) + 1;
		v->len[i] = (size_t)(p - v->dom[i]);
	}
}

/* Replace the data of m by v (whose strings may point into m->data). */
static void
msg_store(struct qm_msg *m, const struct msg_view *v)
{
	size_t sl, total, i;
	char *d, *p;

	if (v->sender == NULL) {
		free(m->data);
		m->data = NULL;
		return;
	}
	sl = strlen(v->sender) + 1;
	total = sizeof(v->n) + sl;
	for (i = 0; i < SRC_N; i++)
		total += v->len[i];
	d = xmalloc(total);
	memcpy(d, v->n, sizeof(v->n));
	p = d + sizeof(v->n);
	memcpy(p, v->sender, sl);
	p += sl;
	for (i = 0; i < SRC_N; i++) {
		if (v->len[i])
			memcpy(p, v->dom[i], v->len[i]);
		p += v->len[i];
	}
	free(m->data);
	m->data = d;
}

static void
msg_set_sender(struct qm_msg *m, const char *s)
{
	struct msg_view v;

	/* qmail-send sends double bounces from "#@[]", qmail's own null
	 * sender for a bounce of a bounce: count them with the bounces */
	if (strcmp(s, "#@[]") == 0)
		s = "";
	msg_view(m, &v);
	if (v.sender && strcmp(v.sender, s) == 0)
		return;
	v.sender = s;
	msg_store(m, &v);
}

/* Set the pending domains of one source; pass e NULL to clear them. */
static void
msg_set_domains(struct qmail *q, struct qm_msg *m, int src,
    const struct qmail_env *e)
{
	struct msg_view v;
	size_t i, off = 0;

	msg_view(m, &v);
	if (e == NULL && v.n[src] == 0)
		return;
	if (v.sender == NULL)
		v.sender = "";	/* a channel file without info: rare */
	v.n[src] = e ? (uint32_t)e->npending : 0;
	for (i = 0; e && i < e->npending; i++) {
		const char *at = strrchr(e->rcpt[i], '@');
		size_t l = at ? strlen(at) : 0;

		if (off + l + 1 > q->dcap) {
			q->dcap = (off + l + 1) * 2;
			q->dbuf = xrealloc(q->dbuf, q->dcap);
		}
		memcpy(q->dbuf + off, at ? at : "", l);
		q->dbuf[off + l] = '\0';
		off += l + 1;
	}
	v.dom[src] = q->dbuf;
	v.len[src] = off;
	msg_store(m, &v);
}

/* ------------------------------------------------------------------ */
/* Files and directories. */

/* "123" -> 123; 0 for anything that is not a plain decimal number. */
static uint64_t
parse_num(const char *s)
{
	uint64_t v = 0;

	if (*s == '\0' || (*s == '0' && s[1] != '\0'))
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	return v;
}

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

static DIR *
open_dir(struct qmail *q, const char *rel)
{
	int fd = openat(q->rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		queue_errs_add(&q->errs, errno,
		    "cannot open %s/%s", q->root, rel);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return d;
}

/* Read a whole file into q->buf; st gets its fstat. Returns the length,
 * -1 on error (counted), -2 if it vanished (a normal race with
 * qmail-send). */
static ssize_t
read_file(struct qmail *q, int dfd, const char *name, const char *rel,
    struct stat *st)
{
	ssize_t len = queue_read_file(dfd, name, &q->buf, &q->bufcap,
	    QMAIL_FILE_MAX, st);

	if (len == -1)
		queue_errs_add(&q->errs, errno, "cannot read %s/%s", rel, name);
	if (len >= 0 || errno != ENOENT)
		files_read++;
	return len;
}

static int64_t
mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* What a channel file looked like: changes when qmail-send marks a
 * recipient done (mtime) or the file is replaced (inode). Never 0. */
static uint64_t
chan_sig(const struct stat *st)
{
	uint64_t h = (uint64_t)st->st_ino * 0x9E3779B97F4A7C15ULL;

	h ^= (uint64_t)mtime_ns(st) + 0x632BE59BD9B4E019ULL + (h << 6) +
	    (h >> 2);
	h ^= (uint64_t)st->st_size * 0xC2B2AE3D27D4EB4FULL;
	return h ? h : 1;
}

/* Parse an envelope file in q->buf; on a malformed file, report it and
 * keep what the complete records said. */
static void
parse_env(struct qmail *q, size_t len, enum qmail_file kind,
    const char *rel, const char *name)
{
	const char *why;

	if (qmail_env_parse(q->buf, len, kind, &q->env, &why) < 0)
		queue_errs_add(&q->errs, 0, "%s/%s: %s", rel, name, why);
}

static void
stat_mess(struct qmail *q, struct qm_msg *m, int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			queue_errs_add(&q->errs, errno,
			    "cannot stat mess/%ld/%s",
			    (long)(m->id % (uint64_t)q->split), name);
		m->gen = 0;	/* gone: drop it */
		return;
	}
	m->size = (uint64_t)st.st_size;
	if (!(m->flags & F_INFO_TIME))
		m->arrival = st.st_mtim.tv_sec;
}

static void
mark_dirty(struct qmail *q, struct qm_msg *m, uint8_t bits)
{
	if (m->dirty == 0) {
		if (q->ndirty == q->cdirty) {
			q->cdirty = q->cdirty ? q->cdirty * 2 : 256;
			q->dirtyv = xreallocarray(q->dirtyv, q->cdirty,
			    sizeof(*q->dirtyv));
		}
		q->dirtyv[q->ndirty++] = m;
	}
	m->dirty |= bits;
}

/* A message's file was replaced by another message's (the number was
 * reused): forget everything but the number, and stat the new mess. */
static void
msg_renew(struct qmail *q, struct qm_msg *m)
{
	char rel[64];

	free(m->data);
	m->data = NULL;
	m->todo_ino = m->info_ino = 0;
	m->chan_sig[0] = m->chan_sig[1] = 0;
	m->flags = 0;
	m->seen &= (uint8_t)~(SEEN_INFO | SEEN_LOCAL | SEEN_REMOTE);
	mark_dirty(q, m, DIRTY_INFO | DIRTY_LOCAL | DIRTY_REMOTE);
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

/* mess/S: every message. */
static void
scan_mess(struct qmail *q, const char *rel)
{
	DIR *d = open_dir(q, rel);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		uint64_t id = parse_num(de->d_name);
		struct qm_msg *m;

		if (id == 0)
			continue;
		m = tab_get(q, id);
		if (m == NULL) {
			if (!is_file(dirfd(d), de))
				continue;
			m = tab_add(q, id);
			mark_dirty(q, m, DIRTY_INFO | DIRTY_LOCAL |
			    DIRTY_REMOTE);
		}
		m->gen = q->gen;
		/* what the events keep track of stays; todo and bounce
		 * are listed every scan */
		m->seen = q->events ? m->seen & (SEEN_INFO | SEEN_LOCAL |
		    SEEN_REMOTE) : 0;
		if (m->dirty & DIRTY_MESS) {
			/* a new mess file under a known number: the old
			 * message left and a new one took its inode */
			m->dirty &= (uint8_t)~DIRTY_MESS;
			msg_renew(q, m);
		} else if (!(m->flags & F_MESS_FINAL))
			stat_mess(q, m, dirfd(d), de->d_name);
	}
	closedir(d);
}

/* todo/ (flat) or todo/S (big-todo) */
static void
scan_todo(struct qmail *q, const char *rel)
{
	DIR *d = open_dir(q, rel);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		uint64_t id = parse_num(de->d_name);
		struct qm_msg *m;
		struct stat st;
		ssize_t len;

		if (id == 0 || (m = tab_get(q, id)) == NULL ||
		    m->gen != q->gen)
			continue;	/* not a message (yet) */
		if ((uint64_t)de->d_ino == m->todo_ino) {
			m->seen |= SEEN_TODO;
			continue;
		}
		/* todo comes once per message, before info: todo beside an
		 * info read earlier is a new message under a reused number */
		if (m->info_ino && m->todo_ino == 0)
			msg_renew(q, m);
		len = read_file(q, dirfd(d), de->d_name, rel, &st);
		if (len < 0)
			continue;
		m->seen |= SEEN_TODO;
		m->todo_ino = (uint64_t)de->d_ino;
		parse_env(q, (size_t)len, QMAIL_TODO, rel, de->d_name);
		msg_set_domains(q, m, SRC_TODO, &q->env);
		if (q->env.sender) {
			msg_set_sender(m, q->env.sender);
			m->flags |= F_SENDER;
		} else
			m->flags &= (uint8_t)~F_SENDER;
	}
	closedir(d);
}

/* info/S/N: the sender and, by its mtime, the time qmail-send counts
 * the message's queue lifetime from. dfd/name: the file, from a readdir
 * of info/S or by path from the queue root. */
static void
info_entry(struct qmail *q, struct qm_msg *m, int dfd, const char *name,
    const char *rel)
{
	struct stat st;
	ssize_t len;

	len = read_file(q, dfd, name, rel, &st);
	if (len < 0) {
		if (len == -2) {
			m->seen &= (uint8_t)~SEEN_INFO;
			m->info_ino = 0;
		}
		return;
	}
	if (m->info_ino && m->info_ino != (uint64_t)st.st_ino &&
	    !(m->seen & SEEN_TODO))
		msg_renew(q, m);	/* a new message, same number */
	m->seen |= SEEN_INFO;
	m->info_ino = (uint64_t)st.st_ino;
	m->arrival = st.st_mtim.tv_sec;
	m->flags |= F_INFO_TIME;
	parse_env(q, (size_t)len, QMAIL_INFO, rel, name);
	if (m->seen & SEEN_TODO)
		return;		/* todo is the truth until it goes */
	if (q->env.sender) {
		msg_set_sender(m, q->env.sender);
		m->flags |= F_SENDER;
	} else
		m->flags &= (uint8_t)~F_SENDER;	/* damaged */
}

static void
scan_info(struct qmail *q, const char *rel)
{
	DIR *d = open_dir(q, rel);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		uint64_t id = parse_num(de->d_name);
		struct qm_msg *m;

		if (id == 0 || (m = tab_get(q, id)) == NULL ||
		    m->gen != q->gen)
			continue;
		if ((uint64_t)de->d_ino == m->info_ino &&
		    !(m->dirty & DIRTY_INFO)) {
			m->seen |= SEEN_INFO;
			continue;
		}
		info_entry(q, m, dirfd(d), de->d_name, rel);
	}
	closedir(d);
}

/* local/S/N or remote/S/N: changed in place when a recipient is done. */
static void
chan_entry(struct qmail *q, struct qm_msg *m, int dfd, const char *name,
    const char *rel, int c)
{
	uint8_t bit = c == 0 ? SEEN_LOCAL : SEEN_REMOTE;
	struct stat st;
	ssize_t len;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			queue_errs_add(&q->errs, errno,
			    "cannot stat %s/%s", rel, name);
		m->seen &= (uint8_t)~bit;
		return;
	}
	if (!S_ISREG(st.st_mode))
		return;
	m->seen |= bit;
	if (chan_sig(&st) == m->chan_sig[c])
		return;
	len = read_file(q, dfd, name, rel, &st);
	if (len < 0) {
		if (len == -2)
			m->seen &= (uint8_t)~bit;
		return;
	}
	m->chan_sig[c] = chan_sig(&st);
	parse_env(q, (size_t)len, QMAIL_CHAN, rel, name);
	msg_set_domains(q, m, SRC_LOCAL + c, &q->env);
}

static void
scan_chan(struct qmail *q, const char *rel, int c)
{
	DIR *d = open_dir(q, rel);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		uint64_t id = parse_num(de->d_name);
		struct qm_msg *m;

		if (id == 0 || (m = tab_get(q, id)) == NULL ||
		    m->gen != q->gen)
			continue;
		chan_entry(q, m, dirfd(d), de->d_name, rel, c);
	}
	closedir(d);
}

/* With inotify healthy, info/, local/ and remote/ are not listed at all
 * on a rescan: only the files of new messages, and those the events
 * named (created, written, deleted), are looked at, by path. */
static void
probe_dirty(struct qmail *q)
{
	size_t i;

	for (i = 0; i < q->ndirty; i++) {
		struct qm_msg *m = q->dirtyv[i];
		char rel[32], name[64];
		long sd;
		int c;

		if (m->gen != q->gen)
			continue;	/* left the queue */
		sd = (long)(m->id % (uint64_t)q->split);
		if (m->dirty & DIRTY_INFO) {
			snprintf(rel, sizeof(rel), "info/%ld", sd);
			snprintf(name, sizeof(name), "%s/%llu", rel,
			    (unsigned long long)m->id);
			info_entry(q, m, q->rootfd, name, ".");
		}
		for (c = 0; c < 2; c++) {
			if (!(m->dirty & (c ? DIRTY_REMOTE : DIRTY_LOCAL)))
				continue;
			snprintf(rel, sizeof(rel), "%s/%ld", c ? "remote" :
			    "local", sd);
			snprintf(name, sizeof(name), "%s/%llu", rel,
			    (unsigned long long)m->id);
			chan_entry(q, m, q->rootfd, name, ".", c);
		}
	}
}

static void
scan_bounce(struct qmail *q)
{
	DIR *d = open_dir(q, "bounce");
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		uint64_t id = parse_num(de->d_name);
		struct qm_msg *m;

		if (id && (m = tab_get(q, id)) != NULL && m->gen == q->gen)
			m->seen |= SEEN_BOUNCE;
	}
	closedir(d);
}

/* Append n packed domains to the recipient list for queue_add(). */
static size_t
push_domains(struct qmail *q, size_t n, const char *p, uint32_t cnt)
{
	uint32_t i;

	if (n + cnt > q->rcptcap) {
		q->rcptcap = (n + cnt) * 2;
		q->rcpt = xreallocarray(q->rcpt, q->rcptcap, sizeof(*q->rcpt));
	}
	for (i = 0; i < cnt; i++) {
		q->rcpt[n++] = p;
		p += strlen(p) + 1;
	}
	return n;
}

static void
report_msg(struct qmail *q, struct qm_msg *m, struct queue_acc *acc)
{
	struct queue_msg qm;
	struct msg_view v;
	size_t n = 0;
	int c;

	/* what this scan did not see is gone */
	if (!(m->seen & SEEN_TODO) && m->todo_ino) {
		m->todo_ino = 0;
		msg_set_domains(q, m, SRC_TODO, NULL);
	}
	if (!(m->seen & SEEN_INFO)) {
		m->info_ino = 0;
		m->flags &= (uint8_t)~F_INFO_TIME;
	}
	for (c = 0; c < 2; c++)
		if (!(m->seen & (c == 0 ? SEEN_LOCAL : SEEN_REMOTE))) {
			m->chan_sig[c] = 0;
			msg_set_domains(q, m, SRC_LOCAL + c, NULL);
		}
	if (!(m->seen & (SEEN_TODO | SEEN_INFO)))
		m->flags &= (uint8_t)~F_SENDER;
	/* qmail-queue has finished writing mess before it links todo, so
	 * from then on mess is final and need not be stat()ed again */
	if (m->seen & (SEEN_TODO | SEEN_INFO))
		m->flags |= F_MESS_FINAL;
	m->dirty = 0;

	msg_view(m, &v);
	memset(&qm, 0, sizeof(qm));
	qm.queues = 0;		/* in the totals whatever its rows */
	qm.size = m->size;
	qm.arrival = (time_t)m->arrival;
	if (m->seen & SEEN_TODO) {
		/* not preprocessed: todo is the truth, even if a crashed
		 * qmail-send left info/local/remote behind */
		qm.queues |= 1u << Q_TODO;
		n = push_domains(q, n, v.dom[SRC_TODO], v.n[SRC_TODO]);
	} else {
		if (v.n[SRC_LOCAL])
			qm.queues |= 1u << Q_LOCAL;
		if (v.n[SRC_REMOTE])
			qm.queues |= 1u << Q_REMOTE;
		n = push_domains(q, n, v.dom[SRC_LOCAL], v.n[SRC_LOCAL]);
		n = push_domains(q, n, v.dom[SRC_REMOTE], v.n[SRC_REMOTE]);
	}
	if (m->seen & SEEN_BOUNCE)
		qm.queues |= 1u << Q_BOUNCE;
	/* mess alone is a message qmail-queue is still writing, or one
	 * qmail-clean has yet to remove: counted, its sender unknown */
	qm.sender = (m->flags & F_SENDER) && v.sender ? v.sender : NULL;
	qm.nrcpt = n;
	qm.rcpt = q->rcpt;
	/* a message in both local and remote counts in each row with that
	 * channel's recipients only */
	{
		size_t per[Q_BOUNCE + 1];

		per[Q_TODO] = per[Q_BOUNCE] = n;
		per[Q_LOCAL] = (m->seen & SEEN_TODO) ? 0 : v.n[SRC_LOCAL];
		per[Q_REMOTE] = (m->seen & SEEN_TODO) ? 0 : v.n[SRC_REMOTE];
		qm.qrcpt = per;
		queue_add(acc, &qm);
	}
}

/* The number of split subdirectories actually on disk: mess/0 .. N-1. */
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

#ifdef HAVE_SYS_INOTIFY_H
/* Turn the inotify events since the last scan into dirty bits. */
static void
drain_events(struct qmail *q)
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
			if (ev->len == 0 || (id = parse_num(ev->name)) == 0 ||
			    (m = tab_get(q, id)) == NULL)
				continue;	/* new messages are read anyway */
			for (i = 0; i < D_N * q->split; i++)
				if (q->wd[i] == ev->wd)
					break;
			if (i == D_N * q->split)
				continue;
			switch (i / q->split) {
			case D_MESS:
				mark_dirty(q, m, DIRTY_MESS);
				break;
			case D_INFO:
				mark_dirty(q, m, DIRTY_INFO);
				break;
			case D_LOCAL:
				mark_dirty(q, m, DIRTY_LOCAL);
				break;
			default:
				mark_dirty(q, m, DIRTY_REMOTE);
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

static void
watch_close(struct qmail *q)
{
	if (q->ino_fd >= 0)
		close(q->ino_fd);
	q->ino_fd = -1;
	free(q->wd);
	q->wd = NULL;
}

static void
watch_open(struct qmail *q)
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
			q->wd[d * q->split + i] = inotify_add_watch(q->ino_fd,
			    path, mask | IN_ONLYDIR);
			if (q->wd[d * q->split + i] < 0) {
				log_warn("queue", "inotify %s: rescans stat "
				    "every channel file", path);
				close(q->ino_fd);
				q->ino_fd = -1;
				return;
			}
		}
}
#else
static void
drain_events(struct qmail *q)
{
	q->recheck = true;
}

static void
watch_open(struct qmail *q)
{
	q->ino_fd = -1;
}

static void
watch_close(struct qmail *q)
{
	q->ino_fd = -1;
}
#endif

static int
qmail_scan(void *arg, struct queue_acc *acc)
{
	struct qmail *q = arg;
	char rel[64];
	long i;
	struct stat st;

	/* by name each time: a queue directory that was moved away or
	 * replaced must not go on being read through an old descriptor */
	q->rootfd = open(q->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (q->rootfd < 0 || fstat(q->rootfd, &st) < 0) {
		queue_error(acc, "qmail queue %s: %s", q->root,
		    strerror(errno));
		if (q->rootfd >= 0)
			close(q->rootfd);
		q->rootfd = -1;
		return -1;
	}
	if (st.st_dev != q->root_dev || st.st_ino != q->root_ino) {
		watch_close(q);
		q->root_dev = st.st_dev;
		q->root_ino = st.st_ino;
		watch_open(q);
	}
	q->gen++;
	if (q->gen == 0)
		q->gen = 1;
	memset(&q->errs, 0, sizeof(q->errs));
	/* before any file is read, so that a change made while this scan
	 * reads stays queued for the next one */
	drain_events(q);
	q->events = !q->recheck;

	for (i = 0; i < q->split; i++) {
		snprintf(rel, sizeof(rel), "mess/%ld", i);
		scan_mess(q, rel);
	}
	if (q->errs.n) {
		q->ndirty = 0;
		q->recheck = true;
		/* without mess/ there is no queue to speak of */
		queue_error(acc, "qmail queue %s: %s", q->root, q->errs.first);
		close(q->rootfd);
		q->rootfd = -1;
		return -1;
	}
	q->todo_split = fstatat(q->rootfd, "todo/0", &st, 0) == 0 &&
	    S_ISDIR(st.st_mode);
	if (q->todo_split)
		for (i = 0; i < q->split; i++) {
			snprintf(rel, sizeof(rel), "todo/%ld", i);
			scan_todo(q, rel);
		}
	else
		scan_todo(q, "todo");
	if (q->events)
		probe_dirty(q);
	else
		for (i = 0; i < q->split; i++) {
			snprintf(rel, sizeof(rel), "info/%ld", i);
			scan_info(q, rel);
			snprintf(rel, sizeof(rel), "local/%ld", i);
			scan_chan(q, rel, 0);
			snprintf(rel, sizeof(rel), "remote/%ld", i);
			scan_chan(q, rel, 1);
		}
	q->ndirty = 0;		/* the sweep may free what it points to */
	scan_bounce(q);

	tab_sweep(q);
	for (size_t s = 0; s < q->tcap; s++)
		if (q->tab[s])
			report_msg(q, q->tab[s], acc);
	if (q->errs.n)
		queue_error(acc, "qmail queue %s: %s (%u problem%s)", q->root,
		    q->errs.first, q->errs.n, q->errs.n == 1 ? "" : "s");
	close(q->rootfd);
	q->rootfd = -1;
	q->recheck = q->ino_fd < 0;
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
	q->tcap = 1024;
	q->tab = xcalloc(q->tcap, sizeof(*q->tab));
	return q;
}

static void
qmail_close(void *arg)
{
	struct qmail *q = arg;
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->tcap; i++)
		if (q->tab[i])
			msg_free(q->tab[i]);
	free(q->tab);
	free(q->buf);
	free(q->dbuf);
	free(q->rcpt);
	free(q->dirtyv);
	qmail_env_clear(&q->env);
	watch_close(q);
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
