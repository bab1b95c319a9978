/*
 * logsrc.c: the log source interface (logsrc.h): one table of kinds,
 * each a struct logsrc_ops in its own file, and what every kind shares:
 * the delivery of a line (header, since filter, budget, statistics),
 * the state file round trip and the error a source reports.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logs/logsrc_int.h"

static const struct {
	enum logsrc_kind kind;
	const struct logsrc_ops *ops;
} kinds[] = {
	{ LOGSRC_FILE, &logsrc_file_ops },
	{ LOGSRC_MULTILOG, &logsrc_multilog_ops },
	{ LOGSRC_JOURNAL, &logsrc_journal_ops },
};

void
logsrc_seterr(struct logsrc *src, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(src->err, sizeof(src->err), fmt, ap);
	va_end(ap);
}

const char *
logsrc_strerror(int e)
{
	return e == ENOTSUP ? "not a regular file" : strerror(e);
}

void
logsrc_split_path(const char *path, char **dir, char **base)
{
	const char *sl = strrchr(path, '/');

	if (sl == NULL) {
		*dir = xstrdup(".");
		*base = xstrdup(path);
	} else {
		*dir = sl == path ? xstrdup("/") :
		    xstrndup(path, (size_t)(sl - path));
		*base = xstrdup(sl + 1);
	}
}

static char **
strv_dup(const char *const *v)
{
	size_t n = 0, i;
	char **out;

	if (v == NULL)
		return NULL;
	while (v[n])
		n++;
	out = xcalloc(n + 1, sizeof(*out));
	for (i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static void
strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

static void
logsrc_free(struct logsrc *src)
{
	free(src->name);
	free(src->path);
	free(src->state_file);
	strv_free(src->files);
	strv_free(src->units);
	strv_free(src->idents);
	logts_fini(&src->ts);
	free(src);
}

bool
logsrc_have_journal(void)
{
#ifdef HAVE_LIBSYSTEMD
	return true;
#else
	return false;
#endif
}

struct logsrc *
logsrc_open(const struct logsrc_conf *c, char **why)
{
	struct logsrc *src;
	struct logstate st;
	const struct logstate *stp = NULL;
	char *serr = NULL;
	const char *name = c->name ? c->name : "?";
	size_t i;
	int r;

	*why = NULL;
	for (i = 0; i < MH_ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == c->kind)
			break;
	if (i == MH_ARRAY_SIZE(kinds)) {
		*why = xasprintf("log %s: unknown kind of source", name);
		return NULL;
	}
	if (c->kind != LOGSRC_JOURNAL && (c->path == NULL || !*c->path)) {
		*why = xasprintf("log %s: no path", name);
		return NULL;
	}
	src = xcalloc(1, sizeof(*src));
	src->ops = kinds[i].ops;
	src->name = xstrdup(name);
	src->path = c->path ? xstrdup(c->path) : NULL;
	src->state_file = c->state_file ? xstrdup(c->state_file) : NULL;
	src->files = strv_dup(c->files);
	src->units = strv_dup(c->units);
	src->idents = strv_dup(c->idents);
	src->parser = c->parser;
	src->once = c->once;
	src->since = c->since;
	src->from_start = c->from_start;
	src->max_line = c->max_line ? c->max_line : LOGSRC_MAX_LINE;
	if (src->max_line > LOGSRC_MAX_LINE)
		src->max_line = LOGSRC_MAX_LINE;
	logts_init(&src->ts, (int64_t)time(NULL));

	if (!src->once && src->state_file) {
		r = logstate_read(src->state_file, &st, &serr);
		if (r < 0) {
			/* Start at the end, as without a state: reading
			 * the whole file again would count old lines as
			 * new and raise old alarms again. */
			snprintf(src->state_err, sizeof(src->state_err),
			    "%s; reading from the end", serr);
			log_warnx("logs", "log %s: %s", src->name,
			    src->state_err);
			free(serr);
		} else if (r > 0 && (strcmp(st.kind, src->ops->name) != 0 ||
		    (st.path == NULL) != (src->path == NULL) ||
		    (st.path && strcmp(st.path, src->path) != 0))) {
			log_notice("logs", "log %s: state file %s is for %s "
			    "%s, not this source: ignored", src->name,
			    src->state_file, st.kind, st.path ? st.path : "");
			logstate_clear(&st);
		} else if (r > 0)
			stp = &st;
	}
	r = src->ops->open(src, stp, why);
	if (stp)
		logstate_clear(&st);
	if (r < 0) {
		logsrc_free(src);
		return NULL;
	}
	return src;
}

enum logsrc_rc
logsrc_read(struct logsrc *src, logsrc_line_fn *fn, void *arg,
    const struct logsrc_budget *b)
{
	enum logsrc_rc rc;
	int64_t now = (int64_t)time(NULL);

	src->fn = fn;
	src->arg = arg;
	src->left_lines = b && b->lines ? b->lines : SIZE_MAX;
	src->left_bytes = b && b->bytes ? b->bytes : UINT64_MAX;
	logts_set_now(&src->ts, now);
	src->cutoff = src->once && src->since > 0 ? now - src->since :
	    INT64_MIN;
	src->err[0] = '\0';
	rc = src->ops->read(src);
	if (rc == LOGSRC_ERROR)
		src->st.errors++;
	/* one log line per problem, not one per round */
	if (src->err[0] && strcmp(src->err, src->logged) != 0)
		log_warnx("logs", "log %s: %s", src->name, src->err);
	memcpy(src->logged, src->err, sizeof(src->logged));
	return rc;
}

static bool
logsrc_budget(struct logsrc *src, uint64_t consumed)
{
	if (src->left_lines > 0)
		src->left_lines--;
	src->left_bytes = src->left_bytes > consumed ?
	    src->left_bytes - consumed : 0;
	return src->left_lines > 0 && src->left_bytes > 0;
}

bool
logsrc_deliver(struct logsrc *src, const char *p, size_t n,
    uint64_t consumed, unsigned flags)
{
	struct log_line l;
	enum logts_fmt f;

	src->st.bytes += consumed;
	if (flags & LOGSRC_CUT)
		src->st.long_lines++;
	if (flags & LOGSRC_UNTERM)
		src->st.unterminated++;
	/* NULs before a line are the hole a writer without O_APPEND leaves
	 * when its file is truncated under it (copytruncate): not text */
	if (n > 0 && p[0] == '\0') {
		while (n > 0 && p[0] == '\0') {
			p++;
			n--;
		}
		if (n == 0)
			return logsrc_budget(src, consumed);
	}
	f = logts_parse(&src->ts, p, n, &l);
	if (f == LOGTS_NONE)
		src->st.no_header++;
	if (l.ts != 0 && l.ts < src->cutoff) {
		src->st.skipped++;
		return logsrc_budget(src, consumed);
	}
	l.parser = src->parser;
	/* a line with Exim's own stamp and no program is Exim's mainlog */
	if (l.parser == LOGP_AUTO && f == LOGTS_EXIM)
		l.parser = LOGP_EXIM;
	src->st.lines++;
	src->fn(src->arg, &l);
	return logsrc_budget(src, consumed);
}

bool
logsrc_emit(struct logsrc *src, struct log_line *l)
{
	uint64_t consumed = l->text.n + 1;

	src->st.bytes += consumed;
	if (l->ts != 0 && l->ts < src->cutoff) {
		src->st.skipped++;
		return logsrc_budget(src, consumed);
	}
	if (l->parser == LOGP_AUTO)
		l->parser = src->parser;
	src->st.lines++;
	src->fn(src->arg, l);
	return logsrc_budget(src, consumed);
}

int
logsrc_save(struct logsrc *src)
{
	struct logstate st;
	char *why = NULL;
	int rc;

	if (src->once || src->state_file == NULL)
		return 0;
	memset(&st, 0, sizeof(st));
	snprintf(st.kind, sizeof(st.kind), "%s", src->ops->name);
	st.saved = (int64_t)time(NULL);
	if (src->ops->state(src, &st) < 0) {
		logstate_clear(&st);
		return 0;
	}
	if (st.path == NULL && src->path)
		st.path = xstrdup(src->path);
	rc = logstate_write(src->state_file, &st, &why);
	logstate_clear(&st);
	if (rc < 0) {
		if (strcmp(why, src->state_err) != 0)
			log_warnx("logs", "log %s: %s", src->name, why);
		snprintf(src->state_err, sizeof(src->state_err), "%s", why);
		free(why);
		return -1;
	}
	src->state_err[0] = '\0';
	return 0;
}

const char *
logsrc_error(const struct logsrc *src)
{
	if (src->err[0])
		return src->err;
	return src->state_err[0] ? src->state_err : NULL;
}

void
logsrc_stats(const struct logsrc *src, struct logsrc_stats *st)
{
	*st = src->st;
}

const char *
logsrc_name(const struct logsrc *src)
{
	return src->name;
}

void
logsrc_close(struct logsrc *src)
{
	if (src == NULL)
		return;
	src->ops->close(src);
	logsrc_free(src);
}
