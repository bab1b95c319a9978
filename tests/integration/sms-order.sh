#!/bin/bash
# sms-order.sh: a storm cannot hide a critical, and the clock cannot
# reorder or hold back a page (issue 11 item 4). The handler's clock is
# stepped back an hour with libfaketime, as an NTP step would: a clear
# spooled then still goes out after its raise (the spool orders by its
# own sequence, not the clock), and the send times "in the future" do
# not rate-limit new alerts. Warnings that use up the rate limit do not
# hold back a critical. A raise that expired to failed/ is named by the
# clear that follows, which does not arrive alone.
. "$(dirname "$0")/lib.sh"

need_sms
need_cmd faketime
mktestdir

plan 10

start_gateway ok
stop_gateway	# down for now: the pages wait in the spool
write_conf 'rate_limit = 2' 'retry_min = 30' 'retry_max = 60'

# hand N NOTIF SEV TEXT [faketime offset]: one notification of alarm N
hand() {
	if [ -n "${5:-}" ]; then
		trap_text "$2" "$1" queue-high queue.total '' "$3" 5234 5000 "$4" mx1 |
		    faketime -f "$5" "$MAILHEALTH_SMS" -c "$T/sms.conf"
	else
		trap_text "$2" "$1" queue-high queue.total '' "$3" 5234 5000 "$4" mx1 |
		    "$MAILHEALTH_SMS" -c "$T/sms.conf"
	fi
}
texts() { gwq '"|".join(r["query"]["text"].split(", ")[-1] for r in ok)'; }

# 1-4: two raises fill the rate limit of their severity; the clock steps
# back an hour; a clear and a third raise follow
hand 1 1 2 "raise one"
hand 2 1 2 "raise two"
hand 1 2 2 "clear one" -1h
hand 3 1 2 "raise three" -1h
is "$(audit_count queued)" 4 "all four spooled (the third raise is not held by sends 'in the future')"
faketime -f -1h date +%s > "$T/fake.now"
test "$(cat "$T/fake.now")" -lt "$(( $(date +%s) - 3000 ))"
ok $? "the handler's clock really was an hour behind"
start_gateway ok "$GW_PORT"
"$MAILHEALTH_SMS" -c "$T/sms.conf" --flush > /dev/null
wait_until 10 eval 'spool_empty'
ok $? "flushed"
is "$(texts)" "raise one|raise two|OK mx1 queue 5,234 msgs|raise three" \
    "delivered in arrival order: the clear after its raise"
wait_until 10 no_sender

# 5-7: a storm of warnings uses up the warnings' rate limit, never the
# criticals'
SPOOL=$T/spool-storm
write_conf 'rate_limit = 2'
mv "$T/gw.log" "$T/gw.log.1"
for i in 1 2 3 4 5 6 7 8; do
	trap_text 1 $((100 + i)) junk queue.total "q$i" 4 900 800 "junk $i" mx1 |
	    "$MAILHEALTH_SMS" -c "$T/sms.conf"
done
hand 200 1 1 "the real one"
is "$(grep -c 'event=suppressed .*detail="rate-limit"' "$T/audit.log")" 6 \
    "6 of 8 warnings held by the rate limit"
delivered_real() { gw_count_is "len([r for r in ok if 'the real one (+6 more: 6 queue)' in r['query']['text']])" 1; }
wait_until 10 delivered_real
ok $? "the critical is delivered all the same"
is "$(gwq 'len([r for r in ok if "junk" in r["query"]["text"]])')" 2 \
    "2 warnings were sent"
wait_until 10 eval 'spool_empty && no_sender'

# 8-10: the gateway is down until the raise expires to failed/; the
# clear then says what it clears
SPOOL=$T/spool-expire
stop_gateway
write_conf 'rate_limit = 0' 'max_age = 2s'
mv "$T/gw.log" "$T/gw.log.2"
hand 300 1 1 "will expire"
wait_until 15 eval '[ "$(ls "$SPOOL/failed" 2>/dev/null | wc -l)" = 1 ]'
ok $? "the raise expired to failed/"
start_gateway ok "$GW_PORT"
hand 300 2 1 "back to normal"
wait_until 10 gw_count_is 'len(ok)' 1
ok $? "the clear is delivered"
is "$(gwq 'ok[0]["query"]["text"]')" \
    "OK mx1 queue 5,234 msgs; missed: CRITICAL mx1 queue 5,234 msgs (>= 5000), will expire" \
    "the clear names the raise the phone never got"

finish
