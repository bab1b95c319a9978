/*
 * fuzz_conf.c: libFuzzer target for mailhealthd.conf parsing and
 * validation (conf_load). Any input must give a configuration or a
 * "FILE:LINE: reason" error, never a crash or a leak.
 *
 * make check replays the seeds in tests/fuzz/corpus/conf. To fuzz, in a
 * build configured with --enable-fuzzing:
 *   mkdir -p /tmp/conf-corpus
 *   tests/fuzz/fuzz_conf -max_total_time=60 /tmp/conf-corpus \
 *       $SRCDIR/tests/fuzz/corpus/conf
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* libconfuse reads files: one temp file per input, removed after,
	 * so that nothing is left behind and no input sees another's */
	char path[] = "/tmp/fuzz-conf-XXXXXX";
	struct conf *c;
	char *err = NULL;
	FILE *fp;
	int fd;

	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	c = conf_load(path, &err);
	unlink(path);
	if (c == NULL && err == NULL)
		abort();	/* an error must say what */
	if (c != NULL && err != NULL)
		abort();
	conf_free(c);
	free(err);
	return 0;
}
