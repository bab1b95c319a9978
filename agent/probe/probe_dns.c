/*
 * probe_dns.c: the dns check through c-ares, asynchronous, one channel
 * per check (each may name its own resolver). c-ares parses the answers;
 * this file only renders them ("10 mx1.example.net") and matches the
 * optional expected text. SERVFAIL, REFUSED, a timeout, no record of the
 * type, and NXDOMAIN (unless nxdomain_ok) are failures.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <ares.h>

#include "probe/probe_int.h"

#define DNS_ANSWERS_MAX 16

struct djob {
	struct probe_job *job;
	ares_channel ch;
	struct djob *next;
	size_t nfds;		/* pollfds added by the last fill */
};

struct dns_engine {
	struct djob *jobs;
};

static pthread_once_t ares_once = PTHREAD_ONCE_INIT;

static void
dns_global(void)
{
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		log_fatalx("probe", "ares_library_init failed");
}

static const struct {
	const char *name;
	int type;
} dns_types[] = {
	{"A", ns_t_a}, {"AAAA", ns_t_aaaa}, {"MX", ns_t_mx},
	{"TXT", ns_t_txt}, {"NS", ns_t_ns}, {"SOA", ns_t_soa},
	{"PTR", ns_t_ptr},
};

int
probe_dns_type(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < MH_ARRAY_SIZE(dns_types); i++)
		if (strcasecmp(dns_types[i].name, s) == 0)
			return dns_types[i].type;
	return -1;
}

int
probe_dns_check_resolver(const char *csv, char *err, size_t errlen)
{
	ares_channel ch;
	int rc;

	pthread_once(&ares_once, dns_global);
	if ((rc = ares_init(&ch)) != ARES_SUCCESS) {
		snprintf(err, errlen, "resolver: %s", ares_strerror(rc));
		return -1;
	}
	rc = ares_set_servers_ports_csv(ch, csv);
	ares_destroy(ch);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "resolver '%s' is not IP[:PORT][,...]",
		    csv);
		return -1;
	}
	return 0;
}

static const char *
dns_type_name(int type)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(dns_types); i++)
		if (dns_types[i].type == type)
			return dns_types[i].name;
	return "?";
}

/* The answers as text, one string each, into ans[] (malloc'd). */
static size_t
dns_render(int type, const unsigned char *abuf, int alen, char **ans)
{
	char buf[INET6_ADDRSTRLEN + 1];
	size_t n = 0;
	int i, count = DNS_ANSWERS_MAX;

	if (type == ns_t_a) {
		struct ares_addrttl a[DNS_ANSWERS_MAX];

		if (ares_parse_a_reply(abuf, alen, NULL, a, &count) !=
		    ARES_SUCCESS)
			return 0;
		for (i = 0; i < count; i++)
			if (inet_ntop(AF_INET, &a[i].ipaddr, buf, sizeof(buf)))
				ans[n++] = xstrdup(buf);
	} else if (type == ns_t_aaaa) {
		struct ares_addr6ttl a[DNS_ANSWERS_MAX];

		if (ares_parse_aaaa_reply(abuf, alen, NULL, a, &count) !=
		    ARES_SUCCESS)
			return 0;
		for (i = 0; i < count; i++)
			if (inet_ntop(AF_INET6, &a[i].ip6addr, buf,
			    sizeof(buf)))
				ans[n++] = xstrdup(buf);
	} else if (type == ns_t_mx) {
		struct ares_mx_reply *mx = NULL, *m;

		if (ares_parse_mx_reply(abuf, alen, &mx) != ARES_SUCCESS)
			return 0;
		for (m = mx; m != NULL && n < DNS_ANSWERS_MAX; m = m->next)
			ans[n++] = xasprintf("%u %s", m->priority, m->host);
		ares_free_data(mx);
	} else if (type == ns_t_txt) {
		struct ares_txt_ext *txt = NULL, *t;
		struct strbuf b;

		if (ares_parse_txt_reply_ext(abuf, alen, &txt) != ARES_SUCCESS)
			return 0;
		strbuf_init(&b);
		for (t = txt; t != NULL; t = t->next) {
			if (t->record_start && b.len > 0 &&
			    n < DNS_ANSWERS_MAX) {
				ans[n++] = strbuf_steal(&b);
				strbuf_init(&b);
			}
			strbuf_add(&b, (const char *)t->txt, t->length);
		}
		if (n < DNS_ANSWERS_MAX && txt != NULL)
			ans[n++] = strbuf_steal(&b);
		strbuf_free(&b);
		ares_free_data(txt);
	} else if (type == ns_t_ns || type == ns_t_ptr) {
		struct hostent *h = NULL;

		struct in_addr none = {0};

		if ((type == ns_t_ns ? ares_parse_ns_reply(abuf, alen, &h) :
		    ares_parse_ptr_reply(abuf, alen, &none, sizeof(none),
		    AF_INET, &h)) != ARES_SUCCESS)
			return 0;
		if (type == ns_t_ptr && h->h_name != NULL)
			ans[n++] = xstrdup(h->h_name);
		for (i = 0; h->h_aliases[i] != NULL && n < DNS_ANSWERS_MAX; i++)
			ans[n++] = xstrdup(h->h_aliases[i]);
		ares_free_hostent(h);
	} else if (type == ns_t_soa) {
		struct ares_soa_reply *soa = NULL;

		if (ares_parse_soa_reply(abuf, alen, &soa) != ARES_SUCCESS)
			return 0;
		ans[n++] = xasprintf("%s %s %u", soa->nsname, soa->hostmaster,
		    soa->serial);
		ares_free_data(soa);
	}
	return n;
}

static void
dns_answered(struct probe_job *job, const unsigned char *abuf, int alen)
{
	const struct probe *p = job->p;
	char *ans[DNS_ANSWERS_MAX], line[PROBE_DETAIL_MAX];
	struct strbuf b;
	size_t n, i;
	bool found = p->d.expect == NULL || *p->d.expect == '\0';

	n = dns_render(p->dns_type, abuf, alen, ans);
	strbuf_init(&b);
	for (i = 0; i < n; i++) {
		if (!found && strcasestr(ans[i], p->d.expect) != NULL)
			found = true;
		if (i > 0)
			strbuf_puts(&b, ", ");
		strbuf_puts(&b, ans[i]);
		free(ans[i]);
	}
	probe_text_clean(line, sizeof(line), b.s ? b.s : "", b.len);
	strbuf_free(&b);
	if (n == 0)
		probe_job_fail(job, "no %s record for %s",
		    dns_type_name(p->dns_type), p->d.target);
	else if (!found)
		probe_job_fail(job, "no answer has '%s' (%s)", p->d.expect,
		    line);
	else
		probe_job_ok(job, "%s", line);
}

static void
dns_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct probe_job *job = arg;

	(void)timeouts;
	switch (status) {
	case ARES_SUCCESS:
		dns_answered(job, abuf, alen);
		break;
	case ARES_ENODATA:
		probe_job_fail(job, "no %s record for %s",
		    dns_type_name(job->p->dns_type), job->p->d.target);
		break;
	case ARES_ENOTFOUND:
		if (job->p->d.nxdomain_ok)
			probe_job_ok(job, "NXDOMAIN");
		else
			probe_job_fail(job, "NXDOMAIN");
		break;
	case ARES_ESERVFAIL:
		probe_job_fail(job, "SERVFAIL");
		break;
	case ARES_EREFUSED:
		probe_job_fail(job, "REFUSED");
		break;
	case ARES_EFORMERR:
		probe_job_fail(job, "FORMERR");
		break;
	case ARES_ETIMEOUT:
		probe_job_timeout(job, "no answer from the resolver");
		break;
	case ARES_ECONNREFUSED:
		probe_job_fail(job, "resolver refused the connection");
		break;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		break;	/* we gave up on it: the job is already finished */
	default:
		probe_job_fail(job, "%s", ares_strerror(status));
		break;
	}
}

static void *
dns_init(void)
{
	pthread_once(&ares_once, dns_global);
	return xcalloc(1, sizeof(struct dns_engine));
}

static void
dns_drop(struct dns_engine *de, struct djob *dj)
{
	struct djob **pp;

	for (pp = &de->jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == dj) {
			*pp = dj->next;
			break;
		}
	}
	dj->job->priv = NULL;
	/* callbacks of queries still pending run now, as cancelled */
	ares_destroy(dj->ch);
	free(dj);
}

static void
dns_fini(void *state)
{
	struct dns_engine *de = state;

	if (de == NULL)
		return;
	while (de->jobs != NULL)
		dns_drop(de, de->jobs);
	free(de);
}

static void
dns_start(void *state, struct probe_job *job)
{
	struct dns_engine *de = state;
	const struct probe_desc *d = &job->p->d;
	struct ares_options o;
	struct djob *dj;
	int rc;

	memset(&o, 0, sizeof(o));
	/* two tries, the second with twice the wait (c-ares doubles it),
	 * in the check's timeout */
	o.tries = 2;
	/* hand SERVFAIL and REFUSED to us as such, rather than as "every
	 * server failed" (ECONNREFUSED) after trying the others */
	o.flags = ARES_FLAG_NOCHECKRESP;
	o.timeout = (int)(d->timeout * 1000 / 3);
	if (o.timeout < 100)
		o.timeout = 100;
	dj = xcalloc(1, sizeof(*dj));
	dj->job = job;
	rc = ares_init_options(&dj->ch, &o, ARES_OPT_TRIES |
	    ARES_OPT_TIMEOUTMS | ARES_OPT_FLAGS);
	if (rc != ARES_SUCCESS) {
		probe_job_fail(job, "resolver: %s", ares_strerror(rc));
		free(dj);
		return;
	}
	if (d->resolver != NULL && *d->resolver != '\0' &&
	    (rc = ares_set_servers_ports_csv(dj->ch, d->resolver)) !=
	    ARES_SUCCESS) {
		probe_job_fail(job, "resolver '%s': %s", d->resolver,
		    ares_strerror(rc));
		ares_destroy(dj->ch);
		free(dj);
		return;
	}
	dj->next = de->jobs;
	de->jobs = dj;
	job->priv = dj;
	ares_query(dj->ch, d->target, ns_c_in, job->p->dns_type, dns_cb, job);
	if (job->done)	/* failed at once (a bad name) */
		dns_drop(de, dj);
}

static void
dns_fill(void *state, struct pollvec *pv, int64_t *wake)
{
	struct dns_engine *de = state;
	struct djob *dj;

	for (dj = de->jobs; dj != NULL; dj = dj->next) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		struct timeval tv, *t;
		int bits, i;

		dj->nfds = 0;
		if (dj->job->done)
			continue;
		bits = ares_getsock(dj->ch, socks, ARES_GETSOCK_MAXNUM);
		for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			short ev = 0;

			/* c-ares' ARES_GETSOCK_WRITABLE shifts a signed 1 into
			 * the sign bit for the 16th socket */
			if ((unsigned)bits & (1u << i))
				ev |= POLLIN;
			if ((unsigned)bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
				ev |= POLLOUT;
			if (ev == 0)
				continue;
			pollvec_add(pv, socks[i], ev);
			dj->nfds++;
		}
		if ((t = ares_timeout(dj->ch, NULL, &tv)) != NULL) {
			int64_t w = probe_now_ms() + t->tv_sec * 1000 +
			    (t->tv_usec + 999) / 1000;

			if (w < *wake)
				*wake = w;
		}
	}
}

static void
dns_process(void *state, const struct pollfd *pfd, size_t n)
{
	struct dns_engine *de = state;
	struct djob *dj, *next;
	size_t k = 0, i;

	for (dj = de->jobs; dj != NULL; dj = dj->next) {
		bool any = false;

		for (i = 0; i < dj->nfds && k < n; i++, k++) {
			ares_socket_t r = ARES_SOCKET_BAD, w = ARES_SOCKET_BAD;

			if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
				r = pfd[k].fd;
			if (pfd[k].revents & POLLOUT)
				w = pfd[k].fd;
			if (r != ARES_SOCKET_BAD || w != ARES_SOCKET_BAD) {
				ares_process_fd(dj->ch, r, w);
				any = true;
			}
		}
		if (!any && !dj->job->done)
			ares_process_fd(dj->ch, ARES_SOCKET_BAD,
			    ARES_SOCKET_BAD);	/* timeouts and retries */
		dj->nfds = 0;
	}
	for (dj = de->jobs; dj != NULL; dj = next) {
		next = dj->next;
		if (dj->job->done)
			dns_drop(de, dj);
	}
}

static void
dns_cancel(void *state, struct probe_job *job)
{
	struct djob *dj = job->priv;

	if (dj == NULL)
		return;
	probe_job_timeout(job, "no answer from the resolver");
	dns_drop(state, dj);
}

const struct probe_engine probe_engine_dns = {
	.name = "dns",
	.init = dns_init,
	.fini = dns_fini,
	.start = dns_start,
	.fill = dns_fill,
	.process = dns_process,
	.cancel = dns_cancel,
};
