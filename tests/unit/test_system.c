/*
 * test_system.c: the system collector: its /proc parsers on what the
 * kernel writes (and on what it does not), CPU deltas, and whole rounds
 * over a private /proc copy where a missing file is unknown, not zero.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "system/system.h"

static const char stat_a[] =
    "cpu  1000 10 500 8000 200 5 5 80 0 0\n"
    "cpu0 500 5 250 4000 100 3 2 40 0 0\n"
    "intr 12345\n";
static const char stat_b[] =
    "cpu  1600 10 700 8900 300 5 5 180 0 0\n";

static void
test_parse_stat(void **state)
{
	struct cpu_times a, b;
	double busy, io, steal;

	(void)state;
	assert_int_equal(sys_parse_stat(stat_a, &a), 0);
	assert_int_equal(a.user, 1000);
	assert_int_equal(a.idle, 8000);
	assert_int_equal(a.iowait, 200);
	assert_int_equal(a.steal, 80);
	assert_int_equal(sys_parse_stat(stat_b, &b), 0);
	/* deltas: user 600 system 200 idle 900 iowait 100 steal 100:
	 * total 1900, busy = 1900 - 900 - 100 = 900 */
	sys_cpu_delta(&a, &b, &busy, &io, &steal);
	assert_true(busy > 47.36 && busy < 47.37);
	assert_true(io > 5.26 && io < 5.27);
	assert_true(steal > 5.26 && steal < 5.27);
	/* counters that went back count as nothing, not as huge */
	sys_cpu_delta(&b, &a, &busy, &io, &steal);
	assert_true(busy == 0 && io == 0 && steal == 0);
	/* an old kernel's four fields */
	assert_int_equal(sys_parse_stat("cpu 1 2 3 4\n", &a), 0);
	assert_int_equal(a.steal, 0);
	assert_int_equal(sys_parse_stat("cpu 1 2\n", &a), -1);
	assert_int_equal(sys_parse_stat("intr 1\n", &a), -1);
	assert_int_equal(sys_parse_stat("", &a), -1);
}

static void
test_parse_loadavg(void **state)
{
	double l1, l5, l15;

	(void)state;
	assert_int_equal(sys_parse_loadavg("1.25 0.50 3.00 2/345 6789\n",
	    &l1, &l5, &l15), 0);
	assert_true(l1 == 1.25 && l5 == 0.5 && l15 == 3.0);
	assert_int_equal(sys_parse_loadavg("garbage", &l1, &l5, &l15), -1);
	assert_int_equal(sys_parse_loadavg("1.0 2.0", &l1, &l5, &l15), -1);
}

static void
test_parse_meminfo(void **state)
{
	uint64_t mt = 0, ma = 0, st = 0, sf = 0;
	uint32_t have;

	(void)state;
	assert_int_equal(sys_parse_meminfo(
	    "MemTotal:        2048000 kB\nMemFree:  100 kB\n"
	    "MemAvailable:    1024000 kB\nSwapTotal:  0 kB\nSwapFree: 0 kB\n",
	    &mt, &ma, &st, &sf, &have), 0);
	assert_int_equal(mt, 2048000ull * 1024);
	assert_int_equal(ma, 1024000ull * 1024);
	assert_int_equal(have, SYS_HAVE_MEM | SYS_HAVE_SWAP);
	/* an old kernel without MemAvailable: memory unknown, swap known */
	assert_int_equal(sys_parse_meminfo(
	    "MemTotal: 10 kB\nSwapTotal: 4 kB\nSwapFree: 1 kB\n",
	    &mt, &ma, &st, &sf, &have), 0);
	assert_int_equal(have, SYS_HAVE_SWAP);
	assert_int_equal(sf, 1024);
	assert_int_equal(sys_parse_meminfo("Nothing: 1\n", &mt, &ma, &st, &sf,
	    &have), -1);
}

static char dir[64];

static void
put(const char *name, const char *text)
{
	char p[128];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(fp = fopen(p, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* Two rounds over a private /proc: CPU appears on the second round, a
 * missing meminfo leaves memory unknown, and an unreadable disk path
 * keeps its row with only its path. */
static void
test_rounds(void **state)
{
	struct system_conf sc = { 0 };
	struct conf c = { 0 };
	char *disks[] = { (char *)"/", (char *)"/nonexistent/path" };
	void *st;
	struct part *p;
	const struct system_part *s;

	(void)state;
	strcpy(dir, "/tmp/mh-proc-XXXXXX");
	assert_non_null(mkdtemp(dir));
	put("stat", stat_a);
	put("loadavg", "0.10 0.20 0.30 1/2 3\n");
	sc.proc = dir;
	sc.ndisks = 2;
	sc.disks = disks;
	st = collector_system.init(&sc, &c);
	assert_non_null(st);

	p = part_new(&collector_system);
	assert_int_equal(collector_system.collect(st, p), 0);
	s = p->data;
	assert_true(s->have & SYS_HAVE_LOAD);
	assert_false(s->have & SYS_HAVE_CPU);	/* one reading: no delta */
	assert_false(s->have & SYS_HAVE_MEM);	/* no meminfo */
	assert_true(s->load5 == 0.2);
	assert_int_equal(s->ndisks, 2);
	assert_true(s->disks[0].have & DISK_HAVE);
	assert_true(s->disks[0].size > 0);
	assert_int_equal(s->disks[1].have, 0);
	assert_string_equal(s->disks[1].path, "/nonexistent/path");
	assert_int_equal(p->errors, 2);		/* meminfo and the path */
	part_unref(p);

	put("stat", stat_b);
	put("meminfo", "MemTotal: 1000 kB\nMemAvailable: 250 kB\n"
	    "SwapTotal: 100 kB\nSwapFree: 100 kB\n");
	p = part_new(&collector_system);
	assert_int_equal(collector_system.collect(st, p), 0);
	s = p->data;
	assert_true(s->have & SYS_HAVE_CPU);
	assert_true(s->cpu_busy > 47.36 && s->cpu_busy < 47.37);
	assert_true(s->mem_used_pct == 75.0);
	assert_true(s->swap_used_pct == 0.0);
	part_unref(p);
	collector_system.fini(st);
	unlink(strcat(strcpy((char[128]){ 0 }, dir), "/stat"));
	unlink(strcat(strcpy((char[128]){ 0 }, dir), "/loadavg"));
	unlink(strcat(strcpy((char[128]){ 0 }, dir), "/meminfo"));
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_parse_loadavg),
		cmocka_unit_test(test_parse_meminfo),
		cmocka_unit_test(test_rounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
