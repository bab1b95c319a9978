/*
 * audit.c: one line per message event, for the admin who asks "did the
 * page go out at 03:12, and if not, why?". Events: queued, sent, retry,
 * failed, suppressed, dropped, incomplete (a notification that lacked
 * some mhNotify objects and was paged with what it had), test, error (a
 * handler could not start mailhealth-sms-sender; the alert stays
 * spooled).
 *
 *   2024-06-01T03:12:44Z pid=812 event=sent to=+15550100 id=...
 *     detail="http 202: 0: Accepted for delivery" text="CRITICAL mx1 ..."
 *
 * (one line in the file). Each line is one write() on an O_APPEND fd, so
 * lines from concurrent handlers and the sender never interleave.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sms.h"

static int audit_fd = -1;

void
audit_open(const char *path)
{
	audit_close();
	if (path == NULL)
		return;
	audit_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (audit_fd < 0)
		log_warn("audit", "cannot open audit log %s", path);
}

void
audit_close(void)
{
	if (audit_fd >= 0)
		close(audit_fd);
	audit_fd = -1;
}

static void
audit_quoted(struct strbuf *b, const char *key, const char *v)
{
	strbuf_printf(b, " %s=\"", key);
	for (; v && *v; v++) {
		if (*v == '"' || *v == '\\')
			strbuf_putc(b, '\\');
		strbuf_putc(b, (*v == '\n' || *v == '\r') ? ' ' : *v);
	}
	strbuf_putc(b, '"');
}

void
audit_event(const char *event, const char *to, const char *id,
    const char *detail, const char *text)
{
	struct strbuf b;
	char when[32];
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strbuf_init(&b);
	strbuf_printf(&b, "%s pid=%d event=%s", when, (int)getpid(), event);
	if (to)
		strbuf_printf(&b, " to=%s", to);
	if (id)
		strbuf_printf(&b, " id=%s", id);
	if (detail)
		audit_quoted(&b, "detail", detail);
	if (text)
		audit_quoted(&b, "text", text);
	log_debug("audit", "%s", b.s);
	strbuf_putc(&b, '\n');
	if (audit_fd >= 0 && write(audit_fd, b.s, b.len) != (ssize_t)b.len)
		log_warn("audit", "cannot write the audit log");
	strbuf_free(&b);
}
