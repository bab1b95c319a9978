## tests/: cmocka unit tests (tests/unit) and integration tests that run
## the real snmpd, snmptrapd, Postfix and an HTTP gateway on loopback
## (tests/integration). Every test speaks TAP.

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CONFUSE_CFLAGS)
UNIT_AGENT_LDADD = agent/libmhagent.la lib/libmhutil.la $(CMOCKA_LIBS) $(CONFUSE_LIBS)
## the handler half (no libcurl): what every sms unit test needs
UNIT_SMS_LDADD = sms/libmhsms.la lib/libmhutil.la $(CMOCKA_LIBS) $(CONFUSE_LIBS)

if HAVE_CMOCKA
## ---- unit tests of agent/ (one line per test program)
agent_unit_tests = tests/unit/test_conf tests/unit/test_alarm \
	tests/unit/test_mibview tests/unit/test_queue_postfix \
	tests/unit/test_queue_qmail tests/unit/test_queue_exim \
	tests/unit/test_topk tests/unit/test_queue_faults \
	tests/unit/test_queue_scale tests/unit/test_pf_record
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
tests_unit_test_topk_SOURCES = tests/unit/test_topk.c
tests_unit_test_topk_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_topk_LDADD = $(UNIT_AGENT_LDADD)
tests_unit_test_queue_postfix_SOURCES = tests/unit/test_queue_postfix.c \
	tests/unit/qtest.c tests/unit/qtest.h \
	tests/unit/pfq.c tests/unit/pfq.h
tests_unit_test_queue_postfix_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_queue_postfix_LDADD = $(UNIT_AGENT_LDADD)
## the Postfix reader's test reads real queue files from the fuzz seeds
EXTRA_DIST += tests/fuzz
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
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
	tests/unit/test_sms_conf
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
check_PROGRAMS += $(agent_unit_tests) $(sms_unit_tests)
TESTS += $(agent_unit_tests) $(sms_unit_tests)
else
TESTS += tests/no-cmocka.sh
endif

## ---- integration tests (root, real daemons on loopback)
integration_tests = tests/integration/mib-lint.sh \
	tests/integration/alarm-sms.sh tests/integration/notify-burst.sh \
	tests/integration/agent-daemon.sh \
	tests/integration/snmp-postfix.sh tests/integration/snmp-qmail.sh \
	tests/integration/queue-postfix.sh
integration_tests += tests/integration/sms-trap.sh \
	tests/integration/sms-retry.sh tests/integration/sms-storm.sh \
	tests/integration/sms-concurrency.sh tests/integration/sms-reload.sh \
	tests/integration/sms-symbolic.sh tests/integration/sms-sender.sh
integration_tests += tests/integration/queue-qmail.sh \
	tests/integration/queue-exim.sh
TESTS += $(integration_tests)
EXTRA_DIST += tests/no-cmocka.sh tests/integration tests/data \
	tests/qmail-queue-gen.py
