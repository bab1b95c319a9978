/*
 * fuzz_pf_qfile.c: libFuzzer target for pf_qfile_parse(), the Postfix
 * queue-file parser (agent/queue/queue_postfix.c). make check replays
 * the seeds in tests/fuzz/corpus/pf_qfile.
 *
 * To fuzz, in a build configured with --enable-fuzzing:
 *   mkdir -p /tmp/pfq-corpus
 *   tests/fuzz/fuzz_pf_qfile -max_total_time=60 -max_len=4096 \
 *       /tmp/pfq-corpus $SRCDIR/tests/fuzz/corpus/pf_qfile
 *
 * The seed corpus holds real queue files written by Postfix 3.7: plain,
 * a bounce, a delivered recipient (D), milter-appended recipients behind
 * pointer records, a cancelled recipient ('/'), a replaced sender, and a
 * maildrop file.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pf_qfile q;
	const char *why = NULL;
	size_t i;
	int rc;

	rc = pf_qfile_parse(data, size, &q, &why);
	/* the contract: 0 with the end record seen, or -1 with a reason */
	if (rc == 0 ? !q.complete || why != NULL : rc != -1 || why == NULL)
		abort();
	/* a record is at least two bytes: no more recipients than that,
	 * however the pointers jump */
	if (q.nrcpt > size / 2 + 2)
		abort();
	for (i = 0; i < q.nrcpt; i++)
		if (strlen(q.rcpt[i]) > size)
			abort();
	pf_qfile_clear(&q);
	return 0;
}
