/*
 * recon.c: the alarms a phone was paged for and whose clear has not come
 * yet, so that `mailhealth-sms --daemon` can ask their agents (poll.c)
 * whether they are still active, and page the clear itself when an alarm
 * is gone but its clear notification was lost (a trap in a full socket
 * buffer, an snmptrapd restart, a stale raise delivered after its clear).
 *
 * SPOOL/active, one line per alarm, rewritten by the handler under
 * state.lock (the handler holds it anyway for the storm state):
 *
 *   A <key> <agent address> <host> <family> <severity> <name> <metric>
 *     <instance> <raised at> <alarm index>
 *
 * An alarm is identified at its agent by name and instance, not by index:
 * a restarted agent numbers its alarms anew.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sms.h"

#define RECON_MAX 4096
#define RECON_FIELDS 11

static void
recon_alarm_clear(struct recon_alarm *r)
{
	free(r->key);
	free(r->addr);
	free(r->host);
	free(r->name);
	free(r->metric);
	free(r->instance);
}

void
recon_alarms_free(struct recon_alarm *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		recon_alarm_clear(&v[i]);
	free(v);
}

/* A field of the file: "-" for empty, no tabs or newlines. */
static void
recon_put(struct strbuf *b, const char *s)
{
	strbuf_putc(b, '\t');
	if (s == NULL || *s == '\0') {
		strbuf_putc(b, '-');
		return;
	}
	for (; *s; s++)
		strbuf_putc(b, *s == '\t' || *s == '\n' || *s == '\r' ? ' ' :
		    *s);
}

static char *
recon_get(const char *s)
{
	return xstrdup(strcmp(s, "-") == 0 ? "" : s);
}

/* SPOOL/active; the caller holds state.lock. */
size_t
recon_load(const char *dir, struct recon_alarm **out)
{
	char *path = spool_path(dir, "active", NULL);
	FILE *f = fopen(path, "r");
	struct recon_alarm *v = NULL;
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	free(path);
	*out = NULL;
	if (f == NULL)
		return 0;
	while ((len = getline(&line, &cap, f)) > 0 && n < RECON_MAX) {
		char *fld[RECON_FIELDS], *p = line;
		int k = 0;

		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (*p++ != 'A' || *p++ != '\t')
			continue;
		fld[k++] = p;
		while (k < RECON_FIELDS && (p = strchr(p, '\t')) != NULL) {
			*p++ = '\0';
			fld[k++] = p;
		}
		if (k != 10)
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].key = recon_get(fld[0]);
		v[n].addr = recon_get(fld[1]);
		v[n].host = recon_get(fld[2]);
		v[n].family = (enum mh_family)atoi(fld[3]);
		v[n].severity = (enum mh_severity)atoi(fld[4]);
		v[n].name = recon_get(fld[5]);
		v[n].metric = recon_get(fld[6]);
		v[n].instance = recon_get(fld[7]);
		v[n].since = (time_t)strtoll(fld[8], NULL, 10);
		v[n].index = strtoul(fld[9], NULL, 10);
		if ((unsigned)v[n].family >= MH_FAM_COUNT)
			v[n].family = MH_FAM_OTHER;
		if ((unsigned)v[n].severity >= MH_SEV_COUNT)
			v[n].severity = MH_SEV_UNKNOWN;
		n++;
	}
	free(line);
	fclose(f);
	*out = v;
	return n;
}

static void
recon_save(const char *dir, const struct recon_alarm *v, size_t n)
{
	char *path = spool_path(dir, "active", NULL);
	char *tmp = xasprintf("%s.tmp", path);
	struct strbuf b;
	size_t i;
	FILE *f;

	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	for (i = 0; i < n; i++) {
		strbuf_putc(&b, 'A');
		recon_put(&b, v[i].key);
		recon_put(&b, v[i].addr);
		recon_put(&b, v[i].host);
		strbuf_printf(&b, "\t%d\t%d", (int)v[i].family,
		    (int)v[i].severity);
		recon_put(&b, v[i].name);
		recon_put(&b, v[i].metric);
		recon_put(&b, v[i].instance);
		strbuf_printf(&b, "\t%lld\t%lu\n", (long long)v[i].since,
		    v[i].index);
	}
	if ((f = fopen(tmp, "w")) == NULL ||
	    fwrite(b.s, 1, b.len, f) != b.len || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		log_warn("recon", "cannot write %s", path);
		unlink(tmp);
	}
	strbuf_free(&b);
	free(tmp);
	free(path);
}

/*
 * The handler, under state.lock: a raise that went to at least one phone
 * (paged) is remembered with the address of the agent that sent it; a
 * clear forgets it. Only our own alarm notifications count.
 */
void
recon_note(const struct sms_conf *c, const struct sms_alert *a,
    const char *addr, const char *key, bool paged, time_t now)
{
	struct recon_alarm *v;
	size_t n, i;
	bool found = false, dirty = false;

	if (!a->ours || a->heartbeat || a->no_trap_oid ||
	    (!a->cleared && !paged))
		return;
	n = recon_load(c->spool_dir, &v);
	for (i = 0; i < n; i++)
		if (strcmp(v[i].key, key) == 0)
			break;
	found = i < n;
	if (a->cleared && found) {
		recon_alarm_clear(&v[i]);
		memmove(&v[i], &v[i + 1], (n - i - 1) * sizeof(*v));
		n--;
		dirty = true;
	} else if (!a->cleared && !found && addr && *addr) {
		if (n == RECON_MAX) {	/* the oldest goes */
			recon_alarm_clear(&v[0]);
			memmove(&v[0], &v[1], (n - 1) * sizeof(*v));
			n--;
		}
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].key = xstrdup(key);
		v[n].addr = xstrdup(addr);
		v[n].host = xstrdup(a->host);
		v[n].family = a->family;
		v[n].severity = a->severity;
		v[n].name = xstrdup(a->alarm_name);
		v[n].metric = xstrdup(a->metric);
		v[n].instance = xstrdup(a->instance);
		v[n].since = now;
		v[n].index = a->alarm_index;
		n++;
		dirty = true;
	}
	if (dirty)
		recon_save(c->spool_dir, v, n);
	recon_alarms_free(v, n);
}

/* The clear reconciliation pages for r, as snmptrapd would hand it to
 * the handler (which then routes, dedupes and spools it as any clear). */
char *
recon_clear_trap(const struct recon_alarm *r)
{
	char *transport = xasprintf("mailhealth-sms: reconcile [%s]", r->addr);
	struct strbuf b;

	strbuf_init(&b);
	alert_trap_begin(&b, r->host, transport, 2 * (int)r->family);
	alert_trap_num(&b, MH_N_ALARMINDEX, (long long)r->index);
	alert_trap_str(&b, MH_N_ALARMNAME, r->name);
	alert_trap_str(&b, MH_N_METRIC, r->metric);
	alert_trap_str(&b, MH_N_INSTANCE, r->instance);
	alert_trap_num(&b, MH_N_SEVERITY, (int)r->severity);
	alert_trap_str(&b, MH_N_TEXT, "");
	alert_trap_str(&b, MH_N_HOST, r->host);
	free(transport);
	return strbuf_steal(&b);
}
