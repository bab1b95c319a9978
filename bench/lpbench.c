/*
 * lpbench.c: read a mail log once through the parsers and counters, the
 * way a first `mailhealthd --once` does, and say how long it took.
 *
 *   lpbench [-r] [-n TOP] FILE
 *
 * -r: read and split only (what the parsers and counters add is the
 * difference).
 * The file is read with read() in 1 MiB blocks and split into lines; a
 * minimal RFC 3164 header split stands in for the log source (which has
 * its own code and benchmark elsewhere): "Mmm dd HH:MM:SS host
 * prog[pid]: msg", the year taken as 2026. Each line goes through
 * logparse_line() into logstats_add(); at the end one report is built.
 * Prints lines, events, the time of each part, the top sender and the
 * peak RSS. bench/bench-logparse.sh compares it with grep -c and
 * pflogsumm.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "logs/logparse.h"
#include "logs/logstats.h"

#define BLOCK (1 << 20)

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t month_start[12];

static void
months_init(void)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int64_t t = 1767225600;	/* 2026-01-01 00:00:00 UTC */
	int i;

	for (i = 0; i < 12; i++) {
		month_start[i] = t;
		t += (int64_t)days[i] * 86400;
	}
}

static int
month(const char *p)
{
	static const char m[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int i;

	for (i = 0; i < 12; i++)
		if (memcmp(p, m + 3 * i, 3) == 0)
			return i;
	return -1;
}

static int
d2(const char *p)
{
	return (p[0] == ' ' ? 0 : (p[0] - '0') * 10) + (p[1] - '0');
}

/* "Mmm dd HH:MM:SS host prog[pid]: msg"; false when it does not fit. */
static bool
split(const char *p, size_t n, struct log_line *l)
{
	const char *e = p + n, *q, *colon, *br;
	int mo;

	memset(l, 0, sizeof(*l));
	l->text.p = p;
	l->text.n = n;
	l->pid = -1;
	if (n < 16 || (mo = month(p)) < 0 || p[3] != ' ' || p[6] != ' ' ||
	    p[9] != ':' || p[12] != ':' || p[15] != ' ')
		return false;
	l->ts = month_start[mo] + (int64_t)(d2(p + 4) - 1) * 86400 +
	    d2(p + 7) * 3600 + d2(p + 10) * 60 + d2(p + 13);
	q = p + 16;
	br = memchr(q, ' ', (size_t)(e - q));
	if (br == NULL)
		return false;
	l->host.p = q;
	l->host.n = (size_t)(br - q);
	q = br + 1;
	colon = memchr(q, ':', (size_t)(e - q));
	if (colon == NULL || colon + 1 >= e || colon[1] != ' ')
		return false;
	l->prog.p = q;
	l->prog.n = (size_t)(colon - q);
	if (colon[-1] == ']' && (br = memchr(q, '[', (size_t)(colon - q))) !=
	    NULL) {
		l->prog.n = (size_t)(br - q);
		l->pid = 0;
		for (br++; br < colon - 1 && *br >= '0' && *br <= '9'; br++)
			l->pid = l->pid * 10 + (*br - '0');
	}
	l->msg.p = colon + 2;
	l->msg.n = (size_t)(e - colon - 2);
	return true;
}

int
main(int argc, char **argv)
{
	struct logparse *lp;
	struct logstats *ls;
	struct logstats_report *r;
	struct logparse_stats st;
	struct log_line l;
	struct rusage ru;
	char *buf;
	size_t have = 0, top = 10, i;
	bool split_only = false;
	uint64_t lines = 0, bad = 0;
	double t0, t1, t2;
	ssize_t got;
	int fd, c;

	while ((c = getopt(argc, argv, "rn:")) != -1) {
		if (c == 'r') {
			split_only = true;
			continue;
		}
		if (c != 'n') {
			fprintf(stderr, "usage: lpbench [-r] [-n TOP] FILE\n");
			return 64;
		}
		top = (size_t)strtoul(optarg, NULL, 10);
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: lpbench [-r] [-n TOP] FILE\n");
		return 64;
	}
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "lpbench: %s: %s\n", argv[optind],
		    strerror(errno));
		return 66;
	}
	months_init();
	lp = logparse_new(NULL);
	ls = logstats_new(NULL);
	buf = xmalloc(2 * BLOCK);
	t0 = now_s();
	while ((got = read(fd, buf + have, 2 * BLOCK - have)) > 0) {
		char *p = buf, *end = buf + have + got, *nl;

		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			lines++;
			if (split(p, (size_t)(nl - p), &l)) {
				if (!split_only)
					logparse_line(lp, &l, 0, logstats_emit,
					    ls);
			} else
				bad++;
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (have == 2 * BLOCK)
			have = 0;	/* a 2 MiB line: drop it */
		memmove(buf, p, have);
	}
	close(fd);
	t1 = now_s();
	r = logstats_report(ls, top, 0);
	t2 = now_s();
	logparse_stats(lp, &st);
	getrusage(RUSAGE_SELF, &ru);
	printf("lines %llu (unsplit %llu), events %llu, counted lines %llu\n",
	    (unsigned long long)lines, (unsigned long long)bad,
	    (unsigned long long)st.events,
	    (unsigned long long)st.counted_lines);
	printf("received %llu delivered %llu deferred %llu bounced %llu "
	    "rejected %llu auth_fail %llu\n",
	    (unsigned long long)r->total[LEV_RECEIVED],
	    (unsigned long long)r->total[LEV_DELIVERED],
	    (unsigned long long)r->total[LEV_DEFERRED],
	    (unsigned long long)r->total[LEV_BOUNCED],
	    (unsigned long long)r->total[LEV_REJECTED],
	    (unsigned long long)r->total[LEV_AUTH_FAIL]);
	for (i = 0; i < r->nsenders && i < 3; i++)
		printf("sender %s: %u in window (%u IPs), %llu in total\n",
		    r->senders[i].user, r->senders[i].msgs_win,
		    r->senders[i].clients_win,
		    (unsigned long long)r->senders[i].msgs_total);
	printf("read+parse+count %.3f s, report %.3f s, counters %zu KiB, "
	    "maxrss %ld KiB\n", t1 - t0, t2 - t1, r->bytes / 1024,
	    ru.ru_maxrss);
	logstats_report_free(r);
	logstats_free(ls);
	logparse_free(lp);
	free(buf);
	return 0;
}
