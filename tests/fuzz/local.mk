## tests/fuzz/: libFuzzer targets for every parser of outside input.
## A target is tests/fuzz/fuzz_NAME.c (defines LLVMFuzzerTestOneInput)
## with its seeds in tests/fuzz/corpus/NAME/, and one line here:
fuzz_targets =
fuzz_targets += tests/fuzz/fuzz_conf
fuzz_targets += tests/fuzz/fuzz_exim
fuzz_targets += tests/fuzz/fuzz_pf_qfile
fuzz_targets += tests/fuzz/fuzz_qmail
fuzz_targets += tests/fuzz/fuzz_sms_conf
fuzz_targets += tests/fuzz/fuzz_trapin
fuzz_targets += tests/fuzz/fuzz_conn_proc
fuzz_targets += tests/fuzz/fuzz_drbd
fuzz_targets += tests/fuzz/fuzz_drstamp
fuzz_targets += tests/fuzz/fuzz_runcmd
fuzz_targets += tests/fuzz/fuzz_probe_text
fuzz_targets += tests/fuzz/fuzz_probe_words
fuzz_targets += tests/fuzz/fuzz_logparse_postfix
fuzz_targets += tests/fuzz/fuzz_logparse_dovecot
fuzz_targets += tests/fuzz/fuzz_logparse_qmail
fuzz_targets += tests/fuzz/fuzz_logparse_exim
fuzz_targets += tests/fuzz/fuzz_logts

## Nothing per target: automake builds fuzz_NAME from fuzz_NAME.c and
## links it with the global LDADD, which only the fuzz targets use (every
## other program names its own _LDADD). A target takes from the static
## convenience libraries only the objects it calls.
##
## Default build: the targets get replay.c's main and make check runs
## each over its seeds, one TAP point per seed (replay.c finds
## corpus/NAME through $top_srcdir).
## ./configure --enable-fuzzing (clang): everything is compiled with
## -fsanitize=fuzzer-no-link,address,undefined and the targets link
## libFuzzer's main (-fsanitize=fuzzer); make builds them, and make check
## replays the seeds through libFuzzer (seeds.sh). To fuzz one for N s:
##   mkdir -p /tmp/c && tests/fuzz/fuzz_conf -max_total_time=N /tmp/c \
##       $(top_srcdir)/tests/fuzz/corpus/conf
FUZZ_LIBS = agent/libmhagent.la agent/logs/libmhlogs.la sms/libmhsms.la \
	lib/libmhutil.la \
	$(CONFUSE_LIBS)
if ENABLE_FUZZING
noinst_PROGRAMS += $(fuzz_targets)
## FUZZ_MAIN_LDFLAGS is -fsanitize=fuzzer, from configure: a flag in
## LDADD upsets automake, and AM_LDFLAGS would give every program
## libFuzzer's main
LDADD = $(FUZZ_LIBS) $(FUZZ_MAIN_LDFLAGS)
TESTS += tests/fuzz/seeds.sh
AM_TESTS_ENVIRONMENT += fuzz_targets='$(fuzz_targets)'; export fuzz_targets;
else
check_LTLIBRARIES = tests/fuzz/libfuzzreplay.la
tests_fuzz_libfuzzreplay_la_SOURCES = tests/fuzz/replay.c
check_PROGRAMS += $(fuzz_targets)
LDADD = tests/fuzz/libfuzzreplay.la $(FUZZ_LIBS)
TESTS += $(fuzz_targets)
endif
EXTRA_DIST += tests/fuzz/seeds.sh tests/fuzz/corpus tests/fuzz/fuzz_logparse.h
