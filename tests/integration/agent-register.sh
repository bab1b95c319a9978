#!/bin/bash
# agent-register.sh: registration never lies. A second mailhealthd on the
# same snmpd is refused the MAILHEALTH-MIB subtree (AgentX duplicate
# registration): it must say so with the reason, not "connected", must
# not take the subtree from the first, and must serve it once the first
# stops (net-snmp alone would leave the MIB gone for good). The same for
# each of the other subtrees it registers (NETWORK-SERVICES-MIB and the
# two column ranges of MTA-MIB): each is refused, said once and retried
# on its own.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd snmpd snmpget
mktestdir
plan 13

start_snmpd
mkdir -p "$T/q"
conf() {	# conf FILE INTERVAL: agents told apart by mhAgentInterval
	cat >"$1" <<EOC
interval = $2
agentx_ping = 1
mta postfix { queue_directory = "$T/q" }
EOC
}
conf "$T/a.conf" 1
conf "$T/b.conf" 7
start_agent "$T/a.conf"
A=$AGENT_PID
"$MAILHEALTHD" -f -c "$T/b.conf" -x "$AGENTX" >"$T/b.log" 2>&1 &
B=$!
track_pid $B
wait_until 10 grep -q "refused to register MAILHEALTH-MIB: duplicate registration" "$T/b.log"
ok $? "the second agent says the master refused its registration, and why"
grep -q "MAILHEALTH-MIB registered" "$T/b.log"
ok $((!$?)) "and does not claim to be registered"
wait_until 3 grep -c "registering pdu failed" "$T/b.log"
is "$(sget $MH.1.1.5.0)" 1 "the first agent still serves the MIB (its interval, 1)"
kill "$A"
b_serves() { [ "$(sget $MH.1.1.5.0)" = 7 ]; }
wait_until 10 b_serves
ok $? "once the first stops, the second registers and serves (interval 7)"
grep -q "MAILHEALTH-MIB registered" "$T/b.log"
ok $? "and says so"
is "$(grep -c "refused to register MAILHEALTH-MIB" "$T/b.log")" 1 "the refusal was logged once, not every retry"
for m in NETWORK-SERVICES-MIB "MTA-MIB mtaTable" "MTA-MIB mtaGroupTable"; do
	is "$(grep -c "refused to register $m: duplicate registration" "$T/b.log")" 1 \
		"$m: refused once, said once"
	grep -q "$m registered" "$T/b.log"
	ok $? "$m: registered once the first agent stopped"
done
# the second agent's MTA-MIB is served: mtaGroupName.1.1 names its MTA
is "$(sget .1.3.6.1.2.1.28.2.1.25.1.1)" '"postfix"' "mtaGroupName.1.1 from the second agent"
finish
