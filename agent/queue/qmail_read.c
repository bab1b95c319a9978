/*
 * qmail_read.c: the qmail reader's files: read ahead by the scanner
 * threads (qread.c) a directory at a time, then handed out in order by
 * qmail_read_file() to the passes of qmail_scan.c, which parse them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queue/qmail.h"

/* Files read since start: a test hook (not API) that lets the unit
 * tests prove a rescan reads only what changed. */
static unsigned long files_read;

unsigned long
queue_qmail_files_read(void)
{
	return files_read;
}


/* An envelope starts with one of qmail's record types. */
static bool
plausible(const char *buf, size_t len)
{
	return len > 0 && strchr("upFTD", buf[0]) != NULL && buf[0] != '\0';
}

/* ------------------------------------------------------------------ */
/* Reading ahead: a scan lists a directory, notes the files it will read
 * (qmail_pre_add), has the scanner threads read them all (qmail_pre_run), then goes
 * over the same entries in the same order, and qmail_read_file() takes each
 * file from what was read ahead. */

void
qmail_pre_reset(struct qmail *q)
{
	q->ncand = q->icand = q->nitems = 0;
	q->cnlen = 0;
}

void
qmail_pre_add(struct qmail *q, struct qm_msg *m, const char *name, uint64_t ino,
    bool ahead)
{
	size_t n = strlen(name) + 1;
	struct qm_cand *c;

	if (q->ncand == q->ccand) {
		q->ccand = q->ccand ? q->ccand * 2 : 256;
		q->cand = xreallocarray(q->cand, q->ccand, sizeof(*q->cand));
		q->items = xreallocarray(q->items, q->ccand,
		    sizeof(*q->items));
	}
	if (q->cnlen + n > q->cncap) {
		q->cncap = (q->cnlen + n) * 2 + 1024;
		q->cnames = xrealloc(q->cnames, q->cncap);
	}
	memcpy(q->cnames + q->cnlen, name, n);
	c = &q->cand[q->ncand++];
	c->m = m;
	c->name = q->cnlen;
	c->ino = ino;
	c->ahead = ahead;
	q->cnlen += n;
}

/* Read (or stat) ahead the candidates noted to be; the items are in
 * the candidates' order. */
void
qmail_pre_run(struct qmail *q, int dfd, bool stat_only)
{
	size_t i;

	for (i = q->nitems = 0; i < q->ncand; i++) {
		struct qread_item *it;

		if (!q->cand[i].ahead)
			continue;
		it = &q->items[q->nitems++];
		memset(it, 0, sizeof(*it));
		it->name = q->cnames + q->cand[i].name;
		it->stat_only = stat_only;
	}
	if (q->qr == NULL)
		q->qr = qread_new();
	qread_run(q->qr, dfd, q->items, q->nitems, QMAIL_FILE_MAX, plausible);
	q->icand = 0;
}

/* The file read ahead for name, if it is the next one. */
const struct qread_item *
qmail_pre_peek(struct qmail *q, const char *name)
{
	if (q->icand < q->nitems &&
	    strcmp(q->items[q->icand].name, name) == 0)
		return &q->items[q->icand];
	return NULL;
}

/* Read a whole file into q->buf; st gets its fstat. Returns the length,
 * -1 on error (counted), -2 if it vanished (a normal race with
 * qmail-send). */
ssize_t
qmail_read_file(struct qmail *q, int dfd, const char *name, const char *rel,
    struct stat *st)
{
	const struct qread_item *it = qmail_pre_peek(q, name);
	ssize_t len;

	if (it && !it->stat_only) {
		/* read ahead by the scanner threads */
		q->icand++;
		*st = it->st;
		len = it->len;
		errno = it->err;
		q->cur = it->buf;
	} else {
		len = queue_read_file(dfd, name, &q->buf, &q->bufcap,
		    QMAIL_FILE_MAX, st, plausible);
		q->cur = q->buf;
	}
	if (len == -1)
		queue_errs_add(&q->errs, errno, "cannot read %s/%s", rel, name);
	if (len >= 0 || errno != ENOENT)
		files_read++;
	return len;
}

/* Parse an envelope file in q->buf; on a malformed file, report it and
 * keep what the complete records said. */
void
qmail_parse_env(struct qmail *q, size_t len, enum qmail_file kind,
    const char *rel, const char *name)
{
	const char *why;

	if (qmail_env_parse(q->cur, len, kind, &q->env, &why) < 0)
		queue_errs_add(&q->errs, 0, "%s/%s: %s", rel, name, why);
}
