#!/bin/bash
# logs-rotate.sh: the log collector counts every line once while the real
# logrotate rotates the log under a writer, and across a restart of the
# agent. A writer appends numbered lines at 2,000 a second (reopening on
# SIGHUP, as rsyslog after logrotate's postrotate); a site rule makes
# each line one refusal, so mhTrafficRejected counts lines. logrotate
# (create, compress, delaycompress) rotates five times: twice while the
# agent runs, once while it is stopped, twice after it came back.
# Before the stop the writer is paused and the agent's count must be
# every line written; after the restart, every line written since, none
# again: a restart neither counts twice nor skips.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd snmpd snmpget logrotate gzip zcat
WRITER=$top_srcdir/tests/integration/logwriter.py
mktestdir
plan 10

N=40000
LOG=$T/mail.log
: >"$LOG"
cat >"$T/logrotate.conf" <<EOF
$LOG {
	create 0644 root root
	compress
	delaycompress
	rotate 20
	missingok
	postrotate
		kill -HUP \$(cat $T/writer.pid)
	endscript
}
EOF
rotate() { logrotate -f -s "$T/lr.state" "$T/logrotate.conf" || bail "logrotate failed"; }
progress() { [ -s "$T/progress" ] && [ "$(cat "$T/progress")" -ge "$1" ]; }
written() {	# lines the files hold, rotated and compressed ones too
	local f
	for f in "$LOG" "$T"/mail.log.[0-9]*; do
		[ -e "$f" ] || continue
		case $f in *.gz) zcat "$f" ;; *) cat "$f" ;; esac
	done | grep -c ' seq [0-9]*$'
}
counted() { sget $MH.1.3.5.0; }
counted_is() { [ "$(counted)" = "$1" ]; }

start_snmpd
cat >"$T/mailhealthd.conf" <<EOF
interval = 1
agentx_ping = 1
state_directory = "$T/state"
log mail { path = "$LOG" }
rule seq {
	match = "^seq [0-9]+\$"
	kind = rejected
	program = "writer"
}
EOF
start_agent "$T/mailhealthd.conf"
wait_until 10 test -s "$T/state/log-mail.state" || bail "no state file"

"$PY" "$WRITER" "$LOG" $N --rate 2000 --reopen-on-hup --progress "$T/progress" \
    --pidfile "$T/writer.pid" &
WPID=$!
track_pid $WPID
wait_until 10 test -s "$T/writer.pid" || bail "the writer did not start"
for at in 5000 10000; do
	wait_until 30 progress $at || bail "the writer is stuck before $at"
	rotate
done
wait_until 30 progress 15000 || bail "the writer is stuck"
kill -STOP $WPID
W1=$(written)
wait_until 20 counted_is "$W1"
ok $? "before the stop: every one of the $W1 lines written counted once"
is "$(ls "$T" | grep -c '^mail\.log\.')" 2 "two rotations so far"
kill -TERM "$AGENT_PID"
wait_until 10 _gone "$AGENT_PID"
ok $? "the agent stopped"
untrack_pid "$AGENT_PID"

kill -CONT $WPID
wait_until 30 progress 20000 || bail "the writer is stuck"
rotate	# while the agent is stopped
wait_until 30 progress 25000 || bail "the writer is stuck"
mv "$T/mailhealthd.log" "$T/mailhealthd.log.1"
start_agent "$T/mailhealthd.conf"
for at in 30000 35000; do
	wait_until 30 progress $at || bail "the writer is stuck before $at"
	rotate
done
wait $WPID
is $? 0 "the writer wrote its $N lines"
untrack_pid $WPID
is "$(written)" $N "the files hold every line (create: nothing lost)"
W2=$((N - W1))
wait_until 30 counted_is $W2
ok $? "after the restart: the $W2 lines written since, none twice, none skipped"
is "$(counted)" $W2 "mhTrafficRejected.0 after the restart"
is "$((W1 + $(counted)))" $N "both lives of the agent together: $N lines"
is "$(ls "$T" | grep -c '^mail\.log\.[0-9]*\.gz$')" 4 "logrotate compressed four of the five rotated files"
is "$(sget $MH.1.1.9.0)" 0 "no collection errors"
finish
