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
 *
 * The -H parser is exim_hdr.c.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queue/queue.h"

#define EXIM_ID_OLD 16
#define EXIM_ID_NEW 23
#define EXIM_FILE_MAX (64u << 20)

enum { Q_INPUT, Q_FROZEN };
static const char *const exim_queues[] = { "input", "frozen", NULL };

static const char *const exim_spools[] = {
	"/var/spool/exim4",	/* Debian, Ubuntu */
	"/var/spool/exim",	/* upstream default, RHEL, FreeBSD */
};

/* One message, in the qcache entry keyed by its id. */
struct em_msg {
	uint64_t hsig;		/* -H inode/mtime/size */
	uint64_t size;		/* as exim -bp: headers sent + body + 1 */
	uint64_t hdr_bytes;
	int64_t received;
	uint32_t npending;
	bool frozen;
	bool journal;		/* pending counted after a -J */
	bool body_sized;	/* -D was stat()ed */
	bool ok;		/* -H parsed */
	char blob[];		/* sender "\0", then npending "@domain\0" */
};

struct exim {
	char *spool;
	char *input;		/* spool/input */
	struct qcache *cache;
	uint32_t gen;
	char *buf;
	size_t bufcap;
	char *jbuf;
	size_t jcap;
	struct exim_hdr hdr;
	const char **rcpt;
	size_t rcptcap;
	struct queue_acc *acc;	/* of the scan under way */
	struct queue_errs errs;
	bool unknown;		/* queue_unknown() called this scan */
};

/* ------------------------------------------------------------------ */
/* The reader. */

static void exim_unknown(struct exim *, const char *fmt, ...) MH_PRINTF(2, 3);

/* A directory of the spool could not be read: the whole queue is
 * unknown this round (said once a scan). */
static void
exim_unknown(struct exim *x, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (x->unknown)
		return;
	x->unknown = true;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	queue_unknown(x->acc, -1, "%s", buf);
}

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

static uint64_t
file_sig(const struct stat *st)
{
	uint64_t h = (uint64_t)st->st_ino * 0x9E3779B97F4A7C15ULL;

	h ^= ((uint64_t)st->st_mtim.tv_sec * 1000000000u +
	    (uint64_t)st->st_mtim.tv_nsec) + 0x632BE59BD9B4E019ULL +
	    (h << 6) + (h >> 2);
	h ^= (uint64_t)st->st_size * 0xC2B2AE3D27D4EB4FULL;
	return h ? h : 1;
}

/* A fresh record from the parsed header (pending as in x->hdr). */
static struct em_msg *
msg_build(const struct exim_hdr *h, uint64_t hsig)
{
	size_t total = strlen(h->sender) + 1, i;
	struct em_msg *m;
	char *p;

	for (i = 0; i < h->npending; i++) {
		const char *at = strrchr(h->rcpt[i], '@');

		total += (at ? strlen(at) : 0) + 1;
	}
	m = xcalloc(1, sizeof(*m) + total);
	m->hsig = hsig;
	m->hdr_bytes = h->hdr_bytes;
	m->received = (int64_t)h->received;
	m->npending = (uint32_t)h->npending;
	m->frozen = h->frozen;
	m->ok = true;
	p = m->blob;
	strcpy(p, h->sender);
	p += strlen(p) + 1;
	for (i = 0; i < h->npending; i++) {
		const char *at = strrchr(h->rcpt[i], '@');
		size_t l = at ? strlen(at) : 0;

		memcpy(p, at ? at : "", l);
		p[l] = '\0';
		p += l + 1;
	}
	return m;
}

/* Read ID-H (and ID-J when there), give the entry its record. */
static void
load_msg(struct exim *x, int dfd, const char *id, const char *hname,
    struct qcache_ent *ent, uint64_t hsig, bool journal)
{
	struct stat st;
	ssize_t len;
	const char *why;
	struct em_msg *m, *old = ent->data;

	len = read_file(x, dfd, hname, &x->buf, &x->bufcap, &st);
	if (len < 0) {
		if (len == -2)
			ent->gen = 0;	/* gone: swept below */
		return;
	}
	if (exim_hdr_parse(x->buf, (size_t)len, &x->hdr, &why) < 0 ||
	    strcmp(x->hdr.id, id) != 0) {
		/* counted as a message, with what Exim would not know */
		queue_errs_add(&x->errs, 0, "%s: %s", hname, why ? why :
		    "id differs from the file name");
		m = xcalloc(1, sizeof(*m) + 1);
		m->hsig = file_sig(&st);
		m->received = st.st_mtim.tv_sec;
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
		m = msg_build(&x->hdr, hsig);
		m->journal = journal;
	}
	if (old && old->body_sized) {
		m->size = old->size - old->hdr_bytes + m->hdr_bytes;
		m->body_sized = true;
	}
	free(old);
	ent->data = m;
}

/* The -D part of the size, once: the file less its "ID-D\n" line, plus
 * the blank line between headers and body. */
static void
size_body(struct exim *x, int dfd, const char *id, struct em_msg *m)
{
	char dname[40];
	struct stat st;
	size_t idl = strlen(id);

	snprintf(dname, sizeof(dname), "%s-D", id);
	if (fstatat(dfd, dname, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			queue_errs_add(&x->errs, errno,
			    "cannot stat %s", dname);
		m->size = m->hdr_bytes;
		return;
	}
	m->size = m->hdr_bytes + ((uint64_t)st.st_size > idl + 3 ?
	    (uint64_t)st.st_size - (idl + 3) + 1 : 1);
	m->body_sized = true;
}

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

static void
report_msg(struct exim *x, struct em_msg *m, struct queue_acc *acc)
{
	struct queue_msg qm;
	const char *p = m->blob;
	uint32_t i;

	if (m->npending > x->rcptcap) {
		x->rcptcap = (size_t)m->npending * 2;
		x->rcpt = xreallocarray(x->rcpt, x->rcptcap, sizeof(*x->rcpt));
	}
	memset(&qm, 0, sizeof(qm));
	qm.queues = 1u << Q_INPUT;
	if (m->frozen)
		qm.queues |= 1u << Q_FROZEN;
	qm.arrival = (time_t)m->received;
	qm.size = m->size;
	qm.sender = m->ok ? p : NULL;
	p += strlen(p) + 1;
	for (i = 0; i < m->npending; i++) {
		x->rcpt[i] = p;
		p += strlen(p) + 1;
	}
	qm.nrcpt = m->npending;
	qm.rcpt = x->rcpt;
	queue_add(acc, &qm);
}

/* input/ or input/C/: every ID-H; ID-J beside it marks a delivery in
 * progress. The journals are looked for in the same pass. */
static int
scan_dir(struct exim *x, int dfd, const char *rel, bool top)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(dfd);
	char **jids = NULL;
	struct qcache_ent **seen = NULL;
	size_t nj = 0, cj = 0, ns = 0, cs = 0, i;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		queue_errs_add(&x->errs, errno, "cannot read %s", rel);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* a directory of the spool that cannot be read leaves its
	 * messages out: the whole queue is unknown, not smaller */
	/* a journal may come before or after its -H in readdir order:
	 * remember the journals, apply them once the directory is read,
	 * then report this directory's messages */
	while ((errno = 0, de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (top && n == 1 && de->d_type != DT_REG) {
			int sub = openat(dfd, de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			char r[64];

			snprintf(r, sizeof(r), "%s/%s", rel, de->d_name);
			if (sub >= 0) {
				scan_dir(x, sub, r, false);
				close(sub);
			} else if (errno != ENOTDIR || de->d_type == DT_LNK)
				exim_unknown(x, "exim spool %s: cannot open "
				    "%s: %s", x->spool, r, strerror(errno));
			continue;
		}
		if (n < 3 || de->d_name[n - 2] != '-' ||
		    !is_id(de->d_name, n - 2))
			continue;
		if (de->d_name[n - 1] == 'J') {
			if (nj == cj) {
				cj = cj ? cj * 2 : 8;
				jids = xreallocarray(jids, cj, sizeof(*jids));
			}
			jids[nj++] = xstrndup(de->d_name, n - 2);
		} else if (de->d_name[n - 1] == 'H') {
			char id[EXIM_ID_NEW + 1];
			struct qcache_ent *ent;
			struct stat st;
			uint64_t sig;

			memcpy(id, de->d_name, n - 2);
			id[n - 2] = '\0';
			if (fstatat(dfd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0) {
				if (errno != ENOENT)
					queue_errs_add(&x->errs, errno,
					    "cannot stat %s/%s",
					    rel, de->d_name);
				continue;
			}
			sig = file_sig(&st);
			ent = qcache_insert(x->cache, id);
			if (ent->gen == x->gen)
				continue;	/* split and unsplit both */
			ent->gen = x->gen;
			if (ns == cs) {
				cs = cs ? cs * 2 : 64;
				seen = xreallocarray(seen, cs, sizeof(*seen));
			}
			seen[ns++] = ent;
			if (ent->data == NULL ||
			    ((struct em_msg *)ent->data)->hsig != sig ||
			    ((struct em_msg *)ent->data)->journal)
				load_msg(x, dfd, id, de->d_name, ent, sig,
				    false);
			if (ent->data && !((struct em_msg *)ent->data)->body_sized)
				size_body(x, dfd, id, ent->data);
		}
	}
	if (errno != 0)
		exim_unknown(x, "exim spool %s: cannot read %s: %s", x->spool,
		    rel, strerror(errno));
	closedir(d);
	/* a -J: re-read that message with its journal applied */
	for (i = 0; i < nj; i++) {
		struct qcache_ent *ent = qcache_lookup(x->cache, jids[i]);
		char hname[40];

		if (ent && ent->gen == x->gen && ent->data &&
		    ((struct em_msg *)ent->data)->ok) {
			snprintf(hname, sizeof(hname), "%s-H", jids[i]);
			load_msg(x, dfd, jids[i], hname, ent,
			    ((struct em_msg *)ent->data)->hsig, true);
		}
		free(jids[i]);
	}
	free(jids);
	/* qcache entries stay put while the cache grows: no sweep yet */
	for (i = 0; i < ns; i++)
		if (seen[i]->gen == x->gen && seen[i]->data)
			report_msg(x, seen[i]->data, x->acc);
	free(seen);
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
	x->unknown = false;
	dfd = open(x->input, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		queue_unknown(acc, -1, "exim spool %s: %s", x->input,
		    strerror(errno));
		return -1;
	}
	if (scan_dir(x, dfd, "input", true) < 0) {
		queue_unknown(acc, -1, "exim spool %s: %s", x->spool,
		    x->errs.first);
		close(dfd);
		return -1;
	}
	close(dfd);
	qcache_sweep(x->cache, x->gen);
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

static void
free_msg(void *p)
{
	free(p);
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
	x->cache = qcache_new(free_msg);
	return x;
}

static void
exim_close(void *arg)
{
	struct exim *x = arg;

	if (x == NULL)
		return;
	qcache_free(x->cache);
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
