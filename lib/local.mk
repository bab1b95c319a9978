noinst_LTLIBRARIES += lib/libmhutil.la
lib_libmhutil_la_SOURCES = lib/util.h lib/log.c lib/xmalloc.c lib/strbuf.c \
	lib/mhmib.h lib/mhmib.c lib/mhstr.c
