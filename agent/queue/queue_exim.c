/*
 * queue_exim.c: the Exim queue reader (the spool's input/ directory).
 *
 * A message is two files, ID-D (the body, after a first line "ID-D")
 * and ID-H (the envelope and headers), in input/ or, with
 * split_spool_directory, in input/C/ where C is one base-62 character of
 * the id; both layouts are read, together, as Exim itself does. ID is 16
 * characters before Exim 4.97 and 23 from 4.97. The -H format is Exim's
 * spec, chapter "Format of spool files" (docs/queues.md has an
 * annotated example written by Exim 4.96):
 *
 *	ID-H
 *	login uid gid
 *	<sender>		("<>" for a bounce)
 *	received-time warning-count
 *	-option lines		(-frozen TIME; -aclc/-aclm NAME LEN are
 *				 followed by LEN bytes of data and "\n")
 *	XX, or the non-recipients tree, one "YN address" line per node
 *	recipient count
 *	recipients, one a line (maybe with " errors_to len,pno#flags")
 *	(blank line)
 *	headers, each "NNNc " + NNN bytes, c '*' for one not sent
 *
 * Pending recipients are those not in the tree, nor in the ID-J journal
 * that a delivery in progress appends delivered addresses to (what
 * `exim -bp` shows without "D"). The size is what `exim -bp` and
 * $message_size give: the headers that will be sent plus the -D file
 * without its first line, plus one for the blank line between.
 *
 * Rescans: Exim rewrites a -H file by writing a new one and renaming it
 * over the old, so a changed file has a new inode, or (when the old
 * inode came back) a new mtime: each -H is stat()ed and re-read only if
 * (inode, mtime, size) changed. -D never changes and is stat()ed once.
 * A directory's new -H files are read, and the other -H and new -D
 * files stat()ed, by the scanner threads (qread.c) before they are
 * taken in order here.
 *
 * The -H parser is exim_hdr.c; the records, exim_msg.c.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "queue/exim.h"

static const char *const exim_queues[] = { "input", "frozen", NULL };

static const char *const exim_spools[] = {
	"/var/spool/exim4",	/* Debian, Ubuntu */
	"/var/spool/exim",	/* upstream default, RHEL, FreeBSD */
};

static bool
is_id(const char *s, size_t n)
{
	size_t i;

	if (n != EXIM_ID_OLD && n != EXIM_ID_NEW)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '-')
			continue;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z')))
			return false;
	}
	return s[6] == '-';
}

/* input/ is 0, input/C is 1 + C's base-62 value; -1: not remembered */
static int
dir_slot(char c)
{
	if (c >= '0' && c <= '9')
		return 1 + (c - '0');
	if (c >= 'A' && c <= 'Z')
		return 11 + (c - 'A');
	if (c >= 'a' && c <= 'z')
		return 37 + (c - 'a');
	return -1;
}

static void
dir_forget(struct em_dir *dd)
{
	size_t j;

	for (j = 0; j < dd->nj; j++)
		free(dd->jids[j]);
	free(dd->jids);
	dd->jids = NULL;
	dd->nj = 0;
	dd->nrecs = 0;
	dd->mtime_ns = -1;
}

/* Re-read the messages whose -J is there, with the journal applied. */
static void
journals(struct exim *x, int dfd, char **jids, size_t nj)
{
	size_t i;

	for (i = 0; i < nj; i++) {
		struct em_msg *m = exim_tab_get(x, exim_key(jids[i],
		    strlen(jids[i])), NULL);
		char hname[40];

		if (m && m->gen == x->gen && (m->flags & EM_OK)) {
			snprintf(hname, sizeof(hname), "%s-H", jids[i]);
			exim_reload(x, m, dfd, jids[i], hname, true);
		}
	}
}

/* The directory is as it was listed: count its messages from memory. */
static void
replay(struct exim *x, int dfd, struct em_dir *dd)
{
	size_t i;

	for (i = 0; i < dd->nrecs; i++) {
		struct em_msg *m = exim_msg_at(x, dd->recs[i]);

		if (m->key == 0 || m->gen == x->gen)
			continue;
		m->gen = x->gen;
	}
	journals(x, dfd, dd->jids, dd->nj);
}

/* List the directory: every ID-H; ID-J beside it marks a delivery in
 * progress. Returns 1, 0 if something in it could not be read (then it
 * is listed again next scan), -1 if it could not be read at all. */
static int
relist(struct exim *x, int dfd, const char *rel, bool top, struct em_dir *dd)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(dfd);
	size_t cj = 0, cr = 0, i;
	bool ok = true;

	dir_forget(dd);
	dd->nsubs = 0;
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		queue_errs_add(&x->errs, errno, "cannot read %s", rel);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* a directory of the spool that cannot be read leaves its
	 * messages out: the whole queue is unknown, not smaller */
	while ((errno = 0, de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (top && n == 1 && de->d_type != DT_REG) {
			if (dd->nsubs < MH_ARRAY_SIZE(dd->subs)) {
				dd->subs[dd->nsubs][0] = de->d_name[0];
				dd->subs[dd->nsubs++][1] = (char)de->d_type;
			}
			continue;
		}
		if (n < 3 || de->d_name[n - 2] != '-' ||
		    !is_id(de->d_name, n - 2))
			continue;
		if (de->d_name[n - 1] == 'J') {
			if (dd->nj == cj) {
				cj = cj ? cj * 2 : 8;
				dd->jids = xreallocarray(dd->jids, cj,
				    sizeof(*dd->jids));
			}
			dd->jids[dd->nj++] = xstrndup(de->d_name, n - 2);
		} else if (de->d_name[n - 1] == 'H') {
			uint64_t key = exim_key(de->d_name, n - 2);
			uint32_t ri, sig;
			struct em_msg *m = exim_tab_get(x, key, &ri);

			if (m == NULL)
				m = exim_tab_add(x, key, &ri);
			else if (m->gen == x->gen)
				continue;	/* split and unsplit both */
			m->gen = x->gen;
			if (dd->nrecs == cr) {
				cr = cr ? cr + cr / 2 : 64;
				dd->recs = xreallocarray(dd->recs, cr,
				    sizeof(*dd->recs));
			}
			dd->recs[dd->nrecs++] = ri;
			/* a -H changes only by a new one renamed over it:
			 * its inode tells, without a stat. One whose
			 * journal was applied is read again as it is
			 * (journals() applies a -J still there) */
			sig = queue_ino_sig(de->d_ino);
			if (m->hsig != sig || (m->flags & EM_JOURNAL))
				exim_cand_add(x, m, de->d_name, n - 2, 'H',
				    sig);
			if (!(m->flags & EM_BODY))
				exim_cand_add(x, m, de->d_name, n - 2, 'D', 0);
			/* in batches: their scratch stays small, and
			 * the listing overlaps the reads */
			exim_take_cands(x, dfd, false);
		}
	}
	if (errno != 0) {
		queue_unknown(x->acc, -1, "exim spool %s: cannot read %s: %s",
		    x->spool, rel, strerror(errno));
		ok = false;
	}
	closedir(d);
	exim_take_cands(x, dfd, true);
	journals(x, dfd, dd->jids, dd->nj);
	/* trusted from memory next time only if everything was read */
	for (i = 0; i < dd->nrecs && ok; i++) {
		const struct em_msg *m = exim_msg_at(x, dd->recs[i]);

		if (m->gen == x->gen && (!m->hsig || !(m->flags & EM_BODY)))
			ok = false;
	}
	if (dd->nrecs)
		dd->recs = xreallocarray(dd->recs, dd->nrecs, sizeof(*dd->recs));
	return ok ? 1 : 0;
}

/* input/ or input/C/, then (input/) its split subdirectories. */
static int
scan_dir(struct exim *x, int dfd, const char *rel, int slot)
{
	struct em_dir tmp, *dd = slot >= 0 ? &x->dirs[slot] : &tmp;
	struct stat sb;
	int64_t mt = -1;
	bool ok;
	size_t i;

	memset(&tmp, 0, sizeof(tmp));
	tmp.mtime_ns = -1;
	if (fstat(dfd, &sb) == 0)
		mt = queue_mtime_ns(&sb);
	if (mt >= 0 && dd->mtime_ns == mt && dd->ino == (uint64_t)sb.st_ino) {
		replay(x, dfd, dd);
		ok = true;
	} else {
		int rc = relist(x, dfd, rel, slot == 0, dd);

		if (rc < 0) {
			if (slot == 0)
				return -1;
			queue_unknown(x->acc, -1, "exim spool %s: %s",
			    x->spool, x->errs.first);
		}
		ok = rc > 0;
	}
	dd->ino = (uint64_t)sb.st_ino;
	/* an mtime less than a second old may move again unseen (coarse
	 * clocks): such a directory is listed again next time */
	dd->mtime_ns = (ok && mt >= 0 && mt <= x->fresh_ns) ? mt : -1;
	for (i = 0; i < dd->nrecs; i++) {
		struct em_msg *m = exim_msg_at(x, dd->recs[i]);

		if (m->gen == x->gen && m->hsig)
			exim_msg_report(x, m, x->acc);
	}
	/* a split directory no longer there is forgotten (were it renamed
	 * back, its inode and mtime would say "unchanged") */
	if (slot == 0) {
		bool there[EM_DIRS] = { false };
		int k;

		for (i = 0; i < dd->nsubs; i++)
			if ((k = dir_slot(dd->subs[i][0])) > 0)
				there[k] = true;
		for (k = 1; k < EM_DIRS; k++)
			if (!there[k] && x->dirs[k].mtime_ns >= 0)
				dir_forget(&x->dirs[k]);
	}
	/* the split subdirectories, once this one is done with */
	for (i = 0; slot == 0 && i < dd->nsubs; i++) {
		char name[2] = { dd->subs[i][0], '\0' }, r[64];
		int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);

		snprintf(r, sizeof(r), "%s/%s", rel, name);
		if (sub >= 0) {
			scan_dir(x, sub, r, dir_slot(name[0]));
			close(sub);
		} else if (errno != ENOTDIR || dd->subs[i][1] == DT_LNK) {
			queue_unknown(x->acc, -1,
			    "exim spool %s: cannot open %s: %s", x->spool, r,
			    strerror(errno));
			if (dir_slot(name[0]) > 0)
				dir_forget(&x->dirs[dir_slot(name[0])]);
		}
	}
	if (dd == &tmp) {
		dir_forget(&tmp);
		free(tmp.recs);
	}
	return 0;
}

static int
exim_scan(void *arg, struct queue_acc *acc)
{
	struct exim *x = arg;
	int dfd;

	x->gen++;
	if (x->gen == 0)
		x->gen = 1;
	memset(&x->errs, 0, sizeof(x->errs));
	x->acc = acc;
	dfd = open(x->input, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		queue_unknown(acc, -1, "exim spool %s: %s", x->input,
		    strerror(errno));
		return -1;
	}
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		x->fresh_ns = ((int64_t)ts.tv_sec - 1) * 1000000000 +
		    ts.tv_nsec;
	}
	if (scan_dir(x, dfd, "input", 0) < 0) {
		queue_unknown(acc, -1, "exim spool %s: %s", x->spool,
		    x->errs.first);
		close(dfd);
		return -1;
	}
	close(dfd);
	exim_tab_sweep(x);
	if (x->errs.n)
		queue_error(acc, "exim spool %s: %s (%u problem%s)", x->spool,
		    x->errs.first, x->errs.n, x->errs.n == 1 ? "" : "s");
	return 0;
}

static const char *
exim_root(const struct conf_mta *c)
{
	char p[4096];
	struct stat st;
	size_t i;

	if (c->spool_directory)
		return c->spool_directory;
	for (i = 0; i < MH_ARRAY_SIZE(exim_spools); i++) {
		snprintf(p, sizeof(p), "%s/input", exim_spools[i]);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			return exim_spools[i];
	}
	return exim_spools[0];
}

static bool
exim_detect(const struct conf_mta *c)
{
	const char *root = c->kind == MH_MTA_EXIM || c->is_auto ?
	    exim_root(c) : exim_root(&(struct conf_mta){ 0 });
	char p[4096];
	struct stat st;

	snprintf(p, sizeof(p), "%s/input", root);
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	snprintf(p, sizeof(p), "%s/msglog", root);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void *
exim_open(const struct conf_mta *c)
{
	struct exim *x;
	const char *root = exim_root(c);
	char p[4096];
	struct stat st;

	snprintf(p, sizeof(p), "%s/input", root);
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_warn("queue", "%s is not an Exim spool", p);
		return NULL;
	}
	x = xcalloc(1, sizeof(*x));
	x->spool = xstrdup(root);
	x->input = xstrdup(p);
	exim_tab_init(x);
	return x;
}

static void
exim_close(void *arg)
{
	struct exim *x = arg;

	if (x == NULL)
		return;
	exim_tab_free(x);
	qread_free(x->qr);
	exim_hdr_clear(&x->hdr);
	free(x->buf);
	free(x->jbuf);
	free(x->rcpt);
	free(x->spool);
	free(x->input);
	free(x);
}

const struct queue_reader queue_exim = {
	.name = "exim",
	.mta = MH_MTA_EXIM,
	.queues = exim_queues,
	.detect = exim_detect,
	.open = exim_open,
	.scan = exim_scan,
	.close = exim_close,
};
