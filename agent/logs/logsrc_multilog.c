/*
 * logsrc_multilog.c: kind "multilog": a daemontools multilog directory
 * (qmail's usual logging). multilog writes `current` (mode 644 while it
 * writes, 744 when finished); when it is full, multilog finishes it and
 * renames it to @<TAI64N of the rename>.s, then starts a new `current`.
 * At start-up it renames an unfinished `current` (a crash) to
 * @<TAI64N>.u. Every line starts with "@<TAI64N> ".
 *
 * The names of rotated files sort in the order they were written, so
 * nothing is lost when several rotations pass between two rounds, or
 * while we are stopped: when `current` is another file, the one we read
 * is finished and read to its end, then every rotated file newer than it
 * (by name) in order, then the new `current` from its start. "Newer than
 * it" needs its name: found by its inode; if multilog already deleted
 * it (its n limit), the newest name we know we had read or skipped is
 * the limit instead (kept in the state as "name").
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "logs/logsrc_int.h"

#define ML_NAME_LEN 27		/* "@" 24 hex ".s" */

struct msrc {
	struct logfollow cur;	/* current */
	struct logfollow rot;	/* a rotated file being read */
	char rotname[ML_NAME_LEN + 1];
	char last[ML_NAME_LEN + 1];	/* newest rotated file done with */
	char **pending;		/* rotated files to read next, in order */
	size_t npending, ipending;
	char *curpath;
	unsigned missing;
};

static bool
ml_is_rotated(const char *n)
{
	size_t i;

	if (n[0] != '@' || strlen(n) != ML_NAME_LEN || n[25] != '.' ||
	    (n[26] != 's' && n[26] != 'u'))
		return false;
	for (i = 1; i < 25; i++)
		if (!((n[i] >= '0' && n[i] <= '9') ||
		    (n[i] >= 'a' && n[i] <= 'f')))
			return false;
	return true;
}

static int
ml_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
ml_pending_free(struct msrc *ms)
{
	size_t i;

	/* the names before ipending were freed as they were taken */
	for (i = ms->ipending; i < ms->npending; i++)
		free(ms->pending[i]);
	free(ms->pending);
	ms->pending = NULL;
	ms->npending = ms->ipending = 0;
}

/*
 * List the rotated files after `after` (by name; "" for all) and newer
 * than `since` (rotated at or after it), sorted, as the pending list.
 * With ino, also find the name of that inode (into *found, "" if none).
 * -1 if the directory cannot be read.
 */
static int
ml_scan(struct logsrc *src, struct msrc *ms, const char *after,
    int64_t since, uint64_t ino, char *found)
{
	DIR *d = opendir(src->path);
	struct dirent *de;
	size_t cap = 0;

	ml_pending_free(ms);
	if (found)
		found[0] = '\0';
	if (d == NULL) {
		logsrc_seterr(src, "%s: %s", src->path, logsrc_strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!ml_is_rotated(de->d_name))
			continue;
		if (found && ino && (uint64_t)de->d_ino == ino)
			memcpy(found, de->d_name, ML_NAME_LEN + 1);
		if (strcmp(de->d_name, after) <= 0 ||
		    logts_tai64(de->d_name + 1) < since)
			continue;
		if (ms->npending == cap) {
			cap = cap ? 2 * cap : 16;
			ms->pending = xreallocarray(ms->pending, cap,
			    sizeof(*ms->pending));
		}
		ms->pending[ms->npending++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (ms->npending > 1)
		qsort(ms->pending, ms->npending, sizeof(*ms->pending),
		    ml_cmp);
	return 0;
}

/* keep only the pending names after `after` */
static void
ml_pending_after(struct msrc *ms, const char *after)
{
	while (ms->ipending < ms->npending &&
	    strcmp(ms->pending[ms->ipending], after) <= 0)
		free(ms->pending[ms->ipending++]);
}

static void
ml_newest(struct logsrc *src, struct msrc *ms)
{
	if (ml_scan(src, ms, "", INT64_MIN, 0, NULL) == 0 && ms->npending)
		memcpy(ms->last, ms->pending[ms->npending - 1],
		    ML_NAME_LEN + 1);
	ml_pending_free(ms);
}

/* `current` is another file now: finish the one we read, then queue
 * every rotated file newer than it. */
static void
ml_rotated(struct logsrc *src, struct msrc *ms)
{
	char found[ML_NAME_LEN + 1];
	uint64_t ino = ms->cur.ino;

	(void)logfollow_flush(&ms->cur, src);
	logfollow_close(&ms->cur);
	src->st.rotations++;
	if (ml_scan(src, ms, ms->last, INT64_MIN, ino, found) < 0)
		return;
	if (found[0]) {
		memcpy(ms->last, found, sizeof(found));
		ml_pending_after(ms, found);
	}
	/* one per rotation multilog made, also those we never saw as
	 * current */
	src->st.rotations += ms->npending - ms->ipending;
}

static enum logsrc_rc
ml_read_rot(struct logsrc *src, struct msrc *ms)
{
	enum logfollow_rc r;
	char *p;

	for (;;) {
		if (ms->rot.fd >= 0) {
			r = logfollow_read(&ms->rot, src);
			if (r == LOGFOLLOW_MORE)
				return LOGSRC_MORE;
			if (r == LOGFOLLOW_ERR)
				logsrc_seterr(src, "%s/%s: %s", src->path,
				    ms->rotname, logsrc_strerror(errno));
			else if (!logfollow_flush(&ms->rot, src)) {
				logfollow_close(&ms->rot);
				memcpy(ms->last, ms->rotname, sizeof(ms->last));
				return LOGSRC_MORE;
			}
			logfollow_close(&ms->rot);
			memcpy(ms->last, ms->rotname, sizeof(ms->last));
		}
		if (ms->ipending == ms->npending)
			return LOGSRC_IDLE;
		p = xasprintf("%s/%s", src->path, ms->pending[ms->ipending]);
		memcpy(ms->rotname, ms->pending[ms->ipending],
		    sizeof(ms->rotname));
		free(ms->pending[ms->ipending++]);
		/* gone already (multilog's n limit): nothing to read */
		if (logfollow_open(&ms->rot, p) < 0 && errno != ENOENT)
			logsrc_seterr(src, "%s: %s", p, logsrc_strerror(errno));
		free(p);
	}
}

static enum logsrc_rc
ml_read(struct logsrc *src)
{
	struct msrc *ms = src->impl;
	enum logfollow_rc r;
	struct stat st;
	int n;

	for (n = 0; n < 8; n++) {
		if (ml_read_rot(src, ms) == LOGSRC_MORE)
			return LOGSRC_MORE;
		if (ms->cur.fd < 0) {
			if (logfollow_open(&ms->cur, ms->curpath) < 0) {
				if (src->once && errno == ENOENT)
					return LOGSRC_DONE;
				/* between multilog's rename and create */
				if (++ms->missing == 1 && errno == ENOENT)
					return LOGSRC_IDLE;
				logsrc_seterr(src, "%s: %s", ms->curpath,
				    logsrc_strerror(errno));
				return LOGSRC_ERROR;
			}
			ms->missing = 0;
		}
		r = logfollow_read(&ms->cur, src);
		if (r == LOGFOLLOW_MORE)
			return LOGSRC_MORE;
		if (r == LOGFOLLOW_ERR) {
			logsrc_seterr(src, "%s: %s", ms->curpath,
			    logsrc_strerror(errno));
			return LOGSRC_ERROR;
		}
		if (src->once) {
			(void)logfollow_flush(&ms->cur, src);
			return LOGSRC_DONE;
		}
		if (stat(ms->curpath, &st) == 0 &&
		    (uint64_t)st.st_ino == ms->cur.ino &&
		    (uint64_t)st.st_dev == ms->cur.dev)
			return LOGSRC_IDLE;
		/* renamed: what multilog wrote before it is read first */
		r = logfollow_read(&ms->cur, src);
		if (r == LOGFOLLOW_MORE)
			return LOGSRC_MORE;
		ml_rotated(src, ms);
	}
	return LOGSRC_IDLE;
}

/* A restart: the file we read, by inode, from our offset; then every
 * rotated file after it; then current. */
static void
ml_resume(struct logsrc *src, struct msrc *ms, const struct logstate *st)
{
	char found[ML_NAME_LEN + 1], *p;

	if (st->name && ml_is_rotated(st->name))
		memcpy(ms->last, st->name, ML_NAME_LEN + 1);
	if (logfollow_open(&ms->cur, ms->curpath) == 0) {
		if (ms->cur.ino == st->ino && logfollow_resume(&ms->cur,
		    st->off, st->tailn, st->hash) == 0)
			return;
		/* another file (perhaps with the inode of ours, deleted):
		 * it is read after the rotated files */
		logfollow_close(&ms->cur);
	}
	src->st.rotations++;
	if (ml_scan(src, ms, ms->last, INT64_MIN, st->ino, found) < 0)
		return;
	if (found[0] == '\0')
		return;
	ml_pending_after(ms, found);
	memcpy(ms->rotname, found, sizeof(found));
	p = xasprintf("%s/%s", src->path, found);
	if (logfollow_open(&ms->rot, p) == 0 &&
	    logfollow_resume(&ms->rot, st->off, st->tailn, st->hash) < 0) {
		/* its inode, not its content: a newer file, read whole */
		logfollow_rewind(&ms->rot);
	}
	free(p);
}

static int
ml_open(struct logsrc *src, const struct logstate *st, char **why)
{
	struct msrc *ms = xcalloc(1, sizeof(*ms));

	(void)why;
	logfollow_init(&ms->cur);
	logfollow_init(&ms->rot);
	ms->curpath = xasprintf("%s/current", src->path);
	src->impl = ms;
	if (src->once) {
		(void)ml_scan(src, ms, "", src->since > 0 ?
		    (int64_t)time(NULL) - src->since : INT64_MIN, 0, NULL);
		return 0;
	}
	if (st != NULL) {
		ml_resume(src, ms, st);
		return 0;
	}
	if (src->from_start) {
		(void)ml_scan(src, ms, "", INT64_MIN, 0, NULL);
		return 0;
	}
	ml_newest(src, ms);
	if (logfollow_open(&ms->cur, ms->curpath) < 0)
		logsrc_seterr(src, "%s: %s", ms->curpath, logsrc_strerror(errno));
	else if (logfollow_seek_end(&ms->cur) < 0) {
		logsrc_seterr(src, "%s: %s", ms->curpath, logsrc_strerror(errno));
		logfollow_close(&ms->cur);
	}
	return 0;
}

static int
ml_state(struct logsrc *src, struct logstate *st)
{
	struct msrc *ms = src->impl;
	struct logfollow *f = ms->rot.fd >= 0 ? &ms->rot : &ms->cur;

	if (f->fd < 0)
		return -1;
	st->ino = f->ino;
	st->off = f->done;
	st->tailn = logfollow_tailn(f);
	st->hash = logfollow_hash(f);
	if (ms->last[0])
		st->name = xstrdup(ms->last);
	return 0;
}

static void
ml_close(struct logsrc *src)
{
	struct msrc *ms = src->impl;

	if (ms == NULL)
		return;
	logfollow_close(&ms->cur);
	logfollow_close(&ms->rot);
	ml_pending_free(ms);
	free(ms->curpath);
	free(ms);
	src->impl = NULL;
}

const struct logsrc_ops logsrc_multilog_ops = {
	.name = "multilog",
	.open = ml_open,
	.read = ml_read,
	.state = ml_state,
	.close = ml_close,
};
