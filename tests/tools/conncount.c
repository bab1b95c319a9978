/*
 * conncount.c: runs the connections engine (agent/conn/) once and
 * prints what it counted, for the integration tests and the benchmark:
 *
 *   conncount [-p] [-d PROCDIR] [-n TOPN] [-x EXACT_MAX] PORT...
 *
 *   reader netlink sockets 2004 outbound 0
 *   port 25 established 1000 halfopen 2 hosts 5 estimated 0
 *   top 25 127.0.0.2 400 0
 *
 * -p forces the /proc/net/tcp reader (and -d reads PROCDIR/tcp* instead
 * of /proc/net/tcp*). Exits 1 when no reader worked.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "conn/conn.h"

static void
usage(void)
{
	fprintf(stderr, "usage: conncount [-p] [-d PROCDIR] [-n TOPN] "
	    "[-x EXACT_MAX] PORT...\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	struct conn_opts o;
	const struct conn_result *r;
	struct conn *c;
	char err[512];
	size_t i, j;
	int ch;

	log_init("conncount", LOG_TO_STDERR);
	conn_opts_default(&o);
	while ((ch = getopt(argc, argv, "pd:n:x:")) != -1) {
		switch (ch) {
		case 'p':
			o.force_proc = true;
			break;
		case 'd':
			o.proc_dir = optarg;
			break;
		case 'n':
			o.top_n = strtoul(optarg, NULL, 10);
			break;
		case 'x':
			o.hosts_exact_max = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	for (; optind < argc && o.nports < CONN_PORTS_MAX; optind++) {
		unsigned long p = strtoul(argv[optind], NULL, 10);

		if (p == 0 || p > 65535)
			usage();
		o.ports[o.nports++] = (uint16_t)p;
	}
	c = conn_new(&o);
	if (conn_collect(c, time(NULL), err, sizeof(err)) < 0) {
		fprintf(stderr, "conncount: %s\n", err);
		conn_free(c);
		return 1;
	}
	r = conn_result(c);
	printf("reader %s sockets %llu outbound %llu\n",
	    conn_reader_name(r->reader), (unsigned long long)r->sockets,
	    (unsigned long long)r->outbound);
	for (i = 0; i < r->nports; i++) {
		const struct conn_port_stats *p = &r->ports[i];

		printf("port %u established %u halfopen %u hosts %u "
		    "estimated %d\n", p->port, p->established, p->halfopen,
		    p->hosts, p->hosts_estimated);
		for (j = 0; j < p->ntop; j++)
			printf("top %u %s %llu %llu\n", p->port, p->top[j].addr,
			    (unsigned long long)p->top[j].count,
			    (unsigned long long)p->top[j].error);
	}
	conn_free(c);
	return 0;
}
