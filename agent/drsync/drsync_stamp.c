/*
 * drsync_stamp.c: the stamp file that the primary writes into the
 * replicated tree and the DR server reads where it arrives. Text, so
 * that an admin can cat it on either side:
 *
 *	mailhealth-stamp 1
 *	host mail1.example.net
 *	time 1700000000
 *	seq 42
 *
 * time is the primary's clock (Unix seconds) when it wrote the stamp,
 * seq counts the stamps written (it goes on across restarts, read back
 * from the file). Unknown keys are ignored, so a later version may add
 * some; a missing or repeated key, a bad number or anything that is not
 * text is an error with its line.
 *
 * Writing is atomic (a temporary file in the same directory, fsync,
 * rename): whatever copies the tree (rsync, lsyncd, unison, DRBD) sees
 * the old stamp or the new one, never half of one. The temporary name
 * starts with a dot and ends in .tmp, which rsync filters commonly skip.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "drsync/drsync.h"

#define STAMP_MAGIC "mailhealth-stamp"
#define STAMP_VERSION 1

size_t
drsync_stamp_format(const struct drsync_stamp *st, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s %d\nhost %s\ntime %" PRId64
	    "\nseq %" PRIu64 "\n", STAMP_MAGIC, STAMP_VERSION, st->host,
	    st->time, st->seq);

	return n < 0 ? 0 : (size_t)n;
}

/* a decimal number filling [s, e); false on anything else */
static bool
stamp_number(const char *s, const char *e, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == e || e - s > 20)
		return false;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

int
drsync_stamp_parse(const char *buf, size_t len, struct drsync_stamp *st,
    const char **why, size_t *line)
{
	const char *p = buf, *end = buf + len;
	bool have_host = false, have_time = false, have_seq = false;
	size_t ln = 0;

	memset(st, 0, sizeof(*st));
	*line = 0;
	if (len > DRSYNC_STAMP_MAX) {
		*why = "larger than 4096 bytes: not a stamp";
		return -1;
	}
	if (len == 0) {
		*why = "empty";
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *sp, *q;
		uint64_t v;

		*line = ++ln;
		for (q = p; q < e; q++) {
			if ((unsigned char)*q < 0x20 || *q == 0x7f) {
				*why = "control character or binary data";
				return -1;
			}
		}
		if (ln == 1) {
			size_t ml = sizeof(STAMP_MAGIC) - 1;

			if ((size_t)(e - p) <= ml + 1 || memcmp(p, STAMP_MAGIC, ml) ||
			    p[ml] != ' ') {
				*why = "not a mailhealth stamp (no "
				    "\"mailhealth-stamp 1\" line)";
				return -1;
			}
			if (!stamp_number(p + ml + 1, e, 1000, &v) ||
			    v != STAMP_VERSION) {
				*why = "a stamp version this agent does not read";
				return -1;
			}
			goto next;
		}
		if (p == e)
			goto next;	/* an empty line */
		sp = memchr(p, ' ', (size_t)(e - p));
		if (sp == NULL) {
			*why = "a line that is not KEY VALUE";
			return -1;
		}
		if (sp - p == 4 && memcmp(p, "host", 4) == 0) {
			size_t hl = (size_t)(e - sp - 1);

			if (have_host || hl == 0 || hl >= sizeof(st->host)) {
				*why = have_host ? "host given twice" :
				    "host empty or longer than 255 bytes";
				return -1;
			}
			memcpy(st->host, sp + 1, hl);
			st->host[hl] = '\0';
			have_host = true;
		} else if (sp - p == 4 && memcmp(p, "time", 4) == 0) {
			if (have_time || !stamp_number(sp + 1, e, INT64_MAX, &v) ||
			    v == 0) {
				*why = have_time ? "time given twice" :
				    "time is not a positive number of seconds";
				return -1;
			}
			st->time = (int64_t)v;
			have_time = true;
		} else if (sp - p == 3 && memcmp(p, "seq", 3) == 0) {
			if (have_seq || !stamp_number(sp + 1, e, UINT64_MAX, &v)) {
				*why = have_seq ? "seq given twice" :
				    "seq is not a number";
				return -1;
			}
			st->seq = v;
			have_seq = true;
		}
		/* other keys: from a later version, ignored */
next:
		p = nl ? nl + 1 : end;
	}
	*line = 0;
	if (!have_host || !have_time || !have_seq) {
		*why = !have_host ? "no host line" : !have_time ? "no time line" :
		    "no seq line";
		return -1;
	}
	return 0;
}

int
drsync_stamp_write(const char *path, const struct drsync_stamp *st)
{
	char buf[DRSYNC_STAMP_MAX], *dcopy, *bcopy, *tmp;
	size_t len = drsync_stamp_format(st, buf, sizeof(buf)), off = 0;
	int fd, rc = -1, saved;

	dcopy = xstrdup(path);
	bcopy = xstrdup(path);
	tmp = xasprintf("%s/.%s.tmp", dirname(dcopy), basename(bcopy));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0)
		goto out;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	/* the data on disk before the name: a crash must not leave an
	 * empty stamp under the real name */
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
out:
	saved = errno;
	free(tmp);
	free(dcopy);
	free(bcopy);
	errno = saved;
	return rc;
}

int
drsync_stamp_read(const char *path, struct drsync_stamp *st, char *err,
    size_t errlen)
{
	char buf[DRSYNC_STAMP_MAX + 1];
	struct stat sb;
	size_t len = 0, line;
	const char *why;
	int fd, rc = -1;

	/* O_NONBLOCK: a FIFO planted under the name must not hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			snprintf(err, errlen, "%s: no stamp has arrived", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (drsync_stamp_parse(buf, len, st, &why, &line) < 0) {
		if (line > 0)
			snprintf(err, errlen, "%s: line %zu: %s", path, line, why);
		else
			snprintf(err, errlen, "%s: %s", path, why);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}
