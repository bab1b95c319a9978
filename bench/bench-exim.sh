#!/bin/bash
# bench-exim.sh [N]: the Exim queue reader against its references, on
# one synthetic spool, in one run (as root), paired and interleaved
# (bench/qbench.py: every round runs every command; ratios per round,
# median [min .. max] over REPEAT rounds, default 5):
#
#   first scan:  qscan round 1 vs bench/qfloor over the -H files (what
#                the reader must open; -D is only stat()ed), the
#                one-thread open-and-read floor
#   rescan:      the best later qscan round vs find SPOOL/input -type f | wc -l
#   memory:      qscan's peak RSS per message (and above an empty spool)
#
# The spool (N messages, default 100,000, split_spool_directory) is made
# by bench/gen-exim-queue (DISTINCT=1: one sender per message); QUEUE=DIR
# reuses one made before. Run from a build directory or set
# top_builddir. KEEP=1 keeps the work dir. MH_QUEUE_THREADS sets the
# reader's scanner threads.
set -eu

N=${1:-100000}
. "$(dirname "$0")/lib.sh"
need_qbins
bench_workdir ex

make_queue spool gen-exim-queue ${DISTINCT:+--distinct}
mkdir -p "$W/empty/input" "$W/empty/msglog"
queue_conf spool exim spool_directory "$Q"
queue_conf empty exim spool_directory "$W/empty"

# correctness first: the generator's truth
"$MAILHEALTHD" --once -c "$W/spool.conf" >"$W/once.json" 2>/dev/null
/usr/bin/python3 - "$W/once.json" "$Q.truth" <<'PY' || die "mailhealthd and the generator's truth disagree"
import json, sys
q = json.load(open(sys.argv[1]))["queue"]
t = json.load(open(sys.argv[2]))
top = [[x["address"], x["messages"]] for x in q["top_senders"] if x["messages"] > 1]
got = (q["messages"], q["bytes"], q["recipients"], q["queues"][1]["messages"], top)
want = (t["messages"], t["bytes"], t["recipients"], t["frozen"], t["top_senders"][:len(top)])
print("check: %d messages, %d bytes, %d recipients, %d frozen, top %s" % (got[:4] + (top[:4],)))
sys.exit(got != want)
PY

run_qbench "$W/spool.conf" "$Q" \
	--floor "'$QFLOOR' -s -H input" \
	--find "find '$Q/input' -type f | wc -l"
