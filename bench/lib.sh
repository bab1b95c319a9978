# bench/lib.sh: sourced by the bench scripts, after their `set -eu`
# (bench-exim.sh, bench-qmail.sh, bench-postfix.sh, bench-logs.sh,
# bench-agent-logs.sh): what they would otherwise each write again.
#
#   setup    src (the source tree), build (top_builddir, else the current
#            directory); die MSG (prefixed with the script's name);
#            bench_workdir TAG: $W, a private dir removed on exit unless
#            KEEP is set; $BENCH_CLEANUP_HOOK, if set, is run first on
#            exit (a script's own daemons, say)
#   timing   best_ms CMD...: the best wall time of $REPEAT runs
#   queues   (the queue benches) MAILHEALTHD, QSCAN, QFLOOR; need_qbins;
#            make_queue NAME GENERATOR [OPTS...]; queue_conf NAME MTA KEY
#            DIR; run_qbench CONF DIR [qbench.py OPTS...]

REPEAT=${REPEAT:-5}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${top_builddir:-$(pwd)}
_bench_name=$(basename "$0" .sh)

die() { echo "$_bench_name: $*" >&2; exit 1; }

# bench_workdir TAG: $W is /tmp/mh-bench-TAG.XXXXXX, open to other users
# (mktemp makes it 0700): the private Postfix's daemons, which run as
# postfix, reach into it
bench_workdir() {
	W=$(mktemp -d "/tmp/mh-bench-$1.XXXXXX")
	chmod 755 "$W"
	trap _bench_cleanup EXIT
}
_bench_cleanup() {
	if [ -n "${BENCH_CLEANUP_HOOK:-}" ]; then
		$BENCH_CLEANUP_HOOK
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}

# best_ms CMD...: the best wall time of REPEAT runs, in ms, after one
# warm-up run (the page cache warm). stdout goes to a pipe, not
# /dev/null: GNU grep stops at the first match when its output is
# /dev/null.
best_ms() {
	/usr/bin/python3 - "$REPEAT" "$@" <<'PY'
import subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
P = subprocess.PIPE
subprocess.run(cmd, stdout=P, stderr=P)
best = None
for _ in range(n):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=P, stderr=P)
    dt = (time.perf_counter() - t) * 1000
    best = dt if best is None or dt < best else best
print("%.1f" % best)
PY
}

# ---- the queue benches --------------------------------------------------
MAILHEALTHD=$build/agent/mailhealthd
QSCAN=$build/bench/qscan
QFLOOR=$build/bench/qfloor

need_qbins() {
	[ -x "$MAILHEALTHD" ] && [ -x "$QSCAN" ] && [ -x "$QFLOOR" ] ||
		die "build first (make agent/mailhealthd bench/qscan bench/qfloor); looked in $build"
}

# make_queue NAME GENERATOR [OPTS...]: $Q is $QUEUE (one made before) if
# set, else $W/NAME, made by bench/GENERATOR OPTS -n N
make_queue() {
	local name=$1 gen=$2
	shift 2
	if [ -n "${QUEUE:-}" ]; then
		Q=$QUEUE
	else
		Q=$W/$name
		echo "== generating $N messages in $Q"
		"$src/bench/$gen" "$@" -n "$N" "$Q"
	fi
}

# queue_conf NAME MTA KEY DIR: $W/NAME.conf, reading DIR as MTA's queue
# (KEY: its directory option, queue_directory or spool_directory)
queue_conf() {
	printf 'agentx_socket = "%s/agentx.sock"\nmta %s { %s = "%s" }\n' \
		"$W" "$2" "$3" "$4" >"$W/$1.conf"
}

# run_qbench CONF DIR [OPTS...]: the interleaved rounds of bench/qbench.py
# in DIR, qscan and mailhealthd --once reading with CONF; OPTS are the
# references (--floor, --find, --ref). The memory above an empty queue
# is measured with $W/empty.conf.
run_qbench() {
	local conf=$1 dir=$2 empty_rss
	shift 2
	empty_rss=$("$QSCAN" -n 1 "$W/empty.conf" 2>/dev/null | awk '$1 == "maxrss_kb" { print $2 }')
	cd "$dir"
	echo "== timing: $REPEAT interleaved rounds, warm cache, scanner threads ${MH_QUEUE_THREADS:-default}"
	/usr/bin/python3 "$src/bench/qbench.py" --n "$N" --repeat "$REPEAT" \
		--qscan "'$QSCAN' -n 3 '$conf'" \
		"$@" \
		--once "'$MAILHEALTHD' --once -c '$conf'" \
		--empty-rss "$empty_rss"
}
