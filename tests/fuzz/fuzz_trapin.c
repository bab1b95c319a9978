/*
 * fuzz_trapin.c: libFuzzer target for what snmptrapd hands a traphandle
 * on stdin: trapin_parse() (sms/trapin.c) and, on success, what the
 * varbinds mean, alert_from_trap() (sms/alert.c), then the dedupe key and
 * every template placeholder. make check replays the seeds in
 * tests/fuzz/corpus/trapin.
 *
 * The input is copied into a buffer of exactly its size (trapin_parse
 * takes a length, not a string), so ASan sees any read past the end.
 * Checks beyond "no crash": a parse that fails says why; a parse that
 * succeeds has at least one varbind, each with a NUL-terminated value of
 * the length it claims; every field of an alert is a string within the
 * bound alert.c promises.
 *
 * To fuzz, in a build configured with --enable-fuzzing:
 *   mkdir -p /tmp/trapin-corpus
 *   tests/fuzz/fuzz_trapin -max_total_time=60 /tmp/trapin-corpus \
 *       $SRCDIR/tests/fuzz/corpus/trapin
 *
 * Seeds: the input styles trapin.c documents (-On quick print with quoted
 * hex, symbolic names with DISPLAY-HINT strings, "= TYPE: value" with a
 * wrapped Hex-STRING, a foreign trap, a trap with missing varbinds).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_str(const char *s, size_t max)
{
	if (s == NULL || strlen(s) > max)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trap t;
	struct sms_alert a;
	char err[256], *buf, *key;
	const char *const *p;
	size_t i;

	if (size > TRAPIN_MAX_INPUT)
		return 0;	/* trapin_read_fd never hands on more */
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	err[0] = '\0';
	if (trapin_parse(buf, size, &t, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || t.nvb != 0 || t.vb != NULL)
			abort();	/* an error must say what, and free */
		free(buf);
		return 0;
	}
	if (t.nvb == 0 || t.host == NULL || t.transport == NULL)
		abort();
	for (i = 0; i < t.nvb; i++)
		if (t.vb[i].oid == NULL || t.vb[i].value == NULL ||
		    strlen(t.vb[i].value) > t.vb[i].value_len)
			abort();
	err[0] = '\0';
	if (alert_from_trap(&t, &a, err, sizeof(err)) == 0) {
		/* 200 bytes is alert.c's bound; host may fall back to the
		 * first line, the trap OID is cleaned too */
		fuzz_check_str(a.alarm_name, 200);
		fuzz_check_str(a.metric, 200);
		fuzz_check_str(a.instance, 200);
		fuzz_check_str(a.text, 200);
		fuzz_check_str(a.host, 200);
		fuzz_check_str(a.trap_oid, 200);
		fuzz_check_str(a.value, 200);
		fuzz_check_str(a.threshold, 200);
		if ((unsigned)a.family >= MH_FAM_COUNT ||
		    (unsigned)a.severity >= MH_SEV_COUNT)
			abort();
		for (p = alert_placeholders; *p; p++)
			if (alert_field(&a, *p, strlen(*p)) == NULL)
				abort();
		key = alert_key(&a);
		free(key);
		alert_free(&a);
	} else if (err[0] == '\0') {
		abort();
	}
	trapin_free(&t);
	free(buf);
	return 0;
}
