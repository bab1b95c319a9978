/*
 * test_drbd.c: the JSON reader (agent/drsync/json.c) and the DRBD state
 * parsers and judge (drsync_drbd.c).
 *
 * The DRBD texts are the fuzz seeds in tests/fuzz/corpus/drbd and
 * drbd_proc: `drbdsetup status --json` output laid out exactly as
 * drbd-utils prints it (user/v9/drbdsetup.c: the current format with
 * paths and tls, and the 2018 one without), and /proc/drbd as the DRBD
 * 8.4 and 8.2 kernel modules print it (drbd_proc.c) and as DRBD 9
 * leaves it (version lines only).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"
#include "drsync/drsync.h"

static char *
seed(const char *dir, const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	struct stat sb;
	char *b;
	int fd;

	/* corpus/drbd holds both kinds: json-NAME and proc-NAME */
	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/drbd/%s-%s",
	    top ? top : "..", strcmp(dir, "drbd_json") == 0 ? "json" : "proc",
	    name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		fail_msg("%s: %s (is top_srcdir set?)", path, strerror(errno));
	assert_int_equal(fstat(fd, &sb), 0);
	b = malloc((size_t)sb.st_size + 1);
	assert_non_null(b);
	assert_int_equal(read(fd, b, (size_t)sb.st_size), sb.st_size);
	b[sb.st_size] = '\0';
	close(fd);
	*len = (size_t)sb.st_size;
	return b;
}

/* ------------------------------------------------------------------ */
/* json.c */

static struct json *
parse_ok(const char *text)
{
	char err[128] = "";
	struct json *v = json_parse(text, strlen(text), err, sizeof(err));

	if (v == NULL)
		fail_msg("'%s': %s", text, err);
	return v;
}

static void
parse_bad(const char *text, size_t len, const char *want)
{
	char err[128] = "";
	struct json *v = json_parse(text, len, err, sizeof(err));

	if (v != NULL)
		fail_msg("'%s' parsed", text);
	if (strstr(err, want) == NULL)
		fail_msg("'%s': error '%s', want '%s'", text, err, want);
}

static void
test_json_values(void **state)
{
	struct json *v;
	const struct json *e;
	uint64_t u;

	(void)state;
	v = parse_ok(" {\"a\": [1, -2.5e3, true, false, null, \"x\"],"
	    " \"big\": 18446744073709551615, \"neg\": -1, \"frac\": 1.5,"
	    " \"s\": \"q\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\","
	    " \"utf8\": \"caf\xc3\xa9\", \"empty\": {}, \"none\": []}\n");
	assert_int_equal(v->type, JSON_OBJECT);
	e = json_get(v, "a");
	assert_int_equal(e->type, JSON_ARRAY);
	assert_string_equal(e->child->str, "1");
	assert_string_equal(e->child->next->str, "-2.5e3");
	assert_true(e->child->next->next->b);
	assert_int_equal(e->child->next->next->next->type, JSON_BOOL);
	assert_false(e->child->next->next->next->b);
	assert_int_equal(e->child->next->next->next->next->type, JSON_NULL);
	assert_string_equal(e->child->next->next->next->next->next->str, "x");
	assert_true(json_get_u64(v, "big", &u));
	assert_true(u == UINT64_MAX);
	assert_false(json_get_u64(v, "neg", &u));
	assert_false(json_get_u64(v, "frac", &u));
	assert_false(json_get_u64(v, "a", &u));
	assert_false(json_get_u64(v, "missing", &u));
	assert_string_equal(json_get_str(v, "s"),
	    "q\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
	assert_string_equal(json_get_str(v, "utf8"), "caf\xc3\xa9");
	assert_null(json_get_str(v, "a"));
	assert_null(json_get(v, "nothing"));
	assert_null(json_get(e, "a"));	/* not an object */
	assert_null(json_get(v, "empty")->child);
	assert_null(json_get(v, "none")->child);
	json_free(v);

	v = parse_ok("18446744073709551616");	/* valid JSON, not a u64 */
	assert_int_equal(v->type, JSON_NUMBER);
	json_free(v);
}

static void
test_json_errors(void **state)
{
	char deep[200];
	char *wide;
	size_t i;

	(void)state;
	parse_bad("", 0, "line 1 column 1: unexpected end");
	parse_bad("{\"a\": 1,\n  \"b\" 2}", 17, "line 2 column 7: expected ':'");
	parse_bad("[1, 2", 5, "expected ',' or ']'");
	parse_bad("{\"a\": 1,}", 9, "expected a member name");
	parse_bad("[01]", 4, "expected ',' or ']'");
	parse_bad("[1.]", 4, "bad number");
	parse_bad("[-]", 3, "bad number");
	parse_bad("[1e+]", 5, "bad number");
	parse_bad("tru", 3, "unexpected character");
	parse_bad("[nul]", 5, "unexpected character");
	parse_bad("\"abc", 4, "unterminated string");
	parse_bad("\"a\\\"", 4, "unterminated string");
	parse_bad("\"a\tb\"", 5, "control character");
	parse_bad("\"\\x\"", 4, "bad escape");
	parse_bad("\"\\u12g4\"", 8, "bad \\u escape");
	parse_bad("\"\\u0000\"", 8, "\\u0000");
	parse_bad("\"\\udc00\"", 8, "lone low surrogate");
	parse_bad("\"\\ud800x\"", 9, "without its low half");
	parse_bad("\"\xc3\"", 3, "invalid UTF-8");
	parse_bad("\"\xff\"", 3, "invalid UTF-8");
	parse_bad("\"\xe2\x82\"", 4, "invalid UTF-8");
	parse_bad("1 2", 3, "text after the value");
	parse_bad("[1]\0", 4, "NUL byte");
	/* a lead byte announcing more bytes than the input has left */
	parse_bad("\"\xe2\"", 3, "invalid UTF-8");

	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	parse_bad(deep, 130, "nested deeper than 64");
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	json_free(parse_ok((deep[128] = '\0', deep)));

	wide = malloc(2 * 200001 + 2);
	assert_non_null(wide);
	wide[0] = '[';
	for (i = 0; i < 200001; i++) {
		wide[1 + 2 * i] = '0';
		wide[2 + 2 * i] = i + 1 < 200001 ? ',' : ']';
	}
	parse_bad(wide, 2 * 200001 + 1, "more than 200000 values");
	/* 199,999 elements: parsed, and freed without a deep recursion */
	wide[2 * 199999] = ']';
	json_free(parse_ok((wide[2 * 199999 + 1] = '\0', wide)));
	free(wide);
}

/* ------------------------------------------------------------------ */
/* drbdsetup status --json */

static enum drbd_verdict
judge_json(const char *name, const char *resource, struct drbd_state *st,
    uint64_t *oos, char *why, size_t whylen)
{
	char err[256] = "";
	size_t len;
	char *text = seed("drbd_json", name, &len);

	if (drsync_drbd_parse_json(text, len, resource, st, err,
	    sizeof(err)) < 0)
		fail_msg("%s: %s", name, err);
	free(text);
	return drsync_drbd_judge(st, oos, why, whylen);
}

static void
test_drbd_json(void **state)
{
	struct drbd_state *st = malloc(sizeof(*st));
	char why[256];
	uint64_t oos;

	(void)state;
	assert_non_null(st);
	assert_int_equal(judge_json("uptodate.json", NULL, st, &oos, why,
	    sizeof(why)), DRBD_IN_SYNC);
	assert_int_equal(st->n, 1);
	assert_string_equal(st->p[0].resource, "mail");
	assert_string_equal(st->p[0].peer, "dr1");
	assert_string_equal(st->p[0].conn, "Connected");
	assert_string_equal(st->p[0].repl, "Established");
	assert_string_equal(st->p[0].disk, "UpToDate");
	assert_string_equal(st->p[0].peer_disk, "UpToDate");
	assert_int_equal(oos, 0);
	assert_string_equal(why, "mail/0 to dr1: Established, UpToDate/UpToDate");

	assert_int_equal(judge_json("uptodate-2018.json", NULL, st, &oos, why,
	    sizeof(why)), DRBD_IN_SYNC);
	assert_string_equal(st->p[0].peer, "mail1");

	assert_int_equal(judge_json("syncsource.json", NULL, st, &oos, why,
	    sizeof(why)), DRBD_SYNCING);
	assert_int_equal(oos, 131072);
	assert_string_equal(why, "mail/0 to dr1: SyncSource, 131072 KiB out "
	    "of sync");

	assert_int_equal(judge_json("synctarget-2018.json", NULL, st, &oos, why,
	    sizeof(why)), DRBD_SYNCING);
	assert_string_equal(st->p[0].disk, "Inconsistent");
	assert_int_equal(oos, 524288);

	assert_int_equal(judge_json("standalone.json", NULL, st, &oos, why,
	    sizeof(why)), DRBD_BROKEN);
	assert_string_equal(why, "mail/0 to dr1: StandAlone");
	assert_int_equal(oos, 4096);

	assert_int_equal(judge_json("connecting.json", NULL, st, &oos, why,
	    sizeof(why)), DRBD_BROKEN);
	assert_string_equal(why, "mail/0 to dr1: Connecting");

	assert_int_equal(judge_json("diskless.json", NULL, st, &oos, why,
	    sizeof(why)), DRBD_BROKEN);
	assert_string_equal(why, "mail/0 to mail1: disks Diskless/UpToDate");

	assert_int_equal(judge_json("noconn.json", NULL, st, &oos, why,
	    sizeof(why)), DRBD_BROKEN);
	assert_int_equal(st->devices, 1);
	assert_string_equal(why, "mail/0: no connection to a peer");

	/* two resources, two volumes, two peers: the worst path decides;
	 * one resource alone can be asked for */
	assert_int_equal(judge_json("multi.json", NULL, st, &oos, why,
	    sizeof(why)), DRBD_SYNCING);
	assert_int_equal(st->n, 4 + 2);
	assert_int_equal(st->devices, 4);
	assert_string_equal(why, "spool/1 to dr2: Ahead, 8192 KiB out of sync");
	assert_int_equal(oos, 8192);
	assert_int_equal(judge_json("multi.json", "mail", st, &oos, why,
	    sizeof(why)), DRBD_IN_SYNC);
	assert_int_equal(st->n, 4);
	assert_string_equal(st->p[3].peer, "dr2");
	assert_int_equal(st->p[3].volume, 1);
	assert_string_equal(why, "4 volume paths in sync");
	free(st);
}

static void
json_fails(const char *text, const char *resource, const char *want)
{
	struct drbd_state *st = malloc(sizeof(*st));
	char err[256] = "";

	assert_non_null(st);
	assert_int_equal(drsync_drbd_parse_json(text, strlen(text), resource,
	    st, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s', want '%s'", err, want);
	free(st);
}

static void
test_drbd_json_bad(void **state)
{
	size_t len;
	char *text;

	(void)state;
	text = seed("drbd_json", "uptodate.json", &len);
	json_fails(text, "other", "DRBD resource other not found");
	text[len / 2] = '\0';	/* cut in the middle */
	json_fails(text, NULL, "drbdsetup status --json: line");
	free(text);
	text = seed("drbd_json", "empty.json", &len);
	json_fails(text, NULL, "no DRBD resource is configured");
	free(text);
	json_fails("{}", NULL, "not an array");
	json_fails("[1]", NULL, "not an object");
	json_fails("[{\"name\": \"r0\"}]", NULL, "without name or devices");
	json_fails("[{\"name\": \"r0\", \"devices\": [{}]}]", NULL,
	    "a device without a volume");
	json_fails("Command 'drbdsetup status' is not supported", NULL,
	    "line 1 column 1");
}

/* ------------------------------------------------------------------ */
/* /proc/drbd */

static int
proc_seed(const char *name, const char *resource, struct drbd_state *st,
    char *err, size_t errlen)
{
	size_t len;
	char *text = seed("drbd_proc", name, &len);
	int r = drsync_drbd_parse_proc(text, len, resource, st, err, errlen);

	free(text);
	return r;
}

static void
test_drbd_proc(void **state)
{
	struct drbd_state *st = malloc(sizeof(*st));
	char err[256] = "", why[256];
	uint64_t oos;

	(void)state;
	assert_non_null(st);
	assert_int_equal(proc_seed("connected-8.4.proc", NULL, st, err,
	    sizeof(err)), 1);
	assert_int_equal(st->n, 1);
	assert_string_equal(st->p[0].resource, "0");
	assert_int_equal(drsync_drbd_judge(st, &oos, why, sizeof(why)),
	    DRBD_IN_SYNC);
	assert_string_equal(why, "minor 0: Established, UpToDate/UpToDate");

	assert_int_equal(proc_seed("syncsource-8.4.proc", NULL, st, err,
	    sizeof(err)), 1);
	assert_int_equal(st->n, 2);
	assert_int_equal(st->p[0].oos_kib, 824056);
	assert_int_equal(st->p[1].oos_kib, 0);	/* after the progress lines */
	assert_int_equal(drsync_drbd_judge(st, &oos, why, sizeof(why)),
	    DRBD_SYNCING);
	assert_int_equal(oos, 824056);
	assert_string_equal(why, "minor 0: SyncSource, 824056 KiB out of sync");
	/* minor 1 alone is in sync */
	assert_int_equal(proc_seed("syncsource-8.4.proc", "1", st, err,
	    sizeof(err)), 1);
	assert_int_equal(st->n, 1);
	assert_int_equal(drsync_drbd_judge(st, &oos, why, sizeof(why)),
	    DRBD_IN_SYNC);

	assert_int_equal(proc_seed("wfconnection-8.4.proc", NULL, st, err,
	    sizeof(err)), 1);
	assert_int_equal(st->n, 1);	/* minor 2 is Unconfigured */
	assert_int_equal(drsync_drbd_judge(st, &oos, why, sizeof(why)),
	    DRBD_BROKEN);
	assert_string_equal(why, "minor 0: WFConnection");
	assert_int_equal(oos, 2048);
	assert_int_equal(proc_seed("wfconnection-8.4.proc", "2", st, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "DRBD minor 2 not configured");

	assert_int_equal(proc_seed("standalone-8.2.proc", NULL, st, err,
	    sizeof(err)), 1);
	assert_string_equal(st->p[0].disk, "UpToDate");
	assert_string_equal(st->p[0].peer_disk, "DUnknown");
	assert_int_equal(drsync_drbd_judge(st, &oos, why, sizeof(why)),
	    DRBD_BROKEN);
	assert_string_equal(why, "minor 0: StandAlone");

	/* DRBD 9: only the version; drbdsetup has the states */
	assert_int_equal(proc_seed("drbd9.proc", NULL, st, err,
	    sizeof(err)), 0);
	free(st);
}

static void
proc_fails(const char *text, const char *want)
{
	struct drbd_state *st = malloc(sizeof(*st));
	char err[256] = "";

	assert_non_null(st);
	assert_int_equal(drsync_drbd_parse_proc(text, strlen(text), NULL, st,
	    err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s', want '%s'", err, want);
	free(st);
}

static void
test_drbd_proc_bad(void **state)
{
	(void)state;
	proc_fails("", "empty");
	proc_fails("hello\n", "no \"version:\" line first");
	proc_fails("version: 8.4.11 (api:1/proto:86-101)\n", "no DRBD device");
	proc_fails("version: 8.4.11\n 0: ro:Primary/Secondary\n",
	    "device 0 without cs:");
	proc_fails("version: 8.4.11\n 0: cs:Connected ds:UpToDate\n",
	    "device 0 without ds:A/B");
	proc_fails("version: 8.4.11\n 0: cs:Connected ds:UpToDate/UpToDate\n"
	    "    ns:0 oos:-5\n", "bad oos:-5");
	proc_fails("version: 8.4.11\n 0: cs:Connected ds:UpToDate/UpToDate\n"
	    "    ns:0 oos:99999999999999999999999\n", "bad oos");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_drbd_json),
		cmocka_unit_test(test_drbd_json_bad),
		cmocka_unit_test(test_drbd_proc),
		cmocka_unit_test(test_drbd_proc_bad),
	};

	log_init("test_drbd", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
