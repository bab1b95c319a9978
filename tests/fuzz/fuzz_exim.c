/*
 * fuzz_exim.c: libFuzzer target for exim_hdr_parse() and
 * exim_hdr_journal(), the Exim spool -H and -J parsers
 * (agent/queue/queue_exim.c). make check replays the seeds in
 * tests/fuzz/corpus/exim.
 *
 * Input: a -H file, optionally followed by "\n--J--\n" and a -J journal.
 * Each part is copied into a buffer of exactly its size, so ASan sees
 * any read past the end.
 *
 * To fuzz, in a build configured with --enable-fuzzing:
 *   mkdir -p /tmp/ex-corpus
 *   tests/fuzz/fuzz_exim -max_total_time=60 /tmp/ex-corpus \
 *       $SRCDIR/tests/fuzz/corpus/exim
 *
 * The seeds are -H files written by Exim 4.96 (tests/integration/
 * exim.sh): a partial delivery with a six-node non-recipients tree, a
 * frozen bounce, a fresh message with an ACL variable over two lines;
 * and one with the 23-character id of Exim 4.97 and every recipient-line
 * form, with a journal.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sep[] = "\n--J--\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct exim_hdr h;
	const char *why = NULL;
	const uint8_t *j = memmem(data, size, sep, sizeof(sep) - 1);
	size_t hl = j ? (size_t)(j - data) : size, jl = 0, i;
	char *hb, *jb = NULL;

	hb = malloc(hl ? hl : 1);
	if (hb == NULL)
		return 0;
	memcpy(hb, data, hl);
	if (exim_hdr_parse(hb, hl, &h, &why) < 0) {
		if (why == NULL)
			abort();
		free(hb);
		return 0;
	}
	if (j) {
		jl = size - hl - (sizeof(sep) - 1);
		jb = malloc(jl ? jl : 1);
		if (jb == NULL)
			abort();
		memcpy(jb, j + sizeof(sep) - 1, jl);
		exim_hdr_journal(&h, jb, jl);
	}
	if (h.npending > h.nrcpt || strlen(h.sender) >= hl)
		abort();
	for (i = 0; i < h.npending; i++)
		if (h.rcpt[i] < hb || h.rcpt[i] >= hb + hl)
			abort();
	free(jb);
	free(hb);
	return 0;
}
