#!/bin/bash
# services.sh: the services collector over SNMP against real servers on
# loopback (tests/integration/probe-setup.sh): a private Postfix, a
# private Dovecot whose certificate ends in 3 days, an HTTP server, a
# port nobody listens on.
#   - `mailhealthd --once --format text` shows each service on a line,
#     the failing one unknown at start-up (flap control) with its error;
#   - mhServiceTable: rows in the configuration's order with name, kind,
#     target, status, response time, last change, last error, result,
#     certificate days, counters; noSuchInstance where nothing is known;
#   - a certificate alarm (service.cert_days, a low alarm) pages;
#   - Postfix stopped: the smtp service goes down and its own alarm
#     (no alarm section) pages through snmpd, snmptrapd, mailhealth-sms
#     and the loopback gateway, naming the service and the error; Postfix
#     started: the clear is paged;
#   - a reload that adds a service keeps every other service's status,
#     last change and counters, and pages nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
. "$(dirname "$0")/probe-setup.sh"

need_root
need_cmd postfix dovecot openssl snmpd snmptrapd snmpget /usr/bin/python3
mktestdir
CLEANUP_HOOK=pf_stop
plan 46

ps_certs
SMTP_PORT=$(free_port tcp)
ps_postfix "$SMTP_PORT"
ps_dovecot
ps_server HTTP http
REFUSED=$(free_port tcp)

L=127.0.0.1
cat >"$T/mailhealthd.conf" <<EOC
interval = 1
agentx_ping = 1
mta postfix { queue_directory = "$PF_QUEUE" }
system { disks = { "$T" } }
service smtp {
	check   = smtp
	target  = "$L:$SMTP_PORT"
	timeout = 3
}
service imaps {
	check    = imaps
	target   = "$L:$IMAPS_PORT"
	timeout  = 3
	severity = major
}
service pop3 {
	check    = pop3
	target   = "$L:$POP3_PORT"
	starttls = true
	timeout  = 3
}
service web {
	check   = http
	target  = "$L:$HTTP/"
	timeout = 3
}
service nothing {
	check   = smtp
	target  = "$L:$REFUSED"
	timeout = 3
	alarm   = false
}
alarm cert-expiry {
	metric   = "service.cert_days"
	instance = "imaps"
	rising   = 7
	falling  = 14
	severity = warning
}
EOC

# ---- the console: one round, one line per service --------------------
"$MAILHEALTHD" --once --format text -c "$T/mailhealthd.conf" >"$T/once.txt" 2>"$T/once.err"
diag "--once --format text:"
sed -n '/^services$/,/^active/s/^/#   /p' "$T/once.txt"
line() { grep -E "^ +[a-z]+ .*  $1 +" "$T/once.txt"; }
[[ $(line smtp) =~ ^\ +up\ .*\ smtp\ +$L:$SMTP_PORT\ +220\ mh-test.invalid\ ESMTP\ Postfix$ ]]
ok $? "--once: smtp up, its target and the greeting"
[[ $(line imaps) =~ ^\ +up\ +[0-9]+s\ +[0-9]+\ +2\ +0\ +imaps\  ]]
ok $? "--once: imaps up, 2 days left on its certificate"
[[ $(line nothing) =~ ^\ +unknown\ +-\ +-\ +-\ +1\ +nothing\ +$L:$REFUSED\ +connect\ refused$ ]]
ok $? "--once: a refused port is unknown after one failure (fall 2), with its error"
grep -q "^  service checks$" "$T/once.txt"
ok $? "--once: under the heading 'service checks'"
"$MAILHEALTHD" --once -c "$T/mailhealthd.conf" 2>/dev/null |
	/usr/bin/python3 -c '
import json, sys
c = json.load(sys.stdin)["services"]["checks"]
print(len(c), c[0]["kind"], c[0]["status"], c[1]["cert_days"],
      c[4]["status"], c[4]["failures"], c[4]["result"], c[4]["response_ms"])' >"$T/once.json.txt"
is "$(cat "$T/once.json.txt")" "5 smtp up 2 unknown 1 connect refused None" \
	"--once JSON: services.checks, with null where nothing is known"

# ---- over SNMP ---------------------------------------------------------
start_pager
start_snmpd "$TRAP_PORT"
start_agent "$T/mailhealthd.conf"
S=$MH.1.6.10.1
status_is() { [ "$(sget "$S.5.$1")" = "$2" ]; }
wait_until 20 status_is 5 2 || bail "the refused service never went down: $(tail -5 "$T/mailhealthd.log")"

swalk $MH.1.6 >"$T/walk" 2>&1
[ "$(grep -c "^$S\.2\." "$T/walk")" = 5 ] && ! grep -q "not increasing" "$T/walk"
ok $? "a walk of mhServices: 5 rows, in order ($(wc -l <"$T/walk") objects)"
is "$(sget $S.2.1 $S.2.2 $S.2.3 $S.2.4 $S.2.5 | tr '\n' ' ')" \
	'"smtp" "imaps" "pop3" "web" "nothing" ' "mhServiceName: the sections in order"
is "$(sget $S.3.1 $S.3.2 $S.3.3 $S.3.4 $S.3.5 | tr '\n' ' ')" \
	"7 13 10 14 7 " "mhServiceKind: smtp(7) imaps(13) pop3(10) http(14) smtp(7)"
is "$(sget $S.4.1)" "\"$L:$SMTP_PORT\"" "mhServiceTarget.1"
is "$(sget $S.4.4)" "\"$L:$HTTP/\"" "mhServiceTarget.4 (a URL)"
is "$(sget $S.5.1 $S.5.2 $S.5.3 $S.5.4 $S.5.5 | tr '\n' ' ')" \
	"1 1 1 1 2 " "mhServiceStatus: four up, the refused one down"
ms=$(sget $S.6.1)
[[ $ms =~ ^[0-9]+$ ]] && [ "$ms" -lt 3000 ]
ok $? "mhServiceResponseTime.1 is the check's milliseconds ($ms)"
case $(sget $S.6.5) in *"No Such Instance"*) r=0 ;; *) r=1 ;; esac
ok $r "mhServiceResponseTime of a failed check is noSuchInstance"
is "$(sget $S.8.5)" '"connect refused"' "mhServiceLastError.5"
is "$(sget $S.8.1)" '""' "mhServiceLastError.1 is empty: it never failed"
is "$(sget $S.12.1)" '"220 mh-test.invalid ESMTP Postfix"' "mhServiceLastResult.1: the greeting"
is "$(sget $S.12.4)" '"HTTP 200"' "mhServiceLastResult.4"
is "$(sget $S.12.5)" '"connect refused"' "mhServiceLastResult.5: the error"
is "$(sget $S.9.2) $(sget $S.9.3)" "2 2" \
	"mhServiceCertDays: 2 whole days left on Dovecot's certificate (imaps, pop3 STLS)"
case $(sget $S.9.1) in *"No Such Instance"*) r=0 ;; *) r=1 ;; esac
ok $r "mhServiceCertDays of smtp without STARTTLS is noSuchInstance"
fails=$(sget $S.10.5)
[ "$fails" -ge 2 ]
ok $? "mhServiceFailures.5 counts the failures in a row ($fails)"
is "$(sget $S.10.1)" 0 "mhServiceFailures.1 is 0"
checks=$(sget $S.11.1)
[[ $checks =~ ^[0-9]+$ ]] && [ "$checks" -ge 2 ]
ok $? "mhServiceChecks.1 counts the checks ($checks)"
case $(sget $S.7.1) in *"No Such"* | "") r=1 ;; *) r=0 ;; esac
ok $r "mhServiceLastChange.1 is set ($(sget $S.7.1))"
case $(sget $S.13.1) in *"No Such Instance"*) r=0 ;; *) r=1 ;; esac
ok $r "the firewall columns of a smtp check are noSuchInstance"

# ---- the certificate alarm -------------------------------------------
has_text() { gw_texts | grep -q -- "$1"; }
wait_until 20 has_text imaps
ok $? "the certificate alarm paged"
cert=$(gw_texts | grep imaps)
diag "cert SMS: $cert"
case $cert in *WARN*imaps*"2 days"*) r=0 ;; *) r=1 ;; esac
ok $r "the SMS is a warning naming imaps and its 2 days"
is "$(swalk $MH.1.10.10.1.2 | sed 's/.* //' | tr '\n' ' ')" '"cert-expiry" ' \
	"mhAlarmTable: only the certificate alarm (nothing has alarm = false)"

# ---- smtp goes down: its own alarm pages ------------------------------
postfix -c "$PF_CONF" stop >/dev/null 2>&1
wait_until 20 sh -c "! (exec 3<>/dev/tcp/127.0.0.1/$SMTP_PORT) 2>/dev/null" ||
	bail "postfix did not stop"
smtp_down() { gw_texts | grep smtp | grep -q "connect refused"; }
wait_until 30 smtp_down
ok $? "smtp down: the SMS reached the gateway"
down=$(gw_texts | grep smtp | grep "connect refused")
diag "down SMS: $down"
case $down in CRITICAL*smtp*"connect refused"*) r=0 ;; *) r=1 ;; esac
ok $r "the SMS says CRITICAL, the service and why"
is "$(sget $S.5.1) $(sget $S.8.1)" '2 "connect refused"' "mhServiceStatus.1 down, the error"
IDX=$(swalk $MH.1.10.10.1.2 | sed -n 's/.*\.\([0-9]*\) "service-smtp"$/\1/p')
[ -n "$IDX" ]
ok $? "mhAlarmTable has the implied service-smtp alarm (index $IDX)"
is "$(sget $MH.1.10.10.1.10.$IDX)" "$MH.0.9" "its notification is mhServiceAlarm"
is "$(sget $MH.1.10.10.1.4.$IDX)" '"smtp"' "its instance is the service"
grep -q "\[service\] warning: smtp is down: connect refused" "$T/mailhealthd.log"
ok $? "the agent logged the change (token service)"

# ---- and comes back: the clear pages ----------------------------------
n=$(gw_count)
postfix -c "$PF_CONF" start >/dev/null 2>&1
wait_until 20 tcp_open "$SMTP_PORT" || bail "postfix did not start again"
wait_until 20 gw_count_is $((n + 1))
ok $? "smtp up: one more SMS"
clear=$(gw_texts | tail -1)
diag "clear SMS: $clear"
case $clear in *smtp*) r=0 ;; *) r=1 ;; esac
ok $r "the clear names smtp"
is "$(sget $S.5.1) $(sget $S.8.1)" '1 "connect refused"' \
	"mhServiceStatus.1 up; mhServiceLastError keeps the last error"
is "$(sget $MH.1.10.1.0)" 1 "mhAlarmActive: only the certificate alarm is left"

# ---- a reload that adds a service keeps the others --------------------
before_change=$(sget $S.7.1 $S.7.2 $S.7.3 $S.7.4 $S.7.5)
before_checks=$(sget $S.11.5)
n=$(gw_count)
cat >>"$T/mailhealthd.conf" <<EOC
service extra {
	check  = tcp
	target = "$L:$IMAP_PORT"
}
EOC
kill -HUP "$AGENT_PID"
named_extra() { [ "$(sget $S.2.6)" = '"extra"' ]; }
wait_until 20 named_extra
ok $? "after the reload, the new service is row 6"
grep -q "services: configuration changed, restarting it" "$T/mailhealthd.log"
ok $? "the services collector was restarted"
is "$(sget $S.5.1 $S.5.2 $S.5.3 $S.5.4 $S.5.5 $S.5.6 | tr '\n' ' ')" "1 1 1 1 2 1 " \
	"statuses kept: the refused one is down at once, not unknown"
is "$(sget $S.7.1 $S.7.2 $S.7.3 $S.7.4 $S.7.5)" "$before_change" \
	"mhServiceLastChange of rows 1-5 unchanged"
after_checks=$(sget $S.11.5)
[ "$after_checks" -gt "$before_checks" ]
ok $? "mhServiceChecks.5 goes on ($before_checks, then $after_checks)"
is "$(sget $S.8.1)" '"connect refused"' "mhServiceLastError.1 kept"
more_sms() { ! gw_count_is "$n"; }
wait_until 3 more_sms
ok $((!$?)) "the reload paged nothing (no raise, no clear) within 3 s"
finish
