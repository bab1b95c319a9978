/*
 * logsrc.h: log sources (plain files, multilog directories, the systemd
 * journal) that deliver every line once, and the header reader that
 * splits each line into time stamp, host, program, pid and message.
 *
 * A source is opened from a struct logsrc_conf, read in rounds with
 * logsrc_read() (which calls back once per line, as a struct log_line of
 * logline.h, until it has caught up or the budget is spent), remembers
 * its position in a state file with logsrc_save(), and is closed with
 * logsrc_close(). A source never aborts on bad input or on a file that
 * vanished: logsrc_error() says what is wrong (path and reason) and the
 * next round tries again.
 *
 * Nothing here knows about SNMP, the snapshot or the parsers.
 */
#ifndef MH_LOGSRC_H
#define MH_LOGSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logs/logline.h"

/* ------------------------------------------------------------------ */
/* logsrc.c: the source interface. */

enum logsrc_kind {
	LOGSRC_FILE = 1,	/* one file, followed across rotation */
	LOGSRC_MULTILOG,	/* a daemontools multilog directory */
	LOGSRC_JOURNAL,		/* the systemd journal (sd-journal) */
};

/* Lines longer than this are cut (counted in long_lines) and the rest
 * up to the newline is skipped. */
#define LOGSRC_MAX_LINE 65536

struct logsrc_conf {
	const char *name;	/* the log section's name, for messages */
	enum logsrc_kind kind;
	/* FILE: the file. MULTILOG: the directory. JOURNAL: NULL for the
	 * system journal, or a directory of journal files. */
	const char *path;
	/* JOURNAL only: NULL-terminated lists, or NULL. files: read these
	 * journal files instead of path (sd_journal_open_files). units:
	 * _SYSTEMD_UNIT= matches; idents: SYSLOG_IDENTIFIER= matches; an
	 * entry is read when it matches any of them (all when none). */
	const char *const *files;
	const char *const *units;
	const char *const *idents;
	/* Where the position is kept across restarts (written by
	 * logsrc_save, read by logsrc_open); NULL: none. */
	const char *state_file;
	enum log_parser parser;	/* forced on every line, or LOGP_AUTO */
	/* Replay: read from the beginning (or since) to the end, then
	 * logsrc_read returns LOGSRC_DONE. The state file is neither read
	 * nor written. A file source reads the file alone; a multilog
	 * source reads its rotated files in order, then current. */
	bool once;
	int64_t since;		/* with once: skip lines older than this many
				 * seconds before now (0: none) */
	/* Following without a usable state: start at the beginning of
	 * what is there instead of at its end. */
	bool from_start;
	size_t max_line;	/* 0: LOGSRC_MAX_LINE */
};

/* How much one logsrc_read may deliver; 0 is no limit. A line is never
 * split across calls; the byte limit may be passed by one line. */
struct logsrc_budget {
	size_t lines;
	uint64_t bytes;
};

enum logsrc_rc {
	LOGSRC_IDLE,		/* caught up: nothing more to read now */
	LOGSRC_MORE,		/* budget spent: there is more, call again */
	LOGSRC_DONE,		/* once: the end was reached */
	LOGSRC_ERROR,		/* cannot read now (logsrc_error); the next
				 * call tries again */
};

struct logsrc_stats {
	uint64_t lines;		/* delivered to the callback */
	uint64_t bytes;		/* of lines read, newlines included */
	uint64_t long_lines;	/* cut at max_line */
	uint64_t unterminated;	/* delivered without their newline: the
				 * end of a rotated file, or of a replay */
	uint64_t skipped;	/* older than since */
	uint64_t no_header;	/* header not recognised (ts 0, whole text
				 * as msg) */
	uint64_t rotations;	/* a new file followed: rename, removal and
				 * re-creation, a multilog rotation */
	uint64_t truncations;	/* the file was cut shorter (copytruncate) */
	uint64_t copy_missed;	/* truncations after which the unread rest
				 * of the file was not found in a rotated
				 * copy: lines may have been lost */
	uint64_t errors;	/* rounds that ended in LOGSRC_ERROR */
};

/* A line, valid only during the call. */
typedef void logsrc_line_fn(void *arg, const struct log_line *);

struct logsrc;

/* NULL, with *why (free it) set, when the configuration cannot work:
 * a journal source in a build without libsystemd, no path, an unknown
 * kind. A missing file, an unreadable directory or a damaged state file
 * is not a failure here: the source reports it through logsrc_error()
 * and keeps trying. */
struct logsrc *logsrc_open(const struct logsrc_conf *, char **why);
enum logsrc_rc logsrc_read(struct logsrc *, logsrc_line_fn *, void *arg,
    const struct logsrc_budget *);
/* Write the position after the last line delivered to the state file,
 * atomically (a temporary file renamed over it). 0, or -1 with
 * logsrc_error() set. Without a state file, or in once mode, 0. */
int logsrc_save(struct logsrc *);
/* What is wrong now ("/var/log/mail.log: No such file or directory"),
 * or NULL. Cleared when the problem is gone. */
const char *logsrc_error(const struct logsrc *);
void logsrc_stats(const struct logsrc *, struct logsrc_stats *);
const char *logsrc_name(const struct logsrc *);
void logsrc_close(struct logsrc *);
/* Whether this build reads the journal (libsystemd found by configure). */
bool logsrc_have_journal(void);

/* ------------------------------------------------------------------ */
/* logts.c: the header of one line.
 *
 *   RFC 3339  2026-11-30T13:14:00.123456+01:00 host prog[pid]: msg
 *   RFC 3164  Nov 30 13:14:00 host prog[pid]: msg  (day space- or zero-
 *             padded: syslog, and Postfix's own maillog_file)
 *   Dovecot   Nov 30 13:14:00 imap-login: Info: msg  (its log_path file)
 *   Exim      2026-11-30 13:14:00[.ddd] [+0100] [[pid]] msg  (mainlog)
 *   tai64nlocal 2026-11-30 13:14:00.123456789 msg
 *   TAI64N    @4000000065a1b2c3075bcd15 msg  (multilog)
 *
 * Times without a zone are local time; RFC 3164 and Dovecot lines carry
 * no year: it is the one that puts the line at most a day after the
 * reader's clock (a December line read in January is last year's).
 * Second 60 (a leap second) is read as the next minute's second 0.
 *
 * Lines look the same whatever wrote them, so that a parser sees one
 * shape: a Dovecot log_path line becomes prog "dovecot" with msg as
 * Dovecot sends it to syslog ("imap-login: Login: ..."; the "Info: "
 * level is dropped, other levels kept); an Exim line sent to syslog
 * has its own time stamp, zone and [pid] taken off msg; a qmail line
 * through splogger has its "1054189746.123151 " stamp taken off msg
 * and used as ts. A TAI64N line whose text is Dovecot's stderr format
 * becomes a Dovecot line too; other TAI64N lines have no prog.
 * A line with no recognised header keeps ts 0, prog empty, pid -1 and
 * the whole text as msg. */

enum logts_fmt {
	LOGTS_NONE = 0,
	LOGTS_RFC3339,
	LOGTS_RFC3164,
	LOGTS_DOVECOT,
	LOGTS_EXIM,
	LOGTS_TAI64NLOCAL,
	LOGTS_TAI64N,
};

/* Per source: the reader's clock and the caches that make a line cost
 * no mktime() (one per hour of log, local time). */
struct logts {
	int64_t now;		/* unix seconds: the reader's clock */
	int now_year;		/* local year of now */
	int64_t now_days;	/* local days since 1970-01-01 of now */
	int64_t hour_key;	/* y*1000000 + m*10000 + d*100 + h, or -1 */
	int64_t hour_base;	/* unix time of that local hour */
	int md_key;		/* month*32 + day of the last RFC 3164 line */
	int md_year;		/* the year it was given */
	char *scratch;		/* a Dovecot message put back together */
	size_t scratch_cap;
};

void logts_init(struct logts *, int64_t now);
/* Set the reader's clock (once per round is enough). */
void logts_set_now(struct logts *, int64_t now);
void logts_fini(struct logts *);
/* Split p[0..n) (no newline) into *out (text, ts, host, prog, pid, msg;
 * parser is left alone). The strings point into p or into t's scratch,
 * valid until the next call. */
enum logts_fmt logts_parse(struct logts *, const char *p, size_t n,
    struct log_line *out);
const char *logts_fmt_name(enum logts_fmt);

/* ------------------------------------------------------------------ */
/* logtime.c: time arithmetic, for logts.c, the sources and the tests. */

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12). */
int64_t logtime_days(int64_t y, int m, int d);
/* Fill t's hour cache with the local hour (y, m, d, h), key as below. */
void logtime_hour(struct logts *, int64_t key, int y, int m, int d, int h);
/* Unix time of a local wall-clock time (sec may be 60): one mktime()
 * per hour of log. */
static inline int64_t
logtime_local(struct logts *t, int y, int m, int d, int h, int mi, int s)
{
	int64_t key = (((int64_t)y * 100 + m) * 100 + d) * 100 + h;

	if (key != t->hour_key)
		logtime_hour(t, key, y, m, d, h);
	return t->hour_base + mi * 60 + s;
}
/* The year of a year-less month and day: the latest that puts it at
 * most a day after the reader's local date. */
int logtime_year(struct logts *, int m, int d);
/* TAI64N label (the 16 hex digits after '@'; 2^62 + 10 + unix seconds
 * by the daemontools convention) to unix seconds; -1 if not one. */
int64_t logtime_tai64(const char *hex16);

#endif
