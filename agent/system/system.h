/*
 * system.h: the system collector, the worked example of a collector
 * (docs/architecture.md, "Adding a collector"): CPU, load, memory and
 * swap from /proc, and the file systems of the mail data from statvfs().
 *
 *   system.c       the collector: configuration, rounds
 *   sys_proc.c     parsers of /proc/stat, /proc/loadavg, /proc/meminfo
 *   sys_disk.c     one statvfs() per configured path
 *   sys_fields.c   what it publishes (mhSystem, "system", system.* and
 *                  disk.* metrics)
 */
#ifndef MH_SYSTEM_H
#define MH_SYSTEM_H

#include "core/core.h"

/* have bits of struct system_part */
#define SYS_HAVE_LOAD	0x01u
#define SYS_HAVE_CPU	0x02u	/* needs two rounds: deltas */
#define SYS_HAVE_MEM	0x04u
#define SYS_HAVE_SWAP	0x08u
#define SYS_HAVE_DISKS	0x10u
/* have bits of a disk row */
#define DISK_HAVE	0x01u
#define DISK_HAVE_INODES 0x02u	/* the file system counts inodes */

struct sys_disk {
	uint32_t have;
	char *path;
	uint64_t size, used, avail;	/* bytes */
	double used_pct;		/* as df: used / (used + avail) */
	double inodes_pct;		/* as df -i */
};

struct system_part {
	uint32_t have;
	double load1, load5, load15;
	double cpu_busy, cpu_iowait, cpu_steal;	/* per cent of all CPUs */
	uint64_t mem_total, mem_avail;	/* bytes */
	double mem_used_pct;		/* (total - available) / total */
	uint64_t swap_total, swap_free;
	double swap_used_pct;
	size_t ndisks;
	struct sys_disk *disks;
};

/* sys_proc.c: 0, or -1 when the text is not what the kernel writes */
struct cpu_times {
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
};
int sys_parse_stat(const char *text, struct cpu_times *);
int sys_parse_loadavg(const char *text, double *l1, double *l5, double *l15);
/* MemTotal, MemAvailable, SwapTotal, SwapFree in bytes; *have gets
 * SYS_HAVE_MEM and SYS_HAVE_SWAP for what was there. */
int sys_parse_meminfo(const char *text, uint64_t *mem_total,
    uint64_t *mem_avail, uint64_t *swap_total, uint64_t *swap_free,
    uint32_t *have);
/* The busy, iowait and steal per cent between two readings. */
void sys_cpu_delta(const struct cpu_times *a, const struct cpu_times *b,
    double *busy, double *iowait, double *steal);
/* Read a small /proc file whole (NUL-terminated); -1 with errno. */
ssize_t sys_read_file(const char *path, char *buf, size_t len);

/* sys_disk.c: fill a row from statvfs(path); -1 with errno */
int sys_disk_stat(struct sys_disk *);

/* sys_fields.c */
extern const struct fgroup system_groups[];
void system_part_free(void *);

/* system.c */
struct system_conf {
	char *proc;		/* "/proc"; tests point it elsewhere */
	size_t ndisks;
	char **disks;
};
extern const struct collector collector_system;

#endif
