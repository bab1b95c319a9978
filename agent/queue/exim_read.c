/*
 * exim_read.c: the Exim reader's files: -H files read (by the scanner
 * threads, qread.c, for a directory's new ones) and parsed into their
 * records, -D files stat()ed for the size, -J journals applied. The walk
 * of input/ that decides what to read is queue_exim.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queue/exim.h"

/* Files read since start: a test hook (not API). */
unsigned long queue_exim_files_read(void);
static unsigned long files_read;

unsigned long
queue_exim_files_read(void)
{
	return files_read;
}

/* A -H file starts with its own name on a line ("ID-H"), a -J journal
 * with an address: text either way, no NUL. */
static bool
plausible(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len < 64 ? len : 64);

	return len > 0 && buf[0] != '\0' &&
	    (nl == NULL || memchr(buf, '\0', (size_t)(nl - buf)) == NULL);
}

/* Read a whole file into *buf; -2 if it vanished (Exim finished the
 * message meanwhile), -1 on error (counted). */
static ssize_t
read_file(struct exim *x, int dfd, const char *name, char **buf,
    size_t *cap, struct stat *st)
{
	ssize_t len = queue_read_file(dfd, name, buf, cap, EXIM_FILE_MAX, st,
	    plausible);

	files_read++;
	if (len == -1)
		queue_errs_add(&x->errs, errno, "cannot read %s", name);
	return len;
}

/* m from a -H file's contents (buf, modified), and its journal when
 * there; the body's share of the size is kept. sig: the -H's inode's. */
static void
load_hdr(struct exim *x, struct em_msg *m, int dfd, const char *id,
    const char *hname, char *buf, size_t len, uint32_t sig, bool journal)
{
	uint32_t body = (m->flags & EM_BODY) ? m->size - m->hdr_bytes : 0;
	const char *why;

	if (exim_hdr_parse(buf, len, &x->hdr, &why) < 0 ||
	    strcmp(x->hdr.id, id) != 0) {
		struct stat st;

		/* counted as a message, with what Exim would not know;
		 * received: the file's mtime, the best guess there is */
		queue_errs_add(&x->errs, 0, "%s: %s", hname, why ? why :
		    "id differs from the file name");
		exim_msg_clear(x, m);
		m->flags &= EM_BODY;
		m->hdr_bytes = 0;
		m->received = fstatat(dfd, hname, &st, AT_SYMLINK_NOFOLLOW) ==
		    0 ? (uint32_t)st.st_mtim.tv_sec : 0;
	} else {
		if (journal) {
			char jname[40];
			ssize_t jl;
			struct stat jst;

			snprintf(jname, sizeof(jname), "%s-J", id);
			jl = read_file(x, dfd, jname, &x->jbuf, &x->jcap, &jst);
			if (jl > 0)
				exim_hdr_journal(&x->hdr, x->jbuf, (size_t)jl);
		}
		exim_msg_set(x, m, &x->hdr);
		if (journal)
			m->flags |= EM_JOURNAL;
	}
	m->hsig = sig;
	m->size = body + m->hdr_bytes;
}

/* Read ID-H (and ID-J when there) again, on this thread. */
void
exim_reload(struct exim *x, struct em_msg *m, int dfd, const char *id,
    const char *hname, bool journal)
{
	struct stat st;
	ssize_t len;

	len = read_file(x, dfd, hname, &x->buf, &x->bufcap, &st);
	if (len < 0) {
		if (len == -2)
			m->gen = 0;	/* gone: swept below */
		return;
	}
	load_hdr(x, m, dfd, id, hname, x->buf, (size_t)len,
	    queue_ino_sig(st.st_ino), journal);
}

/* The -D part of the size, once: the file less its "ID-D\n" line, plus
 * the blank line between headers and body. */
static void
size_body(struct exim *x, struct em_msg *m, const char *dname,
    const struct qread_item *it)
{
	size_t idl = strlen(dname) - 2;

	if (it->len < 0) {
		if (it->len == -1)
			queue_errs_add(&x->errs, it->err, "cannot stat %s",
			    dname);
		return;
	}
	m->size = m->hdr_bytes + ((uint64_t)it->st.st_size > idl + 3 ?
	    (uint32_t)((uint64_t)it->st.st_size - (idl + 3) + 1) : 1);
	m->flags |= EM_BODY;
}

void
exim_cand_add(struct exim *x, struct em_msg *m, const char *id, size_t n,
    char kind, uint32_t sig)
{
	char name[EXIM_ID_NEW + 3];
	struct em_cand *c;

	if (x->qr == NULL)
		x->qr = qread_new(sizeof(struct em_cand), EXIM_FILE_MAX,
		    plausible);
	memcpy(name, id, n);
	name[n] = '-';
	name[n + 1] = kind;
	name[n + 2] = '\0';
	c = qread_add(x->qr, name, kind == 'H' ? QR_TEXT : QR_STAT);
	c->m = m;
	c->body = kind == 'D';
	c->sig = sig;
}

/* One file read or stat()ed ahead, taken into its message. */
static void
take_cand(struct exim *x, int dfd, const struct em_cand *c,
    const struct qread_item *it)
{
	struct em_msg *m = c->m;
	char id[EXIM_ID_NEW + 1];
	size_t idl = strlen(it->name) - 2;

	memcpy(id, it->name, idl);
	id[idl] = '\0';
	if (m->gen != x->gen)
		return;		/* vanished meanwhile */
	if (c->body) {
		if (m->hsig)
			size_body(x, m, it->name, it);
		return;
	}
	files_read++;
	if (it->len < 0) {
		if (it->len == -1)
			queue_errs_add(&x->errs, it->err, "cannot read %s",
			    it->name);
		else
			m->gen = 0;	/* gone: swept below */
		return;
	}
	load_hdr(x, m, dfd, id, it->name, it->buf, (size_t)it->len, c->sig,
	    false);
}

/* The -H and -D files listed: new or replaced -H read, -D stat()ed, by
 * the scanner threads, a batch at a time; each batch taken in order. */
void
exim_take_cands(struct exim *x, int dfd, bool last)
{
	struct qread_batch *b;
	size_t i;

	while ((b = qread_next(x->qr, dfd, last)) != NULL)
		for (i = 0; i < b->n; i++)
			take_cand(x, dfd, qread_cand(b, i), &b->items[i]);
}
