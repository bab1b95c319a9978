/*
 * fuzz_qmail.c: libFuzzer target for qmail_env_parse(), the parser of
 * qmail's todo/intd, info, local and remote files (agent/queue_qmail.c).
 * make check replays the seeds in tests/fuzz/corpus/qmail.
 *
 * Input: one byte choosing the kind (0 todo, 1 info, 2 local/remote,
 * modulo 3), then the file. The file is copied into a buffer of exactly
 * its size, so ASan sees any read past the end; every address returned
 * must be a NUL-terminated string inside that buffer.
 *
 * To fuzz, in a build configured with --enable-fuzzing:
 *   mkdir -p /tmp/qm-corpus
 *   tests/fuzz/fuzz_qmail -max_total_time=60 /tmp/qm-corpus \
 *       $SRCDIR/tests/fuzz/corpus/qmail
 *
 * The seeds are files from a queue made by tests/qmail-queue-gen.py
 * (byte for byte as qmail-queue and qmail-send write them), each with
 * its kind byte in front.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
inside(const char *buf, size_t len, const char *s)
{
	if (s < buf || s >= buf + len || memchr(s, '\0', (size_t)(buf + len - s))
	    == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct qmail_env e;
	enum qmail_file kind;
	const char *why = NULL;
	char *buf;
	size_t len, i;
	int rc;

	if (size < 1)
		return 0;
	kind = (enum qmail_file)(data[0] % 3);
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, len);
	rc = qmail_env_parse(buf, len, kind, &e, &why);
	if (rc < 0 && why == NULL)
		abort();
	if (rc == 0 && kind != QMAIL_CHAN)
		inside(buf, len, e.sender);
	for (i = 0; i < e.npending; i++)
		inside(buf, len, e.rcpt[i]);
	free(buf);
	return 0;
}
