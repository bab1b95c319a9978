/*
 * fuzz_logparse_dovecot.c: libFuzzer target for the log parser of
 * Dovecot (agent/logs/lp_dovecot.c), and the counters behind it. Input format: fuzz_logparse.h.
 *
 *   tests/fuzz/build.sh tests/fuzz/fuzz_logparse_dovecot.c
 *   mkdir -p /tmp/lp-dovecot
 *   build-fuzz/fuzz_logparse_dovecot -max_total_time=60 /tmp/lp-dovecot \
 *       tests/fuzz/corpus/logparse_dovecot
 *
 * The seeds are lines of tests/data/logs (real logs), each with its
 * program byte in front.
 */
#include "config.h"

#include "fuzz_logparse.h"

static const char *const progs[] = { "dovecot", "imap-login", "pop3-login", "submission-login", "auth", "auth-worker", "" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(data, size, progs, sizeof(progs) / sizeof(progs[0]),
	    LOGP_DOVECOT);
}
