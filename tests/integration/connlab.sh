# connlab.sh: sourced by the connection tests (after lib.sh): load
# processes (conn-load.py) in the background, and a half-open flood
# between two network namespaces of the test's own.
#
#   bg NAME CMD...    CMD in the background, output in $T/NAME.out, its
#                     pid tracked and in $BG_NAME
#   wait_line NAME WORD   until the first word NAME printed is WORD
#                     ("listening", "connected"); bails after 60 s
#   lab_netns TAG     two namespaces, $NS_S (server, 198.18.0.1) and
#                     $NS_C (client, 198.18.0.2-4), joined by a veth
#                     pair; SYN cookies off and big backlogs in $NS_S.
#                     Sets CLEANUP_HOOK, which deletes them.
#   lab_flood HP EP   the client drops its own final ACKs to port HP
#                     (nftables table inet mhconnlab), so 1,000
#                     handshakes from the three client addresses stay in
#                     SYN-RECV on HP; 300 connections to EP complete.
#                     Returns once ss in $NS_S shows them all.
#   lab_unflood       the ACKs go through again
#   ss_n STATE PORT   how many sockets ss shows in $NS_S in STATE with
#                     local port PORT
#
# 198.18.0.0/15 (RFC 2544, benchmarking) exists only inside these
# namespaces.
LOAD=$top_srcdir/tests/integration/conn-load.py

bg() {
	_name=$1
	shift
	"$@" >"$T/$_name.out" 2>&1 &
	track_pid $!
	eval "BG_$_name=$!"
}
line_is() { [ "$(cut -d' ' -f1 "$T/$1.out" 2>/dev/null | head -1)" = "$2" ]; }
wait_line() {
	wait_until 60 line_is "$1" "$2" ||
		bail "$1 did not say $2: $(tail -3 "$T/$1.out")"
}

lab_netns_cleanup() {
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	ip link del "$VS" 2>/dev/null
	return 0
}
_veth_up() { ip -n "$NS_C" link show "$VC" | grep -q 'state UP'; }
lab_netns() {
	NS_S=mh$1-s-$$
	NS_C=mh$1-c-$$
	VS=mh$1s$$
	VC=mh$1c$$
	CLEANUP_HOOK=lab_netns_cleanup
	ip netns add "$NS_S" || bail "ip netns add failed"
	ip netns add "$NS_C" || bail "ip netns add failed"
	ip link add "$VS" type veth peer name "$VC" || bail "veth failed"
	ip link set "$VS" netns "$NS_S"
	ip link set "$VC" netns "$NS_C"
	ip -n "$NS_S" addr add 198.18.0.1/24 dev "$VS"
	for a in 2 3 4; do ip -n "$NS_C" addr add "198.18.0.$a/24" dev "$VC"; done
	for ns in "$NS_S" "$NS_C"; do ip -n "$ns" link set lo up; done
	ip -n "$NS_S" link set "$VS" up
	ip -n "$NS_C" link set "$VC" up
	ip netns exec "$NS_S" sysctl -q -w net.ipv4.tcp_syncookies=0 \
		net.ipv4.tcp_max_syn_backlog=16384 net.core.somaxconn=16384 ||
		bail "sysctl in $NS_S failed"
	wait_until 10 _veth_up || bail "the veth pair did not come up"
}

ss_n() { ip netns exec "$NS_S" ss -Htan state "$1" "( sport = :$2 )" | wc -l; }
_flood_in() { [ "$(ss_n syn-recv "$1")" -eq 1000 ] && [ "$(ss_n established "$2")" -eq 300 ]; }
lab_flood() {
	cat >"$T/drop-ack.nft" <<EOF
table inet mhconnlab {
	chain out {
		type filter hook output priority 0; policy accept;
		tcp dport $1 tcp flags & (syn | ack) == ack drop
	}
}
EOF
	ip netns exec "$NS_C" nft -f "$T/drop-ack.nft" || bail "nft failed"
	bg hl ip netns exec "$NS_S" "$LOAD" listen 198.18.0.1 "$1" --backlog 8192
	bg el ip netns exec "$NS_S" "$LOAD" listen 198.18.0.1 "$2"
	wait_line hl listening
	wait_line el listening
	bg hc ip netns exec "$NS_C" "$LOAD" connect 198.18.0.1 "$1" 1000 \
		198.18.0.2,198.18.0.3,198.18.0.4 --nowait
	bg ec ip netns exec "$NS_C" "$LOAD" connect 198.18.0.1 "$2" 300 \
		198.18.0.2,198.18.0.3,198.18.0.4
	wait_line hc connected
	wait_line ec connected
	wait_until 30 _flood_in "$1" "$2" ||
		bail "ss in $NS_S shows $(ss_n syn-recv "$1") half-open, $(ss_n established "$2") established"
}
lab_unflood() {
	ip netns exec "$NS_C" nft delete table inet mhconnlab || bail "nft delete failed"
}
