#!/bin/bash
# queue-unknown.sh: unknown is not zero, and never an all-clear (issue 11
# item 1). A real Postfix spool holds deferred mail and a queue alarm is
# raised. Then the deferred queue directory is renamed away, and later
# replaced by a symlink: each time the agent must not publish a smaller
# total, must not clear the alarm, must say why (mhAgentLastError), and
# --once must print null and exit 69. Put back, the numbers return and
# the alarm is still the one raised before: no clear, no second raise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"

need_root
need_sms
need_cmd snmpd snmptrapd snmpget postfix sendmail
mktestdir
CLEANUP_HOOK=pf_stop
plan 12

pf_start "$T/pf" || bail "cannot start a private Postfix"
for i in $(seq 1 8); do
	pf_sendmail -f "flood@spam.example" "victim$i@remote.example"
done
pf_wait_deferred 8 || bail "Postfix did not defer the messages"
# the spool stays as it is: no Postfix process moves files meanwhile
pf_stop

start_pager
start_snmpd "$TRAP_PORT"
queue_alarm_conf postfix "$PF_QUEUE"
start_agent "$T/mailhealthd.conf"
wait_until 20 gw_count_is 1
ok $? "8 deferred messages raise the queue alarm"
is "$(sget $MH.1.2.1.0)" 8 "mhQueueMessages is 8"

# wait_rounds N: until the agent has taken N more snapshots (its
# mhAgentLastCollect changed N times)
wait_rounds() {
	local n=0 last cur
	last=$(sget $MH.1.1.6.0)
	while [ $n -lt "$1" ]; do
		cur_changed() { cur=$(sget $MH.1.1.6.0); [ "$cur" != "$last" ]; }
		wait_until 10 cur_changed || bail "the agent took no new snapshot"
		last=$cur
		n=$((n + 1))
	done
}

unknown_round() {	# unknown_round WHAT: the checks while deferred/ is WHAT
	wait_until 10 sh -c "snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $MH.1.1.10.0 | grep -q deferred"
	ok $? "$1: mhAgentLastError names the deferred queue: $(sget $MH.1.1.10.0)"
	case $(sget $MH.1.2.1.0) in *"No Such Instance"*) r=0 ;; *) r=1 ;; esac
	ok $r "$1: mhQueueMessages is noSuchInstance, not a smaller number"
	"$MAILHEALTHD" --once -c "$T/mailhealthd.conf" >"$T/once.json" 2>/dev/null
	is "$? $(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["queue"]["messages"])' "$T/once.json")" \
	    "69 None" "$1: --once prints null and exits 69"
	# three more rounds go by: no clear of the raised alarm
	wait_rounds 3
	is "$(gw_count) $(sget $MH.1.10.1.0)" "1 1" \
	    "$1: no clear was sent, the alarm is still active"
}

mv "$PF_QUEUE/deferred" "$PF_QUEUE/deferred.away"
unknown_round "renamed away"
mv "$PF_QUEUE/deferred.away" "$PF_QUEUE/deferred.real"
ln -s deferred.real "$PF_QUEUE/deferred"
unknown_round "a symlink"
rm "$PF_QUEUE/deferred"
mv "$PF_QUEUE/deferred.real" "$PF_QUEUE/deferred"
wait_until 10 sh -c "[ \"\$(snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $MH.1.2.1.0)\" = 8 ]"
ok $? "put back: mhQueueMessages is 8 again"
is "$(gw_count) $(sget $MH.1.10.1.0)" "1 1" "and the alarm raised before is still the one: no clear, no second raise"
finish
