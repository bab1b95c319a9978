/*
 * fuzz_drbd.c: libFuzzer target for the DRBD state parsers
 * (agent/drsync/drsync_drbd.c): drsync_drbd_parse_json() with the JSON
 * reader under it (json.c), drsync_drbd_parse_proc(), and the judge on
 * what they return. Not part of make check.
 *
 * Every input goes through both parsers, in a buffer of exactly its
 * size (the parsers take a length; nothing may read past it), once for
 * all resources and once for resource "r0" / minor "0". A parse must
 * succeed with paths the judge can rate, or fail with a reason.
 *
 *   tests/fuzz/build.sh tests/fuzz/fuzz_drbd.c
 *   mkdir -p /tmp/drbd-corpus
 *   build-fuzz/fuzz_drbd -max_total_time=60 /tmp/drbd-corpus \
 *       tests/fuzz/corpus/drbd
 *
 * The seeds are `drbdsetup status --json` as drbd-utils prints it
 * (current and 2018 layouts) and /proc/drbd of DRBD 8.2, 8.4 and 9.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drsync/drsync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
judge(const struct drbd_state *st)
{
	char why[256];
	uint64_t oos;
	enum drbd_verdict v = drsync_drbd_judge(st, &oos, why, sizeof(why));

	if (v != DRBD_IN_SYNC && v != DRBD_SYNCING && v != DRBD_BROKEN)
		abort();
	if (st->n > DRBD_PATHS_MAX || why[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct drbd_state st;
	static const char *const res[] = { NULL, "r0", NULL };
	static const char *const minor[] = { NULL, "0", NULL };
	char *buf = malloc(size ? size : 1), err[256];
	size_t i;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	for (i = 0; i < 2; i++) {
		int r;

		err[0] = '\0';
		if (drsync_drbd_parse_json(buf, size, res[i], &st, err,
		    sizeof(err)) == 0)
			judge(&st);
		else if (err[0] == '\0')
			abort();
		err[0] = '\0';
		r = drsync_drbd_parse_proc(buf, size, minor[i], &st, err,
		    sizeof(err));
		if (r == 1)
			judge(&st);
		else if (r < 0 && err[0] == '\0')
			abort();
	}
	free(buf);
	return 0;
}
