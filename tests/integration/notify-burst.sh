#!/bin/bash
# notify-burst.sh: 300 alarms raised in the same collection round (100
# senders and some domains over thresholds in a qmail queue, each watched
# by two alarm sections) must all reach snmptrapd, which runs a handler
# per trap. mailhealthd paces its notifications (50 a
# second after a burst of 20) so that the receiver's socket buffer never
# overflows; sent all at once, a good part of them would be lost.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd snmpd snmptrapd /usr/bin/python3 /bin/cat
mktestdir
plan 4

N=100
flood=()
for i in $(seq 1 $N); do
	flood+=(--flooder "sender$i@flood$i.example:4")
done
"$top_srcdir/tests/qmail-queue-gen.py" --create-users --queue "$T/q" --seed 3 \
	"${flood[@]}" --junk 50 --todo 0 --truth "$T/truth.json" >/dev/null ||
	bail "qmail-queue-gen failed"

# the receiver: snmptrapd running a handler per trap; even one that only
# reads its input is slower than traps sent all at once
TRAP_PORT=$(free_port udp)
mkdir -p "$T/persist"
cat >"$T/snmptrapd.conf" <<EOF
authCommunity log,execute public
traphandle default /bin/cat
EOF
SNMP_PERSISTENT_DIR=$T/persist snmptrapd -f -Lf "$T/snmptrapd.log" -C \
	-c "$T/snmptrapd.conf" -On -m '' "udp:127.0.0.1:$TRAP_PORT" >"$T/handled" &
track_pid $!
wait_until 10 grep -qs "NET-SNMP version" "$T/snmptrapd.log" ||
	bail "snmptrapd did not start"

start_snmpd "$TRAP_PORT"
cat >"$T/mailhealthd.conf" <<EOF
interval = 3600
top_n = 100
mta qmail { queue_directory = "$T/q" }
alarm per-sender {
	metric  = "queue.sender"
	rising  = 4
	falling = 1
}
alarm per-sender-2 {
	metric  = "queue.sender"
	rising  = 3
	falling = 1
}
alarm per-domain {
	metric  = "queue.domain"
	rising  = 4
	falling = 1
}
alarm per-domain-2 {
	metric  = "queue.domain"
	rising  = 3
	falling = 1
}
EOF
start_agent "$T/mailhealthd.conf"
# the first snapshot may hold only the quicker collectors: wait for the
# queue's part, whose round raises the alarms
queue_read() { sget $MH.1.2.1.0 | grep -q '^[0-9]'; }
wait_until 30 queue_read || bail "the queue was not read"

# snmptrapd logs a date line, then the varbinds on one tab-separated line
raised() { grep -c "OID: $MH.0.1	" "$T/snmptrapd.log"; }
raised_is() { [ "$(raised)" -eq "$1" ]; }
want=$(grep -c "alarm.*raised" "$T/mailhealthd.log")
diag "the agent raised $want alarms in one round"
# a default receive buffer (~200 KB) holds about 170 of these traps:
# without pacing, 304 sent at once arrive as 167 (measured)
[ "$want" -ge 300 ]
ok $? "at least 300 alarms raised in the first round"
wait_until 120 raised_is "$want"
ok $? "all $want notifications reached snmptrapd ($(raised) seen)"
stamps=$(grep -B1 "OID: $MH.0.1	" "$T/snmptrapd.log" | grep '^20' | cut -c1-19)
first=$(echo "$stamps" | head -1)
last=$(echo "$stamps" | tail -1)
span=$(( $(date -d "$last" +%s) - $(date -d "$first" +%s) ))
diag "they arrived over $span s"
[ "$span" -ge $(( (want - 20) / 50 - 1 )) ]
ok $? "paced: $want notifications took at least $(( (want - 20) / 50 - 1 )) s"
is "$(sget $MH.1.10.1.0)" "$want" "mhAlarmActive.0 counts them all"
finish
