/*
 * test_probe_reply.c: SMTP, POP3 and IMAP lines as a check reads them
 * (probe_reply.c), and the dialogue it keeps: which reply is a refusal,
 * which line ends a reply, that the first refusal is the one reported
 * (not curl's QUIT after it), when the server has said its last word;
 * and the URL a check gives libcurl (probe_kind.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "probe/probe_int.h"

#define MORE PROBE_REPLY_MORE
#define OK PROBE_REPLY_OK
#define FAIL PROBE_REPLY_FAIL

static void
smtp_lines(void **state)
{
	(void)state;
	assert_int_equal(probe_reply_check(PROBE_SMTP, true,
	    "220 mail.example.net ESMTP Postfix"), OK);
	assert_int_equal(probe_reply_check(PROBE_SMTP, true,
	    "220-mail.example.net ESMTP (a banner on two lines)"), MORE);
	assert_int_equal(probe_reply_check(PROBE_SMTP, true,
	    "554 5.7.1 go away"), FAIL);
	assert_int_equal(probe_reply_check(PROBE_SMTP, true,
	    "421 4.3.2 Service not available"), FAIL);
	/* a greeting must be 220, not any 2xx */
	assert_int_equal(probe_reply_check(PROBE_SUBMISSION, true,
	    "250 hello"), FAIL);
	assert_int_equal(probe_reply_check(PROBE_SMTPS, false,
	    "250-PIPELINING"), MORE);
	assert_int_equal(probe_reply_check(PROBE_SMTP, false,
	    "250 CHUNKING"), OK);
	assert_int_equal(probe_reply_check(PROBE_SMTP, false, "221"), OK);
	assert_int_equal(probe_reply_check(PROBE_SMTP, false,
	    "454 4.7.0 TLS not available due to local problem"), FAIL);
	assert_int_equal(probe_reply_check(PROBE_SMTP, false,
	    "502-5.5.2 no"), MORE);	/* the last line decides */
	/* not SMTP at all: an HTTP server, an SSH banner, nothing */
	assert_int_equal(probe_reply_check(PROBE_SMTP, true,
	    "SSH-2.0-OpenSSH_9.2p1"), FAIL);
	assert_int_equal(probe_reply_check(PROBE_SMTP, false,
	    "HTTP/1.1 400 Bad Request"), FAIL);
	assert_int_equal(probe_reply_check(PROBE_SMTP, false, "2500 x"), FAIL);
	assert_int_equal(probe_reply_check(PROBE_SMTP, false, "25"), FAIL);
	assert_int_equal(probe_reply_check(PROBE_SMTP, false, ""), FAIL);
}

static void
pop3_lines(void **state)
{
	(void)state;
	assert_int_equal(probe_reply_check(PROBE_POP3, true,
	    "+OK Dovecot (Debian) ready."), OK);
	assert_int_equal(probe_reply_check(PROBE_POP3S, true, "+OK"), OK);
	assert_int_equal(probe_reply_check(PROBE_POP3, true,
	    "-ERR [SYS/TEMP] too many connections"), FAIL);
	assert_int_equal(probe_reply_check(PROBE_POP3, true,
	    "* OK IMAP4rev1 ready"), FAIL);	/* an IMAP port */
	/* CAPA's listing */
	assert_int_equal(probe_reply_check(PROBE_POP3, false, "STLS"), MORE);
	assert_int_equal(probe_reply_check(PROBE_POP3, false, "."), MORE);
	assert_int_equal(probe_reply_check(PROBE_POP3, false,
	    "-ERR Unknown command."), FAIL);
	assert_int_equal(probe_reply_check(PROBE_POP3, false, "+OKAY"), MORE);
}

static void
imap_lines(void **state)
{
	(void)state;
	assert_int_equal(probe_reply_check(PROBE_IMAP, true,
	    "* OK [CAPABILITY IMAP4rev1] Dovecot (Debian) ready."), OK);
	assert_int_equal(probe_reply_check(PROBE_IMAPS, true,
	    "* PREAUTH ready"), OK);
	assert_int_equal(probe_reply_check(PROBE_IMAP, true,
	    "* BYE too many connections"), FAIL);
	assert_int_equal(probe_reply_check(PROBE_IMAP, true,
	    "+OK POP3 ready"), FAIL);
	assert_int_equal(probe_reply_check(PROBE_IMAP, false,
	    "* CAPABILITY IMAP4rev1 STARTTLS"), MORE);
	assert_int_equal(probe_reply_check(PROBE_IMAP, false,
	    "* BYE Logging out"), MORE);	/* the tagged line decides */
	assert_int_equal(probe_reply_check(PROBE_IMAP, false,
	    "A002 OK Logout completed."), OK);
	assert_int_equal(probe_reply_check(PROBE_IMAP, false,
	    "A002 NO [UNAVAILABLE] STARTTLS failed"), FAIL);
	assert_int_equal(probe_reply_check(PROBE_IMAP, false,
	    "A002 BAD Error in IMAP command"), FAIL);
	assert_int_equal(probe_reply_check(PROBE_IMAP, false, "+ go"), MORE);
	assert_int_equal(probe_reply_check(PROBE_IMAP, false, "A002"), FAIL);
	assert_int_equal(probe_reply_check(PROBE_IMAP, false, " OK"), FAIL);
	/* other kinds have no replies to judge */
	assert_int_equal(probe_reply_check(PROBE_HTTP, true, "HTTP/1.1 200"),
	    MORE);
}

/* Feed a dialogue: ">" lines are ours, "<" the server's. Returns the
 * index of the line after which the server had said its last word, -1
 * if never. */
static int
feed(struct probe_dialogue *d, enum probe_kind k, const char *const *l)
{
	int i, over = -1;

	memset(d, 0, sizeof(*d));
	for (i = 0; l[i] != NULL; i++) {
		if (l[i][0] == '>')
			probe_dialogue_out(d, k, l[i] + 1);
		else if (probe_dialogue_in(d, k, l[i] + 1) && over < 0)
			over = i;
	}
	return over;
}

static void
dialogues(void **state)
{
	struct probe_dialogue d;
	char why[256];

	(void)state;
	/* all well: over at the answer to QUIT */
	assert_int_equal(feed(&d, PROBE_SMTP, (const char *[]){
	    "<220 mx ESMTP", ">EHLO probe", "<250-mx", "<250 CHUNKING",
	    ">QUIT", "<221 2.0.0 Bye", NULL}), 5);
	assert_string_equal(d.greeting, "220 mx ESMTP");
	assert_string_equal(d.fail_reply, "");

	/* refused at the greeting; curl's QUIT afterwards changes nothing */
	assert_int_equal(feed(&d, PROBE_SMTP, (const char *[]){
	    "<554 5.7.1 go away", ">QUIT", "<221 bye", NULL}), 0);
	probe_dialogue_error(&d, "x", why, sizeof(why));
	assert_string_equal(why, "greeting 554 5.7.1 go away");

	/* STARTTLS refused */
	assert_int_equal(feed(&d, PROBE_SUBMISSION, (const char *[]){
	    "<220 mx", ">EHLO probe", "<250-mx", "<250 STARTTLS",
	    ">STARTTLS", "<454 4.7.0 TLS not available", ">QUIT", NULL}), 5);
	probe_dialogue_error(&d, "x", why, sizeof(why));
	assert_string_equal(why, "STARTTLS: 454 4.7.0 TLS not available");

	/* IMAP: the tag is not part of the command's name; the untagged
	 * BYE before the tagged OK does not end it */
	assert_int_equal(feed(&d, PROBE_IMAP, (const char *[]){
	    "<* OK ready", ">A001 CAPABILITY", "<* CAPABILITY IMAP4rev1",
	    "<A001 OK done", ">A002 LOGOUT", "<* BYE Logging out",
	    "<A002 OK Logout completed.", NULL}), 6);
	assert_string_equal(d.cmd, "LOGOUT");
	assert_true(d.final_sent);

	/* POP3: CAPA's listing, then QUIT */
	assert_int_equal(feed(&d, PROBE_POP3, (const char *[]){
	    "<+OK ready", ">CAPA", "<+OK", "<USER", "<.", ">QUIT",
	    "<+OK Logging out", NULL}), 6);

	/* no answer yet, a closed connection: the fallback names the step */
	assert_int_equal(feed(&d, PROBE_SMTP, (const char *[]){
	    "<220 mx", ">EHLO probe", NULL}), -1);
	probe_dialogue_error(&d, "connection reset", why, sizeof(why));
	assert_string_equal(why, "EHLO probe: connection reset");
	feed(&d, PROBE_SMTP, (const char *[]){NULL});
	probe_dialogue_error(&d, "x", why, sizeof(why));
	assert_string_equal(why, "connection closed before the greeting");
}

static void
urls(void **state)
{
	struct probe_desc d;
	char url[256], ct[256], err[256];

	(void)state;
	memset(&d, 0, sizeof(d));
	d.kind = PROBE_SUBMISSION;
	d.target = "127.0.0.1";
	assert_int_equal(probe_url(&d, url, sizeof(url), ct, sizeof(ct), err,
	    sizeof(err)), 0);
	assert_string_equal(url, "smtp://127.0.0.1:587/");
	assert_string_equal(ct, "");
	assert_true(probe_want_starttls(&d));
	d.starttls = PROBE_OPT_NO;
	assert_false(probe_want_starttls(&d));
	d.kind = PROBE_IMAPS;
	d.target = "[::1]";
	d.tls_name = "mail.example.net";
	assert_int_equal(probe_url(&d, url, sizeof(url), ct, sizeof(ct), err,
	    sizeof(err)), 0);
	assert_string_equal(url, "imaps://mail.example.net:993/");
	assert_string_equal(ct, "mail.example.net:993:[::1]:993");
	assert_false(probe_want_starttls(&d));
	d.kind = PROBE_HTTPS;
	d.tls_name = NULL;
	d.target = "webmail.example.net/login";
	assert_int_equal(probe_url(&d, url, sizeof(url), ct, sizeof(ct), err,
	    sizeof(err)), 0);
	assert_string_equal(url, "https://webmail.example.net/login");
	d.target = "https://webmail.example.net:8443/";
	assert_int_equal(probe_url(&d, url, sizeof(url), ct, sizeof(ct), err,
	    sizeof(err)), 0);
	assert_string_equal(url, "https://webmail.example.net:8443/");
	d.kind = PROBE_TLS;
	d.target = "127.0.0.1";
	assert_int_equal(probe_url(&d, url, sizeof(url), ct, sizeof(ct), err,
	    sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(smtp_lines),
		cmocka_unit_test(pop3_lines),
		cmocka_unit_test(imap_lines),
		cmocka_unit_test(dialogues),
		cmocka_unit_test(urls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
