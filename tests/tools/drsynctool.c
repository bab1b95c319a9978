/*
 * drsynctool.c: runs the DR sync engine (agent/drsync/) for the
 * integration tests. The options are the drsync section's:
 *
 *   drsynctool [-m stamp|drbd|command] [-r primary|dr] [-s STAMP_FILE]
 *       [-H HOSTNAME] [-c COMMAND] [-p PEER] [-l MAX_LAG] [-t TIMEOUT]
 *       [-d DRBDSETUP] [-P PROC_DRBD] [-R RESOURCE] [-1]
 *
 * It reads commands from stdin, one a line, and answers each with one
 * line, so that a test drives rounds of one engine (its state lives on
 * between them):
 *
 *   round            a round now
 *   round 1700000000 a round at that time (the test clock)
 *
 *   status=ok lag=3 last_success=1700000000 peer=up peer_ms=0 oos_kib=0
 *   error="" detail="stamp seq 4 from mail1" peer_error=""
 *
 * With -1 it runs one round now, prints it and exits. A bad option is
 * exit 64 with drsync_new()'s reason.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "drsync/drsync.h"

static void
usage(const char *why)
{
	fprintf(stderr, "drsynctool: %s\n", why);
	exit(64);
}

static void
print_result(const struct drsync_result *r)
{
	char lag[24] = "-";

	if (r->have_lag)
		snprintf(lag, sizeof(lag), "%" PRId64, r->lag);
	printf("status=%s lag=%s last_success=%lld peer=%s "
	    "peer_ms=%u oos_kib=%llu error=\"%s\" detail=\"%s\" "
	    "peer_error=\"%s\"\n", drsync_status_name(r->status), lag,
	    (long long)r->last_success, drsync_peer_name(r->peer), r->peer_ms,
	    (unsigned long long)r->oos_kib, r->last_error, r->detail,
	    r->peer_error);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct drsync_opts o;
	struct drsync *d;
	char line[256], *err = NULL;
	bool once = false;
	int ch, v;

	log_init("drsynctool", LOG_TO_STDERR);
	drsync_opts_default(&o);
	while ((ch = getopt(argc, argv, "m:r:s:H:c:p:l:t:d:P:R:1")) != -1) {
		switch (ch) {
		case 'm':
			if ((v = drsync_method_parse(optarg)) < 0)
				usage("unknown method");
			o.method = (enum drsync_method)v;
			break;
		case 'r':
			if ((v = drsync_role_parse(optarg)) < 0)
				usage("unknown role");
			o.role = (enum drsync_role)v;
			break;
		case 's': o.stamp_file = optarg; break;
		case 'H': o.hostname = optarg; break;
		case 'c': o.command = optarg; break;
		case 'p': o.peer = optarg; break;
		case 'l': o.max_lag = strtol(optarg, NULL, 10); break;
		case 't': o.timeout = strtol(optarg, NULL, 10); break;
		case 'd': o.drbdsetup = optarg; break;
		case 'P': o.proc_drbd = optarg; break;
		case 'R': o.resource = optarg; break;
		case '1': once = true; break;
		default: usage("bad option");
		}
	}
	if ((d = drsync_new(&o, &err)) == NULL)
		usage(err);
	if (once) {
		drsync_round(d, time(NULL));
		print_result(drsync_result(d));
		drsync_free(d);
		return 0;
	}
	while (fgets(line, sizeof(line), stdin)) {
		long long t = 0;

		if (strncmp(line, "round", 5) != 0) {
			printf("error=\"unknown command\"\n");
			fflush(stdout);
			continue;
		}
		if (sscanf(line + 5, "%lld", &t) != 1)
			t = (long long)time(NULL);
		drsync_round(d, (time_t)t);
		print_result(drsync_result(d));
	}
	drsync_free(d);
	return 0;
}
