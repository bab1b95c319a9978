#!/bin/bash
# sms-symbolic.sh: a real snmptrapd that knows MAILHEALTH-MIB (no -On,
# the MIB loaded) hands the handler symbolic names and DISPLAY-HINT
# strings printed as they are, unquoted: "MAILHEALTH-MIB::mhQueueAlarm",
# "MAILHEALTH-MIB::mhNotifyText.0 queue "total" – jürgen". The SMS must
# read exactly as with numeric output.
. "$(dirname "$0")/lib.sh"

need_sms
mktestdir

plan 9

base_mibs

start_gateway ok
write_conf 'rate_limit = 100'
# the handler keeps a copy of what snmptrapd gave it
cat > "$T/handler.sh" <<EOF
#!/bin/sh
tee -a "$T/handler.in" | "$MAILHEALTH_SMS" -c "$T/sms.conf"
EOF
chmod +x "$T/handler.sh"
TRAPHANDLE=$T/handler.sh
start_snmptrapd -M "$BASEMIBS:/usr/share/snmp/mibs:$top_srcdir/mibs" \
    -m +MAILHEALTH-MIB
TRAPHANDLE=

# 1-4: a raise of a single-valued metric (empty instance), a DISPLAY-HINT
# text with quotes and non-GSM characters
send_trap 1 1 queue-high queue.total '' 1 5234 5000 'queue "total" – jürgen' mx1
wait_until 10 gw_count_is 'len(ok)' 1
ok $? "raise delivered"
grep -qxF "SNMPv2-MIB::snmpTrapOID.0 MAILHEALTH-MIB::mhQueueAlarm" \
    "$T/handler.in"
ok $? "snmptrapd gave symbolic names (the MIB is loaded)"
grep -qxF 'MAILHEALTH-MIB::mhNotifyText.0 queue "total" – jürgen' \
    "$T/handler.in"
ok $? "snmptrapd gave the text unquoted (DISPLAY-HINT 255t)"
is "$(gwq 'ok[0]["query"]["text"]')" \
    'CRITICAL mx1 queue 5,234 msgs (>= 5000), queue "total" – jürgen' "raise text"

# 5-7: an instance that starts with a quote (a junk sender address) is
# text, not a broken quoted string; raised then cleared
send_trap 1 5 sender-flood queue.sender '"a b"@x.example' 2 900 500 flood mx1
wait_until 10 gw_count_is 'len(ok)' 2
ok $? "quoted-looking instance: raise delivered"
is "$(gwq 'ok[1]["query"]["text"]')" \
    'MAJOR mx1 queue sender "a b"@x.example 900 msgs (>= 500), flood' \
    "quoted-looking instance: raise text"
send_trap 2 5 sender-flood queue.sender '"a b"@x.example' 2 3 50 calm mx1
wait_until 10 gw_count_is 'len(ok)' 3
is "$(gwq 'ok[2]["query"]["text"]')" \
    'OK mx1 queue sender "a b"@x.example 3 msgs' "clear text"

# 8: the clear arrived as the symbolic clear notification
grep -qxF "SNMPv2-MIB::snmpTrapOID.0 MAILHEALTH-MIB::mhQueueAlarmClear" \
    "$T/handler.in"
ok $? "snmptrapd gave mhQueueAlarmClear"

# 9: nothing was dropped or malformed on the way
is "$(audit_count queued) $(audit_count sent) $(audit_count dropped)" "3 3 0" \
    "audit: 3 queued, 3 sent, nothing dropped"

finish
