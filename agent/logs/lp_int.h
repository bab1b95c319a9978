/*
 * lp_int.h: what the log parsers share, and nobody else needs: the
 * parser state, the emit helper, string scanning, the bounded maps.
 * Prototypes grouped by the file that defines them.
 */
#ifndef MH_LP_INT_H
#define MH_LP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "logs/logparse.h"

/* Fixed sizes of remembered strings. A user name or address longer than
 * these is remembered truncated (docs/logs.md). */
#define LP_USER_MAX 96
#define LP_IP_MAX 48		/* an IPv6 text form is at most 45 */
#define LP_DOMAIN_MAX 256

/* ------------------------------------------------------------------ */
/* lpmap.c: bounded LRU map, short key -> fixed-size value. */

#define LPMAP_KEYMAX 31
struct lpmap;
struct lpmap *lpmap_new(size_t slots, size_t vsize);
void lpmap_free(struct lpmap *);
void lpmap_clear(struct lpmap *);
void *lpmap_get(struct lpmap *, const char *key, size_t n);
/* The value under key, zeroed when new; NULL if the key is empty or
 * longer than LPMAP_KEYMAX. Evicts the least recently used when full. */
void *lpmap_put(struct lpmap *, const char *key, size_t n);
void lpmap_del(struct lpmap *, const char *key, size_t n);
uint64_t lpmap_evicted(const struct lpmap *);
size_t lpmap_used(const struct lpmap *);

/* ------------------------------------------------------------------ */
/* lpscan.c: scanning (pointer, length) strings without allocating. */

/* The first occurrence of needle in s, or NULL. */
const char *lpscan_find(struct log_str s, const char *needle, size_t n);
#define LPS_FIND(s, lit) lpscan_find((s), (lit), sizeof(lit) - 1)
/* The last occurrence of needle in s, or NULL. */
const char *lpscan_rfind(struct log_str s, const char *needle, size_t n);
/* Inline, so that a comparison with a short literal compiles to a few
 * instructions rather than a call: these run several times per line. */
static inline bool
lpscan_starts(struct log_str s, const char *lit, size_t n)
{
	return s.n >= n && memcmp(s.p, lit, n) == 0;
}
#define LPS_STARTS(s, lit) lpscan_starts((s), (lit), sizeof(lit) - 1)
static inline bool
lpscan_eq(struct log_str s, const char *lit, size_t n)
{
	return s.n == n && memcmp(s.p, lit, n) == 0;
}
#define LPS_EQ(s, lit) lpscan_eq((s), (lit), sizeof(lit) - 1)
/* If s starts with lit, advance past it and return true. */
static inline bool
lpscan_skip(struct log_str *s, const char *lit, size_t n)
{
	if (!lpscan_starts(*s, lit, n))
		return false;
	s->p += n;
	s->n -= n;
	return true;
}
#define LPS_SKIP(s, lit) lpscan_skip((s), (lit), sizeof(lit) - 1)
/* The string from p to the end of s. */
struct log_str lpscan_from(struct log_str s, const char *p);
/* Up to (not including) the first byte c at or after p, within s. */
struct log_str lpscan_until(struct log_str s, const char *p, char c);
/* The value after key (e.g. "relay=") up to the first byte of stop, in
 * s; empty (p == NULL) when the key is absent. */
struct log_str lpscan_field(struct log_str s, const char *key, size_t kn,
    const char *stops);
#define LPS_FIELD(s, key, stops) lpscan_field((s), (key), sizeof(key) - 1, (stops))
/* Leading decimal number of s (advancing s); false if none or > max. */
bool lpscan_ulong(struct log_str *s, unsigned long *out, unsigned long max);
/* The address in "host[ip]" or "[ip]" or "host[ip]:port" at p: the
 * part inside the first brackets. */
struct log_str lpscan_bracket(struct log_str s, const char *p);
/* The domain of an address: after the last '@'; empty when none. */
struct log_str lpscan_domain(struct log_str addr);
/* An "x.y.z" enhanced status code at the start of s (1..3 digit parts,
 * first 2, 4 or 5); empty when there is none. */
struct log_str lpscan_dsn(struct log_str s);
/* After "NNN " (a 3-digit reply code) somewhere in s: the reply from
 * the code to the end, or empty. */
struct log_str lpscan_reply(struct log_str s);
/* Strip spaces at both ends. */
struct log_str lpscan_trim(struct log_str s);
/* Copy s into a NUL-terminated buffer of size len, truncated. */
void lpscan_copy(char *dst, size_t len, struct log_str s);
static inline struct log_str
lps_cstr(const char *p)
{
	struct log_str s = { p, 0 };

	while (p[s.n] != '\0')
		s.n++;
	return s;
}
/* The end of x, or NULL for an absent string (never NULL + 0). */
static inline const char *
lpscan_end(struct log_str x)
{
	return x.p != NULL ? x.p + x.n : NULL;
}
static inline struct log_str
lps_mk(const char *p, size_t n)
{
	struct log_str s = { p, n };

	return s;
}

/* ------------------------------------------------------------------ */
/* logparse.c: the dispatcher and what the families share. */

/* One line being parsed: where its events go. */
struct lp_emit {
	struct logparse *lp;
	const struct log_line *line;
	int64_t ts;
	logparse_emit_fn fn;
	void *arg;
	size_t n;
};
/* Fill ev->ts (and count 1 if 0) and hand it on. */
void lp_emit(struct lp_emit *, struct log_event *);
/* A fresh event of kind for this line. */
void lp_event_init(struct log_event *, enum log_ev_kind);
/* Is this user one of the MTA's own (never a submitter)? */
bool lp_not_submitter(const struct logparse *, struct log_str user);
/* The name of uid into buf (the decimal uid when unknown). */
struct log_str lp_uid_name(struct logparse *, unsigned long uid, char *buf,
    size_t len);
/* Who submitted a message, remembered under its queue id for its
 * deliveries (the value of a family's message map). */
struct lp_msg {
	char user[LP_USER_MAX];
	char client[LP_IP_MAX];
	uint8_t proto;
};
/* Remember user, client and proto under id in msgs (a map of struct
 * lp_msg) and emit the LEV_SUBMIT event of message id. */
void lp_submit(struct lp_emit *, struct lpmap *msgs, struct log_str id,
    struct log_str user, struct log_str client, enum log_proto);
/* A scratch buffer valid until the next line (for reasons rewritten, as
 * qmail's underscores). */
char *lp_scratch(struct logparse *, size_t *len);

/* ------------------------------------------------------------------ */
/* One file per program family, one row in logparse.c's table: its
 * state is made on the first line the family reads. */

struct lp_family {
	const char *name;	/* the `parser` option's value */
	void *(*init)(size_t msg_slots, size_t session_slots);
	void (*fini)(void *);
	/* Parse one line (its program name, its message). */
	void (*line)(struct lp_emit *, void *, struct log_str prog,
	    struct log_str msg);
	/* Messages and sessions dropped from full maps so far. */
	void (*evicted)(const void *, uint64_t *msg, uint64_t *session);
};
extern const struct lp_family lp_postfix_family, lp_dovecot_family,
    lp_qmail_family, lp_exim_family;

/* lp_rules.c */
struct lp_rules;
struct lp_rules *lp_rules_new(void);
void lp_rules_free(struct lp_rules *);
void lp_rules_add(struct lp_rules *, struct logrule *);
bool lp_rules_empty(const struct lp_rules *);
/* Try the rules on a line; true if one matched (and emitted). */
bool lp_rules_line(struct lp_rules *, struct lp_emit *);

#endif
