#!/bin/bash
# log-multilog.sh: the multilog source on a directory written by the
# real multilog (daemontools), rotating every 4 KB (s4096, the smallest
# size: a rotation every 60 lines or so) and keeping 100 files (n100),
# fed numbered lines at speed. The follower (tests/logcat, with a state
# file) is stopped in the middle for 2,000 lines (some 30 rotations, less
# than what multilog keeps: what it deleted before we came back would be
# lost for any reader), while multilog goes on rotating.
# Every line must come out exactly once. Then a replay (-o) of the
# directory gives exactly what its files hold, oldest first, with the
# TAI64N stamps read as times of this run.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd /usr/bin/python3 multilog
LOGCAT=$top_builddir/tests/logcat
[ -x "$LOGCAT" ] || bail "$LOGCAT not built"
WRITER=$top_srcdir/tests/integration/logwriter.py
mktestdir
plan 9

N=20000
ML=$T/ml

progress() { [ -s "$T/progress" ] && [ "$(cat "$T/progress")" -ge "$1" ]; }
lines_seen() { [ "$(cat "$T"/out.* 2>/dev/null | wc -l)" -ge "$1" ]; }
start_reader() {
	"$LOGCAT" -k multilog -f -b -i 50 -r -s "$T/state" "$ML" \
	    >"$T/out.$1" 2>"$T/err.$1" &
	LPID=$!
	track_pid $LPID
}

t0=$(date +%s)
mkdir "$ML"
start_reader 0
/usr/bin/python3 "$WRITER" - $N --rate 5000 --format multilog \
    --progress "$T/progress" --pidfile "$T/writer.pid" |
    multilog t s4096 n100 "$ML" &
MPID=$!
track_pid $MPID
wait_until 10 test -s "$T/writer.pid" || bail "the writer did not start"
track_pid "$(cat "$T/writer.pid")"
wait_until 30 progress $((N / 3)) || bail "the writer did not get to $((N / 3))"
kill -TERM $LPID
wait $LPID
wait_until 30 progress $((N / 3 + 2000)) ||
	bail "the writer did not get to $((N / 3 + 2000))"
start_reader 1
wait $MPID
wait_until 30 lines_seen $N
kill -TERM $LPID
wait $LPID
t1=$(date +%s)

cat "$T"/out.* | awk '{ print $NF }' | sort -n >"$T/got"
is "$(uniq -d "$T/got" | wc -l)" 0 "no line read twice"
is "$(wc -l <"$T/got")" $N "all $N lines read"
seq 1 $N | cmp -s - "$T/got"
ok $? "the very lines 1..$N"
rot=$(awk '$1 == "logcat:" { n += $15 } END { print n }' "$T"/err.*)
files=$(ls "$ML" | grep -c '^@')
[ "$rot" -ge 100 ]
ok $? "multilog rotated often ($rot rotations seen, $files files kept)"
diag "$(grep -h '^logcat:' "$T"/err.*)"

# replay: the files as they are, oldest first
"$LOGCAT" -k multilog -o -p qmail "$ML" >"$T/replay" 2>"$T/replay.err"
ok $? "replay ends cleanly"
for f in $(ls "$ML" | grep '^@' | sort) current; do
	cat "$ML/$f"
done | cut -d' ' -f2- >"$T/infiles"
cut -f6 "$T/replay" | cmp -s - "$T/infiles"
ok $? "replay: what the files hold, in order ($(wc -l <"$T/infiles") lines)"
is "$(awk -F'\t' -v a="$t0" -v b="$t1" '$1 < a || $1 > b' "$T/replay" | wc -l)" 0 \
    "replay: every TAI64N stamp read as a time of this run"
is "$(cut -f3,4,5 "$T/replay" | sort -u)" "$(printf '\t-1\tqmail')" \
    "replay: no program, no pid, the qmail parser forced"
[ "$(stat -c %a "$ML/current")" = 744 ]
ok $? "multilog finished current (mode 744) at the end"
finish
