/*
 * logs_part.c: the log collector's part out of a logstats report: the
 * report's rows as the field tables read them (guaranteed counts,
 * rates, accuracy enumerations, the first values as one short text),
 * pointing into the report, which the part owns.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logs.h"

static int
acc(bool exact)
{
	return exact ? LOGS_EXACT : LOGS_ESTIMATED;
}

/* "a sep b sep c" */
static char *
join(char *const *v, size_t n, const char *sep)
{
	struct strbuf b;
	size_t i;

	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_puts(&b, sep);
		strbuf_puts(&b, v[i]);
	}
	return strbuf_steal(&b);
}

static uint32_t
sure(uint32_t n, uint32_t err)
{
	return err < n ? n - err : 0;
}

static void
fill_senders(const struct ls_sender *in, size_t n, unsigned window,
    struct logs_sender **out, size_t *nout)
{
	size_t i;

	*out = xcalloc(n ? n : 1, sizeof(**out));
	*nout = n;
	for (i = 0; i < n; i++) {
		struct logs_sender *s = &(*out)[i];

		s->user = in[i].user;
		s->msgs = in[i].msgs_win;
		s->msgs_err = in[i].msgs_win_err;
		s->msgs_sure = sure(s->msgs, s->msgs_err);
		s->per_hour = window ? (uint32_t)(((uint64_t)s->msgs * 3600 +
		    window / 2) / window) : 0;
		s->total = in[i].msgs_total;
		s->since = in[i].since;
		s->clients = in[i].clients_win;
		s->clients_acc = acc(in[i].clients_exact);
		s->domains = in[i].domains_win;
		s->domains_acc = acc(in[i].domains_exact);
		s->last_client = in[i].last_client;
		s->last_time = in[i].last_time;
		s->first_clients = join(in[i].clients, in[i].nclients, " ");
	}
}

static const char *const proto_names[LOGS_NPROTO] = {
	"smtp", "pop3", "imap", "submission"
};
static const enum log_proto proto_of[LOGS_NPROTO] = {
	LPROTO_SMTP, LPROTO_POP3, LPROTO_IMAP, LPROTO_SUBMISSION
};

struct logs_part *
logs_part_new(struct logstats_report *r)
{
	struct logs_part *p = xcalloc(1, sizeof(*p));
	size_t i, k;

	p->rep = r;
	p->have = LOGS_HAVE_STATS;
	p->now = r->now;
	p->rate_window = r->rate_window;
	p->auth_window = r->auth_window;
	for (k = LEV_RECEIVED; k < LS_KINDS; k++) {
		p->total[k] = r->total[k];
		p->window[k] = r->window[k] > UINT32_MAX ? UINT32_MAX :
		    (uint32_t)r->window[k];
		p->per_min[k] = logstats_per_minute(r, (enum log_ev_kind)k);
		/* where the windows end means something once an event
		 * was counted */
		if (r->total[k] != 0 && r->now != 0)
			p->have |= LOGS_HAVE_TIME;
	}
	p->auth_fails = r->total[LEV_AUTH_FAIL];
	p->auth_nopass = r->total[LEV_AUTH_NOPASS];
	p->auth_ok = r->total[LEV_AUTH_OK];
	p->auth_fails_win = p->window[LEV_AUTH_FAIL];
	p->auth_nopass_win = p->window[LEV_AUTH_NOPASS];
	p->evictions = r->evictions;
	p->bytes = r->bytes;

	fill_senders(r->senders, r->nsenders, r->rate_window, &p->senders,
	    &p->nsenders);
	fill_senders(r->senders_total, r->nsenders_total, r->rate_window,
	    &p->senders_total, &p->nsenders_total);

	p->auth_users = xcalloc(r->nauth_users ? r->nauth_users : 1,
	    sizeof(*p->auth_users));
	p->nauth_users = r->nauth_users;
	for (i = 0; i < r->nauth_users; i++) {
		const struct ls_auth_user *u = &r->auth_users[i];
		struct logs_auth_user *o = &p->auth_users[i];

		o->user = u->user;
		o->fails = u->fails_win;
		o->fails_err = u->fails_win_err;
		o->fails_sure = sure(o->fails, o->fails_err);
		o->total = u->fails_total;
		o->since = u->since;
		o->clients = u->clients_win;
		o->clients_acc = acc(u->clients_exact);
		o->last_client = u->last_client;
		o->last_time = u->last_time;
	}
	p->auth_clients = xcalloc(r->nauth_clients ? r->nauth_clients : 1,
	    sizeof(*p->auth_clients));
	p->nauth_clients = r->nauth_clients;
	for (i = 0; i < r->nauth_clients; i++) {
		const struct ls_auth_client *c = &r->auth_clients[i];
		struct logs_auth_client *o = &p->auth_clients[i];

		o->client = c->client;
		o->fails = c->fails_win;
		o->fails_err = c->fails_win_err;
		o->fails_sure = sure(o->fails, o->fails_err);
		o->total = c->fails_total;
		o->since = c->since;
		o->users = c->users_win;
		o->users_acc = acc(c->users_exact);
		o->first_users = join(c->users, c->nusers, ", ");
		o->last_time = c->last_time;
	}
	p->defers = xcalloc(r->ndefers ? r->ndefers : 1, sizeof(*p->defers));
	p->ndefers = r->ndefers;
	for (i = 0; i < r->ndefers; i++) {
		const struct ls_defer *d = &r->defers[i];
		struct logs_defer *o = &p->defers[i];

		o->domain = d->domain;
		o->failed = d->failed_win;
		o->failed_err = d->failed_win_err;
		o->deferred = d->deferred_win;
		o->bounced = d->bounced_win;
		o->deferred_total = d->deferred_total;
		o->bounced_total = d->bounced_total;
		o->since = d->since;
		o->last_reason = d->last_reason;
		o->last_time = d->last_time;
	}
	for (i = 0; i < LOGS_NPROTO; i++) {
		const struct ls_proto *q = &r->proto[proto_of[i]];
		struct logs_proto *o = &p->protos[i];

		snprintf(o->name, sizeof(o->name), "%s", proto_names[i]);
		o->fails = q->fails;
		o->nopass = q->nopass;
		o->ok = q->ok;
		o->fails_win = q->fails_win;
		o->nopass_win = q->nopass_win;
	}
	p->nprotos = LOGS_NPROTO;
	return p;
}

static void
free_senders(struct logs_sender *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].first_clients);
	free(v);
}

void
logs_part_free(void *data)
{
	struct logs_part *p = data;
	size_t i;

	if (p == NULL)
		return;
	free_senders(p->senders, p->nsenders);
	free_senders(p->senders_total, p->nsenders_total);
	free(p->auth_users);
	for (i = 0; i < p->nauth_clients; i++)
		free(p->auth_clients[i].first_users);
	free(p->auth_clients);
	free(p->defers);
	for (i = 0; i < p->nsources; i++) {
		free(p->sources[i].name);
		free(p->sources[i].path);
		free(p->sources[i].error);
	}
	free(p->sources);
	for (i = 0; i < p->nalarm_evs; i++) {
		free(p->alarm_evs[i].alarm);
		free(p->alarm_evs[i].metric);
		free(p->alarm_evs[i].instance);
		free(p->alarm_evs[i].text);
	}
	free(p->alarm_evs);
	logstats_report_free(p->rep);
	free(p);
}
