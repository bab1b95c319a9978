#!/bin/bash
# bench-qmail.sh [N]: the qmail queue reader against its references, on
# one synthetic queue, in one run (as root), paired and interleaved
# (bench/qbench.py: every round runs every command; ratios per round,
# median [min .. max] over REPEAT rounds, default 5):
#
#   first scan:  qscan round 1 vs bench/qfloor over the files the reader
#                must open (info, local, remote; todo is 5% of them), the
#                one-thread open-and-read floor
#   rescan:      the best later qscan round vs find QUEUE -type f | wc -l
#   memory:      qscan's peak RSS per message (and above an empty queue)
#
# The queue (N messages, default 100,000) is made by bench/gen-qmail-
# queue (three flooders, junk senders, bounces, 5% in todo; DISTINCT=1:
# one sender per message, the worst case for memory); QUEUE=DIR
# reuses one made before. Run from a build directory or set
# top_builddir. KEEP=1 keeps the work dir. MH_QUEUE_THREADS sets the
# reader's scanner threads.
set -eu

N=${1:-100000}
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || die "run as root (the queue is owned by qmail's users)"
need_qbins
bench_workdir qm

make_queue queue gen-qmail-queue ${DISTINCT:+-d} -u
mkdir -p "$W/empty"
for d in mess info local remote; do
	for i in $(seq 0 22); do mkdir -p "$W/empty/$d/$i"; done
done
mkdir -p "$W/empty/todo" "$W/empty/intd" "$W/empty/bounce" "$W/empty/lock" "$W/empty/pid"
queue_conf queue qmail queue_directory "$Q"
queue_conf empty qmail queue_directory "$W/empty"

# correctness first: the generator's truth
"$MAILHEALTHD" --once -c "$W/queue.conf" >"$W/once.json" 2>/dev/null
if [ -f "$Q.truth" ]; then
	/usr/bin/python3 - "$W/once.json" "$Q.truth" <<'PY' || die "mailhealthd and the generator's truth disagree"
import json, sys
once = json.load(open(sys.argv[1]))["queue"]
truth = json.load(open(sys.argv[2]))
got = once["messages"]
want = truth.get("messages", truth.get("total"))
print("check: %s messages (truth %s)" % (got, want))
sys.exit(want is not None and got != want)
PY
fi

run_qbench "$W/queue.conf" "$Q" \
	--floor "'$QFLOOR' info local remote todo" \
	--find "find '$Q' -type f | wc -l"
