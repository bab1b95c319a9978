/*
 * log.c: one logger for every program. Messages go to stderr in the
 * foreground and to syslog (LOG_DAEMON) when daemonised. errno is kept
 * intact across every call so callers can log and then test it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "util.h"

static enum log_dest dest = LOG_TO_STDERR;
static const char *ident = "mailhealth";
static char *debug_tokens;	/* ",queue,snmp," or NULL */
static bool debug_all;

void
log_init(const char *id, enum log_dest d)
{
	ident = id;
	dest = d;
	if (dest == LOG_TO_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_debug(const char *tokens)
{
	free(debug_tokens);
	debug_tokens = NULL;
	debug_all = false;
	if (tokens == NULL)
		return;
	if (*tokens == '\0' || strcmp(tokens, "all") == 0) {
		debug_all = true;
		return;
	}
	debug_tokens = xasprintf(",%s,", tokens);
}

bool
log_debug_enabled(const char *token)
{
	char key[64];

	if (debug_all)
		return true;
	if (debug_tokens == NULL)
		return false;
	snprintf(key, sizeof(key), ",%s,", token);
	return strstr(debug_tokens, key) != NULL;
}

static const char *
prio_name(int prio)
{
	switch (prio) {
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	case LOG_DEBUG: return "debug";
	default: return "crit";
	}
}

static void log_printf_internal(int prio, const char *token,
    const char *fmt, ...) MH_PRINTF(3, 4);

void
log_vlog(int prio, const char *token, const char *fmt, va_list ap)
{
	char msg[2048];
	int saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (dest == LOG_TO_SYSLOG) {
		syslog(prio, "%s: %s", token, msg);
	} else {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s[%s] %s: %s\n", when,
		    ts.tv_nsec / 1000000, ident, token, prio_name(prio), msg);
	}
	errno = saved;
}

static void
log_printf_internal(int prio, const char *token, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(prio, token, fmt, ap);
	va_end(ap);
}

static void log_fmt(int, const char *, bool, const char *, va_list)
    MH_PRINTF(4, 0);

static void
log_fmt(int prio, const char *token, bool with_errno, const char *fmt,
    va_list ap)
{
	char msg[2048];
	int saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno)
		log_printf_internal(prio, token, "%s: %s", msg, strerror(saved));
	else
		log_printf_internal(prio, token, "%s", msg);
	errno = saved;
}

void
log_warn(const char *token, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_fmt(LOG_WARNING, token, true, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *token, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_fmt(LOG_WARNING, token, false, fmt, ap);
	va_end(ap);
}

void
log_info(const char *token, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_fmt(LOG_INFO, token, false, fmt, ap);
	va_end(ap);
}

void
log_notice(const char *token, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_fmt(LOG_NOTICE, token, false, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *token, const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_enabled(token))
		return;
	va_start(ap, fmt);
	log_fmt(LOG_DEBUG, token, false, fmt, ap);
	va_end(ap);
}

void
log_fatalx(const char *token, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_fmt(LOG_CRIT, token, false, fmt, ap);
	va_end(ap);
	exit(70); /* EX_SOFTWARE */
}
