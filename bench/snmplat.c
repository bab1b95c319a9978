/*
 * snmplat: GET latency of one OID, measured in-process so that process
 * start-up does not drown the figure.
 *
 *   snmplat HOST:PORT COMMUNITY OID COUNT
 *
 * prints "median_us p99_us max_us errors" for COUNT synchronous GETs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	netsnmp_session s, *ss;
	oid name[MAX_OID_LEN];
	size_t namelen = MAX_OID_LEN;
	long i, n, errors = 0;
	double *lat;

	if (argc != 5) {
		fprintf(stderr, "usage: snmplat HOST:PORT COMMUNITY OID COUNT\n");
		return 64;
	}
	n = atol(argv[4]);
	if (n <= 0)
		return 64;
	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	init_snmp("snmplat");
	snmp_sess_init(&s);
	s.peername = argv[1];
	s.version = SNMP_VERSION_2c;
	s.community = (u_char *)argv[2];
	s.community_len = strlen(argv[2]);
	s.timeout = 2000000;
	s.retries = 0;
	if ((ss = snmp_open(&s)) == NULL) {
		snmp_perror("snmp_open");
		return 1;
	}
	if (!read_objid(argv[3], name, &namelen)) {
		fprintf(stderr, "snmplat: bad OID %s\n", argv[3]);
		return 64;
	}
	lat = calloc((size_t)n, sizeof(*lat));
	for (i = 0; i < n; i++) {
		netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *resp = NULL;
		struct timespec t0, t1;
		int st;

		snmp_add_null_var(pdu, name, namelen);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		st = snmp_synch_response(ss, pdu, &resp);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (st != STAT_SUCCESS || resp == NULL ||
		    resp->errstat != SNMP_ERR_NOERROR ||
		    resp->variables->type == SNMP_NOSUCHOBJECT ||
		    resp->variables->type == SNMP_NOSUCHINSTANCE)
			errors++;
		if (resp)
			snmp_free_pdu(resp);
		lat[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e6 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("%.0f %.0f %.0f %ld\n", lat[n / 2], lat[(n * 99) / 100],
	    lat[n - 1], errors);
	snmp_close(ss);
	free(lat);
	return errors ? 1 : 0;
}
