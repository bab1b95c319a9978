#!/bin/bash
# alarm-sms.sh: one alarm end to end, with every real part. A private
# Postfix queue grows over a threshold; mailhealthd raises mhQueueAlarm
# through a private snmpd; a private snmptrapd runs mailhealth-sms, which
# delivers the SMS to a loopback HTTP gateway. The queue drains: the clear
# follows. Then the clear is made while snmpd is down: it must arrive after
# snmpd is back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"

need_root
need_cmd snmpd snmpget postfix postsuper sendmail
need_sms
mktestdir
CLEANUP_HOOK=pf_stop
plan 15

# --- the SMS side: gateway, handler config, snmptrapd ----------------
start_pager

# gw_text N: the Nth SMS text the gateway accepted (1-based)
gw_text() { gwq "ok[$1 - 1]['query']['text']"; }

# --- the agent side: Postfix, snmpd, mailhealthd ------------------------
pf_start "$T/pf" || bail "cannot start a private Postfix"
start_snmpd "$TRAP_PORT"
queue_alarm_conf postfix "$PF_QUEUE" 'text     = "queue big"'
start_agent "$T/mailhealthd.conf"
is "$(sget $MH.1.10.1.0)" 0 "no active alarm with an empty queue"

inject() {
	for i in $(seq 1 "$1"); do
		pf_sendmail -f "flood@spam.example" "victim$i@remote.example"
	done
}

inject 6
pf_wait_deferred 6 || bail "Postfix did not defer the messages"
wait_until 20 gw_count_is 'len(ok)' 1
ok $? "the raise reached the SMS gateway"
raise=$(gw_text 1)
diag "raise SMS: $raise"
case $raise in *queue*) r=0 ;; *) r=1 ;; esac
ok $r "the raise SMS names the queue alarm"
case $raise in *CRIT* | *crit*) r=0 ;; *) r=1 ;; esac
ok $r "the raise SMS says critical"
is "$(sget $MH.1.10.1.0)" 1 "mhAlarmActive.0 is 1 while raised"
IDX=$(swalk $MH.1.10.10.1.2 | sed -n 's/.*\.\([0-9]*\) "queue-high"$/\1/p')
[ -n "$IDX" ]
ok $? "mhAlarmTable has the queue-high row (index $IDX)"
is "$(sget $MH.1.10.10.1.6.$IDX)" 6 "mhAlarmValue is the queue size"
is "$(sget $MH.1.10.10.1.10.$IDX)" "$MH.0.1" "mhAlarmNotification is mhQueueAlarm"

postsuper -c "$PF_CONF" -d ALL >/dev/null 2>&1
wait_until 20 gw_count_is 'len(ok)' 2
ok $? "the clear reached the SMS gateway after the queue drained"
clear=$(gw_text 2)
diag "clear SMS: $clear"
case $clear in *[Cc]lear* | *CLEAR* | *OK*) r=0 ;; *) r=1 ;; esac
ok $r "the clear SMS reads as a clear"
is "$(sget $MH.1.10.1.0)" 0 "mhAlarmActive.0 is 0 after the clear"

# raise again, then clear while snmpd is down: the clear is held and
# sent when snmpd is back (net-snmp would drop it)
inject 6
pf_wait_deferred 6 || bail "Postfix did not defer the messages"
wait_until 20 gw_count_is 'len(ok)' 3
ok $? "raised again after the clear: a third SMS"
stop_snmpd
postsuper -c "$PF_CONF" -d ALL >/dev/null 2>&1
wait_until 15 grep -q "holding the clear" "$T/mailhealthd.log"
ok $? "with snmpd down the agent holds the clear"
start_snmpd "$TRAP_PORT"
wait_until 20 gw_count_is 'len(ok)' 4
ok $? "the held clear arrives once snmpd is back"
more_than_four() { ! gw_count_is 'len(ok)' 4; }
wait_until 3 more_than_four
ok $((!$?)) "and nothing more is sent within 3 s (no duplicate)"
finish
