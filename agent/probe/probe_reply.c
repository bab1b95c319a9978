/*
 * probe_reply.c: what a line from an SMTP, POP3 or IMAP server means to
 * a check: a line inside a longer reply, the end of a positive reply, or
 * a refusal. libcurl runs the dialogue; this tells the check which line
 * to name in its error ("greeting 554 5.7.1 ...", "STARTTLS: 454 ...")
 * and when the server has said its last word, so the connection can be
 * shut before curl waits on it (probe_curl.c). A dialogue keeps what a
 * check reports: the greeting, the last command and reply, the first
 * refusal.
 *
 * Pure: no curl here; unit-tested by tests/unit/test_probe_reply.c,
 * fuzzed by tests/fuzz/fuzz_probe_text.c.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "probe/probe_int.h"

static bool
word_is(const char *s, const char *w)
{
	size_t n = strlen(w);

	return strncasecmp(s, w, n) == 0 && (s[n] == '\0' || s[n] == ' ');
}

/* "250-..." goes on, "250 ..." or "250" ends; 2xx and 3xx are yes. A
 * greeting must be 220: 554 is "go away", 421 "not now". */
static enum probe_reply
reply_smtp(bool greeting, const char *l)
{
	if (!isdigit((unsigned char)l[0]) || !isdigit((unsigned char)l[1]) ||
	    !isdigit((unsigned char)l[2]) ||
	    (l[3] != '\0' && l[3] != ' ' && l[3] != '-'))
		return PROBE_REPLY_FAIL;	/* not SMTP at all */
	if (l[3] == '-')
		return PROBE_REPLY_MORE;
	if (greeting)
		return strncmp(l, "220", 3) == 0 ? PROBE_REPLY_OK :
		    PROBE_REPLY_FAIL;
	return l[0] == '2' || l[0] == '3' ? PROBE_REPLY_OK : PROBE_REPLY_FAIL;
}

/* "+OK" and "-ERR" end a reply; other lines are a listing's (CAPA). */
static enum probe_reply
reply_pop3(bool greeting, const char *l)
{
	if (word_is(l, "+OK"))
		return PROBE_REPLY_OK;
	if (word_is(l, "-ERR") || greeting)
		return PROBE_REPLY_FAIL;
	return PROBE_REPLY_MORE;
}

/* The greeting is untagged: "* OK" or "* PREAUTH", else ("* BYE") a
 * refusal. Later, untagged and "+" lines are part of a reply; a tagged
 * line ends it: OK yes, NO or BAD no. */
static enum probe_reply
reply_imap(bool greeting, const char *l)
{
	const char *sp;

	if (greeting)
		return strncmp(l, "* ", 2) == 0 && (word_is(l + 2, "OK") ||
		    word_is(l + 2, "PREAUTH")) ? PROBE_REPLY_OK :
		    PROBE_REPLY_FAIL;
	if (l[0] == '*' || l[0] == '+')
		return PROBE_REPLY_MORE;
	if ((sp = strchr(l, ' ')) == NULL || sp == l)
		return PROBE_REPLY_FAIL;
	return word_is(sp + 1, "OK") ? PROBE_REPLY_OK : PROBE_REPLY_FAIL;
}

enum probe_reply
probe_reply_check(enum probe_kind kind, bool greeting, const char *line)
{
	switch (kind) {
	case PROBE_SMTP:
	case PROBE_SUBMISSION:
	case PROBE_SMTPS:
		return reply_smtp(greeting, line);
	case PROBE_POP3:
	case PROBE_POP3S:
		return reply_pop3(greeting, line);
	case PROBE_IMAP:
	case PROBE_IMAPS:
		return reply_imap(greeting, line);
	default:
		return PROBE_REPLY_MORE;
	}
}

/* ---- a dialogue, as a check sees it ---- */

bool
probe_dialogue_in(struct probe_dialogue *d, enum probe_kind kind,
    const char *line)
{
	bool greeting = !d->got_in;
	enum probe_reply v;

	if (d->over)
		return false;
	d->got_in = true;
	if (greeting)
		snprintf(d->greeting, sizeof(d->greeting), "%s", line);
	if (!probe_kind_is(kind, KIND_MAIL))
		return false;
	v = probe_reply_check(kind, greeting, line);
	if (v == PROBE_REPLY_MORE)
		return false;
	snprintf(d->reply, sizeof(d->reply), "%s", line);
	if (v == PROBE_REPLY_FAIL) {
		/* the first refusal is the one to report */
		snprintf(d->fail_cmd, sizeof(d->fail_cmd), "%s",
		    greeting ? "" : d->cmd);
		snprintf(d->fail_reply, sizeof(d->fail_reply), "%s", line);
		d->over = true;
	} else if (d->final_sent) {
		d->over = true;
	}
	return d->over;
}

void
probe_dialogue_out(struct probe_dialogue *d, enum probe_kind kind,
    const char *line)
{
	const char *c = line, *sp;

	if (d->over)
		return;
	/* an IMAP command starts with its tag: name the command */
	if (probe_kind_is(kind, KIND_TAGGED) && (sp = strchr(c, ' ')) != NULL)
		c = sp + 1;
	snprintf(d->cmd, sizeof(d->cmd), "%s", c);
	d->reply[0] = '\0';
	if (probe_kind_command(kind) != NULL &&
	    strcasecmp(c, probe_kind_command(kind)) == 0)
		d->final_sent = true;
}

void
probe_dialogue_error(const struct probe_dialogue *d, const char *fallback,
    char *buf, size_t len)
{
	if (d->fail_reply[0] != '\0' && d->fail_cmd[0] == '\0')
		snprintf(buf, len, "greeting %s", d->fail_reply);
	else if (d->fail_reply[0] != '\0')
		snprintf(buf, len, "%s: %s", d->fail_cmd, d->fail_reply);
	else if (!d->got_in)
		snprintf(buf, len, "connection closed before the greeting");
	else if (d->cmd[0] != '\0')
		snprintf(buf, len, "%s: %s", d->cmd, fallback);
	else
		snprintf(buf, len, "%s", fallback);
}
