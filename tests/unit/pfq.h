/*
 * pfq.h: write Postfix queue files byte for byte as cleanup(8) does, for
 * the unit tests of queue_postfix.c.
 *
 * The layout follows files written by Postfix 3.7 (checked with od(1)
 * against a private instance, see tests/fuzz/corpus/pf_qfile/):
 *   C "%15ld %15ld %15ld %15ld %15ld %15ld" (content size, content
 *     offset, recipient count, qmgr flags, content length, sendopts),
 *   T "sec usec", A create_time=, A rewrite_context=local, F full name,
 *   S sender, then per recipient A dsn_orig_rcpt=rfc822;addr, O addr,
 *   R addr (D once delivered, '/' once cancelled), a reserved pointer
 *   record, M, N content lines, X, extracted recipients, E;
 *   recipients a milter added sit after E, chained with p records, the
 *   last pointing back behind the reserved pointer.
 */
#ifndef PFQ_H
#define PFQ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pfq_rcpt {
	const char *addr;
	char type;		/* 'R' pending, 'D' delivered, '/' cancelled */
};

struct pfq_msg {
	const char *sender;	/* "" = null sender; NULL = no S record */
	long arrival;
	long usec;		/* < 0: a T record with seconds only */
	const struct pfq_rcpt *rcpt;
	size_t nrcpt;
	size_t nextract;	/* of those, the last ones after X ... */
	size_t nappend;		/* ... and before them, appended after E */
	const char *body;	/* content, lines split on '\n'; NULL: short */
	bool no_size;		/* no C record (maildrop files have none) */
};

/* The file's bytes (malloc'ed), its length in *len. */
unsigned char *pfq_build(const struct pfq_msg *, size_t *len);
/* Write DIR/NAME (making DIR and its parents) with the mode; 0 or -1. */
int pfq_write(const char *dir, const char *name, mode_t mode,
    const struct pfq_msg *);
/* Write raw bytes the same way. */
int pfq_write_raw(const char *dir, const char *name, mode_t mode,
    const void *buf, size_t len);

#endif
