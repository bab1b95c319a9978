/*
 * lptest.h: what the log parser and counter tests share. Include after
 * cmocka.h.
 *
 * The header split here is a test stand-in for the log sources (which
 * live elsewhere and have their own tests): enough of RFC 3164, Postfix
 * postlogd, Dovecot's log_path and Exim's mainlog to hand real lines to
 * the parsers. Time stamps without a year are taken in 2026, UTC.
 */
#ifndef MH_LPTEST_H
#define MH_LPTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logs/logparse.h"

enum lpt_fmt {
	LPT_SYSLOG,	/* "Mmm dd HH:MM:SS host prog[pid]: msg" */
	LPT_NOHOST,	/* "Mmm dd HH:MM:SS prog: msg" (Dovecot log_path) */
	LPT_EXIM,	/* "YYYY-MM-DD HH:MM:SS msg" (mainlog, parser forced) */
	LPT_BARE,	/* "[@TAI64N ]msg" (multilog), parser forced to
			 * qmail */
};

/* Split text (NUL-terminated, no newline) into *line; line points into
 * text. Fails the test if the header does not parse. */
void lpt_split(const char *text, enum lpt_fmt, struct log_line *line);

/* One event with its strings copied. */
struct lpt_ev {
	struct log_event ev;	/* strings point into the copies below */
	char qid[64], user[128], client[64], domain[300], relay[300],
	    dsn[32], reason[400];
};
struct lpt_evs {
	struct lpt_ev *v;
	size_t n, cap;
};
void lpt_evs_free(struct lpt_evs *);
/* A logparse_emit_fn that appends to a struct lpt_evs. */
void lpt_collect(void *arg, const struct log_event *);

/* Parse one line of text into evs (appending); returns events emitted. */
size_t lpt_line(struct logparse *, const char *text, enum lpt_fmt,
    struct lpt_evs *evs);
/* Parse every line of FILE (under tests/data/logs) into evs
 * (appending); fails the test if FILE cannot be read. */
void lpt_file(struct logparse *, const char *file, enum lpt_fmt,
    struct lpt_evs *evs);
/* Add each event's count to n[its kind] (n has a slot for every kind). */
void lpt_count(const struct lpt_evs *, uint64_t *n);
/* One event as a line of text: "kind proto count qid=.. user=..
 * client=.. domain=.. relay=.. dsn=.. reason=.." (empty fields left out).
 * Returns buf. */
char *lpt_fmt(const struct lpt_ev *, char *buf, size_t len);

/* Parse every line of FILE (under tests/data/logs) and compare the
 * events, one formatted line each, with FILE.events. With
 * LPTEST_WRITE=1 in the environment, write FILE.events instead (then
 * read it, line by line, against the log before committing it). */
void lpt_golden(struct logparse *, const char *file, enum lpt_fmt);

/* A log_str of a NUL-terminated string. */
struct log_str lpt_str(const char *);

/* The test's uid -> name table (root 0, qmaild 1011, qmails 1012,
 * lpjunk 1001, alice 1000); unknown uids are unknown. */
bool lpt_uid_name(void *arg, unsigned long uid, char *buf, size_t len);
/* A logparse with lpt_uid_name and the default not-submitters. */
struct logparse *lpt_parser(void);

#endif
