/*
 * fuzz_conf.c: libFuzzer target for mailhealthd.conf parsing and
 * validation (conf_load). Any input must give a configuration or a
 * "FILE:LINE: reason" error, never a crash or a leak.
 *
 * Build and run: tests/fuzz/build.sh (clang, libFuzzer, ASan, UBSan), then
 *   build-fuzz/fuzz_conf -max_total_time=60 tests/fuzz/corpus/conf
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
	static char path[64];
	struct conf *c;
	char *err = NULL;
	FILE *fp;

	if (path[0] == '\0') {
		int fd;

		strcpy(path, "/tmp/fuzz-conf-XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
	}
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, fp);
	fclose(fp);
	c = conf_load(path, &err);
	if (c == NULL && err == NULL)
		abort();	/* an error must say what */
	if (c != NULL && err != NULL)
		abort();
	conf_free(c);
	free(err);
	return 0;
}
