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
REPEAT=${REPEAT:-5}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${top_builddir:-$(pwd)}
MAILHEALTHD=$build/agent/mailhealthd
QSCAN=$build/bench/qscan
QFLOOR=$build/bench/qfloor

die() { echo "bench-exim: $*" >&2; exit 1; }
[ -x "$MAILHEALTHD" ] && [ -x "$QSCAN" ] && [ -x "$QFLOOR" ] ||
	die "build first (make agent/mailhealthd bench/qscan bench/qfloor); looked in $build"

W=$(mktemp -d /tmp/mh-bench-ex.XXXXXX)
chmod 755 "$W"
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$W"; }
trap cleanup EXIT

if [ -n "${QUEUE:-}" ]; then
	S=$QUEUE
else
	S=$W/spool
	echo "== generating $N messages in $S"
	"$src/bench/gen-exim-queue" ${DISTINCT:+--distinct} -n "$N" "$S"
fi
mkdir -p "$W/empty/input" "$W/empty/msglog"
for q in spool empty; do
	dir=$S
	[ $q = spool ] || dir=$W/empty
	printf 'agentx_socket = "%s/agentx.sock"\nmta exim { spool_directory = "%s" }\n' \
		"$W" "$dir" >"$W/$q.conf"
done

# correctness first: the generator's truth
"$MAILHEALTHD" --once -c "$W/spool.conf" >"$W/once.json" 2>/dev/null
/usr/bin/python3 - "$W/once.json" "$S.truth" <<'PY' || die "mailhealthd and the generator's truth disagree"
import json, sys
q = json.load(open(sys.argv[1]))["queue"]
t = json.load(open(sys.argv[2]))
top = [[x["address"], x["messages"]] for x in q["top_senders"] if x["messages"] > 1]
got = (q["messages"], q["bytes"], q["recipients"], q["queues"][1]["messages"], top)
want = (t["messages"], t["bytes"], t["recipients"], t["frozen"], t["top_senders"][:len(top)])
print("check: %d messages, %d bytes, %d recipients, %d frozen, top %s" % (got[:4] + (top[:4],)))
sys.exit(got != want)
PY

EMPTY_RSS=$("$QSCAN" -n 1 "$W/empty.conf" 2>/dev/null | awk '$1 == "maxrss_kb" { print $2 }')
cd "$S"
echo "== timing: $REPEAT interleaved rounds, warm cache, scanner threads ${MH_QUEUE_THREADS:-default}"
/usr/bin/python3 "$src/bench/qbench.py" --n "$N" --repeat "$REPEAT" \
	--qscan "'$QSCAN' -n 3 '$W/spool.conf'" \
	--floor "'$QFLOOR' -s -H input" \
	--find "find '$S/input' -type f | wc -l" \
	--once "'$MAILHEALTHD' --once -c '$W/spool.conf'" \
	--empty-rss "$EMPTY_RSS"
