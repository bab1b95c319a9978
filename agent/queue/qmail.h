/*
 * qmail.h: the qmail queue reader's private header, by file:
 * queue_qmail.c (the reader: one scan, open, close), qmail_scan.c (one
 * pass per directory, the report), qmail_msg.c (the message table),
 * qmail_watch.c (inotify). The envelope parser, qmail_env.c, is declared
 * in queue.h.
 */
#ifndef MH_QMAIL_H
#define MH_QMAIL_H

#include <sys/stat.h>
#include <sys/types.h>

#include "queue/queue.h"


#define QMAIL_DEFAULT_QUEUE "/var/qmail/queue"
/* A channel file of a message to a 100,000-address list is ~3 MB. */
#define QMAIL_FILE_MAX (64u << 20)

enum { Q_TODO, Q_LOCAL, Q_REMOTE, Q_BOUNCE };

/* where a message's pending recipients were read from */
enum { SRC_TODO, SRC_LOCAL, SRC_REMOTE, SRC_N };

/* seen-this-scan bits */
#define SEEN_TODO	0x01u
#define SEEN_INFO	0x02u
#define SEEN_LOCAL	0x04u
#define SEEN_REMOTE	0x08u
#define SEEN_BOUNCE	0x10u

/* dirty bits: inotify saw the file created or written since the last scan */
#define DIRTY_MESS	0x01u
#define DIRTY_INFO	0x02u
#define DIRTY_LOCAL	0x04u
#define DIRTY_REMOTE	0x08u

/* flags */
#define F_MESS_FINAL	0x01u	/* mess size read once todo or info existed */
#define F_INFO_TIME	0x02u	/* arrival is info's mtime */
#define F_SENDER	0x04u	/* the sender is known (todo or info read) */

enum { D_MESS, D_INFO, D_LOCAL, D_REMOTE, D_N };

/*
 * One message, 52 bytes (a million-message queue of a million junk
 * senders must stay under 100 bytes a message, all told; 4-byte aligned,
 * the 64-bit id included, which x86 reads as fast): the identity
 * of each file as last read, in 32 bits (inode numbers and a hash of a
 * channel file's inode, mtime and size; 0 = absent), and the sender and
 * the pending recipients' domains as ids in the reader's string tables
 * (a domain is the address from its last '@', "@example.com", or ""
 * without one; queue_add() takes what follows the '@'). A source with
 * one pending recipient keeps its domain's id; with more, QM_LIST and
 * the offset of "n, id..." in q->rpool.
 * Records live in chunks that never move, so pointers to them stay good.
 * gen is the scan's number in 8 bits (q->mgen): at the start of a scan
 * every record has the same gen, not the new one (the sweep leaves only
 * the scan's own; a scan that stops early sets them all back), so 8 bits
 * tell "seen this scan" from "not" as well as 32.
 */
struct qm_msg {
	uint64_t id;		/* message number = inode of mess/S/N; 0: free */
	uint32_t size;		/* st_size of mess/S/N (saturated) */
	uint32_t arrival;	/* info's mtime, else mess's */
	uint32_t todo_ino;	/* d_ino at the last read */
	uint32_t info_ino;
	uint32_t chan_sig[2];	/* local, remote */
	uint32_t sender;	/* id in q->senders; 0: no sender known */
	uint32_t dom[SRC_N];	/* see above; 0: none pending */
	uint8_t gen;		/* q->mgen of the scan that last saw mess/S/N */
	uint8_t seen, dirty, flags;
} __attribute__((packed, aligned(4)));

#define QM_CHUNK 4096		/* records per chunk */
#define QM_LIST 0x80000000u	/* dom[]: an offset in q->rpool */
/* 32 bits of an inode number, never 0 (0 is "absent") */
#define QM_INO(x) ((uint32_t)(x) ? (uint32_t)(x) : 1u)

struct qmail {
	char *root;
	int rootfd;		/* opened afresh by each scan */
	dev_t root_dev;		/* the directory the watches are on */
	ino_t root_ino;
	long split;
	int ino_fd;		/* inotify, -1 if unavailable */
	int *wd;		/* D_N * split watch descriptors */
	struct stat *wst;	/* what each watched directory was */
	bool recheck;		/* list every directory next scan */
	bool events;		/* this scan trusts inotify */
	struct qm_msg **dirtyv;	/* messages with dirty bits this scan */
	size_t ndirty, cdirty;
	bool todo_split;	/* big-todo: todo/S/N */
	uint32_t gen;		/* the scan's number, for the string tables */
	uint8_t mgen;		/* the same in 8 bits, 1..255, for records */
	uint32_t *tab;		/* open addressing on id: record index + 1 */
	size_t tcap, tn;	/* power of two; entries */
	struct qm_msg **chunks;	/* the records, QM_CHUNK a chunk */
	size_t nchunks, nrec;	/* chunks, records ever used */
	uint32_t *freerec;	/* indexes of freed records */
	size_t nfree, cfree;
	struct strtab *senders;	/* sender -> id */
	struct strtab *domains;	/* "@domain" -> id */
	uint32_t *rpool;	/* lists of more than one domain id: n, ids */
	size_t nrpool, crpool, rlive;	/* rlive: words still in use */
	/* scratch, reused between files and scans */
	char *buf;		/* file contents */
	size_t bufcap;
	char *dbuf;		/* packed domains */
	size_t dcap;
	const char **rv;	/* the domains of one source, unpacked */
	size_t rvcap;
	const char *cur;	/* the file read_file() gave last */
	/* a directory's files read ahead by the scanner threads, then
	 * taken in the same order (qmail_scan.c) */
	struct qread *qr;
	struct qmail_env env;
	const char **rcpt;
	size_t rcptcap;
	/* errors of one scan: the first is reported, the rest counted */
	struct queue_errs errs;
	struct queue_acc *acc;	/* of the scan under way */
};


/* A directory entry read (or stat()ed) ahead: the reader's part of
 * its qread item. */
struct qm_cand {
	struct qm_msg *m;
	uint64_t ino;		/* d_ino */
};

/* A message's sender and domains, from the string tables. */
struct msg_view {
	const char *sender;	/* NULL if unknown, or not kept (strtab.c) */
	uint32_t n[SRC_N];
	const uint32_t *ids[SRC_N];	/* n[i] domain ids each */
	uint32_t one[SRC_N];	/* where ids[i] points for one */
};

/* qmail_msg.c */
/* "123" -> 123; 0 for anything that is not a plain decimal number. */
uint64_t qmail_msg_id(const char *);
void qmail_tab_init(struct qmail *);
void qmail_tab_free(struct qmail *);
struct qm_msg *qmail_tab_at(const struct qmail *, size_t slot);
struct qm_msg *qmail_tab_get(const struct qmail *, uint64_t id);
struct qm_msg *qmail_tab_add(struct qmail *, uint64_t id);
/* Free the messages a scan did not see. */
void qmail_tab_sweep(struct qmail *);
void qmail_msg_view(const struct qmail *, const struct qm_msg *,
    struct msg_view *);
void qmail_msg_set_sender(struct qmail *, struct qm_msg *, const char *);
/* Mark the message's strings as in use this scan. */
void qmail_msg_mark(struct qmail *, const struct qm_msg *);
/* Forget the message's sender and domains. */
void qmail_msg_clear(struct qmail *, struct qm_msg *);
/* After a scan: sweep the strings no message uses, compact the pool. */
void qmail_msg_sweep(struct qmail *);
/* Set the pending domains of one source; pass e NULL to clear them. */
void qmail_msg_set_domains(struct qmail *, struct qm_msg *, int src,
    const struct qmail_env *e);
void qmail_msg_dirty(struct qmail *, struct qm_msg *, uint8_t bits);
/* What this scan saw of the message, to queue_add(). */
void qmail_msg_report(struct qmail *, struct qm_msg *, struct queue_acc *);

/* qmail_scan.c */
void qmail_scan_mess(struct qmail *, const char *rel);
void qmail_scan_todo(struct qmail *, const char *rel);
void qmail_scan_info(struct qmail *, const char *rel);
void qmail_scan_chan(struct qmail *, const char *rel, int c);
void qmail_scan_dirty(struct qmail *);
void qmail_scan_bounce(struct qmail *);

/* Files read since start: a test hook, not API. */
unsigned long queue_qmail_files_read(void);

/* qmail_read.c: reading ahead (a pass adds the files of a directory it
 * will read to q->qr, takes the batches the scanner threads read, in
 * order, and gives each file to qmail_read_file) */
struct qm_cand *qmail_pre_add(struct qmail *, struct qm_msg *,
    const char *name, uint64_t ino, enum qread_op);
/* A whole file in q->cur: from it when it was read ahead (QR_READ; or
 * QR_TEXT, st then zero), else read now; st gets its fstat. Returns the
 * length, -1 on error (counted), -2 if it vanished. */
ssize_t qmail_read_file(struct qmail *, int dfd, const char *name,
    const char *rel, struct stat *, const struct qread_item *it);
/* Parse the envelope in q->cur; a malformed one is reported. */
void qmail_parse_env(struct qmail *, size_t len, enum qmail_file kind,
    const char *rel, const char *name);

/* qmail_watch.c */
void qmail_watch_open(struct qmail *);
void qmail_watch_close(struct qmail *);
/* Turn the inotify events since the last scan into dirty bits. */
void qmail_watch_drain(struct qmail *);
/* false if a watched directory is no longer the one watched (renamed,
 * replaced, its mode changed): the watches must be made again. */
bool qmail_watch_check(struct qmail *);

#endif
