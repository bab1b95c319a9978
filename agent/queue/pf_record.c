/*
 * pf_record.c: Postfix queue files, record by record.
 *
 * Queue files are records: a type byte, a length in base-128 little-
 * endian (low 7 bits first, high bit = more, at most 4 bytes as in
 * Postfix's rec_get_raw()), then that many data bytes. We read what
 * showq(8) and qmgr(8) read:
 *   C  "%15ld %15ld ..." content size, content offset, ...; the first C
 *      record counts, and its first field is postqueue's message_size
 *      (maildrop files may carry a preliminary one: there the file size
 *      is used, as showq does);
 *   T  "sec [usec]" arrival (first one wins; absent: the file mtime);
 *   S  the sender, empty = null sender (bounces). A second S ends the
 *      file for us as it does for showq;
 *   R  a recipient still to do. When a delivery agent has finished with
 *      a recipient, Postfix does not append anything: deliver_completed()
 *      rewrites that R record's type byte in place to D (REC_TYPE_DONE),
 *      and cleanup's milter code turns cancelled ones into '/' (DRCP).
 *      So the pending recipients are exactly the R records left; O (the
 *      original recipient) precedes its R and is not counted;
 *   M  start of content: skip the content size (showq's rule) and go on
 *      with the extracted segment (X, more R records) up to E;
 *   p  "%15ld" pointer: jump there (0 = padding, go on). Cleanup and
 *      milters use them to append recipients at the end of the file.
 *   E  end. A file without one is truncated (qmgr rejects it too).
 * Everything else is skipped, but a type byte that is not printable
 * ASCII ends the parse with an error: Postfix writes none, and a sparse
 * file of zeros would otherwise be walked two bytes a record. A parse never reads outside the file, and
 * a pointer loop is caught by a record budget: a well-formed file never
 * visits a byte twice, so more records than half its length is a loop.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue/queue.h"

#define PF_WINDOW 8192		/* reads after the first (content, pointers) */

/* n bytes at off, or NULL if they are not in the file. The pointer is
 * good until the next call. */
static const unsigned char *
pf_span(struct pf_src *s, size_t off, size_t n)
{
	size_t want, got = 0;

	if (off > s->flen || n > s->flen - off)
		return NULL;
	if (off >= s->boff && off - s->boff <= s->blen &&
	    n <= s->blen - (off - s->boff))
		return s->buf + (off - s->boff);
	if (s->fd < 0)
		return NULL;
	want = n > PF_WINDOW ? n : PF_WINDOW;
	if (want > s->flen - off)
		want = s->flen - off;
	if (*s->wincap < want) {
		free(*s->win);
		*s->win = xmalloc(want);
		*s->wincap = want;
	}
	while (got < want) {
		ssize_t r = pread(s->fd, *s->win + got, want - got,
		    (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			s->err = errno;
		if (r <= 0)
			break;
		queue_bytes_add((size_t)r);
		got += (size_t)r;
	}
	s->buf = *s->win;
	s->boff = off;
	s->blen = got;
	return got >= n ? s->buf : NULL;
}


/* A number as Postfix writes it ("%15ld": leading blanks). Returns -1 if
 * the field is not blanks then digits, or overflows. */
static int64_t
pf_num(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;
	int64_t v = 0;
	bool any = false;

	while (p < end && *p == ' ')
		p++;
	while (p < end && *p >= '0' && *p <= '9') {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p++ - '0');
		any = true;
	}
	*pp = p;
	return any ? v : -1;
}

/* The data as a C string would see it: Postfix terminates each record's
 * data and reads it as a string, so an embedded NUL ends it. */
static size_t
pf_strlen(const unsigned char *d, size_t len)
{
	const unsigned char *z = memchr(d, '\0', len);

	return z ? (size_t)(z - d) : len;
}

int
pf_parse_src(struct pf_src *s, struct pf_parse *p, const char **why)
{
	size_t pos = 0, nrec = 0, budget = s->flen / 2 + 2;
	bool seen_size = false;

	for (;;) {
		const unsigned char *h, *d;
		size_t len = 0, hl;
		unsigned shift;
		int type;

		if (pos == s->flen) {
			*why = "missing end record (truncated file)";
			return -1;
		}
		if (++nrec > budget) {
			*why = "pointer loop";
			return -1;
		}
		if ((h = pf_span(s, pos, 1)) == NULL)
			goto short_read;
		type = h[0];
		/* Postfix's record types are printable letters and signs:
		 * anything else (the zeros of a sparse file, garbage) is
		 * not a queue file, and is not walked to its end */
		if (type < 0x21 || type > 0x7e) {
			*why = "bad record type";
			return -1;
		}
		/* length: as rec_get_raw(), give up once shift + 7 reaches
		 * the bits of an int, i.e. after 4 bytes */
		for (hl = 1, shift = 0;; shift += 7, hl++) {
			if (shift + 7 >= 32) {
				*why = "record length too long";
				return -1;
			}
			if ((h = pf_span(s, pos + hl, 1)) == NULL) {
				if (s->err)
					goto short_read;
				*why = "truncated record length";
				return -1;
			}
			len |= (size_t)(h[0] & 0x7f) << shift;
			if ((h[0] & 0x80) == 0)
				break;
		}
		pos += hl + 1;
		if (len > s->flen - pos) {
			*why = "truncated record data";
			return -1;
		}
		if (len == 0)
			d = (const unsigned char *)"";
		else if ((d = pf_span(s, pos, len)) == NULL)
			goto short_read;
		pos += len;

		switch (type) {
		case 'C':
			/* The first one: later ones are leftovers of old
			 * postsuper -r runs (showq's comment). */
			if (!seen_size) {
				const unsigned char *q = d, *end = d + len;
				int64_t v = pf_num(&q, end);

				seen_size = true;
				/* showq: digits and blanks only */
				while (q < end && (*q == ' ' ||
				    (*q >= '0' && *q <= '9')))
					q++;
				if (v >= 0 && q == end) {
					p->size = (uint64_t)v;
					p->size_ok = true;
				}
			}
			break;
		case 'T':
			if (!p->have_time) {
				const unsigned char *q = d;
				int64_t v = pf_num(&q, d + len);

				if (v > 0) {
					p->arrival = v;
					p->have_time = true;
				}
			}
			break;
		case 'S':
			if (p->have_sender) {
				*why = "duplicate sender record";
				return -1;
			}
			p->have_sender = true;
			if (p->sender)
				p->sender(p->arg, (const char *)d,
				    pf_strlen(d, len));
			break;
		case 'R':
			if (p->rcpt)
				p->rcpt(p->arg, (const char *)d,
				    pf_strlen(d, len));
			break;
		case 'M':
			/* Skip the content as showq does. Without a size we
			 * walk the content records instead (slower, same
			 * result). */
			if (p->size_ok) {
				if (p->size > s->flen - pos) {
					*why = "content size beyond end of file";
					return -1;
				}
				pos += (size_t)p->size;
			}
			break;
		case 'p': {
			const unsigned char *q = d, *end = d + len;
			int64_t off = pf_num(&q, end);

			if (off < 0 || q != end) {
				*why = "malformed pointer record";
				return -1;
			}
			if (off == 0)	/* padding / unused slot */
				break;
			if ((uint64_t)off >= s->flen) {
				*why = "pointer beyond end of file";
				return -1;
			}
			pos = (size_t)off;
			break;
		}
		case 'E':
			p->complete = true;
			return 0;
		default:
			break;
		}
	}
short_read:
	*why = s->err ? strerror(s->err) : "file shrank while reading";
	return -1;
}

/* The pure form, for tests and fuzzing: full addresses, strdup'ed. */
struct pf_collect {
	struct pf_qfile *out;
	size_t cap;
};

static void
pf_collect_sender(void *arg, const char *s, size_t n)
{
	struct pf_collect *c = arg;

	c->out->sender = xstrndup(s, n);
}

static void
pf_collect_rcpt(void *arg, const char *s, size_t n)
{
	struct pf_collect *c = arg;

	if (c->out->nrcpt == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4;
		c->out->rcpt = xreallocarray(c->out->rcpt, c->cap,
		    sizeof(*c->out->rcpt));
	}
	c->out->rcpt[c->out->nrcpt++] = xstrndup(s, n);
}

int
pf_qfile_parse(const unsigned char *buf, size_t len, struct pf_qfile *out,
    const char **why)
{
	struct pf_src s;
	struct pf_parse p;
	struct pf_collect c;
	const char *dummy;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	memset(&p, 0, sizeof(p));
	s.buf = buf;
	s.blen = s.flen = len;
	s.fd = -1;
	c.out = out;
	c.cap = 0;
	p.sender = pf_collect_sender;
	p.rcpt = pf_collect_rcpt;
	p.arg = &c;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	rc = pf_parse_src(&s, &p, why);
	out->arrival = (time_t)p.arrival;
	out->size = p.size_ok ? p.size : 0;
	out->complete = p.complete;
	return rc;
}

void
pf_qfile_clear(struct pf_qfile *q)
{
	size_t i;

	free(q->sender);
	for (i = 0; i < q->nrcpt; i++)
		free(q->rcpt[i]);
	free(q->rcpt);
	memset(q, 0, sizeof(*q));
}
