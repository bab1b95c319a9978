#!/bin/bash
# sms-symbolic.sh: a real snmptrapd that knows MAILHEALTH-MIB (no -On,
# the MIB loaded) hands the handler symbolic names and DISPLAY-HINT
# strings printed as they are, unquoted: "MAILHEALTH-MIB::mhQueueAlarm",
# "MAILHEALTH-MIB::mhNotifyText.0 queue "total" – jürgen". The SMS must
# read exactly as with numeric output.
. "$top_srcdir/tests/integration/sms-lib.sh"

plan 9

if ! BASEMIBS=$("$top_srcdir/tests/integration/basemibs.sh"); then
	echo "Bail out! no IETF base MIBs (tests/integration/basemibs.sh failed)"
	exit 1
fi

start_gateway ok
write_conf 'rate_limit = 100'
# the handler keeps a copy of what snmptrapd gave it
cat > "$T/handler.sh" <<EOF
#!/bin/sh
tee -a "$T/handler.in" | "$SMS" -c "$T/sms.conf"
EOF
chmod +x "$T/handler.sh"
TRAPHANDLE=$T/handler.sh
start_snmptrapd -M "$BASEMIBS:/usr/share/snmp/mibs:$top_srcdir/mibs" \
    -m +MAILHEALTH-MIB
TRAPHANDLE=

# 1-4: a raise of a single-valued metric (empty instance), a DISPLAY-HINT
# text with quotes and non-GSM characters
send_trap 1 1 queue-high queue.total '' 1 5234 5000 'queue "total" – jürgen' mx1
check "raise delivered" wait_for 10 gw_count_is 'len(ok)' 1
check "snmptrapd gave symbolic names (the MIB is loaded)" \
    grep -qxF "SNMPv2-MIB::snmpTrapOID.0 MAILHEALTH-MIB::mhQueueAlarm" "$T/handler.in"
check "snmptrapd gave the text unquoted (DISPLAY-HINT 255t)" \
    grep -qxF 'MAILHEALTH-MIB::mhNotifyText.0 queue "total" – jürgen' "$T/handler.in"
is "raise text" "$(gwq 'ok[0]["query"]["text"]')" \
    'CRITICAL mx1 queue-high: 5234/5000 queue "total" – jürgen'

# 5-7: an instance that starts with a quote (a junk sender address) is
# text, not a broken quoted string; raised then cleared
send_trap 1 5 sender-flood queue.sender '"a b"@x.example' 2 900 500 flood mx1
check "quoted-looking instance: raise delivered" \
    wait_for 10 gw_count_is 'len(ok)' 2
is "quoted-looking instance: raise text" "$(gwq 'ok[1]["query"]["text"]')" \
    'MAJOR mx1 sender-flood "a b"@x.example: 900/500 flood'
send_trap 2 5 sender-flood queue.sender '"a b"@x.example' 2 3 50 calm mx1
wait_for 10 gw_count_is 'len(ok)' 3
is "clear text" "$(gwq 'ok[2]["query"]["text"]')" \
    'OK mx1 sender-flood "a b"@x.example cleared: 3/50 calm'

# 8: the clear arrived as the symbolic clear notification
check "snmptrapd gave mhQueueAlarmClear" \
    grep -qxF "SNMPv2-MIB::snmpTrapOID.0 MAILHEALTH-MIB::mhQueueAlarmClear" "$T/handler.in"

# 9: nothing was dropped or malformed on the way
is "audit: 3 queued, 3 sent, nothing dropped" \
    "$(audit_count queued) $(audit_count sent) $(audit_count dropped)" "3 3 0"

finish
