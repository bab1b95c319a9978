/*
 * strbuf.c: a growable string, used to build JSON, reports and SMS text
 * without fixed-size buffers that silently truncate.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
strbuf_init(struct strbuf *b)
{
	b->s = NULL;
	b->len = b->cap = 0;
}

void
strbuf_free(struct strbuf *b)
{
	free(b->s);
	strbuf_init(b);
}

void
strbuf_reset(struct strbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

static void
strbuf_grow(struct strbuf *b, size_t more)
{
	size_t want = b->len + more + 1;

	if (want <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < want)
		b->cap *= 2;
	b->s = xrealloc(b->s, b->cap);
}

void
strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	strbuf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
strbuf_puts(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

void
strbuf_putc(struct strbuf *b, char c)
{
	strbuf_add(b, &c, 1);
}

void
strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	strbuf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one
 * (overlong, surrogate, beyond U+10FFFF, or cut short by a NUL). */
size_t
utf8_seq(const unsigned char *s)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void
strbuf_json_str(struct strbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	strbuf_putc(b, '"');
	while (*s) {
		size_t n;

		if (*s == '"' || *s == '\\') {
			strbuf_putc(b, '\\');
			strbuf_putc(b, (char)*s++);
		} else if (*s == '\n') {
			strbuf_puts(b, "\\n");
			s++;
		} else if (*s == '\t') {
			strbuf_puts(b, "\\t");
			s++;
		} else if (*s == '\r') {
			strbuf_puts(b, "\\r");
			s++;
		} else if (*s < 0x20 || *s == 0x7f) {
			strbuf_printf(b, "\\u%04x", *s);
			s++;
		} else if ((n = utf8_seq(s)) == 0) {
			strbuf_puts(b, "\\ufffd");
			s++;
		} else {
			strbuf_add(b, (const char *)s, n);
			s += n;
		}
	}
	strbuf_putc(b, '"');
}

char *
strbuf_steal(struct strbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	strbuf_init(b);
	return s;
}
