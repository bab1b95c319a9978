/*
 * queue_conf.c: the queue collector's section of mailhealthd.conf,
 *
 *   mta postfix|qmail|exim|auto {
 *       queue_directory = "/var/spool/postfix"   # exim: spool_directory
 *       split = 23  many_rcpt = 20
 *       interval = 30  deadline = 90             # this collector's own
 *   }
 *
 * and the MTAs' own defaults when it says less. Without a section the
 * collector runs as `mta auto`.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

static cfg_opt_t mta_opts[] = {
	CFG_STR("queue_directory", NULL, CFGF_NONE),
	CFG_STR("spool_directory", NULL, CFGF_NONE),
	CFG_INT("split", 23, CFGF_NONE),
	CFG_INT("many_rcpt", 20, CFGF_NONE),
	CFG_INT("interval", 0, CFGF_NONE),
	CFG_INT("deadline", 0, CFGF_NONE),
	CFG_END()
};

cfg_opt_t queue_conf_opts[] = {
	CFG_SEC("mta", mta_opts, CFGF_MULTI | CFGF_TITLE),
	CFG_END()
};

static int
v_mta(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *t = cfg_title(sec);

	if (cfg_opt_size(opt) > 1) {
		cfg_error(cfg, "only one mta section is allowed");
		return -1;
	}
	if (strcmp(t, "postfix") && strcmp(t, "qmail") && strcmp(t, "exim") &&
	    strcmp(t, "auto")) {
		cfg_error(cfg, "unknown mta '%s' (postfix, qmail, exim or auto)", t);
		return -1;
	}
	if (strcmp(t, "exim") == 0 && cfg_getstr(sec, "queue_directory")) {
		cfg_error(cfg, "mta exim takes spool_directory, not "
		    "queue_directory");
		return -1;
	}
	if ((strcmp(t, "postfix") == 0 || strcmp(t, "qmail") == 0) &&
	    cfg_getstr(sec, "spool_directory")) {
		cfg_error(cfg, "mta %s takes queue_directory, not "
		    "spool_directory", t);
		return -1;
	}
	return 0;
}

static const struct conf_range queue_ranges[] = {
	{ "mta|split", 1, 10000 },
	{ "mta|many_rcpt", 1, 1000000 },
	{ "mta|interval", 0, 86400 },
	{ "mta|deadline", 0, 86400 },
};

void
queue_conf_validate(cfg_t *cfg)
{
	conf_ranges(cfg, queue_ranges, MH_ARRAY_SIZE(queue_ranges));
	cfg_set_validate_func(cfg, "mta", v_mta);
	cfg_set_validate_func(cfg, "mta|queue_directory", conf_v_path);
	cfg_set_validate_func(cfg, "mta|spool_directory", conf_v_path);
}

int
queue_conf_read(cfg_t *cfg, struct conf *c, struct conf_col *cc, char **err)
{
	struct conf_mta *m = xcalloc(1, sizeof(*m));

	(void)err;
	m->kind = MH_MTA_NONE;
	m->is_auto = true;
	m->split = 23;
	m->many_rcpt = 20;
	m->top_n = c->top_n;
	m->topk_counters = c->topk_counters;
	if (cfg_size(cfg, "mta") == 1) {
		cfg_t *sec = cfg_getnsec(cfg, "mta", 0);
		const char *t = cfg_title(sec);

		m->is_auto = strcmp(t, "auto") == 0;
		if (strcmp(t, "postfix") == 0)
			m->kind = MH_MTA_POSTFIX;
		else if (strcmp(t, "qmail") == 0)
			m->kind = MH_MTA_QMAIL;
		else if (strcmp(t, "exim") == 0)
			m->kind = MH_MTA_EXIM;
		m->queue_directory = conf_strdup(sec, "queue_directory");
		m->spool_directory = conf_strdup(sec, "spool_directory");
		m->split = cfg_getint(sec, "split");
		m->many_rcpt = cfg_getint(sec, "many_rcpt");
		cc->interval = cfg_getint(sec, "interval");
		cc->deadline = cfg_getint(sec, "deadline");
	}
	/* the MTAs' own defaults */
	if (m->queue_directory == NULL && m->kind == MH_MTA_POSTFIX)
		m->queue_directory = xstrdup("/var/spool/postfix");
	if (m->queue_directory == NULL && m->kind == MH_MTA_QMAIL)
		m->queue_directory = xstrdup("/var/qmail/queue");
	if (m->spool_directory == NULL && m->kind == MH_MTA_EXIM)
		m->spool_directory = xstrdup("/var/spool/exim4");
	cc->cc = m;
	cc->on = true;		/* no section is `mta auto` */
	return 0;
}

void
queue_conf_free(void *p)
{
	struct conf_mta *m = p;

	if (m == NULL)
		return;
	free(m->queue_directory);
	free(m->spool_directory);
	free(m);
}
