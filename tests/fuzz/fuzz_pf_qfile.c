/*
 * fuzz_pf_qfile.c: libFuzzer target for pf_qfile_parse(), the Postfix
 * queue-file parser (agent/queue_postfix.c). Not part of make check.
 *
 * Build and run from the source tree (a configured build directory
 * provides config.h; BUILD is that directory):
 *
 *   BUILD=/path/to/build
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -I$BUILD -Ilib -Iagent \
 *       tests/fuzz/fuzz_pf_qfile.c agent/queue_postfix.c \
 *       lib/xmalloc.c lib/log.c lib/strbuf.c -o /tmp/fuzz_pf_qfile
 *   mkdir -p /tmp/pfq-corpus
 *   /tmp/fuzz_pf_qfile -max_total_time=60 -max_len=4096 \
 *       /tmp/pfq-corpus tests/fuzz/corpus/pf_qfile
 *
 * (queue_postfix.c's reader also calls queue_add/queue_error from
 * queue.c; the parser never does, so this file stubs them rather than
 * dragging the whole collector in.)
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

#include "mailhealthd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* never reached from pf_qfile_parse() */
void
queue_add(struct queue_acc *a, const struct queue_msg *m)
{
	(void)a;
	(void)m;
	abort();
}

void
queue_error(struct queue_acc *a, const char *fmt, ...)
{
	(void)a;
	(void)fmt;
	abort();
}

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
