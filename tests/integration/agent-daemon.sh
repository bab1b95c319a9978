#!/bin/bash
# agent-daemon.sh: mailhealthd as a daemon (no -f): it detaches, writes
# its pid file, serves through snmpd, refuses a second instance, and on
# SIGTERM exits and removes the pid file. Also the console report.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd snmpd snmpget
mktestdir
# the daemon detaches: if the test fails before it has its pid, it is
# found by its configuration file, which no other process names
stop_daemon() { pkill -TERM -f -- "-c $T/mailhealthd.conf" 2>/dev/null; }
CLEANUP_HOOK=stop_daemon
plan 13

for d in maildrop incoming active deferred/A hold corrupt; do mkdir -p "$T/q/$d"; done
# a symlink planted where the pid file goes must not be followed
echo "precious" >"$T/victim"
ln -s "$T/victim" "$T/mailhealthd.pid"
cat >"$T/mailhealthd.conf" <<EOF
interval = 1
pidfile = "$T/mailhealthd.pid"
mta postfix { queue_directory = "$T/q" }
EOF
start_snmpd
"$MAILHEALTHD" -c "$T/mailhealthd.conf" -x "$AGENTX"
is $? 0 "mailhealthd detaches with status 0"
pidfile_written() { [ -s "$T/mailhealthd.pid" ] && [ ! -L "$T/mailhealthd.pid" ]; }
wait_until 10 pidfile_written
ok $? "it writes its pid file"
pid=$(cat "$T/mailhealthd.pid")
track_pid "$pid"
is "$(cat "$T/victim")" "precious" "the symlink at the pid file was not followed"
[ -f "$T/mailhealthd.pid" ] && [ ! -L "$T/mailhealthd.pid" ]
ok $? "the pid file is a file of its own"
is "$(stat -c %a "$T/mailhealthd.pid")" 644 "mode 644, not writable by others"
kill -0 "$pid" 2>/dev/null
ok $? "the pid in the file ($pid) runs"
[ "$(ps -o ppid= -p "$pid" | tr -d ' ')" = 1 ] || [ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ]
ok $? "it is detached (its own session)"
wait_until 15 agent_ready
ok $? "the daemon serves MAILHEALTH-MIB through snmpd"
"$MAILHEALTHD" -c "$T/mailhealthd.conf" -x "$AGENTX" 2>"$T/second.err"
is $? 75 "a second instance with the same pid file refuses to start (75)"
grep -q "already running as pid $pid" "$T/second.err"
ok $? "and says which pid runs"
kill -TERM "$pid"
wait_until 10 sh -c "! kill -0 $pid 2>/dev/null"
ok $? "SIGTERM stops it"
[ ! -e "$T/mailhealthd.pid" ]
ok $? "and removes the pid file"

"$MAILHEALTHD" --once --format text -c "$T/mailhealthd.conf" >"$T/report" 2>/dev/null
grep -q "^  mta  *postfix$" "$T/report" && grep -q "^  messages  *0 msgs$" "$T/report"
ok $? "the console report says what is in the queue"
finish
