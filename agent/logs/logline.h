/*
 * logline.h: what flows from a log source to a log parser, and from a
 * parser to the counters. The two sides meet only here:
 *
 *   source (logsrc: plain file, multilog dir, journal)
 *     -> struct log_line: one complete line, its header split off
 *   parser (one per program family: postfix, dovecot, qmail, exim, rules)
 *     -> struct log_event: one fact a mail admin counts
 *   counters (logstats: totals, sliding windows, top-k, distinct counts)
 *
 * Strings are not NUL-terminated unless said so: (pointer, length) into
 * the source's buffer, valid only during the callback. Everything in a
 * line is untrusted outside input.
 */
#ifndef MH_LOGLINE_H
#define MH_LOGLINE_H

#include <stddef.h>
#include <stdint.h>

struct log_str {
	const char *p;
	size_t n;		/* 0 and p == NULL or "" when absent */
};

/* Which parser reads a line: from the program name in the line, or for
 * sources whose lines carry none (an Exim mainlog, a qmail multilog
 * directory) from the source's `parser` option or its content. */
enum log_parser {
	LOGP_AUTO = 0,		/* by program name */
	LOGP_POSTFIX,
	LOGP_DOVECOT,
	LOGP_QMAIL,
	LOGP_EXIM,
	LOGP_COUNT
};

struct log_line {
	struct log_str text;	/* the whole line, no newline */
	int64_t ts;		/* its own time stamp, unix seconds UTC;
				 * 0 when it has none (then the reader's
				 * clock) */
	struct log_str host;	/* syslog host, if any */
	struct log_str prog;	/* "postfix/smtpd", "dovecot", "qmail-send",
				 * "exim"; empty when the line has none */
	long pid;		/* -1 when none */
	struct log_str msg;	/* what follows "prog[pid]: " (the whole
				 * text when there is no header) */
	enum log_parser parser;	/* forced by the source, or LOGP_AUTO */
};

enum log_proto {
	LPROTO_NONE = 0,
	LPROTO_SMTP,		/* port 25 and any SMTP AUTH not known to be
				 * submission */
	LPROTO_SUBMISSION,
	LPROTO_POP3,
	LPROTO_IMAP,
	LPROTO_COUNT
};

enum log_ev_kind {
	LEV_RECEIVED = 1,	/* a message entered the queue (one per queue
				 * id; qmail "new msg"; Exim "<=") */
	LEV_SUBMIT,		/* who submitted an accepted message: user
				 * (SASL/AUTH name, or local user), client */
	LEV_DELIVERED,		/* one recipient, one attempt, per outcome */
	LEV_DEFERRED,
	LEV_BOUNCED,
	LEV_REJECTED,		/* one refusal line */
	LEV_AUTH_FAIL,		/* count passwords checked and refused */
	LEV_AUTH_NOPASS,	/* refused before any password was tried */
	LEV_AUTH_OK,
};

struct log_event {
	enum log_ev_kind kind;
	enum log_proto proto;
	int64_t ts;		/* the line's, or the reader's clock */
	uint32_t count;		/* usually 1; Dovecot "N attempts" */
	struct log_str qid;	/* queue id, when the line has one */
	struct log_str user;	/* submitter or login name; empty if none */
	struct log_str client;	/* client IP address, text */
	struct log_str domain;	/* recipient domain (deliveries) */
	struct log_str relay;	/* next hop (deliveries) */
	struct log_str dsn;	/* "4.7.28" */
	struct log_str reason;	/* remote reply or refusal text */
};

#endif
