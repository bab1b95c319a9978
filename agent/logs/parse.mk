## agent/logs/ parsers and counters (logparse.h, logstats.h): log lines
## in, events out, events counted. Pure engines, tested on their own;
## the log sources (local.mk) and the collector glue are elsewhere.
agent_libmhagent_la_SOURCES += \
	agent/logs/logline.h agent/logs/logparse.h agent/logs/lp_int.h \
	agent/logs/logparse.c agent/logs/lpscan.c agent/logs/lpmap.c \
	agent/logs/lp_postfix.c agent/logs/lp_dovecot.c \
	agent/logs/lp_qmail.c agent/logs/lp_exim.c agent/logs/lp_rules.c \
	agent/logs/logstats.h agent/logs/ls_int.h agent/logs/logstats.c \
	agent/logs/wtop.c agent/logs/lsdist.c
agent_libmhagent_la_CFLAGS += $(PCRE2_CFLAGS)
agent_libmhagent_la_LIBADD += $(PCRE2_LIBS)

## bench/: the parsers and counters alone (bench/bench-logparse.sh)
noinst_PROGRAMS += bench/lpbench
bench_lpbench_SOURCES = bench/lpbench.c
bench_lpbench_CFLAGS = $(AM_CFLAGS)
bench_lpbench_LDADD = agent/libmhagent.la lib/libmhutil.la $(CONFUSE_LIBS)
## the scripts that made tests/data/logs (real programs, or byte for byte)
EXTRA_DIST += tests/logs tests/data/logs
