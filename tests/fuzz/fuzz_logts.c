/*
 * fuzz_logts.c: libFuzzer target for logts_parse(), the header and time
 * stamp reader of every log line (agent/logs/logts.c). Not part of make
 * check.
 *
 * The first byte picks the reader's clock (a day in the middle of the
 * year, New Year's Eve, New Year's Day: year inference), the rest is
 * split at newlines and each line is parsed, each copied into a buffer
 * of exactly its length so ASan sees any read past its end. Checked:
 * every string points into the line (a Dovecot line's message may be
 * the reader's scratch buffer, its program the constant "dovecot"), an
 * unrecognised line keeps ts 0 and
 * its whole text as the message, times are within the range the
 * formats can express.
 *
 *   tests/fuzz/build.sh tests/fuzz/fuzz_logts.c
 *   mkdir -p /tmp/lt-corpus
 *   build-fuzz/fuzz_logts -max_total_time=60 /tmp/lt-corpus \
 *       tests/fuzz/corpus/logts
 *
 * The seeds are lines as Postfix 3.7 (maillog_file), Dovecot 2.3
 * (log_path), multilog and rsyslog write them, Exim's mainlog, and
 * Exim and qmail lines through syslog.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logsrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
inside(const struct log_str *s, const char *p, size_t n)
{
	return s->n == 0 || (s->p >= p && s->p + s->n <= p + n);
}

static void
check(struct logts *t, const char *p, size_t n)
{
	struct log_line l;
	enum logts_fmt f = logts_parse(t, p, n, &l);

	if (l.text.p != p || l.text.n != n)
		abort();
	if (!inside(&l.host, p, n) || l.pid < -1)
		abort();
	/* a Dovecot line's program is the constant "dovecot" */
	if (!inside(&l.prog, p, n) && !(l.prog.n == 7 &&
	    memcmp(l.prog.p, "dovecot", 7) == 0))
		abort();
	if (!inside(&l.msg, p, n) && !(f == LOGTS_DOVECOT || f == LOGTS_TAI64N))
		abort();
	if (!inside(&l.msg, p, n) && (l.msg.p < t->scratch ||
	    l.msg.p + l.msg.n > t->scratch + t->scratch_cap))
		abort();
	if (f == LOGTS_NONE && (l.ts != 0 || l.msg.p != p || l.msg.n != n))
		abort();
	/* years 1969..10000 at most */
	if (l.ts < -86400 * 2 || l.ts > 253402300800LL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t clocks[] = { 1782900000, 1798757999,
		1798758001, 1796040000 };
	struct logts t;
	const uint8_t *p, *e = data + size, *nl;
	char *line;

	if (size == 0)
		return 0;
	logts_init(&t, clocks[data[0] % 4]);
	for (p = data + 1; p < e; p = nl + 1) {
		size_t n;

		nl = memchr(p, '\n', (size_t)(e - p));
		if (nl == NULL)
			nl = e;
		n = (size_t)(nl - p);
		line = malloc(n ? n : 1);
		if (line == NULL)
			abort();
		memcpy(line, p, n);
		check(&t, line, n);
		free(line);
	}
	logts_fini(&t);
	return 0;
}
