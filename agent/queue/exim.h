/*
 * exim.h: the Exim queue reader's private header, by file:
 * queue_exim.c (the reader: the walk of input/, open, close) and
 * exim_msg.c (a record per message). The -H parser, exim_hdr.c, is
 * declared in queue.h.
 */
#ifndef MH_EXIM_H
#define MH_EXIM_H

#include "queue/queue.h"

#define EXIM_ID_OLD 16
#define EXIM_ID_NEW 23
#define EXIM_FILE_MAX (64u << 20)

enum { Q_INPUT, Q_FROZEN };

#define EM_FROZEN	0x01u
#define EM_JOURNAL	0x02u	/* pending counted after a -J */
#define EM_BODY		0x04u	/* -D was stat()ed */
#define EM_OK		0x08u	/* -H parsed */
#define EM_LIST		0x80000000u	/* dom: an offset in x->rpool */
#define EM_CHUNK 4096

/*
 * One message, 40 bytes (a million-message spool of a million junk
 * senders must stay under 100 bytes a message, all told): the id as a
 * 64-bit hash (the name is at hand whenever the id is needed), the -H
 * file's identity as a 32-bit hash, seconds and sizes in 32 bits, the
 * sender and the pending recipients' domains as strtab ids (one domain
 * id, or EM_LIST and the offset of "n, id..." in x->rpool).
 */
struct em_msg {
	uint64_t key;		/* hash of the id; 0: a free record */
	uint32_t hsig;		/* the -H's inode hashed (queue_ino_sig:
				 * Exim renames a new -H over the old),
				 * never 0; 0: not read */
	uint32_t size;		/* as exim -bp: headers sent + body + 1 */
	uint32_t hdr_bytes;
	uint32_t received;
	uint32_t gen;
	uint32_t sender;	/* id in x->senders; 0: not known */
	uint32_t dom;		/* 0: no pending recipient */
	uint8_t flags;		/* EM_* */
};

/* A directory entry ("ID-H" or "ID-D") read or stat()ed ahead: the
 * reader's part of its qread item. */
struct em_cand {
	struct em_msg *m;
	uint32_t sig;		/* the -H's, from the listing */
	bool body;		/* the -D: stat only */
};

/*
 * What a directory of input/ held at its last listing. Exim renames a
 * new -H over the old one, and creates -J and removes files there: all
 * of which move the directory's mtime. So a directory whose inode and
 * mtime did not change is not listed again, nor are its -H stat()ed:
 * its messages are counted from memory (messages with a journal are
 * re-read every scan, since a journal grows in place).
 */
struct em_dir {
	uint64_t ino;
	int64_t mtime_ns;	/* -1: list it next scan */
	uint32_t *recs;		/* its messages: record indexes */
	size_t nrecs;
	char **jids;		/* the ids that had a -J */
	size_t nj;
	char subs[64][2];	/* input/ only: subdirectory name, d_type */
	size_t nsubs;
};

#define EM_DIRS 63		/* input/, input/0 .. input/z */

struct exim {
	char *spool;
	char *input;		/* spool/input */
	uint32_t gen;
	/* the records and the table on the id's hash */
	struct em_msg **chunks;
	size_t nchunks, nrec;
	uint32_t *freerec;
	size_t nfree, cfree;
	uint32_t *tab;		/* record index + 1, 0: empty */
	size_t tcap, tn;
	struct strtab *senders, *domains;
	uint32_t *rpool;
	size_t nrpool, crpool, rlive;
	/* reading ahead */
	struct qread *qr;
	/* scratch */
	char *buf;
	size_t bufcap;
	char *jbuf;
	size_t jcap;
	struct exim_hdr hdr;
	const char **rcpt;
	size_t rcptcap;
	struct queue_acc *acc;	/* of the scan under way */
	struct queue_errs errs;
	int64_t fresh_ns;	/* mtimes after this are too recent to trust */
	struct em_dir dirs[EM_DIRS];
};

/* exim_read.c */
/* Note the -H (kind 'H', read it ahead; sig: its inode's, from the
 * listing) or the -D ('D', stat it) of message m, id[0..n). */
void exim_cand_add(struct exim *, struct em_msg *, const char *id, size_t n,
    char kind, uint32_t sig);
/* Read and stat what was noted, a batch at a time, and take it into the
 * records: a batch at a time (qread.c), and with last (the end of the
 * directory) everything still out. */
void exim_take_cands(struct exim *, int dfd, bool last);
/* Read ID-H (and ID-J with journal) again, on this thread. */
void exim_reload(struct exim *, struct em_msg *, int dfd, const char *id,
    const char *hname, bool journal);
/* Files read since start: a test hook, not API. */
unsigned long queue_exim_files_read(void);

/* exim_msg.c */
uint64_t exim_key(const char *id, size_t n);
void exim_tab_init(struct exim *);
void exim_tab_free(struct exim *);
/* The record of key (NULL if none), its index in *ri. */
struct em_msg *exim_tab_get(const struct exim *, uint64_t key, uint32_t *ri);
struct em_msg *exim_tab_add(struct exim *, uint64_t key, uint32_t *ri);
struct em_msg *exim_msg_at(const struct exim *, uint32_t ri);
/* Free the messages this scan did not see; sweep the strings. */
void exim_tab_sweep(struct exim *);
/* Give m what the parsed header x->hdr says (sender, domains, ...). */
void exim_msg_set(struct exim *, struct em_msg *, const struct exim_hdr *);
void exim_msg_clear(struct exim *, struct em_msg *);
void exim_msg_report(struct exim *, struct em_msg *, struct queue_acc *);

#endif
