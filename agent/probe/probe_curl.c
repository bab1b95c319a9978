/*
 * probe_curl.c: the network protocol checks through libcurl's multi
 * interface: tcp, tls, smtp, submission, smtps, pop3(s), imap(s),
 * http(s). The only probe file that includes curl.h (docs/probes.md
 * says why libcurl).
 *
 * libcurl speaks the dialogues itself: SMTP greeting, EHLO, (STARTTLS,
 * EHLO,) QUIT; POP3 greeting, CAPA, (STLS, CAPA,) QUIT; IMAP greeting,
 * CAPABILITY, (STARTTLS, CAPABILITY,) LOGOUT. QUIT and LOGOUT are the
 * custom command (without one curl would send HELP, LIST or LIST, which
 * need a login or are not always there). What the server says comes
 * through the debug callback, a line at a time (probe_reply.c tells a
 * refusal), so a failure names the command and the reply: "greeting 554
 * 5.3.2 busy", "STARTTLS: 454 4.7.0 TLS not available".
 *
 * Sockets and the timer go through curl's socket interface into the
 * round's poll() loop, and nothing here blocks. One trap: when curl
 * closes a connection it sends QUIT (LOGOUT) and waits for the answer,
 * blocking, up to the server response timeout. So once the server has
 * said its last word (the answer to our QUIT, or a refusal) the check
 * shuts its sockets down, and curl's QUIT fails at once instead. The
 * sockets are ours for that (CURLOPT_OPENSOCKETFUNCTION).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "probe/probe_int.h"

#define HTTP_BODY_MAX (64 * 1024)	/* read no more of a web page */

/* A socket curl opened through us: what curl waits for on it, and the
 * check it serves (NULL once the check is over: curl may close a socket
 * later). */
struct csock {
	curl_socket_t fd;
	int what;		/* CURL_POLL_*, 0: nothing now */
	struct cjob *cj;
};

struct curl_engine {
	CURLM *multi;
	struct csock *socks;
	size_t nsocks, cap;
	int64_t timer_ms;	/* when curl wants a timeout call, or -1 */
};

struct cjob {
	struct probe_job *job;
	struct curl_engine *ce;
	CURL *easy;
	struct curl_slist *connect_to;
	char url[1200];
	char errbuf[CURL_ERROR_SIZE];
	struct probe_dialogue dlg;
	bool body_capped;
	bool tls_started;	/* TLS bytes went out: TCP is connected */
	bool trying;		/* the name is resolved, connecting */
	size_t body;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_global(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		log_fatalx("probe", "curl_global_init failed");
}

/* ---- curl callbacks ---- */

static struct csock *
csock_find(struct curl_engine *ce, curl_socket_t fd)
{
	size_t i;

	for (i = 0; i < ce->nsocks; i++)
		if (ce->socks[i].fd == fd)
			return &ce->socks[i];
	return NULL;
}

static struct csock *
csock_add(struct curl_engine *ce, curl_socket_t fd, struct cjob *cj)
{
	struct csock *cs;

	if (ce->nsocks == ce->cap) {
		ce->cap = ce->cap ? ce->cap * 2 : 16;
		ce->socks = xreallocarray(ce->socks, ce->cap,
		    sizeof(*ce->socks));
	}
	cs = &ce->socks[ce->nsocks++];
	cs->fd = fd;
	cs->what = 0;
	cs->cj = cj;
	return cs;
}

static int
curl_sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct curl_engine *ce = userp;
	struct csock *cs = csock_find(ce, fd);

	(void)easy;
	(void)socketp;
	if (cs == NULL)	/* not opened through us: never, but poll it */
		cs = csock_add(ce, fd, NULL);
	cs->what = what == CURL_POLL_REMOVE ? 0 : what;
	return 0;
}

static int
curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct curl_engine *ce = userp;

	(void)multi;
	ce->timer_ms = timeout_ms < 0 ? -1 : probe_now_ms() + timeout_ms;
	return 0;
}

/* The server has said its last word: no reading or writing after it,
 * so that curl's QUIT on closing fails at once rather than waits. */
static void
cjob_over(struct cjob *cj)
{
	size_t i;

	for (i = 0; i < cj->ce->nsocks; i++)
		if (cj->ce->socks[i].cj == cj)
			shutdown(cj->ce->socks[i].fd, SHUT_RDWR);
}

static int
curl_debug_cb(CURL *easy, curl_infotype type, char *data, size_t n,
    void *userp)
{
	struct cjob *cj = userp;
	char line[160];

	(void)easy;
	if (type == CURLINFO_SSL_DATA_OUT)
		cj->tls_started = true;
	/* "Trying 127.0.0.1:25...": resolving is over */
	if (type == CURLINFO_TEXT && n >= 6 && memcmp(data, "Trying", 6) == 0)
		cj->trying = true;
	if (type == CURLINFO_HEADER_IN) {
		probe_text_clean(line, sizeof(line), data, n);
		if (probe_dialogue_in(&cj->dlg, cj->job->p->d.kind, line))
			cjob_over(cj);
	} else if (type == CURLINFO_HEADER_OUT) {
		probe_text_clean(line, sizeof(line), data, n);
		probe_dialogue_out(&cj->dlg, cj->job->p->d.kind, line);
	}
	return 0;
}

/* Sockets of our own, so that cjob_over() can shut them. */
static curl_socket_t
curl_open_cb(void *userp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct cjob *cj = userp;
	curl_socket_t fd;

	(void)purpose;
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd < 0)
		return CURL_SOCKET_BAD;
	csock_add(cj->ce, fd, cj);
	return fd;
}

static int
curl_close_cb(void *userp, curl_socket_t fd)
{
	struct curl_engine *ce = userp;
	struct csock *cs = csock_find(ce, fd);

	if (cs != NULL)
		*cs = ce->socks[--ce->nsocks];
	return close(fd);
}

static size_t
curl_write_cb(char *data, size_t size, size_t n, void *userp)
{
	struct cjob *cj = userp;

	(void)data;
	cj->body += size * n;
	if (cj->body > HTTP_BODY_MAX) {
		cj->body_capped = true;
		return 0;	/* enough: the status is what we check */
	}
	return size * n;
}

/* ---- starting ---- */

static void
curl_start(void *state, struct probe_job *job)
{
	struct curl_engine *ce = state;
	const struct probe_desc *d = &job->p->d;
	struct cjob *cj = xcalloc(1, sizeof(*cj));
	char err[PROBE_ERR_MAX], ct[600];
	long ms = (long)d->timeout * 1000;
	CURL *e;

	cj->job = job;
	cj->ce = ce;
	job->priv = cj;
	if (probe_url(d, cj->url, sizeof(cj->url), ct, sizeof(ct), err,
	    sizeof(err)) < 0) {
		probe_job_fail(job, "%s", err);
		goto fail;
	}
	if (ct[0] != '\0')
		cj->connect_to = curl_slist_append(NULL, ct);
	if ((e = cj->easy = curl_easy_init()) == NULL) {
		probe_job_fail(job, "curl_easy_init failed");
		goto fail;
	}
	curl_easy_setopt(e, CURLOPT_URL, cj->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, cj);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, probe_kind_scheme(d->kind));
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* A check cut short while the system resolver still works on its
	 * name must not wait for getaddrinfo() (tens of seconds with a dead
	 * DNS server): the resolver thread is left to end by itself. */
	curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");	/* never a *_proxy variable */
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, cj->errbuf);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms);
	curl_easy_setopt(e, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)d->timeout);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, curl_open_cb);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, cj);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, curl_close_cb);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, ce);
	curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, curl_debug_cb);
	curl_easy_setopt(e, CURLOPT_DEBUGDATA, cj);
	curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);	/* feeds the debug cb */
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, curl_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, cj);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "mailhealthd/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, d->tls_verify ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, d->tls_verify ? 2L : 0L);
	curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
	if (d->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, d->ca_file);
	if (cj->connect_to != NULL)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, cj->connect_to);
	if (d->kind == PROBE_TCP || d->kind == PROBE_TLS)
		curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	if (probe_kind_command(d->kind) != NULL) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
		    probe_kind_command(d->kind));
		/* POP3: the answer to QUIT is one line, not a listing */
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	}
	if (probe_want_starttls(d))
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (curl_multi_add_handle(ce->multi, e) != CURLM_OK) {
		probe_job_fail(job, "curl_multi_add_handle failed");
		goto fail;
	}
	return;
fail:
	if (cj->easy != NULL)
		curl_easy_cleanup(cj->easy);
	curl_slist_free_all(cj->connect_to);
	free(cj);
	job->priv = NULL;
}

/* ---- results ---- */

/* Days left on the server's certificate, from CURLINFO_CERTINFO. */
static void
cjob_cert(struct cjob *cj)
{
	struct curl_certinfo *ci = NULL;
	struct curl_slist *l;
	int days;

	if (curl_easy_getinfo(cj->easy, CURLINFO_CERTINFO, &ci) != CURLE_OK ||
	    ci == NULL || ci->num_of_certs < 1)
		return;
	for (l = ci->certinfo[0]; l != NULL; l = l->next) {
		if (strncmp(l->data, "Expire date:", 12) == 0 &&
		    probe_cert_days(l->data + 12, time(NULL), &days) == 0) {
			probe_job_set_cert(cj->job, days);
			return;
		}
	}
}

/* Where a check that ran out of time was. */
static const char *
cjob_phase(struct cjob *cj, char *buf, size_t len)
{
	enum probe_kind k = cj->job->p->d.kind;
	curl_off_t t = 0;

	/* curl records the connect time once TLS is up too: a handshake
	 * that started shows the TCP connection was made */
	if (!cj->tls_started && (curl_easy_getinfo(cj->easy,
	    CURLINFO_CONNECT_TIME_T, &t) != CURLE_OK || t == 0))
		return cj->trying ? "connect" : "resolving the name";
	if (probe_kind_is(k, KIND_TLS) && (curl_easy_getinfo(cj->easy,
	    CURLINFO_APPCONNECT_TIME_T, &t) != CURLE_OK || t == 0))
		return "TLS handshake";
	if (probe_kind_is(k, KIND_WEB))
		return cj->dlg.got_in ? "reading the response" : "no response";
	if (!probe_kind_is(k, KIND_MAIL))
		return NULL;
	if (!cj->dlg.got_in)
		return "no greeting";
	if (cj->dlg.cmd[0] == '\0')
		return NULL;
	if (cj->dlg.reply[0] != '\0' && (strcasestr(cj->dlg.cmd, "STARTTLS") ||
	    strcasecmp(cj->dlg.cmd, "STLS") == 0))
		return "TLS handshake after STARTTLS";
	snprintf(buf, len, "no answer to %s", cj->dlg.cmd);
	return buf;
}

/* The dialogue failed: name the refusal, or what was going on. */
static void
cjob_fail_dialogue(struct cjob *cj, const char *fallback)
{
	char why[PROBE_ERR_MAX];

	probe_dialogue_error(&cj->dlg, fallback, why, sizeof(why));
	probe_job_fail(cj->job, "%s", why);
}

static void
cjob_fail_connect(struct cjob *cj)
{
	long oserr = 0;

	curl_easy_getinfo(cj->easy, CURLINFO_OS_ERRNO, &oserr);
	switch (oserr) {
	case ECONNREFUSED:
		probe_job_fail(cj->job, "connect refused");
		break;
	case EHOSTUNREACH:
		probe_job_fail(cj->job, "host unreachable");
		break;
	case ENETUNREACH:
		probe_job_fail(cj->job, "network unreachable");
		break;
	case 0:
		probe_job_fail(cj->job, "connect failed: %s",
		    cj->errbuf[0] ? cj->errbuf : "unknown error");
		break;
	default:
		probe_job_fail(cj->job, "connect failed: %s",
		    strerror((int)oserr));
		break;
	}
}

static void
cjob_done(struct cjob *cj, CURLcode rc)
{
	struct probe_job *job = cj->job;
	const struct probe_desc *d = &job->p->d;
	struct probe_result *r = &job->p->r;
	char phase[200];
	long code = 0;

	cjob_cert(cj);
	switch (rc) {
	case CURLE_OK:
		break;
	case CURLE_WRITE_ERROR:
		if (cj->body_capped)
			break;	/* we stopped reading: fine */
		/* FALLTHROUGH */
	default:
		if (probe_kind_is(d->kind, KIND_MAIL) && cj->dlg.got_in) {
			cjob_fail_dialogue(cj, cj->errbuf[0] ? cj->errbuf :
			    curl_easy_strerror(rc));
			return;
		}
		probe_job_fail(job, "%s", cj->errbuf[0] ? cj->errbuf :
		    curl_easy_strerror(rc));
		return;
	case CURLE_COULDNT_CONNECT:
		cjob_fail_connect(cj);
		return;
	case CURLE_COULDNT_RESOLVE_HOST:
		probe_job_fail(job, "cannot resolve %s", cj->errbuf[0] ?
		    cj->errbuf : d->target);
		return;
	case CURLE_OPERATION_TIMEDOUT:
		probe_job_timeout(job, cjob_phase(cj, phase, sizeof(phase)));
		return;
	case CURLE_USE_SSL_FAILED:
		if (cj->dlg.fail_reply[0] != '\0')
			cjob_fail_dialogue(cj, "");
		else
			probe_job_fail(job, "STARTTLS not offered");
		return;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
		probe_job_fail(job, "TLS: %s", cj->errbuf[0] ? cj->errbuf :
		    curl_easy_strerror(rc));
		return;
	case CURLE_GOT_NOTHING:
		probe_job_fail(job, "connection closed without a response");
		return;
	}
	if (r->have_cert && r->cert_days < 0) {
		probe_job_fail(job, "certificate expired %d days ago",
		    -r->cert_days);
		return;
	}
	if (r->have_cert && d->min_cert_days > 0 &&
	    r->cert_days < d->min_cert_days) {
		probe_job_fail(job, "certificate expires in %d day%s",
		    r->cert_days, r->cert_days == 1 ? "" : "s");
		return;
	}
	if (probe_kind_is(d->kind, KIND_WEB)) {
		curl_easy_getinfo(cj->easy, CURLINFO_RESPONSE_CODE, &code);
		if (d->http_status ? code != d->http_status :
		    (code < 200 || code > 399)) {
			if (d->http_status)
				probe_job_fail(job, "HTTP %ld (expected %ld)",
				    code, d->http_status);
			else
				probe_job_fail(job, "HTTP %ld", code);
			return;
		}
		probe_job_ok(job, "HTTP %ld", code);
	} else if (probe_kind_is(d->kind, KIND_MAIL)) {
		probe_job_ok(job, "%s", cj->dlg.greeting);
	} else {
		probe_job_ok(job, "connected");
	}
}

static void
cjob_free(struct curl_engine *ce, struct cjob *cj)
{
	size_t i;

	curl_multi_remove_handle(ce->multi, cj->easy);
	curl_easy_cleanup(cj->easy);
	for (i = 0; i < ce->nsocks; i++)	/* if curl kept any */
		if (ce->socks[i].cj == cj)
			ce->socks[i].cj = NULL;
	curl_slist_free_all(cj->connect_to);
	cj->job->priv = NULL;
	free(cj);
}

static void
curl_reap(struct curl_engine *ce)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(ce->multi, &left)) != NULL) {
		struct cjob *cj = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &cj);
		if (cj == NULL)
			continue;
		cjob_done(cj, m->data.result);
		cjob_free(ce, cj);
	}
}

/* ---- the engine ---- */

static void *
curl_init(void)
{
	struct curl_engine *ce = xcalloc(1, sizeof(*ce));

	pthread_once(&curl_once, curl_global);
	if ((ce->multi = curl_multi_init()) == NULL)
		log_fatalx("probe", "curl_multi_init failed");
	ce->timer_ms = -1;
	curl_multi_setopt(ce->multi, CURLMOPT_SOCKETFUNCTION, curl_sock_cb);
	curl_multi_setopt(ce->multi, CURLMOPT_SOCKETDATA, ce);
	curl_multi_setopt(ce->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(ce->multi, CURLMOPT_TIMERDATA, ce);
	return ce;
}

static void
curl_fini(void *state)
{
	struct curl_engine *ce = state;

	if (ce == NULL)
		return;
	curl_multi_cleanup(ce->multi);
	free(ce->socks);
	free(ce);
}

static void
curl_fill(void *state, struct pollvec *pv, int64_t *wake)
{
	struct curl_engine *ce = state;
	size_t i;

	for (i = 0; i < ce->nsocks; i++) {
		short ev = 0;

		if (ce->socks[i].what == 0)
			continue;
		if (ce->socks[i].what & CURL_POLL_IN)
			ev |= POLLIN;
		if (ce->socks[i].what & CURL_POLL_OUT)
			ev |= POLLOUT;
		pollvec_add(pv, ce->socks[i].fd, ev);
	}
	if (ce->timer_ms >= 0 && ce->timer_ms < *wake)
		*wake = ce->timer_ms;
}

static void
curl_process(void *state, const struct pollfd *pfd, size_t n)
{
	struct curl_engine *ce = state;
	int running;
	size_t i;

	for (i = 0; i < n; i++) {
		int ev = 0;

		if (pfd[i].revents == 0)
			continue;
		if (pfd[i].revents & (POLLIN | POLLHUP))
			ev |= CURL_CSELECT_IN;
		if (pfd[i].revents & POLLOUT)
			ev |= CURL_CSELECT_OUT;
		if (pfd[i].revents & (POLLERR | POLLNVAL))
			ev |= CURL_CSELECT_ERR;
		curl_multi_socket_action(ce->multi, pfd[i].fd, ev, &running);
	}
	if (ce->timer_ms >= 0 && ce->timer_ms <= probe_now_ms()) {
		ce->timer_ms = -1;
		curl_multi_socket_action(ce->multi, CURL_SOCKET_TIMEOUT, 0,
		    &running);
	}
	curl_reap(ce);
}

static void
curl_cancel(void *state, struct probe_job *job)
{
	struct cjob *cj = job->priv;
	char phase[200];

	if (cj == NULL)
		return;
	probe_job_timeout(job, cjob_phase(cj, phase, sizeof(phase)));
	cjob_free(state, cj);
}

const struct probe_engine probe_engine_curl = {
	.name = "curl",
	.init = curl_init,
	.fini = curl_fini,
	.start = curl_start,
	.fill = curl_fill,
	.process = curl_process,
	.cancel = curl_cancel,
};
