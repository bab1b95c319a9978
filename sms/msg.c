/*
 * msg.c: the text of an SMS. Template expansion ({host}, {value}, ...),
 * the GSM-7 / UCS-2 length rules of GSM 03.38, and cutting a text so it
 * fits the configured number of segments without splitting a character.
 *
 * Length rules: a text made only of GSM-7 characters costs one septet per
 * character, two for the extension table (^ { } \ [ ~ ] | € and form
 * feed), 160 septets in one SMS or 153 per part of a concatenated one. One
 * character outside GSM-7 switches the whole text to UCS-2: 70 UTF-16 code
 * units, 67 per part, and a character outside the BMP costs two.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"

/* GSM 03.38 default alphabet beyond printable ASCII, as code points. */
static const unsigned msg_gsm_basic[] = {
	0x00a3, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec, 0x00f2, 0x00c7,
	0x00d8, 0x00f8, 0x00c5, 0x00e5, 0x0394, 0x03a6, 0x0393, 0x039b,
	0x03a9, 0x03a0, 0x03a8, 0x03a3, 0x0398, 0x039e, 0x00c6, 0x00e6,
	0x00df, 0x00c9, 0x00a4, 0x00a1, 0x00c4, 0x00d6, 0x00d1, 0x00dc,
	0x00a7, 0x00bf, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
};

/* The extension table: ESC + code, two septets each. */
static const unsigned msg_gsm_ext[] = {
	'^', '{', '}', '\\', '[', '~', ']', '|', 0x20ac, 0x0c,
};

/* Closest GSM-7 spelling of common non-GSM characters (charset = gsm). */
static const struct {
	unsigned cp;
	const char *gsm;
} msg_translit[] = {
	{ 0x00e1, "a" }, { 0x00e2, "a" }, { 0x00e3, "a" }, { 0x00c1, "A" },
	{ 0x00c2, "A" }, { 0x00c3, "A" }, { 0x00c0, "A" }, { 0x00ea, "e" },
	{ 0x00eb, "e" }, { 0x00c8, "E" }, { 0x00ca, "E" }, { 0x00cb, "E" },
	{ 0x00ed, "i" }, { 0x00ee, "i" }, { 0x00ef, "i" }, { 0x00cd, "I" },
	{ 0x00ce, "I" }, { 0x00cf, "I" }, { 0x00cc, "I" }, { 0x00f3, "o" },
	{ 0x00f4, "o" }, { 0x00f5, "o" }, { 0x00d3, "O" }, { 0x00d4, "O" },
	{ 0x00d5, "O" }, { 0x00d2, "O" }, { 0x00fa, "u" }, { 0x00fb, "u" },
	{ 0x00da, "U" }, { 0x00db, "U" }, { 0x00d9, "U" }, { 0x00e7, "c" },
	{ 0x00fd, "y" }, { 0x00ff, "y" }, { 0x00dd, "Y" }, { 0x2018, "'" },
	{ 0x2019, "'" }, { 0x201c, "\"" }, { 0x201d, "\"" }, { 0x2013, "-" },
	{ 0x2014, "-" }, { 0x2026, "..." }, { 0x00a0, " " }, { '`', "'" },
	{ 0x00b0, "o" },
};

/*
 * Bytes in the valid UTF-8 sequence at s and its code point in *cpp; 0
 * when it is not one. Validation is lib's utf8_seq(), the same rules the
 * JSON writer uses; once it said yes, decoding needs no more checks.
 */
static size_t
msg_utf8_seq(const unsigned char *s, unsigned *cpp)
{
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	size_t n = utf8_seq(s), i;
	unsigned cp;

	if (n == 0)
		return 0;
	cp = s[0] & lead_mask[n];
	for (i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	*cpp = cp;
	return n;
}

/* Length of the character at s (1 for a stray byte); never 0 before NUL. */
size_t
msg_utf8_len(const unsigned char *s)
{
	unsigned cp;
	size_t n = msg_utf8_seq(s, &cp);

	return n ? n : 1;
}

/* Septets this code point costs in GSM-7: 1, 2, or 0 = not in GSM-7. */
static int
msg_gsm_cost(unsigned cp)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(msg_gsm_ext); i++)
		if (cp == msg_gsm_ext[i])
			return 2;
	if (cp == '\n' || cp == '\r' || (cp >= 0x20 && cp < 0x7f && cp != '`'))
		return 1;
	for (i = 0; i < MH_ARRAY_SIZE(msg_gsm_basic); i++)
		if (cp == msg_gsm_basic[i])
			return 1;
	return 0;
}

void
msg_measure(const char *utf8, struct msg_len *out)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t septets = 0, units = 0, chars = 0;
	bool gsm = true;

	while (*s) {
		unsigned cp;
		size_t n = msg_utf8_seq(s, &cp);
		int cost;

		if (n == 0) {
			cp = 0xfffd;	/* sent as the replacement character */
			n = 1;
		}
		cost = msg_gsm_cost(cp);
		if (cost == 0)
			gsm = false;
		septets += (size_t)cost;
		units += cp > 0xffff ? 2 : 1;
		chars++;
		s += n;
	}
	out->coding = gsm ? MSG_GSM7 : MSG_UCS2;
	out->units = gsm ? septets : units;
	out->chars = chars;
}

size_t
msg_budget(enum msg_coding c, int segments)
{
	if (segments < 1)
		segments = 1;
	if (c == MSG_GSM7)
		return segments == 1 ? 160 : 153 * (size_t)segments;
	return segments == 1 ? 70 : 67 * (size_t)segments;
}

/* Replace what GSM-7 cannot carry: a close spelling or '?'. */
char *
msg_to_gsm(const char *utf8)
{
	const unsigned char *s = (const unsigned char *)utf8;
	struct strbuf b;

	strbuf_init(&b);
	while (*s) {
		unsigned cp;
		size_t n = msg_utf8_seq(s, &cp), i;
		const char *rep = "?";

		if (n == 0) {
			strbuf_putc(&b, '?');
			s++;
			continue;
		}
		if (msg_gsm_cost(cp)) {
			strbuf_add(&b, (const char *)s, n);
			s += n;
			continue;
		}
		for (i = 0; i < MH_ARRAY_SIZE(msg_translit); i++)
			if (msg_translit[i].cp == cp)
				rep = msg_translit[i].gsm;
		strbuf_puts(&b, rep);
		s += n;
	}
	return strbuf_steal(&b);
}

/*
 * Longest prefix of s (in whole characters) costing at most budget units
 * in coding c. *stopped_non_gsm is set when a GSM-7 walk hit a character
 * GSM-7 cannot carry. Returns the prefix length in bytes.
 */
static size_t
msg_prefix(const char *str, enum msg_coding c, size_t budget,
    bool *stopped_non_gsm)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t used = 0, bytes = 0;

	*stopped_non_gsm = false;
	while (s[bytes]) {
		unsigned cp;
		size_t n = msg_utf8_seq(s + bytes, &cp), cost;

		if (n == 0) {
			cp = 0xfffd;
			n = 1;
		}
		if (c == MSG_GSM7) {
			int g = msg_gsm_cost(cp);

			if (g == 0) {
				*stopped_non_gsm = true;
				break;
			}
			cost = (size_t)g;
		} else
			cost = cp > 0xffff ? 2 : 1;
		if (used + cost > budget)
			break;
		used += cost;
		bytes += n;
	}
	return bytes;
}

static char *
msg_join_cut(const char *text, size_t cut, const char *marker,
    const char *suffix)
{
	struct strbuf b;

	while (cut > 0 && text[cut - 1] == ' ')
		cut--;
	strbuf_init(&b);
	strbuf_add(&b, text, cut);
	strbuf_puts(&b, marker);
	strbuf_puts(&b, suffix);
	return strbuf_steal(&b);
}

/*
 * text + suffix, cut so it fits `segments` SMS. The suffix (a storm
 * summary) is kept whole; the text loses its tail, at a character
 * boundary, and gets the marker. With allow_ucs2 false everything is
 * first folded to GSM-7.
 */
char *
msg_fit(const char *text0, const char *suffix0, int segments,
    const char *marker0, bool allow_ucs2)
{
	char *text, *suffix, *marker, *out = NULL, *full;
	struct msg_len fl, tail;
	size_t budget, cut;
	bool non_gsm;
	struct strbuf b;

	text = allow_ucs2 ? xstrdup(text0) : msg_to_gsm(text0);
	suffix = allow_ucs2 ? xstrdup(suffix0 ? suffix0 : "") :
	    msg_to_gsm(suffix0 ? suffix0 : "");
	marker = allow_ucs2 ? xstrdup(marker0 ? marker0 : "") :
	    msg_to_gsm(marker0 ? marker0 : "");

	strbuf_init(&b);
	strbuf_puts(&b, text);
	strbuf_puts(&b, suffix);
	full = strbuf_steal(&b);
	msg_measure(full, &fl);
	if (fl.units <= msg_budget(fl.coding, segments)) {
		out = full;
		goto out;
	}
	free(full);

	/* First try to keep GSM-7: the cut may drop the only non-GSM char. */
	strbuf_init(&b);
	strbuf_puts(&b, marker);
	strbuf_puts(&b, suffix);
	msg_measure(b.s ? b.s : "", &tail);
	strbuf_free(&b);
	if (tail.coding == MSG_GSM7 &&
	    tail.units < msg_budget(MSG_GSM7, segments)) {
		budget = msg_budget(MSG_GSM7, segments) - tail.units;
		cut = msg_prefix(text, MSG_GSM7, budget, &non_gsm);
		if (!non_gsm) {
			out = msg_join_cut(text, cut, marker, suffix);
			goto out;
		}
	}
	/* UCS-2. The tail re-measured as UCS-2 units. */
	{
		struct msg_len ml, sl;
		size_t tunits;

		msg_measure(marker, &ml);
		msg_measure(suffix, &sl);
		/* units in UCS-2 = UTF-16 units, which for GSM-only strings
		 * is the character count (no astral characters in GSM-7) */
		tunits = (ml.coding == MSG_GSM7 ? ml.chars : ml.units) +
		    (sl.coding == MSG_GSM7 ? sl.chars : sl.units);
		if (tunits >= msg_budget(MSG_UCS2, segments)) {
			/* a summary longer than an SMS: keep only the text */
			free(suffix);
			suffix = xstrdup("");
			tunits = ml.coding == MSG_GSM7 ? ml.chars : ml.units;
		}
		budget = msg_budget(MSG_UCS2, segments) - tunits;
		cut = msg_prefix(text, MSG_UCS2, budget, &non_gsm);
		out = msg_join_cut(text, cut, marker, suffix);
	}
out:
	free(text);
	free(suffix);
	free(marker);
	return out;
}

/* "+37 more: 20 queue, 17 auth" (largest first) */
char *
msg_summary(unsigned total, const unsigned counts[MH_FAM_COUNT])
{
	struct strbuf b;
	bool done[MH_FAM_COUNT] = { false };
	int k;

	strbuf_init(&b);
	strbuf_printf(&b, "+%u more:", total);
	for (k = 0; k < MH_FAM_COUNT; k++) {
		int f, best = -1;

		for (f = 0; f < MH_FAM_COUNT; f++)
			if (!done[f] && counts[f] > 0 &&
			    (best < 0 || counts[f] > counts[best]))
				best = f;
		if (best < 0)
			break;
		done[best] = true;
		strbuf_printf(&b, "%s %u %s", k ? "," : "", counts[best],
		    mh_family_name((enum mh_family)best));
	}
	return strbuf_steal(&b);
}

/* One line of printable text: controls become blanks, runs of blanks
 * become one, invalid UTF-8 bytes become '?', ends trimmed. */
char *
msg_clean(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	struct strbuf b;
	bool blank = true;

	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	while (*s) {
		unsigned cp;
		size_t n = msg_utf8_seq(s, &cp);

		if (n == 0) {
			strbuf_putc(&b, '?');
			blank = false;
			s++;
			continue;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    cp == ' ') {
			if (!blank)
				strbuf_putc(&b, ' ');
			blank = true;
		} else {
			strbuf_add(&b, (const char *)s, n);
			blank = false;
		}
		s += n;
	}
	while (b.len && b.s[b.len - 1] == ' ')
		b.s[--b.len] = '\0';
	return strbuf_steal(&b);
}

static void MH_PRINTF(3, 4)
msg_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * "{name}" placeholders; "{{" and "}}" are literal braces. Braces rather
 * than "${name}": libconfuse expands ${VAR} from the environment inside
 * double-quoted strings before we ever see them.
 *
 * "{[" ... "]}" is an optional part: it is left out when a placeholder
 * directly inside it expands to nothing, so a trap without an instance
 * or a value reads "CRITICAL mx1 queue-high: 5234/5000" or "UNKNOWN mx9
 * service disk almost full" rather than "... service : / ...". Parts
 * nest, and each one looks only at its own placeholders:
 * "{[: {value}{[/{threshold}]}]}" keeps the value without a threshold.
 * Neither "{[" (an unknown placeholder before) nor "]}" outside a part
 * had a meaning, so older templates read the same.
 */
#define MSG_TMPL_DEPTH 8

int
msg_tmpl_expand(const char *t, msg_lookup_fn get, void *ctx,
    msg_escape_fn esc, struct strbuf *out, char *err, size_t errlen)
{
	struct {
		size_t start;	/* out->len where the part began */
		bool drop;
	} part[MSG_TMPL_DEPTH];
	int depth = 0;

	strbuf_add(out, "", 0);
	while (*t) {
		const char *close, *v;

		if (t[0] == '{' && t[1] == '{') {
			strbuf_putc(out, '{');
			t += 2;
			continue;
		}
		if (t[0] == '}' && t[1] == '}') {
			strbuf_putc(out, '}');
			t += 2;
			continue;
		}
		if (t[0] == '{' && t[1] == '[') {
			if (depth == MSG_TMPL_DEPTH) {
				msg_err(err, errlen, "optional parts '{[' nested "
				    "deeper than %d", MSG_TMPL_DEPTH);
				return -1;
			}
			part[depth].start = out->len;
			part[depth].drop = false;
			depth++;
			t += 2;
			continue;
		}
		if (t[0] == ']' && t[1] == '}' && depth > 0) {
			depth--;
			if (part[depth].drop) {
				out->len = part[depth].start;
				out->s[out->len] = '\0';
			}
			t += 2;
			continue;
		}
		if (*t != '{') {
			strbuf_putc(out, *t++);
			continue;
		}
		if ((close = strchr(t + 1, '}')) == NULL) {
			msg_err(err, errlen, "unclosed '{' in template");
			return -1;
		}
		v = get(ctx, t + 1, (size_t)(close - t - 1));
		if (v == NULL) {
			msg_err(err, errlen, "unknown placeholder {%.*s}",
			    (int)(close - t - 1), t + 1);
			return -1;
		}
		if (depth > 0 && *v == '\0')
			part[depth - 1].drop = true;
		if (esc)
			esc(out, v);
		else
			strbuf_puts(out, v);
		t = close + 1;
	}
	if (depth > 0) {
		msg_err(err, errlen, "optional part '{[' without ']}'");
		return -1;
	}
	return 0;
}

static const char *
msg_check_get(void *ctx, const char *name, size_t len)
{
	const char *const *names = ctx;

	for (; *names; names++)
		if (strlen(*names) == len && memcmp(*names, name, len) == 0)
			return "";
	return NULL;
}

/* Validate a template against the placeholders that will be available. */
int
msg_tmpl_check(const char *tmpl, const char *const *names, char *err,
    size_t errlen)
{
	struct strbuf b;
	int rc;

	strbuf_init(&b);
	rc = msg_tmpl_expand(tmpl, msg_check_get, (void *)names, NULL, &b, err,
	    errlen);
	strbuf_free(&b);
	return rc;
}
