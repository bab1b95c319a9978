## agent/: mailhealthd.
## libmhagent.la: everything without net-snmp (collectors, alarms, views).
## libmhsnmp.la:  the SNMP layer and the daemon's entry.
noinst_LTLIBRARIES += agent/libmhagent.la agent/libmhsnmp.la

agent_libmhagent_la_SOURCES = agent/mailhealthd.h agent/mhoid.h \
	agent/snapshot.c agent/conf.c agent/topk.c agent/qcache.c \
	agent/queue.c agent/collect.c agent/metrics.c agent/alarm.c \
	agent/report.c agent/mibview.c agent/mib_agent.c agent/mib_queue.c \
	agent/mib_alarm.c agent/pf_record.c agent/queue_postfix.c \
	agent/queue_qmail.c agent/queue_exim.c
agent_libmhagent_la_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS)
agent_libmhagent_la_LIBADD =

agent_libmhsnmp_la_SOURCES = agent/snmp.h agent/snmp.c agent/loop.c \
	agent/mailhealthd.c
agent_libmhsnmp_la_CFLAGS = $(AM_CFLAGS) $(NETSNMP_CFLAGS) $(CONFUSE_CFLAGS)
agent_libmhsnmp_la_LIBADD =

sbin_PROGRAMS += agent/mailhealthd
agent_mailhealthd_SOURCES = agent/main.c
agent_mailhealthd_LDADD = agent/libmhsnmp.la agent/libmhagent.la lib/libmhutil.la \
	$(NETSNMP_LIBS) $(CONFUSE_LIBS)
