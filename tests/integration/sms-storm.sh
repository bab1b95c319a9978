#!/bin/bash
# sms-storm.sh: storm control through a real snmptrapd. The same alarm
# twice is sent once; 500 distinct traps in a burst give at most
# rate_limit SMS plus one summary with exact counts; a clear of a paged
# alarm gets through the rate limit; quiet hours hold non-critical alerts.
. "$(dirname "$0")/lib.sh"

need_sms
mktestdir

plan 12

start_gateway ok
write_conf 'rate_limit = 5' 'rate_window = 1h' 'summary_delay = 5s' \
    'dedupe_window = 1h'
start_snmptrapd

handled() { # notifications the handler has decided on (one recipient)
	[ -f "$T/audit.log" ] || { echo 0; return; }
	grep -cE 'event=(queued|suppressed) [^"]*detail="(raised|cleared|duplicate|rate-limit|quiet-hours|clear-of-unsent-raise)"' \
	    "$T/audit.log"
}

# 1-2: the same alarm raised twice: one SMS
send_trap 15 900 sys-load system.load1 '' 2 12 8 "load high" mx1
send_trap 15 900 sys-load system.load1 '' 2 13 8 "load high" mx1
wait_until 10 eval '[ "$(handled)" -eq 2 ]'
ok $? "both raises handled"
is "$(grep -c 'event=suppressed .*detail="duplicate"' "$T/audit.log")" 1 \
    "the repeat is suppressed as a duplicate"

# 3-5: a burst of 500 distinct alarms: i%5 in 0,1,2 queue, 3,4 auth
t0=$(now_ms)
for i in $(seq 0 499); do
	if [ $((i % 5)) -lt 3 ]; then
		send_trap 1 $((1000 + i)) queue-high queue.total "q$i" 2 $((5000 + i)) 5000 "storm" mx1
	else
		send_trap 5 $((1000 + i)) auth-high auth.failures "u$i" 2 $((60 + i)) 50 "storm" mx1
	fi
done
wait_until 240 eval '[ "$(handled)" -eq 502 ]'
ok $? "all 500 handled by snmptrapd"
echo "# 500 traps sent and handled in $(( $(now_ms) - t0 )) ms;" \
    "$(( $(handled) - 2 )) reached the handler;" \
    "snmptrapd receive buffer $(trap_recvbuf) bytes"
# one SMS before the burst, so 4 of the burst (i = 0,1,2 queue, 3 auth),
# then one stand-alone summary summary_delay after the first held alert
wait_until 30 eval 'gw_count_is "len(ok)" 6 && spool_empty'
ok $? "rate limit 5 + 1 summary, nothing more"
is "$(gwq '",".join(r["query"]["text"].split()[3].rstrip(":") for r in ok[1:5])')" \
    "q0,q1,q2,u3" "the SMS that went out are the first four of the burst"

# 6-8: the clear of the alarm the phone has gets through the rate limit,
# and carries the summary of what was held since the stand-alone summary
send_trap 16 900 sys-load system.load1 '' 2 3 8 "load ok" mx1
wait_until 10 gw_count_is 'len(ok)' 7
ok $? "clear of a paged alarm delivered despite the rate limit"
is "$(gwq 'ok[6]["query"]["text"].split(" (+")[0]')" \
    "OK mx1 load 3" "clear text"
# Whether the burst outlasts summary_delay depends on the machine, so the
# held alerts are split between the stand-alone summary and the clear's
# suffix; together they must account for exactly the 496 held back.
held_accounted() {
	"$PY" - "$T/gw.log" <<'EOF'
import json, re, sys
ok = [r for r in map(json.loads, open(sys.argv[1], encoding="utf-8"))
      if r["mode"] == "ok"]
summary, clear = ok[5]["query"]["text"], ok[6]["query"]["text"]
total = queue = auth = 0
for text in (summary, clear):
    m = re.search(r"\+(\d+) more:([^)]*)", text)
    if m is None:
        continue
    total += int(m.group(1))
    for n, kind in re.findall(r"(\d+) (\w+)", m.group(2)):
        queue += int(n) if kind == "queue" else 0
        auth += int(n) if kind == "auth" else 0
print(total, queue, auth, summary.startswith("Held back: +"))
EOF
}
is "$(held_accounted)" "496 297 199 True" \
    "summary + suffix count exactly what was held, by type"

# 9: a clear whose raise was held back is not sent on its own
send_trap 2 1010 queue-high queue.total q10 2 10 5000 "storm over" mx1
wait_until 10 eval \
    'grep -q "event=suppressed .*clear-of-unsent-raise" "$T/audit.log"'
ok $? "clear of a held raise is not paged"

# 10-12: quiet hours around now: only critical goes out
h=$(date +%H)
stop_quiet=$(printf '%02d:59' "$h")
start_quiet=$(printf '%02d:00' "$h")
if [ "$(date +%M)" = 59 ]; then	# keep the window around "now" valid
	stop_quiet=$(printf '%02d:00' $(( (10#$h + 1) % 24 )))
fi
mv "$T/gw.log" "$T/gw.log.storm"
SPOOL=$T/spool-quiet
write_conf "quiet_hours = \"$start_quiet-$stop_quiet\"" 'rate_limit = 0'
trap_text 3 2000 traffic-high traffic.out out 3 900 500 "minor at night" mx1 \
    | "$MAILHEALTH_SMS" -c "$T/sms.conf"
trap_text 1 2001 queue-high queue.total total 1 9000 5000 "critical at night" mx1 \
    | "$MAILHEALTH_SMS" -c "$T/sms.conf"
wait_until 10 eval 'gw_count_is "len(ok)" 1 && spool_empty'
ok $? "quiet hours: the critical alert is delivered"
is "$(gwq 'ok[0]["query"]["text"]')" \
    "CRITICAL mx1 queue total 9,000 msgs (>= 5000), critical at night (+1 more: 1 traffic)" \
    "quiet hours: the critical one, carrying the held count"
is "$(grep -c 'event=suppressed .*detail="quiet-hours"' "$T/audit.log")" 1 \
    "quiet hours: the minor one is held"

finish
