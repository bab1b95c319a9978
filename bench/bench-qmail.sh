#!/bin/bash
# bench-qmail.sh [N]: the qmail queue reader against the reference
# commands the brief names, on one synthetic queue, in one run (as root).
#
#   first full scan:  mailhealthd --once    vs  find info local remote -type f -exec cat {} + >/dev/null
#   rescan unchanged: a collector round (qscan) vs  find info local remote -type f | wc -l
#   peak RSS:         mailhealthd --once, and qscan over several rounds
#
# The queue (N messages, default 100,000) is made by bench/gen-qmail-queue.
# Page cache warm for every command (each runs once before it is timed);
# each figure is the best of REPEAT runs (default 3). The rescan is the
# best of qscan's rounds after the first. For information it also prints
# the rescan against counting every file of the queue (find . -type f),
# since the reader lists mess/ todo/ and bounce/ as well.
# Run from a build directory or set top_builddir. KEEP=1 keeps the queue.
set -eu

N=${1:-100000}
REPEAT=${REPEAT:-3}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${top_builddir:-$(pwd)}
MAILHEALTHD=$build/agent/mailhealthd
QSCAN=$build/bench/qscan

die() { echo "bench-qmail: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (the queue is owned by qmail's users)"
[ -x "$MAILHEALTHD" ] && [ -x "$QSCAN" ] ||
	die "build first (make agent/mailhealthd bench/qscan); looked in $build"

W=$(mktemp -d /tmp/mh-bench-qm.XXXXXX)
chmod 755 "$W"
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$W"; }
trap cleanup EXIT

echo "== generating $N messages in $W/queue"
"$src/bench/gen-qmail-queue" -u -n "$N" "$W/queue"
cat >"$W/mailhealthd.conf" <<CONF
agentx_socket = "$W/agentx.sock"
mta qmail { queue_directory = "$W/queue" }
CONF

best_ms() {	# best_ms CMD...: best wall ms of REPEAT runs after a warm-up
	/usr/bin/python3 - "$REPEAT" "$@" <<'PY'
import subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
best = None
for _ in range(n):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    d = (time.perf_counter() - t) * 1000
    best = d if best is None or d < best else best
print("%.1f" % best)
PY
}

cd "$W/queue"
msgs=$(find mess -type f | wc -l)
files=$(find info local remote -type f | wc -l)
echo "== $msgs messages, $files envelope files (info, local, remote)"
cat_ms=$(best_ms sh -c 'find info local remote -type f -exec cat {} + >/dev/null')
once_ms=$(best_ms "$MAILHEALTHD" --once -c "$W/mailhealthd.conf")
cnt_ms=$(best_ms sh -c 'find info local remote -type f | wc -l')
all_ms=$(best_ms sh -c 'find . -type f | wc -l')
"$QSCAN" -n $((REPEAT + 2)) "$W/mailhealthd.conf" >"$W/qscan.out" 2>/dev/null
first_ms=$(awk '$1 == "round" && $2 == 1 {print $4}' "$W/qscan.out")
re_ms=$(awk '$1 == "round" && $2 > 1 {print $4}' "$W/qscan.out" | sort -n | head -1)
qscan_rss=$(awk '$1 == "maxrss_kb" {print $2}' "$W/qscan.out")
once_rss=$(/usr/bin/time -f %M "$MAILHEALTHD" --once -c "$W/mailhealthd.conf" 2>&1 >/dev/null | tail -1)

ratio() { /usr/bin/python3 -c "print('%.2f' % ($1 / $2))"; }
echo
printf '%-44s %9s ms\n' "find info local remote -exec cat (reference)" "$cat_ms"
printf '%-44s %9s ms   ratio %s (target <= 2.0)\n' "mailhealthd --once (first scan)" "$once_ms" "$(ratio "$once_ms" "$cat_ms")"
printf '%-44s %9s ms   ratio %s\n' "qscan round 1 (first scan, in process)" "$first_ms" "$(ratio "$first_ms" "$cat_ms")"
printf '%-44s %9s ms\n' "find info local remote | wc -l (reference)" "$cnt_ms"
printf '%-44s %9s ms   ratio %s (target <= 1.5)\n' "rescan, nothing changed (qscan best)" "$re_ms" "$(ratio "$re_ms" "$cnt_ms")"
printf '%-44s %9s ms   ratio %s (information)\n' "  vs find . -type f | wc -l" "$all_ms" "$(ratio "$re_ms" "$all_ms")"
printf '%-44s %9s kB\n' "peak RSS, mailhealthd --once" "$once_rss"
printf '%-44s %9s kB\n' "peak RSS, qscan ($((REPEAT + 2)) rounds)" "$qscan_rss"
