#!/bin/bash
# snmp-postfix.sh: a real Postfix queue, read by mailhealthd under a real
# snmpd, polled with snmpget/snmpbulkwalk; the numbers must be those of
# `postqueue -j`. Then the agent's life: snmpd restarts (it re-registers
# by itself), SIGHUP with a broken file (it keeps running), SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"

need_root
need_cmd snmpd snmpget snmpbulkwalk snmpwalk postfix postqueue sendmail
mktestdir
base_mibs
CLEANUP_HOOK=pf_stop
plan 25

pf_start "$T/pf" || bail "cannot start a private Postfix"
for i in $(seq 1 12); do
	pf_sendmail -f flood@spam.example "u$i@gmail.example" "x$i@yahoo.example"
done
for i in 1 2 3; do
	pf_sendmail -f alice@corp.example bob@partner.example
done
pf_sendmail -f '<>' postmaster@gmail.example
pf_wait_deferred 16 || bail "Postfix did not defer the 16 messages"

# the truth, from Postfix itself
pf_postqueue_j >"$T/postqueue.json"
read -r TOTAL DEFERRED KB RCPTS BOUNCES TOPS TOPS_N TOPD TOPD_N <<<"$(
/usr/bin/python3 - "$T/postqueue.json" <<'PY'
import json, sys, collections
msgs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
senders = collections.Counter((m["sender"] or "").lower() for m in msgs)
domains = collections.Counter(r["address"].rsplit("@", 1)[-1].lower()
                              for m in msgs for r in m["recipients"])
size = sum(m["message_size"] for m in msgs)
s, sn = senders.most_common(1)[0]
d, dn = domains.most_common(1)[0]
print(len(msgs), sum(m["queue_name"] == "deferred" for m in msgs),
      (size + 1023) // 1024, sum(len(m["recipients"]) for m in msgs),
      sum(m["sender"] in ("", "MAILER-DAEMON") for m in msgs), s, sn, d, dn)
PY
)"
is "$TOTAL" 16 "postqueue -j sees the 16 injected messages"

cat >"$T/mailhealthd.conf" <<EOF
interval = 1
agentx_ping = 1
mta postfix { queue_directory = "$PF_QUEUE" }
EOF
start_snmpd
start_agent "$T/mailhealthd.conf"

Q=$MH.1.2
is "$(sget $Q.1.0)" "$TOTAL" "mhQueueMessages.0 = postqueue -j total"
is "$(sget $Q.10.1.2.4)" '"deferred"' "mhQueueName.4 is deferred"
is "$(sget $Q.10.1.3.4)" "$DEFERRED" "mhQueueEntMessages.4 = deferred count"
is "$(sget $Q.10.1.3.3)" 0 "mhQueueEntMessages.3 (active) is 0"
is "$(sget $Q.2.0)" "$KB" "mhQueueKBytes.0 = sum of message_size in KiB"
is "$(sget $Q.7.0)" "$RCPTS" "mhQueueRecipients.0 = pending recipients"
is "$(sget $Q.5.0)" "$BOUNCES" "mhQueueBounces.0 = null-sender messages"
is "$(sget $Q.11.1.2.1)" "\"$TOPS\"" "mhQueueSenderAddress.1 is the flooder"
is "$(sget $Q.11.1.3.1)" "$TOPS_N" "mhQueueSenderMessages.1 = its messages"
is "$(sget $Q.11.1.4.1)" "$(( (TOPS_N * 10000 + TOTAL / 2) / TOTAL ))" \
	"mhQueueSenderShare.1 in hundredths of a percent"
is "$(sget $Q.12.1.2.1)" "\"$TOPD\"" "mhQueueDomainName.1 is the top domain"
is "$(sget $Q.12.1.3.1)" "$TOPD_N" "mhQueueDomainRecipients.1"
wait_until 10 sh -c "snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $Q.4.0 | grep -qx 0"
ok $? "mhQueueGrowth.0 appears after two rounds and is 0 for a still queue"

# a full walk: GETNEXT order is strictly increasing (snmpwalk checks it)
swalk $MH >"$T/walk" 2>&1
grep -q "not increasing" "$T/walk"
ok $((!$?)) "the walk of MAILHEALTH-MIB is in strictly increasing order"
is "$(grep -c '^\.1\.3\.6\.1\.4\.1\.8072\.9999\.9999\.25\.1\.2\.10\.1\.2\.' "$T/walk")" 6 \
	"mhQueueTable has the six Postfix queues"
snmpwalk -v2c -c public -M "$MIBDIRS_ALL" -m +MAILHEALTH-MIB \
	"127.0.0.1:$SNMP_PORT" MAILHEALTH-MIB::mhQueue >"$T/named" 2>&1
grep -q "^MAILHEALTH-MIB::mhQueueMessages.0 = Gauge32: $TOTAL" "$T/named"
ok $? "the walk with MIB names shows mhQueueMessages.0 = $TOTAL"

# snmpd restarts: the subagent must come back by itself (AgentX ping)
stop_snmpd
start_snmpd
t0=$(date +%s)
wait_until 15 agent_ready
ok $? "after an snmpd restart the agent answers again ($(( $(date +%s) - t0 )) s)"
is "$(sget $Q.1.0)" "$TOTAL" "and serves the same queue"
is "$(grep -c 'connected to the AgentX master' "$T/mailhealthd.log")" 2 \
	"it logged its second connection to the master"

# SIGHUP with a broken file: logged, old configuration kept
echo "intervall = 5" >>"$T/mailhealthd.conf"
kill -HUP "$AGENT_PID"
wait_until 10 grep -q "reload failed" "$T/mailhealthd.log"
ok $? "a bad configuration on SIGHUP is refused"
grep -q "mailhealthd.conf:4: no such option 'intervall'" "$T/mailhealthd.log"
ok $? "the refusal names the file and line"
is "$(sget $Q.1.0)" "$TOTAL" "the agent keeps serving"

# --check-config agrees
"$MAILHEALTHD" --check-config -c "$T/mailhealthd.conf" 2>/dev/null
is $? 78 "--check-config exits 78 on that file"

# SIGTERM: a clean exit
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
is $? 0 "SIGTERM: mailhealthd exits 0"
finish
