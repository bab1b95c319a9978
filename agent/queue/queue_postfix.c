/*
 * queue_postfix.c: the Postfix queue, read on disk (no postqueue/showq).
 *
 * The record format and what we read of it: pf_record.c.
 *
 * Which files count (as showq): regular files named like queue ids with
 * owner rwx (mode 0700 = MAIL_QUEUE_STAT_READY). Cleanup and postdrop
 * create files 0600 and add the x bit when the file is complete, so a
 * file without it in incoming/ or maildrop/ is still being written: it is
 * "in flight", not counted, and checked again next scan. corrupt/ is
 * counted whatever its modes (files there are 0400 or worse), without
 * errors for what cannot be parsed; a file there without a readable
 * sender counts in the totals but not in top senders. A file that vanishes between readdir and open is normal
 * (Postfix renames files between queues all the time) and is skipped.
 * A file can be seen twice or not at all when it moves during a scan;
 * showq has the same race, and the next scan is right again.
 *
 * Incremental rescans. The reader keeps a tree of the queue's
 * directories, each with what every file in it held (inode, mtime,
 * arrival, size, sender, recipient domains). Per directory, per scan:
 *   - its mtime and inode are unchanged since it was listed: no file
 *     came, went or was renamed there, so it is not even read again;
 *     its files are counted from memory;
 *   - else it is listed again (readdir gives d_ino and d_type, so no
 *     stat): a file whose name and inode are known keeps its record,
 *     new ones are read, vanished ones forgotten.
 * A known file is trusted as is because outside the active queue
 * Postfix never rewrites a queue file in place: every change is a new
 * file or a rename (and a rename is a new name in another directory).
 * Exceptions, stat()ed every scan and re-read if inode or mtime moved:
 *   - active/: delivery agents mark recipients done in place;
 *   - hold/: "postsuper -h" can move a file out of active while a
 *     delivery agent still writes to it, so a held file is re-checked
 *     while its mtime is less than an hour old (or in the future, as
 *     qmgr sets it on deferred mail);
 *   - files that were in flight or could not be read.
 * Timestamps are coarse (a clock tick), so an mtime less than a second
 * older than the scan is not trusted: such a directory is listed again
 * and such a file re-read next time (git's "racy" rule). The first read
 * of a deferred file is open, one pread, close: no stat, since the short
 * read gives its length and deferred files are always complete.
 * So a rescan of an unchanged 100,000-message queue reads no file and
 * no deferred directory; it costs less than `find -type f | wc -l`.
 *
 * Memory: senders and recipient domains are interned (one copy of each
 * distinct string), and a message keeps only its recipient domains, as
 * "@domain" (queue.c counts the part after the last '@'). Interned
 * strings are reclaimed by mark and sweep: every scan touches every live
 * record, so strings not touched in a scan are garbage.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue/queue.h"

/* Not in queue.h: a counter for the unit tests, which declare it
 * themselves. Files parsed since the program started. */
unsigned long queue_postfix_files_read(void);

#define PF_DEFAULT_ROOT "/var/spool/postfix"
#define PF_HEAD 16384		/* first read: most queue files fit whole */
#define PF_MAXDEPTH 8		/* hash_queue_depth is at most a few */
#define PF_ERRMAX 10		/* errors reported one by one per scan */
#define PF_HOLD_FRESH 3600	/* seconds a held file is re-checked */
#define PF_ADDR_MAX 511		/* queue.c's top-N keys are this long */

enum pf_queue {
	PQ_MAILDROP, PQ_INCOMING, PQ_ACTIVE, PQ_DEFERRED, PQ_HOLD, PQ_CORRUPT,
	PQ_N
};

static const char *const pf_queue_names[PQ_N + 1] = {
	"maildrop", "incoming", "active", "deferred", "hold", "corrupt", NULL,
};

static unsigned long pf_files_read;

unsigned long
queue_postfix_files_read(void)
{
	return pf_files_read;
}

/* ------------------------------------------------------------------ */
/* Interned strings, reclaimed by mark and sweep (see the top). */

struct istr {
	struct istr *next;
	uint32_t hash;
	uint32_t gen;
	char s[];
};

struct itab {
	struct istr **b;
	size_t nb, n;		/* nb: power of two */
};

static uint32_t
itab_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static void
itab_init(struct itab *t)
{
	t->nb = 256;
	t->n = 0;
	t->b = xcalloc(t->nb, sizeof(*t->b));
}

static void
itab_grow(struct itab *t)
{
	size_t nb = t->nb * 2, i;
	struct istr **b = xcalloc(nb, sizeof(*b));

	for (i = 0; i < t->nb; i++) {
		struct istr *e = t->b[i], *nx;

		for (; e; e = nx) {
			nx = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

/* The interned copy of s[0..n) (n bytes, no NUL inside). */
static const char *
itab_get(struct itab *t, const char *s, size_t n, uint32_t gen)
{
	uint32_t h = itab_hash(s, n);
	struct istr *e;

	for (e = t->b[h & (t->nb - 1)]; e; e = e->next)
		if (e->hash == h && strncmp(e->s, s, n) == 0 &&
		    e->s[n] == '\0') {
			e->gen = gen;
			return e->s;
		}
	if (t->n >= t->nb)
		itab_grow(t);
	e = xmalloc(sizeof(*e) + n + 1);
	memcpy(e->s, s, n);
	e->s[n] = '\0';
	e->hash = h;
	e->gen = gen;
	e->next = t->b[h & (t->nb - 1)];
	t->b[h & (t->nb - 1)] = e;
	t->n++;
	return e->s;
}

static void
itab_mark(const char *s, uint32_t gen)
{
	struct istr *e = (struct istr *)(void *)(s - offsetof(struct istr, s));

	e->gen = gen;
}

static void
itab_sweep(struct itab *t, uint32_t gen)
{
	size_t i;

	for (i = 0; i < t->nb; i++) {
		struct istr **pp = &t->b[i];

		while (*pp) {
			struct istr *e = *pp;

			if (e->gen != gen) {
				*pp = e->next;
				free(e);
				t->n--;
			} else
				pp = &e->next;
		}
	}
}

static void
itab_free(struct itab *t)
{
	size_t i;

	for (i = 0; i < t->nb; i++) {
		struct istr *e = t->b[i], *nx;

		for (; e; e = nx) {
			nx = e->next;
			free(e);
		}
	}
	free(t->b);
	t->b = NULL;
}

/* ------------------------------------------------------------------ */
/* The reader.
 *
 * The queue is remembered as a tree of directories, each with the files
 * it held at the last scan, so a rescan can skip everything that did not
 * change (see the top). Why a tree of our own rather than qcache.c: the
 * per-directory lists are what lets a rescan skip readdir and every
 * per-file lookup when a directory's mtime says nothing came or went,
 * and they hold a message in about 90 bytes (record, name, index slot),
 * where a qcache entry plus a separate record took about 150: 100,000
 * messages fit in well under 32 MB of RSS for the whole daemon. */

#define PF_MTIME_UNKNOWN INT64_MIN	/* deferred files are read unstat()ed */

enum pf_fstate {
	PF_PARSED,		/* counted if it has a sender */
	PF_INFLIGHT,		/* still being written: no owner x bit */
	PF_FAILED,		/* unreadable; reported once */
	PF_GONE,		/* moved to a new list, or vanished */
};

struct pf_file {
	uint64_t ino;
	int64_t mtime_ns;
	int64_t arrival;
	uint64_t size;
	const char *sender;	/* interned; NULL: no sender, not counted */
	union {
		const char *one;	/* nrcpt == 1 */
		const char **many;	/* nrcpt > 1, malloc'ed */
	} rcpt;			/* interned "@domain", "" without a domain */
	uint32_t nrcpt;
	uint32_t name;		/* offset in the directory's name pool */
	uint8_t state;
	uint8_t unknown;	/* corrupt/, no readable sender: counted with
				 * an unknown sender (sender NULL) */
};

struct pf_dir {
	char *name;		/* last path component */
	uint64_t ino;
	int64_t mtime_ns;	/* -1: list it again next scan */
	struct pf_file *files;
	size_t nfiles;
	char *names;		/* NUL-terminated names, one per file */
	uint32_t *idx;		/* name hash -> file index + 1 */
	size_t idxmask;
	struct pf_dir **subs;
	size_t nsubs;
};

struct pf_state {
	char *root;
	struct pf_dir *queues[PQ_N];
	struct itab strs;
	uint32_t gen;
	time_t now;
	int64_t fresh_ns;	/* mtimes after this are too recent to trust */
	/* per scan */
	struct queue_acc *acc;
	unsigned nerr, nerr_hidden;
	/* scratch */
	unsigned char *head, *win;
	size_t wincap;
	const char **rv;
	size_t rn, rcap;
	const char *sender;
	char path[4096];	/* "deferred/A/A07A81514", for messages */
};

static void
pf_err(struct pf_state *st, const char *fmt, ...) MH_PRINTF(2, 3);

static void
pf_err(struct pf_state *st, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (st->nerr >= PF_ERRMAX) {
		st->nerr_hidden++;
		return;
	}
	st->nerr++;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	queue_error(st->acc, "%s", buf);
}

static size_t
pf_lower(char *dst, const char *s, size_t n)
{
	size_t i;

	if (n > PF_ADDR_MAX)
		n = PF_ADDR_MAX;
	for (i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	return n;
}

static void
pf_take_sender(void *arg, const char *s, size_t n)
{
	struct pf_state *st = arg;
	char buf[PF_ADDR_MAX + 1];

	n = pf_lower(buf, s, n);
	st->sender = itab_get(&st->strs, buf, n, st->gen);
}

static void
pf_take_rcpt(void *arg, const char *s, size_t n)
{
	struct pf_state *st = arg;
	char buf[PF_ADDR_MAX + 2];
	const char *at = NULL;
	size_t i, dn = 0;

	for (i = n; i > 0; i--)
		if (s[i - 1] == '@') {
			at = s + i - 1;
			break;
		}
	if (at) {
		buf[0] = '@';
		dn = 1 + pf_lower(buf + 1, at + 1, n - (size_t)(at + 1 - s));
	}
	if (st->rn == st->rcap) {
		st->rcap = st->rcap ? st->rcap * 2 : 16;
		st->rv = xreallocarray(st->rv, st->rcap, sizeof(*st->rv));
	}
	st->rv[st->rn++] = itab_get(&st->strs, buf, dn, st->gen);
}

static const char *const *
pf_rcpts(const struct pf_file *f)
{
	return f->nrcpt == 1 ? &f->rcpt.one :
	    (const char *const *)f->rcpt.many;
}

static void
pf_file_clear(struct pf_file *f)
{
	if (f->state == PF_PARSED && f->nrcpt > 1)
		free(f->rcpt.many);
	f->nrcpt = 0;
	f->rcpt.many = NULL;
	f->sender = NULL;
	f->unknown = 0;
}

/* Count a file in the snapshot, and mark its strings as in use. */
static void
pf_count(struct pf_state *st, int qi, const struct pf_file *f)
{
	const char *const *rv = pf_rcpts(f);
	struct queue_msg m;
	uint32_t i;

	if (f->state != PF_PARSED)
		return;
	if (f->sender)
		itab_mark(f->sender, st->gen);
	for (i = 0; i < f->nrcpt; i++)
		itab_mark(rv[i], st->gen);
	if (f->sender == NULL && !f->unknown)
		return;
	memset(&m, 0, sizeof(m));
	m.queues = 1u << qi;
	m.arrival = (time_t)f->arrival;
	m.size = f->size;
	m.sender = f->sender;	/* NULL when unknown: not a top sender */
	m.nrcpt = f->nrcpt;
	m.rcpt = rv;
	queue_add(st->acc, &m);
}

static bool
pf_name_ok(const char *name)
{
	size_t n = 0;

	/* mail_queue_id_ok(): letters and digits (short ids are hex, long
	 * ones base 52 plus 'z'); anything else is not a queue file */
	for (; *name; name++, n++)
		if (!isalnum((unsigned char)*name))
			return false;
	return n > 0 && n <= 64;
}

static bool
pf_ready(int qi, mode_t mode)
{
	if (qi == PQ_CORRUPT)
		return true;
	return (mode & S_IRWXU) == S_IRWXU;
}

static int64_t
pf_mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

/* Read and parse one file into f (whose ino the caller set from
 * readdir). Returns -1 if the file is gone (f unusable), else 0 with f
 * parsed, in flight, or failed (reported). */
static int
pf_read(struct pf_state *st, int qi, int dfd, const char *name,
    struct pf_file *f)
{
	struct pf_parse p;
	struct pf_src s;
	struct stat sb;
	const char *why = NULL;
	bool have_sb = false;
	ssize_t got;
	int fd, rc = 0;

	pf_file_clear(f);
	f->state = PF_FAILED;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME |
	    O_NONBLOCK);
	if (fd < 0 && errno == EPERM)	/* O_NOATIME needs the owner */
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT ||
		    fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			return -1;
		f->ino = (uint64_t)sb.st_ino;
		f->mtime_ns = pf_mtime_ns(&sb);
		pf_err(st, "%s/%s: %s", st->root, st->path, strerror(e));
		return 0;
	}
	do
		got = pread(fd, st->head, PF_HEAD, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		pf_err(st, "%s/%s: %s", st->root, st->path, strerror(errno));
		f->mtime_ns = PF_MTIME_UNKNOWN;
		if (fstat(fd, &sb) == 0)
			f->mtime_ns = pf_mtime_ns(&sb);
		goto out;
	}
	/* Outside deferred/ a file may still be in flight (mode) or be
	 * rewritten in place (mtime): stat it. In deferred/ neither
	 * happens, and a short read gives the length, so no stat. */
	if (qi != PQ_DEFERRED || got == PF_HEAD) {
		if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			rc = -1;
			goto out;
		}
		have_sb = true;
		f->ino = (uint64_t)sb.st_ino;
		f->mtime_ns = pf_mtime_ns(&sb);
		if (!pf_ready(qi, sb.st_mode)) {
			f->state = PF_INFLIGHT;
			goto out;
		}
		if ((size_t)got > (size_t)sb.st_size)
			got = (ssize_t)sb.st_size;
	} else
		f->mtime_ns = PF_MTIME_UNKNOWN;
	pf_files_read++;

	memset(&s, 0, sizeof(s));
	s.buf = st->head;
	s.blen = (size_t)got;
	s.flen = have_sb ? (size_t)sb.st_size : (size_t)got;
	s.fd = fd;
	s.win = &st->win;
	s.wincap = &st->wincap;
	memset(&p, 0, sizeof(p));
	p.sender = pf_take_sender;
	p.rcpt = pf_take_rcpt;
	p.arg = st;
	st->sender = NULL;
	st->rn = 0;
	if (pf_parse_src(&s, &p, &why) < 0) {
		if (qi != PQ_CORRUPT)
			/* once per file: it is not read again until it
			 * changes */
			pf_err(st, "%s/%s: %s%s", st->root, st->path, why,
			    st->sender ? "" : " (not counted: no sender)");
	}
	if (!p.have_time && !have_sb) {
		if (fstat(fd, &sb) < 0) {
			rc = -1;
			goto out;
		}
		have_sb = true;
	}
	f->state = PF_PARSED;
	f->arrival = p.have_time ? p.arrival : (int64_t)sb.st_mtim.tv_sec;
	/* showq: the C record's size, but the file size in maildrop */
	f->size = (p.size_ok && qi != PQ_MAILDROP) ? p.size : s.flen;
	f->sender = st->sender;
	f->unknown = qi == PQ_CORRUPT && st->sender == NULL;
	f->nrcpt = (uint32_t)st->rn;
	if (st->rn == 1)
		f->rcpt.one = st->rv[0];
	else if (st->rn > 1) {
		f->rcpt.many = xreallocarray(NULL, st->rn, sizeof(*st->rv));
		memcpy(f->rcpt.many, st->rv, st->rn * sizeof(*st->rv));
	}
out:
	close(fd);
	return rc;
}

/* A file we know: count it as it was, or check and re-read it. Returns
 * -1 if it is gone. */
static int
pf_check(struct pf_state *st, int qi, int dfd, const char *name,
    struct pf_file *f)
{
	struct stat sb;
	bool restat;

	restat = f->state != PF_PARSED || qi == PQ_ACTIVE ||
	    (qi == PQ_HOLD && f->mtime_ns != PF_MTIME_UNKNOWN &&
	    f->mtime_ns / 1000000000 > (int64_t)st->now - PF_HOLD_FRESH);
	if (!restat) {
		pf_count(st, qi, f);
		return 0;
	}
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;	/* vanished, or cannot stat: drop it */
	/* An mtime within the last second may still move without showing
	 * (coarse clocks): then read again. */
	if (f->ino == (uint64_t)sb.st_ino && f->mtime_ns == pf_mtime_ns(&sb) &&
	    f->mtime_ns <= st->fresh_ns) {
		if (f->state == PF_PARSED) {
			pf_count(st, qi, f);
			return 0;
		}
		if (f->state == PF_FAILED ||
		    (f->state == PF_INFLIGHT && !pf_ready(qi, sb.st_mode)))
			return 0;
	}
	if (pf_read(st, qi, dfd, name, f) < 0)
		return -1;
	pf_count(st, qi, f);
	return 0;
}

static uint32_t
pf_name_hash(const char *s)
{
	return itab_hash(s, strlen(s));
}

static struct pf_file *
pf_dir_find(struct pf_dir *d, const char *name)
{
	size_t i;

	if (d->idx == NULL)
		return NULL;
	for (i = pf_name_hash(name) & d->idxmask; d->idx[i];
	    i = (i + 1) & d->idxmask) {
		struct pf_file *f = &d->files[d->idx[i] - 1];

		if (strcmp(d->names + f->name, name) == 0)
			return f;
	}
	return NULL;
}

static void
pf_dir_free(struct pf_dir *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nfiles; i++)
		pf_file_clear(&d->files[i]);
	for (i = 0; i < d->nsubs; i++)
		pf_dir_free(d->subs[i]);
	free(d->files);
	free(d->names);
	free(d->idx);
	free(d->subs);
	free(d->name);
	free(d);
}

static struct pf_dir *
pf_dir_new(const char *name)
{
	struct pf_dir *d = xcalloc(1, sizeof(*d));

	d->name = xstrdup(name);
	d->mtime_ns = -1;
	return d;
}

static void pf_dir_scan(struct pf_state *, int, struct pf_dir *, int, size_t,
    int);

/* Into the subdirectory sub of d (open at dfd), path st->path[0..plen). */
static int
pf_dir_descend(struct pf_state *st, int qi, int dfd, struct pf_dir *sub,
    size_t plen, int depth)
{
	size_t nlen = strlen(sub->name);
	int fd;

	if (plen + 1 + nlen >= sizeof(st->path))
		return 0;
	st->path[plen] = '/';
	memcpy(st->path + plen + 1, sub->name, nlen + 1);
	fd = openat(dfd, sub->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			pf_err(st, "%s/%s: %s", st->root, st->path,
			    strerror(errno));
		st->path[plen] = '\0';
		return -1;
	}
	pf_dir_scan(st, qi, sub, fd, plen + 1 + nlen, depth + 1);
	st->path[plen] = '\0';
	return 0;
}

/* The directory did not change since it was listed: same names, same
 * inodes. Count from memory, checking only what may change in place. */
static bool
pf_dir_replay(struct pf_state *st, int qi, struct pf_dir *d, int dfd,
    size_t plen, int depth)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < d->nfiles; i++) {
		struct pf_file *f = &d->files[i];
		const char *name = d->names + f->name;

		if (f->state == PF_GONE)
			continue;
		if (qi == PQ_ACTIVE || f->state != PF_PARSED ||
		    qi == PQ_HOLD) {
			snprintf(st->path + plen, sizeof(st->path) - plen, "/%s",
			    name);
			if (pf_check(st, qi, dfd, name, f) < 0) {
				pf_file_clear(f);
				f->state = PF_GONE;
				ok = false;
			}
			st->path[plen] = '\0';
		} else
			pf_count(st, qi, f);
	}
	for (i = 0; i < d->nsubs; i++)
		if (pf_dir_descend(st, qi, dfd, d->subs[i], plen, depth) < 0)
			ok = false;
	return ok;
}

struct pf_list {
	struct pf_file *files;
	size_t n, cap;
	char *names;
	size_t nlen, ncap;
};

static struct pf_file *
pf_list_add(struct pf_list *l, const char *name)
{
	size_t n = strlen(name) + 1;
	struct pf_file *f;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->files = xreallocarray(l->files, l->cap, sizeof(*l->files));
	}
	while (l->nlen + n > l->ncap) {
		l->ncap = l->ncap ? l->ncap * 2 : 1024;
		l->names = xrealloc(l->names, l->ncap);
	}
	memcpy(l->names + l->nlen, name, n);
	f = &l->files[l->n++];
	memset(f, 0, sizeof(*f));
	f->name = (uint32_t)l->nlen;
	l->nlen += n;
	return f;
}

/* Read the directory again: keep what is known of files whose name and
 * inode are unchanged, read the new ones, forget the vanished. */
static bool
pf_dir_relist(struct pf_state *st, int qi, struct pf_dir *d, int dfd,
    size_t plen, int depth)
{
	struct pf_list l = { 0 };
	struct pf_dir **subs = NULL;
	size_t nsubs = 0, i, is;
	struct dirent *de;
	bool ok = true;
	DIR *dir;
	int dfd2;

	/* fdopendir takes the fd; keep ours for openat afterwards */
	if ((dfd2 = dup(dfd)) < 0 || (dir = fdopendir(dfd2)) == NULL) {
		pf_err(st, "%s/%s: %s", st->root, st->path, strerror(errno));
		if (dfd2 >= 0)
			close(dfd2);
		return false;
	}
	while ((errno = 0, de = readdir(dir)) != NULL) {
		unsigned char type = de->d_type;
		struct pf_file *f, *old;
		size_t nlen;

		if (de->d_name[0] == '.')
			continue;
		if (type == DT_UNKNOWN) {
			struct stat sb;

			if (fstatat(dfd, de->d_name, &sb,
			    AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISDIR(sb.st_mode) ? DT_DIR :
			    S_ISREG(sb.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (type == DT_DIR) {
			struct pf_dir *sub = NULL;

			if (depth >= PF_MAXDEPTH)
				continue;
			for (is = 0; is < d->nsubs; is++)
				if (d->subs[is] &&
				    strcmp(d->subs[is]->name, de->d_name) == 0) {
					sub = d->subs[is];
					d->subs[is] = NULL;	/* taken */
					break;
				}
			if (sub == NULL)
				sub = pf_dir_new(de->d_name);
			if (nsubs % 16 == 0)
				subs = xreallocarray(subs, nsubs + 16,
				    sizeof(*subs));
			subs[nsubs++] = sub;
			continue;
		}
		if (type != DT_REG || !pf_name_ok(de->d_name))
			continue;
		nlen = strlen(de->d_name);
		if (plen + 1 + nlen >= sizeof(st->path))
			continue;
		st->path[plen] = '/';
		memcpy(st->path + plen + 1, de->d_name, nlen + 1);
		f = pf_list_add(&l, de->d_name);
		old = pf_dir_find(d, de->d_name);
		if (old && old->state != PF_GONE &&
		    old->ino == (uint64_t)de->d_ino) {
			uint32_t name = f->name;

			*f = *old;		/* take it over */
			f->name = name;
			old->state = PF_GONE;
			old->nrcpt = 0;
			if (pf_check(st, qi, dfd, de->d_name, f) < 0) {
				pf_file_clear(f);
				l.n--;
				ok = false;
			}
		} else {
			f->ino = (uint64_t)de->d_ino;
			if (pf_read(st, qi, dfd, de->d_name, f) < 0) {
				pf_file_clear(f);
				l.n--;
				ok = false;
			} else
				pf_count(st, qi, f);
		}
	}
	st->path[plen] = '\0';
	if (errno != 0) {
		pf_err(st, "%s/%s: readdir: %s", st->root, st->path,
		    strerror(errno));
		ok = false;
	}
	closedir(dir);

	/* install the new lists, index the names for the next relist */
	for (i = 0; i < d->nfiles; i++)
		pf_file_clear(&d->files[i]);
	free(d->files);
	free(d->names);
	free(d->idx);
	d->files = l.n ? xreallocarray(l.files, l.n, sizeof(*l.files)) : NULL;
	if (l.n == 0)
		free(l.files);
	d->nfiles = l.n;
	d->names = l.names;
	d->idx = NULL;
	d->idxmask = 0;
	if (l.n) {
		size_t sz = 16;

		while (sz < l.n * 2)
			sz <<= 1;
		d->idx = xcalloc(sz, sizeof(*d->idx));
		d->idxmask = sz - 1;
		for (i = 0; i < l.n; i++) {
			size_t h = pf_name_hash(d->names + d->files[i].name) &
			    d->idxmask;

			while (d->idx[h])
				h = (h + 1) & d->idxmask;
			d->idx[h] = (uint32_t)(i + 1);
		}
	}
	for (is = 0; is < d->nsubs; is++)
		pf_dir_free(d->subs[is]);	/* the ones not taken */
	free(d->subs);
	d->subs = subs;
	d->nsubs = nsubs;
	for (i = 0; i < d->nsubs; i++)
		if (pf_dir_descend(st, qi, dfd, d->subs[i], plen, depth) < 0)
			ok = false;
	return ok;
}

/* One directory (fd dfd, consumed), st->path[0..plen) naming it. */
static void
pf_dir_scan(struct pf_state *st, int qi, struct pf_dir *d, int dfd,
    size_t plen, int depth)
{
	struct stat sb;
	int64_t mt;
	bool ok;

	if (fstat(dfd, &sb) < 0) {
		pf_err(st, "%s/%s: %s", st->root, st->path, strerror(errno));
		close(dfd);
		return;
	}
	mt = pf_mtime_ns(&sb);
	/* Same inode and mtime as when it was listed: no file came, went
	 * or was renamed here. The mtime is taken before reading, so a
	 * change during the read shows next time; one too recent to trust
	 * (a coarse clock can give the next change the same stamp) is not
	 * remembered. */
	if (d->mtime_ns >= 0 && d->ino == (uint64_t)sb.st_ino &&
	    d->mtime_ns == mt)
		ok = pf_dir_replay(st, qi, d, dfd, plen, depth);
	else
		ok = pf_dir_relist(st, qi, d, dfd, plen, depth);
	d->ino = (uint64_t)sb.st_ino;
	d->mtime_ns = (ok && mt <= st->fresh_ns) ? mt : -1;
	close(dfd);
}

static int
pf_scan(void *arg, struct queue_acc *acc)
{
	struct pf_state *st = arg;
	struct timespec ts;
	int rootfd, qi, found = 0;

	st->gen++;
	clock_gettime(CLOCK_REALTIME, &ts);
	st->now = ts.tv_sec;
	st->fresh_ns = ((int64_t)ts.tv_sec - 1) * 1000000000 + ts.tv_nsec;
	st->acc = acc;
	st->nerr = st->nerr_hidden = 0;
	rootfd = open(st->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		queue_error(acc, "%s: %s", st->root, strerror(errno));
		return -1;
	}
	for (qi = 0; qi < PQ_N; qi++) {
		const char *q = pf_queue_names[qi];
		int dfd = openat(rootfd, q, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);

		if (dfd < 0) {
			/* corrupt/ and hold/ may be missing on old installs */
			if (errno != ENOENT)
				pf_err(st, "%s/%s: %s", st->root, q,
				    strerror(errno));
			pf_dir_free(st->queues[qi]);
			st->queues[qi] = NULL;
			continue;
		}
		found++;
		if (st->queues[qi] == NULL)
			st->queues[qi] = pf_dir_new(q);
		snprintf(st->path, sizeof(st->path), "%s", q);
		pf_dir_scan(st, qi, st->queues[qi], dfd, strlen(q), 0);
	}
	close(rootfd);
	itab_sweep(&st->strs, st->gen);
	st->acc = NULL;
	if (st->nerr_hidden)
		queue_error(acc, "%s: %u more unreadable queue files not listed",
		    st->root, st->nerr_hidden);
	if (found == 0) {
		queue_error(acc, "%s: no Postfix queue directories (deferred, "
		    "active, ...) in it", st->root);
		return -1;
	}
	return 0;
}

static const char *
pf_root(const struct conf_mta *m)
{
	return m && m->queue_directory && m->queue_directory[0] ?
	    m->queue_directory : PF_DEFAULT_ROOT;
}

/* mta auto: a Postfix queue directory is there (filesystem only). */
static bool
pf_detect(const struct conf_mta *m)
{
	static const char *const need[] = { "active", "deferred", "incoming" };
	const char *root = pf_root(m);
	char p[4096];
	struct stat sb;
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(need); i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", root, need[i]) >=
		    sizeof(p))
			return false;
		if (stat(p, &sb) < 0 || !S_ISDIR(sb.st_mode))
			return false;
	}
	return true;
}

static void *
pf_open(const struct conf_mta *m)
{
	const char *root = pf_root(m);
	struct pf_state *st;
	struct stat sb;

	if (stat(root, &sb) < 0) {
		log_warn("queue", "postfix queue directory %s", root);
		return NULL;
	}
	if (!S_ISDIR(sb.st_mode)) {
		log_warnx("queue", "postfix queue directory %s: not a "
		    "directory", root);
		return NULL;
	}
	st = xcalloc(1, sizeof(*st));
	st->root = xstrdup(root);
	itab_init(&st->strs);
	st->head = xmalloc(PF_HEAD);
	return st;
}

static void
pf_close(void *arg)
{
	struct pf_state *st = arg;
	int qi;

	if (st == NULL)
		return;
	for (qi = 0; qi < PQ_N; qi++)
		pf_dir_free(st->queues[qi]);
	itab_free(&st->strs);
	free(st->head);
	free(st->win);
	free(st->rv);
	free(st->root);
	free(st);
}

const struct queue_reader queue_postfix = {
	.name = "postfix",
	.mta = MH_MTA_POSTFIX,
	.queues = pf_queue_names,
	.detect = pf_detect,
	.open = pf_open,
	.scan = pf_scan,
	.close = pf_close,
};
