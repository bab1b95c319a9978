## agent/logs/: log sources (plain files, multilog directories, the
## systemd journal) and the header reader: libmhlogs.la, without net-snmp.
## libsystemd is linked only when configure found it.
noinst_LTLIBRARIES += agent/logs/libmhlogs.la
agent_logs_libmhlogs_la_SOURCES = \
	agent/logs/logline.h agent/logs/logsrc.h agent/logs/logsrc_int.h \
	agent/logs/logsrc.c agent/logs/logfollow.c agent/logs/logstate.c \
	agent/logs/logsrc_file.c agent/logs/logsrc_multilog.c \
	agent/logs/logsrc_journal.c agent/logs/logts.c \
	agent/logs/logtime.c
agent_logs_libmhlogs_la_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS)
agent_logs_libmhlogs_la_LIBADD = $(LIBSYSTEMD_LIBS)

## the log collector (logs.h): sources, parsers and counters glued into
## mhTraffic, mhDefer and mhAuth. In libmhagent with the other
## collectors; it calls the sources of libmhlogs, which every program
## linking the collector table links too.
agent_libmhagent_la_SOURCES += agent/logs/logs.h agent/logs/logs.c \
	agent/logs/logs_conf.c agent/logs/logs_feed.c \
	agent/logs/logs_replay.c agent/logs/logs_part.c \
	agent/logs/logs_fields.c
