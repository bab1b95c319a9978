/*
 * logfollow.c: one open log file, read from an offset and split into
 * lines. The source kinds decide which file and when to switch; this
 * file only reads, and never loses its place: the offset after the last
 * complete line (done) is what a restart resumes from, and a partial
 * last line stays in the buffer until its newline arrives.
 *
 * Buffer layout (indices into buf, file offsets in brackets):
 *
 *   tail ........ lstart ............ len
 *   [done - tailn] [done]              [pos]
 *   end of the    the partial line (or, in a line longer than
 *   last line     max_line, its first max_line bytes)
 *
 * Reading uses pread() at explicit offsets, so the fd's own position
 * never matters and a truncated file cannot move us anywhere by itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "logs/logsrc_int.h"

void
logfollow_init(struct logfollow *f)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

static void
logfollow_empty(struct logfollow *f)
{
	f->len = f->tail = f->lstart = f->scan = 0;
	f->discard = false;
}

int
logfollow_adopt(struct logfollow *f, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = ENOTSUP;
		return -1;
	}
	logfollow_close(f);
	f->fd = fd;
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	f->done = f->pos = 0;
	f->opened = f->grew = (int64_t)time(NULL);
	logfollow_empty(f);
	return 0;
}

int
logfollow_open(struct logfollow *f, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (logfollow_adopt(f, fd) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return 0;
}

void
logfollow_close(struct logfollow *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
	logfollow_init(f);
}

void
logfollow_move(struct logfollow *dst, struct logfollow *src)
{
	logfollow_close(dst);
	*dst = *src;
	logfollow_init(src);
}

static void
logfollow_room(struct logfollow *f, size_t need)
{
	if (f->cap - f->len >= need)
		return;
	if (f->tail > 0) {
		memmove(f->buf, f->buf + f->tail, f->len - f->tail);
		f->len -= f->tail;
		f->lstart -= f->tail;
		f->scan -= f->tail;
		f->tail = 0;
	}
	if (f->cap - f->len < need) {
		f->cap = f->len + need;
		f->buf = xrealloc(f->buf, f->cap);
	}
}

/* Put the n bytes before offset off (the end of the last line) in the
 * buffer and continue from off. */
static void
logfollow_set(struct logfollow *f, uint64_t off, const char *tail, size_t n)
{
	logfollow_empty(f);
	logfollow_room(f, n + LOGFOLLOW_CHUNK);
	memcpy(f->buf, tail, n);
	f->len = f->lstart = f->scan = n;
	f->done = f->pos = off;
}

void
logfollow_rewind(struct logfollow *f)
{
	logfollow_empty(f);
	f->done = f->pos = 0;
	f->opened = f->grew = (int64_t)time(NULL);
}

static ssize_t
pread_full(int fd, char *b, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, b + got, n - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int
logfollow_seek_end(struct logfollow *f)
{
	struct stat st;
	size_t want, k;
	char *b, *nl;
	ssize_t r;
	uint64_t size;

	if (fstat(f->fd, &st) < 0)
		return -1;
	size = (uint64_t)st.st_size;
	/* the last newline within a line's length of the end: a partial
	 * line being written is read when it is complete, not cut */
	want = size < LOGSRC_MAX_LINE + LOGFOLLOW_TAIL ? (size_t)size :
	    LOGSRC_MAX_LINE + LOGFOLLOW_TAIL;
	b = xmalloc(want ? want : 1);
	r = pread_full(f->fd, b, want, size - want);
	if (r < 0) {
		free(b);
		return -1;
	}
	want = (size_t)r;
	nl = want ? memrchr(b, '\n', want) : NULL;
	if (nl == NULL) {
		/* no newline near the end: start at the end, unless the
		 * whole file is one partial line still being written */
		logfollow_set(f, (uint64_t)want == size ? 0 : size, "", 0);
	} else {
		size_t end = (size_t)(nl - b) + 1;
		char *prev = end > 1 ? memrchr(b, '\n', end - 1) : NULL;
		size_t from = prev ? (size_t)(prev - b) + 1 : 0;

		k = end - from > LOGFOLLOW_TAIL ? LOGFOLLOW_TAIL : end - from;
		logfollow_set(f, size - want + end, b + end - k, k);
	}
	free(b);
	return 0;
}

int
logfollow_resume(struct logfollow *f, uint64_t off, uint32_t tailn,
    uint64_t hash)
{
	char b[LOGFOLLOW_TAIL];
	struct stat st;

	if (tailn > LOGFOLLOW_TAIL || tailn > off || fstat(f->fd, &st) < 0 ||
	    (uint64_t)st.st_size < off)
		return -1;
	if (pread_full(f->fd, b, tailn, off - tailn) != (ssize_t)tailn ||
	    mh_fnv1a64(b, tailn) != hash)
		return -1;
	logfollow_set(f, off, b, tailn);
	return 0;
}

bool
logfollow_fd_matches(int fd, uint64_t off, uint32_t tailn, uint64_t hash)
{
	char b[LOGFOLLOW_TAIL];

	if (tailn > LOGFOLLOW_TAIL || tailn > off)
		return false;
	return pread_full(fd, b, tailn, off - tailn) == (ssize_t)tailn &&
	    mh_fnv1a64(b, tailn) == hash;
}

uint32_t
logfollow_tailn(const struct logfollow *f)
{
	return (uint32_t)(f->lstart - f->tail);
}

uint64_t
logfollow_hash(const struct logfollow *f)
{
	return mh_fnv1a64(f->buf + f->tail, f->lstart - f->tail);
}

int
logfollow_check(struct logfollow *f)
{
	char b[LOGFOLLOW_TAIL + 4096];
	struct stat st;
	size_t n = f->len - f->tail;
	ssize_t r;

	if (fstat(f->fd, &st) < 0)
		return -1;
	if ((uint64_t)st.st_size < f->pos)
		return 0;
	/* the end of the last line and the start of the partial one (in
	 * a long line, its kept head: the same file bytes) */
	if (n > sizeof(b))
		n = sizeof(b);
	if (n == 0)
		return 1;
	r = pread_full(f->fd, b, n, f->done - (f->lstart - f->tail));
	if (r < 0)
		return -1;
	return (size_t)r == n && memcmp(b, f->buf + f->tail, n) == 0;
}

enum logfollow_rc
logfollow_read(struct logfollow *f, struct logsrc *src)
{
	size_t max = src->max_line;
	ssize_t r;

	for (;;) {
		while (f->scan < f->len) {
			char *nl = memchr(f->buf + f->scan, '\n',
			    f->len - f->scan);
			size_t end, n, contig;
			uint64_t done;
			unsigned flags = 0;
			bool more;

			if (nl == NULL) {
				f->scan = f->len;
				break;
			}
			end = (size_t)(nl - f->buf);
			/* the bytes from contig to len are contiguous in
			 * the file, and end at pos */
			contig = f->discard ? f->lstart + max : f->lstart;
			n = f->discard ? max : end - f->lstart;
			if (n > max)
				n = max;
			if (f->discard || end - f->lstart > max)
				flags |= LOGSRC_CUT;
			done = f->pos - (f->len - end - 1);
			more = logsrc_deliver(src, f->buf + f->lstart, n,
			    done - f->done, flags);
			f->done = done;
			f->tail = end + 1 - contig > LOGFOLLOW_TAIL ?
			    end + 1 - LOGFOLLOW_TAIL : contig;
			f->lstart = f->scan = end + 1;
			f->discard = false;
			if (!more)
				return LOGFOLLOW_MORE;
		}
		/* no newline in what is buffered */
		if (f->discard || f->len - f->lstart > max) {
			/* keep the head of a long line, skip the rest */
			f->discard = true;
			f->len = f->scan = f->lstart + max;
		}
		logfollow_room(f, LOGFOLLOW_CHUNK);
		do
			r = pread(f->fd, f->buf + f->len, f->cap - f->len,
			    (off_t)f->pos);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return LOGFOLLOW_ERR;
		if (r == 0)
			return LOGFOLLOW_EOF;
		f->pos += (uint64_t)r;
		f->len += (size_t)r;
		f->grew = src->ts.now;
	}
}

bool
logfollow_flush(struct logfollow *f, struct logsrc *src)
{
	size_t n;
	bool more;

	if (f->pos == f->done)
		return true;
	n = f->len - f->lstart;
	if (n > src->max_line)
		n = src->max_line;
	more = logsrc_deliver(src, f->buf + f->lstart, n, f->pos - f->done,
	    LOGSRC_UNTERM | (f->discard || f->len - f->lstart > src->max_line ?
	    LOGSRC_CUT : 0));
	/* the partial line is gone: nothing of it stays as a tail */
	f->done = f->pos;
	logfollow_empty(f);
	return more;
}
