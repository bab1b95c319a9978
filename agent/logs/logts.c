/*
 * logts.c: the header of a log line (time stamp, host, program, pid) in
 * the formats mail servers really write; see logsrc.h for the list and
 * for how lines of one program are made to look alike.
 *
 * Every line of a log goes through here, so this is written for speed:
 * the format is chosen by the first byte, fields are read by hand, and
 * local times cost one mktime() per hour of log (logtime.c's hour
 * cache), not one per line. Everything is outside input: every index is checked
 * against the end, nothing is NUL-terminated.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "logs/logsrc.h"


static inline bool
isdig(char c)
{
	return (unsigned char)(c - '0') < 10;
}

static int
num2(const char *p)
{
	if (!isdig(p[0]) || !isdig(p[1]))
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

static int
num4(const char *p)
{
	int a = num2(p), b = num2(p + 2);

	return a < 0 || b < 0 ? -1 : a * 100 + b;
}

/* "Jan".."Dec" to 1..12; 0 if not a month */
static int
month_of(const char *p)
{
	switch (p[0]) {
	case 'J':
		if (p[1] == 'a')
			return p[2] == 'n' ? 1 : 0;
		if (p[1] == 'u')
			return p[2] == 'n' ? 6 : p[2] == 'l' ? 7 : 0;
		return 0;
	case 'F':
		return p[1] == 'e' && p[2] == 'b' ? 2 : 0;
	case 'M':
		if (p[1] != 'a')
			return 0;
		return p[2] == 'r' ? 3 : p[2] == 'y' ? 5 : 0;
	case 'A':
		if (p[1] == 'p')
			return p[2] == 'r' ? 4 : 0;
		return p[1] == 'u' && p[2] == 'g' ? 8 : 0;
	case 'S':
		return p[1] == 'e' && p[2] == 'p' ? 9 : 0;
	case 'O':
		return p[1] == 'c' && p[2] == 't' ? 10 : 0;
	case 'N':
		return p[1] == 'o' && p[2] == 'v' ? 11 : 0;
	case 'D':
		return p[1] == 'e' && p[2] == 'c' ? 12 : 0;
	}
	return 0;
}

static int
mdays(int y, int m)
{
	static const unsigned char md[] = { 31, 28, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return md[m - 1];
}

static bool
hms_ok(int h, int mi, int s)
{
	return h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s <= 60;
}

void
logts_set_now(struct logts *t, int64_t now)
{
	struct tm tm;
	time_t tt = (time_t)now;

	t->now = now;
	if (localtime_r(&tt, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	t->now_year = tm.tm_year + 1900;
	t->now_days = logtime_days(t->now_year, tm.tm_mon + 1, tm.tm_mday);
	t->md_key = -1;
}

void
logts_init(struct logts *t, int64_t now)
{
	memset(t, 0, sizeof(*t));
	t->hour_key = -1;
	logts_set_now(t, now);
}

void
logts_fini(struct logts *t)
{
	free(t->scratch);
	t->scratch = NULL;
	t->scratch_cap = 0;
}

static void
line_reset(struct log_line *out, const char *p, size_t n)
{
	out->text.p = p;
	out->text.n = n;
	out->ts = 0;
	out->host.p = "";
	out->host.n = 0;
	out->prog.p = "";
	out->prog.n = 0;
	out->pid = -1;
	out->msg.p = p;
	out->msg.n = n;
}

static bool
has_prefix(const struct log_str *s, const char *pfx, size_t n)
{
	return s->n >= n && memcmp(s->p, pfx, n) == 0;
}

struct civil {
	int y, m, d, h, mi, s;
};

/* "YYYY-MM-DD?HH:MM:SS[.frac]" at p (at least 19 bytes, the separator
 * at p[10] checked by the caller), as RFC 3339 and Exim write it.
 * Returns what follows, or NULL; *frac gets the number of fraction
 * digits. */
static const char *
civil_stamp(const char *p, const char *e, struct civil *c, int *frac)
{
	const char *q;

	if (p[4] != '-' || p[7] != '-' || p[13] != ':' || p[16] != ':')
		return NULL;
	c->y = num4(p);
	c->m = num2(p + 5);
	c->d = num2(p + 8);
	c->h = num2(p + 11);
	c->mi = num2(p + 14);
	c->s = num2(p + 17);
	if (c->y < 1970 || c->m < 1 || c->m > 12 || c->d < 1 ||
	    c->d > mdays(c->y, c->m) || !hms_ok(c->h, c->mi, c->s))
		return NULL;
	q = p + 19;
	*frac = 0;
	if (q < e && *q == '.') {
		const char *f = ++q;

		while (q < e && isdig(*q))
			q++;
		if (q == f)
			return NULL;
		*frac = (int)(q - f);
	}
	return q;
}

static int64_t
civil_utc(const struct civil *c, int off)
{
	return logtime_days(c->y, c->m, c->d) * 86400 + c->h * 3600 +
	    c->mi * 60 + c->s - off;
}

/* Exim's own stamp at p: "YYYY-MM-DD HH:MM:SS[.frac][ +zzzz][ [pid]] ".
 * Returns where the message starts, or NULL; *frac gets the number of
 * fraction digits (9 is tai64nlocal's). */
static const char *
exim_stamp(struct logts *t, const char *p, const char *e, int64_t *ts,
    long *pid, int *frac)
{
	struct civil c;
	int off = 0;
	bool zone = false;
	const char *q;

	if (e - p < 19 || p[10] != ' ' ||
	    (q = civil_stamp(p, e, &c, frac)) == NULL)
		return NULL;
	if (q < e) {
		if (*q != ' ')
			return NULL;
		q++;
	}
	if (e - q >= 5 && (*q == '+' || *q == '-') && num4(q + 1) >= 0 &&
	    (e - q == 5 || q[5] == ' ')) {
		int hh = num2(q + 1), mm = num2(q + 3);

		if (hh < 24 && mm < 60) {
			off = (hh * 60 + mm) * 60 * (*q == '-' ? -1 : 1);
			zone = true;
			q += e - q == 5 ? 5 : 6;
		}
	}
	if (q < e && *q == '[') {
		const char *r = q + 1;
		long v = 0;

		while (r < e && isdig(*r) && r - q <= 10)
			v = v * 10 + (*r++ - '0');
		if (r > q + 1 && r < e && *r == ']' &&
		    (r + 1 == e || r[1] == ' ')) {
			*pid = v;
			q = r + 1 == e ? e : r + 2;
		}
	}
	if (zone)
		*ts = civil_utc(&c, off);
	else
		*ts = logtime_local(t, c.y, c.m, c.d, c.h, c.mi, c.s);
	return q;
}

/* The end of the word at s (a space, or e). */
static inline const char *
word_end(const char *s, const char *e)
{
	while (s < e && *s != ' ')
		s++;
	return s;
}

/* Dovecot's own format after its time stamp: "prefix: Level: text",
 * w the end of "prefix:". As syslog gets it, the level is dropped for
 * Info only. */
static bool
dovecot_body(struct logts *t, const char *s, const char *w, const char *e,
    struct log_line *out)
{
	const char *l = w + 1, *p;
	size_t n, a, b;

	if (w == s || w >= e || w[-1] != ':')
		return false;
	/* a syslog tag "prog[pid]:" is not a Dovecot prefix */
	for (p = s; p < w; p++)
		if (*p == '[')
			return false;
	switch (e - l >= 6 ? *l : 0) {
	case 'I':
		n = memcmp(l, "Info: ", 6) == 0 ? 6 : 0;
		break;
	case 'W':
		n = e - l >= 9 && memcmp(l, "Warning: ", 9) == 0 ? 9 : 0;
		break;
	case 'E':
	case 'F':
	case 'P':
	case 'D':
		n = e - l >= 7 && (memcmp(l, "Error: ", 7) == 0 ||
		    memcmp(l, "Fatal: ", 7) == 0 ||
		    memcmp(l, "Panic: ", 7) == 0 ||
		    memcmp(l, "Debug: ", 7) == 0) ? 7 : 0;
		break;
	default:
		n = 0;
	}
	if (n == 0)
		return false;
	out->prog.p = "dovecot";
	out->prog.n = 7;
	out->pid = -1;
	out->host.p = "";
	out->host.n = 0;
	if (*l != 'I') {
		out->msg.p = s;
		out->msg.n = (size_t)(e - s);
		return true;
	}
	/* "prefix: " then the text after "Info: " */
	a = (size_t)(l - s);
	b = (size_t)(e - (l + n));
	if (t->scratch_cap < a + b + 1) {
		t->scratch_cap = a + b + 1 < 256 ? 256 : a + b + 1;
		t->scratch = xrealloc(t->scratch, t->scratch_cap);
	}
	memcpy(t->scratch, s, a);
	memcpy(t->scratch + a, l + n, b);
	out->msg.p = t->scratch;
	out->msg.n = a + b;
	return true;
}

/* "prog[pid]: " or "prog: " at s; false if the word is not a tag */
static bool
tag_parse(const char *s, const char *e, struct log_line *out)
{
	const char *p = s, *pe;
	long pid = -1;

	while (p < e && *p != '[' && *p != ':' && *p != ' ')
		p++;
	if (p == s || p == e || *p == ' ')
		return false;
	pe = p;
	if (*p == '[') {
		const char *d = ++p;
		long v = 0;

		while (p < e && isdig(*p) && p - d < 10)
			v = v * 10 + (*p++ - '0');
		if (p == d || p >= e || *p != ']')
			return false;
		p++;
		pid = v;
	}
	if (p >= e || *p != ':')
		return false;
	p++;
	if (p < e && *p == ' ')
		p++;
	out->prog.p = s;
	out->prog.n = (size_t)(pe - s);
	out->pid = pid;
	out->msg.p = p;
	out->msg.n = (size_t)(e - p);
	return true;
}

/* qmail through splogger: "1054189746.123151 " before the text */
static void
splogger_strip(struct log_line *out)
{
	const char *p = out->msg.p, *e = p + out->msg.n, *q = p;
	int64_t v = 0;
	int i;

	while (q < e && isdig(*q) && q - p < 11)
		v = v * 10 + (*q++ - '0');
	/* "%lu.%06lu " */
	if (q - p < 9 || q - p > 10 || e - q < 8 || *q != '.')
		return;
	for (i = 1; i <= 6; i++)
		if (!isdig(q[i]))
			return;
	if (q[7] != ' ')
		return;
	out->ts = v;
	out->msg.p = q + 8;
	out->msg.n = (size_t)(e - q - 8);
}

/* After a syslog time stamp: "[host ]prog[pid]: msg". Without a tag the
 * first word is the host and the rest the message. */
static void
syslog_tail(struct logts *t, const char *s, const char *w, const char *e,
    struct log_line *out)
{
	int frac;

	out->msg.p = s;
	out->msg.n = (size_t)(e - s);
	if (w == s || w[-1] != ':') {
		out->host.p = s;
		out->host.n = (size_t)(w - s);
		s = w < e ? w + 1 : e;
		out->msg.p = s;
		out->msg.n = (size_t)(e - s);
	}
	if (!tag_parse(s, e, out))
		return;
	/* the two programs whose messages carry a stamp of their own */
	if (out->prog.p[0] == 'e' && has_prefix(&out->prog, "exim", 4)) {
		int64_t ts;
		long pid = -1;
		const char *m = exim_stamp(t, out->msg.p,
		    out->msg.p + out->msg.n, &ts, &pid, &frac);

		if (m != NULL) {
			out->msg.n -= (size_t)(m - out->msg.p);
			out->msg.p = m;
			if (out->pid < 0)
				out->pid = pid;
		}
	} else if (out->prog.p[0] == 'q' && has_prefix(&out->prog, "qmail", 5))
		splogger_strip(out);
}

static enum logts_fmt
parse_3339(struct logts *t, const char *p, const char *e,
    struct log_line *out)
{
	struct civil c;
	int off = 0, frac;
	const char *q = civil_stamp(p, e, &c, &frac);

	if (q == NULL)
		return LOGTS_NONE;
	if (q < e && (*q == 'Z' || *q == 'z'))
		q++;
	else if (e - q >= 6 && (*q == '+' || *q == '-') && q[3] == ':') {
		int hh = num2(q + 1), mm = num2(q + 4);

		if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
			return LOGTS_NONE;
		off = (hh * 60 + mm) * 60 * (*q == '-' ? -1 : 1);
		q += 6;
	} else
		return LOGTS_NONE;
	if (q < e && *q++ != ' ')
		return LOGTS_NONE;
	out->ts = civil_utc(&c, off);
	syslog_tail(t, q, word_end(q, e), e, out);
	return LOGTS_RFC3339;
}

static enum logts_fmt
parse_3164(struct logts *t, const char *p, const char *e,
    struct log_line *out)
{
	int m, d, h, mi, s;
	const char *q = p + 16, *w;

	m = month_of(p);
	if (m == 0 || p[3] != ' ' || p[6] != ' ' || p[9] != ':' ||
	    p[12] != ':' || p[15] != ' ')
		return LOGTS_NONE;
	d = p[4] == ' ' ? (isdig(p[5]) ? p[5] - '0' : -1) : num2(p + 4);
	h = num2(p + 7);
	mi = num2(p + 10);
	s = num2(p + 13);
	if (d < 1 || d > 31 || !hms_ok(h, mi, s))
		return LOGTS_NONE;
	out->ts = logtime_local(t, logtime_year(t, m, d), m, d, h, mi, s);
	w = word_end(q, e);
	if (dovecot_body(t, q, w, e, out))
		return LOGTS_DOVECOT;
	syslog_tail(t, q, w, e, out);
	return LOGTS_RFC3164;
}

static enum logts_fmt
parse_tai64n(struct logts *t, const char *p, const char *e,
    struct log_line *out)
{
	int64_t ts;
	const char *q = p + 25;
	size_t i;

	for (i = 17; i < 25; i++)	/* the nanoseconds */
		if (!isdig(p[i]) && !(p[i] >= 'a' && p[i] <= 'f') &&
		    !(p[i] >= 'A' && p[i] <= 'F'))
			return LOGTS_NONE;
	ts = logtime_tai64(p + 1);
	if (ts < 0 || (q < e && *q != ' '))
		return LOGTS_NONE;
	if (q < e)
		q++;
	out->ts = ts;
	if (!dovecot_body(t, q, word_end(q, e), e, out)) {
		out->msg.p = q;
		out->msg.n = (size_t)(e - q);
	}
	return LOGTS_TAI64N;
}

static enum logts_fmt
parse_exim(struct logts *t, const char *p, const char *e,
    struct log_line *out)
{
	int64_t ts;
	long pid = -1;
	int frac;
	const char *q = exim_stamp(t, p, e, &ts, &pid, &frac);

	if (q == NULL)
		return LOGTS_NONE;
	out->ts = ts;
	out->pid = pid;
	out->msg.p = q;
	out->msg.n = (size_t)(e - q);
	return frac == 9 ? LOGTS_TAI64NLOCAL : LOGTS_EXIM;
}

enum logts_fmt
logts_parse(struct logts *t, const char *p, size_t n, struct log_line *out)
{
	const char *e = p + n;
	enum logts_fmt f = LOGTS_NONE;

	line_reset(out, p, n);
	if (n < 16)
		return LOGTS_NONE;
	if (isdig(p[0])) {
		if (n >= 20 && (p[10] == 'T' || p[10] == 't'))
			f = parse_3339(t, p, e, out);
		else if (n >= 19 && p[10] == ' ')
			f = parse_exim(t, p, e, out);
	} else if (p[0] == '@') {
		if (n >= 25)
			f = parse_tai64n(t, p, e, out);
	} else if (p[0] >= 'A' && p[0] <= 'S')
		f = parse_3164(t, p, e, out);
	if (f == LOGTS_NONE)
		line_reset(out, p, n);
	return f;
}

const char *
logts_fmt_name(enum logts_fmt f)
{
	switch (f) {
	case LOGTS_RFC3339:
		return "rfc3339";
	case LOGTS_RFC3164:
		return "rfc3164";
	case LOGTS_DOVECOT:
		return "dovecot";
	case LOGTS_EXIM:
		return "exim";
	case LOGTS_TAI64NLOCAL:
		return "tai64nlocal";
	case LOGTS_TAI64N:
		return "tai64n";
	case LOGTS_NONE:
		break;
	}
	return "none";
}
