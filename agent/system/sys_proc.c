/*
 * sys_proc.c: the three /proc files the system collector reads, parsed
 * without trusting them to be what the kernel writes (a test, a
 * container or a fault can put anything there).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "system/system.h"

ssize_t
sys_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	int saved;

	if (fd < 0)
		return -1;
	while (n + 1 < len) {
		ssize_t r = read(fd, buf + n, len - 1 - n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

int
sys_parse_stat(const char *text, struct cpu_times *t)
{
	uint64_t v[8] = { 0 };
	const char *p = text;
	char *end;
	int i;

	/* the first line: "cpu  user nice system idle iowait irq softirq
	 * steal ..." (older kernels stop after fewer fields) */
	if (strncmp(p, "cpu ", 4) != 0)
		return -1;
	p += 4;
	for (i = 0; i < 8; i++) {
		while (*p == ' ')
			p++;
		if (*p < '0' || *p > '9') {
			if (i < 4)
				return -1;
			break;
		}
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (errno != 0)
			return -1;
		p = end;
	}
	t->user = v[0];
	t->nice = v[1];
	t->system = v[2];
	t->idle = v[3];
	t->iowait = v[4];
	t->irq = v[5];
	t->softirq = v[6];
	t->steal = v[7];
	return 0;
}

int
sys_parse_loadavg(const char *text, double *l1, double *l5, double *l15)
{
	char *end;
	const char *p = text;
	double v[3];
	int i;

	for (i = 0; i < 3; i++) {
		v[i] = strtod(p, &end);
		if (end == p || v[i] < 0 || v[i] > 1e9)
			return -1;
		p = end;
	}
	*l1 = v[0];
	*l5 = v[1];
	*l15 = v[2];
	return 0;
}

int
sys_parse_meminfo(const char *text, uint64_t *mem_total, uint64_t *mem_avail,
    uint64_t *swap_total, uint64_t *swap_free, uint32_t *have)
{
	static const char *const keys[] = { "MemTotal:", "MemAvailable:",
	    "SwapTotal:", "SwapFree:" };
	uint64_t *out[] = { mem_total, mem_avail, swap_total, swap_free };
	unsigned seen = 0;
	const char *line = text;
	size_t k;

	while (line && *line) {
		for (k = 0; k < 4; k++) {
			size_t n = strlen(keys[k]);
			char *end;
			unsigned long long kb;

			if (strncmp(line, keys[k], n) != 0)
				continue;
			errno = 0;
			kb = strtoull(line + n, &end, 10);
			if (errno != 0 || end == line + n)
				return -1;
			*out[k] = (uint64_t)kb * 1024;	/* "kB" is KiB */
			seen |= 1u << k;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	*have = 0;
	if ((seen & 3u) == 3u)
		*have |= SYS_HAVE_MEM;
	if ((seen & 12u) == 12u)
		*have |= SYS_HAVE_SWAP;
	return seen ? 0 : -1;
}

void
sys_cpu_delta(const struct cpu_times *a, const struct cpu_times *b,
    double *busy, double *iowait, double *steal)
{
	/* counters only grow; a reset (a new boot namespace, a test)
	 * makes a negative delta, which counts as nothing */
#define D(f) (b->f >= a->f ? (double)(b->f - a->f) : 0.0)
	double idle = D(idle), io = D(iowait), st = D(steal);
	double total = D(user) + D(nice) + D(system) + idle + io + D(irq) +
	    D(softirq) + st;
#undef D

	if (total <= 0) {
		*busy = *iowait = *steal = 0;
		return;
	}
	*busy = (total - idle - io) * 100.0 / total;
	*iowait = io * 100.0 / total;
	*steal = st * 100.0 / total;
}
