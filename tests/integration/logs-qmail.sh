#!/bin/bash
# logs-qmail.sh: the log collector on qmail's logs as a qmail server
# keeps them: two daemontools multilog directories, one for qmail-send,
# one for tcpserver + qmail-smtpd, written by the real multilog (it
# stamps each line with TAI64N and rotates `current` every 4 KB). The
# lines are those of tests/logs/qmail-logs.py, byte for byte what
# qmail-send, tcpserver, rblsmtpd and qmail-smtpd (sagredo's patch)
# write, fed to multilog in two halves while mailhealthd follows the
# directories (a rotation happens in between). The uids of the log are
# those of this machine's qmaild, qmails and mhjunk.
# The counts over SNMP, and those of a --once replay of the directories,
# must be the sum of the golden events of the parser tests
# (tests/data/logs/qmail-*.multilog.events), whose lines these are; the
# submitter of the message qmail-smtpd queued is found across the two
# logs (qp of qlogreceived = qp of "info msg"). Then two reloads: one
# that leaves the log sections alone keeps the counts, one that changes
# them restarts the collector from its saved positions.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd snmpd snmpget snmpbulkwalk multilog useradd getent
mktestdir
plan 16

for u in qmaild qmails mhjunk; do
	getent passwd $u >/dev/null || useradd -r -M -s /usr/sbin/nologin $u ||
		bail "cannot create the user $u"
done
uid() { getent passwd "$1" | cut -d: -f3; }

mkdir -p "$T/gen"
"$PY" "$top_srcdir/tests/logs/qmail-logs.py" "$T/gen" || bail "qmail-logs.py failed"
# the lines without multilog's stamp (multilog stamps them again), with
# this machine's uids
for f in send smtpd; do
	sed -e 's/^@[0-9a-f]\{24\} //' -e "s/ uid 1011\$/ uid $(uid qmaild)/" \
	    -e "s/ uid 1012\$/ uid $(uid qmails)/" \
	    -e "s/ uid 1001\$/ uid $(uid mhjunk)/" \
	    "$T/gen/qmail-$f.multilog" >"$T/$f.lines"
	mkdir -p "$T/log/$f"
done
half() {	# FILE 1|2
	local n
	n=$(($(wc -l <"$1") / 2))
	if [ "$2" = 1 ]; then head -n $n "$1"; else tail -n +$((n + 1)) "$1"; fi
}
feed() {	# HALF: both logs through multilog (stdin to EOF, then it exits)
	half "$T/smtpd.lines" "$1" | multilog t s4096 n20 "$T/log/smtpd" ||
		bail "multilog failed"
	half "$T/send.lines" "$1" | multilog t s4096 n20 "$T/log/send" ||
		bail "multilog failed"
}
# multilog makes `current` (empty) as it starts: the agent starts at the
# end of what is there, so the directories exist before it
: | multilog t "$T/log/send"
: | multilog t "$T/log/smtpd"

start_snmpd
cat >"$T/mailhealthd.conf" <<EOF
interval = 1
agentx_ping = 1
state_directory = "$T/state"
log qmail-send { multilog = "$T/log/send" parser = qmail }
log qmail-smtpd { multilog = "$T/log/smtpd" parser = qmail }
EOF
start_agent "$T/mailhealthd.conf"

# the golden events: total count of a kind over both files
golden() {
	cat "$top_srcdir"/tests/data/logs/qmail-*.multilog.events |
	    awk -v k="$1" '$2 == k { n += $4 } END { print n + 0 }'
}
RECEIVED=$(golden received) DELIVERED=$(golden delivered)
DEFERRED=$(golden deferred) BOUNCED=$(golden bounced)
REJECTED=$(golden rejected) FAILS=$(golden auth_fail)

feed 1
wait_until 20 sh -c "[ \"\$(snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $MH.1.3.1.0)\" -ge 1 ]"
ok $? "the agent counted the first half"
feed 2
ls "$T/log/smtpd" | grep -q '^@.*\.s$'
ok $? "multilog rotated the smtpd log meanwhile"
M=$MH.1.3
# the two directories are two sources: wait for every counter read below
done_counting() {
	[ "$(sget $M.1.0) $(sget $M.2.0) $(sget $M.3.0) $(sget $M.4.0) $(sget $M.5.0)" = \
	    "$RECEIVED $DELIVERED $DEFERRED $BOUNCED $REJECTED" ] &&
	    [ "$(sget $MH.1.5.2.0)" = "$FAILS" ]
}
wait_until 20 done_counting
ok $? "the agent caught up with both directories"
is "$(sget $M.1.0) $(sget $M.2.0) $(sget $M.3.0) $(sget $M.4.0) $(sget $M.5.0)" \
    "$RECEIVED $DELIVERED $DEFERRED $BOUNCED $REJECTED" \
    "received, delivered, deferred, bounced, rejected: the golden events"
is "$(sget $MH.1.5.2.0)" "$FAILS" "mhAuthFailures.0: sagredo's auth-failed, once each"
is "$(sget $MH.1.5.10.1.4.4)" 1 "mhAuthProtoSuccesses.submission: alice on port 587"
row_of() { swalk "$1.1.2" | sed -n "s/.*\.\([0-9]*\) \"$2\"\$/\1/p"; }
A=$(row_of $M.10 alice@example.com)
[ -n "$A" ] && [ "$(sget $M.10.1.3.$A)" = 1 ] &&
    [ "$(sget $M.10.1.6.$A)" = '"192.0.2.50"' ]
ok $? "alice@example.com submitted through qmail-smtpd (qp across the two logs)"
J=$(row_of $M.10 mhjunk)
[ -n "$J" ] && [ "$(sget $M.10.1.3.$J)" = 1 ]
ok $? "mhjunk injected one message locally (uid)"
[ -z "$(row_of $M.10 qmails)" ] && [ -z "$(row_of $M.10 qmaild)" ]
ok $? "qmail's own users are no submitters"
D=$(row_of $MH.1.4.10 gmail.example)
[ -n "$D" ] && [ "$(sget $MH.1.4.10.1.3.$D)" = 1 ]
ok $? "mhDeferTable: gmail.example deferred once (421 4.7.28)"

# the replay reads the rotated files, then current
"$MAILHEALTHD" --once -c "$T/mailhealthd.conf" >"$T/once.json" 2>"$T/once.err"
is $? 0 "mailhealthd --once exits 0"
got=$(once_traffic "$T/once.json")
is "$got" "$RECEIVED $DELIVERED $DEFERRED $BOUNCED $REJECTED $FAILS" \
    "--once replays both directories to the same counts"

# ---- reloads: an alarm added leaves the collector as it was; a changed
# logs section restarts it, from its saved positions (nothing again)
echo 'alarm flood { metric = "sender.rate" rising = 100 falling = 10 }' \
    >>"$T/mailhealthd.conf"
kill -HUP "$AGENT_PID"
wait_until 10 sh -c "[ \$(grep -c 'reloaded $T/mailhealthd.conf' '$T/mailhealthd.log') -ge 1 ]"
is "$(sget $M.1.0) $(sget $M.2.0)" "$RECEIVED $DELIVERED" \
    "a reload that leaves the log sections keeps the counts"
echo 'logs { rate_window = 600 }' >>"$T/mailhealthd.conf"
kill -HUP "$AGENT_PID"
wait_until 10 grep -q "logs: configuration changed" "$T/mailhealthd.log"
ok $? "a changed logs section restarts the collector"
wait_until 10 sh -c "[ \"\$(snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $MH.1.3.6.0)\" = 600 ]"
ok $? "with the new window (mhTrafficRateWindow.0 600)"
is "$(sget $M.1.0) $(sget $M.2.0)" "0 0" \
    "from its saved positions: no line counted again"
finish
