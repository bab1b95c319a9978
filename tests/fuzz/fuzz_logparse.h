/*
 * fuzz_logparse.h: what the fuzz_logparse_*.c targets share: one parser
 * family, fed lines of arbitrary bytes under the program names that
 * family answers to, every event handed to the counters. Not part of
 * make check.
 *
 * Input: lines separated by '\n'. The first byte of each line picks the
 * program name (modulo the family's table, the last entry being "no
 * program, parser forced"), and its low bit whether the line carries a
 * pid. Each line is copied into a buffer of exactly its size, so ASan
 * sees any read past it; every string of every event is read whole
 * (and must not be longer than the line or a parser's scratch buffer),
 * and the events go through logstats_add(). The parser state lives
 * across inputs, like a daemon's: correlation maps fill and evict.
 */
#ifndef MH_FUZZ_LOGPARSE_H
#define MH_FUZZ_LOGPARSE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logparse.h"
#include "logs/logstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct logparse *fz_lp;
static struct logstats *fz_ls;
static size_t fz_linelen;

static void
fz_touch(struct log_str s)
{
	volatile unsigned char sink = 0;
	size_t i;

	if (s.n == 0)
		return;
	if (s.p == NULL || s.n > fz_linelen + 1024)
		abort();
	for (i = 0; i < s.n; i++)
		sink ^= (unsigned char)s.p[i];
	(void)sink;
}

static void
fz_emit(void *arg, const struct log_event *ev)
{
	(void)arg;
	if (ev->kind < LEV_RECEIVED || ev->kind > LEV_AUTH_OK ||
	    ev->proto >= LPROTO_COUNT || ev->count == 0)
		abort();
	fz_touch(ev->qid);
	fz_touch(ev->user);
	fz_touch(ev->client);
	fz_touch(ev->domain);
	fz_touch(ev->relay);
	fz_touch(ev->dsn);
	fz_touch(ev->reason);
	logstats_add(fz_ls, ev);
}

static int
fz_run(const uint8_t *data, size_t size, const char *const *progs,
    size_t nprogs, enum log_parser forced)
{
	const uint8_t *p = data, *end = data + size, *nl;
	static int64_t ts = 1796032800;

	if (fz_lp == NULL) {
		fz_lp = logparse_new(NULL);
		fz_ls = logstats_new(NULL);
	}
	while (p < end) {
		struct log_line l;
		size_t n;
		char *buf;
		unsigned sel;

		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		if (n == 0) {
			p = nl ? nl + 1 : end;
			continue;
		}
		sel = p[0];
		buf = malloc(n - 1 ? n - 1 : 1);
		if (buf == NULL)
			return 0;
		memcpy(buf, p + 1, n - 1);
		memset(&l, 0, sizeof(l));
		l.text.p = buf;
		l.text.n = n - 1;
		l.msg = l.text;
		l.ts = (ts += (int64_t)(sel % 7) * 13);
		l.pid = (sel & 1) ? (long)(sel * 37) : -1;
		if (sel / 2 % nprogs == nprogs - 1) {
			l.parser = forced;
		} else {
			l.prog.p = progs[sel / 2 % nprogs];
			l.prog.n = strlen(l.prog.p);
		}
		fz_linelen = n;
		logparse_line(fz_lp, &l, 1, fz_emit, NULL);
		free(buf);
		p = nl ? nl + 1 : end;
	}
	if (size > 0 && data[0] == 0xff)	/* now and then: read out */
		logstats_report_free(logstats_report(fz_ls, 10, 0));
	return 0;
}

#endif
