#!/bin/bash
# sms-deadman.sh: the dead-man's switch, pager side (issue 9 item 4). A
# real snmptrapd hands mhHeartbeat notifications (sent with snmptrap,
# as mailhealthd's snmp_heartbeat() sends them) to the handler, which
# records them and pages nothing; `mailhealth-sms --daemon` pages when
# the heartbeats stop for `deadman { missed }` intervals, and again when
# they are back.
. "$(dirname "$0")/lib.sh"

need_sms
mktestdir

plan 9

start_gateway ok
write_conf 'rate_limit = 0' 'deadman { missed = 2 }'
start_snmptrapd
"$MAILHEALTH_SMS" -c "$T/sms.conf" -D --daemon 2> "$T/daemon.log" &
dpid=$!
track_pid $dpid
wait_until 10 grep -q "running (daemon)" "$T/daemon.log" ||
	bail "mailhealth-sms --daemon did not start: $(tail -5 "$T/daemon.log")"

# heartbeat: one mhHeartbeat from mx1, the next promised within 2 s
heartbeat() {
	snmptrap -v 2c -c public -m '' "127.0.0.1:$TRAP_PORT" '' "$MH.0.19" \
	    "$MHN.9.0" s mx1 "$MHN.10.0" u 2
}
# the source of heartbeats: one every half second (more often than
# promised, so a busy machine cannot make one late), until its pid is
# killed: the pace of the agent's timer, not a wait of the test
beat() {
	while :; do
		heartbeat
		sleep 0.5
	done
}
recorded() { grep -q "^H	mx1	127.0.0.1	[0-9]*	2	0$" "$SPOOL/heartbeats" 2>/dev/null; }
texts() { gwq '"|".join(r["query"]["text"] for r in ok)'; }

# 1-3: heartbeats are recorded, not paged
heartbeat
wait_until 10 recorded
ok $? "the handler recorded mx1's heartbeat (from 127.0.0.1, every 2 s)"
beat &
bpid=$!
track_pid $bpid
wait_until 10 eval '[ "$(grep -c "$MH.0.19" "$T/snmptrapd.log")" -ge 4 ]'
is "$(audit_count queued)" 0 "no SMS for a heartbeat"
is "$(audit_count incomplete) $(audit_count dropped)" "0 0" \
    "a heartbeat is neither incomplete nor dropped"

# 4-6: the heartbeats stop: after 2 missed ones, one "silent" page
kill "$bpid"
wait "$bpid" 2>/dev/null
untrack_pid "$bpid"
t0=$(now_ms)
wait_until 20 gw_count_is 'len(ok)' 1
ok $? "mx1 fell silent: paged"
ms=$(( $(now_ms) - t0 ))
case $(gwq 'ok[0]["query"]["text"]') in
"CRITICAL mx1 agent silent "*" s (>= 4), no heartbeat since "*" (every 2 s)") r=0 ;;
*) r=1 ;;
esac
ok $r "the page: $(gwq 'ok[0]["query"]["text"]')"
test "$ms" -ge 3000 && test "$ms" -lt 9000
ok $? "paged $ms ms after the last heartbeat was sent (2 missed of 2 s)"

# 7-9: the heartbeats come back: one "back" page, once
beat &
bpid=$!
track_pid $bpid
wait_until 10 gw_count_is 'len(ok)' 2
ok $? "mx1 is back: paged"
case $(gwq 'ok[1]["query"]["text"]') in
"OK mx1 agent back after "*" s") r=0 ;;
*) r=1 ;;
esac
ok $r "the page: $(gwq 'ok[1]["query"]["text"]')"
more_than_two() { ! gw_count_is 'len(ok)' 2; }
wait_until 3 more_than_two
ok $((!$?)) "while the heartbeats go on, nothing more is paged"
kill "$bpid"
wait "$bpid" 2>/dev/null
untrack_pid "$bpid"

finish
