/* mailhealthd: everything is in the library; see mailhealthd.c. */
#include "config.h"

#include "snmp/snmp.h"

int
main(int argc, char **argv)
{
	return mailhealthd_main(argc, argv);
}
