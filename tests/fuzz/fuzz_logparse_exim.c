/*
 * fuzz_logparse_exim.c: libFuzzer target for the log parser of
 * Exim (agent/logs/lp_exim.c), and the counters behind it. Input format: fuzz_logparse.h.
 *
 *   tests/fuzz/build.sh tests/fuzz/fuzz_logparse_exim.c
 *   mkdir -p /tmp/lp-exim
 *   build-fuzz/fuzz_logparse_exim -max_total_time=60 /tmp/lp-exim \
 *       tests/fuzz/corpus/logparse_exim
 *
 * The seeds are lines of tests/data/logs (real logs), each with its
 * program byte in front.
 */
#include "config.h"

#include "fuzz_logparse.h"

static const char *const progs[] = { "exim", "exim4", "" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(data, size, progs, sizeof(progs) / sizeof(progs[0]),
	    LOGP_EXIM);
}
