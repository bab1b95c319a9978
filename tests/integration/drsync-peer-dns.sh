#!/bin/bash
# drsync-peer-dns.sh: the DR peer given by name, resolved through a DNS
# server the test runs (tests/integration/dns-stub.py) inside a network
# namespace it creates; `ip netns exec` gives the engine that
# namespace's /etc/netns/NAME/resolv.conf ("nameserver 127.0.0.1").
#
# 1. A resolver that never answers: the round gives up at the timeout
#    (1 s) with "timed out", the next round says the lookup still runs
#    (glibc keeps it on its own thread), and the engine exits promptly.
# 2. A resolver that answers 127.0.0.1: the peer, a listener there, is up.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd ip /usr/bin/python3
DRT=$top_builddir/tests/tools/drsynctool
[ -x "$DRT" ] || bail "$DRT not built (make)"
STUB=$top_srcdir/tests/integration/dns-stub.py
LOAD=$top_srcdir/tests/integration/conn-load.py
mktestdir
plan 8

NS=mhd-dns-$$
ns_cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "/etc/netns/$NS"
	return 0
}
CLEANUP_HOOK=ns_cleanup
ip netns add "$NS" || bail "ip netns add failed"
ip -n "$NS" link set lo up
mkdir -p "/etc/netns/$NS"
echo "nameserver 127.0.0.1" >"/etc/netns/$NS/resolv.conf"

said() { grep -q "^$2" "$T/$1.out" 2>/dev/null; }
field() { printf '%s\n' "$1" | sed -n "s/.* $2=\"\([^\"]*\)\".*/\1/p"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---- 1. a resolver that hangs
ip netns exec "$NS" "$STUB" drop >"$T/dns1.out" 2>&1 &
DNS1=$!
track_pid $DNS1
wait_until 10 said dns1 ready || bail "dns-stub: $(cat "$T/dns1.out")"
t0=$(now_ms)
printf 'round\nround\n' | ip netns exec "$NS" "$DRT" -m command -c "echo 0" \
	-p dr1.example.net:22 -t 1 >"$T/r1.out" 2>"$T/r1.err"
ok $? "drsynctool ran"
took=$(($(now_ms) - t0))
r1=$(sed -n 1p "$T/r1.out")
r2=$(sed -n 2p "$T/r1.out")
is "$(field "$r1" peer_error)" "cannot resolve dr1.example.net: timed out" \
	"round 1: the lookup timed out"
case $r1 in *" peer=down "*) r=0 ;; *) r=1 ;; esac
ok $r "round 1: peer down"
is "$(field "$r2" peer_error)" \
	"cannot resolve dr1.example.net: the lookup of an earlier round still runs" \
	"round 2: the first lookup still runs, no second one piles up"
# two rounds of 1 s, and at most 2 s at exit for the pending lookup
[ "$took" -lt 6000 ]
ok $? "two rounds and the exit took $took ms (< 6000)"
grep -q '^query dr1.example.net 1$' "$T/dns1.out"
ok $? "the question reached the resolver"
kill $DNS1
wait_until 10 sh -c "! kill -0 $DNS1 2>/dev/null"

# ---- 2. a resolver that answers
ip netns exec "$NS" "$STUB" answer 127.0.0.1 >"$T/dns2.out" 2>&1 &
track_pid $!
wait_until 10 said dns2 ready || bail "dns-stub: $(cat "$T/dns2.out")"
ip netns exec "$NS" "$LOAD" listen 127.0.0.1 0 >"$T/l.out" 2>&1 &
track_pid $!
wait_until 10 said l listening || bail "listener: $(cat "$T/l.out")"
PORT=$(cut -d' ' -f2 "$T/l.out")
r=$(ip netns exec "$NS" "$DRT" -1 -m command -c "echo 0" \
	-p "dr1.example.net:$PORT" -t 5 2>&1)
case $r in *" peer=up "*) s=0 ;; *) s=1 ;; esac
ok $s "resolved through the stub: peer up ($r)"
grep -q '^query dr1.example.net 1$' "$T/dns2.out"
ok $? "the answer came from the stub"

finish
