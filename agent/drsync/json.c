/*
 * json.c: a small, strict JSON reader (RFC 8259) into a tree, for the
 * output of `drbdsetup status --json`. Why our own: it is ~300 lines
 * against a new build dependency (json-c) for one caller, and the
 * input is a program's output we must not trust either: bounded depth
 * (64) and size (200,000 values), strings checked as UTF-8, no NUL
 * bytes (strings here are C strings), every error with line and column.
 *
 * Numbers are kept as written (str) and converted by the caller, which
 * knows whether it wants an integer of 64 bits (out-of-sync sectors do
 * not fit in a double's 53).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "drsync/drsync.h"

#define JSON_DEPTH_MAX 64
#define JSON_NODES_MAX 200000

struct jp {
	const char *start, *p, *end;
	int depth;
	size_t nodes;
	bool failed;
	char *err;
	size_t errlen;
};

static void
jp_fail(struct jp *j, const char *what)
{
	const char *q;
	size_t line = 1, col = 1;

	if (j->failed)
		return;
	j->failed = true;
	for (q = j->start; q < j->p && q < j->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	snprintf(j->err, j->errlen, "line %zu column %zu: %s", line, col, what);
}

static void
jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static struct json *
jp_node(struct jp *j, enum json_type t)
{
	struct json *v;

	if (++j->nodes > JSON_NODES_MAX) {
		jp_fail(j, "more than 200000 values");
		return NULL;
	}
	v = xcalloc(1, sizeof(*v));
	v->type = t;
	return v;
}

static int
jp_hex4(const char *p)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t
jp_utf8(unsigned long cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* \uXXXX (and its low surrogate) at j->p (after the backslash-u) */
static bool
jp_unicode(struct jp *j, char *o, size_t *ol)
{
	long hi, lo;

	if (j->end - j->p < 4 || (hi = jp_hex4(j->p)) < 0) {
		jp_fail(j, "bad \\u escape");
		return false;
	}
	j->p += 4;
	if (hi == 0) {
		jp_fail(j, "\\u0000 in a string");
		return false;
	}
	if (hi >= 0xdc00 && hi <= 0xdfff) {
		jp_fail(j, "lone low surrogate");
		return false;
	}
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
		    (lo = jp_hex4(j->p + 2)) < 0xdc00 || lo > 0xdfff) {
			jp_fail(j, "high surrogate without its low half");
			return false;
		}
		j->p += 6;
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	}
	*ol += jp_utf8((unsigned long)hi, o + *ol);
	return true;
}

/* a string at j->p (the opening quote); returns it decoded */
static char *
jp_string(struct jp *j)
{
	const char *q;
	char *o;
	size_t ol = 0;

	/* the decoded text is never longer than the raw one */
	for (q = j->p + 1; q < j->end && *q != '"'; q++)
		if (*q == '\\' && q + 1 < j->end)
			q++;
	if (q >= j->end) {
		jp_fail(j, "unterminated string");
		return NULL;
	}
	o = xmalloc((size_t)(q - j->p) + 1);
	j->p++;
	while (*j->p != '"') {
		unsigned char c = (unsigned char)*j->p;

		if (c < 0x20) {
			jp_fail(j, "control character in a string");
			goto fail;
		}
		if (c >= 0x80) {
			/* the length the lead byte announces must fit before
			 * utf8_seq() looks at the bytes (the input need not
			 * end with a NUL) */
			size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2, n = 0;

			if ((size_t)(j->end - j->p) >= want)
				n = utf8_seq((const unsigned char *)j->p);
			if (n == 0) {
				jp_fail(j, "invalid UTF-8 in a string");
				goto fail;
			}
			memcpy(o + ol, j->p, n);
			ol += n;
			j->p += n;
			continue;
		}
		if (c != '\\') {
			o[ol++] = (char)c;
			j->p++;
			continue;
		}
		j->p++;
		switch (*j->p++) {
		case '"': o[ol++] = '"'; break;
		case '\\': o[ol++] = '\\'; break;
		case '/': o[ol++] = '/'; break;
		case 'b': o[ol++] = '\b'; break;
		case 'f': o[ol++] = '\f'; break;
		case 'n': o[ol++] = '\n'; break;
		case 'r': o[ol++] = '\r'; break;
		case 't': o[ol++] = '\t'; break;
		case 'u':
			if (!jp_unicode(j, o, &ol))
				goto fail;
			break;
		default:
			j->p--;
			jp_fail(j, "bad escape in a string");
			goto fail;
		}
	}
	j->p++;
	o[ol] = '\0';
	return o;
fail:
	free(o);
	return NULL;
}

static bool
jp_digits(struct jp *j)
{
	const char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s;
}

static struct json *
jp_number(struct jp *j)
{
	const char *s = j->p;
	struct json *v;

	if (*j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!jp_digits(j))
		goto bad;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!jp_digits(j))
			goto bad;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!jp_digits(j))
			goto bad;
	}
	v = jp_node(j, JSON_NUMBER);
	if (v)
		v->str = xstrndup(s, (size_t)(j->p - s));
	return v;
bad:
	jp_fail(j, "bad number");
	return NULL;
}

static struct json *jp_value(struct jp *);

/* the elements of an array or the members of an object, after the
 * opening bracket */
static struct json *
jp_container(struct jp *j, bool object)
{
	struct json *v, **tail;
	char close = object ? '}' : ']';

	if (++j->depth > JSON_DEPTH_MAX) {
		jp_fail(j, "nested deeper than 64");
		return NULL;
	}
	v = jp_node(j, object ? JSON_OBJECT : JSON_ARRAY);
	if (v == NULL)
		return NULL;
	tail = &v->child;
	jp_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct json *e;

		jp_ws(j);
		if (object) {
			if (j->p >= j->end || *j->p != '"') {
				jp_fail(j, "expected a member name");
				goto fail;
			}
			if ((key = jp_string(j)) == NULL)
				goto fail;
			jp_ws(j);
			if (j->p >= j->end || *j->p != ':') {
				free(key);
				jp_fail(j, "expected ':'");
				goto fail;
			}
			j->p++;
		}
		if ((e = jp_value(j)) == NULL) {
			free(key);
			goto fail;
		}
		e->key = key;
		*tail = e;
		tail = &e->next;
		jp_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			break;
		}
		jp_fail(j, object ? "expected ',' or '}'" : "expected ',' or ']'");
		goto fail;
	}
	j->depth--;
	return v;
fail:
	json_free(v);
	return NULL;
}

static struct json *
jp_literal(struct jp *j, const char *word, enum json_type t, bool b)
{
	size_t n = strlen(word);
	struct json *v;

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0) {
		jp_fail(j, "unexpected character");
		return NULL;
	}
	j->p += n;
	v = jp_node(j, t);
	if (v)
		v->b = b;
	return v;
}

static struct json *
jp_value(struct jp *j)
{
	struct json *v;
	char *s;

	jp_ws(j);
	if (j->p >= j->end) {
		jp_fail(j, "unexpected end of input");
		return NULL;
	}
	switch (*j->p) {
	case '{':
		j->p++;
		return jp_container(j, true);
	case '[':
		j->p++;
		return jp_container(j, false);
	case '"':
		if ((s = jp_string(j)) == NULL)
			return NULL;
		if ((v = jp_node(j, JSON_STRING)) == NULL) {
			free(s);
			return NULL;
		}
		v->str = s;
		return v;
	case 't':
		return jp_literal(j, "true", JSON_BOOL, true);
	case 'f':
		return jp_literal(j, "false", JSON_BOOL, false);
	case 'n':
		return jp_literal(j, "null", JSON_NULL, false);
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return jp_number(j);
		jp_fail(j, "unexpected character");
		return NULL;
	}
}

struct json *
json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct jp j = { text, text, text + len, 0, 0, false, err, errlen };
	struct json *v;

	if (memchr(text, '\0', len)) {
		j.p = memchr(text, '\0', len);
		jp_fail(&j, "NUL byte in the input");
		return NULL;
	}
	v = jp_value(&j);
	if (v == NULL)
		return NULL;
	jp_ws(&j);
	if (j.p != j.end) {
		jp_fail(&j, "text after the value");
		json_free(v);
		return NULL;
	}
	return v;
}

void
json_free(struct json *v)
{
	/* siblings in a loop: an array of 200,000 elements must not be a
	 * recursion 200,000 deep; children nest at most 64 */
	while (v != NULL) {
		struct json *next = v->next;

		json_free(v->child);
		free(v->key);
		free(v->str);
		free(v);
		v = next;
	}
}

const struct json *
json_get(const struct json *o, const char *key)
{
	const struct json *e;

	if (o == NULL || o->type != JSON_OBJECT)
		return NULL;
	for (e = o->child; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

const char *
json_get_str(const struct json *o, const char *key)
{
	const struct json *e = json_get(o, key);

	return e && e->type == JSON_STRING ? e->str : NULL;
}

bool
json_get_u64(const struct json *o, const char *key, uint64_t *out)
{
	const struct json *e = json_get(o, key);
	char *end;
	unsigned long long v;

	if (e == NULL || e->type != JSON_NUMBER || e->str[0] == '-')
		return false;
	errno = 0;
	v = strtoull(e->str, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;	/* a fraction, an exponent, too big */
	*out = v;
	return true;
}
