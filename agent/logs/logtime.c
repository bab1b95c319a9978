/*
 * logtime.c: time arithmetic of the header reader (logts.c): civil
 * dates to days without the C library, the local hour cache that makes
 * a local time cost one mktime() per hour of log (its fast path is
 * logtime_local() in logsrc.h), the year of a year-less stamp, TAI64
 * labels.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "util.h"
#include "logs/logsrc.h"

#define TS_MAX 253402300800LL	/* year 10000: later than any log */

int64_t
logtime_days(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
logtime_hour(struct logts *t, int64_t key, int y, int m, int d, int h)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_isdst = -1;
	t->hour_base = (int64_t)mktime(&tm);
	t->hour_key = key;
}

/* The year of a month and day without one: the latest that puts it at
 * most a day after the reader's local date. One answer per (m, d), kept
 * for the next line. */
int
logtime_year(struct logts *t, int m, int d)
{
	int key = m * 32 + d, y = t->now_year;

	if (key == t->md_key)
		return t->md_year;
	if (logtime_days(y, m, d) > t->now_days + 1)
		y--;
	else if (logtime_days(y + 1, m, d) <= t->now_days + 1)
		y++;
	t->md_key = key;
	t->md_year = y;
	return y;
}

int64_t
logtime_tai64(const char *h)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 16; i++) {
		char c = h[i];
		unsigned x;

		if (c >= '0' && c <= '9')
			x = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x = (unsigned)(c - 'A' + 10);
		else
			return -1;
		v = v << 4 | x;
	}
	/* 2^62 is TAI 1970-01-01 00:00:00; daemontools labels unix time
	 * t as 2^62 + 10 + t */
	if (v < ((uint64_t)1 << 62) + 10 ||
	    v - ((uint64_t)1 << 62) - 10 >= (uint64_t)TS_MAX)
		return -1;
	return (int64_t)(v - ((uint64_t)1 << 62) - 10);
}
