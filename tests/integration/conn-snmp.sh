#!/bin/bash
# conn-snmp.sh: the connections collector over SNMP, against ss(8) read
# in the same test, and its alarms end to end to an SMS.
#
# mailhealthd runs in a network namespace of its own (the server), under
# a private snmpd in the test's namespace (AgentX over a unix socket),
# so only the test's sockets are counted:
#   1. loopback inside the server namespace: listeners on port P
#      (127.0.0.1 and ::1), 3,000 connections from 127.0.0.2-7, 200 from
#      ::1, and one dialled out from source port P on 127.0.0.9.
#      mhConnTable and mhConnHostTable against ss, through netlink and,
#      after a reload with `reader = proc`, through /proc. An alarm on
#      conn.host for "P 127.0.0.2" pages, and clears when the clients go.
#   2. a half-open flood from a second namespace over a veth pair whose
#      client side drops its own final ACKs (nftables): 1,000 SYN-RECV
#      on port HP from three addresses, 300 established on EP. An alarm
#      on conn.halfopen pages naming the port; letting the ACKs through
#      and closing the clients clears it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connlab.sh"

need_root
need_cmd snmpd snmptrapd snmpget snmpbulkwalk ss ip nft /usr/bin/python3
mktestdir
plan 29

lab_netns cs
sss() { ip netns exec "$NS_S" ss "$@"; }

P=2526
HP=2525
EP=2587

start_pager
start_snmpd "$TRAP_PORT"
cat >"$T/mailhealthd.conf" <<EOC
interval = 1
agentx_ping = 1
mta postfix { queue_directory = "$T/nonexistent" }
system { disks = { "$T" } }
connections {
	ports = { $P, $HP, $EP, 25 }
}
alarm busy-host {
	metric   = "conn.host"
	instance = "$P 127.0.0.2"
	rising   = 400
	falling  = 100
	severity = major
}
alarm syn-flood {
	metric   = "conn.halfopen"
	rising   = 500
	falling  = 100
	severity = critical
}
EOC
"$MAILHEALTHD" --check-config -c "$T/mailhealthd.conf" >/dev/null ||
	bail "config: $("$MAILHEALTHD" --check-config -c "$T/mailhealthd.conf" 2>&1)"
ip netns exec "$NS_S" "$MAILHEALTHD" -D -c "$T/mailhealthd.conf" -x "$AGENTX" \
	>"$T/mailhealthd.log" 2>&1 &
AGENT_PID=$!
track_pid $AGENT_PID
wait_until 15 agent_ready ||
	bail "mailhealthd did not register: $(tail -20 "$T/mailhealthd.log")"
CN=$MH.1.8

# --- 1. loopback load in the server namespace ---------------------------
bg l4 ip netns exec "$NS_S" "$LOAD" listen 127.0.0.1 $P
bg l6 ip netns exec "$NS_S" "$LOAD" listen ::1 $P
wait_line l4 listening
wait_line l6 listening
bg c4 ip netns exec "$NS_S" "$LOAD" connect 127.0.0.1 $P 3000 \
	127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7
bg c6 ip netns exec "$NS_S" "$LOAD" connect ::1 $P 200 ::1
bg co ip netns exec "$NS_S" "$LOAD" connect 127.0.0.1 $P 1 "127.0.0.9/$P"
wait_line c4 connected
wait_line c6 connected
wait_line co connected
# the server ends of the connections: local address a listener's
ss_in() { sss -Htan state "$1" "( sport = :$2 )" | awk '$3 ~ /^(127\.0\.0\.1|\[::1\]):/'; }
ss_peers() { awk '{ a = $4; sub(/:[0-9]+$/, "", a); gsub(/[][]/, "", a); print a }'; }
all_in() { [ "$(ss_in established $P | wc -l)" -eq 3201 ]; }
wait_until 30 all_in || bail "ss saw $(ss_in established $P | wc -l) connections, not 3201"
snmp_is() { [ "$(sget "$1")" = "$2" ]; }
wait_until 10 snmp_is "$CN.10.1.2.$P" 3201
ok $? "mhConnEstablished.$P reaches 3201"

est=$(ss_in established $P | wc -l)
syn=$(ss_in syn-recv $P | wc -l)
hosts=$(ss_in established $P | ss_peers | sort -u | wc -l)
is "$(sget "$CN.10.1.2.$P")" "$est" "mhConnEstablished.$P is what ss counts ($est)"
is "$(sget "$CN.10.1.3.$P")" "$syn" "mhConnHalfOpen.$P is what ss counts ($syn)"
is "$(sget "$CN.10.1.4.$P")" "$hosts" "mhConnRemoteHosts.$P is ss's distinct peers ($hosts)"
is "$hosts" 8 "... 127.0.0.1-7 (the dial-out's server end from .9 too) and ::1: 8"
is "$(sget "$CN.1.0")" 1 "mhConnReader is netlink(1)"
is "$(sget "$CN.2.0")" 1 "mhConnOutbound: the dialled-out end from source port $P"
is "$(sget "$CN.10.1.2.25")" 0 "port 25, nobody listening in the namespace: 0"

# mhConnHostTable of port P as "COUNT ADDR" lines, and what ss says
host_rows() {
	swalk "$CN.11.1.2.$P" | sed -n "s/^$CN\.11\.1\.2\.$P\.\([0-9]*\) \"\(.*\)\"$/\1 \2/p" | sort >"$T/addr"
	swalk "$CN.11.1.3.$P" | sed -n "s/^$CN\.11\.1\.3\.$P\.\([0-9]*\) \(.*\)$/\1 \2/p" | sort >"$T/count"
	join "$T/count" "$T/addr" | awk '{ print $2, $3 }' | sort
}
ss_rows() { ss_in established $P | ss_peers | sort | uniq -c | awk '{ print $1, $2 }' | sort; }
host_rows >"$T/ours"
ss_rows >"$T/theirs"
is "$(cat "$T/ours")" "$(cat "$T/theirs")" "mhConnHostTable.$P: every host and its count as ss shows ($(wc -l <"$T/ours") rows)"
# ranks 1..8 by count: ::1 (200) and the .9 dial-out's server end last
ranks=$(swalk "$CN.11.1.5.$P" | awk '{ print $2 }' | sort -n | tr '\n' ' ')
is "$ranks" "1 2 3 4 5 6 7 8 " "mhConnHostRank.$P: 1 to 8"
idx=$(swalk "$CN.11.1.2.$P" | sed -n "s/^$CN\.11\.1\.2\.$P\.\([0-9]*\) \"::1\"$/\1/p")
is "$(sget "$CN.11.1.5.$P.$idx")" 7 "::1 (200 connections) ranks 7th"
is "$(sget "$CN.11.1.4.$P.$idx")" 625 "its share: 200/3201 in hundredths of a percent"
wait_until 10 sh -c "snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $CN.10.1.5.$P | grep -q '^-\{0,1\}[0-9]'"
ok $? "mhConnGrowth.$P answers after two rounds"

# the conn.host alarm for one (port, host). The SMS is matched on what
# any wording of mailhealth-sms keeps: severity, instance, the detail.
has_sms() { gw_texts | grep -Eq -- "$1"; }
wait_until 20 has_sms "^MAJOR .*$P 127\.0\.0\.2.*, 16% of port $P's 3201 connections\$"
ok $? "conn.host over 400 pages, naming the port and the host"
diag "SMS: $(gw_texts | grep -F "$P 127.0.0.2")"

# the same through /proc, after a reload
sed -i "s/ports = { $P, $HP, $EP, 25 }/ports = { $P, $HP, $EP, 25 }\n\treader = proc/" "$T/mailhealthd.conf"
kill -HUP $AGENT_PID
wait_until 10 snmp_is "$CN.1.0" 2
ok $? "after a reload with reader = proc: mhConnReader is proc(2)"
is "$(sget "$CN.10.1.2.$P")" "$est" "/proc: mhConnEstablished.$P the same ($est)"
is "$(sget "$CN.10.1.4.$P")" "$hosts" "/proc: mhConnRemoteHosts.$P the same"
is "$(host_rows)" "$(cat "$T/theirs")" "/proc: mhConnHostTable.$P the same"

# the clients go: the host drops out of the table, the alarm clears
for p in $BG_c4 $BG_c6 $BG_co; do kill "$p"; done
wait_until 20 snmp_is "$CN.10.1.2.$P" 0
ok $? "clients gone: mhConnEstablished.$P is 0"
wait_until 20 has_sms "^OK .*$P 127\.0\.0\.2"
ok $? "and the conn.host alarm clears"

# --- 2. a half-open flood from another namespace ------------------------
lab_flood $HP $EP
wait_until 10 snmp_is "$CN.10.1.3.$HP" 1000
ok $? "mhConnHalfOpen.$HP reaches 1000"
is "$(sget "$CN.10.1.3.$HP")" "$(ss_n syn-recv $HP)" "mhConnHalfOpen.$HP is what ss counts"
is "$(sget "$CN.10.1.2.$HP")" 0 "mhConnEstablished.$HP is 0"
is "$(sget "$CN.10.1.4.$HP")" 3 "mhConnRemoteHosts.$HP: the three flooding addresses"
is "$(sget "$CN.10.1.2.$EP")" 300 "mhConnEstablished.$EP: the 300 that completed"
wait_until 20 has_sms "^CRITICAL .* $HP\\b"
ok $? "the flood pages"
sms=$(gw_texts | grep -E "^CRITICAL .* $HP\\b" | head -1)
diag "SMS: $sms"
echo "$sms" | grep -Eq "^CRITICAL .* $HP\\b.*(1000|1,000).*>= 500.*from 3 hosts, top 198\\.18\\.0\\.[234] \\(33[34]\\), 0 established\$"
ok $? "the SMS names the port, the count, the threshold and the top host"
is "$(gw_texts | grep -c " $EP")" 0 "and no SMS for port $EP"

# the ACKs go through and the clients close: the flood is over
lab_unflood
kill "$BG_hc"
wait_until 60 has_sms "^OK .* $HP\\b"
ok $? "the half-open connections end: the alarm clears"
finish
