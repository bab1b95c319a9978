#!/bin/bash
# sms-trap.sh: a real snmptrapd runs mailhealth-sms for MAILHEALTH-MIB
# notifications; a loopback gateway records what reaches the "phone".
# One alert; raised then cleared; non-ASCII text through snmptrapd's hex
# output; malformed and foreign input; --check-config.
. "$(dirname "$0")/lib.sh"

need_sms
mktestdir

plan 27

start_gateway ok
write_conf 'rate_limit = 100'
start_snmptrapd

# 1-3: one alert, exact text at the gateway
send_trap 1 1 queue-high queue.total total 1 5234 5000 \
    "queue total 5234 >= 5000" mx1
wait_until 10 gw_count_is 'len(ok)' 1
ok $? "raise reaches the gateway"
is "$(gwq 'ok[0]["query"]["text"]')" \
    "CRITICAL mx1 queue total 5,234 msgs (>= 5000), queue total 5234 >= 5000" \
    "raise text"
is "$(gwq 'ok[0]["query"]["to"]')" "+15550100" "raise recipient"

# 4-6: the clear follows, reads differently, comes second
send_trap 2 1 queue-high queue.total total 1 3900 4000 "queue back to 3900" mx1
wait_until 10 gw_count_is 'len(ok)' 2
ok $? "clear reaches the gateway"
is "$(gwq 'ok[1]["query"]["text"]')" \
    "OK mx1 queue total 3,900 msgs" \
    "clear text"
wait_until 10 eval 'spool_empty && no_sender'
ok $? "spool empty and sender gone after delivery"

# 7-10: non-ASCII: snmptrapd prints UTF-8 as quoted hex wrapped every 16
# bytes; the SMS must come out as the same characters, cut to 70 UCS-2
# units at a character boundary, with the marker.
LONG='Zugriff verweigert für Jürgen ✓ 日本語のテキストがとても長いのでSMSに収まらない場合は切り捨てる必要があります。'
send_trap 5 7 auth-fail auth.failures jürgen 2 120 50 "$LONG" mx1
wait_until 10 gw_count_is 'len(ok)' 3
ok $? "non-ASCII alert delivered"
GOT=$(gwq 'ok[2]["query"]["text"]')
FULL="MAJOR mx1 auth jürgen: 120 failed logins (>= 50) ($LONG)"
is "$("$PY" -c 'import sys; g, f = sys.argv[1], sys.argv[2]; print(g.endswith("...") and f.startswith(g[:-3]))' "$GOT" "$FULL")" \
    True "UCS-2 text is a prefix of the full text plus the marker"
# the oracle: longest prefix with room for "...", blanks trimmed
WANT=$("$PY" -c '
import sys
full = sys.argv[1]
u = lambda s: len(s.encode("utf-16-le")) // 2
n = max(i for i in range(len(full) + 1) if u(full[:i]) + 3 <= 70)
print(full[:n].rstrip(" ") + "...")' "$FULL")
is "$GOT" "$WANT" "UCS-2 text cut exactly where 70 units end"
is "$("$PY" -c 'import sys; print(sys.argv[1][:36])' "$GOT")" \
    "MAJOR mx1 auth jürgen: 120 failed lo" \
    "the first characters arrive intact"

# 11: missing varbinds: a page still goes out, host from the first line,
# the empty parts left out, and what was missing is logged
printf 'mx9.example\nUDP: [127.0.0.1]:4->[127.0.0.1]:162\n.1.3.6.1.6.3.1.1.4.1.0 %s.0.9\n%s.8.0 "disk almost full"\n' "$MH" "$MHN" \
    | "$MAILHEALTH_SMS" -c "$T/sms.conf" 2> "$T/incomplete.err"
rc=$?
wait_until 10 eval \
    '[ $rc -eq 0 ] && gw_count_is "ok[3][\"query\"][\"text\"]" "UNKNOWN mx9.example service: disk almost full"'
ok $? "trap with missing varbinds still delivered"
is "$(sed -n 's/.*\[trap\] warning: //p' "$T/incomplete.err")" \
    "incomplete notification from mx9.example: $MH.0.9 lacks mhNotifyAlarmIndex, mhNotifyAlarmName, mhNotifyMetric, mhNotifyInstance, mhNotifySeverity, mhNotifyValue, mhNotifyThreshold, mhNotifyHost: paged with what it has" \
    "missing varbinds: the log names what was missing"
is "$(audit_count incomplete)" 1 \
    "missing varbinds: one 'incomplete' line in the audit log"

# 12-17: malformed input: exit 65, nothing spooled, nothing sent
before=$(gwq 'len(R)')
printf '' | "$MAILHEALTH_SMS" -c "$T/sms.conf" 2>/dev/null
is "$?" 65 "empty input: exit 65"
printf 'localhost\n' | "$MAILHEALTH_SMS" -c "$T/sms.conf" 2>/dev/null
is "$?" 65 "host line only: exit 65"
printf 'localhost\nUDP: x\n.1.3.6.1.6.3.1.1.4.1.0 %s.0.1\n%s.8.0 "unterminated\n' "$MH" "$MHN" \
    | "$MAILHEALTH_SMS" -c "$T/sms.conf" 2>/dev/null
is "$?" 65 "unterminated string: exit 65"
printf 'localhost\nUDP: x\n.1.3.6.1.2.1.1.3.0 1\n' | "$MAILHEALTH_SMS" -c "$T/sms.conf" 2>/dev/null
is "$?" 65 "no snmpTrapOID: exit 65"
head -c 100000 /dev/urandom | "$MAILHEALTH_SMS" -c "$T/sms.conf" 2>/dev/null
is "$?" 65 "100 kB of binary garbage: exit 65"
is "$(gwq 'len(R)')" "$before" "malformed input: nothing sent"

# 18: somebody else's trap is dropped (unknown_traps = drop)
printf 'localhost\nUDP: x\n.1.3.6.1.6.3.1.1.4.1.0 .1.3.6.1.6.3.1.1.5.3\n.1.3.6.1.2.1.2.2.1.1.2 2\n' \
    | "$MAILHEALTH_SMS" -c "$T/sms.conf"
rc=$?
is "$rc $(gwq 'len(R)')" "0 $before" "foreign trap: exit 0, nothing sent"

# 19: the audit log has one line per event
is "$(audit_count queued)" "$(audit_count sent)" "audit: queued = sent"

# 20-21: --check-config names file and line, exit 78
printf 'recipients = { "+1" }\nrate_limt = 3\ngateway { url = "http://127.0.0.1:1/" }\n' > "$T/bad.conf"
out=$("$MAILHEALTH_SMS" -c "$T/bad.conf" --check-config 2>&1)
is "$?" 78 "--check-config on a typo exits 78"
is "$out" "$T/bad.conf:2: no such option 'rate_limt'" \
    "--check-config names FILE:LINE"

# 22: dry run shows the request without sending it
out=$(trap_text 3 4 traffic-high traffic.rate in 3 99 50 "rate high" mx2 \
    | "$MAILHEALTH_SMS" -c "$T/sms.conf" --dry-run)
is "$(echo "$out" | grep -c 'request: GET http://127.0.0.1')/$(gwq 'len(R)')" \
    "1/$before" "--dry-run prints the request, sends nothing"

# 25-27: --dry-run masks credentials: api_key= and access_token= in the
# URL, a password in user:password@, a bearer token, a JSON apiKey
echo 'S3CRET-BEARER' > "$T/bearer"
cat > "$T/secret.conf" <<EOF
spool_directory = "$SPOOL"
recipients = { "+15550100" }
gateway {
  style = json
  url = 'http://acct:S3CRET-PW@127.0.0.1:$GW_PORT/send?api_key=S3CRET-KEY&access_token=S3CRET-AT&to={to}'
  fields = { "to={to}", "text={text}", "apiKey=S3CRET-JSON" }
  headers = { "X-Api-Key: S3CRET-HDR" }
  bearer_token_file = "$T/bearer"
}
EOF
out=$(trap_text 1 9 queue-high queue.total '' 1 5234 5000 "dry" mx1 \
    | "$MAILHEALTH_SMS" -c "$T/secret.conf" --dry-run)
is "$(echo "$out" | grep -c S3CRET)" 0 "--dry-run shows no credential"
is "$(echo "$out" | sed -n 's/^  request: //p')" \
    "POST http://acct:***@127.0.0.1:$GW_PORT/send?api_key=***&access_token=***&to=%2B15550100" \
    "--dry-run: the URL with its credentials masked"
is "$(echo "$out" | sed -n 's/^  header: //p' | tr '\n' '|')" \
    "X-Api-Key: ***|Authorization: Bearer ***|" \
    "--dry-run: headers with their credentials masked"

finish
