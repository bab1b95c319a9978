/*
 * pf_dir.c: the Postfix queue as a tree of directories, each with what
 * its files held at the last scan, so that a rescan skips a directory
 * whose inode and mtime did not change (replay from memory) and relists
 * one that did (keeping the records of files whose name and inode are
 * the same). The rules are at the top of queue_postfix.c.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue/pf.h"

/* It or a subdirectory held files at the last listing. */
static bool
pf_dir_held(const struct pf_dir *d)
{
	size_t i;

	if (d->nfiles)
		return true;
	for (i = 0; i < d->nsubs; i++)
		if (pf_dir_held(d->subs[i]))
			return true;
	return false;
}

static struct pf_file *
pf_dir_find(struct pf_dir *d, const char *name)
{
	size_t i;

	if (d->idx == NULL)
		return NULL;
	for (i = pf_name_hash(name) & d->idxmask; d->idx[i];
	    i = (i + 1) & d->idxmask) {
		struct pf_file *f = &d->files[d->idx[i] - 1];

		if (strcmp(d->names + f->name, name) == 0)
			return f;
	}
	return NULL;
}

void
pf_dir_free(struct pf_dir *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nfiles; i++)
		pf_file_clear(&d->files[i]);
	for (i = 0; i < d->nsubs; i++)
		pf_dir_free(d->subs[i]);
	free(d->files);
	free(d->names);
	free(d->idx);
	free(d->rpool.v);
	free(d->subs);
	free(d->name);
	free(d);
}

struct pf_dir *
pf_dir_new(const char *name)
{
	struct pf_dir *d = xcalloc(1, sizeof(*d));

	d->name = xstrdup(name);
	d->mtime_ns = -1;
	return d;
}

/* Into the subdirectory sub of d (open at dfd), path st->path[0..plen). */
static int
pf_dir_descend(struct pf_state *st, int qi, int dfd, struct pf_dir *sub,
    size_t plen, int depth)
{
	size_t nlen = strlen(sub->name);
	int fd;

	if (plen + 1 + nlen >= sizeof(st->path))
		return 0;
	st->path[plen] = '/';
	memcpy(st->path + plen + 1, sub->name, nlen + 1);
	fd = openat(dfd, sub->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		/* a hashed subdirectory is never removed by Postfix: one
		 * that cannot be opened (gone, unreadable, a symlink) leaves
		 * its messages out of the numbers */
		queue_unknown(st->acc, qi, "%s/%s: %s", st->root,
		    st->path, strerror(errno));
		st->path[plen] = '\0';
		return -1;
	}
	pf_dir_scan(st, qi, sub, fd, plen + 1 + nlen, depth + 1);
	st->path[plen] = '\0';
	return 0;
}

struct pf_list {
	struct pf_file *files;
	size_t n, cap;
	char *names;
	size_t nlen, ncap;
	struct pf_rpool rpool;
};

/* Copy f's recipient ids (if more than one) from one pool to another. */
static void
pf_rpool_move(struct pf_rpool *to, const struct pf_rpool *from,
    struct pf_file *f)
{
	if (f->nrcpt <= 1)
		return;
	if (to->n + f->nrcpt > to->cap) {
		to->cap = (to->n + f->nrcpt) * 3 / 2 + 64;
		to->v = xreallocarray(to->v, to->cap, sizeof(*to->v));
	}
	memcpy(to->v + to->n, from->v + f->rcpt, f->nrcpt * sizeof(*to->v));
	f->rcpt = (uint32_t)to->n;
	to->n += f->nrcpt;
}

static void
pf_rpool_compact(struct pf_dir *d)
{
	struct pf_rpool np = { 0 };
	size_t i, live = 0;

	for (i = 0; i < d->nfiles; i++)
		if (d->files[i].state == PF_PARSED && d->files[i].nrcpt > 1)
			live += d->files[i].nrcpt;
	if (d->rpool.n <= 2 * live + 1024)
		return;
	for (i = 0; i < d->nfiles; i++)
		if (d->files[i].state == PF_PARSED)
			pf_rpool_move(&np, &d->rpool, &d->files[i]);
	free(d->rpool.v);
	d->rpool = np;
}

/* name: an offset in the listing's name pool until the listing is done
 * (the pool moves as it grows) */
static void
pf_job_add(struct pf_state *st, uint32_t name, size_t fi, uint32_t ino)
{
	struct pf_job *j;

	if (st->njobs == st->cjobs) {
		st->cjobs = st->cjobs ? st->cjobs * 2 : 256;
		st->jobs = xreallocarray(st->jobs, st->cjobs, sizeof(*st->jobs));
	}
	j = &st->jobs[st->njobs++];
	memset(j, 0, sizeof(*j));
	j->name = (const char *)(uintptr_t)name;
	j->fi = (uint32_t)fi;
	j->ino = ino;
}

/* The directory did not change since it was listed: same names, same
 * inodes. Count from memory, checking only what may change in place. */
static bool
pf_dir_replay(struct pf_state *st, int qi, struct pf_dir *d, int dfd,
    size_t plen, int depth)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < d->nfiles; i++) {
		struct pf_file *f = &d->files[i];
		const char *name = d->names + f->name;

		if (f->state == PF_GONE)
			continue;
		if (qi == PQ_ACTIVE || f->state != PF_PARSED ||
		    qi == PQ_HOLD) {
			snprintf(st->path + plen, sizeof(st->path) - plen, "/%s",
			    name);
			if (pf_file_check(st, qi, dfd, name, &d->rpool,
			    f) < 0) {
				pf_file_clear(f);
				f->state = PF_GONE;
				ok = false;
			}
			st->path[plen] = '\0';
		} else
			pf_file_count(st, qi, &d->rpool, f);
	}
	/* files re-read in place (active/) append to the recipient pool:
	 * make it dense again when half of it is garbage */
	pf_rpool_compact(d);
	for (i = 0; i < d->nsubs; i++)
		if (pf_dir_descend(st, qi, dfd, d->subs[i], plen, depth) < 0)
			ok = false;
	return ok;
}

static struct pf_file *
pf_list_add(struct pf_list *l, const char *name)
{
	size_t n = strlen(name) + 1;
	struct pf_file *f;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->files = xreallocarray(l->files, l->cap, sizeof(*l->files));
	}
	while (l->nlen + n > l->ncap) {
		l->ncap = l->ncap ? l->ncap * 2 : 1024;
		l->names = xrealloc(l->names, l->ncap);
	}
	memcpy(l->names + l->nlen, name, n);
	f = &l->files[l->n++];
	memset(f, 0, sizeof(*f));
	f->name = (uint32_t)l->nlen;
	l->nlen += n;
	return f;
}

/* The new files listed so far: read by the scanner threads, then taken
 * into their records in order here. The batches are bounded so that
 * their scratch stays small next to the records. */
static void
pf_jobs_flush(struct pf_state *st, int qi, struct pf_list *l, int dfd,
    size_t plen, bool *ok)
{
	size_t k;

	if (st->njobs == 0)
		return;
	for (k = 0; k < st->njobs; k++)
		st->jobs[k].name = l->names + (uintptr_t)st->jobs[k].name;
	st->dfd = dfd;
	st->qi = qi;
	pf_jobs_load(st);
	for (k = 0; k < st->njobs; k++) {
		const struct pf_job *j = &st->jobs[k];
		struct pf_file *nf = &l->files[j->fi];

		snprintf(st->path + plen, sizeof(st->path) - plen, "/%s",
		    j->name);
		if (pf_job_take(st, &l->rpool, j, nf) < 0) {
			nf->state = PF_GONE;
			*ok = false;
		} else
			pf_file_count(st, qi, &l->rpool, nf);
	}
	st->path[plen] = '\0';
	st->njobs = 0;
}

/* Read the directory again: keep what is known of files whose name and
 * inode are unchanged, read the new ones, forget the vanished. */
static bool
pf_dir_relist(struct pf_state *st, int qi, struct pf_dir *d, int dfd,
    size_t plen, int depth)
{
	struct pf_list l = { 0 };
	struct pf_dir **subs = NULL;
	size_t nsubs = 0, i, is, k;
	struct dirent *de;
	bool ok = true;
	DIR *dir;
	int dfd2;

	/* fdopendir takes the fd; keep ours for openat afterwards */
	if ((dfd2 = dup(dfd)) < 0 || (dir = fdopendir(dfd2)) == NULL) {
		queue_unknown(st->acc, qi, "%s/%s: %s", st->root,
		    st->path, strerror(errno));
		if (dfd2 >= 0)
			close(dfd2);
		return false;
	}
	while ((errno = 0, de = readdir(dir)) != NULL) {
		unsigned char type = de->d_type;
		struct pf_file *f, *old;
		size_t nlen;

		if (de->d_name[0] == '.')
			continue;
		if (type == DT_UNKNOWN) {
			struct stat sb;

			if (fstatat(dfd, de->d_name, &sb,
			    AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISDIR(sb.st_mode) ? DT_DIR :
			    S_ISREG(sb.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (type == DT_DIR) {
			struct pf_dir *sub = NULL;

			if (depth >= PF_MAXDEPTH)
				continue;
			for (is = 0; is < d->nsubs; is++)
				if (d->subs[is] &&
				    strcmp(d->subs[is]->name, de->d_name) == 0) {
					sub = d->subs[is];
					d->subs[is] = NULL;	/* taken */
					break;
				}
			if (sub == NULL)
				sub = pf_dir_new(de->d_name);
			if (nsubs % 16 == 0)
				subs = xreallocarray(subs, nsubs + 16,
				    sizeof(*subs));
			subs[nsubs++] = sub;
			continue;
		}
		if (type != DT_REG || !pf_name_ok(de->d_name))
			continue;
		nlen = strlen(de->d_name);
		if (plen + 1 + nlen >= sizeof(st->path))
			continue;
		f = pf_list_add(&l, de->d_name);
		old = pf_dir_find(d, de->d_name);
		if (old && old->state != PF_GONE &&
		    old->ino == (uint32_t)de->d_ino) {
			uint32_t name = f->name;

			st->path[plen] = '/';
			memcpy(st->path + plen + 1, de->d_name, nlen + 1);
			*f = *old;		/* take it over */
			f->name = name;
			if (f->state == PF_PARSED)
				pf_rpool_move(&l.rpool, &d->rpool, f);
			old->state = PF_GONE;
			old->nrcpt = 0;
			if (pf_file_check(st, qi, dfd, de->d_name, &l.rpool,
			    f) < 0) {
				pf_file_clear(f);
				l.n--;
				ok = false;
			}
		} else {
			/* new: read below, by the scanner threads */
			f->ino = (uint32_t)de->d_ino;
			pf_job_add(st, f->name, l.n - 1, f->ino);
			if (st->njobs == PF_JOBS)
				pf_jobs_flush(st, qi, &l, dfd, plen, &ok);
		}
	}
	st->path[plen] = '\0';
	if (errno != 0) {
		queue_unknown(st->acc, qi, "%s/%s: readdir: %s", st->root,
		    st->path, strerror(errno));
		ok = false;
	}
	closedir(dir);

	pf_jobs_flush(st, qi, &l, dfd, plen, &ok);
	/* drop the files that vanished before they were read */
	for (i = k = 0; i < l.n; i++)
		if (l.files[i].state != PF_GONE)
			l.files[k++] = l.files[i];
	l.n = k;

	/* install the new lists, index the names for the next relist */
	for (i = 0; i < d->nfiles; i++)
		pf_file_clear(&d->files[i]);
	free(d->files);
	free(d->names);
	free(d->idx);
	free(d->rpool.v);
	d->rpool = l.rpool;
	d->files = l.n ? xreallocarray(l.files, l.n, sizeof(*l.files)) : NULL;
	if (l.n == 0)
		free(l.files);
	d->nfiles = l.n;
	d->names = l.nlen ? xrealloc(l.names, l.nlen) : l.names;
	d->idx = NULL;
	d->idxmask = 0;
	if (l.n) {
		size_t sz = 16;

		while (sz < l.n * 2)
			sz <<= 1;
		d->idx = xcalloc(sz, sizeof(*d->idx));
		d->idxmask = sz - 1;
		for (i = 0; i < l.n; i++) {
			size_t h = pf_name_hash(d->names + d->files[i].name) &
			    d->idxmask;

			while (d->idx[h])
				h = (h + 1) & d->idxmask;
			d->idx[h] = (uint32_t)(i + 1);
		}
	}
	/* A subdirectory that held messages and is gone was renamed away
	 * (Postfix never removes its hashed directories): keep it, so that
	 * its row stays unknown rather than smaller until it is back. One
	 * that held nothing loses nothing. */
	for (is = 0; is < d->nsubs; is++) {
		struct pf_dir *sub = d->subs[is];

		if (sub == NULL)
			continue;
		if (pf_dir_held(sub)) {
			if (nsubs % 16 == 0)
				subs = xreallocarray(subs, nsubs + 16,
				    sizeof(*subs));
			subs[nsubs++] = sub;
			sub->mtime_ns = -1;
		} else
			pf_dir_free(sub);
	}
	free(d->subs);
	d->subs = subs;
	d->nsubs = nsubs;
	for (i = 0; i < d->nsubs; i++)
		if (pf_dir_descend(st, qi, dfd, d->subs[i], plen, depth) < 0)
			ok = false;
	return ok;
}

/* One directory (fd dfd, consumed), st->path[0..plen) naming it. */
void
pf_dir_scan(struct pf_state *st, int qi, struct pf_dir *d, int dfd,
    size_t plen, int depth)
{
	struct stat sb;
	int64_t mt;
	bool ok;

	if (fstat(dfd, &sb) < 0) {
		queue_unknown(st->acc, qi, "%s/%s: %s", st->root,
		    st->path, strerror(errno));
		close(dfd);
		return;
	}
	mt = queue_mtime_ns(&sb);
	/* Same inode and mtime as when it was listed: no file came, went
	 * or was renamed here. The mtime is taken before reading, so a
	 * change during the read shows next time; one too recent to trust
	 * (a coarse clock can give the next change the same stamp) is not
	 * remembered. */
	if (d->mtime_ns >= 0 && d->ino == (uint64_t)sb.st_ino &&
	    d->mtime_ns == mt)
		ok = pf_dir_replay(st, qi, d, dfd, plen, depth);
	else
		ok = pf_dir_relist(st, qi, d, dfd, plen, depth);
	d->ino = (uint64_t)sb.st_ino;
	d->mtime_ns = (ok && mt <= st->fresh_ns) ? mt : -1;
	close(dfd);
}
