/*
 * fuzz_probe_words.c: libFuzzer target for the command-line splitter of
 * command checks (probe_words_split). Any input must give words or a
 * reason, never a crash, a leak or a read past the line; and the words
 * of a line that split must contain no byte that was not in the line.
 *
 * Build and run: tests/fuzz/build.sh, then
 *   build-fuzz/fuzz_probe_words -max_total_time=60 /tmp/c tests/fuzz/corpus/probe_words
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "probe/probe.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *line = xstrndup((const char *)data, size), **argv = NULL;
	char err[256];
	int n, i;

	n = probe_words_split(line, &argv, err, sizeof(err));
	if (n < 0) {
		if (argv != NULL || err[0] == '\0')
			abort();
	} else {
		for (i = 0; i < n; i++) {
			const char *c;

			if (argv[i] == NULL)
				abort();
			for (c = argv[i]; *c != '\0'; c++)
				if (memchr(line, *c, strlen(line)) == NULL)
					abort();
		}
		if (argv[n] != NULL)
			abort();
		probe_words_free(argv);
	}
	free(line);
	return 0;
}
