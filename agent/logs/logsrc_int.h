/*
 * logsrc_int.h: what the source kinds share behind logsrc.h. Not for
 * callers of the sources (the collector, the tools): they use logsrc.h.
 *
 *   logsrc.c           the interface, the kinds table, delivery of a
 *                      line (header, since, budget, statistics), errors
 *   logfollow.c        one open file read line by line from an offset
 *   logstate.c         the state file
 *   logsrc_file.c      kind "file": follow a path across rotation
 *   logsrc_multilog.c  kind "multilog": current and its @ files
 *   logsrc_journal.c   kind "journal": sd-journal with a cursor
 * (logts.c and logtime.c, the header reader, are in logsrc.h)
 */
#ifndef MH_LOGSRC_INT_H
#define MH_LOGSRC_INT_H

#include <sys/stat.h>
#include <sys/types.h>

#include "util.h"
#include "logs/logsrc.h"

/* ------------------------------------------------------------------ */
/* logstate.c: where a source stopped, as a small text file:
 *
 *   mailhealth-logstate 1
 *   kind file
 *   path /var/log/mail.log
 *   ino 1234567
 *   off 98765
 *   tail 87 9f3a5c0e12b4d6f8
 *   saved 1796040000
 *   sum 0b1c2d3e4f5a6b7c
 *
 * (multilog adds "name @4000...", the newest rotated file already read,
 * and "prev INODE", a file read while it was still called "previous";
 * the journal has "cursor s=...;i=..." instead of ino/off/tail). "tail N
 * H" is the FNV-1a hash H (mh_fnv1a64) of the N bytes before off: the end
 * of the last line read. "sum" is that hash of every byte before its line:
 * a file cut short or edited is refused as damaged. Strings are written
 * with bytes below 0x21, 0x7f and '%' as %XX. */

struct logstate {
	char kind[16];
	char *path;
	uint64_t ino, off;
	uint32_t tailn;
	uint64_t hash;
	int64_t saved;
	char *name;		/* multilog: newest rotated file done */
	uint64_t prev;		/* multilog: inode of a "previous" read */
	char *cursor;		/* journal */
};

/* 1 read, 0 no such file, -1 damaged or unreadable (*why set: free it) */
int logstate_read(const char *file, struct logstate *, char **why);
/* 0, or -1 with *why set; written to FILE.tmp, synced, renamed. */
int logstate_write(const char *file, const struct logstate *, char **why);
void logstate_clear(struct logstate *);

/* ------------------------------------------------------------------ */
/* logsrc.c: for the kinds */

struct logsrc;

struct logsrc_ops {
	const char *name;	/* "file", as in the state file */
	/* st: a state file for this kind and path, or NULL. -1 with *why
	 * for a configuration that cannot work. */
	int (*open)(struct logsrc *, const struct logstate *st, char **why);
	enum logsrc_rc (*read)(struct logsrc *);
	/* fill st to save; -1 when there is nothing to save yet */
	int (*state)(struct logsrc *, struct logstate *st);
	void (*close)(struct logsrc *);
};

extern const struct logsrc_ops logsrc_file_ops;
extern const struct logsrc_ops logsrc_multilog_ops;
extern const struct logsrc_ops logsrc_journal_ops;

struct logsrc {
	const struct logsrc_ops *ops;
	char *name, *path, *state_file;
	char **files, **units, **idents;
	enum log_parser parser;
	bool once, from_start;
	int64_t since;
	size_t max_line;
	void *impl;		/* the kind's own */
	struct logts ts;
	/* the round in progress */
	logsrc_line_fn *fn;
	void *arg;
	size_t left_lines;
	uint64_t left_bytes;
	int64_t cutoff;		/* lines before this are skipped */
	struct logsrc_stats st;
	char err[512];		/* this round's problem */
	char logged[512];	/* the last one written to the log */
	char state_err[512];	/* the state file's: kept until a save
				 * succeeds */
};

/* flags of logsrc_deliver */
#define LOGSRC_CUT 1		/* longer than max_line, cut */
#define LOGSRC_UNTERM 2		/* no newline: end of a finished file */

/* One raw line (no newline) that took `consumed` bytes of the file.
 * Returns false when the round's budget is spent. */
bool logsrc_deliver(struct logsrc *, const char *p, size_t n,
    uint64_t consumed, unsigned flags);
/* A line split already (the journal): ts, host, prog, pid, msg set. */
bool logsrc_emit(struct logsrc *, struct log_line *);
void logsrc_seterr(struct logsrc *, const char *fmt, ...) MH_PRINTF(2, 3);
/* strerror(), but "not a regular file" for what logfollow_open
 * refuses (ENOTSUP) */
const char *logsrc_strerror(int);
/* "dir" and "base" of a path: newly allocated */
void logsrc_split_path(const char *path, char **dir, char **base);

/* ------------------------------------------------------------------ */
/* logfollow.c: one open file, read from an offset, split into lines.
 *
 * The buffer holds the file's bytes from the last LOGFOLLOW_TAIL bytes
 * of the last line delivered up to what has been read: that tail is
 * what the state hash covers, and what logfollow_check() compares with
 * the file to notice it was truncated or rewritten under us. */

#define LOGFOLLOW_TAIL 256
#define LOGFOLLOW_CHUNK 65536

enum logfollow_rc { LOGFOLLOW_EOF, LOGFOLLOW_MORE, LOGFOLLOW_ERR };

struct logfollow {
	int fd;			/* -1: none */
	uint64_t dev, ino;
	uint64_t done;		/* file offset after the last line delivered */
	uint64_t pos;		/* file offset of the next byte to read */
	char *buf;
	size_t cap, len;
	size_t tail;		/* buf index: kept end of the last line */
	size_t lstart;		/* buf index of file offset done */
	size_t scan;		/* buf index: no newline before it */
	bool discard;		/* in a long line: its head is kept, the rest
				 * is skipped up to its newline */
	bool linger;		/* a rotated file a writer may still append
				 * to: kept open until quiet */
	int64_t opened;		/* when this content was first seen */
	int64_t grew;		/* when it last gave bytes */
};

void logfollow_init(struct logfollow *);
/* 0, or -1 with errno (ENOTSUP: not a regular file) */
int logfollow_open(struct logfollow *, const char *path);
int logfollow_adopt(struct logfollow *, int fd);
void logfollow_close(struct logfollow *);
/* move an open follower (the old fd after a rotation) */
void logfollow_move(struct logfollow *dst, struct logfollow *src);
/* Position after the last complete line of the file (start at end). */
int logfollow_seek_end(struct logfollow *);
void logfollow_rewind(struct logfollow *);
/* Resume at off if the tailn bytes before it hash to hash: 0, or -1
 * (the file is shorter, or holds something else there). */
int logfollow_resume(struct logfollow *, uint64_t off, uint32_t tailn,
    uint64_t hash);
enum logfollow_rc logfollow_read(struct logfollow *, struct logsrc *);
/* Deliver a partial last line (a finished file); true if budget left. */
bool logfollow_flush(struct logfollow *, struct logsrc *);
/* 1: the file still holds what we read; 0: it was truncated or
 * rewritten; -1: fstat/pread failed (errno). */
int logfollow_check(struct logfollow *);
/* the state of a follower */
uint32_t logfollow_tailn(const struct logfollow *);
uint64_t logfollow_hash(const struct logfollow *);
/* Does fd hold, at off, a line ending that hashes to hash (tailn bytes
 * before off)? */
bool logfollow_fd_matches(int fd, uint64_t off, uint32_t tailn,
    uint64_t hash);

#endif
