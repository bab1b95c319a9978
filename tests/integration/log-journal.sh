#!/bin/bash
# log-journal.sh: the journal source (sd-journal) on journal files
# written by the real systemd-journal-remote from an export-format
# stream made here: no journald runs on these machines, and the source
# reads the files through the very calls it uses on /var/log/journal
# (sd_journal_open_files, or _directory).
#
# Checked: every entry comes out once with its time (realtime stamp),
# host, identifier, pid (_PID, or SYSLOG_PID when given) and message,
# also one whose message is binary-encoded in the stream; matches on
# units and identifiers (OR'ed); since; the cursor kept in the state
# file across runs (start at the end, then only what was appended, also
# by a follower while journal-remote appends twice).
. "$(dirname "$0")/lib.sh"

need_root
need_cmd /usr/bin/python3
JR=/lib/systemd/systemd-journal-remote
[ -x "$JR" ] || bail "$JR not found: apt-get install systemd-journal-remote"
LOGCAT=$top_builddir/tests/logcat
[ -x "$LOGCAT" ] || bail "$LOGCAT not built"
mktestdir
plan 12
"$LOGCAT" -k journal -o -J /dev/null >/dev/null 2>"$T/jcheck"
if grep -q "without journal support" "$T/jcheck"; then
	bail "logcat was built without journal support (libsystemd-dev missing at configure time)"
fi

NOW=$(date +%s)
J=$T/j/remote.journal
mkdir "$T/j"

# All entries are in the past: systemd-journal-remote (252) refuses to
# append to a file whose last entry is later than its clock (it renames
# it to NAME@...journal~ as "corrupted or uncleanly shut down" and starts
# a new one).
# gen FIRST COUNT: entries FIRST.. as an export stream on stdout, and
# what logcat should print for each (ts host prog pid parser msg) in
# $T/want.FIRST. Units and identifiers rotate over four services.
gen() {
	/usr/bin/python3 - "$1" "$2" "$NOW" "$T/want.$1" <<'EOF'
import struct, sys
first, count, now, wantf = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
svc = [("postfix@-.service", "postfix/smtpd"), ("postfix@-.service", "postfix/qmgr"),
       ("dovecot.service", "dovecot"), ("cron.service", "CRON")]
out = sys.stdout.buffer
with open(wantf, "w") as want:
    for i in range(first, first + count):
        unit, ident = svc[i % 4]
        usec = (now - 10000 + i * 10) * 1000000 + 123456
        pid = 4000 + i
        msg = "entry %d: connect from unknown[127.0.0.%d]" % (i, i % 250 + 1)
        f = [("__REALTIME_TIMESTAMP", str(usec)), ("__MONOTONIC_TIMESTAMP", str(i * 1000 + 7)),
             ("_BOOT_ID", "0123456789abcdef0123456789abcdef"), ("_HOSTNAME", "mail1"),
             ("_SYSTEMD_UNIT", unit), ("SYSLOG_IDENTIFIER", ident)]
        if i % 5 == 0:
            f.append(("SYSLOG_PID", str(pid + 1)))
            f.append(("_PID", str(pid)))
            pid += 1
        else:
            f.append(("_PID", str(pid)))
        for k, v in f:
            out.write(("%s=%s\n" % (k, v)).encode())
        if i % 7 == 0:
            # binary-encoded field: name, 64-bit LE length, data
            data = msg.encode()
            out.write(b"MESSAGE\n" + struct.pack("<Q", len(data)) + data + b"\n")
        else:
            out.write(("MESSAGE=%s\n" % msg).encode())
        out.write(b"\n")
        want.write("%d\tmail1\t%s\t%d\tauto\t%s\n" % (usec // 1000000, ident, pid, msg))
EOF
}

append() {	# append FIRST COUNT: through systemd-journal-remote into $J
	gen "$1" "$2" >"$T/stream.$1" || bail "cannot make the export stream"
	"$JR" --output="$J" - <"$T/stream.$1" >"$T/jr.log" 2>&1 ||
		bail "systemd-journal-remote failed: $(tail -3 "$T/jr.log")"
}

append 0 300
"$LOGCAT" -k journal -o -J "$J" >"$T/all" 2>"$T/all.err"
ok $? "replay of the journal file ends cleanly"
cmp -s "$T/want.0" "$T/all"
ok $? "300 entries: time, host, identifier, pid, message, in order"
diff "$T/want.0" "$T/all" | head -5 | sed 's/^/# /'

"$LOGCAT" -k journal -o "$T/j" >"$T/dir" 2>/dev/null
cmp -s "$T/want.0" "$T/dir"
ok $? "the same through sd_journal_open_directory"

"$LOGCAT" -k journal -o -J "$J" -u dovecot.service >"$T/dove" 2>/dev/null
is "$(cut -f3 "$T/dove" | sort -u)" dovecot "a unit match: that unit only"
is "$(wc -l <"$T/dove")" 75 "a unit match: all of its 75 entries"
"$LOGCAT" -k journal -o -J "$J" -u dovecot.service -I postfix/qmgr \
    -I CRON >"$T/some" 2>/dev/null
is "$(wc -l <"$T/some")" 225 "units OR identifiers: 225 entries"

# entries are 10 s apart; the cutoff falls between two of them
"$LOGCAT" -k journal -o -S 8505 -J "$J" >"$T/since" 2>/dev/null
want=$(awk -F'\t' -v c=$((NOW - 8505)) '$1 >= c' "$T/want.0" | wc -l)
[ "$want" -gt 50 ] && [ "$want" -lt 250 ]
ok $? "since picks a part of the journal ($want entries)"
is "$(wc -l <"$T/since")" "$want" "since: exactly the entries of the last 8505 s"

# the cursor: a first run starts at the end, then each run reads what
# was appended since the previous one
"$LOGCAT" -k journal -s "$T/state" -J "$J" >"$T/r1" 2>/dev/null
is "$(wc -l <"$T/r1")" 0 "without a state: from the end"
append 300 50
"$LOGCAT" -k journal -s "$T/state" -J "$J" >"$T/r2" 2>/dev/null
cmp -s "$T/want.300" "$T/r2"
ok $? "with the state: the 50 appended entries, no other"

# a follower while journal-remote appends twice
"$LOGCAT" -k journal -f -i 50 -s "$T/state" -J "$J" >"$T/f" 2>"$T/f.err" &
LPID=$!
track_pid $LPID
append 350 40
append 390 60
seen() { [ "$(wc -l <"$T/f")" -ge 100 ]; }
wait_until 20 seen
kill -TERM $LPID
wait $LPID
cat "$T/want.350" "$T/want.390" | cmp -s - "$T/f"
ok $? "a follower reads the 100 entries appended while it runs, once"
"$LOGCAT" -k journal -s "$T/state" -J "$J" >"$T/r3" 2>/dev/null
is "$(wc -l <"$T/r3")" 0 "and its saved cursor is after the last of them"
finish
