/*
 * deadman.c: the dead-man's switch, pager side. A server that died sends
 * no trap, so mailhealthd sends mhHeartbeat every interval, with the
 * seconds until the next one (mhNotifyInterval). The handler records each
 * heartbeat here (no SMS); the sender (--daemon) pages when a host it has
 * heard from misses `deadman { missed }` heartbeats in a row, and again
 * when its heartbeats come back:
 *
 *   CRITICAL mail1 agent silent 3 min (>= 3), no heartbeat since 13:05:10 (every 60 s)
 *   OK mail1 agent back after 5 min
 *
 * Those pages are made as an mhAgentAlarm raise and clear (alarm name
 * "deadman", metric "agent.heartbeat") and go through the handler's path
 * like any notification: routes, quiet hours, storm control, the spool.
 *
 * SPOOL/heartbeats, one line per host, rewritten under state.lock:
 *   H <host> <address> <last heartbeat> <interval> <silent: the last
 *     heartbeat before the silence, or 0>
 * A host silent for `forget` is dropped (decommissioned, not dead).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sms.h"

#define DEADMAN_MAX_HOSTS 4096

struct deadman_host {
	char *host, *addr;
	time_t last;
	unsigned long interval;
	time_t silent;		/* paged silent: its last heartbeat then; 0: not */
};

struct deadman {
	struct deadman_host *h;
	size_t n;
};

static void
deadman_clear(struct deadman *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->h[i].host);
		free(d->h[i].addr);
	}
	free(d->h);
	memset(d, 0, sizeof(*d));
}

static struct deadman_host *
deadman_find(struct deadman *d, const char *host, bool create)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->h[i].host, host) == 0)
			return &d->h[i];
	if (!create || d->n >= DEADMAN_MAX_HOSTS)
		return NULL;
	d->h = xreallocarray(d->h, d->n + 1, sizeof(*d->h));
	memset(&d->h[d->n], 0, sizeof(*d->h));
	d->h[d->n].host = xstrdup(host);
	d->h[d->n].addr = xstrdup("");
	return &d->h[d->n++];
}

static void
deadman_load(struct deadman *d, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	deadman_clear(d);
	if (f == NULL)
		return;
	while (getline(&line, &cap, f) > 0) {
		char host[256], addr[128];
		long long last, silent;
		unsigned long iv;
		struct deadman_host *h;

		if (sscanf(line, "H\t%255[^\t]\t%127[^\t]\t%lld\t%lu\t%lld",
		    host, addr, &last, &iv, &silent) != 5 ||
		    (h = deadman_find(d, host, true)) == NULL)
			continue;
		free(h->addr);
		h->addr = xstrdup(strcmp(addr, "-") == 0 ? "" : addr);
		h->last = (time_t)last;
		h->interval = iv;
		h->silent = (time_t)silent;
	}
	free(line);
	fclose(f);
}

static int
deadman_save(const struct deadman *d, const char *path)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	size_t i;
	int rc = -1;

	if (f == NULL) {
		log_warn("deadman", "cannot create %s", tmp);
		goto out;
	}
	for (i = 0; i < d->n; i++)
		fprintf(f, "H\t%s\t%s\t%lld\t%lu\t%lld\n", d->h[i].host,
		    d->h[i].addr[0] ? d->h[i].addr : "-",
		    (long long)d->h[i].last, d->h[i].interval,
		    (long long)d->h[i].silent);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		log_warn("deadman", "cannot write %s", path);
	else
		rc = 0;
out:
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* A host name or address as a field of the file: no tabs or newlines. */
static char *
deadman_field(const char *s)
{
	char *v = xstrdup(s && *s ? s : "-"), *p;

	for (p = v; *p; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
	return v;
}

/* The handler: a heartbeat from host (at addr), the next within
 * interval seconds. Never waits longer than SMS_LOCK_TIMEOUT_MS. */
void
deadman_record(const struct sms_conf *c, const char *host0, const char *addr0,
    unsigned long interval, time_t now)
{
	struct deadman d = { 0 };
	struct deadman_host *h;
	char *path, *host = deadman_field(host0), *addr = deadman_field(addr0);
	int lock;

	if (spool_init(c->spool_dir) != 0 ||
	    (lock = spool_lock(c->spool_dir, "state.lock",
	    SMS_LOCK_TIMEOUT_MS)) < 0) {
		log_warn("deadman", "heartbeat of %s not recorded", host);
		goto out;
	}
	path = spool_path(c->spool_dir, "heartbeats", NULL);
	deadman_load(&d, path);
	if ((h = deadman_find(&d, host, true)) != NULL) {
		free(h->addr);
		h->addr = xstrdup(strcmp(addr, "-") == 0 ? "" : addr);
		h->last = now;
		h->interval = interval;
		deadman_save(&d, path);
	}
	log_debug("deadman", "heartbeat of %s from %s, next within %lu s",
	    host, addr, interval);
	close(lock);
	free(path);
	deadman_clear(&d);
out:
	free(host);
	free(addr);
}

/* An mhAgentAlarm raise or clear for the silence of h, as snmptrapd
 * would hand it to the handler. */
static char *
deadman_trap(const struct sms_conf *c, const struct deadman_host *h,
    bool back, time_t now)
{
	char when[16], *text;
	struct tm tm;
	unsigned long iv = h->interval ? h->interval : 60;
	struct strbuf b;

	localtime_r(&h->last, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	text = back ? xstrdup("") : xasprintf("no heartbeat since %s (every "
	    "%lu s)", when, iv);
	strbuf_init(&b);
	alert_trap_begin(&b, h->host, "mailhealth-sms: deadman",
	    back ? 2 * MH_FAM_AGENT : 2 * MH_FAM_AGENT - 1);
	alert_trap_num(&b, MH_N_ALARMINDEX, 0);
	alert_trap_str(&b, MH_N_ALARMNAME, "deadman");
	alert_trap_str(&b, MH_N_METRIC, "agent.heartbeat");
	alert_trap_str(&b, MH_N_INSTANCE, "");
	alert_trap_num(&b, MH_N_SEVERITY, (int)c->deadman.severity);
	alert_trap_num(&b, MH_N_VALUE,
	    (long long)(back ? h->last - h->silent : now - h->last));
	alert_trap_num(&b, MH_N_THRESHOLD, (long long)iv * c->deadman.missed);
	alert_trap_str(&b, MH_N_TEXT, text);
	alert_trap_str(&b, MH_N_HOST, h->host);
	free(text);
	return strbuf_steal(&b);
}

/*
 * The sender: page the hosts that fell silent and those that came back.
 * *next: when the next host would fall silent (0: none). The state is
 * updated first and the pages made after the lock is dropped: the
 * handler path takes state.lock itself.
 */
void
deadman_check(const struct sms_conf *c, time_t now, time_t *next)
{
	struct deadman d = { 0 };
	char **traps = NULL, *path;
	size_t ntraps = 0, i, k = 0;
	bool dirty = false;
	int lock;

	*next = 0;
	if (!c->deadman.enabled || (lock = spool_lock(c->spool_dir,
	    "state.lock", SMS_LOCK_TIMEOUT_MS)) < 0)
		return;
	path = spool_path(c->spool_dir, "heartbeats", NULL);
	deadman_load(&d, path);
	for (i = 0; i < d.n; i++) {
		struct deadman_host *h = &d.h[i];
		time_t due = h->last + (time_t)(h->interval ? h->interval : 60) *
		    c->deadman.missed;

		if (h->silent && h->last > h->silent) {
			/* heard again after we paged it silent */
			traps = xreallocarray(traps, ntraps + 1, sizeof(*traps));
			traps[ntraps++] = deadman_trap(c, h, true, now);
			log_notice("deadman", "%s is back", h->host);
			h->silent = 0;
			dirty = true;
		} else if (!h->silent && now >= due) {
			traps = xreallocarray(traps, ntraps + 1, sizeof(*traps));
			traps[ntraps++] = deadman_trap(c, h, false, now);
			log_warnx("deadman", "%s silent since %lld s", h->host,
			    (long long)(now - h->last));
			h->silent = h->last;
			dirty = true;
		}
		if (h->silent && now - h->last > c->deadman.forget) {
			log_notice("deadman", "%s silent for %lld s: forgotten",
			    h->host, (long long)(now - h->last));
			free(h->host);
			free(h->addr);
			dirty = true;
			continue;
		}
		if (!h->silent && (*next == 0 || due < *next))
			*next = due;
		d.h[k++] = *h;
	}
	d.n = k;
	if (dirty)
		deadman_save(&d, path);
	close(lock);
	for (i = 0; i < ntraps; i++) {
		sms_handle_flags(c, traps[i], strlen(traps[i]), HANDLE_INTERNAL,
		    now, route_minute_of_day(now));
		free(traps[i]);
	}
	free(traps);
	free(path);
	deadman_clear(&d);
}
