/*
 * queue_postfix.c: the Postfix queue, read on disk (no postqueue/showq).
 *
 * The record format and what we read of it: pf_record.c. The tree of
 * directories: pf_dir.c; one file: pf_file.c.
 *
 * Which files count (as showq): regular files named like queue ids with
 * owner rwx (mode 0700 = MAIL_QUEUE_STAT_READY). Cleanup and postdrop
 * create files 0600 and add the x bit when the file is complete, so a
 * file without it in incoming/ or maildrop/ is still being written: it is
 * "in flight", not counted, and checked again next scan. corrupt/ is
 * counted whatever its modes (files there are 0400 or worse), without
 * errors for what cannot be parsed; a file there without a readable
 * sender counts in the totals but not in top senders. A file that vanishes between readdir and open is normal
 * (Postfix renames files between queues all the time) and is skipped.
 * A file can be seen twice or not at all when it moves during a scan;
 * showq has the same race, and the next scan is right again.
 *
 * Incremental rescans. The reader keeps a tree of the queue's
 * directories, each with what every file in it held (inode, mtime,
 * arrival, size, sender, recipient domains). Per directory, per scan:
 *   - its mtime and inode are unchanged since it was listed: no file
 *     came, went or was renamed there, so it is not even read again;
 *     its files are counted from memory;
 *   - else it is listed again (readdir gives d_ino and d_type, so no
 *     stat): a file whose name and inode are known keeps its record,
 *     new ones are read, vanished ones forgotten.
 * A known file is trusted as is because outside the active queue
 * Postfix never rewrites a queue file in place: every change is a new
 * file or a rename (and a rename is a new name in another directory).
 * Exceptions, stat()ed every scan and re-read if inode or mtime moved:
 *   - active/: delivery agents mark recipients done in place;
 *   - hold/: "postsuper -h" can move a file out of active while a
 *     delivery agent still writes to it, so a held file is re-checked
 *     while its mtime is less than an hour old (or in the future, as
 *     qmgr sets it on deferred mail);
 *   - files that were in flight or could not be read.
 * Timestamps are coarse (a clock tick), so an mtime less than a second
 * older than the scan is not trusted: such a directory is listed again
 * and such a file re-read next time (git's "racy" rule). The first read
 * of a deferred file is open, one pread, close: no stat, since the short
 * read gives its length and deferred files are always complete.
 * So a rescan of an unchanged 100,000-message queue reads no file and
 * no deferred directory; it costs less than `find -type f | wc -l`.
 *
 * Memory: a file is a 40-byte record (pf.h), its name and an index
 * slot; its sender and recipient domains are ids in two strtabs (a
 * sender met once is kept by hash only: strtab.c), reclaimed by mark and
 * sweep: every scan touches every live record, so ids not touched in a
 * scan are garbage.
 *
 * New files are read by the scanner threads (qpool.c) in batches of
 * PF_JOBS, then taken in order on the collector's thread (pf_dir.c).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "queue/pf.h"

static const char *const pf_queue_names[PQ_N + 1] = {
	"maildrop", "incoming", "active", "deferred", "hold", "corrupt", NULL,
};

static int
pf_scan(void *arg, struct queue_acc *acc)
{
	struct pf_state *st = arg;
	struct timespec ts;
	int rootfd, qi, found = 0;

	/* the scanner threads start with the first scan, on the collector's
	 * thread: never before a fork, never on the SNMP thread */
	if (st->workers == NULL) {
		st->pool = qpool_new(queue_threads());
		st->workers = xcalloc((size_t)qpool_size(st->pool),
		    sizeof(*st->workers));
		for (qi = 0; qi < qpool_size(st->pool); qi++)
			st->workers[qi].head = xmalloc(PF_HEAD);
	}
	st->gen++;
	clock_gettime(CLOCK_REALTIME, &ts);
	st->now = ts.tv_sec;
	st->fresh_ns = ((int64_t)ts.tv_sec - 1) * 1000000000 + ts.tv_nsec;
	st->acc = acc;
	st->nerr = st->nerr_hidden = 0;
	rootfd = open(st->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		queue_unknown(acc, -1, "%s: %s", st->root, strerror(errno));
		return -1;
	}
	for (qi = 0; qi < PQ_N; qi++) {
		const char *q = pf_queue_names[qi];
		int dfd = openat(rootfd, q, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);

		if (dfd < 0) {
			/* corrupt/ and hold/ may be missing on old installs;
			 * any other queue directory, or one we have read
			 * before, is missing from the numbers: unknown */
			if (errno != ENOENT || qi < PQ_HOLD ||
			    (st->had_queue & (1u << qi)))
				queue_unknown(acc, qi, "%s/%s: %s",
				    st->root, q, strerror(errno));
			pf_dir_free(st->queues[qi]);
			st->queues[qi] = NULL;
			continue;
		}
		found++;
		st->had_queue |= 1u << qi;
		if (st->queues[qi] == NULL)
			st->queues[qi] = pf_dir_new(q);
		snprintf(st->path, sizeof(st->path), "%s", q);
		pf_dir_scan(st, qi, st->queues[qi], dfd, strlen(q), 0);
	}
	close(rootfd);
	strtab_sweep(st->senders, st->gen);
	strtab_sweep(st->domains, st->gen);
	st->acc = NULL;
	if (st->nerr_hidden)
		queue_error(acc, "%s: %u more unreadable queue files not listed",
		    st->root, st->nerr_hidden);
	if (found == 0) {
		queue_error(acc, "%s: no Postfix queue directories (deferred, "
		    "active, ...) in it", st->root);
		return -1;
	}
	return 0;
}

static const char *
pf_root(const struct conf_mta *m)
{
	return m && m->queue_directory && m->queue_directory[0] ?
	    m->queue_directory : PF_DEFAULT_ROOT;
}

/* mta auto: a Postfix queue directory is there (filesystem only). */
static bool
pf_detect(const struct conf_mta *m)
{
	static const char *const need[] = { "active", "deferred", "incoming" };
	const char *root = pf_root(m);
	char p[4096];
	struct stat sb;
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(need); i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", root, need[i]) >=
		    sizeof(p))
			return false;
		if (stat(p, &sb) < 0 || !S_ISDIR(sb.st_mode))
			return false;
	}
	return true;
}

static void *
pf_open(const struct conf_mta *m)
{
	const char *root = pf_root(m);
	struct pf_state *st;
	struct stat sb;

	if (stat(root, &sb) < 0) {
		log_warn("queue", "postfix queue directory %s", root);
		return NULL;
	}
	if (!S_ISDIR(sb.st_mode)) {
		log_warnx("queue", "postfix queue directory %s: not a "
		    "directory", root);
		return NULL;
	}
	st = xcalloc(1, sizeof(*st));
	st->root = xstrdup(root);
	st->senders = strtab_new(QUEUE_KEEP_ONCE);
	st->domains = strtab_new(SIZE_MAX);
	return st;
}

static void
pf_close(void *arg)
{
	struct pf_state *st = arg;
	int qi;

	if (st == NULL)
		return;
	for (qi = 0; qi < PQ_N; qi++)
		pf_dir_free(st->queues[qi]);
	for (qi = 0; st->workers && qi < qpool_size(st->pool); qi++) {
		free(st->workers[qi].head);
		free(st->workers[qi].win);
		free(st->workers[qi].arena);
	}
	qpool_free(st->pool);
	free(st->workers);
	strtab_free(st->senders);
	strtab_free(st->domains);
	free(st->jobs);
	free(st->rv);
	free(st->root);
	free(st);
}

const struct queue_reader queue_postfix = {
	.name = "postfix",
	.mta = MH_MTA_POSTFIX,
	.queues = pf_queue_names,
	.detect = pf_detect,
	.open = pf_open,
	.scan = pf_scan,
	.close = pf_close,
};
