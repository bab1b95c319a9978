#!/bin/bash
# snmp-qmail.sh: a qmail queue written as qmail writes it, read by
# mailhealthd under a real snmpd: the SNMP values must be the queue's true
# content (the generator's truth file), row by row, and the top sender and
# domain tables must name the flooder with its exact count.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd snmpd snmpget snmpbulkwalk /usr/bin/python3
mktestdir
plan 17

"$top_srcdir/tests/qmail-queue-gen.py" --create-users --queue "$T/q" --seed 7 \
	--flooder 'flood@victim.example:300' --junk 500 --bounces 20 \
	--many-rcpt 5 --truth "$T/truth.json" >/dev/null ||
	bail "qmail-queue-gen failed"
truth() { /usr/bin/python3 -c "import json,sys; t=json.load(open(sys.argv[1])); print($1)" "$T/truth.json"; }

cat >"$T/mailhealthd.conf" <<EOF
interval = 1
mta qmail {
	queue_directory = "$T/q"
	split = 23
}
EOF
start_snmpd
start_agent "$T/mailhealthd.conf"
# the first snapshot may hold only the connection collector's part
queue_read() { case $(sget $MH.1.2.1.0) in '' | *[!0-9]*) return 1 ;; esac; }
wait_until 15 queue_read || bail "mhQueueMessages never answered"

Q=$MH.1.2
is "$(sget $MH.1.1.2.0)" 3 "mhAgentMta.0 is qmail(3)"
is "$(sget $Q.1.0)" "$(truth 't["messages"]')" "mhQueueMessages.0 = messages in the queue"
is "$(sget $Q.2.0)" "$(truth '(t["bytes"] + 1023) // 1024')" "mhQueueKBytes.0"
is "$(sget $Q.7.0)" "$(truth 't["recipients"]')" "mhQueueRecipients.0"
is "$(sget $Q.5.0)" "$(truth 't["bounces"]')" "mhQueueBounces.0"
for i in 1 2 3 4; do
	name=$(truth "t['queues'][$((i - 1))]['name']")
	is "$(sget $Q.10.1.2.$i)" "\"$name\"" "mhQueueName.$i is $name"
	is "$(sget $Q.10.1.3.$i)" "$(truth "t['queues'][$((i - 1))]['messages']")" \
		"mhQueueEntMessages.$i ($name)"
done
is "$(sget $Q.11.1.2.1)" '"flood@victim.example"' "mhQueueSenderAddress.1 is the flooder"
is "$(sget $Q.11.1.3.1)" "$(truth 't["senders"]["flood@victim.example"]')" \
	"mhQueueSenderMessages.1 is its exact count"
topd=$(truth 'sorted(t["domains"].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]')
is "$(sget $Q.12.1.2.1)" "\"$topd\"" "mhQueueDomainName.1 is the top domain"
is "$(sget $Q.12.1.3.1)" "$(truth 't["domains"]["'"$topd"'"]')" \
	"mhQueueDomainRecipients.1 is its exact count"
finish
