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
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || die "run as root (it starts a private Postfix)"
need_qbins
for c in postfix postqueue find /usr/bin/python3; do
	command -v "$c" >/dev/null || die "$c not found"
done

bench_workdir pf
. "$src/tests/integration/postfix.sh"
BENCH_CLEANUP_HOOK=pf_stop

make_queue spool gen-postfix-queue ${DISTINCT:+--distinct}
PF_SERVICES=showq pf_start "$W" "$Q" || die "cannot start Postfix"
"$src/bench/gen-postfix-queue" -n 0 "$W/empty" >/dev/null
queue_conf spool postfix queue_directory "$Q"
queue_conf empty postfix queue_directory "$W/empty"

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

run_qbench "$W/spool.conf" "$Q" \
	--floor "'$QFLOOR' maildrop incoming active deferred hold corrupt" \
	--find "find '$Q' -type f | wc -l" \
	--ref "postqueue -j=postqueue -c '$PF_CONF' -j"
