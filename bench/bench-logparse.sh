#!/bin/bash
# bench-logparse.sh [LINES]: the log parsers and counters against the
# reference commands of the brief, on one generated Postfix log, in one
# run:
#
#   lpbench FILE            read + split + parse + count (bench/lpbench.c)
#   lpbench -r FILE         read + split only: the rest is the parsers'
#                           and counters' share
#   grep -c status= FILE    the floor: reading the file once
#   pflogsumm FILE          the tool admins run today
#
# Targets (issue 8, item 7, for the whole pipeline of which this is the
# parser and counter part): at least 13 times faster than pflogsumm and
# within 3.3 times grep -c. The machine is shared, so each command is
# measured in CPU time (user + system, what the command itself costs)
# as well as wall time; each figure is the best of REPEAT runs (default
# 3) after a warm-up run (page cache warm). grep writes to a file, not
# /dev/null: GNU grep stops at the first match when its output is
# /dev/null.
#
# The log (LINES, default 1,000,000) is made by bench/gen-postfix-log-
# parse into WORK (default /tmp/mh-bench-logparse, kept between runs).
# Run from a build directory or set top_builddir.
set -eu

LINES=${1:-1000000}
REPEAT=${REPEAT:-3}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${top_builddir:-$(pwd)}
LPBENCH=$build/bench/lpbench
WORK=${WORK:-/tmp/mh-bench-logparse}

die() { echo "bench-logparse: $*" >&2; exit 1; }
[ -x "$LPBENCH" ] || die "build first (make bench/lpbench); looked in $build"
for c in grep pflogsumm /usr/bin/python3; do
	command -v "$c" >/dev/null || die "$c not found (Debian: apt-get install pflogsumm)"
done

mkdir -p "$WORK"
LOG=$WORK/maillog-$LINES
if [ ! -s "$LOG" ]; then
	echo "== generating $LINES lines in $LOG"
	"$src/bench/gen-postfix-log-parse" -n "$LINES" "$LOG"
fi
echo "== $(wc -l <"$LOG") lines, $(($(stat -c %s "$LOG") / 1048576)) MiB"

# best CMD...: "CPU_MS WALL_MS", the best of REPEAT runs after a warm-up;
# stdout goes to $WORK/out.
best() {
	/usr/bin/python3 - "$REPEAT" "$WORK/out" "$@" <<'PY'
import os, resource, subprocess, sys, time
n, out, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
def run():
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    with open(out, "w") as f:
        subprocess.run(cmd, stdout=f, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return cpu, wall
run()
res = [run() for _ in range(n)]
print("%.0f %.0f" % (min(r[0] for r in res) * 1000,
                     min(r[1] for r in res) * 1000))
PY
}

read -r g_cpu g_wall <<<"$(best grep -c status= "$LOG")"
read -r l_cpu l_wall <<<"$(best "$LPBENCH" "$LOG")"
cp "$WORK/out" "$WORK/lpbench.out"
read -r r_cpu r_wall <<<"$(best "$LPBENCH" -r "$LOG")"
read -r p_cpu p_wall <<<"$(best pflogsumm "$LOG")"

sed 's/^/   /' "$WORK/lpbench.out"
printf '%-28s %8s %8s\n' "command" "CPU ms" "wall ms"
printf '%-28s %8s %8s\n' "grep -c status=" "$g_cpu" "$g_wall"
printf '%-28s %8s %8s\n' "lpbench (parse + count)" "$l_cpu" "$l_wall"
printf '%-28s %8s %8s\n' "lpbench -r (read + split)" "$r_cpu" "$r_wall"
printf '%-28s %8s %8s\n' "pflogsumm" "$p_cpu" "$p_wall"
/usr/bin/python3 - "$g_cpu" "$l_cpu" "$p_cpu" "$g_wall" "$l_wall" "$p_wall" "$r_cpu" <<'PY'
import sys
g, l, p, gw, lw, pw, r = (max(float(x), 1.0) for x in sys.argv[1:])
print("lpbench / grep -c:   %.2fx CPU, %.2fx wall (whole pipeline target <= 3.3x)"
      % (l / g, lw / gw))
print("parse + count alone: %.2fx grep -c CPU (lpbench - lpbench -r)"
      % ((l - r) / g))
print("pflogsumm / lpbench: %.1fx CPU, %.1fx wall (target >= 13x)"
      % (p / l, pw / lw))
PY
