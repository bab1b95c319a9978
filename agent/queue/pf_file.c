/*
 * pf_file.c: one Postfix queue file: read it (open, one read, the
 * record parser of pf_record.c), check a known one again, and count it
 * in the snapshot. The rules (which files count, when one is trusted
 * without a stat) are at the top of queue_postfix.c.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue/pf.h"

void
pf_err(struct pf_state *st, const char *fmt, ...) MH_PRINTF(2, 3);

void
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

uint32_t
pf_name_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

bool
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

bool
pf_ready(int qi, mode_t mode)
{
	if (qi == PQ_CORRUPT)
		return true;
	return (mode & S_IRWXU) == S_IRWXU;
}

int64_t
pf_file_mtime(const struct pf_file *f)
{
	if (f->mt_nsec == PF_MT_UNKNOWN)
		return PF_MTIME_UNKNOWN;
	return (int64_t)f->mt_sec * 1000000000 + f->mt_nsec;
}

static void
pf_file_set_mtime(struct pf_file *f, int64_t ns)
{
	if (ns == PF_MTIME_UNKNOWN || ns < 0) {
		f->mt_sec = 0;
		f->mt_nsec = PF_MT_UNKNOWN;
		return;
	}
	f->mt_sec = (uint32_t)(ns / 1000000000);
	f->mt_nsec = (uint32_t)(ns % 1000000000);
}

/* ------------------------------------------------------------------ */
/* On a scanner thread: no queue_*, no logging, only the job. */

struct pf_load {
	struct pf_worker *w;
	struct pf_job *j;
};

static size_t
pf_arena(struct pf_worker *w, size_t n)
{
	size_t off = w->alen;

	if (w->alen + n > w->acap) {
		w->acap = (w->alen + n) * 2 + 4096;
		w->arena = xrealloc(w->arena, w->acap);
	}
	w->alen += n;
	return off;
}

static void
pf_load_sender(void *arg, const char *s, size_t n)
{
	struct pf_load *l = arg;
	size_t off = pf_arena(l->w, n > PF_ADDR_MAX ? PF_ADDR_MAX : n);

	l->j->soff = off;
	l->j->slen = pf_lower(l->w->arena + off, s, n);
	l->j->have_sender = true;
}

static void
pf_load_rcpt(void *arg, const char *s, size_t n)
{
	struct pf_load *l = arg;
	const char *at = NULL;
	size_t i, dn = 0, off;
	char *d;

	for (i = n; i > 0; i--)
		if (s[i - 1] == '@') {
			at = s + i - 1;
			break;
		}
	if (at)
		dn = n - (size_t)(at + 1 - s);
	if (dn > PF_ADDR_MAX)
		dn = PF_ADDR_MAX;
	off = pf_arena(l->w, at ? dn + 2 : 1);
	d = l->w->arena + off;
	if (at) {
		d[0] = '@';
		pf_lower(d + 1, at + 1, dn);
		d[dn + 1] = '\0';
	} else
		d[0] = '\0';
	if (l->j->rn++ == 0)
		l->j->roff = off;
}

static unsigned long pf_nread;	/* atomic: files parsed */

static void
pf_job_load(struct pf_state *st, struct pf_worker *w, int qi, int dfd,
    struct pf_job *j)
{
	struct pf_parse p;
	struct pf_load l;
	struct pf_src s;
	struct stat sb;
	bool have_sb = false;
	ssize_t got;
	int fd;

	j->rc = 0;
	j->state = PF_FAILED;
	j->have_sender = j->have_time = j->size_ok = false;
	j->err = 0;
	j->why = NULL;
	j->mtime_ns = PF_MTIME_UNKNOWN;
	j->rn = 0;
	j->worker = (int)(w - st->workers);
	fd = openat(dfd, j->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NOATIME | O_NONBLOCK);
	if (fd < 0 && errno == EPERM)	/* O_NOATIME needs the owner */
		fd = openat(dfd, j->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK);
	if (fd < 0) {
		j->err = errno;
		if (j->err == ENOENT ||
		    fstatat(dfd, j->name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			j->rc = -1;
			return;
		}
		j->ino = (uint32_t)sb.st_ino;
		j->mtime_ns = queue_mtime_ns(&sb);
		return;
	}
	do
		got = pread(fd, w->head, PF_HEAD, 0);
	while (got < 0 && errno == EINTR);
	if (got > 0)
		queue_bytes_add((size_t)got);
	if (got < 0) {
		j->err = errno;
		if (fstat(fd, &sb) == 0)
			j->mtime_ns = queue_mtime_ns(&sb);
		goto out;
	}
	/* Outside deferred/ a file may still be in flight (mode) or be
	 * rewritten in place (mtime): stat it. In deferred/ neither
	 * happens, and a short read gives the length, so no stat. */
	if (qi != PQ_DEFERRED || got == PF_HEAD) {
		if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			j->rc = -1;
			goto out;
		}
		have_sb = true;
		j->ino = (uint32_t)sb.st_ino;
		j->mtime_ns = queue_mtime_ns(&sb);
		if (!pf_ready(qi, sb.st_mode)) {
			j->state = PF_INFLIGHT;
			goto out;
		}
		if ((size_t)got > (size_t)sb.st_size)
			got = (ssize_t)sb.st_size;
	}
	__atomic_fetch_add(&pf_nread, 1, __ATOMIC_RELAXED);

	memset(&s, 0, sizeof(s));
	s.buf = w->head;
	s.blen = (size_t)got;
	s.flen = have_sb ? (size_t)sb.st_size : (size_t)got;
	s.fd = fd;
	s.win = &w->win;
	s.wincap = &w->wincap;
	memset(&p, 0, sizeof(p));
	l.w = w;
	l.j = j;
	p.sender = pf_load_sender;
	p.rcpt = pf_load_rcpt;
	p.arg = &l;
	if (pf_parse_src(&s, &p, &j->why) < 0 && j->why == NULL)
		j->why = "malformed";
	if (!p.have_time && !have_sb) {
		if (fstat(fd, &sb) < 0) {
			j->rc = -1;
			goto out;
		}
		have_sb = true;
	}
	j->state = PF_PARSED;
	j->have_time = p.have_time;
	j->arrival = p.have_time ? p.arrival : (int64_t)sb.st_mtim.tv_sec;
	j->size_ok = p.size_ok;
	j->size = p.size;
	j->flen = s.flen;
out:
	close(fd);
}

unsigned long
queue_postfix_files_read(void)
{
	return __atomic_load_n(&pf_nread, __ATOMIC_RELAXED);
}

static void
pf_jobs_one(void *arg, size_t i, int worker)
{
	struct pf_state *st = arg;

	pf_job_load(st, &st->workers[worker], st->qi, st->dfd, &st->jobs[i]);
}

void
pf_jobs_load(struct pf_state *st)
{
	int i;

	for (i = 0; i < qpool_size(st->pool); i++)
		st->workers[i].alen = 0;
	qpool_run(st->pool, st->njobs, pf_jobs_one, st);
}

/* ------------------------------------------------------------------ */
/* On the collector's thread. */

void
pf_file_clear(struct pf_file *f)
{
	f->nrcpt = 0;
	f->rcpt = 0;
	f->sender = 0;
	f->unknown = 0;
}

static const uint32_t *
pf_rcpt_ids(const struct pf_rpool *rp, const struct pf_file *f)
{
	return f->nrcpt == 1 ? &f->rcpt : rp->v + f->rcpt;
}

/* Count a file in the snapshot, and mark its strings as in use. */
void
pf_file_count(struct pf_state *st, int qi, const struct pf_rpool *rp,
    const struct pf_file *f)
{
	const uint32_t *ids = pf_rcpt_ids(rp, f);
	struct queue_msg m;
	uint32_t i;

	if (f->state != PF_PARSED)
		return;
	strtab_mark(st->senders, f->sender, st->gen);
	if (f->nrcpt > st->rcap) {
		st->rcap = (size_t)f->nrcpt * 2;
		st->rv = xreallocarray(st->rv, st->rcap, sizeof(*st->rv));
	}
	for (i = 0; i < f->nrcpt; i++) {
		strtab_mark(st->domains, ids[i], st->gen);
		st->rv[i] = strtab_str(st->domains, ids[i]);
	}
	if (f->sender == 0 && !f->unknown)
		return;
	memset(&m, 0, sizeof(m));
	m.queues = 1u << qi;
	m.arrival = (time_t)f->arrival;
	m.size = f->size;
	/* NULL when unknown, or a sender met once that is not kept (see
	 * strtab.c): counted, not a top sender */
	m.sender = f->sender ? strtab_str(st->senders, f->sender) : NULL;
	m.nrcpt = f->nrcpt;
	m.rcpt = st->rv;
	queue_add(st->acc, &m);
}

int
pf_job_take(struct pf_state *st, struct pf_rpool *rp, const struct pf_job *j,
    struct pf_file *f)
{
	const struct pf_worker *w = &st->workers[j->worker];
	uint64_t size;
	uint32_t i;

	pf_file_clear(f);
	if (j->rc < 0)
		return -1;
	f->state = j->state;
	f->ino = j->ino;
	pf_file_set_mtime(f, j->mtime_ns);
	if (j->err) {
		pf_err(st, "%s/%s: %s", st->root, st->path, strerror(j->err));
		return 0;
	}
	if (j->state != PF_PARSED)
		return 0;
	if (j->why && st->qi != PQ_CORRUPT)
		/* once per file: it is not read again until it changes */
		pf_err(st, "%s/%s: %s%s", st->root, st->path, j->why,
		    j->have_sender ? "" : " (not counted: no sender)");
	f->arrival = j->arrival > 0 && j->arrival < UINT32_MAX ?
	    (uint32_t)j->arrival : 0;
	/* showq: the C record's size, but the file size in maildrop */
	size = (j->size_ok && st->qi != PQ_MAILDROP) ? j->size : j->flen;
	f->size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	if (j->have_sender) {
		const char *snd = w->arena + j->soff;

		/* the null sender and MAILER-DAEMON make the bounce count:
		 * always kept */
		f->sender = strtab_get(st->senders, snd, j->slen, st->gen,
		    j->slen == 0 || (j->slen == 13 &&
		    memcmp(snd, "mailer-daemon", 13) == 0));
	}
	f->unknown = st->qi == PQ_CORRUPT && !j->have_sender;
	f->nrcpt = j->rn;
	if (j->rn == 1)
		f->rcpt = strtab_get(st->domains, w->arena + j->roff,
		    strlen(w->arena + j->roff), st->gen, true);
	else if (j->rn > 1) {
		const char *d = w->arena + j->roff;

		if (rp->n + j->rn > rp->cap) {
			rp->cap = (rp->n + j->rn) * 3 / 2 + 64;
			rp->v = xreallocarray(rp->v, rp->cap, sizeof(*rp->v));
		}
		f->rcpt = (uint32_t)rp->n;
		for (i = 0; i < j->rn; i++) {
			size_t dl = strlen(d);

			rp->v[rp->n++] = strtab_get(st->domains, d, dl, st->gen,
			    true);
			d += dl + 1;
		}
	}
	return 0;
}

/* Read and parse one file into f (whose ino the caller set from
 * readdir), on this thread. Returns -1 if the file is gone (f
 * unusable), else 0 with f parsed, in flight, or failed (reported). */
int
pf_file_read(struct pf_state *st, int qi, int dfd, const char *name,
    struct pf_rpool *rp, struct pf_file *f)
{
	struct pf_job j;

	memset(&j, 0, sizeof(j));
	j.name = name;
	j.ino = f->ino;
	st->workers[0].alen = 0;
	st->qi = qi;
	pf_job_load(st, &st->workers[0], qi, dfd, &j);
	return pf_job_take(st, rp, &j, f);
}

/* A file we know: count it as it was, or check and re-read it. Returns
 * -1 if it is gone. */
int
pf_file_check(struct pf_state *st, int qi, int dfd, const char *name,
    struct pf_rpool *rp, struct pf_file *f)
{
	struct stat sb;
	int64_t mt = pf_file_mtime(f);
	bool restat;

	restat = f->state != PF_PARSED || qi == PQ_ACTIVE ||
	    (qi == PQ_HOLD && mt != PF_MTIME_UNKNOWN &&
	    mt / 1000000000 > (int64_t)st->now - PF_HOLD_FRESH);
	if (!restat) {
		pf_file_count(st, qi, rp, f);
		return 0;
	}
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;	/* vanished, or cannot stat: drop it */
	/* An mtime within the last second may still move without showing
	 * (coarse clocks): then read again. */
	if (f->ino == (uint32_t)sb.st_ino && mt == queue_mtime_ns(&sb) &&
	    mt <= st->fresh_ns) {
		if (f->state == PF_PARSED) {
			pf_file_count(st, qi, rp, f);
			return 0;
		}
		if (f->state == PF_FAILED ||
		    (f->state == PF_INFLIGHT && !pf_ready(qi, sb.st_mode)))
			return 0;
	}
	if (pf_file_read(st, qi, dfd, name, rp, f) < 0)
		return -1;
	pf_file_count(st, qi, rp, f);
	return 0;
}
