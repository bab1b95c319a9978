/*
 * pf.h: the Postfix queue reader's private header, by file:
 * queue_postfix.c (the reader: scan, open, close), pf_dir.c (the tree
 * of queue directories), pf_file.c (one queue file), itab.c (interned
 * strings). The record parser, pf_record.c, is declared in queue.h.
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
#define PF_ADDR_MAX 511		/* queue.c's top-N keys are this long */

enum pf_queue {
	PQ_MAILDROP, PQ_INCOMING, PQ_ACTIVE, PQ_DEFERRED, PQ_HOLD, PQ_CORRUPT,
	PQ_N
};

/* itab.c: interned strings, reclaimed by mark and sweep */
struct istr {
	struct istr *next;
	uint32_t hash;
	uint32_t gen;
	char s[];
};

struct itab {
	struct istr **b;
	size_t nb, n;		/* nb: power of two */
};

uint32_t itab_hash(const char *s, size_t n);
void itab_init(struct itab *);
/* The interned copy of s[0..n) (n bytes, no NUL inside). */
const char *itab_get(struct itab *, const char *s, size_t n, uint32_t gen);
void itab_mark(const char *s, uint32_t gen);
void itab_sweep(struct itab *, uint32_t gen);
void itab_free(struct itab *);

/* The reader's state.
 *
 * The queue is remembered as a tree of directories, each with the files
 * it held at the last scan, so a rescan can skip everything that did not
 * change (see the top). Why a tree of our own rather than qcache.c: the
 * per-directory lists are what lets a rescan skip readdir and every
 * per-file lookup when a directory's mtime says nothing came or went,
 * and they hold a message in about 90 bytes (record, name, index slot),
 * where a qcache entry plus a separate record took about 150: 100,000
 * messages fit in well under 32 MB of RSS for the whole daemon. */

#define PF_MTIME_UNKNOWN INT64_MIN	/* deferred files are read unstat()ed */

enum pf_fstate {
	PF_PARSED,		/* counted if it has a sender */
	PF_INFLIGHT,		/* still being written: no owner x bit */
	PF_FAILED,		/* unreadable; reported once */
	PF_GONE,		/* moved to a new list, or vanished */
};

struct pf_file {
	uint64_t ino;
	int64_t mtime_ns;
	int64_t arrival;
	uint64_t size;
	const char *sender;	/* interned; NULL: no sender, not counted */
	union {
		const char *one;	/* nrcpt == 1 */
		const char **many;	/* nrcpt > 1, malloc'ed */
	} rcpt;			/* interned "@domain", "" without a domain */
	uint32_t nrcpt;
	uint32_t name;		/* offset in the directory's name pool */
	uint8_t state;
	uint8_t unknown;	/* corrupt/, no readable sender: counted with
				 * an unknown sender (sender NULL) */
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
	struct pf_dir **subs;
	size_t nsubs;
};

struct pf_state {
	char *root;
	struct pf_dir *queues[PQ_N];
	struct itab strs;
	uint32_t gen;
	time_t now;
	int64_t fresh_ns;	/* mtimes after this are too recent to trust */
	/* per scan */
	struct queue_acc *acc;
	unsigned nerr, nerr_hidden;
	uint32_t unknown;	/* rows reported unknown this scan */
	uint32_t had_queue;	/* queue directories read at least once */
	/* scratch */
	unsigned char *head, *win;
	size_t wincap;
	const char **rv;
	size_t rn, rcap;
	const char *sender;
	char path[4096];	/* "deferred/A/A07A81514", for messages */
};
/* pf_file.c */
void pf_err(struct pf_state *, const char *fmt, ...) MH_PRINTF(2, 3);
void pf_unknown(struct pf_state *, int qi, const char *fmt, ...)
    MH_PRINTF(3, 4);
void pf_file_clear(struct pf_file *);
void pf_file_count(struct pf_state *, int qi, const struct pf_file *);
int pf_file_read(struct pf_state *, int qi, int dfd, const char *name,
    struct pf_file *);
int pf_file_check(struct pf_state *, int qi, int dfd, const char *name,
    struct pf_file *);
bool pf_name_ok(const char *name);
bool pf_ready(int qi, mode_t mode);
int64_t pf_mtime_ns(const struct stat *);
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
