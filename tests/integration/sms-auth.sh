#!/bin/bash
# sms-auth.sh: only the agent can page (issue 11 item 4), with the sample
# configurations' setup: mailhealthd's notifications leave snmpd as
# SNMPv3 authPriv INFORMs (trapsess -Ci -v3), and snmptrapd executes the
# handler only for that user (authUser execute), so a forged SNMPv2c trap
# is not paged; an INFORM is retried by snmpd, so a clear sent while
# snmptrapd restarts still arrives. mailhealth-sms's own `agents` list
# rejects (and audits) notifications from elsewhere. The SNMPv3 lines
# are taken from conf/snmpd.conf.sample and conf/snmptrapd.conf.sample,
# with the test's passphrases and ports: the samples are what is tested.
. "$(dirname "$0")/lib.sh"

need_root
need_sms
need_cmd snmpd snmpinform
mktestdir

plan 12

AUTH=mh-auth-pass-1 PRIV=mh-priv-pass-1
V3="-v 3 -u mhagent -l authPriv -a SHA -A $AUTH -x AES -X $PRIV"
# sample LINE-PATTERN FILE: the sample's lines, test passphrases in
sample() {
	grep -E "$1" "$top_srcdir/conf/$2" |
	    sed -e "s/\"CHANGE-ME-trap-auth\"/$AUTH/" \
		-e "s/\"CHANGE-ME-trap-priv\"/$PRIV/" \
		-e "s/127.0.0.1:162\$/127.0.0.1:$TRAP_PORT/"
}

start_gateway ok
write_conf 'rate_limit = 0' 'agents = { "127.0.0.1", "mx-trusted" }'
TRAP_PORT=$(free_port udp)
TRAPD_AUTH=$(sample '^authUser' snmptrapd.conf.sample)
TRAPD_EXTRA=$(sample '^(engineID|createUser) ' snmptrapd.conf.sample)
[ "$(echo "$TRAPD_AUTH"; echo "$TRAPD_EXTRA")" = "authUser log,execute mhagent priv
engineID mailhealth-pager
createUser mhagent SHA $AUTH AES $PRIV" ] ||
	bail "conf/snmptrapd.conf.sample changed: $TRAPD_AUTH $TRAPD_EXTRA"
start_snmptrapd

# the agent: a qmail queue of 6 messages over an alarm at 5
"$top_srcdir/tests/qmail-queue-gen.py" --create-users --queue "$T/q" --seed 5 \
	--flooder "flood@spam.example:6" --junk 0 --todo 0 >/dev/null ||
	bail "qmail-queue-gen failed"
"$top_srcdir/tests/qmail-queue-gen.py" --create-users --queue "$T/q.empty" \
	--seed 5 --junk 0 --todo 0 >/dev/null || bail "qmail-queue-gen failed"
SNMPD_EXTRA=$(sample '^trapsess ' snmpd.conf.sample)
[ "$SNMPD_EXTRA" = "trapsess -Ci $V3 -r 10 -t 5 127.0.0.1:$TRAP_PORT" ] ||
	bail "conf/snmpd.conf.sample changed: $SNMPD_EXTRA"
start_snmpd
cat > "$T/mailhealthd.conf" <<EOF
interval = 1
agentx_ping = 1
mta qmail { queue_directory = "$T/q" }
alarm queue-high {
	metric   = "queue.total"
	rising   = 5
	falling  = 2
	severity = critical
}
EOF
start_agent "$T/mailhealthd.conf"

# 1-2: the raise arrives as an authPriv INFORM and is paged
wait_until 20 gw_count_is 'len(ok)' 1
ok $? "the raise, sent as an SNMPv3 authPriv INFORM, is paged"
case $(gwq 'ok[0]["query"]["text"]') in
"CRITICAL "*" queue 6 msgs (>= 5)"*) r=0 ;;
*) r=1 ;;
esac
ok $r "raise text: $(gwq 'ok[0]["query"]["text"]')"

# 3-4: a forged SNMPv2c clear (the README used to say authCommunity
# execute public) is not paged; an authenticated INFORM sent after it
# is, so snmptrapd has handled both by then
send_trap 2 1 queue-high queue.total '' 1 0 2 "forged" mx1
snmpinform $V3 -m '' "127.0.0.1:$TRAP_PORT" '' "$MH.0.15" \
    "$MHN.1.0" u 77 "$MHN.2.0" s disk "$MHN.3.0" s disk.used \
    "$MHN.4.0" s /var "$MHN.5.0" i 2 "$MHN.6.0" i 95 "$MHN.7.0" i 90 \
    "$MHN.8.0" s "" "$MHN.9.0" s mx-trusted > /dev/null
ok $? "snmpinform with the agent's credentials is acknowledged"
wait_until 10 gw_count_is 'len(ok)' 2
is "$(gwq '"|".join(r["query"]["text"] for r in ok[1:])')" \
    "MAJOR mx-trusted disk /var 95% used (>= 90)" \
    "the authenticated one is paged, the forged v2c trap is not"

# 5-7: snmptrapd restarts while the queue drains: the agent's clear is
# an INFORM that snmpd retries until the new snmptrapd acknowledges it
stop_snmptrapd
mv "$T/q" "$T/q.full"
mv "$T/q.empty" "$T/q"
wait_until 20 grep -q "sent clear notification for alarm queue-high" "$T/mailhealthd.log"
ok $? "the agent sent the clear while snmptrapd was down"
is "$(gwq 'len(ok)')" 2 "nothing arrived meanwhile"
start_snmptrapd
wait_until 30 gw_count_is 'len(ok)' 3
ok $? "the clear arrived once snmptrapd was back (snmpd retried the INFORM)"
case $(gwq 'ok[2]["query"]["text"]') in
"OK "*" queue 0 msgs") r=0 ;;
*) r=1 ;;
esac
ok $r "clear text: $(gwq 'ok[2]["query"]["text"]')"

# 9-12: mailhealth-sms's own list of agents: by address or mhNotifyHost
TRAP_FROM=127.0.0.9 trap_text 1 5 queue-high queue.total '' 1 9999 5000 \
    "from a stranger" mx-evil | "$MAILHEALTH_SMS" -c "$T/sms.conf" 2> "$T/rejected.err"
is "$?" 0 "a notification from an unlisted agent: exit 0"
is "$(audit_count rejected)" 1 "it is audited as rejected"
grep -q "notification rejected from 127.0.0.9 (host mx-evil): not one of the configured agents" \
    "$T/rejected.err"
ok $? "and logged with its address and host"
TRAP_FROM=127.0.0.9 trap_text 1 6 queue-high queue.total '' 1 9999 5000 \
    "listed by name" mx-trusted | "$MAILHEALTH_SMS" -c "$T/sms.conf"
wait_until 10 gw_count_is 'len([r for r in ok if r["query"]["text"].endswith("listed by name")])' 1
ok $? "an agent listed by its mhNotifyHost is paged"

finish
