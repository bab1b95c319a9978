/*
 * deliver.c: one pass of the sender over what is spooled: the spool and
 * the fallback spool (fallback.c), merged in arrival order (names start
 * with the spool's sequence number, spool.c), and the stand-alone storm
 * summaries that fell due. sender.c decides when to run a pass; this file
 * runs it.
 *
 * Messages to one recipient go out in arrival order: when the oldest one
 * for a recipient is waiting for its retry time (or is being sent by
 * another process), the newer ones for that recipient wait too, so a clear
 * never overtakes its raise.
 *
 * Times: a retry is scheduled from when the attempt ended, not from when
 * the pass began (a slow gateway made "next in 1 s" a minute late), and a
 * retry time further ahead than retry_max can only come from a clock
 * stepped back: it is due now.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sms.h"

/* A recipient is quiet for a summary when every path to it is quiet. */
static bool
deliver_quiet_for(void *ctx, const char *to)
{
	const struct sms_conf *c = ctx;
	int minute = route_minute_of_day(time(NULL));
	bool seen = false, quiet = true;
	size_t i, k;

	for (i = 0; i < c->nrecipients; i++)
		if (strcmp(c->recipients[i], to) == 0) {
			seen = true;
			quiet = quiet && route_quiet_now(&c->quiet, minute);
		}
	for (i = 0; i < c->nroutes; i++)
		for (k = 0; k < c->routes[i].nrecipients; k++)
			if (strcmp(c->routes[i].recipients[k], to) == 0) {
				const struct quiet *q = c->routes[i].quiet.set ?
				    &c->routes[i].quiet : &c->quiet;

				seen = true;
				quiet = quiet && route_quiet_now(q, minute);
			}
	return seen && quiet;
}

/* The storm state under state.lock (with its deadline); -1 if not now. */
static int
deliver_state_lock(const struct sms_conf *c)
{
	int lock = spool_lock(c->spool_dir, "state.lock", SMS_LOCK_TIMEOUT_MS);

	if (lock < 0)
		log_warn("sender", "cannot lock %s/state.lock", c->spool_dir);
	return lock;
}

/*
 * Stand-alone storm summaries that fell due. *next: when the next one is
 * due (0: none pending); one held back by quiet hours is looked at again
 * at the idle poll rather than at once.
 */
int
deliver_summaries(const struct sms_conf *c, time_t now, bool dry_run,
    time_t *next)
{
	struct storm_params p = storm_params_of(c);
	struct storm *s = storm_new();
	char *state = spool_path(c->spool_dir, "state", NULL);
	char **to = NULL, **text = NULL;
	size_t n = 0, i;
	int lock, rc = 0;

	*next = 0;
	if ((lock = deliver_state_lock(c)) < 0) {
		/* busy: try again soon; unusable (a read-only spool): no
		 * summary can be planned, do not keep a sender up for it */
		if (errno == EWOULDBLOCK)
			*next = now + 1;
		rc = -1;
		goto out;
	}
	storm_load(s, state);
	n = storm_due_summaries(s, &p, now, deliver_quiet_for, (void *)c, &to,
	    &text);
	for (i = 0; i < n; i++) {
		struct spool_msg m = { 0 };
		char *body = xasprintf("Held back: %s", text[i]);

		m.to = to[i];
		m.kind = (char *)"summary";
		m.key = (char *)"";
		m.text = msg_fit(body, "", c->max_segments, c->marker,
		    c->allow_ucs2);
		m.created = now;
		free(body);
		if (dry_run)
			printf("summary to=%s text=%s\n", m.to, m.text);
		else if (fallback_put(c, &m, true, "summary") < 0)
			rc = -1;
		free(m.text);
		free(m.name);
	}
	if (n > 0 && !dry_run)
		storm_save(s, state);
	*next = storm_next_due(s, &p);
	if (*next && *next <= now)
		*next = now + SENDER_IDLE_POLL;	/* due, but quiet hours */
	close(lock);
out:
	for (i = 0; i < n; i++) {
		free(to[i]);
		free(text[i]);
	}
	free(to);
	free(text);
	free(state);
	storm_free(s);
	return rc;
}

/* Is a stand-alone summary still owed to someone? */
bool
deliver_summary_pending(const struct sms_conf *c)
{
	struct storm_params p = storm_params_of(c);
	struct storm *s = storm_new();
	char *state = spool_path(c->spool_dir, "state", NULL);
	int lock = deliver_state_lock(c);
	/* when in doubt (busy), stay; a spool that cannot hold the lock
	 * (read-only) can owe no summary we could send */
	bool pending = lock >= 0 || errno == EWOULDBLOCK;

	if (lock >= 0) {
		storm_load(s, state);
		pending = storm_next_due(s, &p) != 0;
		close(lock);
	}
	storm_free(s);
	free(state);
	return pending;
}

/*
 * A raise that will never reach the phone (expired, refused): the storm
 * state keeps its text, and the clear that follows says what it clears
 * ("OK ...; missed: CRITICAL ...") instead of arriving alone.
 */
static void
deliver_note_undelivered(const struct sms_conf *c, const struct spool_msg *m)
{
	struct storm *s;
	char *state;
	int lock;

	if (strcmp(m->kind, "raise") != 0 || m->key[0] == '\0' ||
	    (lock = deliver_state_lock(c)) < 0)
		return;
	s = storm_new();
	state = spool_path(c->spool_dir, "state", NULL);
	storm_load(s, state);
	if (storm_note_undelivered(s, m->to, m->key, m->text))
		storm_save(s, state);
	close(lock);
	storm_free(s);
	free(state);
}

static void
deliver_fail(const struct sms_conf *c, const char *dir,
    struct spool_claim *cl, const char *why)
{
	deliver_note_undelivered(c, &cl->msg);
	spool_fail(dir, cl, why);
}

static bool
deliver_blocked(char ***blocked, size_t *nb, const char *to, bool add)
{
	size_t i;

	for (i = 0; i < *nb; i++)
		if (strcmp((*blocked)[i], to) == 0)
			return true;
	if (add) {
		*blocked = xreallocarray(*blocked, *nb + 1, sizeof(char *));
		(*blocked)[(*nb)++] = xstrdup(to);
	}
	return false;
}

static time_t
deliver_backoff(const struct sms_conf *c, unsigned attempts)
{
	time_t d = c->retry_min;

	while (attempts-- > 1 && d < c->retry_max)
		d *= 2;
	return d > c->retry_max ? c->retry_max : d;
}

static void
deliver_dry(const struct sms_conf *c, const struct spool_msg *m)
{
	struct gw_request r;
	char err[200];
	struct msg_len ml;

	msg_measure(m->text, &ml);
	printf("to=%s id=%s kind=%s attempts=%u coding=%s units=%zu\n", m->to,
	    m->name, m->kind, m->attempts,
	    ml.coding == MSG_GSM7 ? "GSM-7" : "UCS-2", ml.units);
	printf("  text: %s\n", m->text);
	if (gateway_build(&c->gw, m->to, m->text, m->name, &r, err,
	    sizeof(err)) != 0) {
		printf("  error: %s\n", err);
		return;
	}
	gateway_dump(stdout, &c->gw, &r);
	gateway_request_free(&r);
}

struct deliver_item {
	const char *dir;
	char *name;
};

static int
deliver_item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct deliver_item *)a)->name,
	    ((const struct deliver_item *)b)->name);
}

/* outgoing/ of the spool and of the fallback spool, in arrival order.
 * -1 when the spool itself cannot be listed. */
static int
deliver_list(const struct sms_conf *c, struct deliver_item **out, size_t *nout)
{
	const char *dirs[2] = { c->spool_dir, c->fallback_dir };
	struct deliver_item *v = NULL;
	size_t n = 0, k, i;

	*out = NULL;
	*nout = 0;
	for (k = 0; k < 2; k++) {
		char **names, *p;
		size_t cnt;

		if (dirs[k] == NULL)
			continue;
		if (k == 1) {	/* the fallback exists only once used */
			p = spool_path(dirs[k], "outgoing", NULL);
			i = access(p, F_OK) == 0;
			free(p);
			if (!i)
				continue;
		}
		if (spool_list(dirs[k], &names, &cnt) != 0) {
			if (k == 0) {
				free(v);
				return -1;
			}
			continue;
		}
		v = xreallocarray(v, n + cnt + 1, sizeof(*v));
		for (i = 0; i < cnt; i++) {
			v[n].dir = dirs[k];
			v[n++].name = names[i];
		}
		free(names);	/* the strings moved to v */
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), deliver_item_cmp);
	*out = v;
	*nout = n;
	return 0;
}

/* Is there nothing left to send in either spool? */
bool
deliver_spool_empty(const struct sms_conf *c)
{
	struct deliver_item *v;
	size_t n, i;

	if (deliver_list(c, &v, &n) != 0)
		return false;
	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	return n == 0;
}

/* Send one claimed message; the claim is released either way. */
static void
deliver_send(const struct sms_conf *c, const char *dir, struct spool_claim *cl,
    char ***blocked, size_t *nb, struct deliver_stats *st)
{
	struct gw_request r;
	char detail[256], err[200], *safe;
	enum gw_result res;
	time_t done;
	long http;

	if (gateway_build(&c->gw, cl->msg.to, cl->msg.text, cl->msg.name, &r,
	    err, sizeof(err)) != 0) {
		audit_event("failed", cl->msg.to, cl->msg.name, err,
		    cl->msg.text);
		st->failed++;
		deliver_fail(c, dir, cl, err);
		return;
	}
	res = gateway_send(&c->gw, &r, &http, detail, sizeof(detail));
	gateway_request_free(&r);
	done = time(NULL);	/* the attempt may have taken the timeout */
	safe = gateway_redact(&c->gw, detail);
	switch (res) {
	case GW_OK:
		audit_event("sent", cl->msg.to, cl->msg.name, safe,
		    cl->msg.text);
		log_debug("sender", "sent %s to %s", cl->msg.name, cl->msg.to);
		st->sent++;
		spool_done(cl);
		break;
	case GW_TEMP: {
		unsigned att = cl->msg.attempts + 1;
		time_t wait = deliver_backoff(c, att);
		char *d = xasprintf("%s; attempt %u, next in %lld s", safe,
		    att, (long long)wait);

		audit_event("retry", cl->msg.to, cl->msg.name, d,
		    cl->msg.text);
		log_warnx("sender", "SMS to %s not accepted: %s", cl->msg.to,
		    d);
		free(d);
		spool_retry(cl, att, done + wait);
		if (st->next_due == 0 || done + wait < st->next_due)
			st->next_due = done + wait;
		deliver_blocked(blocked, nb, cl->msg.to, true);
		st->retried++;
		st->left++;
		spool_release(cl);
		break;
	}
	case GW_PERM:
		audit_event("failed", cl->msg.to, cl->msg.name, safe,
		    cl->msg.text);
		log_warnx("sender", "SMS to %s refused for good: %s",
		    cl->msg.to, safe);
		st->failed++;
		deliver_fail(c, dir, cl, safe);
		break;
	}
	free(safe);
}

/*
 * One pass over both spools. force: ignore retry times (--flush, or the
 * gateway configuration just changed). -1 when the spool cannot be
 * listed (it was removed: the caller stops).
 */
int
deliver_pass(const struct sms_conf *c, bool force, bool dry_run,
    struct deliver_stats *st)
{
	struct deliver_item *v = NULL;
	char **blocked = NULL;
	size_t n = 0, nb = 0, i;

	memset(st, 0, sizeof(*st));
	if (deliver_list(c, &v, &n) != 0)
		return -1;
	for (i = 0; i < n && !sender_stopping(); i++) {
		const char *dir = v[i].dir;
		struct spool_claim cl;
		time_t now = time(NULL);
		char detail[256];
		int rc;

		rc = spool_claim(dir, v[i].name, &cl);
		if (rc == 2) {
			st->left++;	/* a read-only spool: not ours to send */
			continue;
		}
		if (rc == 1) {
			/* in flight elsewhere: its recipient's later
			 * messages must wait behind it */
			struct spool_msg m;
			char *p = spool_path(dir, "outgoing", v[i].name);

			if (spool_read_msg(p, &m) == 0) {
				deliver_blocked(&blocked, &nb, m.to, true);
				st->left++;
				st->busy++;
				spool_msg_free(&m);
			}
			free(p);
			continue;
		}
		if (rc < 0) {
			log_warnx("sender", "%s/outgoing/%s: unreadable spool "
			    "file, moved to failed/", dir, v[i].name);
			audit_event("failed", NULL, v[i].name, "unreadable "
			    "spool file", NULL);
			st->failed++;
			spool_fail(dir, &cl, "unreadable spool file");
			continue;
		}
		if (deliver_blocked(&blocked, &nb, cl.msg.to, false)) {
			st->left++;
			spool_release(&cl);
			continue;
		}
		if ((c->max_age && now - cl.msg.created > c->max_age) ||
		    (c->max_attempts && cl.msg.attempts >=
		    (unsigned)c->max_attempts)) {
			snprintf(detail, sizeof(detail), "gave up after %u "
			    "attempts in %lld s", cl.msg.attempts,
			    (long long)(now - cl.msg.created));
			audit_event("failed", cl.msg.to, cl.msg.name, detail,
			    cl.msg.text);
			log_warnx("sender", "SMS to %s expired: %s", cl.msg.to,
			    detail);
			st->failed++;
			if (!dry_run)
				deliver_fail(c, dir, &cl, detail);
			else
				spool_release(&cl);
			continue;
		}
		/* a retry time beyond retry_max: the clock went back */
		if (!force && cl.msg.next_try > now &&
		    cl.msg.next_try - now <= c->retry_max) {
			if (st->next_due == 0 || cl.msg.next_try < st->next_due)
				st->next_due = cl.msg.next_try;
			deliver_blocked(&blocked, &nb, cl.msg.to, true);
			st->left++;
			spool_release(&cl);
			continue;
		}
		if (dry_run) {
			deliver_dry(c, &cl.msg);
			st->left++;
			spool_release(&cl);
			continue;
		}
		deliver_send(c, dir, &cl, &blocked, &nb, st);
	}
	st->left += (unsigned)(n - i);	/* stopped early by a signal */
	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	spool_names_free(blocked, nb);
	return 0;
}
