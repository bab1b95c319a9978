/*
 * collect.c: a thread per collector, and the snapshot assembled from
 * their latest parts.
 *
 * The one rule: an SNMP request never waits for a collector. A second
 * rule follows from it: no collector waits for another. Each configured
 * collector runs on its own thread, one round every `interval` seconds,
 * and publishes a part at the end of each round; the main thread is
 * woken by a byte on a pipe and assembles a snapshot from every
 * collector's latest part. A collector that hangs (a probe waiting on a
 * timeout, a queue on a dead NFS mount) only makes its own part age;
 * past its deadline the part is stale, left out and reported.
 *
 * Ownership: a runner is shared by the main thread and its collector
 * thread (refs, under its mutex). Stopping never joins a busy thread: it
 * sets `stop` and lets go; the thread calls fini and frees the runner
 * when its round ends. Only collect_free() waits, and briefly.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"

/* collect_free waits this long for busy collectors before leaving them */
#define STOP_WAIT_MS 2000

struct runner {
	const struct collector *col;
	size_t row;		/* in collectors[] */
	const struct conf *conf;/* a private copy for the thread's life */
	struct conf *owned;	/* what conf points to, freed with us */
	char *key;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	/* under lock */
	long interval, deadline;
	bool stop;
	bool done;		/* the thread has ended */
	int refs;
	struct part *latest;
	int64_t busy_since;	/* monotonic ms of the running round, 0 */
	uint32_t seq;
	int notify_fd;
};

struct collect {
	size_t n;
	struct runner **run;	/* one per collector row, NULL if off */
	int notify_fd;
	/* what the last snapshot held, to tell the caller about changes */
	struct part **seen;
	bool *seen_stale;
	uint32_t errors;	/* of every part seen, each counted once */
};

int64_t
mh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One copy of the configuration per runner, so a reload can free the
 * old one while a hung collector still holds it. Only what collectors
 * read is copied: the core options and their own row. */
static struct conf *
conf_for_runner(const struct conf *c, size_t row)
{
	struct conf *o = xcalloc(1, sizeof(*o));

	*o = *c;
	o->file = xstrdup(c->file);
	o->agentx_socket = xstrdup(c->agentx_socket);
	o->pidfile = xstrdup(c->pidfile);
	o->state_directory = xstrdup(c->state_directory);
	o->nalarms = 0;
	o->alarms = NULL;
	o->ncol = c->ncol;
	o->col = xcalloc(c->ncol, sizeof(*o->col));
	o->col[row] = c->col[row];
	o->col[row].key = xstrdup(c->col[row].key);
	/* the row's cc moves to us: the caller's conf must not free it */
	return o;
}

static void
runner_release(struct runner *r)
{
	bool last;

	pthread_mutex_lock(&r->lock);
	last = --r->refs == 0;
	pthread_mutex_unlock(&r->lock);
	if (!last)
		return;
	part_unref(r->latest);
	conf_free(r->owned);
	free(r->key);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wake);
	free(r);
}

static void
runner_wait(struct runner *r, long seconds)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	while (!r->stop &&
	    pthread_cond_timedwait(&r->wake, &r->lock, &until) == 0)
		;
}

static struct part *
run_round(const struct collector *col, void *state, uint32_t seq)
{
	struct part *p = part_new(col);
	int64_t t0 = mh_now_ms();

	p->taken = time(NULL);
	if (col->collect(state, p) < 0) {
		p->incomplete = true;
		if (p->errors == 0)
			part_error(p, "%s: round failed", col->name);
	}
	p->done_ms = mh_now_ms();
	p->duration_ms = (uint32_t)(p->done_ms - t0);
	if (p->errors)
		log_debug("collect", "%s: %u error(s), first: %s", col->name,
		    p->errors, p->last_error);
	log_debug("collect", "%s round %u took %u ms", col->name, seq,
	    p->duration_ms);
	return p;
}

static void *
runner_thread(void *arg)
{
	struct runner *r = arg;
	const struct collector *col = r->col;
	const struct conf_col *cc = &r->conf->col[r->row];
	void *state = col->init(cc->cc, r->conf);

	pthread_mutex_lock(&r->lock);
	while (!r->stop && state != NULL) {
		struct part *p;
		char b = 1;

		r->busy_since = mh_now_ms();
		r->seq++;
		pthread_mutex_unlock(&r->lock);
		p = run_round(col, state, r->seq);
		pthread_mutex_lock(&r->lock);
		r->busy_since = 0;
		if (r->stop) {
			part_unref(p);
			break;
		}
		part_unref(r->latest);
		r->latest = p;
		if (write(r->notify_fd, &b, 1) < 0 && errno != EAGAIN)
			log_warn("collect", "cannot wake the main thread");
		runner_wait(r, r->interval);
	}
	pthread_mutex_unlock(&r->lock);
	if (state != NULL)
		col->fini(state);
	pthread_mutex_lock(&r->lock);
	r->done = true;
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->lock);
	runner_release(r);
	return NULL;
}

static struct runner *
runner_start(const struct conf *c, size_t row, int notify_fd)
{
	struct runner *r = xcalloc(1, sizeof(*r));
	pthread_attr_t attr;
	int rc;

	r->col = collectors[row];
	r->row = row;
	r->owned = conf_for_runner(c, row);
	r->conf = r->owned;
	r->key = xstrdup(c->col[row].key ? c->col[row].key : "");
	r->interval = c->col[row].interval;
	r->deadline = c->col[row].deadline;
	r->notify_fd = notify_fd;
	r->refs = 2;		/* the main thread and the collector thread */
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&r->thread, &attr, runner_thread, r);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		errno = rc;
		log_fatalx("collect", "cannot start the %s collector thread: %s",
		    r->col->name, strerror(rc));
	}
	return r;
}

static void
runner_stop(struct runner *r)
{
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->lock);
	runner_release(r);
}

struct collect *
collect_new(struct conf *conf, int notify_fd)
{
	struct collect *c = xcalloc(1, sizeof(*c));
	size_t i;

	c->n = ncollectors;
	c->run = xcalloc(c->n ? c->n : 1, sizeof(*c->run));
	c->seen = xcalloc(c->n ? c->n : 1, sizeof(*c->seen));
	c->seen_stale = xcalloc(c->n ? c->n : 1, sizeof(*c->seen_stale));
	c->notify_fd = notify_fd;
	for (i = 0; i < c->n; i++)
		if (conf->col[i].on) {
			c->run[i] = runner_start(conf, i, notify_fd);
			conf->col[i].cc = NULL;	/* the runner owns it now */
		}
	return c;
}

void
collect_reconf(struct collect *c, struct conf *conf)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		struct runner *r = c->run[i];
		const struct conf_col *cc = &conf->col[i];

		if (r != NULL && cc->on && strcmp(r->key, cc->key) == 0) {
			/* unchanged: keep its state, take the new timing */
			pthread_mutex_lock(&r->lock);
			r->interval = cc->interval;
			r->deadline = cc->deadline;
			pthread_cond_broadcast(&r->wake);
			pthread_mutex_unlock(&r->lock);
			log_debug("collect", "%s: configuration unchanged",
			    r->col->name);
			continue;
		}
		if (r != NULL) {
			log_info("collect", "%s: configuration changed, "
			    "restarting it", r->col->name);
			runner_stop(r);
			c->run[i] = NULL;
		}
		if (cc->on) {
			c->run[i] = runner_start(conf, i, c->notify_fd);
			conf->col[i].cc = NULL;	/* the runner owns it now */
		}
	}
}

void
collect_free(struct collect *c)
{
	int64_t until = mh_now_ms() + STOP_WAIT_MS;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		struct runner *r = c->run[i];
		struct timespec ts;

		if (r == NULL)
			continue;
		pthread_mutex_lock(&r->lock);
		r->stop = true;
		pthread_cond_broadcast(&r->wake);
		/* let it save its state (log positions); a hung one is
		 * left behind, the process is ending anyway */
		while (!r->done && mh_now_ms() < until) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&r->wake, &r->lock, &ts);
		}
		if (!r->done)
			log_warnx("collect", "%s: still busy, not waiting for "
			    "it", r->col->name);
		pthread_mutex_unlock(&r->lock);
		runner_release(r);
	}
	for (i = 0; i < c->n; i++)
		part_unref(c->seen[i]);
	free(c->seen);
	free(c->seen_stale);
	free(c->run);
	free(c);
}

static void
note_stale(struct snapshot *s, const struct runner *r, int64_t age_ms,
    bool never)
{
	if (never)
		snprintf(s->last_error, sizeof(s->last_error), "%s: no "
		    "complete round after %lld s", r->col->name,
		    (long long)(age_ms / 1000));
	else
		snprintf(s->last_error, sizeof(s->last_error), "%s: stale, "
		    "last complete round %lld s ago", r->col->name,
		    (long long)(age_ms / 1000));
}

/* Add a fresh part to the snapshot's totals: its longest round, its
 * errors and the first error text, and the newest part (*newest). */
static void
snapshot_count(struct snapshot *s, const struct part *p,
    const struct part **newest)
{
	if (p->duration_ms > s->duration_ms)
		s->duration_ms = p->duration_ms;
	s->errors += p->errors;
	if (p->errors && s->last_error[0] == '\0')
		snprintf(s->last_error, sizeof(s->last_error), "%s: %s",
		    p->col->name, p->last_error);
	if (*newest == NULL || p->done_ms > (*newest)->done_ms)
		*newest = p;
}

struct snapshot *
collect_snapshot(struct collect *c, bool *changed)
{
	struct snapshot *s = snapshot_new(c->n);
	int64_t now = mh_now_ms();
	const struct part *newest = NULL;
	bool any = false;
	size_t i;

	s->taken = time(NULL);
	for (i = 0; i < c->n; i++) {
		struct runner *r = c->run[i];
		struct snap_part *sp = &s->parts[i];
		int64_t busy;

		if (r == NULL) {
			if (c->seen[i] != NULL) {
				part_unref(c->seen[i]);
				c->seen[i] = NULL;
				any = true;
			}
			continue;
		}
		pthread_mutex_lock(&r->lock);
		sp->part = part_ref(r->latest);
		busy = r->busy_since;
		pthread_mutex_unlock(&r->lock);

		if (sp->part != NULL) {
			int64_t age = now - sp->part->done_ms;

			sp->stale = age > r->deadline * 1000;
			if (sp->stale)
				note_stale(s, r, age, false);
		} else if (busy != 0 && now - busy > r->deadline * 1000) {
			note_stale(s, r, now - busy, true);
			sp->stale = true;
		}
		if (sp->part != c->seen[i] || sp->stale != c->seen_stale[i]) {
			any = true;
			if (sp->part != c->seen[i] && sp->part != NULL)
				c->errors += sp->part->errors;
			part_unref(c->seen[i]);
			c->seen[i] = part_ref(sp->part);
			c->seen_stale[i] = sp->stale;
		}
		if (sp->part != NULL && !sp->stale)
			snapshot_count(s, sp->part, &newest);
	}
	if (newest != NULL)
		s->last_collect = newest->taken +
		    (time_t)(newest->duration_ms / 1000);
	if (changed)
		*changed = any;
	return s;
}

uint32_t
collect_errors(const struct collect *c)
{
	return c->errors;
}

struct part *
collect_run_one(const struct collector *col, const void *cc,
    const struct conf *conf)
{
	void *state = col->init(cc, conf);
	struct part *p;

	if (state == NULL)
		return NULL;
	p = run_round(col, state, 1);
	col->fini(state);
	return p;
}

/* --once: every collector's one round on a thread of its own, as in the
 * daemon, so the whole takes as long as the slowest (the system
 * collector waits a tenth of a second for its CPU reading while the
 * logs are replayed), not the sum. */
struct once_job {
	const struct collector *col;
	const void *cc;
	const struct conf *conf;
	struct part *part;
};

static void *
once_thread(void *arg)
{
	struct once_job *j = arg;

	j->part = collect_run_one(j->col, j->cc, j->conf);
	return NULL;
}

struct snapshot *
collect_once(const struct conf *conf)
{
	struct snapshot *s = snapshot_new(ncollectors);
	struct once_job *jobs = xcalloc(ncollectors ? ncollectors : 1,
	    sizeof(*jobs));
	pthread_t *tid = xcalloc(ncollectors ? ncollectors : 1, sizeof(*tid));
	bool *started = xcalloc(ncollectors ? ncollectors : 1,
	    sizeof(*started));
	const struct part *newest = NULL;
	size_t i;

	s->taken = time(NULL);
	for (i = 0; i < ncollectors; i++) {
		if (!conf->col[i].on)
			continue;
		jobs[i] = (struct once_job){ collectors[i], conf->col[i].cc,
		    conf, NULL };
		started[i] = pthread_create(&tid[i], NULL, once_thread,
		    &jobs[i]) == 0;
		if (!started[i])	/* no thread: run it here */
			once_thread(&jobs[i]);
	}
	for (i = 0; i < ncollectors; i++) {
		struct part *p;

		if (started[i])
			pthread_join(tid[i], NULL);
		p = jobs[i].part;
		s->parts[i].part = p;
		if (p != NULL)
			snapshot_count(s, p, &newest);
	}
	if (newest != NULL)
		s->last_collect = newest->taken;
	free(jobs);
	free(tid);
	free(started);
	return s;
}
