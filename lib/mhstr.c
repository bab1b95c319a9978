/*
 * mhstr.c: the one door for text that came from outside (a sender
 * address, a user name, a log line, a file name) on its way out of the
 * agent: SNMP values and notification varbinds, the JSON and the text
 * report. What leaves is an MhString (MAILHEALTH-MIB): valid UTF-8,
 * every byte that is not part of a valid sequence replaced by U+FFFD,
 * control characters (C0, DEL, C1) replaced too (tab, CR and LF by a
 * space, the rest by U+FFFD), and at most `max` octets, cut at a
 * character boundary. A terminal, a JSON parser or an NMS that meets
 * such a string cannot be steered by it.
 */
#include "config.h"

#include <string.h>

#include "util.h"

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/* The code point of a valid sequence of n bytes at s. */
static unsigned
code_point(const unsigned char *s, size_t n)
{
	unsigned cp;
	size_t i;

	if (n == 1)
		return s[0];
	cp = s[0] & (0xff >> (n + 1));
	for (i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

size_t
mhstr_clean(char *dst, size_t dstsz, const char *src, size_t len, size_t max)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0;

	if (dstsz == 0)
		return 0;
	if (max == 0 || max > dstsz - 1)
		max = dstsz - 1;
	while (i < len) {
		const char *out;
		size_t n, on;
		unsigned cp;

		/* a valid sequence must fit in what is left of src */
		n = s[i] ? utf8_seq(s + i) : 0;
		if (n > len - i)
			n = 0;
		if (n == 0) {
			out = replacement;
			on = 3;
			n = 1;
		} else if ((cp = code_point(s + i, n)) == '\t' || cp == '\n' ||
		    cp == '\r') {
			out = " ";
			on = 1;
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			out = replacement;
			on = 3;
		} else {
			out = (const char *)s + i;
			on = n;
		}
		if (o + on > max)
			break;
		memcpy(dst + o, out, on);
		o += on;
		i += n;
	}
	dst[o] = '\0';
	return o;
}

void
strbuf_clean(struct strbuf *b, const char *s, size_t len, size_t max)
{
	char buf[4 * MH_STR_MAX + 4];
	size_t n;

	if (max == 0 || max > sizeof(buf) - 1)
		max = sizeof(buf) - 1;
	n = mhstr_clean(buf, sizeof(buf), s, len, max);
	strbuf_add(b, buf, n);
}

void
strbuf_json_text(struct strbuf *b, const char *s)
{
	char buf[MH_STR_MAX + 1];

	mhstr_clean(buf, sizeof(buf), s, strlen(s), MH_STR_MAX);
	strbuf_json_str(b, buf);
}
