/*
 * pf.h: the Postfix queue reader's private header, by file:
 * queue_postfix.c (the reader: scan, open, close), pf_dir.c (the tree
 * of queue directories), pf_file.c (one queue file). The record parser
 * (pf_record.c), interned strings (strtab.c) and the scanner threads
 * (qpool.c) are declared in queue.h.
 */
#ifndef MH_PF_H
#define MH_PF_H

#include <sys/stat.h>

#include "queue/queue.h"

#define PF_DEFAULT_ROOT "/var/spool/postfix"
#define PF_HEAD 16384		/* first read: most queue files fit whole */
#define PF_MAXDEPTH 8		/* hash_queue_depth is at most a few */
#define PF_ERRMAX 10		/* errors reported one by one per scan */
#define PF_HOLD_FRESH 3600	/* seconds a held file is re-checked */
#define PF_JOBS 4096		/* files read in one parallel batch */
#define PF_ADDR_MAX 511		/* queue.c's top-N keys are this long */

enum pf_queue {
	PQ_MAILDROP, PQ_INCOMING, PQ_ACTIVE, PQ_DEFERRED, PQ_HOLD, PQ_CORRUPT,
	PQ_N
};

#define PF_MT_UNKNOWN UINT32_MAX	/* mt_nsec: deferred files are read unstat()ed */

enum pf_fstate {
	PF_PARSED,		/* counted if it has a sender */
	PF_INFLIGHT,		/* still being written: no owner x bit */
	PF_FAILED,		/* unreadable; reported once */
	PF_GONE,		/* moved to a new list, or vanished */
};

/*
 * One queue file, 40 bytes: a million-message queue of a million junk
 * senders must fit in well under 100 bytes a message, all told (with
 * its name, its index slot, and its sender's entry in the strtab).
 * Seconds and sizes are 32 bits: an arrival after 2106 or a queue file
 * over 4 GiB is not a case (a size that big is saturated).
 */
struct pf_file {
	uint32_t ino;		/* low 32 bits of the inode */
	uint32_t name;		/* offset in the directory's name pool */
	uint32_t mt_sec, mt_nsec;	/* mtime, or mt_nsec PF_MT_UNKNOWN */
	uint32_t arrival;
	uint32_t size;
	uint32_t sender;	/* id in st->senders; 0: no sender, not counted */
	uint32_t rcpt;		/* nrcpt 1: id in st->domains; more: offset
				 * in the directory's recipient pool */
	uint32_t nrcpt;
	uint8_t state;
	uint8_t unknown;	/* corrupt/, no readable sender: counted with
				 * an unknown sender */
};

/* The domain ids of files with more than one recipient, per directory. */
struct pf_rpool {
	uint32_t *v;
	size_t n, cap;
};

struct pf_dir {
	char *name;		/* last path component */
	uint64_t ino;
	int64_t mtime_ns;	/* -1: list it again next scan */
	struct pf_file *files;
	size_t nfiles;
	char *names;		/* NUL-terminated names, one per file */
	uint32_t *idx;		/* name hash -> file index + 1 */
	size_t idxmask;
	struct pf_rpool rpool;
	struct pf_dir **subs;
	size_t nsubs;
};

/*
 * A file being read, by a scanner thread (pf_job_load: system calls and
 * the record parser only) and then taken into its record on the
 * collector's thread (pf_job_take: errors, interning, counting). The
 * sender and domains are lowercased into the worker's arena.
 */
struct pf_job {
	const char *name;	/* into the listing's name pool */
	uint32_t fi;		/* the record's index in the new list */
	uint32_t ino;
	int rc;			/* -1: gone */
	uint8_t state;
	bool have_sender, have_time, size_ok;
	int err;		/* errno of a failed open or read */
	const char *why;	/* the parser's complaint, NULL if none */
	int64_t mtime_ns;	/* PF_MTIME_UNKNOWN: not stat()ed */
	int64_t arrival;
	uint64_t size, flen;
	int worker;
	size_t soff, slen;	/* sender, in the worker's arena */
	size_t roff;		/* domains: rn NUL-terminated "@dom" */
	uint32_t rn;
};

#define PF_MTIME_UNKNOWN INT64_MIN

struct pf_worker {
	unsigned char *head, *win;
	size_t wincap;
	char *arena;
	size_t alen, acap;
};

struct pf_state {
	char *root;
	struct pf_dir *queues[PQ_N];
	struct strtab *senders, *domains;
	struct qpool *pool;
	struct pf_worker *workers;	/* qpool_size() of them */
	uint32_t gen;
	time_t now;
	int64_t fresh_ns;	/* mtimes after this are too recent to trust */
	/* per scan */
	struct queue_acc *acc;
	unsigned nerr, nerr_hidden;
	uint32_t had_queue;	/* queue directories read at least once */
	/* scratch */
	const char **rv;
	size_t rcap;
	struct pf_job *jobs;
	size_t njobs, cjobs;
	int dfd;		/* of the directory the jobs are in */
	int qi;
	char path[4096];	/* "deferred/A/A07A81514", for messages */
};

/* pf_file.c */
void pf_err(struct pf_state *, const char *fmt, ...) MH_PRINTF(2, 3);
uint32_t pf_name_hash(const char *);
int64_t pf_file_mtime(const struct pf_file *);
void pf_file_clear(struct pf_file *);
void pf_file_count(struct pf_state *, int qi, const struct pf_rpool *,
    const struct pf_file *);
/* The parallel part: read the jobs st->jobs[0..njobs) of directory
 * st->dfd with the pool. */
void pf_jobs_load(struct pf_state *);
/* The rest, on the caller's thread: f from the job; -1 if it is gone. */
int pf_job_take(struct pf_state *, struct pf_rpool *, const struct pf_job *,
    struct pf_file *);
int pf_file_read(struct pf_state *, int qi, int dfd, const char *name,
    struct pf_rpool *, struct pf_file *);
int pf_file_check(struct pf_state *, int qi, int dfd, const char *name,
    struct pf_rpool *, struct pf_file *);
bool pf_name_ok(const char *name);
bool pf_ready(int qi, mode_t mode);
/* Files parsed since the program started: a test hook, not API (the
 * unit tests declare it themselves). */
unsigned long queue_postfix_files_read(void);

/* pf_dir.c */
struct pf_dir *pf_dir_new(const char *name);
void pf_dir_free(struct pf_dir *);
/* One directory (fd dfd, consumed), st->path[0..plen) naming it. */
void pf_dir_scan(struct pf_state *, int qi, struct pf_dir *, int dfd,
    size_t plen, int depth);

#endif
