/*
 * logstate.c: the state file of a log source (format in logsrc_int.h).
 *
 * Text, so that an admin can read where a source stands; a checksum
 * line last, so that a file cut short by a crash or edited by hand is
 * refused rather than trusted: a wrong offset would re-count or skip
 * lines without anyone knowing. Written to a temporary file, synced and
 * renamed over the old one, so a crash leaves the old or the new state,
 * never half of one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logs/logsrc_int.h"

#define STATE_MAGIC "mailhealth-logstate 1"
#define STATE_MAX 16384

void
logstate_clear(struct logstate *st)
{
	free(st->path);
	free(st->name);
	free(st->cursor);
	memset(st, 0, sizeof(*st));
}

static void
put_str(struct strbuf *b, const char *key, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	strbuf_puts(b, key);
	strbuf_putc(b, ' ');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c == 0x7f || c == '%') {
			strbuf_putc(b, '%');
			strbuf_putc(b, hex[c >> 4]);
			strbuf_putc(b, hex[c & 15]);
		} else
			strbuf_putc(b, (char)c);
	}
	strbuf_putc(b, '\n');
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char *
get_str(const char *v)
{
	char *out = xmalloc(strlen(v) + 1), *o = out;

	while (*v) {
		if (*v == '%') {
			int a = hexval(v[1]), b = a < 0 ? -1 : hexval(v[2]);

			if (b < 0) {
				free(out);
				return NULL;
			}
			*o++ = (char)(a << 4 | b);
			v += 3;
		} else
			*o++ = *v++;
	}
	*o = '\0';
	if (strlen(out) != (size_t)(o - out)) {	/* an encoded NUL */
		free(out);
		return NULL;
	}
	return out;
}

static bool
get_u64(const char *v, int base, uint64_t *out)
{
	char *end;

	if (*v == '\0' || *v == '-' || *v == '+' || *v == ' ')
		return false;
	errno = 0;
	*out = strtoull(v, &end, base);
	return errno == 0 && *end == '\0';
}

int
logstate_write(const char *file, const struct logstate *st, char **why)
{
	struct strbuf b;
	char *tmp = xasprintf("%s.tmp", file), *dir, *base;
	int fd = -1, rc = -1, dfd;
	size_t off = 0;

	strbuf_init(&b);
	strbuf_puts(&b, STATE_MAGIC "\n");
	put_str(&b, "kind", st->kind);
	if (st->path)
		put_str(&b, "path", st->path);
	if (st->cursor)
		put_str(&b, "cursor", st->cursor);
	else {
		strbuf_printf(&b, "ino %" PRIu64 "\noff %" PRIu64 "\n",
		    st->ino, st->off);
		strbuf_printf(&b, "tail %" PRIu32 " %016" PRIx64 "\n",
		    st->tailn, st->hash);
	}
	if (st->name)
		put_str(&b, "name", st->name);
	if (st->prev)
		strbuf_printf(&b, "prev %" PRIu64 "\n", st->prev);
	strbuf_printf(&b, "saved %" PRId64 "\n", st->saved);
	strbuf_printf(&b, "sum %016" PRIx64 "\n", mh_fnv1a64(b.s, b.len));

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	while (off < b.len) {
		ssize_t w = write(fd, b.s + off, b.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, file) < 0)
		goto fail;
	/* the rename itself must survive a crash too */
	logsrc_split_path(file, &dir, &base);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(dir);
	free(base);
	rc = 0;
	goto out;
fail:
	*why = xasprintf("cannot write state file %s: %s", file,
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
out:
	strbuf_free(&b);
	free(tmp);
	return rc;
}

/* One "key value" line of a state file into st. */
static const char *
state_line(struct logstate *st, char *key, char *v, unsigned *seen)
{
	uint64_t x;

	if (strcmp(key, "kind") == 0) {
		if (strlen(v) >= sizeof(st->kind) || strchr(v, '%'))
			return "bad kind";
		strcpy(st->kind, v);
		*seen |= 1;
	} else if (strcmp(key, "path") == 0) {
		if (st->path || (st->path = get_str(v)) == NULL)
			return "bad path";
	} else if (strcmp(key, "name") == 0) {
		if (st->name || (st->name = get_str(v)) == NULL)
			return "bad name";
	} else if (strcmp(key, "cursor") == 0) {
		if (st->cursor || (st->cursor = get_str(v)) == NULL)
			return "bad cursor";
		*seen |= 2;
	} else if (strcmp(key, "ino") == 0) {
		if (!get_u64(v, 10, &st->ino))
			return "bad inode number";
		*seen |= 4;
	} else if (strcmp(key, "off") == 0) {
		if (!get_u64(v, 10, &st->off) || st->off > INT64_MAX)
			return "bad offset";
		*seen |= 8;
	} else if (strcmp(key, "tail") == 0) {
		char *sp = strchr(v, ' ');

		if (sp == NULL)
			return "bad tail";
		*sp = '\0';
		if (!get_u64(v, 10, &x) || x > LOGFOLLOW_TAIL ||
		    !get_u64(sp + 1, 16, &st->hash) || strlen(sp + 1) != 16)
			return "bad tail";
		st->tailn = (uint32_t)x;
		*seen |= 16;
	} else if (strcmp(key, "prev") == 0) {
		if (!get_u64(v, 10, &st->prev))
			return "bad inode number";
	} else if (strcmp(key, "saved") == 0) {
		if (!get_u64(v, 10, &x) || x > INT64_MAX)
			return "bad time";
		st->saved = (int64_t)x;
	} else
		return "unknown key";
	return NULL;
}

int
logstate_read(const char *file, struct logstate *st, char **why)
{
	char *buf = NULL, *p, *nl, *sum = NULL;
	const char *bad = NULL;
	ssize_t n = 0, r;
	unsigned lineno = 0, seen = 0;
	uint64_t want;
	int fd, rc = -1;

	memset(st, 0, sizeof(*st));
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		*why = xasprintf("state file %s: %s", file, strerror(errno));
		return -1;
	}
	buf = xmalloc(STATE_MAX + 1);
	while ((r = read(fd, buf + n, (size_t)(STATE_MAX + 1 - n))) > 0)
		n += r;
	if (r < 0) {
		*why = xasprintf("state file %s: %s", file, strerror(errno));
		goto out;
	}
	if (n > STATE_MAX) {
		bad = "larger than any state file";
		goto bad;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', (size_t)n)) {
		bad = "a NUL byte";
		goto bad;
	}
	if (n == 0 || buf[n - 1] != '\n') {
		bad = "last line cut short";
		goto bad;
	}
	/* the last line is the checksum of every byte before it */
	buf[n - 1] = '\0';
	sum = strrchr(buf, '\n');
	sum = sum ? sum + 1 : buf;
	if (strncmp(sum, "sum ", 4) != 0) {
		bad = "no checksum line";
		goto bad;
	}
	if (!get_u64(sum + 4, 16, &want) || strlen(sum + 4) != 16 ||
	    mh_fnv1a64(buf, (size_t)(sum - buf)) != want) {
		bad = "checksum does not match";
		goto bad;
	}
	sum[0] = '\0';
	for (p = buf; *p; p = nl + 1) {
		char *sp;

		lineno++;
		nl = strchr(p, '\n');
		*nl = '\0';
		if (lineno == 1) {
			if (strcmp(p, STATE_MAGIC) != 0) {
				bad = "not a mailhealth log state (version 1)";
				goto bad;
			}
			continue;
		}
		sp = strchr(p, ' ');
		if (sp == NULL) {
			bad = "no value";
			goto bad;
		}
		*sp = '\0';
		if ((bad = state_line(st, p, sp + 1, &seen)) != NULL)
			goto bad;
	}
	if (!(seen & 1) || !((seen & 2) || (seen & 28) == 28)) {
		bad = "incomplete";
		lineno = 0;
		goto bad;
	}
	rc = 1;
	goto out;
bad:
	if (lineno)
		*why = xasprintf("state file %s: line %u: %s", file, lineno,
		    bad);
	else
		*why = xasprintf("state file %s: %s", file, bad);
	logstate_clear(st);
out:
	close(fd);
	free(buf);
	return rc;
}
