/*
 * logs.c: the log collector. Each round reads every configured log
 * source until it has caught up (their lines merged by time stamp,
 * logs_feed.c), parses each line (logparse.h) and counts its events
 * (logstats.h), saves every source's position in its state file, and
 * publishes the counters as a part (logs_part.c, logs_fields.c).
 *
 * Positions: a source starts where its state file says, or at the end
 * of the log without one (counters are "since start": old lines are
 * not news). The state is saved after every round, once every line
 * read has been counted, so a restart neither counts a line twice nor
 * skips one. A reload that leaves the log sections (and `logs`, `rule`,
 * state_directory) alone keeps this collector running with its sources,
 * parser state and windows (collect_reconf compares the sections).
 *
 * A huge backlog (the agent was stopped for a day) cannot hold a round
 * for ever: a round stops reading after half its interval (1 to 10 s)
 * and publishes what it counted; the rest comes next round.
 *
 * --once (conf->once) replays each log from its beginning, or the last
 * conf->since seconds, all sources merged by time, with the windows
 * ending at the newest line read, and runs the alarms along (logs_
 * replay.c). It neither reads nor writes the state files.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "logs/logs.h"

#define ROUND_MIN_MS 1000
#define ROUND_MAX_MS 10000

static const char *const logs_deps[] = { "state_directory", NULL };

struct logs_state {
	const struct logs_conf *lc;
	bool once;
	long interval;
	/* one per configured source; src[i] NULL when it cannot work */
	struct logsrc **src;
	char **open_err;
	struct logsrc **live;	/* the ones that opened, for the feed */
	size_t *live_row;
	size_t nlive;
	struct logs_feed *feed;
	struct logparse *lp;
	struct logstats *ls;
	struct logs_replay *replay;
	uint64_t lines, events;
	bool ever_read;
};

struct line_ctx {
	struct logs_state *st;
	int64_t now;
};

static const char *
kind_name(enum logsrc_kind k)
{
	switch (k) {
	case LOGSRC_FILE:
		return "file";
	case LOGSRC_MULTILOG:
		return "multilog";
	case LOGSRC_JOURNAL:
		return "journal";
	}
	return "?";
}

/* mkdir -p: the parents 0755 (they usually exist: /var/lib), the
 * directory itself with mode; only its own failure counts */
static int
make_dir(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	int rc;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		(void)mkdir(p, 0755);
		*s = '/';
	}
	rc = mkdir(p, mode) != 0 && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}

static void
open_sources(struct logs_state *st, const struct conf *c)
{
	const struct logs_conf *lc = st->lc;
	size_t i;

	st->src = xcalloc(lc->nsrc ? lc->nsrc : 1, sizeof(*st->src));
	st->open_err = xcalloc(lc->nsrc ? lc->nsrc : 1, sizeof(*st->open_err));
	st->live = xcalloc(lc->nsrc ? lc->nsrc : 1, sizeof(*st->live));
	st->live_row = xcalloc(lc->nsrc ? lc->nsrc : 1, sizeof(*st->live_row));
	for (i = 0; i < lc->nsrc; i++) {
		const struct logs_src_conf *s = &lc->src[i];
		struct logsrc_conf sc;
		char *state = NULL, *why = NULL;

		memset(&sc, 0, sizeof(sc));
		sc.name = s->name;
		sc.kind = s->kind;
		sc.path = s->path;
		sc.units = (const char *const *)s->units;
		sc.idents = (const char *const *)s->idents;
		sc.parser = s->parser;
		sc.once = st->once;
		sc.since = st->once ? c->since : 0;
		if (!st->once) {
			state = xasprintf("%s/log-%s.state", c->state_directory,
			    s->name);
			sc.state_file = state;
		}
		st->src[i] = logsrc_open(&sc, &why);
		free(state);
		if (st->src[i] == NULL) {
			st->open_err[i] = why ? why : xstrdup("cannot open");
			log_warnx("logs", "log %s: %s", s->name, st->open_err[i]);
			continue;
		}
		st->live[st->nlive] = st->src[i];
		st->live_row[st->nlive++] = i;
	}
	st->feed = logs_feed_new(st->live, st->nlive);
}

static void *
logs_init(const void *cc, const struct conf *c)
{
	struct logs_state *st = xcalloc(1, sizeof(*st));
	const struct conf_col *col = conf_col_of(c, &collector_logs);
	struct logstats_conf sc;

	st->lc = cc;
	st->once = c->once;
	st->interval = col ? col->interval : c->interval;
	if (!st->once && make_dir(c->state_directory, 0750) != 0)
		log_warn("logs", "cannot create %s: log positions will not "
		    "survive a restart", c->state_directory);
	open_sources(st, c);
	st->lp = logs_parser_new(st->lc);
	memset(&sc, 0, sizeof(sc));
	sc.rate_window = st->lc->rate_window;
	sc.auth_window = st->lc->auth_window;
	sc.counters = st->lc->counters;
	st->ls = logstats_new(&sc);
	if (st->once)
		st->replay = logs_replay_new(c);
	return st;
}

static void
save_all(struct logs_state *st, struct part *p)
{
	size_t i;

	for (i = 0; i < st->nlive; i++)
		if (logsrc_save(st->live[i]) != 0 && p != NULL)
			part_error(p, "log %s: %s",
			    st->lc->src[st->live_row[i]].name,
			    logsrc_error(st->live[i]));
}

static void
logs_fini(void *arg)
{
	struct logs_state *st = arg;
	size_t i;

	if (!st->once)
		save_all(st, NULL);
	logs_feed_free(st->feed);
	for (i = 0; i < st->lc->nsrc; i++) {
		logsrc_close(st->src[i]);
		free(st->open_err[i]);
	}
	free(st->src);
	free(st->open_err);
	free(st->live);
	free(st->live_row);
	logparse_free(st->lp);
	logstats_free(st->ls);
	logs_replay_free(st->replay);
	free(st);
}

static void
on_line(void *arg, const struct log_line *l)
{
	struct line_ctx *x = arg;
	struct logs_state *st = x->st;

	if (st->replay != NULL)
		logs_replay_tick(st->replay, st->ls, l->ts ? l->ts : x->now);
	st->events += logparse_line(st->lp, l, x->now, logstats_emit, st->ls);
}

static void
fill_sources(struct logs_state *st, struct logs_part *d)
{
	const struct logs_conf *lc = st->lc;
	size_t i;

	d->sources = xcalloc(lc->nsrc ? lc->nsrc : 1, sizeof(*d->sources));
	d->nsources = lc->nsrc;
	for (i = 0; i < lc->nsrc; i++) {
		struct logs_source *o = &d->sources[i];
		const char *e = st->src[i] ? logsrc_error(st->src[i]) :
		    st->open_err[i];
		struct logsrc_stats ss;

		o->name = xstrdup(lc->src[i].name);
		o->kind = kind_name(lc->src[i].kind);
		o->path = xstrdup(lc->src[i].path ? lc->src[i].path : "");
		o->error = e ? xstrdup(e) : NULL;	/* null: none */
		if (st->src[i] == NULL)
			continue;
		logsrc_stats(st->src[i], &ss);
		o->lines = ss.lines;
		o->bytes = ss.bytes;
		o->long_lines = ss.long_lines;
		o->rotations = ss.rotations;
		o->truncations = ss.truncations;
		o->copy_missed = ss.copy_missed;
		o->errors = ss.errors;
	}
}

static int64_t
round_deadline(const struct logs_state *st)
{
	int64_t ms = (int64_t)st->interval * 500;

	if (st->once)
		return 0;
	if (ms < ROUND_MIN_MS)
		ms = ROUND_MIN_MS;
	if (ms > ROUND_MAX_MS)
		ms = ROUND_MAX_MS;
	return mh_now_ms() + ms;
}

static int
logs_collect(void *arg, struct part *p)
{
	struct logs_state *st = arg;
	struct line_ctx x = { st, (int64_t)time(NULL) };
	enum logsrc_rc *rc = xcalloc(st->nlive ? st->nlive : 1, sizeof(*rc));
	struct logparse_stats ps;
	struct logs_part *d;
	bool capped;
	uint64_t n;
	size_t i;

	capped = false;
	n = st->once ? logs_feed_run_piped(st->feed, on_line, &x, rc) :
	    logs_feed_run(st->feed, on_line, &x, round_deadline(st), &capped,
	    rc);
	st->lines += n;
	if (capped)
		log_info("logs", "read %llu lines this round, the rest next "
		    "round", (unsigned long long)n);
	for (i = 0; i < st->lc->nsrc; i++)
		if (st->src[i] == NULL)
			part_error(p, "log %s: %s", st->lc->src[i].name,
			    st->open_err[i]);
	for (i = 0; i < st->nlive; i++) {
		size_t row = st->live_row[i];
		const char *e = logsrc_error(st->live[i]);

		if (rc[i] != LOGSRC_ERROR)
			st->ever_read = true;
		if (e != NULL)
			part_error(p, "log %s: %s", st->lc->src[row].name, e);
	}
	free(rc);
	if (!st->once)
		save_all(st, p);

	d = logs_part_new(logstats_report(st->ls, SNAP_TOP_MAX, st->once ? 0 :
	    x.now));
	if (!st->ever_read)
		d->have &= ~(uint32_t)(LOGS_HAVE_STATS | LOGS_HAVE_TIME);
	logparse_stats(st->lp, &ps);
	d->lines = st->lines;
	d->events = st->events;
	d->rule_hits = ps.rule_hits;
	fill_sources(st, d);
	if (st->once) {
		logs_replay_finish(st->replay, st->ls, d);
		/* a log it was asked to read and could not: exit 69 */
		if (p->errors)
			p->incomplete = true;
	}
	p->data = d;
	return 0;
}

const struct collector collector_logs = {
	.name = "logs",
	.opts = logs_opts,
	.deps = logs_deps,
	.conf_validate = logs_conf_validate,
	.conf_read = logs_conf_read,
	.conf_free = logs_conf_free,
	.init = logs_init,
	.collect = logs_collect,
	.fini = logs_fini,
	.part_free = logs_part_free,
	.groups = logs_groups,
	.ngroups = LOGS_NGROUPS,
};
