/*
 * fuzz_sms_conf.c: libFuzzer target for mailhealth-sms.conf parsing and
 * validation (sms_conf_load, sms/sms_conf.c). Any input must give a
 * configuration or a "FILE:LINE: reason" error, never a crash or a leak.
 * make check replays the seeds in tests/fuzz/corpus/sms_conf.
 *
 * libconfuse reads files, so each input is written to a temp file of
 * its own, removed after.
 *
 * To fuzz, in a build configured with --enable-fuzzing:
 *   mkdir -p /tmp/sms-conf-corpus
 *   tests/fuzz/fuzz_sms_conf -max_total_time=60 /tmp/sms-conf-corpus \
 *       $SRCDIR/tests/fuzz/corpus/sms_conf
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-sms-conf-XXXXXX";
	struct sms_conf *c;
	char err[600];
	size_t plen;
	FILE *fp;
	int fd;

	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	err[0] = '\0';
	c = sms_conf_load(path, err, sizeof(err));
	unlink(path);
	plen = strlen(path);
	if (c == NULL) {
		/* an error must say where: "FILE:LINE: reason" (an included
		 * file names itself, so only the shape is checked then) */
		const char *colon = strstr(err, ":");

		if (err[0] == '\0' || colon == NULL)
			abort();
		if (strncmp(err, path, plen) == 0 &&
		    (err[plen] != ':' || err[plen + 1] < '0' ||
		    err[plen + 1] > '9'))
			abort();
	} else {
		if (c->spool_dir == NULL || c->spool_dir[0] != '/' ||
		    c->gw.url == NULL ||
		    (c->nrecipients == 0 && c->nroutes == 0))
			abort();
		sms_conf_free(c);
	}
	return 0;
}
