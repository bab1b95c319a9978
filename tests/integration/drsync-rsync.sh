#!/bin/bash
# drsync-rsync.sh: the DR sync engine (agent/drsync/, run by
# tests/tools/drsynctool) with the stamp method and real rsync between a
# primary's mail tree and a DR copy, in two directories; and the peer's
# heartbeat against a loopback listener standing in for the DR's sshd.
#
# One engine per side lives through the whole test (state across rounds):
#   1. primary writes a stamp each round, rsync copies the tree, the DR
#      reads it: ok, lag at most 1 s, the stamp's sequence goes up.
#   2. the sync stops (the primary goes on stamping): within a few
#      seconds the DR is late (max_lag 2 s) and its last success is the
#      time in the last stamp that arrived.
#   3. the sync resumes: ok again, with the newest stamp.
#   4. the stamp arrives damaged: failed, with the file and the reason.
#   5. the DR's listener goes away: peer down, refused; back: up.
. "$(dirname "$0")/lib.sh"

need_cmd rsync /usr/bin/python3
DRT=$top_builddir/tests/tools/drsynctool
[ -x "$DRT" ] || bail "$DRT not built (make)"
LOAD=$top_srcdir/tests/integration/conn-load.py
mktestdir
plan 23

P=$T/primary/var/mail
D=$T/dr/var/mail
mkdir -p "$P/alice/new" "$P/bob/cur" "$D"
for i in 1 2 3; do
	printf 'From: x\nSubject: %s\n\nbody\n' "$i" >"$P/alice/new/msg.$i"
done
# -I: rounds here are less than a second apart, and a stamp rewritten
# within the same second keeps its size and mtime, which rsync's quick
# check would take for unchanged (a 30 s interval never meets that)
sync_now() { rsync -a -I --delete "$P/" "$D/"; }

# the DR's "sshd": a loopback listener
"$LOAD" listen 127.0.0.1 0 >"$T/sshd.out" 2>&1 &
SSHD=$!
track_pid $SSHD
listening() { grep -q '^listening' "$T/sshd.out"; }
wait_until 10 listening || bail "listener: $(cat "$T/sshd.out")"
PORT=$(cut -d' ' -f2 "$T/sshd.out")

# each engine reads rounds from a FIFO and answers a line per round
mkfifo "$T/pri.in" "$T/dr.in"
"$DRT" -m stamp -r primary -s "$P/.mailhealth-stamp" -H mail1 \
	<"$T/pri.in" >"$T/pri.out" 2>"$T/pri.err" &
track_pid $!
"$DRT" -m stamp -r dr -s "$D/.mailhealth-stamp" -l 2 -t 2 \
	-p "127.0.0.1:$PORT" <"$T/dr.in" >"$T/dr.out" 2>"$T/dr.err" &
track_pid $!
exec 3>"$T/pri.in" 4>"$T/dr.in"
np=0
nd=0
lines_ge() { [ "$(wc -l <"$1")" -ge "$2" ]; }
# pri / dr: one round; the answer in $R
pri() {
	np=$((np + 1))
	echo round >&3
	wait_until 10 lines_ge "$T/pri.out" $np || bail "primary: $(cat "$T/pri.err")"
	R=$(sed -n "${np}p" "$T/pri.out")
}
dr() {
	nd=$((nd + 1))
	echo round >&4
	wait_until 20 lines_ge "$T/dr.out" $nd || bail "dr: $(cat "$T/dr.err")"
	R=$(sed -n "${nd}p" "$T/dr.out")
}
field() { printf '%s\n' "$R" | sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
qfield() { printf '%s\n' "$R" | sed -n "s/.* $1=\"\([^\"]*\)\".*/\1/p"; }

# ---- 1. syncing
dr
is "$(field status)" failed "before any sync: failed"
is "$(qfield error)" "$D/.mailhealth-stamp: no stamp has arrived" "... because no stamp has arrived"
for i in 1 2 3; do
	pri
	sync_now
	dr
done
is "$(field status)" ok "syncing: ok"
lag=$(field lag)
[ "$lag" -ge 0 ] && [ "$lag" -le 1 ]
ok $? "syncing: lag $lag s (0 or 1)"
is "$(qfield detail)" "stamp seq 3 from mail1" "the third stamp arrived"
is "$(field peer)" up "peer up"
is "$(qfield peer_error)" "" "no peer error"
[ -f "$D/alice/new/msg.3" ]
ok $? "the mail tree was copied too"
synced=$(sed -n 's/^time //p' "$D/.mailhealth-stamp")

# ---- 2. the sync stops
late() {
	pri
	dr
	[ "$(field status)" = late ]
}
wait_until 15 late
ok $? "no sync: late within 15 s"
lag=$(field lag)
[ "$lag" -gt 2 ]
ok $? "late: lag $lag s > max_lag 2"
is "$(field last_success)" "$synced" "the last success is the last stamp that arrived"
is "$(qfield detail)" "stamp seq 3 from mail1" "still the third stamp"
is "$(qfield error)" "" "late is not an error"
is "$(sed -n 's/^seq //p' "$P/.mailhealth-stamp")" "$np" "the primary went on stamping ($np)"

# ---- 3. the sync resumes
pri
sync_now
dr
is "$(field status)" ok "resumed: ok"
lag=$(field lag)
[ "$lag" -le 1 ]
ok $? "resumed: lag $lag s"
is "$(qfield detail)" "stamp seq $np from mail1" "the newest stamp arrived"

# ---- 4. a damaged stamp arrives
head -c 20 "$P/.mailhealth-stamp" >"$T/cut"
cp "$T/cut" "$D/.mailhealth-stamp"
dr
is "$(field status)" failed "damaged stamp: failed"
is "$(qfield error)" "$D/.mailhealth-stamp: line 2: a line that is not KEY VALUE" \
	"... with the file, the line and the reason"
pri
sync_now
dr
is "$(field status)" ok "repaired by the next sync"

# ---- 5. the peer
kill "$SSHD"
wait_until 10 sh -c "! kill -0 $SSHD 2>/dev/null"
dr
is "$(field peer)" down "listener gone: peer down"
case "$(qfield peer_error)" in
*"(127.0.0.1): Connection refused") r=0 ;;
*) r=1 ;;
esac
ok $r "peer error says refused: $(qfield peer_error)"
"$LOAD" listen 127.0.0.1 "$PORT" >"$T/sshd2.out" 2>&1 &
track_pid $!
wait_until 10 grep -q '^listening' "$T/sshd2.out" || bail "listener: $(cat "$T/sshd2.out")"
dr
is "$(field peer)" up "listener back: peer up"

exec 3>&- 4>&-
finish
