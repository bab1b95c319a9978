/*
 * fuzz_pf_qfile.c: libFuzzer target for pf_qfile_parse(), the Postfix
 * queue-file parser (agent/queue_postfix.c). Not part of make check.
 *
 * Build and run: tests/fuzz/build.sh fuzz_pf_qfile.c (clang, libFuzzer,
 * ASan, UBSan, with the agent's sources), then
 *   mkdir -p /tmp/pfq-corpus
 *   build-fuzz/fuzz_pf_qfile -max_total_time=60 -max_len=4096 \
 *       /tmp/pfq-corpus tests/fuzz/corpus/pf_qfile
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
