/*
 * baresub: the smallest net-snmp AgentX subagent we can write: one
 * integer at 1.3.6.1.4.1.8072.9999.9999.26.1.0, served with net-snmp's
 * own agent_check_and_process() loop. bench-snmp.sh measures it beside
 * mailhealthd, to tell what of the latency is net-snmp's AgentX path
 * (master -> subagent -> internal callback transport -> back) and what
 * is ours.
 *
 *   baresub AGENTX_SOCKET
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

static volatile sig_atomic_t stop;
static long value = 42;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	oid o[] = { 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 26, 1, 0 };

	if (argc != 2)
		return 64;
	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID,
	    NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID,
	    NETSNMP_DS_AGENT_X_SOCKET, argv[1]);
	init_agent("baresub");
	netsnmp_register_long_instance("bare", o, OID_LENGTH(o), &value, NULL);
	init_snmp("baresub");
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	while (!stop)
		agent_check_and_process(1);
	snmp_shutdown("baresub");
	return 0;
}
