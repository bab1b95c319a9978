/*
 * qmail_read.c: the qmail reader's files: read ahead by the scanner
 * threads (qread.c) a batch at a time, then handed out in order by
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

/* Reading ahead: a pass lists a directory and adds the files it will
 * read (or stat) to q->qr, which has the scanner threads read them a
 * batch at a time (qread.c); the pass takes each batch in order, and
 * qmail_read_file() gives a file from what was read ahead. */

struct qm_cand *
qmail_pre_add(struct qmail *q, struct qm_msg *m, const char *name,
    uint64_t ino, enum qread_op op)
{
	struct qm_cand *c;

	if (q->qr == NULL)
		q->qr = qread_new(sizeof(struct qm_cand), QMAIL_FILE_MAX,
		    plausible);
	c = qread_add(q->qr, name, op);
	c->m = m;
	c->ino = ino;
	return c;
}

/* Read a whole file into q->cur, or take it from it, read ahead; st
 * gets its fstat. Returns the length, -1 on error (counted), -2 if it
 * vanished (a normal race with qmail-send). */
ssize_t
qmail_read_file(struct qmail *q, int dfd, const char *name, const char *rel,
    struct stat *st, const struct qread_item *it)
{
	ssize_t len;

	if (it && (it->op == QR_READ || it->op == QR_TEXT)) {
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
