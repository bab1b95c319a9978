/*
 * util.h: what every mailhealth program shares: logging, allocation, a
 * growable string buffer and a string hash. Nothing here knows about
 * SNMP or mail.
 */
#ifndef MH_UTIL_H
#define MH_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define MH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MH_NORETURN __attribute__((noreturn))
#define MH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* log.c ---------------------------------------------------------------
 * Every message carries a subsystem token ("queue", "snmp", "conf").
 * log_warn() appends strerror(errno), log_warnx() does not. Every call
 * preserves errno. log_debug() prints only for tokens enabled with -D
 * (or all of them with -D all / -D alone). */
enum log_dest { LOG_TO_STDERR, LOG_TO_SYSLOG };
void log_init(const char *ident, enum log_dest dest);
void log_set_debug(const char *tokens); /* comma list, "all" or NULL */
bool log_debug_enabled(const char *token);
void log_warn(const char *token, const char *fmt, ...) MH_PRINTF(2, 3);
void log_warnx(const char *token, const char *fmt, ...) MH_PRINTF(2, 3);
void log_info(const char *token, const char *fmt, ...) MH_PRINTF(2, 3);
void log_notice(const char *token, const char *fmt, ...) MH_PRINTF(2, 3);
void log_debug(const char *token, const char *fmt, ...) MH_PRINTF(2, 3);
void log_fatalx(const char *token, const char *fmt, ...) MH_PRINTF(2, 3) MH_NORETURN;
void log_vlog(int prio, const char *token, const char *fmt, va_list ap) MH_PRINTF(3, 0);

/* xmalloc.c -----------------------------------------------------------
 * Allocation-failure policy (see docs/architecture.md): a daemon that
 * cannot get a few hundred bytes cannot do anything useful or safe, so
 * these log and abort. Data structures that could grow without bound
 * (top-N tables, queue caches) are bounded by design instead. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) MH_PRINTF(1, 2);

/* strbuf.c ------------------------------------------------------------
 * A growable NUL-terminated buffer, for JSON, reports and messages. */
struct strbuf {
	char *s;
	size_t len, cap;
};
void strbuf_init(struct strbuf *b);
void strbuf_free(struct strbuf *b);
void strbuf_reset(struct strbuf *b);
void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_putc(struct strbuf *b, char c);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) MH_PRINTF(2, 3);
/* JSON string with quotes; invalid UTF-8 bytes become U+FFFD. */
void strbuf_json_str(struct strbuf *b, const char *s);
char *strbuf_steal(struct strbuf *b);
/* Bytes in the valid UTF-8 sequence at s (1..4), 0 when it is not one.
 * Reads at most up to the first byte that breaks the sequence, so a
 * NUL-terminated string is never read past its end. */
size_t utf8_seq(const unsigned char *s);

/* mhstr.c -------------------------------------------------------------
 * The one door for outside text leaving the agent (MhString): valid
 * UTF-8 (bad bytes become U+FFFD), control characters replaced (tab, CR,
 * LF by a space), at most max octets (MH_STR_MAX for SNMP), cut at a
 * character boundary. */
#define MH_STR_MAX 255
/* Clean len bytes of src into dst (NUL-terminated); returns its length.
 * max 0: as much as dst holds. */
size_t mhstr_clean(char *dst, size_t dstsz, const char *src, size_t len,
    size_t max);
/* The same, appended to a buffer (max 0: 4 x MH_STR_MAX). */
void strbuf_clean(struct strbuf *b, const char *s, size_t len, size_t max);
/* A JSON string of the cleaned text (at most MH_STR_MAX octets). */
void strbuf_json_text(struct strbuf *b, const char *s);

/* hash ----------------------------------------------------------------
 * FNV-1a, 64 bits, for the hash tables of both programs and the hashes
 * kept in the logs' state files. The offset basis is a digit short of
 * FNV's own (14695981039346656037): the state files hold hashes made
 * with this one, so it stays. A byte's low bits reach only the low bits of h, so
 * a table indexed by h & mask folds high bits in first, each caller as
 * its keys need. Inline: it runs for every log line and queue file. */
#define MH_FNV1A64_BASIS 1469598103934665603ULL
#define MH_FNV1A64_PRIME 1099511628211ULL
static inline uint64_t
mh_fnv1a64(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = MH_FNV1A64_BASIS;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= MH_FNV1A64_PRIME;
	}
	return h;
}

#endif
