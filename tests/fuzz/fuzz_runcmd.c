/*
 * fuzz_runcmd.c: libFuzzer target for runcmd_split(), the command line
 * splitter (agent/drsync/runcmd.c), and runcmd_first_line(). Not part of
 * make check; nothing is run.
 *
 * A split either fails with a reason or gives 1 to 64 words whose
 * bytes together are no more than the line's; the first line of any
 * text is NUL-terminated, within its buffer and free of control bytes.
 *
 *   tests/fuzz/build.sh tests/fuzz/fuzz_runcmd.c
 *   mkdir -p /tmp/rc-corpus
 *   build-fuzz/fuzz_runcmd -max_total_time=60 /tmp/rc-corpus \
 *       tests/fuzz/corpus/runcmd
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drsync/runcmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), first[64];
	const char *why = NULL;
	char **argv;
	size_t n, total = 0, i;

	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	argv = runcmd_split(line, &why);
	if (argv == NULL) {
		if (why == NULL)
			abort();
	} else {
		for (n = 0; argv[n]; n++)
			total += strlen(argv[n]);
		if (n == 0 || n > RUNCMD_WORDS_MAX || total > strlen(line))
			abort();
		free(argv);
	}
	runcmd_first_line(line, first, sizeof(first));
	if (strlen(first) >= sizeof(first))
		abort();
	for (i = 0; first[i]; i++)
		if ((unsigned char)first[i] < 0x20 || first[i] == 0x7f)
			abort();
	free(line);
	return 0;
}
