/*
 * pfq.c: write Postfix queue files as cleanup(8) does (see pfq.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfq.h"

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		while (b->len + n > b->cap)
			b->cap = b->cap ? b->cap * 2 : 1024;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			abort();
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

/* rec_put(): type, length in base 128 low bits first, data */
static void
rec(struct buf *b, int type, const void *d, size_t n)
{
	unsigned char t = (unsigned char)type;
	size_t l = n;

	buf_add(b, &t, 1);
	do {
		unsigned char c = l & 0x7f;

		l >>= 7;
		if (l)
			c |= 0x80;
		buf_add(b, &c, 1);
	} while (l);
	buf_add(b, d, n);
}

static void
rec_str(struct buf *b, int type, const char *s)
{
	rec(b, type, s, strlen(s));
}

/* a pointer record, "%15ld" as cleanup writes it */
static void
rec_ptr(struct buf *b, long v)
{
	char s[64];

	snprintf(s, sizeof(s), "%15ld", v);
	rec_str(b, 'p', s);
}

/* Overwrite the record at off with one of the same size (the p and C
 * records are fixed width for this). */
static void
rec_patch(struct buf *b, size_t off, int type, const char *s)
{
	struct buf t = { 0 };

	rec_str(&t, type, s);
	memcpy(b->p + off, t.p, t.len);
	free(t.p);
}

static void
rcpt_recs(struct buf *b, const struct pfq_rcpt *r)
{
	char a[1024];

	snprintf(a, sizeof(a), "dsn_orig_rcpt=rfc822;%s", r->addr);
	rec_str(b, 'A', a);
	rec_str(b, 'O', r->addr);
	rec_str(b, r->type ? r->type : 'R', r->addr);
}

unsigned char *
pfq_build(const struct pfq_msg *m, size_t *len)
{
	struct buf b = { 0 };
	size_t i, nenv, c_off = 0, ptr_off = 0, after_ptr, data_off, xtra_off;
	size_t napp = m->nappend, next = m->nextract;
	const char *body = m->body ? m->body :
	    "Received: by mh-test.invalid (Postfix, from userid 0)\n"
	    "Subject: test\n\nhello\n";
	char s[256];

	if (napp + next > m->nrcpt)
		abort();
	nenv = m->nrcpt - napp - next;
	if (!m->no_size) {
		c_off = b.len;
		snprintf(s, sizeof(s), "%15ld %15ld %15ld %15ld %15ld %15ld",
		    0L, 0L, 0L, 0L, 0L, 0L);
		rec_str(&b, 'C', s);
	}
	if (m->usec >= 0)
		snprintf(s, sizeof(s), "%ld %ld", m->arrival, m->usec);
	else
		snprintf(s, sizeof(s), "%ld", m->arrival);
	rec_str(&b, 'T', s);
	snprintf(s, sizeof(s), "create_time=%ld", m->arrival);
	rec_str(&b, 'A', s);
	rec_str(&b, 'A', "rewrite_context=local");
	rec_str(&b, 'F', "root");
	if (m->sender)
		rec_str(&b, 'S', m->sender);
	for (i = 0; i < nenv; i++)
		rcpt_recs(&b, &m->rcpt[i]);
	/* the slot for recipients a milter appends */
	ptr_off = b.len;
	rec_ptr(&b, 0L);
	after_ptr = b.len;
	rec_str(&b, 'M', "");
	data_off = b.len;
	while (*body) {
		const char *nl = strchr(body, '\n');
		size_t n = nl ? (size_t)(nl - body) : strlen(body);

		rec(&b, 'N', body, n);
		body += n + (nl ? 1 : 0);
	}
	xtra_off = b.len;
	rec_str(&b, 'X', "");
	for (i = nenv + napp; i < m->nrcpt; i++)
		rcpt_recs(&b, &m->rcpt[i]);
	rec_str(&b, 'E', "");
	if (napp) {
		/* the appended chunk: reserved slot -> first, each -> next,
		 * last -> back behind the slot */
		snprintf(s, sizeof(s), "%15ld", (long)b.len);
		rec_patch(&b, ptr_off, 'p', s);
		for (i = nenv; i < nenv + napp; i++) {
			size_t p;

			rec_str(&b, 'O', m->rcpt[i].addr);
			rec_str(&b, m->rcpt[i].type ? m->rcpt[i].type : 'R',
			    m->rcpt[i].addr);
			p = b.len;
			rec_ptr(&b, 0L);
			snprintf(s, sizeof(s), "%15ld",
			    (long)(i + 1 < nenv + napp ? b.len : after_ptr));
			rec_patch(&b, p, 'p', s);
		}
	}
	if (!m->no_size) {
		snprintf(s, sizeof(s), "%15ld %15ld %15ld %15ld %15ld %15ld",
		    (long)(xtra_off - data_off), (long)data_off,
		    (long)m->nrcpt, 0L, (long)(xtra_off - data_off), 0L);
		rec_patch(&b, c_off, 'C', s);
	}
	*len = b.len;
	return b.p;
}

static int
mkdirs(const char *dir)
{
	char p[4096];
	size_t i, n = strlen(dir);

	if (n >= sizeof(p))
		return -1;
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++)
		if (p[i] == '/' || p[i] == '\0') {
			char c = p[i];

			p[i] = '\0';
			if (mkdir(p, 0700) < 0 && errno != EEXIST)
				return -1;
			p[i] = c;
		}
	return 0;
}

int
pfq_write_raw(const char *dir, const char *name, mode_t mode,
    const void *buf, size_t len)
{
	char path[4096];
	int fd;
	ssize_t w;

	if (mkdirs(dir) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	w = write(fd, buf, len);
	if (w < 0 || (size_t)w != len || fchmod(fd, mode) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int
pfq_write(const char *dir, const char *name, mode_t mode,
    const struct pfq_msg *m)
{
	size_t len;
	unsigned char *b = pfq_build(m, &len);
	int rc = pfq_write_raw(dir, name, mode, b, len);

	free(b);
	return rc;
}
