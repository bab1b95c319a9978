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

static unsigned long pf_files_read;

unsigned long
queue_postfix_files_read(void)
{
	return pf_files_read;
}

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

/* A directory of queue qi could not be read: its row is unknown this
 * round (reported once per row and scan). */
void
pf_unknown(struct pf_state *st, int qi, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (st->unknown & (1u << qi))
		return;
	st->unknown |= 1u << qi;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	queue_unknown(st->acc, qi, "%s", buf);
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

void
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
void
pf_file_count(struct pf_state *st, int qi, const struct pf_file *f)
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
pf_mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

/* Read and parse one file into f (whose ino the caller set from
 * readdir). Returns -1 if the file is gone (f unusable), else 0 with f
 * parsed, in flight, or failed (reported). */
int
pf_file_read(struct pf_state *st, int qi, int dfd, const char *name,
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
	if (got > 0)
		queue_bytes_add((size_t)got);
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
int
pf_file_check(struct pf_state *st, int qi, int dfd, const char *name,
    struct pf_file *f)
{
	struct stat sb;
	bool restat;

	restat = f->state != PF_PARSED || qi == PQ_ACTIVE ||
	    (qi == PQ_HOLD && f->mtime_ns != PF_MTIME_UNKNOWN &&
	    f->mtime_ns / 1000000000 > (int64_t)st->now - PF_HOLD_FRESH);
	if (!restat) {
		pf_file_count(st, qi, f);
		return 0;
	}
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;	/* vanished, or cannot stat: drop it */
	/* An mtime within the last second may still move without showing
	 * (coarse clocks): then read again. */
	if (f->ino == (uint64_t)sb.st_ino && f->mtime_ns == pf_mtime_ns(&sb) &&
	    f->mtime_ns <= st->fresh_ns) {
		if (f->state == PF_PARSED) {
			pf_file_count(st, qi, f);
			return 0;
		}
		if (f->state == PF_FAILED ||
		    (f->state == PF_INFLIGHT && !pf_ready(qi, sb.st_mode)))
			return 0;
	}
	if (pf_file_read(st, qi, dfd, name, f) < 0)
		return -1;
	pf_file_count(st, qi, f);
	return 0;
}
