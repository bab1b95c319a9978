/*
 * storm_file.c: the storm state on disk. A small text file, rewritten
 * (tmp, fsync, rename) under the spool's state lock, by every handler
 * that decided something and by the sender that sent a summary. It is
 * bounded: old entries expire, and beyond STORM_MAX_ENTRIES the entries
 * a phone does not show go first, then the least recently seen. A
 * damaged file is an empty state: a few extra SMS, never a lost alert.
 *
 *   mhsms-state 2
 *   E <to> <key> <raised> <held> <last raise> <last held> <last seen>
 *     <severity> <text of an undelivered raise>
 *   R <to> <held> <first held> <last summary> <held by family,...>
 *     <send time:severity,...>
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storm_int.h"

/* What to keep first when the state is full: the raises a phone shows
 * (their clear must go out), then the most recently seen. */
static int
storm_cmp_seen(const void *a, const void *b)
{
	const struct storm_entry *x = a, *y = b;

	if (x->raised_sent != y->raised_sent)
		return x->raised_sent ? -1 : 1;
	return (x->last_seen < y->last_seen) - (x->last_seen > y->last_seen);
}

/* Expire and bound before saving. */
static void
storm_trim(struct storm *s, time_t now)
{
	size_t i, k = 0;

	for (i = 0; i < s->ne; i++) {
		struct storm_entry *e = &s->e[i];
		time_t keep = e->raised_sent ? STORM_KEEP_RAISED :
		    STORM_KEEP_OTHER;

		if (now - e->last_seen > keep) {
			free(e->to);
			free(e->key);
			free(e->missed);
			continue;
		}
		s->e[k++] = *e;
	}
	s->ne = k;
	if (s->ne > STORM_MAX_ENTRIES) {
		qsort(s->e, s->ne, sizeof(*s->e), storm_cmp_seen);
		for (i = STORM_MAX_ENTRIES; i < s->ne; i++) {
			free(s->e[i].to);
			free(s->e[i].key);
			free(s->e[i].missed);
		}
		s->ne = STORM_MAX_ENTRIES;
	}
	free(s->idx);	/* entries moved: rebuilt when next needed */
	s->idx = NULL;
}

/* A text field of the state file: no tab or newline may end it early
 * (the texts are cleaned already; this is belt and braces). */
static void
storm_put_field(struct strbuf *b, const char *s)
{
	for (; s && *s; s++)
		strbuf_putc(b, *s == '\t' || *s == '\n' || *s == '\r' ? ' ' :
		    *s);
}

int
storm_save(const struct storm *cs, const char *path)
{
	struct storm *s = (struct storm *)cs;
	struct strbuf b;
	char *tmp = xasprintf("%s.tmp", path);
	size_t i, k;
	int fd = -1, rc = -1;

	storm_trim(s, time(NULL));
	strbuf_init(&b);
	strbuf_puts(&b, "mhsms-state 2\n");
	for (i = 0; i < s->ne; i++) {
		const struct storm_entry *e = &s->e[i];

		strbuf_printf(&b, "E\t%s\t%s\t%d\t%d\t%lld\t%lld\t%lld\t%d\t",
		    e->to, e->key, e->raised_sent, e->held,
		    (long long)e->last_raise, (long long)e->last_held,
		    (long long)e->last_seen, e->last_sev);
		storm_put_field(&b, e->missed);
		strbuf_putc(&b, '\n');
	}
	for (i = 0; i < s->nr; i++) {
		const struct storm_rcpt *r = &s->r[i];

		if (r->held_total == 0 && r->nsent == 0 && r->last_summary == 0)
			continue;
		strbuf_printf(&b, "R\t%s\t%u\t%lld\t%lld\t", r->to,
		    r->held_total, (long long)r->first_held,
		    (long long)r->last_summary);
		for (k = 0; k < MH_FAM_COUNT; k++)
			strbuf_printf(&b, "%s%u", k ? "," : "", r->held[k]);
		strbuf_putc(&b, '\t');
		for (k = 0; k < r->nsent; k++)
			strbuf_printf(&b, "%s%lld:%d", k ? "," : "",
			    (long long)r->sent[k].t, r->sent[k].sev);
		strbuf_putc(&b, '\n');
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_warn("storm", "cannot create %s", tmp);
		goto out;
	}
	if (write(fd, b.s, b.len) != (ssize_t)b.len || fsync(fd) != 0) {
		log_warn("storm", "cannot write %s", tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		log_warn("storm", "cannot rename %s", tmp);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	strbuf_free(&b);
	return rc;
}

static int
storm_split(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	while (n < max && (line = strchr(line, '\t')) != NULL) {
		*line++ = '\0';
		f[n++] = line;
	}
	return n;
}

/* A missing file is an empty state; a damaged one is logged and ignored
 * (losing storm memory costs a few extra SMS, never an alert). */
int
storm_load(struct storm *s, const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;

	storm_clear(s);
	if (fp == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((len = getline(&line, &cap, fp)) > 0) {
		char *f[10];
		int n;

		lineno++;
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (lineno == 1) {
			/* 1: before undelivered texts and per-severity sends */
			if (strcmp(line, "mhsms-state 1") != 0 &&
			    strcmp(line, "mhsms-state 2") != 0)
				goto bad;
			continue;
		}
		n = storm_split(line, f, 10);
		if (f[0][0] == 'E' && (n == 9 || n == 10)) {
			struct storm_entry *e = storm_entry(s, f[1], f[2], true);

			e->raised_sent = atoi(f[3]) != 0;
			e->held = atoi(f[4]) != 0;
			e->last_raise = strtoll(f[5], NULL, 10);
			e->last_held = strtoll(f[6], NULL, 10);
			e->last_seen = strtoll(f[7], NULL, 10);
			e->last_sev = atoi(f[8]);
			if (n == 10 && f[9][0])
				e->missed = xstrdup(f[9]);
		} else if (f[0][0] == 'R' && n == 7) {
			struct storm_rcpt *r = storm_rcpt(s, f[1]);
			char *p = f[5], *q;
			int k;

			r->held_total = (unsigned)strtoul(f[2], NULL, 10);
			r->first_held = strtoll(f[3], NULL, 10);
			r->last_summary = strtoll(f[4], NULL, 10);
			for (k = 0; k < MH_FAM_COUNT && *p; k++) {
				r->held[k] = (unsigned)strtoul(p, &q, 10);
				p = *q == ',' ? q + 1 : q;
			}
			for (p = f[6]; *p;) {
				long long t = strtoll(p, &q, 10);
				int sev = MH_SEV_UNKNOWN;

				if (q == p)
					break;
				if (*q == ':')
					sev = (int)strtol(q + 1, &q, 10);
				r->sent = xreallocarray(r->sent, r->nsent + 1,
				    sizeof(*r->sent));
				r->sent[r->nsent].t = (time_t)t;
				r->sent[r->nsent++].sev = sev;
				p = *q == ',' ? q + 1 : q;
			}
		} else
			goto bad;
	}
	free(line);
	fclose(fp);
	return 0;
bad:
	log_warnx("storm", "%s:%u: damaged state file, starting afresh", path,
	    lineno);
	free(line);
	fclose(fp);
	storm_clear(s);
	return 0;
}
