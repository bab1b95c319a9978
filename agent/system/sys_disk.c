/*
 * sys_disk.c: the file system of one configured path, as df and df -i
 * show it.
 */
#include "config.h"

#include <sys/statvfs.h>

#include "system/system.h"

int
sys_disk_stat(struct sys_disk *d)
{
	struct statvfs sv;
	uint64_t used_blocks, iused;

	d->have = 0;
	if (statvfs(d->path, &sv) != 0)
		return -1;
	used_blocks = sv.f_blocks >= sv.f_bfree ? sv.f_blocks - sv.f_bfree : 0;
	d->size = (uint64_t)sv.f_blocks * sv.f_frsize;
	d->used = used_blocks * sv.f_frsize;
	d->avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	/* df: used / (used + available to unprivileged users) */
	d->used_pct = used_blocks + sv.f_bavail ? (double)used_blocks * 100.0 /
	    (double)(used_blocks + sv.f_bavail) : 0.0;
	d->have = DISK_HAVE;
	/* df -i: used / (used + available), as for space */
	if (sv.f_files > 0) {
		iused = sv.f_files >= sv.f_ffree ? sv.f_files - sv.f_ffree : 0;
		d->inodes_pct = iused + sv.f_favail ? (double)iused * 100.0 /
		    (double)(iused + sv.f_favail) : 0.0;
		d->have |= DISK_HAVE_INODES;
	}
	return 0;
}
