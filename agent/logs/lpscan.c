/*
 * lpscan.c: the few scanning primitives the log parsers are made of.
 *
 * Why not regular expressions: the built-in parsers must read a million
 * lines within a few times `grep -c` (docs/logs.md, "Speed"); memchr and
 * memmem over (pointer, length) strings, no copy and no allocation, are
 * what makes that possible. Every function stays inside the string it
 * is given: lines are untrusted and not NUL-terminated.
 */
#include "config.h"

#include <string.h>

#include "logs/lp_int.h"

const char *
lpscan_find(struct log_str s, const char *needle, size_t n)
{
	if (s.p == NULL || n > s.n)
		return NULL;
	return memmem(s.p, s.n, needle, n);
}

const char *
lpscan_rfind(struct log_str s, const char *needle, size_t n)
{
	const char *p;

	if (s.p == NULL || n == 0 || n > s.n)
		return NULL;
	if (n == 1)
		return memrchr(s.p, *needle, s.n);
	for (p = s.p + s.n - n;; p--) {
		if (*p == *needle && memcmp(p, needle, n) == 0)
			return p;
		if (p == s.p)
			return NULL;
	}
}

struct log_str
lpscan_from(struct log_str s, const char *p)
{
	struct log_str r = { NULL, 0 };

	if (p == NULL || p < s.p || p > s.p + s.n)
		return r;
	r.p = p;
	r.n = (size_t)(s.p + s.n - p);
	return r;
}

struct log_str
lpscan_until(struct log_str s, const char *p, char c)
{
	struct log_str r = lpscan_from(s, p);
	const char *q;

	if (r.p == NULL)
		return r;
	q = memchr(r.p, c, r.n);
	if (q != NULL)
		r.n = (size_t)(q - r.p);
	return r;
}

struct log_str
lpscan_field(struct log_str s, const char *key, size_t kn, const char *stops)
{
	struct log_str r = { NULL, 0 };
	const char *p = lpscan_find(s, key, kn);
	size_t i;

	if (p == NULL)
		return r;
	r.p = p + kn;
	r.n = 0;
	if (stops[0] != '\0' && stops[1] == '\0') {	/* one stop: memchr */
		const char *q = memchr(r.p, stops[0], (size_t)(s.p + s.n - r.p));

		r.n = q ? (size_t)(q - r.p) : (size_t)(s.p + s.n - r.p);
		return r;
	}
	for (i = (size_t)(r.p - s.p); i < s.n; i++) {
		if (s.p[i] != '\0' && strchr(stops, s.p[i]) != NULL)
			break;
		r.n++;
	}
	return r;
}

bool
lpscan_ulong(struct log_str *s, unsigned long *out, unsigned long max)
{
	unsigned long v = 0;
	size_t i = 0;

	while (i < s->n && s->p[i] >= '0' && s->p[i] <= '9') {
		unsigned d = (unsigned)(s->p[i] - '0');

		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
		i++;
	}
	if (i == 0)
		return false;
	s->p += i;
	s->n -= i;
	*out = v;
	return true;
}

struct log_str
lpscan_bracket(struct log_str s, const char *p)
{
	struct log_str r = lpscan_until(s, p, '[');
	const char *open, *close;

	if (r.p == NULL || r.p + r.n >= s.p + s.n)
		return lps_mk(NULL, 0);
	open = r.p + r.n + 1;
	close = memchr(open, ']', (size_t)(s.p + s.n - open));
	if (close == NULL)
		return lps_mk(NULL, 0);
	return lps_mk(open, (size_t)(close - open));
}

struct log_str
lpscan_domain(struct log_str addr)
{
	const char *at = lpscan_rfind(addr, "@", 1);

	if (at == NULL)
		return lps_mk(NULL, 0);
	return lpscan_from(addr, at + 1);
}

static size_t
digits(const char *p, size_t n, size_t max)
{
	size_t i = 0;

	while (i < n && i < max + 1 && p[i] >= '0' && p[i] <= '9')
		i++;
	return i;
}

struct log_str
lpscan_dsn(struct log_str s)
{
	size_t i, k;
	int part;

	if (s.n < 5 || (s.p[0] != '2' && s.p[0] != '4' && s.p[0] != '5') ||
	    s.p[1] != '.')
		return lps_mk(NULL, 0);
	i = 2;
	for (part = 0; part < 2; part++) {
		k = digits(s.p + i, s.n - i, 3);
		if (k == 0 || k > 3)
			return lps_mk(NULL, 0);
		i += k;
		if (part == 0) {
			if (i >= s.n || s.p[i] != '.')
				return lps_mk(NULL, 0);
			i++;
		}
	}
	if (i < s.n && s.p[i] >= '0' && s.p[i] <= '9')
		return lps_mk(NULL, 0);
	return lps_mk(s.p, i);
}

struct log_str
lpscan_reply(struct log_str s)
{
	size_t i;

	for (i = 0; i + 4 <= s.n; i++) {
		const char *p = s.p + i;

		if ((p[0] == '4' || p[0] == '5') && p[1] >= '0' && p[1] <= '9' &&
		    p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' || p[3] == '-') &&
		    (i == 0 || p[-1] == ' ' || p[-1] == '(' || p[-1] == ':' ||
		    p[-1] == '_'))
			return lpscan_from(s, p);
	}
	return lps_mk(NULL, 0);
}

struct log_str
lpscan_trim(struct log_str s)
{
	while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

void
lpscan_copy(char *dst, size_t len, struct log_str s)
{
	size_t n = s.n < len - 1 ? s.n : len - 1;

	if (n > 0)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}
