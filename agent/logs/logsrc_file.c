/*
 * logsrc_file.c: kind "file": one path followed like `tail -F`, without
 * losing or repeating a line across what happens to it:
 *
 *  - rename and create (logrotate's default, `postfix logrotate`): the
 *    file we have open is read to its end before the new one is opened,
 *    and stays open (an "old" file) as long as a writer that has not
 *    reopened its log yet keeps appending to it, until it has been
 *    quiet for LINGER seconds; its partial last line is then delivered;
 *  - removed and created again: the same;
 *  - copytruncate: the file shrinks under us, or no longer holds the
 *    line we read last at our offset. What we had not read yet went
 *    into the copy: the copy is found in the same directory (a name
 *    starting with ours, not compressed, holding our last line at our
 *    offset), read from there to its end, then the file from its start.
 *    Lines written between logrotate's copy and its truncation are in
 *    neither file, for any reader; a compressed copy is not read (use
 *    delaycompress with copytruncate);
 *  - a restart: the state says which inode, where, and what the last
 *    line read was. The same file still holding that line: go on. A
 *    different file under the name: the one we were reading is looked
 *    for in the directory by its inode (rotated, not compressed yet) and
 *    read from our offset, then the new file from its start.
 *
 * Rotated and compressed files are never read otherwise.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logs/logsrc_int.h"

/* seconds a renamed file stays open after it last grew */
#define LINGER 30
/* files rotated away and still being read; a fifth rotation in one
 * round finishes the oldest at once */
#define NOLD 4

struct fsrc {
	struct logfollow cur;		/* the file under the path */
	struct logfollow old[NOLD];	/* rotated away, oldest first */
	size_t nold;
	char *dir, *base;
	unsigned missing;		/* rounds the path has been missing */
};

static const char *const packed[] = { ".gz", ".bz2", ".xz", ".zst",
	".lz4", ".lzma", ".Z", ".zip" };

static bool
is_packed(const char *name)
{
	size_t n = strlen(name), i, k;

	for (i = 0; i < MH_ARRAY_SIZE(packed); i++) {
		k = strlen(packed[i]);
		if (n > k && strcmp(name + n - k, packed[i]) == 0)
			return true;
	}
	return false;
}

/*
 * A file in the path's directory that holds, at off, the line ending
 * that hashes to hash (tailn bytes before off), to read on from there.
 * With ino: the file with that inode, whatever its name (ours, renamed
 * while we were stopped). Without: a rotated copy of ours (name starts
 * with our name, not compressed, not inode not_ino); when there is no
 * line to compare (off 0), the newest such file changed since `newer`.
 * Returns an open fd and its name, or -1; *shorter (if not NULL) tells
 * whether a recent copy shorter than off was seen: we had read past
 * what logrotate copied, so nothing is missing.
 */
static int
file_find(struct fsrc *fs, uint64_t ino, uint64_t off, uint32_t tailn,
    uint64_t hash, uint64_t not_ino, int64_t newer, char **name,
    bool *shorter)
{
	DIR *d = opendir(fs->dir);
	struct dirent *de;
	size_t bl = strlen(fs->base);
	int best = -1;
	int64_t best_mtime = INT64_MIN;

	*name = NULL;
	if (shorter)
		*shorter = false;
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		bool match;
		int fd;

		if (ino != 0) {
			if ((uint64_t)de->d_ino != ino)
				continue;
		} else if (strncmp(de->d_name, fs->base, bl) != 0 ||
		    de->d_name[bl] == '\0' || is_packed(de->d_name))
			continue;
		fd = openat(dirfd(d), de->d_name,
		    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    (uint64_t)st.st_ino == not_ino ||
		    (uint64_t)st.st_size < off) {
			if (shorter && ino == 0 && (int64_t)st.st_mtime >=
			    newer && (uint64_t)st.st_size < off)
				*shorter = true;
			close(fd);
			continue;
		}
		if (tailn > 0)
			match = logfollow_fd_matches(fd, off, tailn, hash);
		else
			match = off == 0 && st.st_size > 0 &&
			    (int64_t)st.st_mtime >= newer;
		if (!match || (int64_t)st.st_mtime < best_mtime) {
			close(fd);
			continue;
		}
		if (best >= 0)
			close(best);
		best = fd;
		best_mtime = (int64_t)st.st_mtime;
		free(*name);
		*name = xstrdup(de->d_name);
	}
	closedir(d);
	return best;
}

static void
file_retire(struct fsrc *fs, size_t i)
{
	logfollow_close(&fs->old[i]);
	memmove(&fs->old[i], &fs->old[i + 1],
	    (fs->nold - i - 1) * sizeof(fs->old[0]));
	fs->nold--;
	logfollow_init(&fs->old[fs->nold]);
}

static void
file_push_old(struct logsrc *src, struct fsrc *fs, struct logfollow *f)
{
	if (fs->nold == NOLD) {
		/* never lose its lines, whatever the budget says */
		while (logfollow_read(&fs->old[0], src) == LOGFOLLOW_MORE)
			;
		(void)logfollow_flush(&fs->old[0], src);
		file_retire(fs, 0);
	}
	logfollow_move(&fs->old[fs->nold++], f);
}

/* Read the rest of a rotated file (fd, found by file_find) from off. */
static void
file_push_found(struct logsrc *src, struct fsrc *fs, int fd, uint64_t off,
    uint32_t tailn, uint64_t hash, bool linger)
{
	struct logfollow f;

	logfollow_init(&f);
	if (logfollow_adopt(&f, fd) < 0 ||
	    logfollow_resume(&f, off, tailn, hash) < 0) {
		if (f.fd < 0)
			close(fd);
		logfollow_close(&f);
		return;
	}
	f.linger = linger;
	file_push_old(src, fs, &f);
}

/* The file shrank or holds other bytes where we were: copytruncate. */
static void
file_truncated(struct logsrc *src, struct fsrc *fs)
{
	struct logfollow *c = &fs->cur;
	uint32_t tailn = logfollow_tailn(c);
	uint64_t hash = logfollow_hash(c), done = c->done;
	char *name;
	bool shorter;
	int fd;

	src->st.truncations++;
	fd = file_find(fs, 0, done, tailn, hash, c->ino, c->opened - 1,
	    &name, &shorter);
	if (fd >= 0) {
		log_debug("logs", "log %s: %s was truncated; reading its "
		    "rest from %s/%s at %llu", src->name, src->path,
		    fs->dir, name, (unsigned long long)done);
		file_push_found(src, fs, fd, done, tailn, hash, false);
	} else if (shorter)
		log_debug("logs", "log %s: %s was truncated after a copy "
		    "shorter than what we had read", src->name, src->path);
	else if (c->pos > 0) {
		src->st.copy_missed++;
		log_notice("logs", "log %s: %s was truncated and no "
		    "uncompressed copy holds what we read last: lines "
		    "written after our last read may be lost", src->name,
		    src->path);
	}
	free(name);
	logfollow_rewind(c);
}

/* At the end of the current file: is there another file under the path
 * now? Then the current one becomes an old one. */
static bool
file_rotated(struct logsrc *src, struct fsrc *fs)
{
	struct stat st;

	if (stat(src->path, &st) < 0) {
		/* renamed or removed, not created again yet: a writer may
		 * still append to the file we have open */
		if (++fs->missing > 1 || errno != ENOENT)
			logsrc_seterr(src, "%s: %s (still reading the file "
			    "it named)", src->path, logsrc_strerror(errno));
		return false;
	}
	fs->missing = 0;
	if ((uint64_t)st.st_ino == fs->cur.ino &&
	    (uint64_t)st.st_dev == fs->cur.dev)
		return false;
	src->st.rotations++;
	/* the writer learns of the rotation after us, at best */
	fs->cur.linger = true;
	fs->cur.grew = src->ts.now;
	file_push_old(src, fs, &fs->cur);
	return true;
}

static int
file_open_cur(struct logsrc *src, struct fsrc *fs)
{
	if (logfollow_open(&fs->cur, src->path) == 0) {
		fs->missing = 0;
		return 0;
	}
	/* just after a rotation the name may be missing for a moment */
	if (++fs->missing > 1 || errno != ENOENT || fs->nold == 0)
		logsrc_seterr(src, "%s: %s", src->path, logsrc_strerror(errno));
	return -1;
}

static enum logsrc_rc
file_read_old(struct logsrc *src, struct fsrc *fs)
{
	size_t i = 0;

	while (i < fs->nold) {
		struct logfollow *o = &fs->old[i];
		enum logfollow_rc r = logfollow_read(o, src);
		bool more = true;

		if (r == LOGFOLLOW_MORE)
			return LOGSRC_MORE;
		if (r == LOGFOLLOW_ERR)
			logsrc_seterr(src, "%s (rotated): %s", src->path,
			    logsrc_strerror(errno));
		else if (o->linger && src->ts.now - o->grew < LINGER) {
			i++;
			continue;
		} else
			more = logfollow_flush(o, src);
		file_retire(fs, i);
		if (!more)
			return LOGSRC_MORE;
	}
	return LOGSRC_IDLE;
}

/* *again: something changed (rotation, truncation) and there may be
 * more to read at once. */
static enum logsrc_rc
file_read_cur(struct logsrc *src, struct fsrc *fs, bool *again)
{
	enum logfollow_rc r;
	int c;

	*again = false;
	if (fs->cur.fd < 0 && file_open_cur(src, fs) < 0)
		return fs->nold ? LOGSRC_IDLE : LOGSRC_ERROR;
	if (!src->once) {
		c = logfollow_check(&fs->cur);
		if (c < 0) {
			logsrc_seterr(src, "%s: %s", src->path,
			    logsrc_strerror(errno));
			return LOGSRC_ERROR;
		}
		if (c == 0) {
			file_truncated(src, fs);
			*again = true;
			return LOGSRC_IDLE;
		}
	}
	r = logfollow_read(&fs->cur, src);
	if (r == LOGFOLLOW_MORE)
		return LOGSRC_MORE;
	if (r == LOGFOLLOW_ERR) {
		logsrc_seterr(src, "%s: %s", src->path, logsrc_strerror(errno));
		return LOGSRC_ERROR;
	}
	if (src->once) {
		(void)logfollow_flush(&fs->cur, src);
		return LOGSRC_DONE;
	}
	*again = file_rotated(src, fs);
	return LOGSRC_IDLE;
}

static enum logsrc_rc
file_read(struct logsrc *src)
{
	struct fsrc *fs = src->impl;
	enum logsrc_rc rc = LOGSRC_IDLE;
	bool again = true;
	int n;

	/* a few rotations in one round at most; the rest is next round's */
	for (n = 0; again && n < 2 * NOLD; n++) {
		if (file_read_old(src, fs) == LOGSRC_MORE)
			return LOGSRC_MORE;
		rc = file_read_cur(src, fs, &again);
		if (rc == LOGSRC_MORE || rc == LOGSRC_DONE)
			return rc;
	}
	return rc;
}

/* A restart: go on where the state says. */
static void
file_resume(struct logsrc *src, struct fsrc *fs, const struct logstate *st)
{
	bool have = logfollow_open(&fs->cur, src->path) == 0;
	uint64_t not_ino = have ? fs->cur.ino : 0;
	char *name;
	int fd;

	if (!have)
		logsrc_seterr(src, "%s: %s", src->path, logsrc_strerror(errno));
	if (have && fs->cur.ino == st->ino) {
		if (logfollow_resume(&fs->cur, st->off, st->tailn,
		    st->hash) == 0)
			return;
		/* the same file, shorter or with other bytes where we
		 * were: truncated while we were stopped */
		src->st.truncations++;
		fd = file_find(fs, 0, st->off, st->tailn, st->hash, st->ino,
		    st->saved - 1, &name, NULL);
		if (fd >= 0)
			file_push_found(src, fs, fd, st->off, st->tailn,
			    st->hash, false);
		else {
			src->st.copy_missed++;
			log_notice("logs", "log %s: %s was truncated while "
			    "we were stopped and no copy holds what we read "
			    "last: reading it from its start", src->name,
			    src->path);
		}
		free(name);
		return;
	}
	/* another file under the name: the one we were reading was
	 * rotated (or removed) while we were stopped */
	src->st.rotations++;
	fd = file_find(fs, st->ino, st->off, st->tailn, st->hash, not_ino,
	    INT64_MIN, &name, NULL);
	if (fd >= 0) {
		log_debug("logs", "log %s: reading the rest of %s/%s from "
		    "%llu", src->name, fs->dir, name,
		    (unsigned long long)st->off);
		file_push_found(src, fs, fd, st->off, st->tailn, st->hash,
		    true);
	} else
		log_notice("logs", "log %s: %s was rotated while we were "
		    "stopped and the file we were reading is gone (or "
		    "compressed): reading the new one from its start",
		    src->name, src->path);
	free(name);
}

static int
file_open(struct logsrc *src, const struct logstate *st, char **why)
{
	struct fsrc *fs = xcalloc(1, sizeof(*fs));
	size_t i;

	(void)why;
	logfollow_init(&fs->cur);
	for (i = 0; i < NOLD; i++)
		logfollow_init(&fs->old[i]);
	logsrc_split_path(src->path, &fs->dir, &fs->base);
	src->impl = fs;
	if (st != NULL && !src->once) {
		file_resume(src, fs, st);
		return 0;
	}
	if (logfollow_open(&fs->cur, src->path) < 0) {
		/* when it appears, it is read from its start */
		logsrc_seterr(src, "%s: %s", src->path, logsrc_strerror(errno));
		return 0;
	}
	if (!src->once && !src->from_start &&
	    logfollow_seek_end(&fs->cur) < 0) {
		logsrc_seterr(src, "%s: %s", src->path, logsrc_strerror(errno));
		logfollow_close(&fs->cur);
	}
	return 0;
}

static int
file_state(struct logsrc *src, struct logstate *st)
{
	struct fsrc *fs = src->impl;
	struct logfollow *f = &fs->cur;

	/* the current file; while the name is missing, the newest file we
	 * still read (a restart finds it by its inode) */
	if (f->fd < 0) {
		if (fs->nold == 0)
			return -1;
		f = &fs->old[fs->nold - 1];
	}
	st->ino = f->ino;
	st->off = f->done;
	st->tailn = logfollow_tailn(f);
	st->hash = logfollow_hash(f);
	return 0;
}

static void
file_close(struct logsrc *src)
{
	struct fsrc *fs = src->impl;
	size_t i;

	if (fs == NULL)
		return;
	logfollow_close(&fs->cur);
	for (i = 0; i < fs->nold; i++)
		logfollow_close(&fs->old[i]);
	free(fs->dir);
	free(fs->base);
	free(fs);
	src->impl = NULL;
}

const struct logsrc_ops logsrc_file_ops = {
	.name = "file",
	.open = file_open,
	.read = file_read,
	.state = file_state,
	.close = file_close,
};
