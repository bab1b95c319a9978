## agent/probe/: service checks as an engine (probe.h), glued into the
## services collector. libcurl (probe_curl.c), c-ares (probe_dns.c) and
## libnftables (probe_fw.c) are each used in one file only.
agent_libmhagent_la_SOURCES += agent/probe/probe.h agent/probe/probe_int.h \
	agent/probe/probe_set.c agent/probe/probe_flap.c \
	agent/probe/probe_kind.c agent/probe/probe_words.c \
	agent/probe/probe_reply.c \
	agent/probe/probe_curl.c agent/probe/probe_dns.c \
	agent/probe/probe_cmd.c agent/probe/probe_local.c \
	agent/probe/probe_fw.c \
	agent/probe/services.h agent/probe/services.c \
	agent/probe/services_fields.c agent/probe/services_keep.c
agent_libmhagent_la_CFLAGS += $(CURL_CFLAGS) $(CARES_CFLAGS) $(NFTABLES_CFLAGS)
agent_libmhagent_la_LIBADD += $(CURL_LIBS) $(CARES_LIBS) $(NFTABLES_LIBS)
