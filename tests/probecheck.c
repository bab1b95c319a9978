/*
 * probecheck: run a probe set built from the command line and print the
 * results, for the integration tests (tests/integration/probe*.sh) and
 * for trying a check by hand.
 *
 *   probecheck [-n ROUNDS] [-m MAX_MS] [-s] SPEC...
 *
 * SPEC is one argument of key=value words (probe_words syntax), e.g.
 *   'name=smtp kind=smtp target=127.0.0.1:2525 timeout=5 starttls=yes'
 * Keys are the fields of struct probe_desc. -s: before each round after
 * the first, print "# next" and wait for a line on stdin, so a test can
 * change the world between rounds.
 *
 * Output, one line per check and round, tab-separated:
 *   round name ok status ms cert fingerprint rules changed error detail event
 * ("-" where there is nothing), then "# round N: MS ms".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "probe/probe.h"

static void
usage(void)
{
	fprintf(stderr, "usage: probecheck [-n ROUNDS] [-m MAX_MS] [-s] "
	    "SPEC...\n");
	exit(64);
}

static bool
yes(const char *v)
{
	return strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0;
}

static int
spec_parse(const char *spec, struct probe_desc *d, char ***words)
{
	char err[256], **w;
	int n, i;

	memset(d, 0, sizeof(*d));
	if ((n = probe_words_split(spec, words, err, sizeof(err))) < 0) {
		fprintf(stderr, "probecheck: '%s': %s\n", spec, err);
		return -1;
	}
	w = *words;
	for (i = 0; i < n; i++) {
		char *k = w[i], *v = strchr(w[i], '=');

		if (v == NULL) {
			fprintf(stderr, "probecheck: '%s': not key=value\n", k);
			return -1;
		}
		*v++ = '\0';
		if (strcmp(k, "name") == 0)
			d->name = v;
		else if (strcmp(k, "kind") == 0) {
			if (probe_kind_parse(v) < 0) {
				fprintf(stderr, "probecheck: kind %s?\n", v);
				return -1;
			}
			d->kind = (enum probe_kind)probe_kind_parse(v);
		} else if (strcmp(k, "target") == 0)
			d->target = v;
		else if (strcmp(k, "timeout") == 0)
			d->timeout = (unsigned)atoi(v);
		else if (strcmp(k, "fall") == 0)
			d->fall = (unsigned)atoi(v);
		else if (strcmp(k, "rise") == 0)
			d->rise = (unsigned)atoi(v);
		else if (strcmp(k, "starttls") == 0)
			d->starttls = yes(v) ? PROBE_OPT_YES : PROBE_OPT_NO;
		else if (strcmp(k, "tls_verify") == 0)
			d->tls_verify = yes(v);
		else if (strcmp(k, "tls_name") == 0)
			d->tls_name = v;
		else if (strcmp(k, "ca_file") == 0)
			d->ca_file = v;
		else if (strcmp(k, "min_cert_days") == 0)
			d->min_cert_days = atoi(v);
		else if (strcmp(k, "http_status") == 0)
			d->http_status = atol(v);
		else if (strcmp(k, "dns_type") == 0)
			d->dns_type = v;
		else if (strcmp(k, "resolver") == 0)
			d->resolver = v;
		else if (strcmp(k, "nxdomain_ok") == 0)
			d->nxdomain_ok = yes(v);
		else if (strcmp(k, "expect") == 0)
			d->expect = v;
		else if (strcmp(k, "chain") == 0)
			d->chain = v;
		else if (strcmp(k, "fw_backend") == 0)
			d->fw_backend = strcmp(v, "nft") == 0 ? PROBE_FW_NFT :
			    strcmp(v, "iptables") == 0 ? PROBE_FW_IPTABLES :
			    PROBE_FW_AUTO;
		else if (strcmp(k, "pidfile") == 0)
			d->pidfile = v;
		else if (strcmp(k, "max_age") == 0)
			d->max_age = atol(v);
		else {
			fprintf(stderr, "probecheck: unknown key %s\n", k);
			return -1;
		}
	}
	return 0;
}

static const char *
dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

int
main(int argc, char **argv)
{
	struct probe_desc *descs;
	struct probe_set *set;
	char ***words, *err = NULL, line[256];
	long rounds = 1, max_ms = 0, round, ms;
	bool step = false;
	int c, n, i;

	log_init("probecheck", LOG_TO_STDERR);
	while ((c = getopt(argc, argv, "n:m:s")) != -1) {
		switch (c) {
		case 'n':
			rounds = atol(optarg);
			break;
		case 'm':
			max_ms = atol(optarg);
			break;
		case 's':
			step = true;
			break;
		default:
			usage();
		}
	}
	n = argc - optind;
	if (n < 1 || rounds < 1)
		usage();
	descs = xcalloc((size_t)n, sizeof(*descs));
	words = xcalloc((size_t)n, sizeof(*words));
	for (i = 0; i < n; i++)
		if (spec_parse(argv[optind + i], &descs[i], &words[i]) < 0)
			return 64;
	if ((set = probe_set_new(descs, (size_t)n, &err)) == NULL) {
		fprintf(stderr, "probecheck: %s\n", err);
		free(err);
		return 78;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (round = 1; round <= rounds; round++) {
		if (round > 1 && step) {
			printf("# next\n");
			if (fgets(line, sizeof(line), stdin) == NULL)
				break;
		}
		ms = probe_set_run(set, max_ms);
		for (i = 0; i < n; i++) {
			const struct probe_result *r = probe_set_result(set,
			    (size_t)i);
			char cert[16];

			if (r->have_cert)
				snprintf(cert, sizeof(cert), "%d", r->cert_days);
			else
				snprintf(cert, sizeof(cert), "-");
			printf("%ld\t%s\t%d\t%s\t%ld\t%s\t%s\t%u\t%d\t%s\t%s\t%s\n",
			    round, descs[i].name, r->ok ? 1 : 0,
			    probe_status_name(r->status), r->response_ms, cert,
			    dash(r->fw_fingerprint), r->fw_rules,
			    r->fw_changed ? 1 : 0, dash(r->error),
			    dash(r->detail), dash(r->fw_event));
		}
		printf("# round %ld: %ld ms\n", round, ms);
	}
	probe_set_free(set);
	for (i = 0; i < n; i++)
		probe_words_free(words[i]);
	free(words);
	free(descs);
	return 0;
}
