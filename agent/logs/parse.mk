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

## unit tests of the parsers and counters (cmocka, TAP)
if HAVE_CMOCKA
agent_unit_tests += tests/unit/test_lp_postfix tests/unit/test_lp_dovecot \
	tests/unit/test_lp_exim tests/unit/test_lp_qmail tests/unit/test_lp_rules \
	tests/unit/test_logstats
LPTEST_SRC = tests/unit/lptest.c tests/unit/lptest.h
tests_unit_test_lp_postfix_SOURCES = tests/unit/test_lp_postfix.c $(LPTEST_SRC)
tests_unit_test_lp_postfix_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lp_postfix_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_lp_dovecot_SOURCES = tests/unit/test_lp_dovecot.c $(LPTEST_SRC)
tests_unit_test_lp_dovecot_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lp_dovecot_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_lp_exim_SOURCES = tests/unit/test_lp_exim.c $(LPTEST_SRC)
tests_unit_test_lp_exim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lp_exim_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_lp_qmail_SOURCES = tests/unit/test_lp_qmail.c $(LPTEST_SRC)
tests_unit_test_lp_qmail_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lp_qmail_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_lp_rules_SOURCES = tests/unit/test_lp_rules.c $(LPTEST_SRC)
tests_unit_test_lp_rules_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lp_rules_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_logstats_SOURCES = tests/unit/test_logstats.c
tests_unit_test_logstats_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_logstats_LDADD = $(UNIT_AGENT_LDADD)
endif

## bench/: the parsers and counters alone (bench/bench-logparse.sh)
noinst_PROGRAMS += bench/lpbench
bench_lpbench_SOURCES = bench/lpbench.c
bench_lpbench_CFLAGS = $(AM_CFLAGS)
bench_lpbench_LDADD = agent/libmhagent.la lib/libmhutil.la $(CONFUSE_LIBS)
## the scripts that made tests/data/logs (real programs, or byte for byte)
EXTRA_DIST += tests/logs tests/data/logs
