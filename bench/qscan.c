/*
 * qscan: run the queue collector several rounds in one process, as the
 * daemon does every interval, and print how long each round took. The
 * first round reads every queue file; later rounds are the incremental
 * rescans that bench-postfix.sh compares with `find -type f | wc -l`.
 *
 *   qscan [-n ROUNDS] CONF
 *
 * Output, one line per round, then the peak RSS of the process:
 *   round 1 ms 812.4 messages 100000 errors 0
 *   maxrss_kb 23120
 */
#include "config.h"

#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "queue/queue.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	struct conf *c;
	struct rusage ru;
	char *err = NULL;
	void *st;
	int ch, rounds = 3, i;

	while ((ch = getopt(argc, argv, "n:")) != -1) {
		switch (ch) {
		case 'n':
			rounds = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc || rounds < 1)
		goto usage;
	log_init("qscan", LOG_TO_STDERR);
	if ((c = conf_load(argv[optind], &err)) == NULL) {
		fprintf(stderr, "%s\n", err ? err : "bad configuration");
		return MH_EX_CONFIG;
	}
	st = collector_queue.init(conf_col_of(c, &collector_queue)->cc, c);
	if (st == NULL) {
		fprintf(stderr, "qscan: no queue to read\n");
		return 1;
	}
	for (i = 1; i <= rounds; i++) {
		struct part *p = part_new(&collector_queue);
		const struct queue_part *q;
		double t0;
		int rc;

		p->taken = time(NULL);
		t0 = now_ms();
		rc = collector_queue.collect(st, p);
		q = p->data;
		printf("round %d ms %.1f messages %llu errors %u rc %d\n", i,
		    now_ms() - t0, (unsigned long long)(q ? q->q_messages : 0),
		    p->errors, rc);
		fflush(stdout);
		part_unref(p);
	}
	collector_queue.fini(st);
	conf_free(c);
	getrusage(RUSAGE_SELF, &ru);
	printf("maxrss_kb %ld\n", ru.ru_maxrss);
	return 0;
usage:
	fprintf(stderr, "usage: qscan [-n ROUNDS] CONF\n");
	return MH_EX_USAGE;
}
