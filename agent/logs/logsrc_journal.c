/*
 * logsrc_journal.c: kind "journal": the systemd journal through
 * libsystemd's sd-journal, the only place the mail log exists on a
 * Debian 12 box without rsyslog. The position is the journal's own
 * cursor of the last entry delivered.
 *
 * An entry becomes a line "IDENT[PID]: MESSAGE" (the text a syslog
 * daemon would have written after its time stamp and host), with ts
 * from the entry's realtime stamp, host from _HOSTNAME, prog from
 * SYSLOG_IDENTIFIER (else _COMM), pid from SYSLOG_PID (else _PID).
 *
 * The system journal, a directory of journal files, or named files all
 * go through the same calls: the tests read files written by
 * systemd-journal-remote exactly as the daemon reads /var/log/journal.
 *
 * Built without libsystemd, a journal source is a configuration error
 * that says so.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logs/logsrc_int.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-journal.h>

struct jsrc {
	sd_journal *j;
	char *cursor;		/* of the last entry delivered */
	bool positioned;	/* the read pointer is where it should be */
	bool skip_cursor;	/* the next entry may be the cursor's own */
	char *buf;		/* the line being built */
	size_t cap, len;
};

static void
j_put(struct jsrc *js, const void *p, size_t n)
{
	if (js->cap - js->len < n + 1) {
		js->cap = js->len + n + 256;
		js->buf = xrealloc(js->buf, js->cap);
	}
	memcpy(js->buf + js->len, p, n);
	js->len += n;
}

/* Value of FIELD in the current entry, copied to the line buffer at the
 * returned offset; -1 if absent. */
static ssize_t
j_field(struct jsrc *js, const char *field, size_t *n)
{
	const void *d;
	size_t len, fl = strlen(field);
	size_t at = js->len;

	if (sd_journal_get_data(js->j, field, &d, &len) < 0 ||
	    len <= fl || ((const char *)d)[fl] != '=')
		return -1;
	*n = len - fl - 1;
	j_put(js, (const char *)d + fl + 1, *n);
	return (ssize_t)at;
}

static long
j_pid(struct jsrc *js)
{
	size_t n, at = js->len;
	ssize_t o = j_field(js, "SYSLOG_PID", &n);
	long v = 0;
	size_t i;

	if (o < 0)
		o = j_field(js, "_PID", &n);
	js->len = at;
	if (o < 0 || n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		char c = js->buf[o + (ssize_t)i];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	return v;
}

/* The current entry as a line; false when the budget is spent. */
static bool
j_entry(struct logsrc *src, struct jsrc *js)
{
	struct log_line l;
	size_t hn = 0, pn = 0, mn = 0;
	ssize_t ho, po, mo;
	uint64_t usec;
	long pid;
	char num[24];
	int k;

	memset(&l, 0, sizeof(l));
	js->len = 0;
	ho = j_field(js, "_HOSTNAME", &hn);
	/* the text starts after the host */
	po = j_field(js, "SYSLOG_IDENTIFIER", &pn);
	if (po < 0)
		po = j_field(js, "_COMM", &pn);
	pid = j_pid(js);
	if (pid >= 0 && po >= 0) {
		k = snprintf(num, sizeof(num), "[%ld]", pid);
		j_put(js, num, (size_t)k);
	}
	if (po >= 0)
		j_put(js, ": ", 2);
	mo = j_field(js, "MESSAGE", &mn);
	if (mo < 0)
		return true;	/* not a log message */
	js->buf[js->len] = '\0';
	if (sd_journal_get_realtime_usec(js->j, &usec) >= 0)
		l.ts = (int64_t)(usec / 1000000);
	if (ho >= 0) {
		l.host.p = js->buf + ho;
		l.host.n = hn;
	} else
		l.host.p = "";
	l.text.p = js->buf + (ho >= 0 ? ho + (ssize_t)hn : 0);
	l.text.n = js->len - (size_t)(l.text.p - js->buf);
	if (po >= 0) {
		l.prog.p = js->buf + po;
		l.prog.n = pn;
	} else
		l.prog.p = "";
	l.pid = pid;
	l.msg.p = js->buf + mo;
	l.msg.n = mn;
	l.parser = LOGP_AUTO;
	return logsrc_emit(src, &l);
}

static int
j_open_journal(struct logsrc *src, struct jsrc *js)
{
	size_t i;
	int r;

	if (src->files)
		r = sd_journal_open_files(&js->j, (const char **)src->files, 0);
	else if (src->path)
		r = sd_journal_open_directory(&js->j, src->path, 0);
	else
		r = sd_journal_open(&js->j, SD_JOURNAL_LOCAL_ONLY);
	if (r < 0) {
		js->j = NULL;
		logsrc_seterr(src, "journal %s: %s",
		    src->files ? src->files[0] : src->path ? src->path :
		    "(system)", strerror(-r));
		return -1;
	}
	for (i = 0; src->units && src->units[i]; i++) {
		char *m = xasprintf("_SYSTEMD_UNIT=%s", src->units[i]);

		r = sd_journal_add_match(js->j, m, 0);
		free(m);
	}
	/* units OR identifiers */
	if (src->units && src->idents)
		(void)sd_journal_add_disjunction(js->j);
	for (i = 0; src->idents && src->idents[i]; i++) {
		char *m = xasprintf("SYSLOG_IDENTIFIER=%s", src->idents[i]);

		r = sd_journal_add_match(js->j, m, 0);
		free(m);
	}
	return 0;
}

/* Where to start: after the cursor, at the beginning (or since), or
 * after the last entry there is now. */
static void
j_position(struct logsrc *src, struct jsrc *js)
{
	if (js->cursor && sd_journal_seek_cursor(js->j, js->cursor) >= 0)
		js->skip_cursor = true;
	else if (src->once && src->since > 0)
		(void)sd_journal_seek_realtime_usec(js->j,
		    (uint64_t)((int64_t)time(NULL) - src->since) * 1000000);
	else if (src->once || src->from_start)
		(void)sd_journal_seek_head(js->j);
	else {
		(void)sd_journal_seek_tail(js->j);
		/* onto the last entry: what follows it is new, and its
		 * cursor is where a restart goes on from */
		if (sd_journal_previous(js->j) > 0) {
			free(js->cursor);
			if (sd_journal_get_cursor(js->j, &js->cursor) < 0)
				js->cursor = NULL;
		}
	}
	js->positioned = true;
}

static enum logsrc_rc
j_read(struct logsrc *src)
{
	struct jsrc *js = src->impl;
	int r;

	if (js->j == NULL) {
		if (j_open_journal(src, js) < 0)
			return LOGSRC_ERROR;
		js->positioned = false;
	}
	if (!js->positioned)
		j_position(src, js);
	else
		(void)sd_journal_process(js->j);
	for (;;) {
		r = sd_journal_next(js->j);
		if (r < 0) {
			logsrc_seterr(src, "journal: %s", strerror(-r));
			return LOGSRC_ERROR;
		}
		if (r == 0)
			return src->once ? LOGSRC_DONE : LOGSRC_IDLE;
		if (js->skip_cursor) {
			js->skip_cursor = false;
			if (sd_journal_test_cursor(js->j, js->cursor) > 0)
				continue;
		}
		if (!src->once) {
			free(js->cursor);
			js->cursor = NULL;
			if (sd_journal_get_cursor(js->j, &js->cursor) < 0)
				js->cursor = NULL;
		}
		if (!j_entry(src, js))
			return LOGSRC_MORE;
	}
}

static int
j_open(struct logsrc *src, const struct logstate *st, char **why)
{
	struct jsrc *js = xcalloc(1, sizeof(*js));

	(void)why;
	src->impl = js;
	if (st && st->cursor)
		js->cursor = xstrdup(st->cursor);
	if (j_open_journal(src, js) == 0)
		j_position(src, js);
	return 0;
}

static int
j_state(struct logsrc *src, struct logstate *st)
{
	struct jsrc *js = src->impl;

	if (js->cursor == NULL)
		return -1;
	st->cursor = xstrdup(js->cursor);
	return 0;
}

static void
j_close(struct logsrc *src)
{
	struct jsrc *js = src->impl;

	if (js == NULL)
		return;
	if (js->j)
		sd_journal_close(js->j);
	free(js->cursor);
	free(js->buf);
	free(js);
	src->impl = NULL;
}

#else /* !HAVE_LIBSYSTEMD */

static int
j_open(struct logsrc *src, const struct logstate *st, char **why)
{
	(void)st;
	*why = xasprintf("log %s: a journal source, but this program was "
	    "built without journal support (configure did not find "
	    "libsystemd)", src->name);
	return -1;
}

static enum logsrc_rc
j_read(struct logsrc *src)
{
	(void)src;
	return LOGSRC_ERROR;
}

static int
j_state(struct logsrc *src, struct logstate *st)
{
	(void)src;
	(void)st;
	return -1;
}

static void
j_close(struct logsrc *src)
{
	(void)src;
}

#endif /* HAVE_LIBSYSTEMD */

const struct logsrc_ops logsrc_journal_ops = {
	.name = "journal",
	.open = j_open,
	.read = j_read,
	.state = j_state,
	.close = j_close,
};
