/*
 * trapin.c: read what snmptrapd hands a "traphandle" program on stdin and
 * turn it into a list of (OID, decoded value) pairs.
 *
 * snmptrapd's default "format execute" is "%B\n%b\n%V\n%v\n": the host
 * line, the transport line, then one "OID value" line per varbind, with
 * QUICK_PRINT forced. Sites also run it with other -O flags or a custom
 * -F format, so we accept every style we know of:
 *
 *   .1.3.6.1.4.1.8072.9999.9999.25.1.11.8.0 "queue \"high\""   (-On, -Oq)
 *   .1.3...8.0 "63 61 66 C3 A9 "            (non-printable: quoted hex,
 *                                            wrapped every 16 bytes)
 *   MAILHEALTH-MIB::mhNotifyText.0 queue high  (DISPLAY-HINT: unquoted)
 *   SNMPv2-SMI::enterprises.8072... = STRING: "x"   (not quick-printed)
 *   ... = Hex-STRING: 63 61 66 C3 A9
 *
 * A quoted value may continue over several lines (long hex, or a string
 * with a newline in it). Nothing here knows what the OIDs mean; that is
 * alert.c.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sms.h"

/* Symbolic names snmptrapd prints for the standard objects of a trap, and
 * the arcs of -Of full paths. MAILHEALTH-MIB names come from alert.c. */
static const struct {
	const char *name;
	const char *oid;
} trapin_symbols[] = {
	{ "iso", ".1" },
	{ "sysUpTimeInstance", ".1.3.6.1.2.1.1.3.0" },
	{ "sysUpTime", ".1.3.6.1.2.1.1.3" },
	{ "snmpTrapOID", ".1.3.6.1.6.3.1.1.4.1" },
	{ "snmpTrapEnterprise", ".1.3.6.1.6.3.1.1.4.3" },
	{ "snmpTrapAddress", ".1.3.6.1.6.3.18.1.3" },
	{ "snmpTrapCommunity", ".1.3.6.1.6.3.18.1.4" },
	{ "enterprises", ".1.3.6.1.4.1" },
	{ "netSnmp", ".1.3.6.1.4.1.8072" },
	{ "netSnmpExperimental", ".1.3.6.1.4.1.8072.9999" },
	{ "netSnmpPlaypen", ".1.3.6.1.4.1.8072.9999.9999" },
};

/* Labels that appear inside -Of paths (".iso.org.dod.internet..."). */
static const struct {
	const char *label;
	unsigned arc;
} trapin_arcs[] = {
	{ "iso", 1 }, { "org", 3 }, { "dod", 6 }, { "internet", 1 },
	{ "mgmt", 2 }, { "mib-2", 1 }, { "system", 1 }, { "private", 4 },
	{ "enterprises", 1 }, { "snmpV2", 6 }, { "snmpModules", 3 },
	{ "snmpMIB", 1 }, { "snmpMIBObjects", 1 }, { "snmpTrap", 4 },
	{ "netSnmp", 8072 }, { "netSnmpExperimental", 9999 },
	{ "netSnmpPlaypen", 9999 },
};

static const char *
trapin_symbol(const char *name, size_t len, char *buf, size_t buflen)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(trapin_symbols); i++)
		if (strlen(trapin_symbols[i].name) == len &&
		    strncmp(trapin_symbols[i].name, name, len) == 0)
			return trapin_symbols[i].oid;
	if (len < 128) {
		char tmp[128];

		memcpy(tmp, name, len);
		tmp[len] = '\0';
		return alert_symbol_oid(tmp, buf, buflen);
	}
	return NULL;
}

static int
trapin_arc(const char *label, size_t len)
{
	size_t i;

	for (i = 0; i < MH_ARRAY_SIZE(trapin_arcs); i++)
		if (strlen(trapin_arcs[i].label) == len &&
		    strncmp(trapin_arcs[i].label, label, len) == 0)
			return (int)trapin_arcs[i].arc;
	return -1;
}

/*
 * Numeric ".1.3.6..." for any of the OID spellings above, or a copy of the
 * input when a label is unknown (the caller then matches nothing, which is
 * the right outcome for an object we do not know).
 */
char *
trapin_normalize_oid(const char *oid)
{
	struct strbuf b;
	const char *p = oid, *colon;
	char symbuf[128];
	bool first = true;

	strbuf_init(&b);
	if ((colon = strstr(p, "::")) != NULL)
		p = colon + 2;
	if (*p == '.')
		p++;
	while (*p) {
		const char *end = strchr(p, '.');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		size_t i;
		bool numeric = len > 0;

		for (i = 0; i < len; i++)
			if (!isdigit((unsigned char)p[i]))
				numeric = false;
		if (numeric) {
			strbuf_putc(&b, '.');
			strbuf_add(&b, p, len);
		} else if (first) {
			const char *s = trapin_symbol(p, len, symbuf,
			    sizeof(symbuf));

			if (s == NULL)
				goto literal;
			strbuf_puts(&b, s);
		} else {
			int arc = trapin_arc(p, len);

			if (arc < 0)
				goto literal;
			strbuf_printf(&b, ".%d", arc);
		}
		first = false;
		p += len;
		if (*p == '.')
			p++;
	}
	if (b.len == 0)
		goto literal;
	return strbuf_steal(&b);
literal:
	strbuf_free(&b);
	return xstrdup(oid);
}

static int
trapin_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "63 61 66 C3 A9 " (pairs separated by blanks or newlines) -> bytes.
 * Returns -1 when s is not entirely such pairs. */
static int
trapin_unhex(const char *s, size_t len, struct strbuf *out, bool strict)
{
	size_t i = 0, pairs = 0;

	while (i < len) {
		int hi, lo;

		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' ||
		    s[i] == '\t') {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -1;
		hi = trapin_hexval((unsigned char)s[i]);
		lo = trapin_hexval((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		/* net-snmp prints "%02X ": upper case, a blank after each */
		if (strict && (islower((unsigned char)s[i]) ||
		    islower((unsigned char)s[i + 1])))
			return -1;
		if (i + 2 < len && s[i + 2] != ' ' && s[i + 2] != '\n')
			return -1;
		if (strict && i + 2 >= len)
			return -1; /* quoted hex always ends with a blank */
		strbuf_putc(out, (char)(hi << 4 | lo));
		pairs++;
		i += 2;
	}
	return pairs > 0 ? 0 : -1;
}

static const char *const trapin_types[] = {
	"STRING", "INTEGER", "Gauge32", "Unsigned32", "Counter32",
	"Counter64", "Timeticks", "OID", "IpAddress", "Hex-STRING",
	"Opaque", "BITS", "Network Address", "UInteger32", "Integer32",
	"OCTET STRING", "Wrong Type (should be INTEGER)", NULL,
};

/* Skips "TYPE: " when present; *hex set for Hex-STRING. */
static const char *
trapin_skip_type(const char *p, bool *hex)
{
	size_t i;

	*hex = false;
	for (i = 0; trapin_types[i]; i++) {
		size_t n = strlen(trapin_types[i]);

		if (strncmp(p, trapin_types[i], n) == 0 && p[n] == ':') {
			*hex = strcmp(trapin_types[i], "Hex-STRING") == 0;
			p += n + 1;
			while (*p == ' ')
				p++;
			return p;
		}
	}
	return p;
}

static bool
trapin_is_hex_line(const char *p, const char *end)
{
	/* a continuation of a wrapped Hex-STRING: "74 72 69 " */
	return end - p >= 3 && trapin_hexval((unsigned char)p[0]) >= 0 &&
	    trapin_hexval((unsigned char)p[1]) >= 0 && p[2] == ' ';
}

static void
trapin_add(struct trap *t, const char *oid, size_t oidlen, struct strbuf *v)
{
	char *raw = xstrndup(oid, oidlen);
	struct trap_varbind *vb;

	t->vb = xreallocarray(t->vb, t->nvb + 1, sizeof(*t->vb));
	vb = &t->vb[t->nvb++];
	vb->oid = trapin_normalize_oid(raw);
	free(raw);
	vb->value_len = v->len;
	vb->value = strbuf_steal(v);
}

static void MH_PRINTF(3, 4)
trapin_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
trapin_parse(const char *buf, size_t len, struct trap *t, char *err,
    size_t errlen)
{
	const char *p = buf, *end = buf + len, *nl;
	struct strbuf v;
	unsigned lineno = 2;

	memset(t, 0, sizeof(*t));
	strbuf_init(&v);
	if (memchr(buf, '\0', len) != NULL) {
		trapin_err(err, errlen, "NUL byte in input");
		goto fail;
	}
	/* host and transport lines */
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
		trapin_err(err, errlen, "truncated: no host line");
		goto fail;
	}
	t->host = xstrndup(p, (size_t)(nl - p));
	p = nl + 1;
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
		trapin_err(err, errlen, "truncated: no transport line");
		goto fail;
	}
	t->transport = xstrndup(p, (size_t)(nl - p));
	p = nl + 1;

	while (p < end) {
		const char *oid, *q, *lend;
		size_t oidlen;
		bool hex;

		lineno++;
		lend = memchr(p, '\n', (size_t)(end - p));
		if (lend == NULL)
			lend = end;
		if (lend == p || (lend - p == 1 && *p == '\r')) {
			p = lend + (lend < end);
			continue;
		}
		oid = p;
		for (q = p; q < lend && *q != ' ' && *q != '\t'; q++)
			;
		oidlen = (size_t)(q - oid);
		while (q < lend && (*q == ' ' || *q == '\t'))
			q++;
		if (q < lend && *q == '=' && q + 1 <= lend) {
			q++;
			while (q < lend && *q == ' ')
				q++;
		}
		{
			/* type prefix, then the value proper */
			char *line = xstrndup(q, (size_t)(lend - q));
			size_t skip = (size_t)(trapin_skip_type(line, &hex) -
			    line);

			free(line);
			q += skip;
		}
		strbuf_reset(&v);
		if (q < lend && *q == '"') {
			/* quoted: may run over lines; \" and \\ escaped */
			const char *s = q + 1;
			struct strbuf raw;
			bool closed = false;
			unsigned vline = lineno;

			strbuf_init(&raw);
			while (s < end) {
				if (*s == '\\' && s + 1 < end &&
				    (s[1] == '"' || s[1] == '\\')) {
					strbuf_putc(&raw, s[1]);
					s += 2;
					continue;
				}
				if (*s == '"') {
					closed = true;
					s++;
					break;
				}
				if (*s == '\n')
					lineno++;
				strbuf_putc(&raw, *s++);
			}
			if (closed) {
				const char *r = s;

				while (r < end && (*r == ' ' || *r == '\r'))
					r++;
				if (r < end && *r != '\n')
					closed = false;	/* "a b"@x.org */
			}
			if (!closed && memmem(oid, oidlen, "::", 2) == NULL) {
				strbuf_free(&raw);
				trapin_err(err, errlen,
				    "line %u: unterminated string", vline);
				goto fail;
			}
			if (!closed) {
				/* A MIB-aware snmptrapd prints DISPLAY-HINT
				 * text ("255t") as is, unquoted, so a value
				 * may just start with a quote. Take the line
				 * as it stands. (Numeric -On output always
				 * quotes strings and escapes their quotes, so
				 * there it stays an error.) */
				const char *e = lend;

				strbuf_free(&raw);
				while (e > q && (e[-1] == '\r' || e[-1] == ' '))
					e--;
				strbuf_add(&v, q, (size_t)(e - q));
				lineno = vline;
				goto add;
			}
			if (raw.len == 0 ||
			    trapin_unhex(raw.s, raw.len, &v, true) != 0) {
				strbuf_reset(&v);
				if (raw.len)
					strbuf_add(&v, raw.s, raw.len);
				else
					strbuf_add(&v, "", 0);
			}
			strbuf_free(&raw);
			lend = memchr(s, '\n', (size_t)(end - s));
			if (lend == NULL)
				lend = end;
		} else if (hex) {
			/* unquoted Hex-STRING, wrapped over lines */
			struct strbuf raw;

			strbuf_init(&raw);
			strbuf_add(&raw, q, (size_t)(lend - q));
			while (lend < end) {
				const char *n = lend + 1;
				const char *ne = memchr(n, '\n',
				    (size_t)(end - n));

				if (ne == NULL)
					ne = end;
				if (!trapin_is_hex_line(n, ne))
					break;
				strbuf_putc(&raw, ' ');
				strbuf_add(&raw, n, (size_t)(ne - n));
				lend = ne;
				lineno++;
			}
			if (raw.len && trapin_unhex(raw.s, raw.len, &v,
			    false) != 0) {
				strbuf_free(&raw);
				trapin_err(err, errlen, "line %u: bad Hex-STRING",
				    lineno);
				goto fail;
			}
			strbuf_free(&raw);
			strbuf_add(&v, "", 0);
		} else {
			const char *e = lend;

			while (e > q && (e[-1] == '\r' || e[-1] == ' '))
				e--;
			strbuf_add(&v, q, (size_t)(e - q));
		}
add:
		if (oidlen == 0) {
			trapin_err(err, errlen, "line %u: no OID", lineno);
			goto fail;
		}
		trapin_add(t, oid, oidlen, &v);
		p = lend + (lend < end);
	}
	strbuf_free(&v);
	if (t->nvb == 0) {
		trapin_err(err, errlen, "truncated: no varbinds");
		goto fail_nobuf;
	}
	return 0;
fail:
	strbuf_free(&v);
fail_nobuf:
	trapin_free(t);
	return -1;
}

void
trapin_free(struct trap *t)
{
	size_t i;

	for (i = 0; i < t->nvb; i++) {
		free(t->vb[i].oid);
		free(t->vb[i].value);
	}
	free(t->vb);
	free(t->host);
	free(t->transport);
	memset(t, 0, sizeof(*t));
}

const char *
trapin_lookup(const struct trap *t, const char *oid)
{
	size_t i;

	for (i = 0; i < t->nvb; i++)
		if (strcmp(t->vb[i].oid, oid) == 0)
			return t->vb[i].value;
	return NULL;
}

/*
 * Bounded read of the whole notification. snmptrapd writes it and closes
 * the pipe; a stdin that stays open (someone typing) ends at the timeout.
 * Input beyond TRAPIN_MAX_INPUT is drained (so snmptrapd never blocks on a
 * full pipe) and reported as an error.
 */
int
trapin_read_fd(int fd, char **bufp, size_t *lenp, int timeout_ms, char *err,
    size_t errlen)
{
	char *buf = xmalloc(TRAPIN_MAX_INPUT + 1);
	size_t len = 0;
	bool too_big = false;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char drain[4096];
		long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = timeout_ms - ((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0) {
			trapin_err(err, errlen, "timed out reading stdin "
			    "after %d ms", timeout_ms);
			goto fail;
		}
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			trapin_err(err, errlen, "poll stdin: %s",
			    strerror(errno));
			goto fail;
		}
		if (pfd.revents == 0)
			continue;
		if (len < TRAPIN_MAX_INPUT)
			n = read(fd, buf + len, TRAPIN_MAX_INPUT - len);
		else
			n = read(fd, drain, sizeof(drain));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			trapin_err(err, errlen, "read stdin: %s",
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (len < TRAPIN_MAX_INPUT)
			len += (size_t)n;
		else
			too_big = true;
	}
	if (too_big) {
		trapin_err(err, errlen, "input larger than %d bytes",
		    TRAPIN_MAX_INPUT);
		goto fail;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	free(buf);
	return -1;
}

/*
 * The sender's address from snmptrapd's transport line (%b):
 * "UDP: [127.0.0.1]:40000->[127.0.0.1]:162" -> "127.0.0.1",
 * "UDP/IPv6: [::1]:40000->[::1]:162" -> "::1". NULL when the line has no
 * bracketed address (then no address can be trusted).
 */
char *
trapin_source(const char *transport)
{
	const char *a, *b;

	if (transport == NULL || (a = strchr(transport, '[')) == NULL ||
	    (b = strchr(a, ']')) == NULL || b == a + 1)
		return NULL;
	return xstrndup(a + 1, (size_t)(b - a - 1));
}

/* s as a quoted value of snmptrapd's output ("a \"b\""), for the
 * notifications mailhealth-sms makes itself (alert_trap_begin & co). */
char *
trapin_quote(const char *s)
{
	struct strbuf b;

	strbuf_init(&b);
	strbuf_putc(&b, '"');
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_putc(&b, '\\');
		strbuf_putc(&b, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
	strbuf_putc(&b, '"');
	return strbuf_steal(&b);
}
