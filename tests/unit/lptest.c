/*
 * lptest.c: shared helpers of the log parser tests (lptest.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util.h"
#include "lptest.h"

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static int64_t
utc(int y, int mon, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

/* "Mmm dd HH:MM:SS " (day space- or zero-padded); returns the rest. */
static const char *
bsd_stamp(const char *t, int64_t *ts)
{
	int mon, d, h, mi, s, n = 0;

	for (mon = 0; mon < 12; mon++)
		if (strncmp(t, months[mon], 3) == 0)
			break;
	assert_true(mon < 12);
	assert_int_equal(sscanf(t + 3, " %d %d:%d:%d %n", &d, &h, &mi, &s, &n),
	    4);
	*ts = utc(2026, mon, d, h, mi, s);
	return t + 3 + n;
}

static struct log_str
mk(const char *p, size_t n)
{
	struct log_str s = { p, n };

	return s;
}

/* "prog[pid]: msg" or "prog: msg" at t. */
static void
prog_msg(const char *t, struct log_line *l)
{
	const char *colon = strstr(t, ": "), *br;

	assert_non_null(colon);
	br = memchr(t, '[', (size_t)(colon - t));
	l->pid = -1;
	if (br != NULL && colon[-1] == ']') {
		l->prog = mk(t, (size_t)(br - t));
		l->pid = strtol(br + 1, NULL, 10);
	} else {
		l->prog = mk(t, (size_t)(colon - t));
	}
	l->msg = mk(colon + 2, strlen(colon + 2));
}

struct log_str
lpt_str(const char *s)
{
	return mk(s, strlen(s));
}

void
lpt_split(const char *text, enum lpt_fmt fmt, struct log_line *l)
{
	const char *t = text, *sp;
	int y, mon, d, h, mi, s, n = 0;

	memset(l, 0, sizeof(*l));
	l->text = mk(text, strlen(text));
	l->pid = -1;
	switch (fmt) {
	case LPT_SYSLOG:
		t = bsd_stamp(t, &l->ts);
		sp = strchr(t, ' ');
		assert_non_null(sp);
		l->host = mk(t, (size_t)(sp - t));
		prog_msg(sp + 1, l);
		break;
	case LPT_NOHOST:
		t = bsd_stamp(t, &l->ts);
		prog_msg(t, l);
		break;
	case LPT_EXIM:
		assert_int_equal(sscanf(t, "%d-%d-%d %d:%d:%d %n", &y, &mon, &d,
		    &h, &mi, &s, &n), 6);
		l->ts = utc(y, mon - 1, d, h, mi, s);
		l->msg = mk(t + n, strlen(t + n));
		l->parser = LOGP_EXIM;
		break;
	case LPT_BARE:
		/* multilog's "@" + TAI64N: 2^62 + 10 + unix seconds */
		if (t[0] == '@' && strlen(t) > 26 && t[25] == ' ') {
			char sec[17];

			memcpy(sec, t + 1, 16);
			sec[16] = '\0';
			l->ts = (int64_t)(strtoull(sec, NULL, 16) -
			    (1ULL << 62) - 10);
			t += 26;
		}
		l->msg = mk(t, strlen(t));
		l->parser = LOGP_QMAIL;
		break;
	}
}

void
lpt_evs_free(struct lpt_evs *e)
{
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static void
cp(char *dst, size_t len, struct log_str *s)
{
	size_t n = s->n < len - 1 ? s->n : len - 1;

	if (n > 0)
		memcpy(dst, s->p, n);
	dst[n] = '\0';
	s->p = dst;
	s->n = n;
}

void
lpt_collect(void *arg, const struct log_event *ev)
{
	struct lpt_evs *e = arg;
	struct lpt_ev *x;

	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 64;
		e->v = xreallocarray(e->v, e->cap, sizeof(*e->v));
	}
	x = &e->v[e->n++];
	x->ev = *ev;
	cp(x->qid, sizeof(x->qid), &x->ev.qid);
	cp(x->user, sizeof(x->user), &x->ev.user);
	cp(x->client, sizeof(x->client), &x->ev.client);
	cp(x->domain, sizeof(x->domain), &x->ev.domain);
	cp(x->relay, sizeof(x->relay), &x->ev.relay);
	cp(x->dsn, sizeof(x->dsn), &x->ev.dsn);
	cp(x->reason, sizeof(x->reason), &x->ev.reason);
}

size_t
lpt_line(struct logparse *lp, const char *text, enum lpt_fmt fmt,
    struct lpt_evs *evs)
{
	struct log_line l;

	lpt_split(text, fmt, &l);
	return logparse_line(lp, &l, 1, lpt_collect, evs);
}

char *
lpt_fmt(const struct lpt_ev *x, char *buf, size_t len)
{
	const struct log_event *e = &x->ev;
	struct strbuf b;

	strbuf_init(&b);
	strbuf_printf(&b, "%s %s %u", logparse_kind_name(e->kind),
	    e->proto ? logparse_proto_name(e->proto) : "-", e->count);
	if (e->qid.n)
		strbuf_printf(&b, " qid=%s", x->qid);
	if (e->user.n)
		strbuf_printf(&b, " user=%s", x->user);
	if (e->client.n)
		strbuf_printf(&b, " client=%s", x->client);
	if (e->domain.n)
		strbuf_printf(&b, " domain=%s", x->domain);
	if (e->relay.n)
		strbuf_printf(&b, " relay=%s", x->relay);
	if (e->dsn.n)
		strbuf_printf(&b, " dsn=%s", x->dsn);
	if (e->reason.n)
		strbuf_printf(&b, " reason=%s", x->reason);
	snprintf(buf, len, "%s", b.s ? b.s : "");
	strbuf_free(&b);
	return buf;
}

static char *
data_path(const char *file)
{
	const char *top = getenv("top_srcdir");

	return xasprintf("%s/tests/data/logs/%s", top ? top : "../..", file);
}

void
lpt_file(struct logparse *lp, const char *file, enum lpt_fmt fmt,
    struct lpt_evs *evs)
{
	char *path = data_path(file), line[8192];
	FILE *in = fopen(path, "r");

	if (in == NULL)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), in) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		lpt_line(lp, line, fmt, evs);
	}
	fclose(in);
	free(path);
}

void
lpt_count(const struct lpt_evs *evs, uint64_t *n)
{
	size_t i;

	for (i = 0; i < evs->n; i++)
		n[evs->v[i].ev.kind] += evs->v[i].ev.count;
}

void
lpt_golden(struct logparse *lp, const char *file, enum lpt_fmt fmt)
{
	char *path = data_path(file), *gpath = xasprintf("%s.events", path);
	bool write = getenv("LPTEST_WRITE") != NULL;
	FILE *in = fopen(path, "r"), *g;
	char line[8192], want[8192], got[2048];
	struct lpt_evs evs = { 0 };
	size_t i, lineno = 0;

	if (in == NULL)
		fail_msg("cannot open %s", path);
	g = fopen(gpath, write ? "w" : "r");
	if (g == NULL)
		fail_msg("cannot open %s", gpath);
	while (fgets(line, sizeof(line), in) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		lineno++;
		evs.n = 0;
		lpt_line(lp, line, fmt, &evs);
		for (i = 0; i < evs.n; i++) {
			lpt_fmt(&evs.v[i], got, sizeof(got));
			if (write) {
				fprintf(g, "%zu %s\n", lineno, got);
				continue;
			}
			snprintf(line, sizeof(line), "%zu %s", lineno, got);
			if (fgets(want, sizeof(want), g) == NULL)
				fail_msg("%s: extra event: %s", gpath, line);
			want[strcspn(want, "\n")] = '\0';
			if (strcmp(want, line) != 0)
				fail_msg("%s:\n  want %s\n  got  %s", gpath, want,
				    line);
		}
	}
	if (!write && fgets(want, sizeof(want), g) != NULL)
		fail_msg("%s: missing event: %s", gpath, want);
	fclose(in);
	fclose(g);
	lpt_evs_free(&evs);
	free(path);
	free(gpath);
}

bool
lpt_uid_name(void *arg, unsigned long uid, char *buf, size_t len)
{
	static const struct {
		unsigned long uid;
		const char *name;
	} t[] = { { 0, "root" }, { 1000, "alice" }, { 1001, "lpjunk" },
		  { 1011, "qmaild" }, { 1012, "qmails" } };
	size_t i;

	(void)arg;
	for (i = 0; i < MH_ARRAY_SIZE(t); i++)
		if (t[i].uid == uid) {
			snprintf(buf, len, "%s", t[i].name);
			return true;
		}
	return false;
}

struct logparse *
lpt_parser(void)
{
	struct logparse_conf c;

	memset(&c, 0, sizeof(c));
	c.uid_name = lpt_uid_name;
	return logparse_new(&c);
}
