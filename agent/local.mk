## agent/: mailhealthd, one folder per job (docs/architecture.md):
##   core/   snapshot, collector threads, configuration, metrics, alarms,
##           top-k, the --once report
##   queue/  the queue collector and one reader per MTA
##   view/   MAILHEALTH-MIB as a sorted OID view, one builder per group
##   snmp/   everything that includes net-snmp: AgentX, notifications,
##           the event loop
##   system/ CPU, load, memory, swap, disks (the worked example of a
##           collector)
## libmhagent.la: everything without net-snmp; libmhsnmp.la: the SNMP
## layer and the daemon's entry.
noinst_LTLIBRARIES += agent/libmhagent.la agent/libmhsnmp.la

agent_libmhagent_la_SOURCES = agent/collectors.c \
	agent/core/core.h agent/core/topk.h agent/core/field.h \
	agent/core/snapshot.c agent/core/conf.c agent/core/topk.c \
	agent/core/collect.c agent/core/metrics.c agent/core/alarm.c \
	agent/core/report.c agent/core/field.c \
	agent/queue/queue.h agent/queue/queue.c \
	agent/queue/queue_conf.c agent/queue/queue_fields.c \
	agent/queue/queue_postfix.c agent/queue/pf_record.c \
	agent/queue/pf.h agent/queue/pf_dir.c agent/queue/pf_file.c \
	agent/queue/strtab.c agent/queue/qpool.c agent/queue/qread.c \
	agent/queue/queue_qmail.c agent/queue/qmail.h agent/queue/qmail_scan.c \
	agent/queue/qmail_msg.c agent/queue/qmail_watch.c agent/queue/qmail_env.c \
	agent/queue/qmail_read.c \
	agent/queue/queue_exim.c agent/queue/exim.h agent/queue/exim_msg.c \
	agent/queue/exim_read.c \
	agent/queue/exim_hdr.c \
	agent/view/view.h agent/view/mibview.c agent/view/mib_agent.c \
	agent/view/mib_alarm.c agent/view/mib_fields.c agent/view/rowid.c \
	agent/view/mibval.c agent/view/mib_mta.c agent/view/mib_appl.c \
	agent/system/system.h agent/system/system.c agent/system/sys_proc.c \
	agent/system/sys_disk.c agent/system/sys_fields.c
agent_libmhagent_la_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS) $(LIBURING_CFLAGS)
agent_libmhagent_la_LIBADD = $(LIBURING_LIBS)

agent_libmhsnmp_la_SOURCES = agent/snmp/snmp.h agent/snmp/snmp.c agent/snmp/notify.c \
	agent/snmp/loop.c agent/mailhealthd.c
agent_libmhsnmp_la_CFLAGS = $(AM_CFLAGS) $(NETSNMP_CFLAGS) $(CONFUSE_CFLAGS)
agent_libmhsnmp_la_LIBADD =

sbin_PROGRAMS += agent/mailhealthd
agent_mailhealthd_SOURCES = agent/main.c
agent_mailhealthd_LDADD = agent/libmhsnmp.la agent/libmhagent.la \
	agent/logs/libmhlogs.la lib/libmhutil.la \
	$(NETSNMP_LIBS) $(CONFUSE_LIBS)

