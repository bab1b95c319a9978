## bench/: benchmarks. Built with `make`, run by hand (not tests): each
## script prints ratios against a reference command run in the same script.
noinst_PROGRAMS += bench/snmplat
bench_snmplat_SOURCES = bench/snmplat.c
bench_snmplat_CFLAGS = $(AM_CFLAGS) $(NETSNMP_CFLAGS)
bench_snmplat_LDADD = $(NETSNMP_LIBS)
EXTRA_DIST += bench
