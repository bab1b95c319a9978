## bench/: benchmarks. Built with `make`, run by hand (not tests): each
## script prints ratios against a reference command run in the same script.
noinst_PROGRAMS += bench/snmplat
bench_snmplat_SOURCES = bench/snmplat.c
bench_snmplat_CFLAGS = $(AM_CFLAGS) $(NETSNMP_CFLAGS)
bench_snmplat_LDADD = $(NETSNMP_LIBS)
noinst_PROGRAMS += bench/qscan
bench_qscan_SOURCES = bench/qscan.c
bench_qscan_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS)
bench_qscan_LDADD = agent/libmhagent.la agent/logs/libmhlogs.la lib/libmhutil.la $(CONFUSE_LIBS)
EXTRA_DIST += bench
noinst_PROGRAMS += bench/baresub
bench_baresub_SOURCES = bench/baresub.c
bench_baresub_CFLAGS = $(AM_CFLAGS) $(NETSNMP_CFLAGS)
bench_baresub_LDADD = $(NETSNMP_LIBS)
noinst_PROGRAMS += bench/qfloor
bench_qfloor_SOURCES = bench/qfloor.c
