/*
 * storm.c: keeping phones usable during an alert storm.
 *
 * Per (recipient, alarm key) we remember whether the phone has the alarm
 * as raised. Per recipient we keep the send times inside the rate window
 * and what was held back, by notification type.
 *
 *   raise, phone already has it raised, within dedupe_window,
 *     and not more severe than last time          -> DUP (not resent)
 *   clear, phone has it raised                    -> SEND, always: bypasses
 *                                                    quiet hours and rate
 *   clear, phone never got the raise              -> UNSENT_CLEAR (dropped)
 *   quiet hours and not critical                  -> QUIET (held)
 *   rate_limit sends of this severity in the last
 *     rate_window                                 -> RATE (held)
 *   otherwise                                     -> SEND, carrying the
 *                                                    summary of what was held
 *
 * Held alerts are summarised ("+37 more: 20 queue, 17 auth") in the next
 * alert that goes to that recipient or, if none comes, in one stand-alone
 * summary summary_delay after the first held alert, at most one per
 * rate_window. So a recipient gets at most rate_limit alerts plus one
 * summary per window (plus clears of alarms it was paged for).
 *
 * The rate limit counts each severity apart: a storm of warnings (or of
 * forged junk) can use up the warnings' budget, never the criticals'.
 *
 * Times come from the handler's clock, which can be stepped. A send time,
 * raise time or held time in the future (the clock went back) counts as
 * long past: it neither holds a new alert back nor dedupes it away. A
 * duplicate page is cheaper than a missed one.
 *
 * A raise the sender could not deliver (expired, refused) is noted with
 * its text; the clear that follows carries it ("OK ...; missed: ...") so
 * the phone learns what was cleared.
 *
 * The state is a small text file, rewritten (tmp, fsync, rename) under the
 * spool's state lock (storm_file.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storm_int.h"

struct storm *
storm_new(void)
{
	return xcalloc(1, sizeof(struct storm));
}

void
storm_clear(struct storm *s)
{
	size_t i;

	for (i = 0; i < s->ne; i++) {
		free(s->e[i].to);
		free(s->e[i].key);
		free(s->e[i].missed);
	}
	for (i = 0; i < s->nr; i++) {
		free(s->r[i].to);
		free(s->r[i].sent);
	}
	free(s->e);
	free(s->r);
	free(s->idx);
	memset(s, 0, sizeof(*s));
}

void
storm_free(struct storm *s)
{
	if (s == NULL)
		return;
	storm_clear(s);
	free(s);
}

const char *
storm_verdict_name(enum storm_verdict v)
{
	switch (v) {
	case STORM_SEND: return "send";
	case STORM_DUP: return "duplicate";
	case STORM_RATE: return "rate-limit";
	case STORM_QUIET: return "quiet-hours";
	case STORM_UNSENT_CLEAR: return "clear-of-unsent-raise";
	}
	return "?";
}

/* FNV-1a over "to\0key" */
static size_t
storm_hash(const char *to, const char *key)
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)to; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h *= 1099511628211ULL;
	for (p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 32));
}

static void
storm_index_put(struct storm *s, size_t i)
{
	size_t m = s->nidx - 1, h = storm_hash(s->e[i].to, s->e[i].key) & m;

	while (s->idx[h] != 0)
		h = (h + 1) & m;
	s->idx[h] = i + 1;
}

static void
storm_index_build(struct storm *s)
{
	size_t i;

	free(s->idx);
	for (s->nidx = 64; s->nidx < 2 * (s->ne + 1); s->nidx *= 2)
		;
	s->idx = xcalloc(s->nidx, sizeof(*s->idx));
	for (i = 0; i < s->ne; i++)
		storm_index_put(s, i);
}

struct storm_entry *
storm_entry(struct storm *s, const char *to, const char *key, bool create)
{
	size_t m, h, i;

	if (s->idx == NULL)
		storm_index_build(s);
	m = s->nidx - 1;
	for (h = storm_hash(to, key) & m; s->idx[h] != 0; h = (h + 1) & m) {
		i = s->idx[h] - 1;
		if (strcmp(s->e[i].key, key) == 0 &&
		    strcmp(s->e[i].to, to) == 0)
			return &s->e[i];
	}
	if (!create)
		return NULL;
	if (s->ne == s->ecap) {
		s->ecap = s->ecap ? 2 * s->ecap : 64;
		s->e = xreallocarray(s->e, s->ecap, sizeof(*s->e));
	}
	i = s->ne++;
	memset(&s->e[i], 0, sizeof(*s->e));
	s->e[i].to = xstrdup(to);
	s->e[i].key = xstrdup(key);
	if (2 * s->ne > s->nidx)
		storm_index_build(s);
	else
		s->idx[h] = i + 1;
	return &s->e[i];
}

struct storm_rcpt *
storm_rcpt(struct storm *s, const char *to)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (strcmp(s->r[i].to, to) == 0)
			return &s->r[i];
	s->r = xreallocarray(s->r, s->nr + 1, sizeof(*s->r));
	memset(&s->r[s->nr], 0, sizeof(*s->r));
	s->r[s->nr].to = xstrdup(to);
	return &s->r[s->nr++];
}

/* Is t within `window` before now? A t in the future (the clock was
 * stepped back since) is not: it is ignored rather than trusted. */
static bool
storm_within(time_t now, time_t t, long window)
{
	return t <= now && now - t < window;
}

static void
storm_prune_sent(struct storm_rcpt *r, const struct storm_params *p,
    time_t now)
{
	size_t i, k = 0;

	for (i = 0; i < r->nsent; i++)
		if (storm_within(now, r->sent[i].t, p->rate_window))
			r->sent[k++] = r->sent[i];
	r->nsent = k;
	if (r->first_held > now)
		r->first_held = now;
	if (r->last_summary > now)
		r->last_summary = 0;
}

static size_t
storm_sent_of(const struct storm_rcpt *r, int sev)
{
	size_t i, n = 0;

	for (i = 0; i < r->nsent; i++)
		if (r->sent[i].sev == sev)
			n++;
	return n;
}

static void
storm_hold(struct storm_rcpt *r, enum mh_family fam, time_t now)
{
	r->held_total++;
	r->held[(unsigned)fam < MH_FAM_COUNT ? fam : MH_FAM_OTHER]++;
	if (r->first_held == 0)
		r->first_held = now;
}

static char *
storm_take_summary(struct storm_rcpt *r)
{
	char *s;

	if (r->held_total == 0)
		return NULL;
	s = msg_summary(r->held_total, r->held);
	r->held_total = 0;
	memset(r->held, 0, sizeof(r->held));
	r->first_held = 0;
	return s;
}

enum storm_verdict
storm_decide(struct storm *s, const struct storm_params *p, const char *to,
    const char *key, bool cleared, enum mh_family fam, enum mh_severity sev,
    bool quiet, time_t now, char **summary)
{
	struct storm_entry *e = storm_entry(s, to, key, false);
	struct storm_rcpt *r = storm_rcpt(s, to);

	*summary = NULL;
	storm_prune_sent(r, p, now);
	if (e)
		e->last_seen = now;

	if (cleared && e) {
		if (!e->raised_sent) {
			e->held = false;
			return STORM_UNSENT_CLEAR;
		}
		/* the phone shows it raised: the clear must reach it */
		e->raised_sent = false;
		goto send;
	}
	if (!cleared && e) {
		bool escalated = sev != MH_SEV_UNKNOWN &&
		    (e->last_sev == MH_SEV_UNKNOWN || (int)sev < e->last_sev);

		if (e->raised_sent && storm_within(now, e->last_raise,
		    p->dedupe_window) && !escalated)
			return STORM_DUP;
		if (e->held && storm_within(now, e->last_held,
		    p->dedupe_window) && !escalated)
			return STORM_DUP;	/* counted once in the summary */
	}
	if (quiet && sev != MH_SEV_CRITICAL) {
		storm_hold(r, fam, now);
		goto held;
	}
	if (p->rate_limit > 0 &&
	    storm_sent_of(r, sev) >= (size_t)p->rate_limit) {
		storm_hold(r, fam, now);
		if (!cleared) {
			e = storm_entry(s, to, key, true);
			e->raised_sent = false;
			e->held = true;
			e->last_held = e->last_seen = now;
			e->last_sev = sev;
		}
		return STORM_RATE;
	}
	e = storm_entry(s, to, key, true);
	e->last_seen = now;
	if (!cleared) {
		e->raised_sent = true;
		e->held = false;
		e->last_raise = now;
		e->last_sev = sev;
		free(e->missed);
		e->missed = NULL;
	}
send:
	r->sent = xreallocarray(r->sent, r->nsent + 1, sizeof(*r->sent));
	r->sent[r->nsent].t = now;
	r->sent[r->nsent++].sev = sev;
	*summary = storm_take_summary(r);
	return STORM_SEND;
held:
	if (!cleared) {
		e = storm_entry(s, to, key, true);
		e->raised_sent = false;
		e->held = true;
		e->last_held = e->last_seen = now;
		e->last_sev = sev;
	}
	return STORM_QUIET;
}

static time_t
storm_summary_due(const struct storm_rcpt *r, const struct storm_params *p)
{
	time_t due = r->first_held + p->summary_delay;

	if (r->last_summary && r->last_summary + p->rate_window > due)
		due = r->last_summary + p->rate_window;
	return due;
}

size_t
storm_due_summaries(struct storm *s, const struct storm_params *p, time_t now,
    bool (*quiet_for)(void *, const char *), void *ctx, char ***to,
    char ***text)
{
	size_t i, n = 0;

	*to = NULL;
	*text = NULL;
	for (i = 0; i < s->nr; i++) {
		struct storm_rcpt *r = &s->r[i];

		storm_prune_sent(r, p, now);	/* also undoes future times */
		if (r->held_total == 0 || storm_summary_due(r, p) > now)
			continue;
		if (quiet_for && quiet_for(ctx, r->to))
			continue;
		*to = xreallocarray(*to, n + 1, sizeof(char *));
		*text = xreallocarray(*text, n + 1, sizeof(char *));
		(*to)[n] = xstrdup(r->to);
		(*text)[n] = storm_take_summary(r);
		r->last_summary = now;
		n++;
	}
	return n;
}

/* When the next stand-alone summary falls due; 0 when none is pending. */
/* The storm knobs of a configuration (handler and sender alike). */
struct storm_params
storm_params_of(const struct sms_conf *c)
{
	struct storm_params p = {
		.dedupe_window = c->dedupe_window,
		.rate_limit = c->rate_limit,
		.rate_window = c->rate_window,
		.summary_delay = c->summary_delay,
	};
	return p;
}

time_t
storm_next_due(const struct storm *s, const struct storm_params *p)
{
	time_t best = 0;
	size_t i;

	for (i = 0; i < s->nr; i++) {
		time_t due;

		if (s->r[i].held_total == 0)
			continue;
		due = storm_summary_due(&s->r[i], p);
		if (best == 0 || due < best)
			best = due;
	}
	return best;
}

/*
 * The sender could not deliver a raise (expired, refused for good): keep
 * its text, so the clear that follows says what it clears. Only for a
 * raise the state says was sent. True when the state changed.
 */
bool
storm_note_undelivered(struct storm *s, const char *to, const char *key,
    const char *text)
{
	struct storm_entry *e = storm_entry(s, to, key, false);

	if (e == NULL || !e->raised_sent)
		return false;
	free(e->missed);
	e->missed = xstrdup(text);
	return true;
}

/* The undelivered raise's text, once (the caller frees it), or NULL. */
char *
storm_take_undelivered(struct storm *s, const char *to, const char *key)
{
	struct storm_entry *e = storm_entry(s, to, key, false);
	char *t;

	if (e == NULL || e->missed == NULL)
		return NULL;
	t = e->missed;
	e->missed = NULL;
	return t;
}
