## sms/: mailhealth-sms, the snmptrapd trap handler and SMS sender.
## libmhsms.la holds everything but main(); the program and the unit
## tests link it.
noinst_LTLIBRARIES += sms/libmhsms.la
sms_libmhsms_la_SOURCES = sms/sms.h \
	sms/trapin.c sms/alert.c sms/msg.c sms/route.c sms/storm.c \
	sms/spool.c sms/gateway.c sms/sender.c sms/sms_conf.c sms/audit.c \
	sms/sms_main.c
sms_libmhsms_la_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS) $(CURL_CFLAGS)
sms_libmhsms_la_LIBADD = lib/libmhutil.la $(CONFUSE_LIBS) $(CURL_LIBS)

bin_PROGRAMS += sms/mailhealth-sms
sms_mailhealth_sms_SOURCES = sms/main.c
sms_mailhealth_sms_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS) $(CURL_CFLAGS)
sms_mailhealth_sms_LDADD = sms/libmhsms.la lib/libmhutil.la \
	$(CONFUSE_LIBS) $(CURL_LIBS)
