#!/bin/bash
# sms-retry.sh: durability. The gateway is down, answers 500, answers 200
# with an error text, hangs past the timeout, or refuses for good; every
# alert reaches the phone exactly once when the gateway is back, handlers
# never wait for the gateway, and snmptrapd is never held up.
. "$(dirname "$0")/lib.sh"

need_sms
mktestdir

plan 22

# gateway text -> number of accepted (mode ok) requests with that text
ok_with_text() { gwq "len([r for r in ok if r['query']['text'] == '''$1'''])"; }
spool_count() { ls "$T/spool/outgoing" | wc -l; }

start_gateway ok
write_conf 'rate_limit = 0'
stop_gateway	# "down": nothing listens on GW_PORT

# 1-4: gateway down
trap_text 1 1 queue-high queue.total total 1 6000 5000 "down test" mx1 \
    > "$T/t1"
t0=$(now_ms)
"$MAILHEALTH_SMS" -c "$T/sms.conf" < "$T/t1"
rc=$?
ms=$(( $(now_ms) - t0 ))
is "$rc" 0 "handler exits 0 with the gateway down"
test "$ms" -lt 200
ok $? "handler returned in < 200 ms with the gateway down ($ms ms)"
wait_until 10 audit_count_ge retry 1
ok $? "the sender tried and scheduled a retry"
is "$(spool_count)" 1 "the message stays spooled"
# 5: waiting for the next retry, the sender sleeps. It used to wake itself
# (inotify saw its own claims) and spin at 100% CPU for the whole outage.
cpu_ms() { awk '{ print ($14 + $15) * 10 }' "/proc/$1/stat"; }	# USER_HZ 100
spid=$(cat "$T/spool/sender.lock")
c0=$(cpu_ms "$spid")
wait_until 10 audit_count_ge retry 3
c1=$(cpu_ms "$spid")
test "$((c1 - c0))" -lt 300
ok $? "the sender idles between retries ($((c1 - c0)) ms CPU for 2 retries)"

# 6-8: back up; --flush delivers it exactly once, a second flush nothing
start_gateway ok "$GW_PORT"
"$MAILHEALTH_SMS" -c "$T/sms.conf" --flush > "$T/flush.out"
rc=$?
wait_until 10 eval "[ $rc -eq 0 ] && spool_empty"
ok $? "--flush after recovery exits 0 (spool empty)"
"$MAILHEALTH_SMS" -c "$T/sms.conf" --flush > "$T/flush2.out"
is "$(cat "$T/flush2.out")" "sent 0, retry later 0, failed 0" \
    "a second --flush sends nothing"
TXT1="CRITICAL mx1 queue total 6,000 msgs (>= 5000), down test"
is "$(ok_with_text "$TXT1")" 1 "delivered exactly once after the outage"

# 9-11: 500, then recovery
gw_mode 500
trap_text 5 2 auth-high auth.failures smtp 2 80 50 "five hundred" mx1 \
    | "$MAILHEALTH_SMS" -c "$T/sms.conf"
wait_until 10 eval 'grep -q "event=retry .*http 500" "$T/audit.log"'
ok $? "a 500 answer is retried"
gw_mode ok
wait_until 15 spool_empty
ok $? "after the 500s, delivered"
is "$(ok_with_text "MAJOR mx1 auth smtp: 80 failed logins (>= 50) (five hundred)")" 1 \
    "the 500 case delivered exactly once"

# 12-13: 200 with an error body (success_body of the kannel style)
gw_mode errbody
trap_text 7 3 defer-high defer.domain gmail.com 3 40 20 "error body" mx1 \
    | "$MAILHEALTH_SMS" -c "$T/sms.conf"
wait_until 10 eval \
    'grep -q "event=retry .*ERROR: invalid credentials" "$T/audit.log"'
ok $? "200 + error text is not success"
gw_mode ok
wait_until 15 eval \
    '[ "$(ok_with_text "MINOR mx1 defer gmail.com: 40 deferred (>= 20), error body")" = 1 ]'
ok $? "then delivered exactly once"

# 14-18: the gateway hangs past the sender's 2 s timeout: handlers still
# take milliseconds, and snmptrapd gets through 10 traps at once
gw_mode hang
trap_text 9 4 svc-down service.smtp smtp 1 0 1 "hang test" mx1 > "$T/t4"
t0=$(now_ms)
"$MAILHEALTH_SMS" -c "$T/sms.conf" < "$T/t4"
ms=$(( $(now_ms) - t0 ))
echo "# handler latency while the gateway hangs: $ms ms"
test "$ms" -lt 200
ok $? "handler returned in < 200 ms while the gateway hangs ($ms ms)"
wait_until 10 gw_count_is 'len([r for r in R if r["mode"] == "hang"])' 1
ok $? "the sender's request is hanging"
start_snmptrapd
q0=$(audit_count queued)
t0=$(now_ms)
for i in 1 2 3 4 5 6 7 8 9 10; do
	send_trap 13 $((10 + i)) conn-high conn.halfopen "port$i" 2 $((100 + i)) 50 \
	    "burst while hanging" mx1
done
wait_until 10 eval '[ $(( $(audit_count queued) - q0 )) -eq 10 ]'
ok $? "snmptrapd ran 10 handlers while the gateway hangs"
ms=$(( $(now_ms) - t0 ))
echo "# 10 traps through snmptrapd, all spooled, in $ms ms"
test "$ms" -lt 2000
ok $? "10 traps spooled in < 2000 ms although each send would hang ($ms ms)"
gw_mode ok
wait_until 40 spool_empty
ok $? "after the hang, everything is delivered"
n=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	c=$(ok_with_text "MAJOR mx1 conn port$i: $((100 + i)) half-open (>= 50), burst while hanging")
	[ "$c" = 1 ] && n=$((n + 1))
done
is "$n" 10 "each of the 10 delivered exactly once"

# 20-22: a permanent refusal goes to failed/, is not retried
gw_mode 400
trap_text 17 5 sys-disk system.disk /var 1 97 90 "refused" mx1 \
    | "$MAILHEALTH_SMS" -c "$T/sms.conf"
wait_until 10 eval 'grep -q "event=failed .*http 400" "$T/audit.log"'
ok $? "a 400 answer is a permanent failure"
# the audit line is written before the message is moved
wait_until 10 eval '[ "$(ls "$T/spool/failed" | wc -l)" -ge 1 ]'
is "$(ls "$T/spool/failed" | wc -l)" 1 "the refused message is in failed/"
is "$(spool_count)" 0 "and no longer in outgoing/"

finish
