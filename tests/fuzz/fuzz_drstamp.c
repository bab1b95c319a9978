/*
 * fuzz_drstamp.c: libFuzzer target for drsync_stamp_parse(), the DR
 * stamp file parser (agent/drsync/drsync_stamp.c): the file arrives
 * from the primary through whatever replicates, so it is outside input.
 * Not part of make check.
 *
 * A parse succeeds with a host, a positive time and a sequence that
 * format back into a stamp that parses the same, or fails with a reason.
 *
 *   tests/fuzz/build.sh tests/fuzz/fuzz_drstamp.c
 *   mkdir -p /tmp/st-corpus
 *   build-fuzz/fuzz_drstamp -max_total_time=60 /tmp/st-corpus \
 *       tests/fuzz/corpus/drstamp
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drsync/drsync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drsync_stamp st, again;
	char *buf = malloc(size ? size : 1), out[DRSYNC_STAMP_MAX];
	const char *why = NULL;
	size_t line, len;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (drsync_stamp_parse(buf, size, &st, &why, &line) < 0) {
		if (why == NULL)
			abort();
	} else {
		if (st.time <= 0 || st.host[0] == '\0')
			abort();
		len = drsync_stamp_format(&st, out, sizeof(out));
		if (drsync_stamp_parse(out, len, &again, &why, &line) < 0 ||
		    strcmp(st.host, again.host) != 0 || st.time != again.time ||
		    st.seq != again.seq)
			abort();
	}
	free(buf);
	return 0;
}
