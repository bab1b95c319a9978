## mibs/: MAILHEALTH-MIB, installed where the net-snmp tools (snmpwalk,
## snmptranslate, snmptrapd) look for MIB files by default.
mibdir = $(datadir)/snmp/mibs
dist_mib_DATA = mibs/MAILHEALTH-MIB.txt
