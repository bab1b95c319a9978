/*
 * logparse.h: turn mail log lines into the events a mail admin counts
 * (struct log_event, logline.h). One parser per program family, chosen
 * by the line's program name or forced by the source:
 *
 *   lp_postfix.c  postfix/smtpd, pickup, cleanup, qmgr, the delivery
 *                 agents, postscreen
 *   lp_dovecot.c  imap-login, pop3-login, submission-login, auth
 *   lp_qmail.c    qmail-send, tcpserver, rblsmtpd, qmail-smtpd AUTH
 *                 patches, vpopmail's vchkpw
 *   lp_exim.c     Exim's main log (<=, =>, ->, ==, **, rejects, AUTH)
 *   lp_rules.c    site rules: PCRE2 expressions from the configuration,
 *                 tried on lines no built-in parser counted
 *
 * What is counted, exactly, is written once in docs/logs.md (and in the
 * comment at the top of logparse.c); the unit tests assert it.
 *
 * A parser keeps bounded correlation state (queue id -> submitter, smtpd
 * pid -> session, Dovecot session -> failed attempts): memory is fixed
 * by logparse_conf whatever the log holds. The common path allocates
 * nothing. Not thread-safe: one struct logparse per thread.
 */
#ifndef MH_LOGPARSE_H
#define MH_LOGPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logs/logline.h"

struct logparse;
struct logrule;

/* Called for each event of a line; the event and its strings are valid
 * only during the call. */
typedef void (*logparse_emit_fn)(void *arg, const struct log_event *);

/* Maps a numeric uid (Postfix pickup's uid=, qmail's info msg uid) to a
 * user name into buf; returns false when unknown (the uid is then used
 * as the name, in decimal). The default asks getpwuid_r() and caches. */
typedef bool (*logparse_uid_fn)(void *arg, unsigned long uid, char *buf,
    size_t len);

struct logparse_conf {
	size_t msg_slots;	/* messages whose submitter is remembered
				 * until delivered (default 16384) */
	size_t session_slots;	/* open SMTP/IMAP/POP sessions remembered
				 * (default 4096) */
	/* Users that are the MTA itself, never submitters (NULL-terminated;
	 * NULL: LOGPARSE_NOT_SUBMITTERS). */
	const char *const *not_submitters;
	logparse_uid_fn uid_name;	/* NULL: getpwuid_r */
	void *uid_arg;
};
/* qmail's own users, Postfix's, Exim's (Debian and upstream names). */
#define LOGPARSE_NOT_SUBMITTERS \
	"alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", \
	"qmails", "postfix", "Debian-exim", "exim", "mail", "mailnull"

/* NULL conf: the defaults. */
struct logparse *logparse_new(const struct logparse_conf *);
void logparse_free(struct logparse *);
/* Forget all correlation state (rules stay). */
void logparse_reset(struct logparse *);

/* Parse one line: emit() is called for each event (0, 1 or a few).
 * `now` stands in for the line's time when line->ts is 0. Returns the
 * number of events. */
size_t logparse_line(struct logparse *, const struct log_line *,
    int64_t now, logparse_emit_fn emit, void *arg);

/* Site rules. logrule_new() compiles a rule once (PCRE2, JIT when the
 * library has it) and checks it: on error it returns NULL and sets *err
 * to an allocated message naming the rule and the reason (free() it);
 * the configuration code prefixes FILE:LINE. `kind` is one of
 * auth_failure, auth_nopass, auth_success, submission, rejected; `proto`
 * NULL or smtp, submission, pop3, imap; `program` NULL (any line) or the
 * program name the line must carry; user_group/client_group are capture
 * group numbers (0: none). logparse_add_rule() takes ownership; rules
 * are tried in the order added, on lines for which no built-in parser
 * emitted an event, and the first that matches wins. */
struct logrule *logrule_new(const char *name, const char *regex,
    const char *kind, const char *proto, const char *program,
    int user_group, int client_group, char **err);
void logrule_free(struct logrule *);
void logparse_add_rule(struct logparse *, struct logrule *);

struct logparse_stats {
	uint64_t lines;		/* lines given */
	uint64_t events;	/* events emitted */
	uint64_t counted_lines;	/* lines that emitted at least one event */
	uint64_t by_parser[LOGP_COUNT];	/* lines handed to each family */
	uint64_t rule_hits;	/* lines counted by a site rule */
	uint64_t msg_evicted;	/* messages dropped from the submitter map
				 * before their last delivery */
	uint64_t session_evicted;
};
void logparse_stats(const struct logparse *, struct logparse_stats *);

/* "received", "submit", ..., for reports and tests; "?" if unknown. */
const char *logparse_kind_name(enum log_ev_kind);
const char *logparse_proto_name(enum log_proto);
/* The parser for a `parser = NAME` option: postfix, dovecot, qmail,
 * exim; returns false for anything else. */
bool logparse_parser_by_name(const char *name, enum log_parser *out);

#endif
