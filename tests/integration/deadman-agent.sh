#!/bin/bash
# deadman-agent.sh: the dead-man's switch end to end. mailhealthd sends
# mhHeartbeat every `heartbeat` seconds through a private snmpd; a
# private snmptrapd hands them to mailhealth-sms, and its --daemon pages
# when the agent falls silent: the agent is killed, the "silent" SMS
# comes; it is started again, the "back" SMS follows.
. "$(dirname "$0")/lib.sh"

need_root
need_sms
need_cmd snmpd snmptrapd snmpget
mktestdir
plan 5

SPOOL=$T/spool
mkdir -p "$SPOOL" "$T/q"
start_gateway ok
write_conf 'rate_limit = 0' 'deadman { missed = 2 }'
start_snmptrapd
"$MAILHEALTH_SMS" -c "$T/sms.conf" -D --daemon 2>"$T/daemon.log" &
track_pid $!
wait_until 10 grep -q "running (daemon)" "$T/daemon.log" ||
	bail "mailhealth-sms --daemon did not start: $(tail -5 "$T/daemon.log")"
start_snmpd "$TRAP_PORT"
cat >"$T/mailhealthd.conf" <<EOC
interval = 1
agentx_ping = 1
heartbeat = 1
mta postfix { queue_directory = "$T/q" }
EOC
start_agent "$T/mailhealthd.conf"
host=$(hostname)
recorded() { grep -q "^H	$host	127.0.0.1	" "$SPOOL/heartbeats" 2>/dev/null; }
wait_until 10 recorded
ok $? "the agent's heartbeats reach the pager's record"
is "$(gw_ok_count)" 0 "a heartbeat pages nothing"

kill "$AGENT_PID"
wait_until 20 gw_count_is 'len(ok)' 1
ok $? "the agent was killed: one SMS says it fell silent"
diag "silent SMS: $(gwq 'ok[0]["query"]["text"]')"
start_agent "$T/mailhealthd.conf"
wait_until 20 gw_count_is 'len(ok)' 2
ok $? "started again: one SMS says it is back"
diag "back SMS: $(gwq 'ok[1]["query"]["text"]')"
gwq 'ok[0]["query"]["text"]' | grep -q "$host"
ok $? "the SMS names the host"
finish
