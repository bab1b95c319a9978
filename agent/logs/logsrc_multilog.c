/*
 * logsrc_multilog.c: kind "multilog": a daemontools multilog directory
 * (qmail's usual logging). Every line starts with "@<TAI64N> ".
 *
 * What multilog does with its files (daemontools 0.76, checked by
 * running it): it appends to `current` (mode 644). When it is full it
 * renames it to `previous`, creates a new `current`, sets `previous` to
 * mode 744, then links it to @<TAI64N of now>.s and unlinks `previous`:
 * the same file (inode) under its final name, named a moment after the
 * new `current` was started. With a processor (!cmd) the @ file is
 * instead the processor's output, a new file, and `previous` is removed.
 * When there are n @ files it deletes the oldest. At start-up it
 * renames an unfinished `current` or `previous` to @<TAI64N>.u.
 *
 * So the files, oldest first, are: the @ files in name order,
 * `previous`, `current`. We follow files by inode, never by name alone:
 *  - last: the newest @ name we are done with (read, or skipped when we
 *    started at the end); every @ name after it is new to us;
 *  - prev_ino: a file we read while it was called `previous`; when an @
 *    name with its inode appears, that name is done. If `previous` goes
 *    away without one (a processor made the @ file), the next @ name is
 *    its output, done too.
 * When `current` is another file, the one we read is read to its end,
 * then every newer file in order, then the new `current`; so several
 * rotations between two rounds, or while we are stopped, lose nothing
 * multilog still has.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "logs/logsrc_int.h"

#define ML_NAME_LEN 27		/* "@" 24 hex ".s" */
#define ML_PREV "previous"

struct ment {
	char name[ML_NAME_LEN + 1];	/* an @ name, or "previous" */
	uint64_t ino;
};

struct msrc {
	struct logfollow cur;	/* current */
	struct logfollow rot;	/* an older file being read */
	struct ment rotent;
	char last[ML_NAME_LEN + 1];
	uint64_t prev_ino;
	struct ment *pend;	/* older files to read next, oldest first */
	size_t npend, ipend;
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

static bool
ml_is_prev(const char *n)
{
	return strcmp(n, ML_PREV) == 0;
}

static int
ml_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ment *)a)->name,
	    ((const struct ment *)b)->name);
}

static int64_t
ml_since(const struct logsrc *src)
{
	return src->once && src->since > 0 ?
	    (int64_t)time(NULL) - src->since : INT64_MIN;
}

/* last = name, if later */
static void
ml_done(struct msrc *ms, const char *name)
{
	if (strcmp(name, ms->last) > 0)
		memcpy(ms->last, name, ML_NAME_LEN + 1);
}

static void
ml_drop(struct ment *v, size_t *n, size_t i)
{
	memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(*v));
	(*n)--;
}

/*
 * The files we are not done with, oldest first: @ names after last (and
 * rotated at or after since), then `previous`; each with its inode.
 * A previous read earlier is resolved here. -1 if the directory cannot
 * be read.
 */
static int
ml_scan(struct logsrc *src, struct msrc *ms, struct ment **out,
    size_t *nout)
{
	DIR *d = opendir(src->path);
	struct dirent *de;
	struct stat st;
	struct ment *v = NULL, prev;
	size_t n = 0, cap = 0, i;
	bool have_prev = false;
	int64_t since = ml_since(src);

	*out = NULL;
	*nout = 0;
	if (d == NULL) {
		logsrc_seterr(src, "%s: %s", src->path,
		    logsrc_strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		bool isprev = ml_is_prev(de->d_name);

		if (!isprev && (!ml_is_rotated(de->d_name) ||
		    strcmp(de->d_name, ms->last) <= 0))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (isprev) {
			memcpy(prev.name, ML_PREV, sizeof(ML_PREV));
			prev.ino = (uint64_t)st.st_ino;
			have_prev = true;
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			v = xreallocarray(v, cap + 1, sizeof(*v));
		}
		memcpy(v[n].name, de->d_name, ML_NAME_LEN + 1);
		v[n++].ino = (uint64_t)st.st_ino;
	}
	/* previous linked to the name we are done with already */
	if (have_prev && ms->last[0] && fstatat(dirfd(d), ms->last, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && (uint64_t)st.st_ino == prev.ino)
		have_prev = false;
	closedir(d);
	if (v == NULL)
		v = xmalloc(sizeof(*v));
	if (n > 1)
		qsort(v, n, sizeof(*v), ml_cmp);
	/* between multilog's link and unlink: one file, two names */
	for (i = 0; have_prev && i < n; i++)
		if (v[i].ino == prev.ino)
			have_prev = false;
	if (ms->prev_ino) {
		for (i = 0; i < n; i++)
			if (v[i].ino == ms->prev_ino)
				break;
		if (i < n) {
			ml_done(ms, v[i].name);
			ml_drop(v, &n, i);
			ms->prev_ino = 0;
		} else if (have_prev && prev.ino == ms->prev_ino)
			have_prev = false;	/* not linked yet */
		else if (n > 0) {
			/* gone without an @ name of its own: a processor
			 * made the next one from it */
			ml_done(ms, v[0].name);
			ml_drop(v, &n, 0);
			ms->prev_ino = 0;
		}
	}
	for (i = 0; i < n;)
		if (logtime_tai64(v[i].name + 1) < since)
			ml_drop(v, &n, i);
		else
			i++;
	if (have_prev)
		v[n++] = prev;
	*out = v;
	*nout = n;
	return 0;
}

static void
ml_pend_set(struct msrc *ms, struct ment *v, size_t n)
{
	free(ms->pend);
	ms->pend = v;
	ms->npend = n;
	ms->ipend = 0;
}

static ssize_t
ml_find(const struct ment *v, size_t n, uint64_t ino)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].ino == ino)
			return (ssize_t)i;
	return -1;
}

/* `current` is another file now: the one we read is finished; every
 * file after it is read next. */
static void
ml_rotated(struct logsrc *src, struct msrc *ms)
{
	uint64_t ino = ms->cur.ino;
	struct ment *v;
	size_t n;
	ssize_t i;

	(void)logfollow_flush(&ms->cur, src);
	logfollow_close(&ms->cur);
	src->st.rotations++;
	if (ml_scan(src, ms, &v, &n) < 0)
		return;
	i = ml_find(v, n, ino);
	if (i < 0) {
		/* readdir is not atomic: while it ran, multilog may have
		 * linked the file to its @ name behind it and unlinked
		 * previous ahead of it, so that it saw neither. Listed
		 * again, the file shows under its @ name; missed, that
		 * name would look new and the file be read twice. */
		free(v);
		if (ml_scan(src, ms, &v, &n) < 0)
			return;
		i = ml_find(v, n, ino);
	}
	log_debug("logs", "log %s: current was rotated to %s; %zu more "
	    "files to read", src->name, i >= 0 ? v[i].name : "(gone)",
	    i >= 0 ? n - 1 : n);
	if (i >= 0) {
		if (ml_is_prev(v[i].name))
			ms->prev_ino = ino;
		else
			ml_done(ms, v[i].name);
		ml_drop(v, &n, (size_t)i);
	}
	/* one per file multilog finished, also those never seen as
	 * current */
	src->st.rotations += n;
	ml_pend_set(ms, v, n);
}

/* The file of e: by its name, or by its inode under its new name. */
static int
ml_open_ent(struct logsrc *src, struct msrc *ms, struct ment *e)
{
	struct ment *v;
	size_t n;
	ssize_t i;
	char *p = xasprintf("%s/%s", src->path, e->name);
	int rc = logfollow_open(&ms->rot, p);

	free(p);
	if (rc == 0 && ms->rot.ino == e->ino)
		return 0;
	logfollow_close(&ms->rot);
	/* renamed since the scan (previous linked to its @ name) */
	if (ml_scan(src, ms, &v, &n) < 0)
		return -1;
	i = ml_find(v, n, e->ino);
	if (i >= 0) {
		memcpy(e->name, v[i].name, sizeof(e->name));
		p = xasprintf("%s/%s", src->path, e->name);
		rc = logfollow_open(&ms->rot, p);
		free(p);
	}
	free(v);
	return i >= 0 && rc == 0 && ms->rot.ino == e->ino ? 0 : -1;
}

static void
ml_rot_done(struct msrc *ms)
{
	logfollow_close(&ms->rot);
	if (ml_is_prev(ms->rotent.name))
		ms->prev_ino = ms->rotent.ino;
	else
		ml_done(ms, ms->rotent.name);
}

static enum logsrc_rc
ml_read_rot(struct logsrc *src, struct msrc *ms)
{
	enum logfollow_rc r;

	for (;;) {
		if (ms->rot.fd >= 0) {
			r = logfollow_read(&ms->rot, src);
			if (r == LOGFOLLOW_MORE)
				return LOGSRC_MORE;
			if (r == LOGFOLLOW_ERR)
				logsrc_seterr(src, "%s/%s: %s", src->path,
				    ms->rotent.name, logsrc_strerror(errno));
			else if (!logfollow_flush(&ms->rot, src)) {
				ml_rot_done(ms);
				return LOGSRC_MORE;
			}
			ml_rot_done(ms);
		}
		if (ms->ipend == ms->npend)
			return LOGSRC_IDLE;
		ms->rotent = ms->pend[ms->ipend++];
		log_debug("logs", "log %s: reading %s", src->name,
		    ms->rotent.name);
		/* gone (multilog's n limit): nothing to read */
		(void)ml_open_ent(src, ms, &ms->rotent);
	}
}

/* Open current; what multilog finished before (while current was
 * missing, or between two rounds) is read first. */
static enum logsrc_rc
ml_open_cur(struct logsrc *src, struct msrc *ms)
{
	struct ment *v;
	size_t n;
	ssize_t i;

	if (logfollow_open(&ms->cur, ms->curpath) < 0) {
		if (src->once && errno == ENOENT)
			return LOGSRC_DONE;
		/* a moment without current is normal (multilog creates
		 * it after its rename); a second round is not */
		if (++ms->missing == 1 && errno == ENOENT)
			return LOGSRC_IDLE;
		logsrc_seterr(src, "%s: %s", ms->curpath,
		    logsrc_strerror(errno));
		return LOGSRC_ERROR;
	}
	ms->missing = 0;
	if (ml_scan(src, ms, &v, &n) < 0)
		return LOGSRC_MORE;
	/* current rotated already: what follows it waits for that */
	i = ml_find(v, n, ms->cur.ino);
	if (i >= 0)
		n = (size_t)i;
	src->st.rotations += n;
	ml_pend_set(ms, v, n);
	return LOGSRC_MORE;
}

static enum logsrc_rc
ml_read(struct logsrc *src)
{
	struct msrc *ms = src->impl;
	enum logfollow_rc r;
	enum logsrc_rc rc;
	struct stat st;
	int n;

	for (n = 0; n < 16; n++) {
		if (ml_read_rot(src, ms) == LOGSRC_MORE)
			return LOGSRC_MORE;
		if (ms->cur.fd < 0) {
			rc = ml_open_cur(src, ms);
			if (rc != LOGSRC_MORE)
				return rc;
			continue;
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
		/* renamed: what multilog wrote before that first */
		r = logfollow_read(&ms->cur, src);
		if (r == LOGFOLLOW_MORE)
			return LOGSRC_MORE;
		ml_rotated(src, ms);
	}
	return LOGSRC_IDLE;
}

/* Starting at the end: what is there now is done with. */
static void
ml_skip_existing(struct logsrc *src, struct msrc *ms)
{
	struct ment *v;
	size_t n, i;

	if (ml_scan(src, ms, &v, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (!ml_is_prev(v[i].name))
			ml_done(ms, v[i].name);
		else if (v[i].ino != ms->cur.ino)
			ms->prev_ino = v[i].ino;
	}
	free(v);
}

/* A restart: the file we read, by inode, from our offset; then every
 * file after it; then current. */
static void
ml_resume(struct logsrc *src, struct msrc *ms, const struct logstate *st)
{
	struct ment *v;
	size_t n;
	ssize_t i;

	if (st->name && ml_is_rotated(st->name))
		memcpy(ms->last, st->name, ML_NAME_LEN + 1);
	ms->prev_ino = st->prev;
	if (logfollow_open(&ms->cur, ms->curpath) == 0) {
		if (ms->cur.ino == st->ino && logfollow_resume(&ms->cur,
		    st->off, st->tailn, st->hash) == 0)
			return;
		/* another file (perhaps with the inode of ours, deleted):
		 * it is read after the older ones */
		logfollow_close(&ms->cur);
	}
	src->st.rotations++;
	if (ml_scan(src, ms, &v, &n) < 0)
		return;
	i = ml_find(v, n, st->ino);
	if (i >= 0) {
		ms->rotent = v[i];
		ml_drop(v, &n, (size_t)i);
		if (ml_open_ent(src, ms, &ms->rotent) == 0 &&
		    logfollow_resume(&ms->rot, st->off, st->tailn,
		    st->hash) < 0)
			logfollow_rewind(&ms->rot);	/* its inode only */
	}
	ml_pend_set(ms, v, n);
}

static int
ml_open(struct logsrc *src, const struct logstate *st, char **why)
{
	struct msrc *ms = xcalloc(1, sizeof(*ms));
	struct ment *v;
	size_t n;

	(void)why;
	logfollow_init(&ms->cur);
	logfollow_init(&ms->rot);
	ms->curpath = xasprintf("%s/current", src->path);
	src->impl = ms;
	if (st != NULL && !src->once) {
		ml_resume(src, ms, st);
		return 0;
	}
	if (src->once || src->from_start) {
		if (ml_scan(src, ms, &v, &n) == 0)
			ml_pend_set(ms, v, n);
		return 0;
	}
	/* current first: a rotation after this is one to follow */
	if (logfollow_open(&ms->cur, ms->curpath) < 0)
		logsrc_seterr(src, "%s: %s", ms->curpath,
		    logsrc_strerror(errno));
	else if (logfollow_seek_end(&ms->cur) < 0) {
		logsrc_seterr(src, "%s: %s", ms->curpath,
		    logsrc_strerror(errno));
		logfollow_close(&ms->cur);
	}
	ml_skip_existing(src, ms);
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
	st->prev = ms->prev_ino;
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
	free(ms->pend);
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
