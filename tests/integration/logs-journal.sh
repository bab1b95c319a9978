#!/bin/bash
# logs-journal.sh: the log collector on the systemd journal (Debian 12
# without rsyslog keeps the mail log only there). No journald runs on
# these machines: the journal files are written by the real
# systemd-journal-remote from an export stream made here of the real
# Postfix 3.7 log of the parser tests (each line one entry of
# postfix@-.service, identifier, pid and message as journald keeps
# them), mixed with entries of other units, and the collector reads the
# directory through the very sd-journal calls it uses on /var/log/journal
# (`journal = true`, `path`, `units`).
#   --once: the counts are the golden events of that log, other units
#   left out. The daemon: starts at the end of the journal (its cursor
#   in the state file), then counts exactly what is appended.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd snmpd snmpget
JR=/lib/systemd/systemd-journal-remote
[ -x "$JR" ] || bail "$JR not found: apt-get install systemd-journal-remote"
mktestdir
plan 8

REAL=$top_srcdir/tests/data/logs/postfix-3.7.maillog
NOW=$(date +%s)
mkdir "$T/j"
# stream FIRST-SECOND FILE...: export entries, one per line of the files
# (their syslog header gives identifier and pid), times from FIRST
# seconds ago on, a second apart; every third entry one of cron's
stream() {
	"$PY" - "$NOW" "$@" <<'EOF'
import re, sys
now, first, files = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
hdr = re.compile(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d (\S+) ([^\[:]+)\[(\d+)\]: (.*)$")
out, k = sys.stdout.buffer, 0
def entry(unit, ident, pid, msg):
    global k
    usec = (now - first + k) * 1000000
    k += 1
    for f in (("__REALTIME_TIMESTAMP", str(usec)),
              ("__MONOTONIC_TIMESTAMP", str(k * 1000)),
              ("_BOOT_ID", "0123456789abcdef0123456789abcdef"),
              ("_HOSTNAME", "mail1"), ("_SYSTEMD_UNIT", unit),
              ("SYSLOG_IDENTIFIER", ident), ("_PID", pid),
              ("MESSAGE", msg)):
        out.write(("%s=%s\n" % f).encode())
    out.write(b"\n")
for name in files:
    for line in open(name, encoding="utf-8", errors="replace"):
        m = hdr.match(line.rstrip("\n"))
        if not m:
            continue
        if k % 3 == 2:
            entry("cron.service", "CRON", "77",
                  "(root) CMD (postfix/smtpd: NOQUEUE: reject: fake)")
        entry("postfix@-.service", m.group(2), m.group(3), m.group(4))
EOF
}
write_journal() {	# STREAM-FILE
	"$JR" --output="$T/j/remote.journal" - <"$1" >"$T/jr.log" 2>&1 ||
		bail "systemd-journal-remote failed: $(tail -3 "$T/jr.log")"
}
stream 5000 "$REAL" >"$T/s1" || bail "cannot make the export stream"
write_journal "$T/s1"

cat >"$T/mailhealthd.conf" <<EOF
interval = 1
agentx_ping = 1
state_directory = "$T/state"
log journal {
	journal = true
	path = "$T/j"
	units = { "postfix@-.service" }
}
EOF
golden() {
	awk -v k="$1" '$2 == k { n += $4 } END { print n + 0 }' "$REAL.events"
}
"$MAILHEALTHD" --once -c "$T/mailhealthd.conf" >"$T/once.json" 2>"$T/once.err"
is $? 0 "mailhealthd --once reads the journal directory"
got=$(once_traffic "$T/once.json" 'j["logs"]["sources"][0]["kind"]')
is "$got" "$(golden received) $(golden delivered) $(golden deferred) $(golden bounced) $(golden rejected) $(golden auth_fail) journal" \
    "the counts of the Postfix log's golden events, cron's entries left out"

# the daemon: at the end of the journal, then what is appended
start_snmpd
start_agent "$T/mailhealthd.conf"
wait_until 10 grep -q '^cursor ' "$T/state/log-journal.state"
ok $? "the agent keeps the journal's cursor in its state file"
is "$(sget $MH.1.3.5.0)" 0 "old entries are not news"
printf 'Nov 30 13:40:00 mx postfix/smtpd[9%03d]: NOQUEUE: reject: RCPT from unknown[127.0.0.%d]: 554 5.7.1 <v@elsewhere.test>: Relay access denied; from=<s@junk.test> to=<v@elsewhere.test> proto=ESMTP helo=<x>\n' \
    $(for i in $(seq 1 12); do echo "$i $i"; done) >"$T/more.log"
stream 1000 "$T/more.log" >"$T/s2" || bail "cannot make the export stream"
write_journal "$T/s2"
wait_until 20 sh -c "[ \"\$(snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $MH.1.3.5.0)\" = 12 ]"
ok $? "the 12 refusals appended are counted"
is "$(sget $MH.1.3.5.0)" 12 "and the cron entries that mention one are not"
kill -TERM "$AGENT_PID"
wait_until 10 _gone "$AGENT_PID"
untrack_pid "$AGENT_PID"
write_journal "$T/s2"	# the same 12 again, while the agent is stopped
mv "$T/mailhealthd.log" "$T/mailhealthd.log.1"
start_agent "$T/mailhealthd.conf"
wait_until 20 sh -c "[ \"\$(snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $MH.1.3.5.0)\" = 12 ]"
ok $? "after a restart: the 12 appended meanwhile, from the saved cursor"
is "$(sget $MH.1.1.9.0)" 0 "no collection errors"
finish
