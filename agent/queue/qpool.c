/*
 * qpool.c: a small pool of scanner threads, for the queue readers' first
 * reads. Opening and reading 100,000 small files is kernel work, a few
 * microseconds a file even with the page cache warm; one thread cannot
 * go faster than that (bench/qfloor measures it), so the reads of a
 * directory's new files are spread over the cores (and, for qmail and
 * Exim, go through io_uring inside each thread: qread.c).
 * docs/queues.md has the measurements.
 *
 * The shape is a parallel for: qpool_run() hands out items in chunks
 * from one atomic counter, the caller works too, and it returns when all
 * items are done. Split in two (qpool_start, qpool_finish), the caller
 * does its own work while the workers begin, then joins them. The workers never touch the snapshot or net-snmp:
 * they only fill the items' results, which the caller then takes in
 * order on its own thread. Workers block signals (the daemon's signals
 * go to its main thread), run at a lower priority than the rest of the
 * daemon (nice +10: the SNMP thread must win the CPU when a request
 * comes), and sleep on a condition variable between runs.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/syscall.h>

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue/queue.h"

#define QPOOL_MAX 8
#define QPOOL_NICE 10		/* the workers' nice, above the daemon's */

struct qpool {
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	pthread_t tid[QPOOL_MAX];
	int nthreads;		/* workers besides the caller */
	unsigned long round;	/* bumped by each run */
	int nice;		/* of the workers */
	int busy;		/* workers still in this round */
	bool running;		/* started, not yet finished */
	bool quit;
	/* the current run: fn per item, or rfn per chunk */
	void (*fn)(void *, size_t, int);
	void (*rfn)(void *, size_t, size_t, int);
	void *arg;
	size_t n;
	size_t next;		/* atomic */
};

struct qpool_worker {
	struct qpool *p;
	int id;
};

/* Items [i, e): one call of rfn, or fn for each. */
static void
run_chunk(void (*fn)(void *, size_t, int),
    void (*rfn)(void *, size_t, size_t, int), void *arg, size_t i, size_t e,
    int id)
{
	if (rfn)
		rfn(arg, i, e, id);
	else
		for (; i < e; i++)
			fn(arg, i, id);
}

static void
qpool_work(struct qpool *p, int id)
{
	for (;;) {
		size_t i = __atomic_fetch_add(&p->next, QPOOL_CHUNK,
		    __ATOMIC_RELAXED), e;

		if (i >= p->n)
			return;
		e = i + QPOOL_CHUNK < p->n ? i + QPOOL_CHUNK : p->n;
		run_chunk(p->fn, p->rfn, p->arg, i, e, id);
	}
}

static void *
qpool_main(void *arg)
{
	struct qpool_worker *w = arg;
	struct qpool *p = w->p;
	unsigned long seen = 0;
	int id = w->id;

	free(w);
	/* below the SNMP thread: a GET that arrives while the scanner
	 * threads read must not wait for them (Linux: per-thread nice) */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), p->nice);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->round == seen)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->quit)
			break;
		seen = p->round;
		pthread_mutex_unlock(&p->mu);
		qpool_work(p, id);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int
queue_threads(void)
{
	const char *e = getenv("MH_QUEUE_THREADS");
	long n;

	if (e && *e) {
		n = strtol(e, NULL, 10);
		return n < 1 ? 1 : n > QPOOL_MAX ? QPOOL_MAX : (int)n;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}

struct qpool *
qpool_new(int threads)
{
	struct qpool *p = xcalloc(1, sizeof(*p));
	sigset_t all, old;
	int i;

	if (threads > QPOOL_MAX)
		threads = QPOOL_MAX;
	/* MH_QUEUE_NICE: for the benchmarks, which weigh scan time
	 * against GET latency */
	p->nice = getenv("MH_QUEUE_NICE") ? atoi(getenv("MH_QUEUE_NICE")) :
	    QPOOL_NICE;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 1; i < threads; i++) {
		struct qpool_worker *w = xmalloc(sizeof(*w));

		w->p = p;
		w->id = i;
		if (pthread_create(&p->tid[p->nthreads], NULL, qpool_main,
		    w) != 0) {
			log_warn("queue", "scanner thread");
			free(w);
			break;
		}
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p;
}

void
qpool_free(struct qpool *p)
{
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

int
qpool_size(const struct qpool *p)
{
	return p ? p->nthreads + 1 : 1;
}

static void
qpool_begin(struct qpool *p, size_t n, void (*fn)(void *, size_t, int),
    void (*rfn)(void *, size_t, size_t, int), void *arg)
{
	size_t i;

	if (n == 0)
		return;
	/* a few items are not worth waking anyone: done now */
	if (p == NULL || p->nthreads == 0 || n < 2 * QPOOL_CHUNK) {
		for (i = 0; i < n; i += QPOOL_CHUNK)
			run_chunk(fn, rfn, arg, i, i + QPOOL_CHUNK < n ?
			    i + QPOOL_CHUNK : n, 0);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->rfn = rfn;
	p->arg = arg;
	p->n = n;
	p->next = 0;
	p->busy = p->nthreads;
	p->round++;
	p->running = true;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
}

void
qpool_start(struct qpool *p, size_t n, void (*fn)(void *, size_t, int),
    void *arg)
{
	qpool_begin(p, n, fn, NULL, arg);
}

void
qpool_start_chunks(struct qpool *p, size_t n,
    void (*fn)(void *, size_t, size_t, int), void *arg)
{
	qpool_begin(p, n, NULL, fn, arg);
}

void
qpool_finish(struct qpool *p)
{
	if (p == NULL || !p->running)
		return;
	/* the caller takes what is left, then waits for the last calls */
	qpool_work(p, 0);
	pthread_mutex_lock(&p->mu);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->mu);
	p->running = false;
	pthread_mutex_unlock(&p->mu);
}

void
qpool_run(struct qpool *p, size_t n, void (*fn)(void *, size_t, int),
    void *arg)
{
	qpool_start(p, n, fn, arg);
	qpool_finish(p);
}
