## sms/: the snmptrapd trap handler mailhealth-sms and its sender.
## Two programs so that the handler, which snmptrapd starts for every
## trap, does not load libcurl (and the ~30 libraries behind it):
##   libmhsms.la      everything without libcurl; the handler links only
##                    this (plus libconfuse and libc)
##   libmhsmssend.la  gateway.c (libcurl), poll.c (net-snmp), the sender
##                    loop and its main; linked into mailhealth-sms-sender
##                    only
## The unit tests link what they need.
noinst_LTLIBRARIES += sms/libmhsms.la sms/libmhsmssend.la
sms_libmhsms_la_SOURCES = sms/sms.h \
	sms/trapin.c sms/alert.c sms/render.c sms/msg.c sms/route.c sms/storm.c \
	sms/storm_file.c sms/storm_int.h \
	sms/spool.c sms/fallback.c sms/gwreq.c sms/redact.c \
	sms/sms_conf.c sms/conf_check.c sms/conf_gw.c sms/conf_int.h \
	sms/audit.c sms/launch.c sms/status.c sms/deadman.c sms/recon.c \
	sms/handler.c sms/sms_main.c
sms_libmhsms_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DPKGLIBEXECDIR='"$(pkglibexecdir)"'
sms_libmhsms_la_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS)
sms_libmhsms_la_LIBADD = lib/libmhutil.la $(CONFUSE_LIBS)

sms_libmhsmssend_la_SOURCES = sms/gateway.c sms/deliver.c sms/sender.c \
	sms/sender_main.c sms/poll.c
sms_libmhsmssend_la_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS) $(CURL_CFLAGS) \
	$(NETSNMPC_CFLAGS)
sms_libmhsmssend_la_LIBADD = $(CURL_LIBS) $(NETSNMPC_LIBS)

bin_PROGRAMS += sms/mailhealth-sms
sms_mailhealth_sms_SOURCES = sms/main.c
sms_mailhealth_sms_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS)
sms_mailhealth_sms_LDADD = sms/libmhsms.la lib/libmhutil.la $(CONFUSE_LIBS)

pkglibexec_PROGRAMS = sms/mailhealth-sms-sender
sms_mailhealth_sms_sender_SOURCES = sms/sender_bin.c
sms_mailhealth_sms_sender_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS) \
	$(CURL_CFLAGS)
sms_mailhealth_sms_sender_LDADD = sms/libmhsmssend.la sms/libmhsms.la \
	lib/libmhutil.la $(CONFUSE_LIBS) $(CURL_LIBS) $(NETSNMPC_LIBS)
