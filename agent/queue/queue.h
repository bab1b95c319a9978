/*
 * queue.h: the queue collector (queue.c) and the MTA readers that walk
 * each MTA's queue on disk: Postfix (queue_postfix.c with its record
 * parser pf_record.c), qmail (queue_qmail.c with its envelope parser
 * qmail_env.c) and Exim (queue_exim.c with its -H parser exim_hdr.c).
 * Adding an MTA is one reader file and one row in queue.c's readers[].
 */
#ifndef MH_QUEUE_H
#define MH_QUEUE_H

#include <sys/stat.h>

#include "core/core.h"

/* ------------------------------------------------------------------ */
/* The queue collector's configuration (queue_conf.c: the `mta` section)
 * and its part of the snapshot (queue_fields.c describes it for the
 * MIB, the JSON, the text report and the alarms). */

enum mh_mta {
	MH_MTA_NONE = 1,	/* values are the MIB's MhMta enumeration */
	MH_MTA_POSTFIX = 2,
	MH_MTA_QMAIL = 3,
	MH_MTA_EXIM = 4,
};
const char *mta_name(enum mh_mta);

struct conf_mta {
	enum mh_mta kind;	/* NONE when "auto" found nothing */
	bool is_auto;
	char *queue_directory;	/* postfix, qmail */
	char *spool_directory;	/* exim */
	long split;		/* qmail conf-split */
	long many_rcpt;		/* "many recipients" threshold */
	long top_n;		/* rows kept in the top sender/domain lists */
	long topk_counters;	/* Space-Saving counters per list */
};

/* What a queue part has: a clear bit is unknown (noSuchInstance, null
 * in the JSON, no alarm value), never zero. */
#define SNAP_HAVE_QUEUE		0x0001u	/* totals */
#define SNAP_HAVE_QUEUE_GROWTH	0x0002u
#define SNAP_HAVE_QUEUE_TOP	0x0004u
#define SNAP_HAVE_QUEUE_RCPT	0x0008u	/* recipients were counted */
#define SNAP_HAVE_QUEUE_ROW	0x0100u	/* a row's counts (row have word) */

#define SNAP_QUEUES_MAX 8

struct snap_queue {
	uint32_t have;		/* SNAP_HAVE_QUEUE_ROW, SNAP_HAVE_QUEUE_RCPT */
	char name[16];		/* "deferred", "todo", "input" */
	uint64_t messages;
	uint64_t bytes;
	uint64_t recipients;	/* pending recipients */
	time_t oldest;		/* arrival time of the oldest, 0 if empty */
};

struct queue_part {
	uint32_t have;		/* SNAP_HAVE_QUEUE* */
	int mta;		/* enum mh_mta */
	size_t nqueues;
	struct snap_queue queues[SNAP_QUEUES_MAX];
	uint64_t q_messages, q_bytes, q_recipients;
	uint64_t q_bounces;	/* null sender (MAILER-DAEMON) */
	uint64_t q_manyrcpt;	/* messages with more than many_rcpt recipients */
	time_t q_oldest;	/* 0 if the queue is empty */
	int64_t q_growth;	/* messages per minute, SNAP_HAVE_QUEUE_GROWTH */
	struct snap_toplist top_senders;	/* by messages */
	struct snap_toplist top_domains;	/* by pending recipients */
};

extern const struct collector collector_queue;	/* queue.c */
/* queue_conf.c */
extern cfg_opt_t queue_conf_opts[];
void queue_conf_validate(cfg_t *);
int queue_conf_read(cfg_t *, struct conf *, struct conf_col *, char **err);
void queue_conf_free(void *);
/* queue_fields.c */
extern const struct fgroup queue_groups[];
extern const size_t queue_ngroups;
void queue_part_free(void *);

/* ------------------------------------------------------------------ */
/* queue.c: the queue collector common to every MTA.
 *
 * A queue reader walks the MTA's queue on disk and reports each message
 * to queue_add(); queue.c turns those into the snapshot's totals, per-
 * queue rows and top-N tables. */

struct queue_msg {
	uint32_t queues;	/* bit i: counts in the reader's queue i row;
				 * usually one bit, qmail may set local and
				 * remote both. Totals count the message once. */
	time_t arrival;		/* 0 if unknown: then it does not count
				 * toward the oldest age (readers fall back
				 * to the file's mtime themselves) */
	uint64_t size;		/* message bytes (headers and body) */
	const char *sender;	/* envelope sender, "" = null sender, NULL =
				 * unknown (counted, not in top senders);
				 * readers also give NULL for a sender of
				 * one message they keep by hash only
				 * (strtab.c): it cannot be a flooder */
	size_t nrcpt;		/* pending recipients */
	const char *const *rcpt;/* nrcpt pending recipient addresses */
	const size_t *qrcpt;	/* NULL, or pending recipients per row:
				 * qrcpt[i] for bit i of queues */
};

struct queue_acc;
void queue_add(struct queue_acc *, const struct queue_msg *);
void queue_error(struct queue_acc *, const char *fmt, ...) MH_PRINTF(2, 3);
/* A queue directory that should be there cannot be opened or read
 * (renamed away, unreadable, replaced by a symlink): the counts of row
 * (the reader's queue index, bit i of queue_msg.queues) or, with row -1,
 * of the whole queue are unknown this round, not smaller. Also an error
 * (queue_error), logged once per row (or whole queue) and scan: calls
 * after the first for the same row are ignored. */
void queue_unknown(struct queue_acc *, int row, const char *fmt, ...)
    MH_PRINTF(3, 4);

/* An accumulator outside the collector, for the readers' unit tests and
 * the benchmarks: it fills s (errors go to p); s's rows are named from
 * r's queues,
 * the top-N tables have counters counters each. queue_acc_unknown()
 * returns whether the whole queue is unknown and sets *rows to the
 * unknown rows (bit i = queue i). */
struct queue_reader;
struct queue_acc *queue_acc_new(struct queue_part *s, struct part *p,
    const struct queue_reader *, size_t counters);
void queue_acc_free(struct queue_acc *);
bool queue_acc_unknown(const struct queue_acc *, uint32_t *rows);

struct queue_reader {
	const char *name;			/* "postfix" */
	enum mh_mta mta;
	const char *const *queues;		/* NULL-terminated */
	bool (*detect)(const struct conf_mta *);/* for mta auto */
	void *(*open)(const struct conf_mta *);
	int (*scan)(void *state, struct queue_acc *);
	void (*close)(void *state);
};

/* The first problem of a scan and how many there were: a queue of
 * 100,000 unreadable files must make one log line, not 100,000. */
struct queue_errs {
	unsigned n;
	char first[200];
};
void queue_errs_add(struct queue_errs *, int err, const char *fmt, ...)
    MH_PRINTF(3, 4);

/* Read a whole queue file of at most max bytes into *buf (grown as
 * needed, one byte spare for a terminator); st gets its fstat (st NULL:
 * none unless the first read fills the buffer, and a read shorter than
 * asked is the end). Returns
 * the length; -2 if it vanished before it was opened (a normal race with
 * the MTA); -1 with errno set otherwise (EFBIG past max, without reading
 * it). When plausible is given and says the first 64 KiB read are not
 * the start of an envelope, the file is read no further: that much is
 * returned, for the parser to tell what is wrong. */
ssize_t queue_read_file(int dfd, const char *name, char **buf, size_t *cap,
    size_t max, struct stat *st, bool (*plausible)(const char *, size_t));

/* A file's mtime in nanoseconds. */
int64_t queue_mtime_ns(const struct stat *);
/* What a queue file looked like (inode, mtime, size), hashed; never 0
 * nor QUEUE_SIG_NONE. It changes when the MTA rewrites the file or
 * replaces it. */
uint32_t queue_file_sig(const struct stat *);
/* A file read without a stat: unlike every queue_file_sig(). */
#define QUEUE_SIG_NONE 1u
/* An inode number hashed, never 0: the identity of a file the MTA only
 * ever replaces (renames a new one over it), from readdir's d_ino. */
uint32_t queue_ino_sig(uint64_t ino);

/* Bytes read from queue files since the program started, by every
 * reader (queue_bytes_add() counts them): a test hook, not API. */
void queue_bytes_add(size_t);
unsigned long long queue_bytes_read(void);

/* strtab.c: interned strings with stable 4-byte ids (never 0), swept
 * by generation. keep: how many strings met only once are kept (the
 * rest are known by their hash alone, strtab_str() NULL, until met a
 * second time); SIZE_MAX keeps every string. */
struct strtab;
struct strtab *strtab_new(size_t keep);
void strtab_free(struct strtab *);
/* The id of s[0..n); always: keep the string whatever the budget. */
uint32_t strtab_get(struct strtab *, const char *s, size_t n, uint32_t gen,
    bool always);
/* The kept string (NUL-terminated; it may hold NULs of its own, then
 * strtab_len() says how long it is), or NULL if it is not kept. */
const char *strtab_str(const struct strtab *, uint32_t id);
size_t strtab_len(const struct strtab *, uint32_t id);
void strtab_mark(struct strtab *, uint32_t id, uint32_t gen);
size_t strtab_sweep(struct strtab *, uint32_t gen);
size_t strtab_count(const struct strtab *);

/* qpool.c: a parallel for over the queue's files. qpool_run() calls
 * fn(arg, i, worker) for every i in [0, n) from the calling thread and
 * the pool's workers (worker in [0, qpool_size())), and returns once
 * every call returned. fn must not call queue_add/queue_error or
 * anything else not thread-safe: it reads files into per-item results.
 * A pool of 1 (or NULL) runs everything on the caller. qpool_start()
 * and qpool_finish() are the same in two halves: the workers begin at
 * once, and the caller, free to do other work meanwhile, joins them in
 * qpool_finish(), which returns when every call returned. */
struct qpool;
/* The scanner threads a reader uses (the caller included): the online
 * CPUs, at most 4, or MH_QUEUE_THREADS from the environment (for the
 * benchmarks). The workers run at nice +10, or MH_QUEUE_NICE. */
int queue_threads(void);
/* How many senders met once a reader keeps by name (see strtab.c). */
#define QUEUE_KEEP_ONCE 1024
struct qpool *qpool_new(int threads);
void qpool_free(struct qpool *);
int qpool_size(const struct qpool *);
void qpool_run(struct qpool *, size_t n, void (*fn)(void *, size_t, int),
    void *arg);
void qpool_start(struct qpool *, size_t n, void (*fn)(void *, size_t, int),
    void *arg);
/* The same, fn called once per chunk of at most QPOOL_CHUNK items,
 * [begin, end): for work that batches its system calls (qread.c's
 * io_uring). */
#define QPOOL_CHUNK 16		/* items taken at once: few atomics, fair end */
void qpool_start_chunks(struct qpool *, size_t n,
    void (*fn)(void *, size_t begin, size_t end, int worker), void *arg);
void qpool_finish(struct qpool *);

/* qread.c: a directory's files read (or only stat()ed) by the scanner
 * threads in batches, while the caller lists the next batch and takes
 * the one before, in order. */
enum qread_op {
	QR_READ,		/* read the whole file (queue_read_file) */
	QR_TEXT,		/* the same without its fstat (st zero): through
				 * io_uring where the kernel has it */
	QR_STAT,		/* fstatat() it, no symlink followed */
	QR_NONE			/* nothing: the caller looks at it itself */
};
struct qread_item {
	const char *name;	/* relative to the directory */
	uint8_t op;		/* enum qread_op */
	/* out, as queue_read_file(): the length (0 for QR_STAT), -2 if
	 * it vanished, -1 with err set otherwise */
	ssize_t len;
	int err;
	struct stat st;
	char *buf;		/* QR_READ, QR_TEXT: the contents, NUL-terminated,
				 * while the batch is being taken */
	int worker;		/* internal */
	size_t off;
};
/* A batch handed back by qread_next(): n items, each with csize bytes
 * of the reader's own (qread_cand), in the order they were added. */
struct qread_batch {
	struct qread_item *items;
	size_t n, cap;
	unsigned char *cand;
	size_t csize;
	char *names;
	size_t nlen, ncap;
	int dfd;
};
struct qread;
/* csize: the reader's bytes per item; max and plausible: as
 * queue_read_file() */
struct qread *qread_new(size_t csize, size_t max,
    bool (*plausible)(const char *, size_t));
void qread_free(struct qread *);
/* Add a file of the directory being listed; returns its csize bytes,
 * zeroed, for the reader to fill. */
void *qread_add(struct qread *, const char *name, enum qread_op);
/* Call it after each qread_add() (last false), and at the end of the
 * directory's listing (last true) until it returns NULL. Once a batch's
 * worth of files (files of dfd) is added, or at the end, it hands them
 * to the scanner threads and returns the batch handed over before,
 * done, to be taken now; else NULL. A batch returned is valid until the
 * next call. r may be NULL (nothing was ever added). */
struct qread_batch *qread_next(struct qread *, int dfd, bool last);
/* Files read through io_uring since start: a test hook. */
unsigned long qread_ring_files(void);
static inline void *
qread_cand(const struct qread_batch *b, size_t i)
{
	return b->cand + b->csize * i;
}

const struct queue_reader *queue_reader_find(enum mh_mta);
enum mh_mta queue_detect(const struct conf_mta *);

/* queue_postfix.c (with pf_dir.c, pf_file.c: pf.h) */
extern const struct queue_reader queue_postfix;

/* pf_record.c: Postfix queue-file records. The parser reads from a byte
 * source that is either one buffer or a file read on demand (so that a
 * 20 MB message costs two small reads). */
struct pf_src {
	const unsigned char *buf;	/* bytes [boff, boff + blen) */
	size_t boff, blen;
	size_t flen;			/* length of the file */
	int fd;				/* -1: buf is all there is */
	unsigned char **win;		/* read-ahead window, grown as needed */
	size_t *wincap;
	int err;			/* errno of a failed read */
};
struct pf_parse {
	/* results */
	int64_t arrival;
	uint64_t size;		/* first field of the first C record */
	bool have_time, size_ok, have_sender, complete;
	/* called with the raw data (not NUL-terminated, no NULs) */
	void (*sender)(void *, const char *, size_t);
	void (*rcpt)(void *, const char *, size_t);
	void *arg;
};
/* 0 when the end record was reached, -1 with *why set otherwise. */
int pf_parse_src(struct pf_src *, struct pf_parse *, const char **why);

/* The same over one buffer, collecting sender and pending recipients;
 * for the unit tests and fuzzing. */
struct pf_qfile {
	time_t arrival;
	uint64_t size;		/* C record content size, 0 if absent */
	char *sender;		/* NULL if no S record was seen */
	size_t nrcpt;
	char **rcpt;		/* pending (R without a matching D) */
	bool complete;		/* the E record was reached */
};
/* 0 on success, -1 with *why set on a malformed or truncated file. */
int pf_qfile_parse(const unsigned char *buf, size_t len,
    struct pf_qfile *out, const char **why);
void pf_qfile_clear(struct pf_qfile *);

/* queue_qmail.c (with qmail_scan.c, qmail_msg.c, qmail_watch.c: qmail.h) */
extern const struct queue_reader queue_qmail;

/* qmail_env.c: qmail envelope files, exposed for unit tests and fuzzing: a sequence
 * of NUL-terminated records. todo (and intd) hold u<uid> p<pid>
 * F<sender> T<rcpt>...; info holds F<sender>; local and remote hold
 * T<rcpt> (pending) and D<rcpt> (done). */
enum qmail_file { QMAIL_TODO, QMAIL_INFO, QMAIL_CHAN };
struct qmail_env {
	const char *sender;	/* into buf; NULL if no F record */
	size_t npending;	/* T records */
	size_t ndone;		/* D records */
	const char **rcpt;	/* the npending T addresses, into buf */
	size_t rcap;		/* allocated rcpt slots, reused */
};
/* 0 on success; -1 with *why set on a malformed or truncated file, and
 * out then holds the complete records before the fault. */
int qmail_env_parse(const char *buf, size_t len, enum qmail_file kind,
    struct qmail_env *out, const char **why);
void qmail_env_clear(struct qmail_env *);

/* queue_exim.c */
extern const struct queue_reader queue_exim;

/* exim_hdr.c: an Exim -H spool file, exposed for unit tests and fuzzing. The parser
 * works in place: buf is modified (line ends become NULs) and the
 * strings point into it. */
struct exim_hdr {
	const char *id;		/* from line 1, without "-H" */
	const char *sender;	/* "" for the null sender */
	time_t received;
	bool frozen;
	size_t nrcpt;		/* all recipients */
	size_t npending;	/* not in the non-recipients tree */
	const char **rcpt;	/* the npending pending addresses */
	size_t rcap;		/* allocated rcpt slots, reused */
	uint64_t hdr_bytes;	/* headers that will be sent ("*" excluded) */
	const char **done;	/* scratch: the non-recipients tree */
	size_t ndone, dcap;
};
/* 0 on success, -1 with *why set on a malformed or truncated file. */
int exim_hdr_parse(char *buf, size_t len, struct exim_hdr *out,
    const char **why);
/* Mark the addresses of a -J journal (one per line, modified in place)
 * as delivered; call after exim_hdr_parse. */
void exim_hdr_journal(struct exim_hdr *, char *buf, size_t len);
void exim_hdr_clear(struct exim_hdr *);

#endif
