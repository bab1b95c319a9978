/*
 * collectors.c: every data source of mailhealthd, one row each, set up
 * in this order and torn down in reverse. Adding a collector is its own
 * file (or folder) and one row here; docs/architecture.md shows how.
 */
#include "config.h"

#include "core/core.h"
#include "queue/queue.h"
#include "system/system.h"
#include "probe/services.h"
#include "conn/conn_col.h"
#include "drsync/drsync_col.h"
#include "logs/logs.h"

const struct collector *const collectors[] = {
	&collector_queue,
	&collector_system,
	&collector_services,
	&collector_conn,
	&collector_drsync,
	&collector_logs,
};
const size_t ncollectors = MH_ARRAY_SIZE(collectors);
