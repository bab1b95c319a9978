/*
 * fuzz_logparse_postfix.c: libFuzzer target for the log parser of
 * Postfix (agent/logs/lp_postfix.c), and the counters behind it. Input format: fuzz_logparse.h.
 *
 *   tests/fuzz/build.sh tests/fuzz/fuzz_logparse_postfix.c
 *   mkdir -p /tmp/lp-postfix
 *   build-fuzz/fuzz_logparse_postfix -max_total_time=60 /tmp/lp-postfix \
 *       tests/fuzz/corpus/logparse_postfix
 *
 * The seeds are lines of tests/data/logs (real logs), each with its
 * program byte in front.
 */
#include "config.h"

#include "fuzz_logparse.h"

static const char *const progs[] = { "postfix/smtpd", "postfix/submission/smtpd", "postfix/cleanup", "postfix/qmgr", "postfix/pickup", "postfix/smtp", "postfix/local", "postfix/postscreen", "postfix/error", "" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(data, size, progs, sizeof(progs) / sizeof(progs[0]),
	    LOGP_POSTFIX);
}
