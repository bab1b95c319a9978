/*
 * spool.c: the durable queue between the handler and the gateway.
 *
 *   SPOOL/tmp/        files being written (never read by the sender)
 *   SPOOL/outgoing/   one file per SMS, ready to send
 *   SPOOL/failed/     permanent failures and expired messages, for a human
 *   SPOOL/state       storm memory (storm.c), guarded by state.lock
 *   SPOOL/state.lock  flock: whoever plans messages or summaries
 *   SPOOL/sender.lock flock: held by the one running sender
 *   SPOOL/seq         the last sequence number (names sort by it)
 *
 * A message is written to tmp/, fsynced, renamed into outgoing/ and the
 * directory fsynced (the Maildir pattern), so a crash leaves it either
 * absent or complete. File names start with the spool's sequence number
 * (not the clock), so sorted names are arrival order.
 *
 * Senders claim a message with flock(LOCK_EX|LOCK_NB) on the open file and
 * then check that the path still names the inode they locked: another
 * sender may have sent it (unlink) or failed it (rename) meanwhile. That
 * makes a concurrent --flush and a running sender safe: no message is sent
 * twice, and none is skipped for good.
 *
 * The first line has a fixed width so a retry updates attempts and the
 * next-attempt time with one small pwrite in place, under the lock.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sms.h"

#define SPOOL_MAX_FILE (64 * 1024)
#define SPOOL_HDR_FMT "MHSMS1 attempts=%010u next=%020lld\n"
#define SPOOL_HDR_LEN 53 /* strlen of SPOOL_HDR_FMT once printed */

char *
spool_path(const char *dir, const char *sub, const char *name)
{
	if (name == NULL)
		return xasprintf("%s/%s", dir, sub);
	return xasprintf("%s/%s/%s", dir, sub, name);
}

static int
spool_mkdir(const char *path)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		log_warn("spool", "cannot create %s", path);
		return -1;
	}
	return 0;
}

int
spool_init(const char *dir)
{
	static const char *const subs[] = { "tmp", "outgoing", "failed" };
	size_t i;

	if (spool_mkdir(dir) != 0)
		return -1;
	for (i = 0; i < MH_ARRAY_SIZE(subs); i++) {
		char *p = spool_path(dir, subs[i], NULL);
		int rc = spool_mkdir(p);

		free(p);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/*
 * flock(LOCK_EX) on fd, waited for at most timeout_ms (0: not at all).
 * -1 with errno EWOULDBLOCK when someone else holds it that long, or with
 * flock's own errno. Every lock has a deadline: a handler snmptrapd is
 * waiting for must never hang on a lock some stuck process holds.
 */
static int
spool_flock(int fd, int timeout_ms)
{
	int waited = 0;

	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK || waited >= timeout_ms)
			return -1;
		/* short sleeps: a handler holds a lock for ~1 ms */
		usleep(2000);
		waited += 2;
	}
	return 0;
}

/*
 * The spool's sequence number: SPOOL/seq holds the last one given out,
 * 20 digits, updated in place under its own flock (held for
 * microseconds). Message names start with it, so a sort by name is
 * arrival order whatever the clock does: a clear spooled after the
 * clock was stepped back still sorts after its raise. In place, because
 * overwriting existing bytes needs no new block on a full file system.
 * When it cannot be advanced (read-only, the lock busy too long) the
 * last number is used again and the time in the name breaks the tie; 0
 * when there is no spool at all.
 */
#define SPOOL_SEQ_LEN 20
#define SPOOL_SEQ_LOCK_MS 500

unsigned long long
spool_next_seq(const char *dir)
{
	char *p = spool_path(dir, "seq", NULL);
	char buf[SPOOL_SEQ_LEN + 1];
	unsigned long long v = 0;
	bool rw = true;
	ssize_t n;
	int fd;

	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		rw = false;
		fd = open(p, O_RDONLY | O_CLOEXEC);
	}
	free(p);
	if (fd < 0)
		return 0;
	if (rw && spool_flock(fd, SPOOL_SEQ_LOCK_MS) != 0)
		rw = false;	/* read what is there, do not advance */
	n = pread(fd, buf, SPOOL_SEQ_LEN, 0);
	if (n > 0) {
		buf[n] = '\0';
		v = strtoull(buf, NULL, 10);
	}
	if (rw) {
		snprintf(buf, sizeof(buf), "%0*llu", SPOOL_SEQ_LEN, v + 1);
		if (pwrite(fd, buf, SPOOL_SEQ_LEN, 0) == SPOOL_SEQ_LEN &&
		    fdatasync(fd) == 0)
			v++;
	}
	close(fd);	/* drops the flock */
	return v;
}

/* "<seq>.<sec>.<nsec>.<pid>.<counter>.<tag>": sorts in arrival order
 * (see spool_next_seq), unique across processes (pid) and within one
 * (counter). */
char *
spool_unique_name(unsigned long long seq, const char *tag)
{
	static unsigned counter;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return xasprintf("%0*llu.%010lld.%09ld.%07d.%04u.%s", SPOOL_SEQ_LEN,
	    seq, (long long)ts.tv_sec, ts.tv_nsec, (int)getpid(),
	    counter++ % 10000, tag);
}

static void
spool_put_escaped(struct strbuf *b, const char *key, const char *v)
{
	strbuf_puts(b, key);
	strbuf_putc(b, '=');
	for (; v && *v; v++) {
		if (*v == '\\')
			strbuf_puts(b, "\\\\");
		else if (*v == '\n')
			strbuf_puts(b, "\\n");
		else if (*v == '\r')
			strbuf_puts(b, "\\r");
		else
			strbuf_putc(b, *v);
	}
	strbuf_putc(b, '\n');
}

char *
spool_encode(const struct spool_msg *m)
{
	struct strbuf b;

	strbuf_init(&b);
	strbuf_printf(&b, SPOOL_HDR_FMT, m->attempts, (long long)m->next_try);
	strbuf_printf(&b, "created=%lld\n", (long long)m->created);
	spool_put_escaped(&b, "kind", m->kind);
	spool_put_escaped(&b, "to", m->to);
	spool_put_escaped(&b, "key", m->key);
	spool_put_escaped(&b, "text", m->text);
	return strbuf_steal(&b);
}

static char *
spool_unescape(const char *s, size_t n)
{
	struct strbuf b;
	size_t i;

	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			strbuf_putc(&b, s[i] == 'n' ? '\n' : s[i] == 'r' ?
			    '\r' : s[i]);
		} else
			strbuf_putc(&b, s[i]);
	}
	return strbuf_steal(&b);
}

int
spool_decode(const char *buf, size_t len, struct spool_msg *m)
{
	const char *p = buf, *end = buf + len;
	unsigned attempts;
	long long next;
	int n = 0;

	memset(m, 0, sizeof(*m));
	if (len < SPOOL_HDR_LEN || sscanf(buf, "MHSMS1 attempts=%u next=%lld%n",
	    &attempts, &next, &n) != 2 || buf[n] != '\n')
		return -1;
	m->attempts = attempts;
	m->next_try = (time_t)next;
	p = buf + n + 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eq;
		char **dst = NULL;

		if (nl == NULL)
			nl = end;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq == NULL)
			goto bad;
#define K(s) ((size_t)(eq - p) == sizeof(s) - 1 && memcmp(p, s, sizeof(s) - 1) == 0)
		if (K("created"))
			m->created = (time_t)strtoll(eq + 1, NULL, 10);
		else if (K("kind"))
			dst = &m->kind;
		else if (K("to"))
			dst = &m->to;
		else if (K("key"))
			dst = &m->key;
		else if (K("text"))
			dst = &m->text;
		/* other keys (e.g. reason= in failed/) are ignored */
#undef K
		if (dst) {
			free(*dst);
			*dst = spool_unescape(eq + 1, (size_t)(nl - eq - 1));
		}
		p = nl + 1;
	}
	if (m->to == NULL || m->text == NULL || m->to[0] == '\0')
		goto bad;
	if (m->kind == NULL)
		m->kind = xstrdup("alert");
	if (m->key == NULL)
		m->key = xstrdup("");
	return 0;
bad:
	spool_msg_free(m);
	return -1;
}

void
spool_msg_free(struct spool_msg *m)
{
	free(m->name);
	free(m->to);
	free(m->text);
	free(m->kind);
	free(m->key);
	memset(m, 0, sizeof(*m));
}

static int
spool_fsync_dir(const char *dir, const char *sub)
{
	char *p = spool_path(dir, sub, NULL);
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) != 0) {
		log_warn("spool", "cannot fsync %s", p);
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	free(p);
	return rc;
}

/* tmp/NAME, fsync, rename to outgoing/NAME, fsync the directory. */
int
spool_put(const char *dir, struct spool_msg *m)
{
	char *data = NULL, *tmp = NULL, *dst = NULL;
	size_t len;
	int fd = -1, rc = -1;

	if (m->name == NULL)
		m->name = spool_unique_name(spool_next_seq(dir), "m");
	data = spool_encode(m);
	len = strlen(data);
	tmp = spool_path(dir, "tmp", m->name);
	dst = spool_path(dir, "outgoing", m->name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_warn("spool", "cannot create %s", tmp);
		goto out;
	}
	if (write(fd, data, len) != (ssize_t)len) {
		log_warn("spool", "cannot write %s", tmp);
		goto out;
	}
	if (fsync(fd) != 0) {
		log_warn("spool", "cannot fsync %s", tmp);
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, dst) != 0) {
		log_warn("spool", "cannot rename %s", tmp);
		goto out;
	}
	/* Once renamed, the sender sees it: a failed directory fsync
	 * (logged) must not make the caller spool it a second time. */
	spool_fsync_dir(dir, "outgoing");
	rc = 0;
out:
	{
		int e = errno;	/* the failure's, for the caller's message */

		if (fd >= 0)
			close(fd);
		if (rc != 0 && tmp)
			unlink(tmp);
		free(data);
		free(tmp);
		free(dst);
		errno = e;
	}
	return rc;
}

static int
spool_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
spool_list(const char *dir, char ***names, size_t *n)
{
	char *p = spool_path(dir, "outgoing", NULL);
	DIR *d = opendir(p);
	struct dirent *de;
	char **v = NULL;
	size_t cnt = 0;

	*names = NULL;
	*n = 0;
	if (d == NULL) {
		log_warn("spool", "cannot open %s", p);
		free(p);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		v = xreallocarray(v, cnt + 1, sizeof(char *));
		v[cnt++] = xstrdup(de->d_name);
	}
	closedir(d);
	free(p);
	if (cnt)
		qsort(v, cnt, sizeof(char *), spool_cmp);
	*names = v;
	*n = cnt;
	return 0;
}

void
spool_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The message in the spool file open at fd, read from its start. */
static int
spool_read_fd(int fd, struct spool_msg *m)
{
	char *buf = xmalloc(SPOOL_MAX_FILE + 1);
	ssize_t n = pread(fd, buf, SPOOL_MAX_FILE, 0);
	int rc = -1;

	if (n >= 0) {
		buf[n] = '\0';
		rc = spool_decode(buf, (size_t)n, m);
	}
	free(buf);
	return rc;
}

int
spool_read_msg(const char *path, struct spool_msg *m)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = spool_read_fd(fd, m);
	close(fd);
	return rc;
}

/*
 * 0: claimed (locked, still in outgoing/, decoded into c->msg);
 * 1: busy or already gone, skip it; 2: on a read-only spool, leave it;
 * -1: unreadable (caller fails it, and c->fd is then still held so it
 * can).
 */
int
spool_claim(const char *dir, const char *name, struct spool_claim *c)
{
	struct stat a, b;
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->path = spool_path(dir, "outgoing", name);
	c->fd = open(c->path, O_RDWR | O_CLOEXEC);
	if (c->fd < 0 && (errno == EROFS || errno == EACCES)) {
		/* readable, but we could neither mark nor remove it: sending
		 * it would send it again on every pass */
		spool_release(c);
		return 2;
	}
	if (c->fd < 0)
		goto skip;
	if (flock(c->fd, LOCK_EX | LOCK_NB) != 0)
		goto skip;
	if (fstat(c->fd, &a) != 0 || stat(c->path, &b) != 0 ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev || a.st_nlink == 0)
		goto skip;
	rc = spool_read_fd(c->fd, &c->msg);
	c->msg.name = xstrdup(name);
	return rc;
skip:
	spool_release(c);
	return 1;
}

int
spool_done(struct spool_claim *c)
{
	int rc = 0;

	if (unlink(c->path) != 0) {
		log_warn("spool", "cannot remove %s", c->path);
		rc = -1;
	}
	spool_release(c);
	return rc;
}

int
spool_retry(struct spool_claim *c, unsigned attempts, time_t next_try)
{
	char hdr[SPOOL_HDR_LEN + 1];

	snprintf(hdr, sizeof(hdr), SPOOL_HDR_FMT, attempts,
	    (long long)next_try);
	if (pwrite(c->fd, hdr, SPOOL_HDR_LEN, 0) != SPOOL_HDR_LEN ||
	    fdatasync(c->fd) != 0) {
		log_warn("spool", "cannot update %s", c->path);
		return -1;
	}
	c->msg.attempts = attempts;
	c->msg.next_try = next_try;
	return 0;
}

/* Keep it for a human: append why, move to failed/. */
int
spool_fail(const char *dir, struct spool_claim *c, const char *reason)
{
	struct strbuf b;
	char *dst = spool_path(dir, "failed", c->msg.name);
	int rc = 0;

	strbuf_init(&b);
	spool_put_escaped(&b, "reason", reason);
	if (lseek(c->fd, 0, SEEK_END) < 0 ||
	    write(c->fd, b.s, b.len) != (ssize_t)b.len)
		log_warn("spool", "cannot note the reason in %s", c->path);
	fsync(c->fd);
	if (rename(c->path, dst) != 0) {
		log_warn("spool", "cannot move %s to failed/", c->path);
		rc = -1;
	}
	strbuf_free(&b);
	free(dst);
	spool_release(c);
	return rc;
}

void
spool_release(struct spool_claim *c)
{
	if (c->fd >= 0)
		close(c->fd);	/* drops the flock */
	c->fd = -1;
	free(c->path);
	c->path = NULL;
	spool_msg_free(&c->msg);
}

/*
 * An flock'ed lock file in the spool, waited for at most timeout_ms (see
 * spool_flock). -1 with errno EWOULDBLOCK when someone else holds it that
 * long, or with the open's or flock's errno. The lock lives as long as
 * the fd.
 */
int
spool_lock(const char *dir, const char *lockname, int timeout_ms)
{
	char *p = xasprintf("%s/%s", dir, lockname);
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	free(p);
	if (fd < 0)
		return -1;
	if (spool_flock(fd, timeout_ms) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}
