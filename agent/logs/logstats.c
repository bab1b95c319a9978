/*
 * logstats.c: events in, counters out (logstats.h).
 *
 * Two clocks, one per window (rate_window for traffic, senders and
 * deferring domains; auth_window for logins), each a ring of LS_BUCKETS
 * buckets of window/LS_BUCKETS seconds, moved on by the events' own time
 * stamps. Four bounded tables (wtop.c): senders, auth users, auth
 * clients, deferring domains. Nothing here grows with the number of
 * distinct keys in the log.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "logs/ls_int.h"

#define KEY_MAX 255
#define REASON_MAX 200
/* extra counters on the auth clock: failures, then nopass, per proto */
#define AC_FAIL LS_KINDS
#define AC_NOPASS (LS_KINDS + LPROTO_COUNT)
#define NCOUNT (LS_KINDS + 2 * LPROTO_COUNT)

struct lsclock {
	unsigned width;		/* seconds per bucket */
	int64_t cur;		/* INT64_MIN before any event */
	uint64_t ring[LS_BUCKETS][NCOUNT];
};

struct logstats {
	struct logstats_conf conf;
	struct lsclock rate, auth;
	int64_t now;		/* newest event time */
	uint64_t total[LS_KINDS];
	struct ls_proto proto[LPROTO_COUNT];
	struct wtop *senders, *auth_users, *auth_clients, *defers;
};

static void
clock_init(struct lsclock *c, unsigned window)
{
	memset(c, 0, sizeof(*c));
	c->width = window / LS_BUCKETS;
	if (c->width == 0)
		c->width = 1;
	c->cur = INT64_MIN;
}

static int64_t
clock_bucket(const struct lsclock *c, int64_t ts)
{
	int64_t b = ts / (int64_t)c->width;

	if (ts < 0 && ts % (int64_t)c->width != 0)
		b--;
	return b;
}

static unsigned
ring_slot(int64_t b)
{
	return (unsigned)(((b % LS_BUCKETS) + LS_BUCKETS) % LS_BUCKETS);
}

static void
clock_advance(struct lsclock *c, int64_t b)
{
	int64_t x;

	if (c->cur != INT64_MIN && b <= c->cur)
		return;
	if (c->cur == INT64_MIN || b - c->cur >= LS_BUCKETS)
		memset(c->ring, 0, sizeof(c->ring));
	else
		for (x = c->cur + 1; x <= b; x++)
			memset(c->ring[ring_slot(x)], 0, sizeof(c->ring[0]));
	c->cur = b;
}

static uint64_t
clock_sum(const struct lsclock *c, size_t i)
{
	uint64_t s = 0;
	size_t j;

	for (j = 0; j < LS_BUCKETS; j++)
		s += c->ring[j][i];
	return s;
}

static void
tables_new(struct logstats *ls)
{
	size_t k = ls->conf.counters;

	ls->senders = wtop_new(k, 0);
	ls->auth_users = wtop_new(k, 0);
	ls->auth_clients = wtop_new(k, 0);
	ls->defers = wtop_new(k, 2);
}

struct logstats *
logstats_new(const struct logstats_conf *c)
{
	struct logstats *ls = xcalloc(1, sizeof(*ls));

	ls->conf.rate_window = 300;
	ls->conf.auth_window = 300;
	ls->conf.counters = 4096;
	ls->conf.first = 8;
	if (c != NULL) {
		if (c->rate_window)
			ls->conf.rate_window = c->rate_window;
		if (c->auth_window)
			ls->conf.auth_window = c->auth_window;
		if (c->counters)
			ls->conf.counters = c->counters;
		if (c->first)
			ls->conf.first = c->first;
	}
	if (ls->conf.first > LS_FIRST_MAX)
		ls->conf.first = LS_FIRST_MAX;
	clock_init(&ls->rate, ls->conf.rate_window);
	clock_init(&ls->auth, ls->conf.auth_window);
	tables_new(ls);
	return ls;
}

void
logstats_reset(struct logstats *ls)
{
	wtop_reset(ls->senders);
	wtop_reset(ls->auth_users);
	wtop_reset(ls->auth_clients);
	wtop_reset(ls->defers);
	clock_init(&ls->rate, ls->conf.rate_window);
	clock_init(&ls->auth, ls->conf.auth_window);
	ls->now = 0;
	memset(ls->total, 0, sizeof(ls->total));
	memset(ls->proto, 0, sizeof(ls->proto));
}

void
logstats_free(struct logstats *ls)
{
	if (ls == NULL)
		return;
	wtop_free(ls->senders);
	wtop_free(ls->auth_users);
	wtop_free(ls->auth_clients);
	wtop_free(ls->defers);
	free(ls);
}

/* A table key from outside text: at most KEY_MAX bytes, control bytes
 * (NUL included) as '?', domains in lower case. */
static size_t
mkkey(char *buf, struct log_str s, bool lower)
{
	size_t i, n = s.n < KEY_MAX ? s.n : KEY_MAX;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c < 0x20 || c == 0x7f)
			c = '?';
		else if (lower && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		buf[i] = (char)c;
	}
	buf[n] = '\0';
	return n;
}

static uint32_t
h32(const char *s, size_t n)
{
	return (uint32_t)(wtop_hash(s, n) >> 32);
}

static bool
is_auth(enum log_ev_kind k)
{
	return k == LEV_AUTH_FAIL || k == LEV_AUTH_NOPASS || k == LEV_AUTH_OK;
}

/* Move a clock, and the tables that count on it, on to bucket b. */
static void
tick(struct logstats *ls, struct lsclock *c, int64_t b)
{
	if (c->cur != INT64_MIN && b <= c->cur)
		return;
	clock_advance(c, b);
	if (c == &ls->rate) {
		wtop_advance(ls->senders, b);
		wtop_advance(ls->defers, b);
	} else {
		wtop_advance(ls->auth_users, b);
		wtop_advance(ls->auth_clients, b);
	}
}

static void
add_sender(struct logstats *ls, const struct log_event *ev, int64_t b)
{
	char key[KEY_MAX + 1], val[KEY_MAX + 1];
	size_t kn = mkkey(key, ev->user, false), vn;
	struct wtop_ent *e;

	e = wtop_add(ls->senders, key, kn, b, ev->count, ev->ts);
	if (e == NULL)
		return;
	vn = mkkey(val, ev->client, false);
	if (vn > 0) {
		lsdist_add(&e->dist[0], h32(val, vn), b);
		wtop_add_first(e, val, vn, ls->conf.first);
	}
	if (ev->ts >= e->last_ts)
		wtop_set_last(e, val, vn, KEY_MAX, ev->ts);
}

/* A delivery outcome: the recipient domain counts for its submitter
 * (distinct domains), and a deferral or bounce for the domain. */
static void
add_delivery(struct logstats *ls, const struct log_event *ev, int64_t b)
{
	char key[KEY_MAX + 1], dom[KEY_MAX + 1], why[REASON_MAX + 1];
	size_t dn = mkkey(dom, ev->domain, true), kn, wn = 0;
	struct wtop_ent *e;

	if (dn == 0)
		return;
	if (ev->user.n > 0) {
		kn = mkkey(key, ev->user, false);
		e = wtop_find(ls->senders, key, kn);
		if (e != NULL && ls_in_window(b, wtop_cur(ls->senders)))
			lsdist_add(&e->dist[1], h32(dom, dn), b);
	}
	if (ev->kind == LEV_DELIVERED)
		return;
	e = wtop_add(ls->defers, dom, dn, b, ev->count, ev->ts);
	if (e == NULL)
		return;
	wtop_aux_add(ls->defers, e, ev->kind == LEV_DEFERRED ? 0 : 1, b,
	    ev->count);
	if (ev->ts < e->last_ts)
		return;
	/* "4.7.28 421 4.7.28 rate limited": the DSN first, then the reply
	 * (which may not repeat it) */
	if (ev->dsn.n > 0) {
		wn = mkkey(why, ev->dsn, false);
		if (wn < REASON_MAX && ev->reason.n > 0)
			why[wn++] = ' ';
	}
	if (ev->reason.n > 0 && wn < REASON_MAX) {
		struct log_str r = ev->reason;

		if (r.n > REASON_MAX - wn)
			r.n = REASON_MAX - wn;
		wn += mkkey(why + wn, r, false);
	}
	wtop_set_last(e, why, wn, REASON_MAX, ev->ts);
}

static void
add_auth_fail(struct logstats *ls, const struct log_event *ev, int64_t b)
{
	char user[KEY_MAX + 1], client[KEY_MAX + 1];
	size_t un = mkkey(user, ev->user, false);
	size_t cn = mkkey(client, ev->client, false);
	struct wtop_ent *e;

	if (un > 0 && (e = wtop_add(ls->auth_users, user, un, b, ev->count,
	    ev->ts)) != NULL && cn > 0) {
		lsdist_add(&e->dist[0], h32(client, cn), b);
		if (ev->ts >= e->last_ts)
			wtop_set_last(e, client, cn, KEY_MAX, ev->ts);
	}
	if (cn > 0 && (e = wtop_add(ls->auth_clients, client, cn, b, ev->count,
	    ev->ts)) != NULL) {
		if (un > 0) {
			lsdist_add(&e->dist[0], h32(user, un), b);
			wtop_add_first(e, user, un, ls->conf.first);
		}
		if (ev->ts > e->last_ts)
			e->last_ts = ev->ts;
	}
}

void
logstats_add(struct logstats *ls, const struct log_event *ev)
{
	struct lsclock *c;
	enum log_proto p = ev->proto;
	int64_t b;
	bool inwin;

	if (ev->kind < LEV_RECEIVED || ev->kind >= LS_KINDS || ev->count == 0)
		return;
	if (p < LPROTO_NONE || p >= LPROTO_COUNT)
		p = LPROTO_NONE;
	if (ev->ts > ls->now)
		ls->now = ev->ts;
	ls->total[ev->kind] += ev->count;
	c = is_auth(ev->kind) ? &ls->auth : &ls->rate;
	b = clock_bucket(c, ev->ts);
	tick(ls, c, b);
	inwin = ls_in_window(b, c->cur);
	if (inwin)
		c->ring[ring_slot(b)][ev->kind] += ev->count;
	switch (ev->kind) {
	case LEV_SUBMIT:
		if (ev->user.n > 0)
			add_sender(ls, ev, b);
		break;
	case LEV_DELIVERED:
	case LEV_DEFERRED:
	case LEV_BOUNCED:
		add_delivery(ls, ev, b);
		break;
	case LEV_AUTH_FAIL:
		ls->proto[p].fails += ev->count;
		if (inwin)
			c->ring[ring_slot(b)][AC_FAIL + p] += ev->count;
		add_auth_fail(ls, ev, b);
		break;
	case LEV_AUTH_NOPASS:
		ls->proto[p].nopass += ev->count;
		if (inwin)
			c->ring[ring_slot(b)][AC_NOPASS + p] += ev->count;
		break;
	case LEV_AUTH_OK:
		ls->proto[p].ok += ev->count;
		break;
	default:
		break;
	}
}

void
logstats_emit(void *arg, const struct log_event *ev)
{
	logstats_add(arg, ev);
}

/* ------------------------------------------------------------------ */
/* read-out */

static char *
dup0(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

static void
fill_sender(struct ls_sender *r, const struct wtop_ent *e, int64_t cur)
{
	size_t i;

	r->user = dup0(e->key);
	r->msgs_win = e->win;
	r->msgs_win_err = e->err < e->win ? e->err : e->win;
	r->msgs_total = e->total;
	r->since = e->since;
	r->clients_win = lsdist_count(&e->dist[0], cur, &r->clients_exact);
	r->domains_win = lsdist_count(&e->dist[1], cur, &r->domains_exact);
	r->last_client = dup0(e->last);
	r->last_time = e->last_ts;
	for (i = 0; i < e->nfirst; i++)
		r->clients[i] = dup0(e->first[i]);
	r->nclients = e->nfirst;
}

static size_t
top(struct wtop *t, size_t n, bool by_total, const struct wtop_ent ***out)
{
	*out = xcalloc(n ? n : 1, sizeof(**out));
	return wtop_top(t, *out, n, by_total);
}

static void
report_senders(struct logstats *ls, struct logstats_report *r, size_t n)
{
	const struct wtop_ent **v;
	int64_t cur = wtop_cur(ls->senders);
	size_t i, m;

	m = top(ls->senders, n, false, &v);
	r->senders = xcalloc(m ? m : 1, sizeof(*r->senders));
	for (i = 0; i < m; i++)
		fill_sender(&r->senders[i], v[i], cur);
	r->nsenders = m;
	free(v);
	m = top(ls->senders, n, true, &v);
	r->senders_total = xcalloc(m ? m : 1, sizeof(*r->senders_total));
	for (i = 0; i < m; i++)
		fill_sender(&r->senders_total[i], v[i], cur);
	r->nsenders_total = m;
	free(v);
}

static void
report_auth(struct logstats *ls, struct logstats_report *r, size_t n)
{
	const struct wtop_ent **v;
	size_t i, j, m;

	m = top(ls->auth_users, n, false, &v);
	r->auth_users = xcalloc(m ? m : 1, sizeof(*r->auth_users));
	for (i = 0; i < m; i++) {
		struct ls_auth_user *u = &r->auth_users[i];

		u->user = dup0(v[i]->key);
		u->fails_win = v[i]->win;
		u->fails_win_err = v[i]->err < v[i]->win ? v[i]->err : v[i]->win;
		u->fails_total = v[i]->total;
		u->since = v[i]->since;
		u->clients_win = lsdist_count(&v[i]->dist[0],
		    wtop_cur(ls->auth_users), &u->clients_exact);
		u->last_client = dup0(v[i]->last);
		u->last_time = v[i]->last_ts;
	}
	r->nauth_users = m;
	free(v);
	m = top(ls->auth_clients, n, false, &v);
	r->auth_clients = xcalloc(m ? m : 1, sizeof(*r->auth_clients));
	for (i = 0; i < m; i++) {
		struct ls_auth_client *c = &r->auth_clients[i];

		c->client = dup0(v[i]->key);
		c->fails_win = v[i]->win;
		c->fails_win_err = v[i]->err < v[i]->win ? v[i]->err : v[i]->win;
		c->fails_total = v[i]->total;
		c->since = v[i]->since;
		c->users_win = lsdist_count(&v[i]->dist[0],
		    wtop_cur(ls->auth_clients), &c->users_exact);
		for (j = 0; j < v[i]->nfirst; j++)
			c->users[j] = dup0(v[i]->first[j]);
		c->nusers = v[i]->nfirst;
		c->last_time = v[i]->last_ts;
	}
	r->nauth_clients = m;
	free(v);
}

static void
report_defers(struct logstats *ls, struct logstats_report *r, size_t n)
{
	const struct wtop_ent **v;
	size_t i, m;

	m = top(ls->defers, n, false, &v);
	r->defers = xcalloc(m ? m : 1, sizeof(*r->defers));
	for (i = 0; i < m; i++) {
		struct ls_defer *d = &r->defers[i];

		d->domain = dup0(v[i]->key);
		d->failed_win = v[i]->win;
		d->failed_win_err = v[i]->err < v[i]->win ? v[i]->err : v[i]->win;
		d->deferred_win = wtop_aux_win(ls->defers, v[i], 0);
		d->bounced_win = wtop_aux_win(ls->defers, v[i], 1);
		d->deferred_total = v[i]->aux_total[0];
		d->bounced_total = v[i]->aux_total[1];
		d->since = v[i]->since;
		d->last_reason = dup0(v[i]->last);
		d->last_time = v[i]->last_ts;
	}
	r->ndefers = m;
	free(v);
}

struct logstats_report *
logstats_report(struct logstats *ls, size_t top_n, int64_t now)
{
	struct logstats_report *r = xcalloc(1, sizeof(*r));
	int64_t br, ba;
	size_t k, p;

	if (now < ls->now)
		now = ls->now;
	r->now = now;
	/* the windows as counted: whole buckets */
	r->rate_window = ls->rate.width * LS_BUCKETS;
	r->auth_window = ls->auth.width * LS_BUCKETS;
	if (now != 0) {
		br = clock_bucket(&ls->rate, now);
		ba = clock_bucket(&ls->auth, now);
		tick(ls, &ls->rate, br);
		tick(ls, &ls->auth, ba);
	}
	memcpy(r->total, ls->total, sizeof(r->total));
	for (k = LEV_RECEIVED; k < LS_KINDS; k++)
		r->window[k] = clock_sum(is_auth((enum log_ev_kind)k) ?
		    &ls->auth : &ls->rate, k);
	for (p = 0; p < LPROTO_COUNT; p++) {
		r->proto[p] = ls->proto[p];
		r->proto[p].fails_win = (uint32_t)clock_sum(&ls->auth, AC_FAIL + p);
		r->proto[p].nopass_win = (uint32_t)clock_sum(&ls->auth,
		    AC_NOPASS + p);
	}
	report_senders(ls, r, top_n);
	report_auth(ls, r, top_n);
	report_defers(ls, r, top_n);
	r->evictions = wtop_evicted(ls->senders) + wtop_evicted(ls->defers) +
	    wtop_evicted(ls->auth_users) + wtop_evicted(ls->auth_clients);
	r->bytes = sizeof(*ls) + wtop_bytes(ls->senders) +
	    wtop_bytes(ls->defers) + wtop_bytes(ls->auth_users) +
	    wtop_bytes(ls->auth_clients);
	return r;
}

static void
free_sender(struct ls_sender *s)
{
	size_t i;

	free(s->user);
	free(s->last_client);
	for (i = 0; i < s->nclients; i++)
		free(s->clients[i]);
}

void
logstats_report_free(struct logstats_report *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->nsenders; i++)
		free_sender(&r->senders[i]);
	for (i = 0; i < r->nsenders_total; i++)
		free_sender(&r->senders_total[i]);
	for (i = 0; i < r->nauth_users; i++) {
		free(r->auth_users[i].user);
		free(r->auth_users[i].last_client);
	}
	for (i = 0; i < r->nauth_clients; i++) {
		free(r->auth_clients[i].client);
		for (j = 0; j < r->auth_clients[i].nusers; j++)
			free(r->auth_clients[i].users[j]);
	}
	for (i = 0; i < r->ndefers; i++) {
		free(r->defers[i].domain);
		free(r->defers[i].last_reason);
	}
	free(r->senders);
	free(r->senders_total);
	free(r->auth_users);
	free(r->auth_clients);
	free(r->defers);
	free(r);
}

double
logstats_per_minute(const struct logstats_report *r, enum log_ev_kind k)
{
	unsigned w;

	if (k < LEV_RECEIVED || k >= LS_KINDS)
		return 0;
	w = is_auth(k) ? r->auth_window : r->rate_window;
	return w ? (double)r->window[k] * 60.0 / w : 0;
}
