/*
 * probe.h: service checks as an engine with a small API. A probe set is
 * built from an array of check descriptions, run once per round with
 * every probe at once, and keeps each check's state (flap control, last
 * change, last error) across rounds. It knows nothing of the snapshot,
 * the configuration file or SNMP: the services collector glues it in.
 *
 *	struct probe_set *s = probe_set_new(descs, n, &err);
 *	for (;;) {
 *		probe_set_run(s, 0);		// at most the longest timeout
 *		for (i = 0; i < probe_set_count(s); i++)
 *			use(probe_set_result(s, i));
 *	}
 *	probe_set_free(s);
 *
 * A set is used by one thread at a time. A round never takes longer than
 * the longest timeout of its probes (plus the round's own deadline, if
 * shorter): a probe still running then is a failure "timeout after N s",
 * never a hang. See docs/probes.md.
 */
#ifndef MH_PROBE_H
#define MH_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* What a check does. The numbers are MAILHEALTH-MIB's MhServiceKind:
 * 1..6 were there before; 7.. are appended for the protocol checks. */
enum probe_kind {
	PROBE_TCP = 1,		/* TCP connect to host:port */
	PROBE_TLS = 2,		/* TCP connect and TLS handshake */
	PROBE_PROCESS = 3,	/* a process by name, or a pid file, alive */
	PROBE_DNS = 4,		/* a name resolves (A, AAAA, MX, TXT, ...) */
	PROBE_COMMAND = 5,	/* a program exits 0 */
	PROBE_FILE = 6,		/* a file exists (and is recent) */
	PROBE_SMTP = 7,		/* 220 greeting, EHLO, QUIT */
	PROBE_SUBMISSION = 8,	/* the same on 587, STARTTLS by default */
	PROBE_SMTPS = 9,	/* SMTP in implicit TLS (465) */
	PROBE_POP3 = 10,	/* +OK greeting, CAPA, QUIT */
	PROBE_POP3S = 11,
	PROBE_IMAP = 12,	/* * OK greeting, CAPABILITY, LOGOUT */
	PROBE_IMAPS = 13,
	PROBE_HTTP = 14,	/* GET, status as expected */
	PROBE_HTTPS = 15,
	PROBE_FIREWALL = 16,	/* ruleset loaded, table/chain has rules */
};
#define PROBE_KIND_MAX PROBE_FIREWALL

/* Status after flap control; the numbers are the MIB's (up, down,
 * unknown). */
enum probe_status {
	PROBE_UP = 1,
	PROBE_DOWN = 2,
	PROBE_UNKNOWN = 3,	/* not decided yet (see rise/fall) */
};

/* A yes/no option whose default depends on the kind. */
enum probe_opt {
	PROBE_OPT_DEFAULT = 0,
	PROBE_OPT_NO,
	PROBE_OPT_YES,
};

enum probe_fw_backend {
	PROBE_FW_AUTO = 0,	/* libnftables; iptables-save if nft fails */
	PROBE_FW_NFT,
	PROBE_FW_IPTABLES,
};

#define PROBE_TIMEOUT_DEFAULT 10	/* seconds */
#define PROBE_FALL_DEFAULT 2	/* failures in a row before down */
#define PROBE_RISE_DEFAULT 1	/* successes in a row before up */
#define PROBE_MAX 1024		/* checks in one set (mhServiceIndex) */

/*
 * One check as configured. Strings are copied by probe_set_new(); zero
 * or NULL means the default. What target means depends on the kind:
 *   tcp, tls, smtp..imaps  "host:port", "host" (the kind's port),
 *                          "[v6addr]:port"
 *   http, https            a URL, or host[:port][/path]
 *   dns                    the name to resolve
 *   process                the process name (/proc/PID/comm), optional
 *                          with pidfile
 *   command                the command line (probe_words syntax)
 *   file                   the path
 *   firewall               "[FAMILY] TABLE" (nft; family default ip),
 *                          or NULL: only "a ruleset is loaded"
 */
struct probe_desc {
	const char *name;
	enum probe_kind kind;
	const char *target;
	unsigned timeout;	/* seconds, default 10 */
	unsigned fall;		/* default 2 */
	unsigned rise;		/* default 1 */

	/* TLS: implicit for tls, smtps, pop3s, imaps, https */
	enum probe_opt starttls;	/* smtp, pop3, imap: default no;
					 * submission: default yes */
	bool tls_verify;	/* verify chain and name (default off) */
	const char *tls_name;	/* name to verify and send as SNI when
				 * target is an address */
	const char *ca_file;	/* CA bundle for tls_verify */
	int min_cert_days;	/* fail when fewer whole days are left;
				 * 0: only an expired certificate fails */

	/* http, https */
	long http_status;	/* expected status; 0: any 2xx or 3xx */

	/* dns */
	const char *dns_type;	/* A (default), AAAA, MX, TXT, NS, SOA,
				 * PTR */
	const char *resolver;	/* "IP[:PORT][,IP[:PORT]...]"; NULL: the
				 * system's (/etc/resolv.conf) */
	bool nxdomain_ok;	/* NXDOMAIN is up (the check is that the
				 * resolver answers) */
	const char *expect;	/* dns: some answer contains this text */

	/* firewall */
	const char *chain;	/* the chain in target's table must have
				 * rules (else: any chain of it) */
	enum probe_fw_backend fw_backend;

	/* process */
	const char *pidfile;	/* its pid must be alive (and its comm be
				 * target, when target is set) */

	/* file */
	long max_age;		/* seconds since the last modification;
				 * 0: existence only */
};

#define PROBE_ERR_MAX 256
#define PROBE_DETAIL_MAX 128

/* A check's result: this round's outcome and the state across rounds. */
struct probe_result {
	/* this round */
	bool checked;		/* ran at least once */
	bool ok;		/* passed this round */
	long response_ms;	/* start to answer on the monotonic clock;
				 * -1 for process and file checks */
	char error[PROBE_ERR_MAX];	/* why it failed, "" when ok */
	char detail[PROBE_DETAIL_MAX];	/* what was seen when ok: "HTTP
					 * 200", "10 mx1.example.net", ... */
	bool have_cert;		/* a TLS certificate was seen */
	int cert_days;		/* whole days until it expires (<0: past) */

	/* firewall */
	char fw_fingerprint[17];	/* hex FNV-1a 64 of the ruleset
					 * (stateless, terse), "" if none */
	unsigned fw_rules;	/* rules in the configured table/chain */
	bool fw_changed;	/* the fingerprint differs from the last
				 * round's that was read */
	char fw_event[PROBE_ERR_MAX];	/* "ruleset changed (...)" */

	/* across rounds */
	enum probe_status status;
	bool status_changed;	/* status changed in this round */
	time_t last_change;	/* wall clock of that change, 0 = never */
	char last_error[PROBE_ERR_MAX];	/* last failure; kept after the
					 * service recovers, "" if none */
	unsigned fails, oks;	/* consecutive failures / successes */
};

struct probe_set;

/* Validate one description: 0, or -1 with a short reason in err
 * ("unknown DNS type 'MXX'", "command: unterminated quote"). Callers
 * that read a configuration file use it to report FILE:LINE. */
int probe_desc_check(const struct probe_desc *, char *err, size_t errlen);
/* Free a description's strings (not the struct): for a caller that
 * xstrdup'd each of them, as probe_set_new() does for its copies. */
void probe_desc_free(struct probe_desc *);

/* A set of n checks (n <= PROBE_MAX); NULL with *err set (malloc'd,
 * "NAME: reason") when a description is invalid. */
struct probe_set *probe_set_new(const struct probe_desc *, size_t n,
    char **err);
void probe_set_free(struct probe_set *);

/* Carry the state (status, counters, last change, last error, firewall
 * fingerprint) of checks of the same name, kind and target over from
 * old, for a configuration reload. */
void probe_set_adopt(struct probe_set *s, const struct probe_set *old);
/* The same for check i from a result saved earlier (what
 * probe_set_result gave for a check of the same name, kind and target),
 * when the old set itself is gone: the services collector keeps its
 * last results across the restart a reload makes. */
void probe_set_restore(struct probe_set *s, size_t i,
    const struct probe_result *saved);

/* One round: start every check at once; return when all are done or
 * max_ms has passed (0: no limit beyond each probe's timeout). A check
 * that reaches its timeout fails "timeout after N s (phase)"; one cut
 * by max_ms fails "round deadline after N ms". Returns the round's
 * duration in ms. Blocks the calling thread for that long: run it on a
 * thread of its own if other collectors must not wait. */
long probe_set_run(struct probe_set *, long max_ms);

size_t probe_set_count(const struct probe_set *);
const struct probe_desc *probe_set_desc(const struct probe_set *, size_t i);
const struct probe_result *probe_set_result(const struct probe_set *,
    size_t i);

/* probe_kind.c: names as in the configuration ("smtp", "pop3s") */
const char *probe_kind_name(enum probe_kind);
int probe_kind_parse(const char *);	/* -1 if unknown */
const char *probe_status_name(enum probe_status);	/* "up" */

/* probe_words.c: split a command line into words, without a shell.
 * Words are separated by blanks; '...' is literal; "..." is literal but
 * for \" and \\; a backslash outside quotes takes the next character as
 * it is. No expansion of any kind. An unquoted | & ; < > ( ) $ ` is an
 * error (this is not a shell: say sh -c '...' if one is meant).
 * Returns the number of words (argv NULL-terminated, free with
 * probe_words_free), or -1 with a reason in err. */
int probe_words_split(const char *line, char ***argv, char *err,
    size_t errlen);
void probe_words_free(char **argv);

#endif
