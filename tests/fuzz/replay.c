/*
 * replay.c: the main of a fuzz target outside libFuzzer. It hands every
 * input file to LLVMFuzzerTestOneInput() once and prints TAP, one test
 * point per file, so that the committed seeds are regression tests in
 * make check (and under ASan/UBSan in scripts/test).
 *
 *   fuzz_NAME [DIR|FILE...]
 *
 * Without arguments it replays the target's seeds,
 * $top_srcdir/tests/fuzz/corpus/NAME (make check exports top_srcdir);
 * a missing or empty corpus is an error, not an empty pass. A directory
 * stands for the regular files in it (libFuzzer corpora are flat), in
 * name order.
 *
 * Each input runs in a child process, for three reasons: a crash on one
 * seed is a "not ok" naming that seed while the others still run; a hang
 * is cut by an alarm instead of hanging make check; and under ASan the
 * leak checker runs at the end of each input. Targets must therefore not
 * rely on state carried from one input to the next (libFuzzer gives no
 * such guarantee either).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* generous: a seed runs in milliseconds, even under ASan */
#define REPLAY_TIMEOUT 60

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* global, so that LeakSanitizer in a child sees them as reachable */
static char **replay_files;
static size_t replay_nfiles;

static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
replay_add(char *path)
{
	replay_files = xreallocarray(replay_files, replay_nfiles + 1,
	    sizeof(*replay_files));
	replay_files[replay_nfiles++] = path;
}

/* Add PATH, or the regular files in it; -1 (said on stderr) if it is
 * neither or a directory holds none. */
static int
replay_collect(const char *path)
{
	struct stat st;
	struct dirent *de;
	size_t first = replay_nfiles;
	DIR *d;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_add(xstrdup(path));
		return 0;
	}
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", path, de->d_name);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			replay_add(p);
		else
			free(p);
	}
	closedir(d);
	if (replay_nfiles == first) {
		fprintf(stderr, "replay: %s: no input files\n", path);
		return -1;
	}
	qsort(replay_files + first, replay_nfiles - first,
	    sizeof(*replay_files), replay_cmp);
	return 0;
}

/* The seed directory of the program called ARGV0: fuzz_NAME (or
 * libtool's lt-fuzz_NAME) -> $top_srcdir/tests/fuzz/corpus/NAME. */
static char *
replay_default_corpus(const char *argv0)
{
	const char *base = strrchr(argv0, '/');
	const char *top = getenv("top_srcdir");

	base = base ? base + 1 : argv0;
	if (strncmp(base, "lt-", 3) == 0)
		base += 3;
	if (strncmp(base, "fuzz_", 5) != 0 || base[5] == '\0') {
		fprintf(stderr, "replay: %s: not named fuzz_NAME; give the "
		    "corpus directories as arguments\n", argv0);
		return NULL;
	}
	if (top == NULL || top[0] == '\0') {
		fprintf(stderr, "replay: top_srcdir is not set (make check "
		    "sets it); give the corpus directories as arguments\n");
		return NULL;
	}
	return xasprintf("%s/tests/fuzz/corpus/%s", top, base + 5);
}

static unsigned char *
replay_read(const char *path, size_t *lenp)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	*lenp = len;
	return buf;
}

/* The child: the input in a buffer of exactly its size, so that ASan
 * sees a read one byte past the end, as under libFuzzer. */
static void
replay_child(const char *path)
{
	unsigned char *buf, *exact;
	size_t len;

	alarm(REPLAY_TIMEOUT);
	if ((buf = replay_read(path, &len)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		_exit(98);
	}
	exact = xmalloc(len ? len : 1);
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	exit(0);	/* exit, not _exit: atexit handlers and LSan run */
}

/* Run one input; print its test point; 0 if it passed. */
static int
replay_one(size_t n, const char *path)
{
	const char *name = strstr(path, "/tests/fuzz/corpus/");
	int status;
	pid_t pid;

	/* name the seed as the repository does, not by the build's path */
	name = name ? name + strlen("/tests/fuzz/") : path;

	fflush(stdout);		/* or the child prints it again */
	fflush(stderr);
	if ((pid = fork()) < 0) {
		printf("Bail out! fork: %s\n", strerror(errno));
		exit(99);
	}
	if (pid == 0)
		replay_child(path);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			printf("Bail out! waitpid: %s\n", strerror(errno));
			exit(99);
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok %zu - %s\n", n, name);
		return 0;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		printf("not ok %zu - %s: no answer in %d s\n", n, name,
		    REPLAY_TIMEOUT);
	else if (WIFSIGNALED(status))
		printf("not ok %zu - %s: killed by signal %d (%s)\n", n, name,
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		printf("not ok %zu - %s: exit status %d\n", n, name,
		    WEXITSTATUS(status));
	return -1;
}

int
main(int argc, char **argv)
{
	size_t i, failed = 0;
	int a;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		char *dir = replay_default_corpus(argv[0]);

		if (dir == NULL || replay_collect(dir) < 0) {
			printf("Bail out! no seed corpus\n");
			return 99;
		}
		free(dir);
	}
	for (a = 1; a < argc; a++)
		if (replay_collect(argv[a]) < 0) {
			printf("Bail out! cannot read %s\n", argv[a]);
			return 99;
		}
	printf("1..%zu\n", replay_nfiles);
	for (i = 0; i < replay_nfiles; i++)
		if (replay_one(i + 1, replay_files[i]) < 0)
			failed++;
	for (i = 0; i < replay_nfiles; i++)
		free(replay_files[i]);
	free(replay_files);
	return failed ? 1 : 0;
}
