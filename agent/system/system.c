/*
 * system.c: the system collector. Its section of mailhealthd.conf:
 *
 *   system {
 *       disks = { "/var/spool/postfix", "/var/mail", "/var/log" }
 *       proc = "/proc"              # where /proc is (tests use a copy)
 *       interval = 30  deadline = 90
 *   }
 *
 * Without `disks` it watches the MTA's queue directory, the mail store
 * (/var/mail) and the log directory (/var/log), those that exist. Each
 * round reads /proc/stat (CPU busy, iowait and steal between two
 * rounds), /proc/loadavg, /proc/meminfo and statvfs() of every path;
 * what cannot be read is unknown (noSuchInstance), not zero.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "system/system.h"

static cfg_opt_t system_sec[] = {
	CFG_STR_LIST("disks", NULL, CFGF_NONE),
	CFG_STR("proc", "/proc", CFGF_NONE),
	CFG_INT("interval", 0, CFGF_NONE),
	CFG_INT("deadline", 0, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t system_opts[] = {
	CFG_SEC("system", system_sec, CFGF_NONE),
	CFG_END()
};

static int
v_disks(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *p = cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);

	if (p == NULL || p[0] != '/') {
		cfg_error(cfg, "disks: '%s' is not an absolute path",
		    p ? p : "");
		return -1;
	}
	return 0;
}

static const struct conf_range system_ranges[] = {
	{ "system|interval", 0, 86400 },
	{ "system|deadline", 0, 86400 },
};

static void
system_validate(cfg_t *cfg)
{
	conf_ranges(cfg, system_ranges, MH_ARRAY_SIZE(system_ranges));
	cfg_set_validate_func(cfg, "system|disks", v_disks);
	cfg_set_validate_func(cfg, "system|proc", conf_v_path);
}

static void
add_disk(struct system_conf *sc, const char *path)
{
	size_t i;

	for (i = 0; i < sc->ndisks; i++)
		if (strcmp(sc->disks[i], path) == 0)
			return;
	sc->disks = xreallocarray(sc->disks, sc->ndisks + 1,
	    sizeof(*sc->disks));
	sc->disks[sc->ndisks++] = xstrdup(path);
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The queue directory the mta section names, or the MTA's default. */
static const char *
queue_dir(cfg_t *cfg)
{
	static const char *const guess[] = { "/var/spool/postfix",
	    "/var/qmail/queue", "/var/spool/exim4" };
	cfg_t *m;
	const char *t, *d;
	size_t i;

	if (cfg_size(cfg, "mta") == 1) {
		m = cfg_getnsec(cfg, "mta", 0);
		t = cfg_title(m);
		if ((d = cfg_getstr(m, "queue_directory")) != NULL ||
		    (d = cfg_getstr(m, "spool_directory")) != NULL)
			return d;
		for (i = 0; i < MH_ARRAY_SIZE(guess); i++)
			if ((strcmp(t, "postfix") == 0 && i == 0) ||
			    (strcmp(t, "qmail") == 0 && i == 1) ||
			    (strcmp(t, "exim") == 0 && i == 2))
				return guess[i];
	}
	for (i = 0; i < MH_ARRAY_SIZE(guess); i++)
		if (is_dir(guess[i]))
			return guess[i];
	return NULL;
}

static int
system_conf_read(cfg_t *cfg, struct conf *c, struct conf_col *cc, char **err)
{
	struct system_conf *sc = xcalloc(1, sizeof(*sc));
	cfg_t *sec = cfg_getsec(cfg, "system");
	const char *q;
	unsigned i;

	(void)c;
	(void)err;
	sc->proc = xstrdup(sec ? cfg_getstr(sec, "proc") : "/proc");
	if (sec != NULL && cfg_size(sec, "disks") > 0) {
		for (i = 0; i < cfg_size(sec, "disks"); i++)
			add_disk(sc, cfg_getnstr(sec, "disks", i));
	} else {
		/* the mail data: queue, mail store, logs (those there) */
		if ((q = queue_dir(cfg)) != NULL && is_dir(q))
			add_disk(sc, q);
		if (is_dir("/var/mail"))
			add_disk(sc, "/var/mail");
		if (is_dir("/var/log"))
			add_disk(sc, "/var/log");
	}
	if (sec != NULL) {
		cc->interval = cfg_getint(sec, "interval");
		cc->deadline = cfg_getint(sec, "deadline");
	}
	cc->cc = sc;
	cc->on = true;
	return 0;
}

static void
system_conf_free(void *p)
{
	struct system_conf *sc = p;
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->ndisks; i++)
		free(sc->disks[i]);
	free(sc->disks);
	free(sc->proc);
	free(sc);
}

struct system_state {
	const struct system_conf *sc;
	struct cpu_times last;
	bool have_last;
};

static void *
system_init(const void *cc, const struct conf *c)
{
	struct system_state *st = xcalloc(1, sizeof(*st));
	char path[512], buf[16384];

	st->sc = cc;
	if (c->once) {
		/* one round only: take the first CPU reading now, so the
		 * round has a tenth of a second to compare with (20 ticks
		 * of a 2-CPU box: 5% steps). Longer would be the floor of
		 * every --once, which replays a million log lines in 0.2 s
		 * on the other collectors' threads meanwhile. */
		snprintf(path, sizeof(path), "%s/stat", st->sc->proc);
		if (sys_read_file(path, buf, sizeof(buf)) >= 0 &&
		    sys_parse_stat(buf, &st->last) == 0)
			st->have_last = true;
		nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
	}
	return st;
}

static void
system_fini(void *p)
{
	free(p);
}

static int
read_proc(struct part *p, const struct system_conf *sc, const char *name,
    char *buf, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", sc->proc, name);
	if (sys_read_file(path, buf, len) < 0) {
		part_error(p, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Per cent of total that is not avail (avail above total: none used);
 * total is not 0. */
static double
used_pct(uint64_t total, uint64_t avail)
{
	return (double)(total - (avail < total ? avail : total)) * 100.0 /
	    (double)total;
}

static int
system_collect(void *arg, struct part *p)
{
	struct system_state *st = arg;
	const struct system_conf *sc = st->sc;
	struct system_part *s = xcalloc(1, sizeof(*s));
	char buf[16384];
	struct cpu_times now;
	uint32_t have;
	size_t i;

	p->data = s;
	if (read_proc(p, sc, "stat", buf, sizeof(buf)) == 0) {
		if (sys_parse_stat(buf, &now) != 0)
			part_error(p, "%s/stat: no cpu line", sc->proc);
		else {
			if (st->have_last) {
				sys_cpu_delta(&st->last, &now, &s->cpu_busy,
				    &s->cpu_iowait, &s->cpu_steal);
				s->have |= SYS_HAVE_CPU;
			}
			st->last = now;
			st->have_last = true;
		}
	}
	if (read_proc(p, sc, "loadavg", buf, sizeof(buf)) == 0) {
		if (sys_parse_loadavg(buf, &s->load1, &s->load5,
		    &s->load15) == 0)
			s->have |= SYS_HAVE_LOAD;
		else
			part_error(p, "%s/loadavg: not three numbers",
			    sc->proc);
	}
	if (read_proc(p, sc, "meminfo", buf, sizeof(buf)) == 0) {
		if (sys_parse_meminfo(buf, &s->mem_total, &s->mem_avail,
		    &s->swap_total, &s->swap_free, &have) != 0)
			part_error(p, "%s/meminfo: nothing known in it",
			    sc->proc);
		s->have |= have;
		if ((have & SYS_HAVE_MEM) && s->mem_total)
			s->mem_used_pct = used_pct(s->mem_total, s->mem_avail);
		if ((have & SYS_HAVE_SWAP) && s->swap_total)
			s->swap_used_pct = used_pct(s->swap_total,
			    s->swap_free);
	}
	s->ndisks = sc->ndisks;
	s->disks = xcalloc(sc->ndisks ? sc->ndisks : 1, sizeof(*s->disks));
	for (i = 0; i < sc->ndisks; i++) {
		s->disks[i].path = xstrdup(sc->disks[i]);
		if (sys_disk_stat(&s->disks[i]) != 0)
			part_error(p, "%s: %s", sc->disks[i], strerror(errno));
	}
	s->have |= SYS_HAVE_DISKS;
	return 0;
}

const struct collector collector_system = {
	.name = "system",
	.opts = system_opts,
	.conf_validate = system_validate,
	.conf_read = system_conf_read,
	.conf_free = system_conf_free,
	.init = system_init,
	.collect = system_collect,
	.fini = system_fini,
	.part_free = system_part_free,
	.groups = system_groups,
	.ngroups = 1,
};
