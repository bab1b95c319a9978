/*
 * alert.c: what a MAILHEALTH-MIB notification means. Takes the varbinds
 * trapin.c decoded and fills a struct sms_alert: family, raised or
 * cleared, severity, and the mhNotify* objects. The OID root comes from
 * lib/mhmib.h so a Private Enterprise Number is still a one-line change.
 *
 * A notification with missing or odd varbinds still becomes an alert
 * (with what it has): losing a page because one field was absent is
 * worse than a terse page.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mhmib.h"
#include "sms.h"

#define ALERT_FIELD_MAX 200	/* bytes kept of any one string varbind */

static const char snmp_trap_oid[] = ".1.3.6.1.6.3.1.1.4.1.0";


/* mhNotifyObjects, in varbind order (column = index + 1) */
enum {
	N_INDEX, N_NAME, N_METRIC, N_INSTANCE, N_SEVERITY, N_VALUE,
	N_THRESHOLD, N_TEXT, N_HOST, N_COUNT
};
static const char *const alert_notify_names[N_COUNT] = {
	"mhNotifyAlarmIndex", "mhNotifyAlarmName", "mhNotifyMetric",
	"mhNotifyInstance", "mhNotifySeverity", "mhNotifyValue",
	"mhNotifyThreshold", "mhNotifyText", "mhNotifyHost",
};

const char *const alert_placeholders[] = {
	"host", "severity", "SEVERITY", "what", "alarm", "metric", "family",
	"instance", "value", "threshold", "text", "state", "STATE", "index",
	"trapoid", "subject", "reading", "limit", "head", "summary", NULL,
};

const char *
alert_root_oid(void)
{
	static char root[128];
	static const unsigned arcs[] = { MH_OID_ROOT };
	size_t i, n = 0;

	if (root[0])
		return root;
	for (i = 0; i < MH_ARRAY_SIZE(arcs); i++)
		n += (size_t)snprintf(root + n, sizeof(root) - n, ".%u",
		    arcs[i]);
	return root;
}

/*
 * A notification of ours as snmptrapd hands it to a handler, for those
 * mailhealth-sms makes itself (deadman.c, recon.c): the host line (host
 * quoted), the transport line, snmpTrapOID.0 = notification n under
 * mhNotifications; then one alert_trap_num or alert_trap_str per
 * mhNotifyObjects column (MH_N_*).
 */
void
alert_trap_begin(struct strbuf *b, const char *host, const char *transport,
    int n)
{
	char *q = trapin_quote(host);

	strbuf_printf(b, "%s\n%s\n%s %s.%d.%d\n", q, transport, snmp_trap_oid,
	    alert_root_oid(), MH_NOTIFICATIONS, n);
	free(q);
}

void
alert_trap_num(struct strbuf *b, int col, long long v)
{
	strbuf_printf(b, "%s.%d.%d.%d.0 %lld\n", alert_root_oid(), MH_OBJECTS,
	    MH_G_NOTIFY, col, v);
}

void
alert_trap_str(struct strbuf *b, int col, const char *s)
{
	char *q = trapin_quote(s);

	strbuf_printf(b, "%s.%d.%d.%d.0 %s\n", alert_root_oid(), MH_OBJECTS,
	    MH_G_NOTIFY, col, q);
	free(q);
}

/* Numeric OID for a MAILHEALTH-MIB symbol (used by trapin.c), or NULL. */
const char *
alert_symbol_oid(const char *name, char *buf, size_t buflen)
{
	int f, i;

	for (i = 0; i < N_COUNT; i++)
		if (strcmp(name, alert_notify_names[i]) == 0) {
			snprintf(buf, buflen, "%s.%d.%d.%d", alert_root_oid(),
			    MH_OBJECTS, MH_G_NOTIFY, i + 1);
			return buf;
		}
	if (strcmp(name, "mhNotifyInterval") == 0) {
		snprintf(buf, buflen, "%s.%d.%d.%d", alert_root_oid(),
		    MH_OBJECTS, MH_G_NOTIFY, MH_N_INTERVAL);
		return buf;
	}
	if (strcmp(name, "mhHeartbeat") == 0) {
		snprintf(buf, buflen, "%s.%d.%d", alert_root_oid(),
		    MH_NOTIFICATIONS, MH_NOTIFY_HEARTBEAT);
		return buf;
	}
	for (f = 1; f < MH_FAM_COUNT; f++) {
		char raised[64], cleared[64];

		snprintf(raised, sizeof(raised), "mh%sAlarm",
		    mh_family_mib(f));
		snprintf(cleared, sizeof(cleared), "mh%sAlarmClear",
		    mh_family_mib(f));
		if (strcmp(name, raised) == 0 || strcmp(name, cleared) == 0) {
			snprintf(buf, buflen, "%s.%d.%d", alert_root_oid(),
			    MH_NOTIFICATIONS,
			    2 * f - (strcmp(name, raised) == 0));
			return buf;
		}
	}
	if (strcmp(name, "mhNotifications") == 0) {
		snprintf(buf, buflen, "%s.%d", alert_root_oid(),
		    MH_NOTIFICATIONS);
		return buf;
	}
	return NULL;
}

/* "critical", "critical(1)", "1" -> MH_SEV_CRITICAL; -1 when none of these */
int
alert_severity_from_name(const char *s)
{
	int i;
	char *end;
	long n;

	while (*s == ' ')
		s++;
	n = strtol(s, &end, 10);
	if (end != s && *end == '\0')
		return n >= MH_SEV_CRITICAL && n < MH_SEV_COUNT ? (int)n : -1;
	for (i = MH_SEV_CRITICAL; i < MH_SEV_COUNT; i++) {
		size_t len = strlen(mh_severity_name(i));

		if (strncasecmp(s, mh_severity_name(i), len) == 0 &&
		    (s[len] == '\0' || s[len] == '('))
			return i;
	}
	return -1;
}

static const char *
alert_notify_raw(const struct trap *t, int col)
{
	char oid[160];

	snprintf(oid, sizeof(oid), "%s.%d.%d.%d.0", alert_root_oid(),
	    MH_OBJECTS, MH_G_NOTIFY, col + 1);
	return trapin_lookup(t, oid);
}

/* The cleaned value of mhNotifyObjects column col+1, "" when absent (and
 * then noted in a->missing, so the handler can say what was lacking). */
static char *
alert_notify_value(const struct trap *t, struct sms_alert *a, int col)
{
	const char *v = alert_notify_raw(t, col);

	if (v == NULL) {
		a->missing |= 1u << col;
		return xstrdup("");
	}
	return msg_clean(v);
}

/* "mhNotifyValue, mhNotifyThreshold": the objects a notification of ours
 * lacked, or NULL when it had them all. */
char *
alert_missing_names(const struct sms_alert *a)
{
	struct strbuf b;
	int i;

	if (!a->ours || a->missing == 0)
		return NULL;
	strbuf_init(&b);
	for (i = 0; i < N_COUNT; i++)
		if (a->missing & (1u << i))
			strbuf_printf(&b, "%s%s", b.len ? ", " : "",
			    alert_notify_names[i]);
	return strbuf_steal(&b);
}

/*
 * A notification without snmpTrapOID.0 (snmptrapd always adds it, so
 * this is a truncated or hand-made one) that still carries our objects:
 * its family is the first part of the metric ("queue.total" -> queue).
 * Whether it was a raise or a clear is unknown; we page it as a raise,
 * since a needless page costs less than a lost one.
 */
static bool
alert_guess_family(const struct trap *t, struct sms_alert *a)
{
	const char *m = alert_notify_raw(t, N_METRIC);
	char fam[32];
	size_t n;
	int f;

	if (m == NULL || (n = strcspn(m, ".")) == 0 || n >= sizeof(fam))
		return false;
	memcpy(fam, m, n);
	fam[n] = '\0';
	if ((f = mh_family_parse(fam)) <= MH_FAM_OTHER)
		return false;
	a->family = (enum mh_family)f;
	return true;
}

/* Cut a cleaned string to ALERT_FIELD_MAX bytes at a character boundary. */
static void
alert_bound(char *s)
{
	size_t i = 0;

	while (s[i]) {
		size_t n = msg_utf8_len((const unsigned char *)s + i);

		if (i + n > ALERT_FIELD_MAX) {
			s[i] = '\0';
			return;
		}
		i += n;
	}
}

/* Integer32 as decimal text; anything else (a DISPLAY-HINT, garbage)
 * is kept only if it starts like a number. */
static char *
alert_number(char *s)
{
	char *p = s;

	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p)) {
		s[0] = '\0';
		return s;
	}
	while (isdigit((unsigned char)*p))
		p++;
	*p = '\0';
	return s;
}

static void MH_PRINTF(3, 4)
alert_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * mhHeartbeat { mhNotifyHost, mhNotifyInterval }: the agent is alive and
 * promises the next one within `interval` seconds. Not a page: the
 * handler records it (deadman.c), the sender watches for silence.
 */
static int
alert_heartbeat(const struct trap *t, struct sms_alert *a)
{
	const char *v = alert_notify_raw(t, MH_N_INTERVAL - 1);

	a->ours = true;
	a->heartbeat = true;
	a->family = MH_FAM_AGENT;
	a->interval = v ? strtoul(v, NULL, 10) : 0;
	if ((v = alert_notify_raw(t, MH_N_HOST - 1)) != NULL && *v)
		a->host = msg_clean(v);
	else
		a->host = msg_clean(t->host ? t->host : "");
	alert_bound(a->host);
	a->alarm_name = xstrdup("");
	a->metric = xstrdup("");
	a->instance = xstrdup("");
	a->text = xstrdup("");
	a->value = xstrdup("");
	a->threshold = xstrdup("");
	render_alert(a);
	return 0;
}

int
alert_from_trap(const struct trap *t, struct sms_alert *a, char *err,
    size_t errlen)
{
	const char *v;
	char *oid = NULL, *s;
	char prefix[160];
	size_t plen, i;
	int sev;

	memset(a, 0, sizeof(*a));
	if ((v = trapin_lookup(t, snmp_trap_oid)) == NULL || *v == '\0') {
		if (!alert_guess_family(t, a)) {
			alert_err(err, errlen, "no snmpTrapOID.0 varbind");
			return -1;
		}
		a->ours = true;
		a->no_trap_oid = true;
		v = "";
	}
	oid = trapin_normalize_oid(v);
	a->trap_oid = msg_clean(v);
	snprintf(prefix, sizeof(prefix), "%s.%d.", alert_root_oid(),
	    MH_NOTIFICATIONS);
	plen = strlen(prefix);
	if (!a->no_trap_oid && strncmp(oid, prefix, plen) == 0) {
		char *end;
		unsigned long n = strtoul(oid + plen, &end, 10);

		if (*end == '\0' && n >= 1 && n <= 2 * (MH_FAM_COUNT - 1)) {
			a->ours = true;
			a->family = (enum mh_family)((n + 1) / 2);
			a->cleared = n % 2 == 0;
		}
		if (*end == '\0' && n == MH_NOTIFY_HEARTBEAT) {
			free(oid);
			return alert_heartbeat(t, a);
		}
	}
	free(oid);

	a->alarm_name = alert_notify_value(t, a, N_NAME);
	a->metric = alert_notify_value(t, a, N_METRIC);
	a->instance = alert_notify_value(t, a, N_INSTANCE);
	a->text = alert_notify_value(t, a, N_TEXT);
	a->value = alert_number(alert_notify_value(t, a, N_VALUE));
	a->threshold = alert_number(alert_notify_value(t, a, N_THRESHOLD));
	s = alert_notify_value(t, a, N_INDEX);
	a->alarm_index = strtoul(s, NULL, 10);
	free(s);
	s = alert_notify_value(t, a, N_SEVERITY);
	sev = alert_severity_from_name(s);
	a->severity = sev < 0 ? MH_SEV_UNKNOWN : (enum mh_severity)sev;
	free(s);
	a->host = alert_notify_value(t, a, N_HOST);
	if (a->host[0] == '\0') {
		free(a->host);
		a->host = msg_clean(t->host ? t->host : "");
	}

	if (!a->ours) {
		/* Someone else's trap: keep its string values as the text so
		 * a generic page still says something. */
		struct strbuf b;

		strbuf_init(&b);
		for (i = 0; i < t->nvb; i++) {
			if (strcmp(t->vb[i].oid, snmp_trap_oid) == 0 ||
			    strncmp(t->vb[i].oid, ".1.3.6.1.2.1.1.3", 16) == 0)
				continue;
			if (b.len)
				strbuf_putc(&b, ' ');
			strbuf_puts(&b, t->vb[i].value);
		}
		free(a->text);
		s = strbuf_steal(&b);
		a->text = msg_clean(s);
		free(s);
		if (a->severity == MH_SEV_UNKNOWN)
			a->severity = MH_SEV_WARNING;
	}
	alert_bound(a->alarm_name);
	alert_bound(a->metric);
	alert_bound(a->instance);
	alert_bound(a->text);
	alert_bound(a->host);
	alert_bound(a->trap_oid);
	render_alert(a);
	return 0;
}

void
alert_free(struct sms_alert *a)
{
	free(a->host);
	free(a->trap_oid);
	free(a->alarm_name);
	free(a->metric);
	free(a->instance);
	free(a->text);
	free(a->value);
	free(a->threshold);
	free(a->subject);
	free(a->reading);
	free(a->limit);
	free(a->head);
	free(a->summary);
	memset(a, 0, sizeof(*a));
}

/* Dedupe key: the same alarm on the same host for the same instance. */
char *
alert_key(const struct sms_alert *a)
{
	if (!a->ours)
		return xasprintf("%s|%s|%s", a->host, a->trap_oid, a->text);
	if (a->alarm_index)
		return xasprintf("%s|%s#%lu|%s", a->host,
		    mh_family_name(a->family), a->alarm_index, a->instance);
	return xasprintf("%s|%s:%s|%s", a->host,
	    mh_family_name(a->family), a->alarm_name[0] ? a->alarm_name :
	    a->metric, a->instance);
}

/* Placeholder values for message templates ({host}, {severity}, ...). */
const char *
alert_field(const struct sms_alert *a, const char *name, size_t len)
{
	static char idx[24];

#define IS(s) (len == sizeof(s) - 1 && memcmp(name, s, len) == 0)
	if (IS("host"))
		return a->host;
	if (IS("severity"))
		return mh_severity_name(a->severity);
	if (IS("SEVERITY"))
		return mh_severity_upper(a->severity);
	if (IS("what"))
		return a->alarm_name[0] ? a->alarm_name : a->metric[0] ?
		    a->metric : mh_family_name(a->family);
	if (IS("alarm"))
		return a->alarm_name;
	if (IS("metric"))
		return a->metric;
	if (IS("family"))
		return mh_family_name(a->family);
	if (IS("instance"))
		return a->instance;
	if (IS("value"))
		return a->value;
	if (IS("threshold"))
		return a->threshold;
	if (IS("text"))
		return a->text;
	if (IS("state"))
		return a->cleared ? "cleared" : "raised";
	if (IS("STATE"))
		return a->cleared ? "CLEARED" : "RAISED";
	if (IS("trapoid"))
		return a->trap_oid;
	if (IS("subject"))
		return a->subject;
	if (IS("reading"))
		return a->reading;
	if (IS("limit"))
		return a->limit;
	if (IS("head"))
		return a->head;
	if (IS("summary"))
		return a->summary;
	if (IS("index")) {
		snprintf(idx, sizeof(idx), "%lu", a->alarm_index);
		return idx;
	}
#undef IS
	return NULL;
}
