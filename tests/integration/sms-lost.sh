#!/bin/bash
# sms-lost.sh: no page is lost without a trace (issue 11 item 2). The
# spool on a full file system, then the fallback spool full too, then the
# spool read-only: each page lands in the fallback spool and is delivered,
# or goes to syslog at LOG_ALERT with its whole text (a socket this test
# listens on, as syslog_socket), with an audit line for every outcome.
# A state.lock held by a stuck process does not hold the handler (and so
# snmptrapd) up. `mailhealth-sms --status` says what waits, failed or was
# lost, in its exit status too.
. "$(dirname "$0")/lib.sh"

need_root
need_sms
need_cmd mount umount flock timeout dd
mktestdir

plan 24

start_gateway ok
# the syslog the machine does not run: a datagram socket, one line a message
cat > "$T/syslogd.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2], "w").close()
while True:
    with open(sys.argv[2], "ab") as f:
        f.write(s.recv(65536) + b"\n")
EOF
"$PY" "$T/syslogd.py" "$T/devlog" "$T/syslog.txt" &
track_pid $!
wait_until 10 test -S "$T/devlog" || bail "the test's syslog socket did not appear"

# the spool and the fallback spool on file systems of their own, small
mkdir -p "$T/spool" "$T/fallback"
mount -t tmpfs -o size=256k,mode=0700 mh-spool "$T/spool" || bail "cannot mount a tmpfs"
track_mount "$T/spool"
mount -t tmpfs -o size=256k,mode=0700 mh-fallback "$T/fallback" || bail "cannot mount a tmpfs"
track_mount "$T/fallback"
write_conf 'rate_limit = 0' "syslog_socket = \"$T/devlog\""

# page N TEXT: a raise of alarm N through the handler (at most 20 s)
page() {
	trap_text 1 "$1" queue-high queue.total '' 1 5234 5000 "$2" mx1 |
	    timeout 20 "$MAILHEALTH_SMS" -c "$T/sms.conf" 2>> "$T/handler.err"
}
text_of() { echo "CRITICAL mx1 queue 5,234 msgs (>= 5000), $1"; }
delivered() { gw_count_is "len([r for r in ok if r['query']['text'] == '''$(text_of "$1")'''])" 1; }
status() { "$MAILHEALTH_SMS" -c "$T/sms.conf" --status > "$T/status.out"; }
fill() { dd if=/dev/zero of="$1/fill" bs=64k 2>/dev/null; [ -s "$1/fill" ]; }

# 1-3: the normal case, and --status when all is well
page 1 "normal"
is "$?" 0 "a page with a working spool: exit 0"
wait_until 10 eval 'delivered normal && spool_empty && no_sender'
ok $? "delivered"
status
is "$?/$(tail -1 "$T/status.out")" "0/status: OK: nothing waiting, failed or lost" \
    "--status: exit 0 when all is well"

# 4-7: the spool's file system is full: the fallback spool takes it
fill "$T/spool"
ok $? "the spool's file system is full"
page 2 "spool full"
is "$?" 0 "spool full: the handler still exits 0"
is "$(grep -c 'event=fallback .*No space left on device; in the fallback spool' "$T/audit.log")" 1 \
    "spool full: an audit line says the page went to the fallback spool"
wait_until 15 delivered "spool full"
ok $? "spool full: the page is delivered from the fallback spool"

# 8-13: both full: syslog at LOG_ALERT with the whole text, audited, and
# --status reports it with exit 2
fill "$T/fallback"
page 3 "both full"
is "$?" 74 "both spools full: exit 74"
wait_until 10 grep -q "ALERT LOST" "$T/syslog.txt"
ok $? "both spools full: a message reached the syslog socket"
line=$(grep "ALERT LOST" "$T/syslog.txt")
case $line in "<25>"*) r=0 ;; *) r=1 ;; esac
ok $r "at LOG_ALERT, facility daemon (<25>): ${line:0:60}"
case $line in *"mailhealth-sms["*"]: ALERT LOST for +15550100 ("*"): $(text_of "both full")") r=0 ;; *) r=1 ;; esac
ok $r "with the recipient and the whole text"
is "$(grep -c 'event=lost to=+15550100 .*text sent to syslog (LOG_ALERT)' "$T/audit.log")" 1 \
    "an audit line says it was lost and where its text went"
status
is "$?/$(sed -n 's/^lost: \([0-9]*\).*/\1/p' "$T/status.out")" "2/1" \
    "--status: exit 2, one page lost"

# 14-16: space again, but the spool is read-only: the fallback again
rm -f "$T/spool/fill" "$T/fallback/fill"
mount -o remount,ro "$T/spool" || bail "cannot remount the spool read-only"
page 4 "read-only"
is "$?" 0 "read-only spool: exit 0"
is "$(grep -c 'event=fallback .*Read-only file system; in the fallback spool' "$T/audit.log")" 1 \
    "read-only spool: an audit line says the page went to the fallback spool"
wait_until 15 delivered "read-only"
ok $? "read-only spool: delivered from the fallback spool"
mount -o remount,rw "$T/spool" || bail "cannot remount the spool read-write"
wait_until 15 no_sender

# 17-20: a stuck process holds state.lock: the handler does not wait for
# it (snmptrapd would), pages without storm control, and says so
# (it holds the lock until it is killed, at the end of this part)
"$PY" -c 'import fcntl, signal, sys
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
signal.pause()' "$T/spool/state.lock" &
HOLDER=$!
track_pid $HOLDER
wait_until 5 eval '! flock -n "$T/spool/state.lock" true'
t0=$(now_ms)
page 5 "lock held"
rc=$?
ms=$(( $(now_ms) - t0 ))
is "$rc" 0 "state.lock held: exit 0"
test "$ms" -lt 3000
ok $? "state.lock held: the handler returned in $ms ms (< 3000)"
is "$(grep -c 'event=error .*state.lock: held by another process .*paged without storm control' "$T/audit.log")" 1 \
    "state.lock held: an audit line says why storm control was skipped"
wait_until 15 delivered "lock held"
ok $? "state.lock held: the page is delivered"
kill $HOLDER
wait $HOLDER 2>/dev/null
untrack_pid $HOLDER

# 21-24: waiting pages: --status exit 1; every page accounted for
stop_gateway
page 6 "waiting"
wait_until 10 audit_count_ge retry 1
status
is "$?/$(sed -n 's/^spool [^:]*: \([0-9]*\) waiting.*/\1/p' "$T/status.out")" "2/1" \
    "--status with a page waiting and one lost: exit 2 (lost wins), 1 waiting"
grep -q "^sender: running (pid [0-9]*)" "$T/status.out"
ok $? "--status names the running sender"
is "$(audit_count queued) $(audit_count fallback) $(audit_count lost)" "3 2 1" \
    "audit: 3 queued, 2 in the fallback spool, 1 lost: 6 pages, 6 lines"
is "$(gwq 'len(ok)')" 4 "the gateway got the 4 pages it could while it was up"

finish
