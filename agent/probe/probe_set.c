/*
 * probe_set.c: a set of checks and its rounds. Every check of a round
 * starts at once and is driven by one poll() loop over the engines'
 * descriptors; each has a deadline (its timeout), so the round ends when
 * the last check answers or the longest timeout has passed, whatever
 * the targets do. The state that outlives a round (flap control, last
 * change, last error, the firewall's fingerprint) lives in the set.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/probe_int.h"

/* Local checks first: they are quick, and the firewall's may hand an
 * iptables-save job to the cmd engine. */
static const struct probe_engine *const engines[] = {
	&probe_engine_local,
	&probe_engine_cmd,
	&probe_engine_dns,
	&probe_engine_curl,
};
#define NENGINES MH_ARRAY_SIZE(engines)

struct probe_set {
	size_t n;
	struct probe *p;
	void *state[NENGINES];
	struct probe_job *jobs;	/* this round's, NULL between rounds */
};

int64_t
probe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t
pollvec_add(struct pollvec *pv, int fd, short events)
{
	if (pv->n == pv->cap) {
		pv->cap = pv->cap ? pv->cap * 2 : 32;
		pv->v = xreallocarray(pv->v, pv->cap, sizeof(*pv->v));
	}
	pv->v[pv->n].fd = fd;
	pv->v[pv->n].events = events;
	pv->v[pv->n].revents = 0;
	return pv->n++;
}

static char *
xstrdup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
probe_copy_desc(struct probe_desc *d, const struct probe_desc *src)
{
	*d = *src;
	d->name = xstrdup_or_null(src->name);
	d->target = xstrdup_or_null(src->target);
	d->tls_name = xstrdup_or_null(src->tls_name);
	d->ca_file = xstrdup_or_null(src->ca_file);
	d->dns_type = xstrdup_or_null(src->dns_type);
	d->resolver = xstrdup_or_null(src->resolver);
	d->expect = xstrdup_or_null(src->expect);
	d->chain = xstrdup_or_null(src->chain);
	d->pidfile = xstrdup_or_null(src->pidfile);
	if (d->timeout == 0)
		d->timeout = PROBE_TIMEOUT_DEFAULT;
	if (d->fall == 0)
		d->fall = PROBE_FALL_DEFAULT;
	if (d->rise == 0)
		d->rise = PROBE_RISE_DEFAULT;
}

void
probe_desc_free(struct probe_desc *d)
{
	free((char *)d->name);
	free((char *)d->target);
	free((char *)d->tls_name);
	free((char *)d->ca_file);
	free((char *)d->dns_type);
	free((char *)d->resolver);
	free((char *)d->expect);
	free((char *)d->chain);
	free((char *)d->pidfile);
}

struct probe_set *
probe_set_new(const struct probe_desc *descs, size_t n, char **err)
{
	struct probe_set *s;
	char why[PROBE_ERR_MAX];
	size_t i;

	*err = NULL;
	if (n > PROBE_MAX) {
		*err = xasprintf("%zu checks, at most %d", n, PROBE_MAX);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (probe_desc_check(&descs[i], why, sizeof(why)) < 0) {
			*err = xasprintf("%s: %s",
			    descs[i].name ? descs[i].name : "(unnamed)", why);
			return NULL;
		}
	}
	s = xcalloc(1, sizeof(*s));
	s->n = n;
	s->p = xcalloc(n ? n : 1, sizeof(*s->p));
	for (i = 0; i < n; i++) {
		struct probe *p = &s->p[i];

		probe_copy_desc(&p->d, &descs[i]);
		p->r.status = PROBE_UNKNOWN;
		p->r.response_ms = -1;
		switch (p->d.kind) {
		case PROBE_COMMAND:
			/* checked above: it splits */
			probe_words_split(p->d.target, &p->argv, why,
			    sizeof(why));
			break;
		case PROBE_DNS:
			p->dns_type = probe_dns_type(
			    p->d.dns_type ? p->d.dns_type : "A");
			break;
		case PROBE_FIREWALL:
			probe_fw_parse_target(p->d.target, p->d.chain,
			    p->fw_family,
			    sizeof(p->fw_family), p->fw_table,
			    sizeof(p->fw_table), why, sizeof(why));
			break;
		default:
			break;
		}
	}
	for (i = 0; i < NENGINES; i++)
		s->state[i] = engines[i]->init();
	return s;
}

void
probe_set_free(struct probe_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = NENGINES; i-- > 0;)
		engines[i]->fini(s->state[i]);
	for (i = 0; i < s->n; i++) {
		probe_desc_free(&s->p[i].d);
		probe_words_free(s->p[i].argv);
	}
	free(s->p);
	free(s);
}

void
probe_set_adopt(struct probe_set *s, const struct probe_set *old)
{
	size_t i, j;

	if (old == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		struct probe *p = &s->p[i];

		for (j = 0; j < old->n; j++) {
			const struct probe *o = &old->p[j];

			if (o->d.kind == p->d.kind &&
			    strcmp(o->d.name, p->d.name) == 0 &&
			    strcmp(o->d.target ? o->d.target : "",
				p->d.target ? p->d.target : "") == 0) {
				probe_set_restore(s, i, &o->r);
				break;
			}
		}
	}
}

void
probe_set_restore(struct probe_set *s, size_t i,
    const struct probe_result *saved)
{
	if (i < s->n && saved != NULL)
		s->p[i].r = *saved;
}

size_t
probe_set_count(const struct probe_set *s)
{
	return s->n;
}

const struct probe_desc *
probe_set_desc(const struct probe_set *s, size_t i)
{
	return i < s->n ? &s->p[i].d : NULL;
}

const struct probe_result *
probe_set_result(const struct probe_set *s, size_t i)
{
	return i < s->n ? &s->p[i].r : NULL;
}

/* ---- finishing jobs ---- */

static bool
probe_job_close(struct probe_job *job)
{
	struct probe *p = job->p;

	if (job->done)
		return false;
	job->done = true;
	if (p->d.kind == PROBE_PROCESS || p->d.kind == PROBE_FILE)
		p->r.response_ms = -1;
	else
		p->r.response_ms = (long)(probe_now_ms() - job->start_ms);
	return true;
}

void
probe_job_ok(struct probe_job *job, const char *fmt, ...)
{
	struct probe_result *r = &job->p->r;
	va_list ap;

	if (!probe_job_close(job))
		return;
	r->ok = true;
	r->error[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

void
probe_job_fail(struct probe_job *job, const char *fmt, ...)
{
	struct probe_result *r = &job->p->r;
	va_list ap;

	if (!probe_job_close(job))
		return;
	r->ok = false;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	if (r->error[0] == '\0')
		snprintf(r->error, sizeof(r->error), "failed");
}

void
probe_job_timeout(struct probe_job *job, const char *phase)
{
	if (job->cut)
		probe_job_fail(job, "round deadline after %ld ms%s%s%s",
		    (long)(job->deadline_ms - job->start_ms),
		    phase && *phase ? " (" : "", phase ? phase : "",
		    phase && *phase ? ")" : "");
	else if (phase != NULL && *phase != '\0')
		probe_job_fail(job, "timeout after %u s (%s)",
		    job->p->d.timeout, phase);
	else
		probe_job_fail(job, "timeout after %u s", job->p->d.timeout);
}

void
probe_job_set_cert(struct probe_job *job, int days)
{
	job->p->r.have_cert = true;
	job->p->r.cert_days = days;
}

/* ---- a round ---- */

static void
probe_round_reset(struct probe_result *r)
{
	r->ok = false;
	r->error[0] = '\0';
	r->detail[0] = '\0';
	r->have_cert = false;
	r->cert_days = 0;
	r->fw_changed = false;
	r->fw_event[0] = '\0';
	r->status_changed = false;
}

static size_t
probe_engine_index(const struct probe_engine *e)
{
	size_t i;

	for (i = 0; i < NENGINES; i++)
		if (engines[i] == e)
			return i;
	log_fatalx("probe", "engine %s is not in the table", e->name);
}

long
probe_set_run(struct probe_set *s, long max_ms)
{
	struct pollvec pv = {0};
	size_t i, first[NENGINES + 1];
	int64_t t0 = probe_now_ms(), now, wake, limit;

	limit = max_ms > 0 ? t0 + max_ms : INT64_MAX;
	s->jobs = xcalloc(s->n ? s->n : 1, sizeof(*s->jobs));
	for (i = 0; i < s->n; i++) {
		struct probe_job *job = &s->jobs[i];
		struct probe *p = &s->p[i];
		size_t e;

		probe_round_reset(&p->r);
		job->p = p;
		p->job = job;
		job->engine = probe_kind_engine(p->d.kind);
		e = probe_engine_index(job->engine);
		job->engine_state = s->state[e];
		job->cmd_state =
		    s->state[probe_engine_index(&probe_engine_cmd)];
		job->start_ms = probe_now_ms();
		job->deadline_ms = job->start_ms + (int64_t)p->d.timeout * 1000;
		if (job->deadline_ms > limit) {
			job->deadline_ms = limit;
			job->cut = true;
		}
	}
	/* Started after every job is set up: the firewall's local check
	 * may hand its job to the cmd engine. */
	for (i = 0; i < s->n; i++)
		s->jobs[i].engine->start(s->jobs[i].engine_state, &s->jobs[i]);

	for (;;) {
		bool pending = false;
		int ms;

		now = probe_now_ms();
		wake = INT64_MAX;
		for (i = 0; i < s->n; i++) {
			struct probe_job *job = &s->jobs[i];

			if (job->done)
				continue;
			if (job->deadline_ms <= now) {
				job->engine->cancel(job->engine_state, job);
				probe_job_timeout(job, NULL);
				continue;
			}
			pending = true;
			if (job->deadline_ms < wake)
				wake = job->deadline_ms;
		}
		if (!pending)
			break;
		pv.n = 0;
		for (i = 0; i < NENGINES; i++) {
			first[i] = pv.n;
			engines[i]->fill(s->state[i], &pv, &wake);
		}
		first[NENGINES] = pv.n;
		ms = wake <= now ? 0 : (wake - now > 60000 ? 60000 :
		    (int)(wake - now));
		if (poll(pv.v, pv.n, ms) < 0 && errno != EINTR)
			log_warn("probe", "poll");
		for (i = 0; i < NENGINES; i++)
			engines[i]->process(s->state[i], pv.v + first[i],
			    first[i + 1] - first[i]);
	}
	free(pv.v);

	for (i = 0; i < s->n; i++) {
		struct probe *p = &s->p[i];

		p->r.checked = true;
		probe_flap_apply(&p->r, p->r.ok, p->d.fall, p->d.rise,
		    time(NULL));
		p->job = NULL;
		log_debug("probe", "%s: %s, %s, %ld ms: %s", p->d.name,
		    p->r.ok ? "ok" : "failed", probe_status_name(p->r.status),
		    p->r.response_ms, p->r.ok ? p->r.detail : p->r.error);
	}
	free(s->jobs);
	s->jobs = NULL;
	return (long)(probe_now_ms() - t0);
}
