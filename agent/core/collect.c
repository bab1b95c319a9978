/*
 * collect.c: the collector table and the thread that runs it.
 *
 * The one rule: an SNMP request never waits for a collector. Collectors
 * run here, on their own thread, and never call net-snmp. Each round
 * builds a fresh snapshot and publishes it; the main thread is woken by
 * a byte on a pipe, takes the snapshot and owns it from then on.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"

/* Adding a data source: one file and one row here. Set up in this
 * order, torn down in reverse. */
static const struct collector *const collectors[] = {
	&collector_queue,
};
#define NCOLLECTORS MH_ARRAY_SIZE(collectors)

struct collect {
	void *state[NCOLLECTORS];
	long interval;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	struct snapshot *pending;	/* published, not yet taken */
	int notify_fd;
};

int64_t
mh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct collect *
collect_new(const struct conf *conf)
{
	struct collect *c = xcalloc(1, sizeof(*c));
	size_t i;

	c->interval = conf->interval;
	c->notify_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	for (i = 0; i < NCOLLECTORS; i++)
		c->state[i] = collectors[i]->init(conf);
	return c;
}

void
collect_free(struct collect *c)
{
	size_t i;

	if (c == NULL)
		return;
	collect_stop(c);
	for (i = NCOLLECTORS; i-- > 0;)
		collectors[i]->fini(c->state[i]);
	snapshot_free(c->pending);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->wake);
	free(c);
}

struct snapshot *
collect_once(struct collect *c)
{
	struct snapshot *s = snapshot_new();
	int64_t t0 = mh_now_ms();
	size_t i;

	s->taken = time(NULL);
	for (i = 0; i < NCOLLECTORS; i++) {
		int64_t t1 = mh_now_ms();

		if (collectors[i]->collect(c->state[i], s) < 0)
			log_debug("collect", "%s: %s", collectors[i]->name,
			    s->last_error);
		log_debug("collect", "%s took %lld ms", collectors[i]->name,
		    (long long)(mh_now_ms() - t1));
	}
	s->duration_ms = (uint32_t)(mh_now_ms() - t0);
	return s;
}

static void *
collect_thread(void *arg)
{
	struct collect *c = arg;

	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		struct snapshot *s;
		struct timespec until;
		char b = 1;

		pthread_mutex_unlock(&c->lock);
		s = collect_once(c);
		pthread_mutex_lock(&c->lock);
		/* the main thread had not taken the last one: it is stale */
		snapshot_free(c->pending);
		c->pending = s;
		if (write(c->notify_fd, &b, 1) < 0 && errno != EAGAIN)
			log_warn("collect", "cannot wake the main thread");

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += c->interval;
		while (!c->stop &&
		    pthread_cond_timedwait(&c->wake, &c->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int
collect_start(struct collect *c, int notify_fd)
{
	int rc;

	c->notify_fd = notify_fd;
	c->stop = false;
	rc = pthread_create(&c->thread, NULL, collect_thread, c);
	if (rc != 0) {
		errno = rc;
		log_warn("collect", "cannot start the collector thread");
		return -1;
	}
	c->running = true;
	return 0;
}

struct snapshot *
collect_take(struct collect *c)
{
	struct snapshot *s;

	pthread_mutex_lock(&c->lock);
	s = c->pending;
	c->pending = NULL;
	pthread_mutex_unlock(&c->lock);
	return s;
}

void
collect_stop(struct collect *c)
{
	if (!c->running)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	c->running = false;
}
