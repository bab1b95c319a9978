/*
 * test_sms_msg.c: SMS length rules (GSM-7 septets with the extension
 * table, UCS-2 units), cutting at character boundaries, templates,
 * summaries.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sms.h"

static void
expect_len(const char *s, enum msg_coding c, size_t units, size_t chars)
{
	struct msg_len ml;

	msg_measure(s, &ml);
	assert_int_equal(ml.coding, c);
	assert_int_equal(ml.units, units);
	assert_int_equal(ml.chars, chars);
}

static void
test_gsm7_counting(void **state)
{
	(void)state;
	expect_len("", MSG_GSM7, 0, 0);
	expect_len("Queue high", MSG_GSM7, 10, 10);
	/* GSM-7 basic set beyond ASCII: one septet each */
	expect_len("café £5 ÄÖÜ ñ ΔΣΩ", MSG_GSM7, 17, 17);
	/* extension table: two septets each */
	expect_len("[x]", MSG_GSM7, 5, 3);
	expect_len("^{}\\[~]|€", MSG_GSM7, 18, 9);
	/* a backquote is not GSM-7 at all */
	expect_len("a`b", MSG_UCS2, 3, 3);
}

static void
test_ucs2_counting(void **state)
{
	(void)state;
	expect_len("ç is GSM but č is not", MSG_UCS2, 21, 21);
	expect_len("日本", MSG_UCS2, 2, 2);
	/* outside the BMP: a surrogate pair, two units */
	expect_len("ok 😀", MSG_UCS2, 5, 4);
	/* an invalid byte is sent as U+FFFD, which forces UCS-2 */
	expect_len("a\xff", MSG_UCS2, 2, 2);
}

static void
test_budget(void **state)
{
	(void)state;
	assert_int_equal(msg_budget(MSG_GSM7, 1), 160);
	assert_int_equal(msg_budget(MSG_GSM7, 2), 306);
	assert_int_equal(msg_budget(MSG_UCS2, 1), 70);
	assert_int_equal(msg_budget(MSG_UCS2, 3), 201);
}

static void
test_fit_gsm(void **state)
{
	char text[400], *out;
	struct msg_len ml;

	(void)state;
	memset(text, 'x', 200);
	text[200] = '\0';
	out = msg_fit(text, NULL, 1, "...", true);
	msg_measure(out, &ml);
	assert_int_equal(ml.units, 160);
	assert_int_equal(strlen(out), 160);
	assert_string_equal(out + 157, "...");
	free(out);

	/* short text untouched */
	out = msg_fit("short", "", 1, "...", true);
	assert_string_equal(out, "short");
	free(out);

	/* an extension char straddling the limit is not split */
	memset(text, 'y', 156);
	strcpy(text + 156, "€€€€€€");
	out = msg_fit(text, "", 1, "..", true);
	msg_measure(out, &ml);
	assert_true(ml.units <= 160);
	assert_int_equal(ml.units, 160);	/* 156 y + 1 € (2) + .. */
	assert_memory_equal(out + 156, "€..", strlen("€.."));
	free(out);
}

static void
test_fit_ucs2_utf8_safe(void **state)
{
	struct strbuf b;
	char *out;
	struct msg_len ml;
	int i;

	(void)state;
	strbuf_init(&b);
	for (i = 0; i < 50; i++)
		strbuf_puts(&b, "日本");	/* 100 chars, 300 bytes */
	out = msg_fit(b.s, "", 1, "...", true);
	msg_measure(out, &ml);
	assert_int_equal(ml.coding, MSG_UCS2);
	assert_int_equal(ml.units, 70);
	assert_int_equal(strlen(out), 67 * 3 + 3);
	assert_string_equal(out + 67 * 3, "...");
	free(out);

	/* astral characters are never cut in half */
	strbuf_reset(&b);
	strbuf_puts(&b, "a");
	for (i = 0; i < 40; i++)
		strbuf_puts(&b, "😀");
	out = msg_fit(b.s, "", 1, "...", true);
	msg_measure(out, &ml);
	assert_true(ml.units <= 70);
	/* "a" + 33 emoji (66 units) + "..." = 70 */
	assert_int_equal(ml.units, 70);
	assert_int_equal(strlen(out), 1 + 33 * 4 + 3);
	free(out);
	strbuf_free(&b);
}

static void
test_fit_keeps_gsm_when_cut_drops_ucs2(void **state)
{
	char text[300], *out;
	struct msg_len ml;

	(void)state;
	memset(text, 'z', 200);
	strcpy(text + 200, "日本");
	out = msg_fit(text, "", 1, "...", true);
	msg_measure(out, &ml);
	assert_int_equal(ml.coding, MSG_GSM7);
	assert_int_equal(ml.units, 160);
	free(out);
}

static void
test_fit_suffix_kept(void **state)
{
	char text[300], *out;
	const char *sfx = " (+37 more: 20 queue, 17 auth)";

	(void)state;
	memset(text, 'q', 250);
	text[250] = '\0';
	out = msg_fit(text, sfx, 1, "...", true);
	assert_int_equal(strlen(out), 160);
	assert_string_equal(out + 160 - strlen(sfx), sfx);
	assert_memory_equal(out + 160 - strlen(sfx) - 3, "...", 3);
	free(out);
}

static void
test_to_gsm(void **state)
{
	char *s;

	(void)state;
	s = msg_to_gsm("Ação “quoted” — ok… 日 é");
	assert_string_equal(s, "Acao \"quoted\" - ok... ? é");
	free(s);
	s = msg_fit("naïve 日本", "", 1, "..", false);
	assert_string_equal(s, "naive ??");
	free(s);
}

static void
test_summary(void **state)
{
	unsigned c[MH_FAM_COUNT] = { 0 };
	char *s;

	(void)state;
	c[MH_FAM_QUEUE] = 20;
	c[MH_FAM_AUTH] = 17;
	s = msg_summary(37, c);
	assert_string_equal(s, "+37 more: 20 queue, 17 auth");
	free(s);
	memset(c, 0, sizeof(c));
	c[MH_FAM_AGENT] = 1;
	c[MH_FAM_CONN] = 5;
	c[MH_FAM_DRSYNC] = 5;
	s = msg_summary(11, c);
	assert_string_equal(s, "+11 more: 5 drsync, 5 conn, 1 agent");
	free(s);
}

static const char *
get(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	if (len == 4 && memcmp(name, "host", 4) == 0)
		return "mx1";
	if (len == 4 && memcmp(name, "text", 4) == 0)
		return "a b&c";
	return NULL;
}

static void
test_templates(void **state)
{
	struct strbuf b;
	char err[100];
	static const char *const names[] = { "host", "text", NULL };

	(void)state;
	strbuf_init(&b);
	assert_int_equal(msg_tmpl_expand("{host}: {text} {{x}}", get, NULL,
	    NULL, &b, err, sizeof(err)), 0);
	assert_string_equal(b.s, "mx1: a b&c {x}");
	strbuf_reset(&b);
	assert_int_equal(msg_tmpl_expand("{hots}", get, NULL, NULL, &b, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "unknown placeholder {hots}");
	assert_int_equal(msg_tmpl_expand("{host", get, NULL, NULL, &b, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "unclosed '{' in template");
	/* ${VAR} is not ours: the check rejects it as unknown, not silently */
	assert_int_equal(msg_tmpl_check("x ${HOME}", names, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "unknown placeholder {HOME}");
	assert_int_equal(msg_tmpl_check("{text} at {host}", names, err,
	    sizeof(err)), 0);
	strbuf_free(&b);
}

static const char *
get_opt(void *ctx, const char *name, size_t len)
{
	const char *const *kv = ctx;

	for (; *kv; kv += 2)
		if (strlen(*kv) == len && memcmp(*kv, name, len) == 0)
			return kv[1];
	return NULL;
}

/* expand TMPL with the NULL-terminated name/value list; "" on error */
static char *
expand(const char *tmpl, const char *const *kv, char *err, size_t errlen)
{
	struct strbuf b;

	strbuf_init(&b);
	if (msg_tmpl_expand(tmpl, get_opt, (void *)kv, NULL, &b, err,
	    errlen) != 0) {
		strbuf_free(&b);
		return xstrdup("");
	}
	return strbuf_steal(&b);
}

static void
test_template_optional_parts(void **state)
{
	static const char tmpl[] =
	    "{SEVERITY} {host} {what}{[ {instance}]}"
	    "{[: {value}{[/{threshold}]}]}{[ {text}]}";
	static const char *const full[] = { "SEVERITY", "CRITICAL",
	    "host", "mx1", "what", "queue-high", "instance", "total",
	    "value", "5234", "threshold", "5000", "text", "t", NULL };
	static const char *const no_inst[] = { "SEVERITY", "CRITICAL",
	    "host", "mx1", "what", "queue-high", "instance", "",
	    "value", "5234", "threshold", "5000", "text", "t", NULL };
	static const char *const no_thr[] = { "SEVERITY", "MAJOR",
	    "host", "mx1", "what", "q", "instance", "",
	    "value", "0", "threshold", "", "text", "", NULL };
	static const char *const bare[] = { "SEVERITY", "UNKNOWN",
	    "host", "mx9", "what", "service", "instance", "",
	    "value", "", "threshold", "7", "text", "disk full", NULL };
	char err[100], *s;

	(void)state;
	s = expand(tmpl, full, err, sizeof(err));
	assert_string_equal(s, "CRITICAL mx1 queue-high total: 5234/5000 t");
	free(s);
	s = expand(tmpl, no_inst, err, sizeof(err));
	assert_string_equal(s, "CRITICAL mx1 queue-high: 5234/5000 t");
	free(s);
	/* a nested part goes alone; "0" is a value, not an absence */
	s = expand(tmpl, no_thr, err, sizeof(err));
	assert_string_equal(s, "MAJOR mx1 q: 0");
	free(s);
	/* without a value the threshold alone means nothing: both go */
	s = expand(tmpl, bare, err, sizeof(err));
	assert_string_equal(s, "UNKNOWN mx9 service disk full");
	free(s);
	/* a part without placeholders stays; "]}" outside a part and "{{["
	 * are literal, as they always were */
	s = expand("{[x]} a]} {{[b]}", bare, err, sizeof(err));
	assert_string_equal(s, "x a]} {[b]}");
	free(s);
	/* errors: unclosed part, too deep; the check sees them too */
	s = expand("{[ {host}", bare, err, sizeof(err));
	assert_string_equal(err, "optional part '{[' without ']}'");
	free(s);
	s = expand("{[{[{[{[{[{[{[{[{[x]}]}]}]}]}]}]}]}]}", bare, err,
	    sizeof(err));
	assert_string_equal(err, "optional parts '{[' nested deeper than 8");
	free(s);
	{
		static const char *const names[] = { "host", NULL };

		assert_int_equal(msg_tmpl_check("{[ {host}", names, err,
		    sizeof(err)), -1);
		assert_int_equal(msg_tmpl_check("a{[ {host}]}b", names, err,
		    sizeof(err)), 0);
		assert_int_equal(msg_tmpl_check("{[ {hots}]}", names, err,
		    sizeof(err)), -1);
		assert_string_equal(err, "unknown placeholder {hots}");
	}
}

static void
test_clean(void **state)
{
	char *s;

	(void)state;
	s = msg_clean("  a\tb\r\n\n c  \x01 d\xc3 ");
	assert_string_equal(s, "a b c d?");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gsm7_counting),
		cmocka_unit_test(test_ucs2_counting),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_fit_gsm),
		cmocka_unit_test(test_fit_ucs2_utf8_safe),
		cmocka_unit_test(test_fit_keeps_gsm_when_cut_drops_ucs2),
		cmocka_unit_test(test_fit_suffix_kept),
		cmocka_unit_test(test_to_gsm),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_template_optional_parts),
		cmocka_unit_test(test_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
