#!/bin/bash
# bench-postfix.sh [N]: the Postfix queue reader against its references,
# on one synthetic queue, in one run (as root), paired and interleaved
# (bench/qbench.py: every round runs every command; ratios per round,
# median [min .. max] over REPEAT rounds, default 5):
#
#   first scan:  qscan round 1 (in process, scanner threads included)
#                vs postqueue -j (showq) and vs bench/qfloor, the
#                one-thread open-and-read floor over the same queue
#   rescan:      the best later qscan round vs find QUEUE -type f | wc -l
#   memory:      qscan's peak RSS per message (and above an empty queue)
#
# The queue (N messages, default 100,000) is made by bench/gen-postfix-
# queue (DISTINCT=1: one sender per message, the worst case for memory);
# QUEUE=DIR reuses one made before. A private Postfix whose master.cf
# runs only showq serves postqueue -j (nothing moves files meanwhile).
# Run from a build directory or set top_builddir. KEEP=1 keeps the work
# dir. MH_QUEUE_THREADS sets the reader's scanner threads.
set -eu

N=${1:-100000}
REPEAT=${REPEAT:-5}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${top_builddir:-$(pwd)}
MAILHEALTHD=$build/agent/mailhealthd
QSCAN=$build/bench/qscan
QFLOOR=$build/bench/qfloor

die() { echo "bench-postfix: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (it starts a private Postfix)"
[ -x "$MAILHEALTHD" ] && [ -x "$QSCAN" ] && [ -x "$QFLOOR" ] ||
	die "build first (make agent/mailhealthd bench/qscan bench/qfloor); looked in $build"
for c in postfix postqueue find /usr/bin/python3; do
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

if [ -n "${QUEUE:-}" ]; then
	SPOOL=$QUEUE
else
	SPOOL=$W/spool
	echo "== generating $N messages in $SPOOL"
	"$src/bench/gen-postfix-queue" ${DISTINCT:+--distinct} -n "$N" "$SPOOL"
fi
PF_SERVICES=showq pf_start "$W" "$SPOOL" || die "cannot start Postfix"
for q in spool empty; do
	dir=$SPOOL
	[ $q = spool ] || { dir=$W/empty; "$src/bench/gen-postfix-queue" -n 0 "$dir" >/dev/null; }
	printf 'agentx_socket = "%s/agentx.sock"\nmta postfix { queue_directory = "%s" }\n' \
		"$W" "$dir" >"$W/$q.conf"
done

# correctness first: the same numbers as showq, and every sender with
# more than one message in the top senders exactly as showq counts it
pf_postqueue_j >"$W/pq.jsonl"
"$MAILHEALTHD" --once -c "$W/spool.conf" >"$W/once.json" 2>/dev/null
/usr/bin/python3 - "$W/once.json" "$W/pq.jsonl" <<'PY' || die "mailhealthd and postqueue -j disagree"
import collections, json, sys
once = json.load(open(sys.argv[1]))["queue"]
pq = [json.loads(l) for l in open(sys.argv[2])]
snd = collections.Counter("" if m["sender"] in ("", "MAILER-DAEMON") else m["sender"] for m in pq)
top = [(t["address"], t["messages"]) for t in once["top_senders"] if t["messages"] > 1]
want_top = [kv for kv in snd.most_common(len(top) + 1) if kv[1] > 1][:len(once["top_senders"])]
got = (once["messages"], once["bytes"], once["recipients"], top)
want = (len(pq), sum(m["message_size"] for m in pq),
        sum(len(m["recipients"]) for m in pq), want_top)
print("check: %d messages, %d bytes, %d recipients, top %s" % (got[:3] + (top[:4],)))
sys.exit(got != want)
PY

EMPTY_RSS=$("$QSCAN" -n 1 "$W/empty.conf" 2>/dev/null | awk '$1 == "maxrss_kb" { print $2 }')
cd "$SPOOL"
echo "== timing: $REPEAT interleaved rounds, warm cache, scanner threads ${MH_QUEUE_THREADS:-default}"
/usr/bin/python3 "$src/bench/qbench.py" --n "$N" --repeat "$REPEAT" \
	--qscan "'$QSCAN' -n 3 '$W/spool.conf'" \
	--floor "'$QFLOOR' maildrop incoming active deferred hold corrupt" \
	--find "find '$SPOOL' -type f | wc -l" \
	--ref "postqueue -j=postqueue -c '$PF_CONF' -j" \
	--once "'$MAILHEALTHD' --once -c '$W/spool.conf'" \
	--empty-rss "$EMPTY_RSS"
