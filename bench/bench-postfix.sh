#!/bin/bash
# bench-postfix.sh [N]: the Postfix queue reader against the reference
# commands the brief names, on one synthetic queue, in one run (as root).
#
#   first full scan:  mailhealthd --once       vs  postqueue -c DIR -j
#   rescan unchanged: a collector round (qscan) vs  find QUEUE -type f | wc -l
#   peak RSS:         mailhealthd --once, and qscan over several rounds
#
# The queue (N messages, default 100,000) is made by bench/gen-postfix-
# queue; a private Postfix whose master.cf runs only showq serves
# postqueue -j from it (no qmgr or pickup, so nothing moves files while
# we measure). Page cache warm for every command (each runs once before
# it is timed); each figure is the best of REPEAT runs (default 3).
# Run from a build directory or set top_builddir; the source tree is
# found from this script. KEEP=1 keeps the work dir.
set -eu

N=${1:-100000}
REPEAT=${REPEAT:-3}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${top_builddir:-$(pwd)}
MAILHEALTHD=$build/agent/mailhealthd
QSCAN=$build/bench/qscan

die() { echo "bench-postfix: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (it starts a private Postfix)"
[ -x "$MAILHEALTHD" ] && [ -x "$QSCAN" ] ||
	die "build first (make agent/mailhealthd bench/qscan); looked in $build"
for c in postfix postqueue find /usr/bin/python3 /usr/bin/time; do
	command -v "$c" >/dev/null || die "$c not found"
done

W=$(mktemp -d /tmp/mh-bench-pf.XXXXXX)
chmod 755 "$W"
. "$src/tests/integration/postfix.sh"
cleanup() {
	pf_stop
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

echo "== generating $N messages in $W/spool"
"$src/bench/gen-postfix-queue" -n "$N" "$W/spool"
PF_SERVICES=showq pf_start "$W" "$W/spool" || die "cannot start Postfix"
cat >"$W/mailhealthd.conf" <<EOF
agentx_socket = "$W/agentx.sock"
mta postfix { queue_directory = "$W/spool" }
EOF

# best_ms CMD...: the best wall time of REPEAT runs, in ms, after one
# warm-up run; stdout of CMD is discarded.
best_ms() {
	/usr/bin/python3 - "$REPEAT" "$@" <<'PY'
import subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
best = None
for _ in range(n):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    dt = (time.perf_counter() - t) * 1000
    best = dt if best is None or dt < best else best
print("%.1f" % best)
PY
}

# correctness first: the same numbers as showq
pf_postqueue_j >"$W/pq.jsonl"
"$MAILHEALTHD" --once -c "$W/mailhealthd.conf" >"$W/once.json" 2>/dev/null
/usr/bin/python3 - "$W/once.json" "$W/pq.jsonl" <<'PY' || die "mailhealthd and postqueue -j disagree"
import collections, json, sys
once = json.load(open(sys.argv[1]))["queue"]
pq = [json.loads(l) for l in open(sys.argv[2])]
snd = collections.Counter("<>" if m["sender"] in ("", "MAILER-DAEMON") else m["sender"] for m in pq)
top = [(t["address"], t["messages"]) for t in once["top_senders"][:3]]
got = (once["messages"], once["bytes"], once["recipients"], top)
want = (len(pq), sum(m["message_size"] for m in pq), sum(len(m["recipients"]) for m in pq),
        snd.most_common(3))
print("check: %d messages, %d bytes, %d recipients, top %s" % (got[:3] + (top,)))
sys.exit(got != want)
PY

echo "== timing (best of $REPEAT, warm cache)"
T_PQ=$(best_ms postqueue -c "$PF_CONF" -j)
T_ONCE=$(best_ms "$MAILHEALTHD" --once -c "$W/mailhealthd.conf")
T_FIND=$(best_ms sh -c "find '$W/spool' -type f | wc -l")
ROUNDS=$((REPEAT + 1))
"$QSCAN" -n "$ROUNDS" "$W/mailhealthd.conf" >"$W/qscan.out" 2>/dev/null
T_FIRST=$(awk '$1 == "round" && $2 == 1 { print $4 }' "$W/qscan.out")
T_RESCAN=$(awk '$1 == "round" && $2 > 1 { if (b == "" || $4 < b) b = $4 } END { print b }' "$W/qscan.out")
RSS_QSCAN=$(awk '$1 == "maxrss_kb" { print $2 }' "$W/qscan.out")
RSS_ONCE=$(/usr/bin/time -f %M "$MAILHEALTHD" --once -c "$W/mailhealthd.conf" 2>&1 >/dev/null | tail -1)

/usr/bin/python3 - "$N" "$T_PQ" "$T_ONCE" "$T_FIND" "$T_FIRST" "$T_RESCAN" \
    "$RSS_ONCE" "$RSS_QSCAN" <<'PY'
import sys
n = int(sys.argv[1])
pq, once, find, first, rescan = map(float, sys.argv[2:7])
rss_once, rss_qscan = int(sys.argv[7]), int(sys.argv[8])
def line(name, ms):
    print("  %-44s %9.1f ms" % (name, ms))
line("postqueue -j (showq)", pq)
line("mailhealthd --once (first scan + JSON)", once)
line("  collector round 1 alone (qscan)", first)
line("find QUEUE -type f | wc -l", find)
line("rescan, nothing changed (qscan, best round)", rescan)
r1, r2 = pq / once, rescan / find
print()
print("first scan: %.2fx faster than postqueue -j   (target >= 2.5x)  %s"
      % (r1, "PASS" if r1 >= 2.5 else "FAIL"))
print("rescan:     %.2fx the time of find | wc -l   (target <= 1.5x)  %s"
      % (r2, "PASS" if r2 <= 1.5 else "FAIL"))
print("peak RSS:   mailhealthd --once %.1f MB, qscan (all rounds) %.1f MB (target < 32 MB)  %s"
      % (rss_once / 1024, rss_qscan / 1024,
         "PASS" if max(rss_once, rss_qscan) < 32 * 1024 else "FAIL"))
print("            (%d messages)" % n)
PY
