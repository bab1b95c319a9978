#!/bin/bash
# bench-conn.sh [N]: counting the connections to two local ports among N
# TCP sockets (default 100,000: N/2 loopback connections from 8 source
# addresses to two listeners, both ends on this host), as root.
#
#   ours        tests/tools/conncount P1 P2: the connections engine,
#               netlink sock_diag (established and half-open per port,
#               distinct hosts, top hosts)
#   ours -p     the same through the /proc/net/tcp fallback
#   ss same     ss -Htan state established state syn-recv
#               '( sport = :P1 or sport = :P2 )' | wc -l
#   ss -tan     ss -tan | wc -l   (every socket, no filter)
#
# Each figure is the median wall time of ROUNDS interleaved rounds (one
# process run each, as a collector would do it once a round). Target
# (issue 9): ours no slower than ss -tan counting the same thing.
set -eu
N=${1:-100000}
ROUNDS=${ROUNDS:-9}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${top_builddir:-$(pwd)}
CC=$build/tests/tools/conncount
[ -x "$CC" ] || {
	echo "bench-conn: build first (make tests/tools/conncount); looked in $build" >&2
	exit 1
}
top_srcdir=$src
top_builddir=$build
. "$src/tests/integration/lib.sh"
need_root
need_cmd ss /usr/bin/python3
mktestdir
LOAD=$src/tests/integration/conn-load.py
CONNS=$((N / 2))
PER=$((CONNS / 2))	# per port
CHUNK=10000		# connections per connecting process

# two ports free on 127.0.0.1 below the ephemeral range
set -- $(/usr/bin/python3 - <<'EOF'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
got = []
for p in random.sample(range(1024, low), low - 1024):
    try:
        socket.socket().bind(("127.0.0.1", p))
    except OSError:
        continue
    got.append(p)
    if len(got) == 2:
        break
print(*got)
EOF
)
P1=$1 P2=$2
echo "# $N sockets: $CONNS connections to 127.0.0.1:$P1 and :$P2 from 127.0.0.2-9"

bg() {
	_name=$1
	shift
	"$@" >"$T/$_name.out" 2>&1 &
	track_pid $!
}
said() { [ "$(cut -d' ' -f1 "$T/$1.out" 2>/dev/null | head -1)" = "$2" ]; }

# the server ends need a descriptor each: several listeners share each
# port (SO_REUSEPORT), each room for about twice its share
NL=$((PER / 8000 + 2))
HOLD=$((2 * PER / NL + 1000))
for port in "$P1" "$P2"; do
	for k in $(seq 1 "$NL"); do
		bg "l$port-$k" "$LOAD" listen 127.0.0.1 "$port" --hold "$HOLD" \
			--backlog 4096 --reuseport 1
		wait_until 10 said "l$port-$k" listening ||
			bail "listener: $(cat "$T/l$port-$k.out")"
	done
done
SRCS=127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9
i=0
for port in "$P1" "$P2"; do
	left=$PER
	while [ "$left" -gt 0 ]; do
		n=$((left < CHUNK ? left : CHUNK))
		bg "c$i" "$LOAD" connect 127.0.0.1 "$port" "$n" "$SRCS"
		left=$((left - n))
		i=$((i + 1))
	done
done
for j in $(seq 0 $((i - 1))); do
	wait_until 300 said "c$j" connected || bail "connector $j: $(cat "$T/c$j.out")"
done
FILTER="( sport = :$P1 or sport = :$P2 )"
accepted() { [ "$(ss -Htan state established "$FILTER" | wc -l)" -eq "$CONNS" ]; }
wait_until 120 accepted || bail "ss shows $(ss -Htan state established "$FILTER" | wc -l) of $CONNS"
total=$(ss -Htan | wc -l)
echo "# sockets on this host now: $total"

# the same numbers, or the comparison means nothing
"$CC" "$P1" "$P2" >"$T/ours"
got=$(awk '$1 == "port" { n += $4 + $6 } END { print n }' "$T/ours")
[ "$got" -eq "$CONNS" ] || bail "conncount counted $got, not $CONNS: $(cat "$T/ours")"
"$CC" -p "$P1" "$P2" >"$T/ours-p"
[ "$(grep -v '^reader' "$T/ours-p")" = "$(grep -v '^reader' "$T/ours")" ] ||
	bail "the /proc reader disagrees: $(diff "$T/ours" "$T/ours-p" | tr '\n' ' ')"
ss_same=$(ss -Htan state established state syn-recv "$FILTER" | wc -l)
[ "$ss_same" -eq "$CONNS" ] || bail "ss counted $ss_same"

now_ns() { date +%s%N; }
# time_ms FILE CMD...: append the wall time of CMD in ms to FILE
time_ms() {
	_f=$1
	shift
	_t0=$(now_ns)
	"$@" >/dev/null
	echo "$(( ($(now_ns) - _t0) / 1000 ))" >>"$_f"
}
ss_same() { ss -Htan state established state syn-recv "$FILTER" | wc -l; }
ss_all() { ss -tan | wc -l; }
: >"$T/t-ours"; : >"$T/t-proc"; : >"$T/t-ss"; : >"$T/t-all"
for r in $(seq 1 "$ROUNDS"); do
	time_ms "$T/t-ours" "$CC" "$P1" "$P2"
	time_ms "$T/t-proc" "$CC" -p "$P1" "$P2"
	time_ms "$T/t-ss" ss_same
	time_ms "$T/t-all" ss_all
done
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ours=$(med "$T/t-ours") proc=$(med "$T/t-proc") same=$(med "$T/t-ss") all=$(med "$T/t-all")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "counting $CONNS connections on 2 ports among $total sockets, median of $ROUNDS runs (ms):"
printf "  ours (netlink)                   %8.1f\n" "$(awk -v v="$ours" 'BEGIN { print v / 1000 }')"
printf "  ours -p (/proc/net/tcp)          %8.1f\n" "$(awk -v v="$proc" 'BEGIN { print v / 1000 }')"
printf "  ss -tan, same filter | wc -l     %8.1f\n" "$(awk -v v="$same" 'BEGIN { print v / 1000 }')"
printf "  ss -tan | wc -l                  %8.1f\n" "$(awk -v v="$all" 'BEGIN { print v / 1000 }')"
echo "ratios (target: ours <= 1.00 of ss counting the same thing):"
echo "  ours / ss same filter   $(ratio "$ours" "$same")"
echo "  ours / ss -tan          $(ratio "$ours" "$all")"
echo "  ours -p / ss -tan       $(ratio "$proc" "$all")"
