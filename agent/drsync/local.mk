## agent/drsync/: DR sync (stamp file, DRBD, a command) and the DR peer's
## heartbeat: the engine (drsync.h) and the drsync collector built on it
## (drsync_col.h); runcmd.c runs programs without a shell for it (and
## for any check that runs one). No net-snmp; see docs/drsync.md.
agent_libmhagent_la_SOURCES += agent/drsync/drsync.h agent/drsync/runcmd.h \
	agent/drsync/drsync.c agent/drsync/drsync_stamp.c \
	agent/drsync/drsync_drbd.c agent/drsync/drsync_peer.c \
	agent/drsync/json.c agent/drsync/runcmd.c \
	agent/drsync/drsync_col.h agent/drsync/drsync_col.c \
	agent/drsync/drsync_fields.c
