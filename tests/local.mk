## tests/: cmocka unit tests (tests/unit) and integration tests that run
## the real snmpd, snmptrapd, Postfix and an HTTP gateway on loopback
## (tests/integration). Every test speaks TAP.

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CONFUSE_CFLAGS)
UNIT_AGENT_LDADD = agent/libmhagent.la agent/logs/libmhlogs.la lib/libmhutil.la $(CMOCKA_LIBS) $(CONFUSE_LIBS)
## the handler half (no libcurl): what every sms unit test needs
UNIT_SMS_LDADD = sms/libmhsms.la lib/libmhutil.la $(CMOCKA_LIBS) $(CONFUSE_LIBS)
## writes, loads and checks a mailhealthd.conf (the tests of its sections)
CFGTEST_SRC = tests/unit/cfgtest.c tests/unit/cfgtest.h

if HAVE_CMOCKA
## ---- unit tests of agent/ (one line per test program)
agent_unit_tests = tests/unit/test_conf tests/unit/test_alarm \
	tests/unit/test_mibview tests/unit/test_queue_postfix \
	tests/unit/test_queue_qmail tests/unit/test_queue_exim \
	tests/unit/test_topk tests/unit/test_system tests/unit/test_queue_faults \
	tests/unit/test_queue_scale tests/unit/test_pf_record \
	tests/unit/test_qread
## MTA-MIB and NETWORK-SERVICES-MIB, the second view (agent/view)
agent_unit_tests += tests/unit/test_mibstd
tests_unit_test_mibstd_SOURCES = tests/unit/test_mibstd.c
tests_unit_test_mibstd_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mibstd_LDADD = $(UNIT_AGENT_LDADD)
## the probe engine (agent/probe)
agent_unit_tests += tests/unit/test_probe_words tests/unit/test_probe_flap \
	tests/unit/test_probe_parse tests/unit/test_probe_set \
	tests/unit/test_probe_reply tests/unit/test_services
tests_unit_test_services_SOURCES = tests/unit/test_services.c $(CFGTEST_SRC)
tests_unit_test_services_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_services_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_probe_reply_SOURCES = tests/unit/test_probe_reply.c
tests_unit_test_probe_reply_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_probe_reply_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_probe_words_SOURCES = tests/unit/test_probe_words.c
tests_unit_test_probe_words_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_probe_words_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_probe_flap_SOURCES = tests/unit/test_probe_flap.c
tests_unit_test_probe_flap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_probe_flap_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_probe_parse_SOURCES = tests/unit/test_probe_parse.c
tests_unit_test_probe_parse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_probe_parse_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_probe_set_SOURCES = tests/unit/test_probe_set.c
tests_unit_test_probe_set_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_probe_set_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_pf_record_SOURCES = tests/unit/test_pf_record.c \
	tests/unit/qtest.c tests/unit/qtest.h \
	tests/unit/pfq.c tests/unit/pfq.h
tests_unit_test_pf_record_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pf_record_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_queue_scale_SOURCES = tests/unit/test_queue_scale.c \
	tests/unit/qtest.c tests/unit/qtest.h \
	tests/unit/pfq.c tests/unit/pfq.h
tests_unit_test_queue_scale_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_queue_scale_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_qread_SOURCES = tests/unit/test_qread.c
tests_unit_test_qread_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_qread_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_queue_faults_SOURCES = tests/unit/test_queue_faults.c \
	tests/unit/qtest.c tests/unit/qtest.h \
	tests/unit/pfq.c tests/unit/pfq.h
tests_unit_test_queue_faults_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_queue_faults_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_queue_qmail_SOURCES = tests/unit/test_queue_qmail.c \
	tests/unit/qtest.c tests/unit/qtest.h
tests_unit_test_queue_qmail_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_queue_qmail_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_queue_exim_SOURCES = tests/unit/test_queue_exim.c \
	tests/unit/qtest.c tests/unit/qtest.h
tests_unit_test_queue_exim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_queue_exim_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_system_SOURCES = tests/unit/test_system.c
tests_unit_test_system_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_system_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_topk_SOURCES = tests/unit/test_topk.c
tests_unit_test_topk_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_topk_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_queue_postfix_SOURCES = tests/unit/test_queue_postfix.c \
	tests/unit/qtest.c tests/unit/qtest.h \
	tests/unit/pfq.c tests/unit/pfq.h
tests_unit_test_queue_postfix_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_queue_postfix_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c $(CFGTEST_SRC)
tests_unit_test_conf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conf_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_alarm_SOURCES = tests/unit/test_alarm.c
tests_unit_test_alarm_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_alarm_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_mibview_SOURCES = tests/unit/test_mibview.c
tests_unit_test_mibview_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mibview_LDADD = $(UNIT_AGENT_LDADD)
## ---- unit tests of sms/
sms_unit_tests = tests/unit/test_sms_trapin \
	tests/unit/test_sms_msg \
	tests/unit/test_sms_gateway \
	tests/unit/test_sms_route \
	tests/unit/test_sms_storm \
	tests/unit/test_sms_spool \
	tests/unit/test_sms_conf \
	tests/unit/test_sms_render
tests_unit_test_sms_render_SOURCES = tests/unit/test_sms_render.c
tests_unit_test_sms_render_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sms_render_LDADD = $(UNIT_SMS_LDADD)
tests_unit_test_sms_trapin_SOURCES = tests/unit/test_sms_trapin.c
tests_unit_test_sms_trapin_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sms_trapin_LDADD = $(UNIT_SMS_LDADD)
tests_unit_test_sms_msg_SOURCES = tests/unit/test_sms_msg.c
tests_unit_test_sms_msg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sms_msg_LDADD = $(UNIT_SMS_LDADD)
tests_unit_test_sms_gateway_SOURCES = tests/unit/test_sms_gateway.c
tests_unit_test_sms_gateway_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sms_gateway_LDADD = $(UNIT_SMS_LDADD)
tests_unit_test_sms_route_SOURCES = tests/unit/test_sms_route.c
tests_unit_test_sms_route_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sms_route_LDADD = $(UNIT_SMS_LDADD)
tests_unit_test_sms_storm_SOURCES = tests/unit/test_sms_storm.c
tests_unit_test_sms_storm_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sms_storm_LDADD = $(UNIT_SMS_LDADD)
tests_unit_test_sms_spool_SOURCES = tests/unit/test_sms_spool.c
tests_unit_test_sms_spool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sms_spool_LDADD = $(UNIT_SMS_LDADD)
tests_unit_test_sms_conf_SOURCES = tests/unit/test_sms_conf.c
tests_unit_test_sms_conf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sms_conf_LDADD = $(UNIT_SMS_LDADD)
## ---- unit tests of agent/logs/ (log sources, header reader)
UNIT_LOGS_LDADD = agent/logs/libmhlogs.la lib/libmhutil.la $(CMOCKA_LIBS)
agent_unit_tests += tests/unit/test_logts tests/unit/test_logsrc_file \
	tests/unit/test_logsrc_multilog
tests_unit_test_logts_SOURCES = tests/unit/test_logts.c
tests_unit_test_logts_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_logts_LDADD = $(UNIT_LOGS_LDADD)
tests_unit_test_logsrc_file_SOURCES = tests/unit/test_logsrc_file.c \
	tests/unit/logtest.c tests/unit/logtest.h
tests_unit_test_logsrc_file_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_logsrc_file_LDADD = $(UNIT_LOGS_LDADD)
tests_unit_test_logsrc_multilog_SOURCES = tests/unit/test_logsrc_multilog.c \
	tests/unit/logtest.c tests/unit/logtest.h
tests_unit_test_logsrc_multilog_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_logsrc_multilog_LDADD = $(UNIT_LOGS_LDADD)
check_PROGRAMS += $(agent_unit_tests) $(sms_unit_tests)
TESTS += $(agent_unit_tests) $(sms_unit_tests)
else
TESTS += tests/no-cmocka.sh
endif

## ---- the probe engine: a program that runs checks from its arguments,
## driven by tests/integration/probe*.sh
check_PROGRAMS += tests/probecheck
tests_probecheck_SOURCES = tests/probecheck.c
tests_probecheck_LDADD = agent/libmhagent.la lib/libmhutil.la
## logcat: a log source printed line by line with its parsed header; the
## log integration tests and bench/bench-logs.sh run it
noinst_PROGRAMS += tests/logcat
tests_logcat_SOURCES = tests/logcat.c
tests_logcat_LDADD = agent/logs/libmhlogs.la lib/libmhutil.la

## ---- integration tests (root, real daemons on loopback)
integration_tests = tests/integration/mib-lint.sh \
	tests/integration/alarm-sms.sh tests/integration/notify-burst.sh \
	tests/integration/agent-daemon.sh \
	tests/integration/snmp-postfix.sh tests/integration/snmp-qmail.sh \
	tests/integration/queue-postfix.sh
integration_tests += tests/integration/sms-trap.sh \
	tests/integration/sms-retry.sh tests/integration/sms-storm.sh \
	tests/integration/sms-concurrency.sh tests/integration/sms-reload.sh \
	tests/integration/sms-symbolic.sh tests/integration/sms-sender.sh \
	tests/integration/sms-lost.sh tests/integration/sms-follow.sh \
	tests/integration/sms-order.sh tests/integration/sms-deadman.sh \
	tests/integration/sms-auth.sh tests/integration/sms-recon.sh
integration_tests += tests/integration/queue-qmail.sh \
	tests/integration/queue-exim.sh tests/integration/system.sh \
	tests/integration/collector-hang.sh tests/integration/agent-register.sh \
	tests/integration/deadman-agent.sh tests/integration/queue-unknown.sh
integration_tests += tests/integration/probe.sh \
	tests/integration/probe-fw.sh tests/integration/probe-resolv.sh \
	tests/integration/services.sh tests/integration/services-fw.sh
## the log collector on real mail servers (maillab.sh)
integration_tests += tests/integration/logs-postfix.sh \
	tests/integration/logs-exim.sh tests/integration/logs-qmail.sh \
	tests/integration/logs-rotate.sh tests/integration/logs-crosscheck.sh \
	tests/integration/logs-journal.sh
## the log sources through tests/logcat
integration_tests += tests/integration/log-rotate.sh \
	tests/integration/log-multilog.sh tests/integration/log-journal.sh \
	tests/integration/log-writers.sh
TESTS += $(integration_tests)
EXTRA_DIST += tests/no-cmocka.sh tests/integration tests/qmail-queue-gen.py

## ---- connections and DR sync engines (agent/conn, agent/drsync)
## conncount and drsynctool run the engines for the integration tests
## and bench/bench-conn.sh; built with `make` so the benchmark has them.
noinst_PROGRAMS += tests/tools/conncount tests/tools/drsynctool
tests_tools_conncount_SOURCES = tests/tools/conncount.c
tests_tools_conncount_LDADD = agent/libmhagent.la lib/libmhutil.la $(CONFUSE_LIBS)
tests_tools_drsynctool_SOURCES = tests/tools/drsynctool.c
tests_tools_drsynctool_LDADD = agent/libmhagent.la lib/libmhutil.la $(CONFUSE_LIBS)
## the collectors built on them: over SNMP, and their unit tests
integration_tests += tests/integration/conn-snmp.sh \
	tests/integration/drsync-snmp.sh
if HAVE_CMOCKA
agent_unit_tests += tests/unit/test_conn_col tests/unit/test_drsync_col
tests_unit_test_conn_col_SOURCES = tests/unit/test_conn_col.c $(CFGTEST_SRC)
tests_unit_test_conn_col_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conn_col_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_drsync_col_SOURCES = tests/unit/test_drsync_col.c $(CFGTEST_SRC)
tests_unit_test_drsync_col_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_drsync_col_LDADD = $(UNIT_AGENT_LDADD)
endif
if HAVE_CMOCKA
agent_unit_tests += tests/unit/test_conn tests/unit/test_drbd \
	tests/unit/test_runcmd tests/unit/test_drsync
tests_unit_test_conn_SOURCES = tests/unit/test_conn.c
tests_unit_test_conn_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conn_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_drbd_SOURCES = tests/unit/test_drbd.c
tests_unit_test_drbd_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_drbd_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_runcmd_SOURCES = tests/unit/test_runcmd.c
tests_unit_test_runcmd_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_runcmd_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_drsync_SOURCES = tests/unit/test_drsync.c
tests_unit_test_drsync_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_drsync_LDADD = $(UNIT_AGENT_LDADD)
endif
integration_tests += tests/integration/conn-count.sh \
	tests/integration/drsync-rsync.sh tests/integration/drsync-peer-dns.sh

## ---- unit tests of the log parsers and counters (agent/logs)
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
## the log collector (agent/logs/logs*.c)
agent_unit_tests += tests/unit/test_logs tests/unit/test_logs_metrics
tests_unit_test_logs_SOURCES = tests/unit/test_logs.c $(CFGTEST_SRC)
tests_unit_test_logs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_logs_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_logs_metrics_SOURCES = tests/unit/test_logs_metrics.c $(CFGTEST_SRC)
tests_unit_test_logs_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_logs_metrics_LDADD = $(UNIT_AGENT_LDADD)
endif


## issue 10: the MIB's promises per MTA, and the standard MIBs' view
## (pysnmp, pysmi, pysnmp's compiled MTA-MIB)
integration_tests += tests/integration/mib-promises.sh
## the NMS integration files against the real programs (docs/nms.md)
integration_tests += tests/integration/nms-snmptt.sh
integration_tests += tests/integration/nms-nagios.sh
integration_tests += tests/integration/nms-prometheus.sh
