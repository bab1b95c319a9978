/*
 * conn_col.c: the connections collector. Its section of
 * mailhealthd.conf, optional (these are the defaults):
 *
 *   connections {
 *       ports = { 25, 465, 587, 110, 995, 143, 993 }
 *       reader = auto               # auto | proc
 *       growth_window = 120         # seconds; 0: max(120, 2 x interval)
 *       interval = 30  deadline = 90
 *   }
 *
 * It runs also without the section, on the default ports: connection
 * counts cost a few milliseconds a round (docs/conn.md) and a SYN flood
 * should never be the first thing nobody watched. Each round is one
 * conn_collect(): the established and half-open connections that
 * reached this server on each port, their distinct remote hosts, the
 * top hosts (top_n per port) and the growth per minute.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn/conn_col.h"

static cfg_opt_t conn_sec[] = {
	CFG_INT_LIST("ports", "{25, 465, 587, 110, 995, 143, 993}",
	    CFGF_NONE),
	CFG_STR("reader", "auto", CFGF_NONE),
	CFG_INT("growth_window", 0, CFGF_NONE),
	CFG_INT("interval", 0, CFGF_NONE),
	CFG_INT("deadline", 0, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t conn_opts[] = {
	/* MULTI only so that a present section knows its file and line
	 * (and an absent one takes the defaults); one at most */
	CFG_SEC("connections", conn_sec, CFGF_MULTI),
	CFG_END()
};

/* the growth window follows the round interval: a reload that changes
 * the global one restarts the collector */
static const char *const conn_deps[] = { "top_n", "interval", NULL };

/* Each port as it is set: in range, not twice, not too many. */
static int
v_ports(cfg_t *cfg, cfg_opt_t *opt)
{
	unsigned n = cfg_opt_size(opt), i;
	long p = cfg_opt_getnint(opt, n - 1);

	if (p < 1 || p > 65535) {
		cfg_error(cfg, "ports: %ld is not a TCP port (1 to 65535)", p);
		return -1;
	}
	for (i = 0; i + 1 < n; i++)
		if (cfg_opt_getnint(opt, i) == p) {
			cfg_error(cfg, "ports: %ld is listed twice", p);
			return -1;
		}
	if (n > CONN_PORTS_MAX) {
		cfg_error(cfg, "ports: more than %d ports", CONN_PORTS_MAX);
		return -1;
	}
	return 0;
}

static int
v_reader(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *r = cfg_opt_getnstr(opt, 0);

	if (r == NULL || (strcmp(r, "auto") != 0 && strcmp(r, "proc") != 0)) {
		cfg_error(cfg, "reader: '%s' is not auto or proc", r ? r : "");
		return -1;
	}
	return 0;
}

static const struct conf_range conn_ranges[] = {
	{ "connections|growth_window", 0, 86400 },
	{ "connections|interval", 0, 86400 },
	{ "connections|deadline", 0, 86400 },
};

static void
conn_validate(cfg_t *cfg)
{
	conf_ranges(cfg, conn_ranges, MH_ARRAY_SIZE(conn_ranges));
	cfg_set_validate_func(cfg, "connections|ports", v_ports);
	cfg_set_validate_func(cfg, "connections|reader", v_reader);
}

static int
conn_conf_read(cfg_t *cfg, struct conf *c, struct conf_col *cc, char **err)
{
	struct conn_conf *k = xcalloc(1, sizeof(*k));
	unsigned nsec = cfg_size(cfg, "connections");
	cfg_t *sec = nsec ? cfg_getnsec(cfg, "connections", nsec - 1) : NULL;
	long interval;
	char where[512];
	size_t i;

	conn_opts_default(&k->o);
	k->o.top_n = (size_t)c->top_n;
	if (sec != NULL) {
		conf_where(sec, where, sizeof(where));
		k->o.nports = cfg_size(sec, "ports");
		if (nsec > 1 || k->o.nports == 0) {
			*err = xasprintf("%s%s", where, nsec > 1 ?
			    "only one connections section" :
			    "connections: ports is empty");
			free(k);
			return -1;
		}
		for (i = 0; i < k->o.nports; i++)
			k->o.ports[i] = (uint16_t)cfg_getnint(sec, "ports",
			    (unsigned)i);
		k->o.force_proc = strcmp(cfg_getstr(sec, "reader"),
		    "proc") == 0;
		k->o.growth_window = cfg_getint(sec, "growth_window");
		cc->interval = cfg_getint(sec, "interval");
		cc->deadline = cfg_getint(sec, "deadline");
	} else {
		for (i = 0; i < conn_ndefault_ports; i++)
			k->o.ports[i] = conn_default_ports[i];
		k->o.nports = conn_ndefault_ports;
	}
	/* growth needs a round inside the window before this one */
	interval = cc->interval ? cc->interval : c->interval;
	if (k->o.growth_window == 0)
		k->o.growth_window = 2 * interval > CONN_GROWTH_WINDOW_DEFAULT ?
		    2 * interval : CONN_GROWTH_WINDOW_DEFAULT;
	cc->cc = k;
	cc->on = true;
	return 0;
}

static void
conn_conf_free(void *p)
{
	free(p);
}

static void *
conn_init(const void *cc, const struct conf *c)
{
	const struct conn_conf *k = cc;

	(void)c;
	return conn_new(&k->o);
}

static void
conn_fini(void *st)
{
	conn_free(st);
}

static int
conn_col_collect(void *st, struct part *p)
{
	struct conn_part *cp = xcalloc(1, sizeof(*cp));
	char err[640];

	p->data = cp;
	/* no reader worked: nothing this round (unknown, not zero) */
	if (conn_collect(st, p->taken, err, sizeof(err)) < 0) {
		part_error(p, "%s", err);
		return -1;
	}
	conn_part_fill(cp, conn_result(st));
	return 0;
}

const struct collector collector_conn = {
	.name = "connections",
	.opts = conn_opts,
	.deps = conn_deps,
	.conf_validate = conn_validate,
	.conf_read = conn_conf_read,
	.conf_free = conn_conf_free,
	.init = conn_init,
	.collect = conn_col_collect,
	.fini = conn_fini,
	.part_free = conn_part_free,
	.groups = conn_groups,
	.ngroups = 1,
};
