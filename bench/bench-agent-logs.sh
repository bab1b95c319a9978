#!/bin/bash
# bench-agent-logs.sh [N]: the log collector through the whole agent, in
# one run, against reference commands on the same files:
#
#   first read:  `mailhealthd --once` with one log section on a generated
#                N-line Postfix log (default 1,000,000: bench/gen-postfix-
#                log), every line read, parsed and counted, the report
#                printed  vs  grep -c status=sent (target: within 3.3x)
#                and pflogsumm (target: at least 13x faster)
#   peak RSS:    `mailhealthd --once` on a flood log (gen-postfix-log
#                --flood, FLOOD lines, default 8,000,000): a million
#                distinct junk submitters, senders and client addresses,
#                and a million more failed user names and addresses
#                (target: at most 32 MB)
#   tailing:     the daemon (`mailhealthd -f`, default interval 30 s,
#                no AgentX master) following a log that a writer appends
#                RATE lines a second to (default 1000) for DURATION
#                seconds (default 60): its CPU time from /proc/PID/stat
#                over that time (target: under 2% of one core)
#
# Page cache warm for every timed command (each runs once first); times
# are the best of REPEAT runs (default 5), pflogsumm's of one. Run from a
# build directory or set top_builddir. KEEP=1 keeps the work dir.
set -eu

N=${1:-1000000}
RATE=${RATE:-1000}
DURATION=${DURATION:-60}
FLOOD=${FLOOD:-8000000}
. "$(dirname "$0")/lib.sh"
MHD=$build/agent/mailhealthd
GEN=$src/bench/gen-postfix-log
PY=/usr/bin/python3

[ -x "$MHD" ] || die "build first; looked for $MHD"
for c in grep pflogsumm /usr/bin/time $PY; do
	command -v "$c" >/dev/null || die "$c not found"
done

bench_workdir agent-logs
DPID=
WPID=
# the writer and the daemon, should the bench stop while they run
stop_tail() {
	[ -n "$WPID" ] && kill "$WPID" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	wait 2>/dev/null
}
BENCH_CLEANUP_HOOK=stop_tail

conf() {	# FILE LOG: a configuration with that one log and nothing else
	cat >"$1" <<EOF
state_directory = "$W/state"
pidfile = "$W/mailhealthd.pid"
mta postfix { queue_directory = "$W/no-queue" }
system { disks = { "$W" } }
log bench { path = "$2" }
EOF
}

echo "== generating $N lines in $W/mail.log"
"$GEN" -n "$N" --truth "$W/truth.json" "$W/mail.log"
conf "$W/once.conf" "$W/mail.log"

# correctness first: the report counts what was generated
# (exit status 69: the queue collector has no queue to read here)
"$MHD" --once -c "$W/once.conf" >"$W/once.json" 2>/dev/null ||
	[ $? = 69 ] || die "mailhealthd --once failed"
$PY - "$W/once.json" "$W/truth.json" <<'EOF' || die "the counts are not the generator's"
import json, sys
j, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
tr = j["traffic"]
got = (tr["received_total"], tr["delivered_total"], tr["deferred_total"],
       tr["bounced_total"], tr["rejected_total"], j["auth"]["failures_total"],
       j["logs"]["lines"])
want = (t["received"], t["sent"], t["deferred"], t["bounced"], t["rejected"],
        t["sasl_failed"], t["lines"])
print("check: received %d delivered %d deferred %d bounced %d rejected %d "
      "SASL failures %d lines %d" % got)
sys.exit(got != want)
EOF

echo "== first read (best of $REPEAT, warm cache)"
T_GREP=$(best_ms grep -c status=sent "$W/mail.log")
T_MHD=$(best_ms "$MHD" --once -c "$W/once.conf")
T_PFL=$(REPEAT=1 best_ms pflogsumm "$W/mail.log")

echo "== peak RSS with a flood of junk ($FLOOD lines)"
"$GEN" -n "$FLOOD" --flood --truth "$W/flood.json" "$W/flood.log"
conf "$W/flood.conf" "$W/flood.log"
RSS=$(/usr/bin/time -f %M "$MHD" --once -c "$W/flood.conf" 2>&1 >"$W/flood.out" | tail -1)
read -r SUBMITTERS FAILED EVICT <<<"$($PY - "$W/flood.json" "$W/flood.out" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
try:
    ev = json.load(open(sys.argv[2]))["logs"]["evictions"]
except Exception:
    ev = -1
print(t["received"], t["sasl_failed"], ev)
EOF
)"

echo "== tailing $RATE lines/s for $DURATION s (the daemon, interval 30 s)"
"$GEN" -n $((RATE * (DURATION + 10))) --rate "$RATE" --format rfc3339 \
    "$W/feed.log"
: >"$W/tail.log"
conf "$W/tail.conf" "$W/tail.log"
"$MHD" -f -c "$W/tail.conf" -x "$W/no-agentx.sock" >"$W/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 1 100); do
	[ -s "$W/state/log-bench.state" ] && break
	sleep 0.1 # until its first round saved a position
done
[ -s "$W/state/log-bench.state" ] || die "the daemon did not start: $(tail -3 "$W/daemon.log")"
# the writer: RATE lines a second, in tenths of a second, appended
$PY - "$W/feed.log" "$W/tail.log" "$RATE" "$((DURATION + 5))" <<'EOF' &
import sys, time
src, dst, rate, secs = open(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
step, t = rate // 10, time.monotonic()
with open(dst, "a") as out:
    for _ in range(secs * 10):
        out.write("".join(src.readline() for _ in range(step)))
        out.flush()
        t += 0.1
        time.sleep(max(0, t - time.monotonic()))
EOF
WPID=$!
ticks() { awk '{ print $14 + $15 }' "/proc/$DPID/stat"; }
sleep 2 # the writer is under way
c0=$(ticks)
t0=$(date +%s.%N)
sleep "$DURATION" # the measured window
c1=$(ticks)
t1=$(date +%s.%N)
wait "$WPID"
WPID=
SIZE=$(stat -c %s "$W/tail.log")
for _ in $(seq 1 400); do	# its next round reads the rest
	[ "$(awk '$1 == "off" { print $2 }' "$W/state/log-bench.state")" = "$SIZE" ] &&
	    break
	sleep 0.1 # until a round has read to the end (within an interval)
done
kill "$DPID"
if ! wait "$DPID"; then
	echo "bench-agent-logs: the daemon exited with status $?" >&2
fi
DPID=
HZ=$(getconf CLK_TCK)
OFF=$(awk '$1 == "off" { print $2 }' "$W/state/log-bench.state")
[ "$OFF" = "$SIZE" ] || die "the daemon read $OFF of $SIZE bytes"

$PY - <<EOF
grep, mhd, pfl = $T_GREP, $T_MHD, $T_PFL
cpu = ($c1 - $c0) / $HZ
wall = $t1 - $t0
print()
print("first read of %d lines (%.0f MB)" % ($N, $(stat -c %s "$W/mail.log") / 1e6))
print("  grep -c status=sent     %8.1f ms" % grep)
print("  mailhealthd --once      %8.1f ms  %.2fx grep -c (target <= 3.3x)"
      % (mhd, mhd / grep))
print("  pflogsumm               %8.1f ms  mailhealthd %.1fx faster (target >= 13x)"
      % (pfl, pfl / mhd))
print("peak RSS, --once on %d lines: %d submitters, %d failed user names"
      % ($FLOOD, $SUBMITTERS, $FAILED))
print("  %.1f MB (target <= 32 MB); keys dropped from the full tables: %d"
      % ($RSS / 1024, $EVICT))
print("tailing %d lines/s, %.0f s: %.2f s of CPU, %.2f%% of one core "
      "(target < 2%%); read to the end (%d bytes)"
      % ($RATE, wall, cpu, cpu * 100 / wall, $SIZE))
EOF
