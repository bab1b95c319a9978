/*
 * sys_fields.c: what the system collector publishes, described once:
 * mhSystem and mhDiskTable in MAILHEALTH-MIB, "system" in the JSON and
 * the text report, and the system.* and disk.* alarm metrics.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "system/system.h"

#define SP struct system_part
#define DK struct sys_disk

static void
detail_disk(const void *data, const void *row, char *buf, size_t len)
{
	const DK *d = row;

	(void)data;
	snprintf(buf, len, "%" PRIu64 " MiB free of %" PRIu64 " MiB",
	    d->avail / 1048576, d->size / 1048576);
}

static const struct field sys_scalars[] = {
	{ .name = "cpu_busy", .kind = FK_DBL, FIELD_AT(SP, cpu_busy),
	  .have = SYS_HAVE_CPU, .smi = FS_GAUGE, .conv = FC_X100,
	  .arc = MH_SYS_CPUUTIL, .metric = "system.cpu", .unit = "%",
	  .label = "CPU busy" },
	{ .name = "cpu_iowait", .kind = FK_DBL, FIELD_AT(SP, cpu_iowait),
	  .have = SYS_HAVE_CPU, .smi = FS_GAUGE, .conv = FC_X100,
	  .arc = MH_SYS_CPUIOWAIT, .metric = "system.iowait", .unit = "%",
	  .label = "CPU iowait" },
	{ .name = "cpu_steal", .kind = FK_DBL, FIELD_AT(SP, cpu_steal),
	  .have = SYS_HAVE_CPU, .smi = FS_GAUGE, .conv = FC_X100,
	  .arc = MH_SYS_CPUSTEAL, .metric = "system.steal", .unit = "%",
	  .label = "CPU steal" },
	{ .name = "load1", .kind = FK_DBL, FIELD_AT(SP, load1),
	  .have = SYS_HAVE_LOAD, .smi = FS_GAUGE, .conv = FC_X100,
	  .arc = MH_SYS_LOAD1, .metric = "system.load1", .label = "load 1m" },
	{ .name = "load5", .kind = FK_DBL, FIELD_AT(SP, load5),
	  .have = SYS_HAVE_LOAD, .smi = FS_GAUGE, .conv = FC_X100,
	  .arc = MH_SYS_LOAD5, .metric = "system.load5", .label = "load 5m" },
	{ .name = "load15", .kind = FK_DBL, FIELD_AT(SP, load15),
	  .have = SYS_HAVE_LOAD, .smi = FS_GAUGE, .conv = FC_X100,
	  .arc = MH_SYS_LOAD15, .metric = "system.load15",
	  .label = "load 15m" },
	{ .name = "mem_total", .kind = FK_U64, FIELD_AT(SP, mem_total),
	  .have = SYS_HAVE_MEM, .smi = FS_GAUGE, .conv = FC_KIB,
	  .arc = MH_SYS_MEMTOTAL, .label = "memory" },
	{ .name = "mem_available", .kind = FK_U64, FIELD_AT(SP, mem_avail),
	  .have = SYS_HAVE_MEM, .smi = FS_GAUGE, .conv = FC_KIB,
	  .arc = MH_SYS_MEMAVAIL, .label = "memory available" },
	{ .name = "mem_used_pct", .kind = FK_DBL, FIELD_AT(SP, mem_used_pct),
	  .have = SYS_HAVE_MEM, .smi = FS_GAUGE, .conv = FC_X100,
	  .arc = MH_SYS_MEMUSED, .metric = "system.memory", .unit = "%",
	  .label = "memory used" },
	{ .name = "swap_total", .kind = FK_U64, FIELD_AT(SP, swap_total),
	  .have = SYS_HAVE_SWAP, .smi = FS_GAUGE, .conv = FC_KIB,
	  .arc = MH_SYS_SWAPTOTAL, .label = "swap" },
	{ .name = "swap_free", .kind = FK_U64, FIELD_AT(SP, swap_free),
	  .have = SYS_HAVE_SWAP, .smi = FS_GAUGE, .conv = FC_KIB,
	  .arc = MH_SYS_SWAPFREE, .label = "swap free" },
	{ .name = "swap_used_pct", .kind = FK_DBL,
	  FIELD_AT(SP, swap_used_pct), .have = SYS_HAVE_SWAP, .smi = FS_GAUGE,
	  .conv = FC_X100, .arc = MH_SYS_SWAPUSED, .metric = "system.swap",
	  .unit = "%", .label = "swap used" },
};

static const struct field disk_cols[] = {
	{ .name = "path", .kind = FK_STR, FIELD_AT(DK, path), .flags = FF_KEY,
	  .smi = FS_STRING, .arc = MH_DK_PATH },
	{ .name = "size", .kind = FK_U64, FIELD_AT(DK, size),
	  .have = DISK_HAVE, .smi = FS_GAUGE, .conv = FC_MIB,
	  .arc = MH_DK_SIZE },
	{ .name = "used", .kind = FK_U64, FIELD_AT(DK, used),
	  .have = DISK_HAVE, .smi = FS_GAUGE, .conv = FC_MIB,
	  .arc = MH_DK_USED },
	{ .name = "available", .kind = FK_U64, FIELD_AT(DK, avail),
	  .have = DISK_HAVE, .smi = FS_GAUGE, .conv = FC_MIB,
	  .arc = MH_DK_AVAIL, .label = "avail" },
	{ .name = "used_pct", .kind = FK_DBL, FIELD_AT(DK, used_pct),
	  .have = DISK_HAVE, .smi = FS_GAUGE, .conv = FC_CEIL,
	  .arc = MH_DK_USEDPCT, .metric = "disk.used", .unit = "%",
	  .label = "used %", .detail = detail_disk },
	{ .name = "inodes_used_pct", .kind = FK_DBL, FIELD_AT(DK, inodes_pct),
	  .have = DISK_HAVE | DISK_HAVE_INODES, .smi = FS_GAUGE,
	  .conv = FC_CEIL, .arc = MH_DK_INODESPCT, .metric = "disk.inodes",
	  .unit = "%", .label = "inodes %" },
};

static const struct ftable sys_tables[] = {
	{ .name = "disks", .title = "file systems",
	  .arc = MH_SYS_DISK_TABLE, .index = IX_POSITION,
	  .have = SYS_HAVE_DISKS, .rows_off = offsetof(SP, disks),
	  .nrows_off = offsetof(SP, ndisks), .row_size = sizeof(DK),
	  .row_have_off = offsetof(DK, have), .cols = FIELDS(disk_cols) },
};

const struct fgroup system_groups[] = {
	{ .name = "system", .title = "system", .mib_group = MH_G_SYSTEM,
	  .family = MH_FAM_SYSTEM, .have_off = offsetof(SP, have),
	  .fields = FIELDS(sys_scalars), .tables = FIELDS(sys_tables) },
};

void
system_part_free(void *p)
{
	SP *s = p;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ndisks; i++)
		free(s->disks[i].path);
	free(s->disks);
	free(s);
}
