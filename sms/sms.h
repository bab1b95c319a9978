/*
 * sms.h: the private header of mailhealth-sms, the snmptrapd trap handler
 * that turns MAILHEALTH-MIB notifications into SMS. Prototypes are grouped
 * by the file that defines them, so this header is also a map of the
 * program:
 *
 *   trapin.c    snmptrapd "traphandle" text -> struct trap (OIDs, values)
 *   alert.c     struct trap -> struct sms_alert (what MAILHEALTH-MIB means)
 *   render.c    metric -> words: units, thousands, "93% used (>= 90)"
 *   msg.c       templates, GSM-7 / UCS-2 length, truncation, summaries
 *   route.c     who gets an alert, quiet hours
 *   storm.c     dedupe, per-recipient rate limit, held-back summaries
 *   spool.c     the durable spool (tmp -> fsync -> rename, flock claims)
 *   gwreq.c     HTTP gateway styles: build a request, classify the answer
 *   redact.c    secrets masked in what is printed or logged
 *   sms_conf.c  mailhealth-sms.conf (libconfuse)
 *   audit.c     the audit log, one line per message event
 *   launch.c    find mailhealth-sms-sender, exec it or start it detached
 *   fallback.c  a page that cannot be spooled: fallback spool, syslog
 *   status.c    --status: pages waiting, failed, lost
 *   deadman.c   heartbeats recorded; silent hosts paged (dead-man's switch)
 *   recon.c     alarms paged for; the clears reconciliation makes
 *   handler.c   the handler path: parse, decide, spool, start a sender
 *   sms_main.c  the command line
 *
 * Those make libmhsms.la, which mailhealth-sms (the handler snmptrapd
 * starts for every trap) links: no libcurl. The sender half is
 * libmhsmssend.la, linked into mailhealth-sms-sender only:
 *
 *   gateway.c   the libcurl request
 *   deliver.c   one pass over the spools: send, retry, fail; summaries
 *   sender.c    the sender loop (--daemon, --flush, detached sender)
 *   sender_main.c  mailhealth-sms-sender's command line, --test
 */
#ifndef MH_SMS_H
#define MH_SMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "util.h"
#include "mhmib.h"

/* sysexits.h values we use, spelled out so the meaning is in one place */
#define SMS_EX_OK 0
#define SMS_EX_USAGE 64
#define SMS_EX_DATAERR 65
#define SMS_EX_UNAVAILABLE 69
#define SMS_EX_SOFTWARE 70
#define SMS_EX_IOERR 74
#define SMS_EX_TEMPFAIL 75
#define SMS_EX_CONFIG 78

/* Largest notification we accept on stdin. A MAILHEALTH trap is < 2 KiB. */
#define TRAPIN_MAX_INPUT (64 * 1024)

/* Alarm families and severities: enum mh_family and enum mh_severity of
 * mhmib.h, shared with the agent. */

/* trapin.c ------------------------------------------------------------ */
struct trap_varbind {
	char *oid;	/* normalised numeric ".1.3..." when we could, else as read */
	char *value;	/* decoded: quotes, escapes and hex undone; NUL-terminated */
	size_t value_len;
};

struct trap {
	char *host;		/* first line: %B */
	char *transport;	/* second line: %b */
	struct trap_varbind *vb;
	size_t nvb;
};

int trapin_parse(const char *buf, size_t len, struct trap *t, char *err,
    size_t errlen);
void trapin_free(struct trap *t);
int trapin_read_fd(int fd, char **buf, size_t *len, int timeout_ms,
    char *err, size_t errlen);
char *trapin_normalize_oid(const char *oid);
const char *trapin_lookup(const struct trap *t, const char *oid);
char *trapin_source(const char *transport);
char *trapin_quote(const char *s);

/* alert.c ------------------------------------------------------------- */
struct sms_alert {
	bool ours;		/* a MAILHEALTH-MIB notification */
	bool cleared;
	enum mh_family family;
	enum mh_severity severity;
	unsigned long alarm_index;
	char *host;		/* mhNotifyHost, else the sending host */
	char *trap_oid;		/* snmpTrapOID.0 value as received */
	char *alarm_name, *metric, *instance, *text;
	char *value, *threshold; /* as decimal text; "" when absent */
	/* the words of the text (render.c): "disk /var/spool", "93% used",
	 * ">= 90", subject + reading, head + " (limit)" */
	char *subject, *reading, *limit, *head, *summary;
	unsigned missing;	/* bit (1 << column-1): mhNotify objects absent */
	bool no_trap_oid;	/* no snmpTrapOID.0: family guessed, "raised" */
	bool heartbeat;		/* mhHeartbeat: not a page (deadman.c) */
	unsigned long interval;	/* mhNotifyInterval of a heartbeat */
};

int alert_from_trap(const struct trap *t, struct sms_alert *a, char *err,
    size_t errlen);
void alert_free(struct sms_alert *a);
char *alert_key(const struct sms_alert *a);
char *alert_missing_names(const struct sms_alert *a);
int alert_severity_from_name(const char *s);
const char *alert_root_oid(void);
const char *alert_symbol_oid(const char *name, char *buf, size_t buflen);
void alert_trap_begin(struct strbuf *b, const char *host,
    const char *transport, int n);
void alert_trap_num(struct strbuf *b, int col, long long v);
void alert_trap_str(struct strbuf *b, int col, const char *s);
const char *alert_field(const struct sms_alert *a, const char *name,
    size_t namelen);
extern const char *const alert_placeholders[];

/* render.c ------------------------------------------------------------ */
void render_alert(struct sms_alert *a);
void render_grouped(struct strbuf *b, long long v);

/* msg.c --------------------------------------------------------------- */
enum msg_coding { MSG_GSM7, MSG_UCS2 };

struct msg_len {
	enum msg_coding coding;
	size_t units;	/* septets for GSM-7, UTF-16 code units for UCS-2 */
	size_t chars;	/* Unicode code points */
};

/* Placeholder lookup: return NULL for an unknown name. */
typedef const char *(*msg_lookup_fn)(void *ctx, const char *name,
    size_t namelen);
/* Escaper applied to each substituted value (NULL = copy as is). */
typedef void (*msg_escape_fn)(struct strbuf *b, const char *s);

int msg_tmpl_expand(const char *tmpl, msg_lookup_fn get, void *ctx,
    msg_escape_fn esc, struct strbuf *out, char *err, size_t errlen);
int msg_tmpl_check(const char *tmpl, const char *const *names, char *err,
    size_t errlen);
void msg_measure(const char *utf8, struct msg_len *out);
size_t msg_budget(enum msg_coding c, int segments);
char *msg_to_gsm(const char *utf8);
char *msg_fit(const char *text, const char *suffix, int segments,
    const char *marker, bool allow_ucs2);
char *msg_summary(unsigned total, const unsigned counts[MH_FAM_COUNT]);
char *msg_clean(const char *s);
size_t msg_utf8_len(const unsigned char *s);

/* sms_conf.c ---------------------------------------------------------- */
struct quiet {
	bool set;
	int start, end;	/* minutes after midnight, local time; end exclusive */
};

struct sms_route {
	char *name;
	char **recipients;
	size_t nrecipients;
	unsigned severities;	/* bit (1 << sev); 0 = all */
	unsigned families;	/* bit (1 << fam); 0 = all */
	bool cleared, raised;
	struct quiet quiet;	/* .set false = use the global quiet hours */
};

enum gw_method { GW_GET, GW_POST };
enum gw_body { GW_BODY_NONE, GW_BODY_FORM, GW_BODY_JSON };

struct gw_conf {
	char *style;
	char *url;
	enum gw_method method;
	enum gw_body body;
	char **fields;		/* "name=template" */
	size_t nfields;
	char **headers;		/* "Name: template" */
	size_t nheaders;
	char *username, *password;	/* basic auth; password may come from a file */
	char *bearer_token;		/* read from bearer_token_file */
	bool tls_verify;
	char *ca_file;
	long connect_timeout_ms, timeout_ms;
	long *success_codes;
	size_t nsuccess_codes;
	char *success_body;	/* POSIX ERE or NULL */
	char *from;
};

struct recon_conf {		/* reconcile { }: poll the agents we paged for */
	long interval;		/* seconds; 0 = off */
	long port;
	long timeout_ms;
	char *community;	/* SNMPv2c, when user is NULL */
	char *user;		/* SNMPv3 USM user */
	char *auth_proto, *priv_proto;
	char *auth_pass, *priv_pass;	/* from their files; NULL = none */
};

struct deadman_conf {		/* deadman { }: pages on missed heartbeats */
	bool enabled;
	long missed;		/* heartbeat intervals before "silent" */
	enum mh_severity severity;
	long forget;		/* seconds of silence after which a host is forgotten */
};

struct sms_conf {
	char *file;
	char *spool_dir;
	char *audit_log;	/* NULL: no audit file */
	char *fallback_dir;	/* second spool when the first fails; NULL: none */
	char *syslog_socket;	/* the last resort (LOG_ALERT); NULL: none */
	char **recipients;
	size_t nrecipients;
	struct sms_route *routes;
	size_t nroutes;
	struct quiet quiet;
	int max_segments;
	bool allow_ucs2;
	char *marker;
	bool generic_other;	/* unknown traps: send generic text, else drop */
	char *tmpl_raised[MH_FAM_COUNT];
	char *tmpl_cleared[MH_FAM_COUNT];
	long dedupe_window, rate_limit, rate_window, summary_delay;
	long retry_min, retry_max, max_age, max_attempts;
	struct gw_conf gw;
	char **agents;		/* addresses or mhNotifyHost names; none: all */
	size_t nagents;
	struct deadman_conf deadman;
	struct recon_conf recon;
};

struct sms_conf *sms_conf_load(const char *file, char *err, size_t errlen);
void sms_conf_free(struct sms_conf *c);
int sms_conf_parse_quiet(const char *s, struct quiet *q);

/* route.c ------------------------------------------------------------- */
struct route_target {
	char *to;
	bool quiet;	/* every matching route is in quiet hours now */
};

size_t route_select(const struct sms_conf *c, const struct sms_alert *a,
    int minute_of_day, struct route_target **out);
void route_targets_free(struct route_target *t, size_t n);
bool route_quiet_now(const struct quiet *q, int minute_of_day);
int route_minute_of_day(time_t now);

/* storm.c ------------------------------------------------------------- */
struct storm_params {
	long dedupe_window, rate_limit, rate_window, summary_delay;
};

enum storm_verdict {
	STORM_SEND,		/* send now */
	STORM_DUP,		/* same alarm already on the phone */
	STORM_RATE,		/* over the per-recipient limit; held for summary */
	STORM_QUIET,		/* quiet hours; held for summary */
	STORM_UNSENT_CLEAR	/* clear of a raise the phone never got */
};

struct storm;
struct storm *storm_new(void);
void storm_free(struct storm *s);
int storm_load(struct storm *s, const char *path);
int storm_save(const struct storm *s, const char *path);
enum storm_verdict storm_decide(struct storm *s, const struct storm_params *p,
    const char *to, const char *key, bool cleared, enum mh_family fam,
    enum mh_severity sev, bool quiet, time_t now, char **summary);
size_t storm_due_summaries(struct storm *s, const struct storm_params *p,
    time_t now, bool (*quiet_for)(void *ctx, const char *to), void *ctx,
    char ***to, char ***text);
time_t storm_next_due(const struct storm *s, const struct storm_params *p);
bool storm_note_undelivered(struct storm *s, const char *to, const char *key,
    const char *text);
char *storm_take_undelivered(struct storm *s, const char *to,
    const char *key);
struct storm_params storm_params_of(const struct sms_conf *c);
const char *storm_verdict_name(enum storm_verdict v);

/* spool.c ------------------------------------------------------------- */
struct spool_msg {
	char *name;		/* file name under outgoing/ */
	char *to;
	char *text;
	char *kind;		/* raise | clear | summary ("alert": either) */
	char *key;
	time_t created;
	unsigned attempts;
	time_t next_try;
};

struct spool_claim {
	int fd;
	char *path;
	struct spool_msg msg;
};

int spool_init(const char *dir);
unsigned long long spool_next_seq(const char *dir);
char *spool_unique_name(unsigned long long seq, const char *tag);
int spool_put(const char *dir, struct spool_msg *m);
int spool_list(const char *dir, char ***names, size_t *n);
void spool_names_free(char **names, size_t n);
int spool_claim(const char *dir, const char *name, struct spool_claim *c);
int spool_done(struct spool_claim *c);
int spool_retry(struct spool_claim *c, unsigned attempts, time_t next_try);
int spool_fail(const char *dir, struct spool_claim *c, const char *reason);
void spool_release(struct spool_claim *c);
void spool_msg_free(struct spool_msg *m);
int spool_read_msg(const char *path, struct spool_msg *m);
char *spool_encode(const struct spool_msg *m);
int spool_decode(const char *buf, size_t len, struct spool_msg *m);
#define SMS_LOCK_TIMEOUT_MS 1000	/* the most a handler waits for a lock */
int spool_lock(const char *dir, const char *lockname, int timeout_ms);
char *spool_path(const char *dir, const char *sub, const char *name);

/* gwreq.c (gateway_send & co: gateway.c) ------------------------------ */
enum gw_result { GW_OK, GW_TEMP, GW_PERM };

struct gw_style {
	const char *name;
	enum gw_method method;
	enum gw_body body;
	const char *const *fields;	/* default fields, NULL-terminated */
	const long *success_codes;	/* 0-terminated */
	const char *success_body;
};

struct gw_request {
	char *url;
	char *body;
	const char *content_type;
	char **headers;
	size_t nheaders;
	enum gw_method method;
};

const struct gw_style *gateway_style(const char *name);
extern const char *const gateway_placeholders[];
void gateway_url_escape(struct strbuf *b, const char *s);
int gateway_build(const struct gw_conf *g, const char *to, const char *text,
    const char *id, struct gw_request *r, char *err, size_t errlen);
void gateway_request_free(struct gw_request *r);
enum gw_result gateway_classify(const struct gw_conf *g, long http,
    const char *body);
void gateway_dump(FILE *out, const struct gw_conf *g,
    const struct gw_request *r);

/* redact.c ------------------------------------------------------------ */
char *gateway_redact(const struct gw_conf *g, const char *s);
char *gateway_redact_header(const struct gw_conf *g, const char *h);

/* gateway.c (libmhsmssend: the sender only) ---------------------------- */
enum gw_result gateway_send(const struct gw_conf *g,
    const struct gw_request *r, long *http, char *detail, size_t detaillen);
void gateway_global_init(void);
void gateway_global_cleanup(void);

/* audit.c ------------------------------------------------------------- */
void audit_open(const char *path);
void audit_close(void);
void audit_event(const char *event, const char *to, const char *id,
    const char *detail, const char *text);

/* launch.c ------------------------------------------------------------ */
#define SMS_SENDER_NAME "mailhealth-sms-sender"
#define SMS_SENDER_ENV "MAILHEALTH_SMS_SENDER"
char *launch_sender_path(void);
int launch_exec_sender(char **argv);
int launch_sender_ensure(const struct sms_conf *c, char *const *args,
    int nargs, bool keep_stderr);

/* fallback.c ---------------------------------------------------------- */
int fallback_syslog(const char *path, int pri, const char *msg);
int fallback_put(const struct sms_conf *c, struct spool_msg *m, bool main_ok,
    const char *detail);

/* status.c ------------------------------------------------------------ */
int status_report(const struct sms_conf *c, FILE *out);

/* deadman.c ----------------------------------------------------------- */
void deadman_record(const struct sms_conf *c, const char *host,
    const char *addr, unsigned long interval, time_t now);
void deadman_check(const struct sms_conf *c, time_t now, time_t *next);

/* recon.c ------------------------------------------------------------- */
struct recon_alarm {		/* an alarm a phone was paged for */
	char *key, *addr, *host, *name, *metric, *instance;
	enum mh_family family;
	enum mh_severity severity;
	time_t since;
	unsigned long index;	/* mhNotifyAlarmIndex: the same key again */
};
void recon_alarms_free(struct recon_alarm *v, size_t n);
size_t recon_load(const char *dir, struct recon_alarm **out);
char *recon_clear_trap(const struct recon_alarm *r);
void recon_note(const struct sms_conf *c, const struct sms_alert *a,
    const char *addr, const char *key, bool paged, time_t now);

/* poll.c (libmhsmssend: the sender only; the only file with net-snmp) -- */
int recon_run(const struct sms_conf *c, time_t now, time_t *next);

/* handler.c ----------------------------------------------------------- */
#define HANDLE_DRY_RUN 1	/* --dry-run: print, change nothing */
#define HANDLE_INTERNAL 2	/* made by the sender (deadman, reconcile) */
#define HANDLE_RECONCILED 4	/* a clear made by reconciliation */
void handler_set_args(char *const *args, int nargs);
int sms_handle(const struct sms_conf *c, const char *input, size_t len,
    bool dry_run, time_t now, int minute_of_day);
int sms_handle_flags(const struct sms_conf *c, const char *input, size_t len,
    unsigned flags, time_t now, int minute_of_day);
void sms_print_plan(const struct sms_conf *c, const char *to,
    const char *verdict, const char *text);

/* sms_main.c ---------------------------------------------------------- */
struct sms_opts {
	const char *conffile;
	const char *test_text;
	bool dry_run, flush, daemon_mode, check, status;
	int detached_fd;	/* --detached=FD (sender only); -1 if absent */
};

bool sms_opts_parse(int argc, char **argv, bool sender, struct sms_opts *o,
    int *rc);
int sms_main(int argc, char **argv);

/* deliver.c, sender.c, sender_main.c (libmhsmssend: the sender only) -- */
#define SENDER_IDLE_POLL 60	/* seconds between looks when nothing is due */
struct deliver_stats {
	unsigned sent, retried, failed, left;
	unsigned busy;		/* of left: being sent by another process */
	time_t next_due;	/* earliest retry still waiting; 0 = none */
};
int deliver_summaries(const struct sms_conf *c, time_t now, bool dry_run,
    time_t *next);
bool deliver_summary_pending(const struct sms_conf *c);
bool deliver_spool_empty(const struct sms_conf *c);
int deliver_pass(const struct sms_conf *c, bool force, bool dry_run,
    struct deliver_stats *st);

enum sender_mode { SENDER_FLUSH, SENDER_DETACHED, SENDER_DAEMON };
bool sender_stopping(void);
int sender_flush(const struct sms_conf *c, bool dry_run);
int sender_daemon(struct sms_conf **cp);
int sender_detached(struct sms_conf **cp, const char *lock_dir, int lockfd);
int sender_main(int argc, char **argv);

#endif
