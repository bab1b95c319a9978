/*
 * qfloor: the one-thread floor of a queue scan. It lists each directory
 * given (recursively) and, one file after another, opens each regular
 * file, reads its first 4 KiB and closes it: the least a reader that
 * reads every envelope on one thread with synchronous I/O must do. The
 * benchmarks compare the readers' first scans with it.
 *
 *   qfloor [-s SUFFIX] DIR...
 *
 * -s: only files whose name ends with SUFFIX (Exim's "-H"). Prints
 *   files N bytes B ms T
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *suffix;
static unsigned long nfiles;
static unsigned long long nbytes;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
qfloor_dir(int dfd, const char *name)
{
	static char buf[4096];
	struct dirent *de;
	DIR *d;
	int fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (d = fdopendir(fd)) == NULL) {
		fprintf(stderr, "qfloor: %s: %s\n", name, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		ssize_t r;
		int f;

		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_DIR) {
			qfloor_dir(dirfd(d), de->d_name);
			continue;
		}
		if (de->d_type != DT_REG)
			continue;
		if (suffix && (n < strlen(suffix) ||
		    strcmp(de->d_name + n - strlen(suffix), suffix) != 0))
			continue;
		f = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
		if (f < 0)
			continue;
		r = read(f, buf, sizeof(buf));
		if (r > 0)
			nbytes += (unsigned long long)r;
		close(f);
		nfiles++;
	}
	closedir(d);
	return 0;
}

int
main(int argc, char **argv)
{
	double t0;
	int ch, i;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		if (ch != 's')
			goto usage;
		suffix = optarg;
	}
	if (optind >= argc)
		goto usage;
	t0 = now_ms();
	for (i = optind; i < argc; i++)
		if (qfloor_dir(AT_FDCWD, argv[i]) < 0)
			return 1;
	printf("files %lu bytes %llu ms %.1f\n", nfiles, nbytes, now_ms() - t0);
	return 0;
usage:
	fprintf(stderr, "usage: qfloor [-s SUFFIX] DIR...\n");
	return 64;
}
