## tests/: cmocka unit tests (tests/unit) and integration tests that run
## the real snmpd, snmptrapd, Postfix and an HTTP gateway on loopback
## (tests/integration). Every test speaks TAP.

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CONFUSE_CFLAGS)
UNIT_AGENT_LDADD = agent/libmhagent.la lib/libmhutil.la $(CMOCKA_LIBS) $(CONFUSE_LIBS)
UNIT_SMS_LDADD = sms/libmhsms.la lib/libmhutil.la $(CMOCKA_LIBS) $(CONFUSE_LIBS) $(CURL_LIBS)

if HAVE_CMOCKA
## ---- unit tests of agent/ (one line per test program)
agent_unit_tests = tests/unit/test_conf tests/unit/test_alarm \
	tests/unit/test_mibview
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
sms_unit_tests =
check_PROGRAMS += $(agent_unit_tests) $(sms_unit_tests)
TESTS += $(agent_unit_tests) $(sms_unit_tests)
else
TESTS += tests/no-cmocka.sh
endif

## ---- integration tests (root, real daemons on loopback)
integration_tests = tests/integration/mib-lint.sh \
	tests/integration/snmp-postfix.sh
TESTS += $(integration_tests)
EXTRA_DIST += tests/no-cmocka.sh tests/integration tests/data
