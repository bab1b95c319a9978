#!/bin/bash
# sms-recon.sh: reconciliation (issue 11 item 4). mailhealthd raises an
# alarm and the raise is paged; its clear is lost (an SNMPv2c trap sent
# while snmptrapd is down); `mailhealth-sms --daemon` polls the agent's
# mhAlarmTable, finds the alarm gone and pages the clear itself, once.
# An alarm still active, and an agent that does not answer, are left
# alone.
. "$(dirname "$0")/lib.sh"

need_root
need_sms
need_cmd snmpd
mktestdir

plan 8

start_gateway ok
TRAP_PORT=$(free_port udp)
SNMP_PORT=$(free_port udp)
write_conf 'rate_limit = 0' \
    "reconcile { interval = 2s port = $SNMP_PORT community = \"public\" timeout = 1s }"
start_snmptrapd
"$top_srcdir/tests/qmail-queue-gen.py" --create-users --queue "$T/q" --seed 5 \
	--flooder "flood@spam.example:6" --junk 0 --todo 0 >/dev/null ||
	bail "qmail-queue-gen failed"
"$top_srcdir/tests/qmail-queue-gen.py" --create-users --queue "$T/q.empty" \
	--seed 5 --junk 0 --todo 0 >/dev/null || bail "qmail-queue-gen failed"
start_snmpd "$TRAP_PORT"
# two alarms: queue-high clears when the queue drains, queue-any stays
cat > "$T/mailhealthd.conf" <<EOF
interval = 1
agentx_ping = 1
mta qmail { queue_directory = "$T/q" }
alarm queue-high {
	metric   = "queue.total"
	rising   = 5
	falling  = 2
	severity = critical
}
alarm queue-any {
	metric   = "queue.total"
	rising   = -1
	falling  = -2
	severity = warning
}
EOF
"$MAILHEALTH_SMS" -c "$T/sms.conf" -D --daemon 2> "$T/daemon.log" &
dpid=$!
track_pid $dpid
wait_until 10 grep -q "running (daemon)" "$T/daemon.log" ||
	bail "mailhealth-sms --daemon did not start: $(tail -5 "$T/daemon.log")"
start_agent "$T/mailhealthd.conf"

# 1-2: both raises are paged
wait_until 20 gw_count_is 'len(ok)' 2
ok $? "both raises are paged"
wait_until 10 eval '[ "$(grep -c "^A	" "$SPOOL/active")" = 2 ]'
ok $? "both are remembered for reconciliation, with the agent's address"

# 3-5: snmptrapd is down when the queue drains: the clear trap is lost,
# and the daemon's poll of mhAlarmTable makes up for it
stop_snmptrapd
mv "$T/q" "$T/q.full"
mv "$T/q.empty" "$T/q"
wait_until 20 grep -q "sent clear notification for alarm queue-high" "$T/mailhealthd.log"
ok $? "the agent sent the clear while snmptrapd was down (lost)"
wait_until 15 gw_count_is 'len(ok)' 3
ok $? "reconciliation paged the clear"
case $(gwq 'ok[2]["query"]["text"]') in
"OK "*" queue (no longer active; its clear was lost)") r=0 ;;
*) r=1 ;;
esac
ok $r "clear text: $(gwq 'ok[2]["query"]["text"]')"

# 6-8: the alarm still active is left alone, the cleared one is not
# paged again, and an agent that does not answer clears nothing
once_more() { ! gw_count_is 'len(ok)' 3; }
wait_until 5 once_more
ok $((!$?)) "nothing more within 5 s (2 more polls): queue-any is still active"
is "$(grep -c "^A	" "$SPOOL/active")" 1 "one alarm is still remembered"
stop_snmpd
wait_until 8 grep -q "no answer: its alarms are left as they are" "$T/daemon.log"
ok $? "an agent that does not answer: its alarms are left as they are"

finish
