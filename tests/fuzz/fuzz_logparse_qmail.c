/*
 * fuzz_logparse_qmail.c: libFuzzer target for the log parser of
 * qmail, tcpserver, qmail-smtpd and vchkpw (agent/logs/lp_qmail.c), and the counters behind it. Input format: fuzz_logparse.h.
 *
 *   tests/fuzz/build.sh tests/fuzz/fuzz_logparse_qmail.c
 *   mkdir -p /tmp/lp-qmail
 *   build-fuzz/fuzz_logparse_qmail -max_total_time=60 /tmp/lp-qmail \
 *       tests/fuzz/corpus/logparse_qmail
 *
 * The seeds are lines of tests/data/logs (real logs), each with its
 * program byte in front.
 */
#include "config.h"

#include "fuzz_logparse.h"

static const char *const progs[] = { "qmail", "tcpserver", "qmail-smtpd", "vpopmail", "rblsmtpd", "" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(data, size, progs, sizeof(progs) / sizeof(progs[0]),
	    LOGP_QMAIL);
}
