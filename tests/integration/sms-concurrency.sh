#!/bin/bash
# sms-concurrency.sh: snmptrapd may run many handlers at once, and cron
# may run --flush while a sender is busy. 20 handlers released together
# (two recipients each), with three --flush runs among them: every SMS
# arrives exactly once, none is lost, nothing lands in failed/.
. "$(dirname "$0")/lib.sh"

need_sms
mktestdir

plan 10

start_gateway ok
write_conf 'rate_limit = 0' 'recipients = { "+15550100", "+15550199" }'

# release the handlers together: each blocks reading a line from a FIFO
# that we hold open, until we write all the lines at once
round() { # round TAG
	local i
	rm -f "$T/go"
	mkfifo "$T/go"
	exec 3<> "$T/go"
	for i in $(seq 1 20); do
		trap_text 11 $((100 + i)) drsync-lag drsync.lag "$1-site$i" 2 $((300 + i)) 120 "$1 $i" mx1 \
		    > "$T/in$i"
		{ read -r _ < "$T/go"; "$MAILHEALTH_SMS" -c "$T/sms.conf" < "$T/in$i"; echo $? > "$T/rc.$1.$i"; } 3>&- &
	done
	for i in 1 2 3; do
		{ read -r _ < "$T/go"; "$MAILHEALTH_SMS" -c "$T/sms.conf" --flush > /dev/null 2>> "$T/flush.err"; } 3>&- &
	done
	printf '\n%.0s' $(seq 23) >&3
	wait_until 20 eval "[ \$(ls $T/rc.$1.* 2>/dev/null | wc -l) -eq 20 ]"
	local rc=$?
	exec 3>&-
	return $rc
}
# how many distinct (recipient, text) pairs of round TAG arrived, and
# how many requests in total
delivered() {
	gwq "(len({(r['query']['to'], r['query']['text']) for r in ok if ' $1 ' in r['query']['text']}), len([r for r in ok if ' $1 ' in r['query']['text']]))"
}
all_rc_zero() { [ "$(cat "$T"/rc.$1.* | sort -u)" = 0 ]; }

# 1-4: gateway up
round one
ok $? "round 1: 20 handlers finished"
all_rc_zero one
ok $? "round 1: every handler exited 0"
wait_until 30 eval 'spool_empty && no_sender'
ok $? "round 1: spool drained"
is "$(delivered one)" "(40, 40)" \
    "round 1: 40 distinct SMS, 40 requests (no loss, no duplicate)"

# 5-10: gateway answering 500 while the handlers run, then recovering;
# three concurrent --flush runs race the detached sender
gw_mode 500
round two
ok $? "round 2: 20 handlers finished"
all_rc_zero two
ok $? "round 2: every handler exited 0"
wait_until 10 eval 'audit_count_ge retry 1'
ok $? "round 2: the gateway refused some"
gw_mode ok
for i in 1 2 3; do
	"$MAILHEALTH_SMS" -c "$T/sms.conf" --flush > /dev/null 2>> "$T/flush.err" &
	track_pid $!
done
wait_until 30 eval 'spool_empty && no_sender'
ok $? "round 2: spool drained after recovery"
is "$(delivered two)" "(40, 40)" \
    "round 2: 40 distinct SMS, 40 accepted requests"
is "$(ls "$SPOOL/failed" | wc -l)" 0 "nothing in failed/"

finish
