## agent/conn/: TCP connections per local port (netlink sock_diag, with
## /proc/net/tcp* as the fallback): the engine (conn.h) and the
## connections collector built on it (conn_col.h). No net-snmp; see
## docs/conn.md.
agent_libmhagent_la_SOURCES += agent/conn/conn.h agent/conn/conn.c \
	agent/conn/conn_hosts.c agent/conn/conn_netlink.c \
	agent/conn/conn_proc.c \
	agent/conn/conn_col.h agent/conn/conn_col.c agent/conn/conn_fields.c
