## agent/conn/: TCP connections per local port (netlink sock_diag, with
## /proc/net/tcp* as the fallback): the engine of the connections
## collector. No net-snmp; see agent/conn/conn.h and docs/conn.md.
agent_libmhagent_la_SOURCES += agent/conn/conn.h agent/conn/conn.c \
	agent/conn/conn_hosts.c agent/conn/conn_netlink.c \
	agent/conn/conn_proc.c
