/*
 * probe_int.h: the inside of the probe engine, and a map of it. Not for
 * users of probe.h. Prototypes are grouped by the file that defines them.
 *
 * A round (probe_set.c) turns every check into a job and hands it to
 * its engine: curl (probe_curl.c: tcp, tls, smtp.., http..), dns
 * (probe_dns.c, c-ares), cmd (probe_cmd.c: command, and the firewall's
 * iptables-save). process, file and the firewall through libnftables
 * are quick local reads done when the job starts (probe_local.c,
 * probe_fw.c). One poll() loop drives the engines' descriptors until
 * every job is done or has reached its deadline.
 */
#ifndef MH_PROBE_INT_H
#define MH_PROBE_INT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"
#include "probe/probe.h"

struct probe_job;

/* One check of a set: its description (owned copies) and its state. */
struct probe {
	struct probe_desc d;
	char **argv;		/* command: the split command line */
	int dns_type;		/* dns: ns_t_* */
	char fw_family[16];	/* firewall: parsed target */
	char fw_table[64];
	char fw_note[200];	/* why nft was not used, for the error */
	struct probe_result r;
	struct probe_job *job;	/* this round's, NULL between rounds */
};

/* An engine drives jobs of some kinds. start() may finish the job at
 * once; fill() adds the descriptors it waits on to the poll set and
 * lowers *wake_ms (monotonic) to when it next needs a call; process()
 * gets back what it added (in order) after poll(); cancel() is called
 * when a job reached its deadline, after which the engine must forget
 * it. */
struct pollvec {
	struct pollfd *v;
	size_t n, cap;
};

struct probe_engine {
	const char *name;
	void *(*init)(void);
	void (*fini)(void *);
	void (*start)(void *, struct probe_job *);
	void (*fill)(void *, struct pollvec *, int64_t *wake_ms);
	void (*process)(void *, const struct pollfd *, size_t n);
	void (*cancel)(void *, struct probe_job *);
};

struct probe_job {
	struct probe *p;
	const struct probe_engine *engine;
	void *engine_state;
	int64_t start_ms, deadline_ms;
	bool cut;		/* deadline_ms is the round's, before the
				 * check's own timeout */
	bool done;
	void *priv;		/* the engine's per-job data */
	void *cmd_state;	/* the cmd engine's, for probe_cmd_spawn */
	/* a command job calls this when the program has ended (command
	 * checks: probe_cmd_verdict; firewall: probe_fw_iptables_done) */
	void (*cmd_done)(struct probe_job *, int wstatus, const char *out,
	    size_t outlen, bool truncated);
	size_t cmd_out_max;	/* output kept; 0: 4 KiB */
};

/* probe_set.c ------------------------------------------------------ */
int64_t probe_now_ms(void);
/* Finish a job: ok, or the reason (printf) it failed. The first call
 * wins; later ones are ignored. */
void probe_job_ok(struct probe_job *, const char *detail_fmt, ...)
    MH_PRINTF(2, 3);
void probe_job_fail(struct probe_job *, const char *fmt, ...)
    MH_PRINTF(2, 3);
void probe_job_set_cert(struct probe_job *, int days);
/* "timeout after N s" with the phase it was in ("no greeting") */
void probe_job_timeout(struct probe_job *, const char *phase);
size_t pollvec_add(struct pollvec *, int fd, short events);

/* probe_flap.c: flap control, pure */
void probe_flap_apply(struct probe_result *, bool ok, unsigned fall,
    unsigned rise, time_t now);

/* probe_kind.c ----------------------------------------------------- */
const struct probe_engine *probe_kind_engine(enum probe_kind);
unsigned probe_kind_port(enum probe_kind);	/* 0: none */
const char *probe_kind_scheme(enum probe_kind);	/* libcurl's */
const char *probe_kind_command(enum probe_kind);	/* after the greeting */
#define KIND_MAIL 0x01		/* SMTP, POP3, IMAP: a greeting, commands */
#define KIND_TLS 0x02		/* TLS from the start */
#define KIND_STARTTLS 0x04	/* may say STARTTLS (STLS) */
#define KIND_STARTTLS_DEFAULT 0x08	/* and does by default */
#define KIND_TAGGED 0x10	/* IMAP: commands start with a tag */
#define KIND_WEB 0x20		/* HTTP(S): a URL and a status */
bool probe_kind_is(enum probe_kind, unsigned flags);	/* any of them */
/* "host:port", "host" (the kind's port), "[v6]:port" into host (v6 in
 * brackets) and port; -1 with a reason. */
int probe_hostport(const char *target, enum probe_kind, char *host,
    size_t hlen, unsigned *port, char *err, size_t errlen);
/* libcurl's URL for a check, and in ct a CURLOPT_CONNECT_TO entry
 * ("NAME:PORT:ADDR:PORT") when tls_name is set, else ""; -1 and why. */
int probe_url(const struct probe_desc *, char *url, size_t ulen, char *ct,
    size_t ctlen, char *err, size_t errlen);
bool probe_want_starttls(const struct probe_desc *);
/* Copy s into dst as one printable line: control bytes and bytes of
 * invalid UTF-8 become '?', trailing CR/LF and blanks go. */
void probe_text_clean(char *dst, size_t dstlen, const char *s, size_t n);
/* Days left from an X.509 date as OpenSSL prints it ("Mar  5 12:00:00
 * 2025 GMT"); -1 when it cannot be read (*days untouched). */
int probe_cert_days(const char *date, time_t now, int *days);

/* probe_reply.c: one line from an SMTP, POP3 or IMAP server (cleaned,
 * without CRLF); greeting: the first line of the connection. MORE: a
 * line inside a reply; OK: the last line of a positive reply; FAIL: a
 * refusal (or not the protocol at all). */
enum probe_reply {
	PROBE_REPLY_MORE,
	PROBE_REPLY_OK,
	PROBE_REPLY_FAIL,
};
enum probe_reply probe_reply_check(enum probe_kind, bool greeting,
    const char *line);
/* A dialogue: lines in and out as the client sees them. _in returns
 * true when the server has said its last word (a refusal, or the answer
 * to the kind's final command): nothing after it matters. _error: why it
 * failed ("greeting 554 ...", "STARTTLS: 454 ...", "EHLO x: fallback"). */
struct probe_dialogue {
	char greeting[160];	/* the server's first line */
	char cmd[160];		/* the last command (an IMAP tag dropped) */
	char reply[160];	/* the last line ending a reply to it */
	char fail_cmd[160];	/* the command refused, "" the greeting */
	char fail_reply[160];	/* the first refusal, "" if none */
	bool got_in, final_sent, over;
};
bool probe_dialogue_in(struct probe_dialogue *, enum probe_kind,
    const char *line);
void probe_dialogue_out(struct probe_dialogue *, enum probe_kind,
    const char *line);
void probe_dialogue_error(const struct probe_dialogue *,
    const char *fallback, char *buf, size_t len);

/* probe_curl.c, probe_dns.c, probe_cmd.c: the engines */
extern const struct probe_engine probe_engine_curl;
extern const struct probe_engine probe_engine_dns;
extern const struct probe_engine probe_engine_cmd;
extern const struct probe_engine probe_engine_local;	/* probe_local.c */
/* probe_dns.c: the ns_t_* number of "MX", -1 if not supported */
int probe_dns_type(const char *);
/* "IP[:PORT][,IP[:PORT]...]" as c-ares takes it: 0, or -1 and why */
int probe_dns_check_resolver(const char *, char *err, size_t errlen);
/* probe_cmd.c: run argv for the job, which moves to the cmd engine
 * (whatever engine started it); the job's cmd_done is called when the
 * program ends, not when the job times out. Returns -1 after failing
 * the job when the program cannot be run. */
int probe_cmd_spawn(struct probe_job *, char *const argv[]);
void probe_cmd_verdict(struct probe_job *, int wstatus, const char *out,
    size_t outlen, bool truncated);

/* probe_fw.c: the firewall check */
/* target "[FAMILY] TABLE" (or empty) and chain: checked, and split */
int probe_fw_parse_target(const char *target, const char *chain,
    char *family, size_t flen, char *table, size_t tlen, char *err,
    size_t errlen);
void probe_fw_start(struct probe_job *);
/* iptables-save output: the rules (-A lines) of table, in chain when
 * chain is not NULL; -1 when the table is not in it. */
int probe_fw_iptables_count(const char *text, size_t len,
    const char *table, const char *chain, unsigned *rules, bool *chain_found);
/* FNV-1a 64 of the text, skipping what changes without a change of
 * ruleset (iptables-save's comments and [packets:bytes] counters). */
uint64_t probe_fw_hash(const char *text, size_t len, bool iptables);
unsigned probe_fw_count_json_rules(const char *json);

#endif
