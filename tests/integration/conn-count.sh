#!/bin/bash
# conn-count.sh: the connections engine (agent/conn/, run by
# tests/tools/conncount) on real sockets, checked against ss(8) read in
# the same test.
#
# 1. Loopback: listeners on a free 127.0.0.1 port and the same port on
#    ::1, 3,000 connections from 127.0.0.2-7 and 200 from ::1. Counted
#    through netlink and through the /proc fallback (forced): the
#    established count, the distinct hosts and the top hosts must be
#    what ss shows for that local port and the listeners' addresses;
#    the client ends of the same connections (remote port = the port)
#    must not count, nor the client end of one more connection from
#    127.0.0.9 with source port = the port.
# 2. A half-open flood in two network namespaces joined by a veth pair:
#    the client namespace drops its own final ACKs to one port with
#    nftables, so 1,000 handshakes from three addresses stay in SYN-RECV
#    on the server (SYN cookies off, a big backlog); 300 connections to a
#    second port complete. Counted from inside the server namespace by
#    both readers and by ss.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connlab.sh"

need_root
need_cmd /usr/bin/python3 ss ip nft
CONNCOUNT=$top_builddir/tests/tools/conncount
[ -x "$CONNCOUNT" ] || bail "$CONNCOUNT not built (make)"
mktestdir
plan 19

# ss -Htan state STATE FILTER: the sockets on port $P of the
# listeners' addresses
ss_in() { ss -Htan state "$1" "( sport = :$P )" | awk '$3 ~ /^(127\.0\.0\.1|\[::1\]):/'; }

# the remote address of each socket ss lists (no header, one state)
ss_peers() { awk '{ a = $4; sub(/:[0-9]+$/, "", a); gsub(/[][]/, "", a); print a }'; }

# our "top" lines as "COUNT ADDR", sorted like ss's uniq -c below
top_of() { awk -v p="$2" '$1 == "top" && $2 == p { print $4, $3 }' "$1" | sort; }

# low_port: a port free on 127.0.0.1 and ::1 below the ephemeral range,
# so that no client socket here gets it as its source port by chance
low_port() {
	/usr/bin/python3 - <<'EOF'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for p in random.sample(range(1024, low), min(200, low - 1024)):
    try:
        for fam, a in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            s = socket.socket(fam)
            s.bind((a, p))
            s.close()
    except OSError:
        continue
    print(p)
    break
EOF
}

# ---- 1. loopback
P=$(low_port)
[ -n "$P" ] || bail "no free port below the ephemeral range"
bg l4 "$LOAD" listen 127.0.0.1 "$P"
wait_line l4 listening
bg l6 "$LOAD" listen ::1 "$P"
wait_line l6 listening
bg c4 "$LOAD" connect 127.0.0.1 "$P" 3000 \
	127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7
bg c6 "$LOAD" connect ::1 "$P" 200 ::1
bg co "$LOAD" connect 127.0.0.1 "$P" 1 "127.0.0.9/$P"
wait_line c4 connected
wait_line c6 connected
wait_line co connected
# accept() has run for all of them when ss sees 3,201 server ends
count_est() { [ "$(ss_in established | wc -l)" -eq 3201 ]; }
wait_until 30 count_est ||
	bail "ss saw $(ss_in established | wc -l) connections on port $P, not 3201"

"$CONNCOUNT" "$P" 25 >"$T/nl.out" 2>"$T/nl.err"
ok $? "conncount (netlink) ran: $(cat "$T/nl.err")"
"$CONNCOUNT" -p "$P" 25 >"$T/proc.out" 2>"$T/proc.err"
ok $? "conncount -p (/proc) ran: $(cat "$T/proc.err")"
ss_in established >"$T/ss-est"
ss_in syn-recv >"$T/ss-syn"
ss -Htan state established "( dport = :$P )" >"$T/ss-client"
ss -Htan state established "( sport = :$P )" >"$T/ss-all"

is "$(head -1 "$T/nl.out" | cut -d' ' -f1,2,5,6)" "reader netlink outbound 1" \
	"netlink was used; one dialled-out socket on the port was left out"
is "$(head -1 "$T/proc.out" | cut -d' ' -f1,2,5,6)" "reader proc outbound 1" \
	"-p used /proc, the same socket left out"
is "$(wc -l <"$T/ss-all")" 3202 "ss lists that socket too with sport = $P"
is "$(grep "^port $P " "$T/nl.out")" \
	"port $P established $(wc -l <"$T/ss-est") halfopen $(wc -l <"$T/ss-syn") hosts $(ss_peers <"$T/ss-est" | sort -u | wc -l) estimated 0" \
	"netlink: established, half-open and hosts as ss shows them"
is "$(grep "^port $P " "$T/nl.out")" "port $P established 3201 halfopen 0 hosts 8 estimated 0" \
	"netlink: 3201 connections from 8 hosts"
is "$(wc -l <"$T/ss-client")" 3202 \
	"the 3201 client ends exist (remote port $P; and the server end from source port $P)"
is "$(top_of "$T/nl.out" "$P")" "$(ss_peers <"$T/ss-est" | sort | uniq -c | awk '{ print $1, $2 }' | sort)" \
	"netlink: top hosts and counts as ss shows them"
is "$(grep -v '^reader' "$T/proc.out")" "$(grep -v '^reader' "$T/nl.out")" \
	"/proc: the same ports, counts and top hosts as netlink"
is "$(grep '^port 25 ' "$T/nl.out")" "port 25 established 0 halfopen 0 hosts 0 estimated 0" \
	"a port nobody listens on counts zero"

# ---- 2. half-open flood in network namespaces
lab_netns c
HP=2525
EP=2587
lab_flood $HP $EP

ip netns exec "$NS_S" "$CONNCOUNT" $HP $EP >"$T/ns-nl.out" 2>"$T/ns-nl.err"
ok $? "conncount (netlink) in the server namespace ran: $(cat "$T/ns-nl.err")"
ip netns exec "$NS_S" "$CONNCOUNT" -p $HP $EP >"$T/ns-proc.out" 2>"$T/ns-proc.err"
ok $? "conncount -p in the server namespace ran: $(cat "$T/ns-proc.err")"
SYN=$(ss_n syn-recv $HP)
is "$(grep "^port $HP " "$T/ns-nl.out")" "port $HP established 0 halfopen $SYN hosts 3 estimated 0" \
	"netlink: $SYN half-open from 3 hosts, as ss shows"
is "$SYN" 1000 "ss agrees: 1000 half-open"
is "$(grep "^port $EP " "$T/ns-nl.out")" "port $EP established 300 halfopen 0 hosts 3 estimated 0" \
	"netlink: 300 established on the other port"
is "$(top_of "$T/ns-nl.out" $HP)" "$(printf '333 198.18.0.3\n333 198.18.0.4\n334 198.18.0.2\n')" \
	"netlink: the half-open top hosts"
is "$(grep -v '^reader' "$T/ns-proc.out")" "$(grep -v '^reader' "$T/ns-nl.out")" \
	"/proc in the namespace: the same as netlink"
# the client namespace holds the other ends: established there, with
# local ports that are not ours
ip netns exec "$NS_C" "$CONNCOUNT" $HP $EP >"$T/ns-c.out" 2>&1
is "$(grep -c ' established 0 halfopen 0 hosts 0 ' "$T/ns-c.out")" 2 \
	"the dialling side counts nothing on those ports"

finish
