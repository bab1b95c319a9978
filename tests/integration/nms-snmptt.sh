#!/bin/bash
# nms-snmptt.sh: contrib/snmptt/snmptt.conf.mailhealth through the real
# chain: mailhealthd raises alarms of every severity on a qmail queue,
# snmpd sends them, a private snmptrapd (-On, as docs/nms.md says) runs
# Debian's snmptt in standalone mode, and snmptt's log must show each
# notification with its readable FORMAT line and the severity that
# mhNotifySeverity carries (MATCH): Critical, Major, Minor, Warning,
# Informational; the clears (a reload that drops the alarms) and
# mhHeartbeat as Normal; no notification unknown to snmptt.
#
# The flooder is "jürgen@exämple.de" and one alarm's operator text holds
# "<" and ">"; snmptrapd has MAILHEALTH-MIB loaded (with the IETF base
# MIBs, tests/integration/basemibs.sh), as on a box with
# snmp-mibs-downloader, so it hands snmptt the UTF-8 text. snmptt's own
# sanitiser drops the non-ASCII bytes and the angle brackets (docs/nms.md
# says so); the test asserts that, so a change of snmptt is noticed.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd snmpd snmptrapd /usr/sbin/snmptt /usr/bin/python3
mktestdir
base_mibs
plan 16

CONF=$top_srcdir/contrib/snmptt/snmptt.conf.mailhealth
"$top_srcdir/tests/qmail-queue-gen.py" --create-users --queue "$T/q" --seed 9 \
	--flooder 'jürgen@exämple.de:20' --bounces 15 --junk 5 --todo 0 \
	--bounce-files 0 >/dev/null || bail "qmail-queue-gen failed"

# snmptt in standalone mode: Debian's snmptt.ini with our files
sed -e "s|^log_file = .*|log_file = $T/snmptt.log|" \
	-e "s|^log_system_file = .*|log_system_file = $T/snmpttsystem.log|" \
	-e "s|^unknown_trap_log_enable = .*|unknown_trap_log_enable = 1|" \
	-e "s|^unknown_trap_log_file = .*|unknown_trap_log_file = $T/unknown.log|" \
	-e "s|^syslog_enable = .*|syslog_enable = 0|" \
	-e "s|^syslog_system_enable = .*|syslog_system_enable = 0|" \
	-e "s|^mode = .*|mode = standalone|" \
	-e "/^snmptt_conf_files = <<END/,/^END/c\\
snmptt_conf_files = <<END\\
$CONF\\
END" /etc/snmp/snmptt.ini >"$T/snmptt.ini"
grep -q "^$CONF\$" "$T/snmptt.ini" || bail "could not write snmptt.ini"

TRAPHANDLE="/usr/sbin/snmptt --ini=$T/snmptt.ini"
TRAPD_AUTH="authCommunity log,execute public"
start_snmptrapd -On -Oe -OU -M "$MIBDIRS_ALL" -m +MAILHEALTH-MIB
start_snmpd "$TRAP_PORT"

alarm() {	# alarm NAME METRIC RISING FALLING SEVERITY [TEXT]
	echo "alarm $1 { metric = \"$2\" rising = $3 falling = $4 severity = $5${6:+ text = \"$6\"} }"
}
cat >"$T/mh.conf" <<EOF
interval = 1
heartbeat = 2
mta qmail { queue_directory = "$T/q" }
$(alarm sender-flood queue.sender 18 10 critical)
$(alarm queue-high queue.total 30 20 major)
$(alarm bounces-high queue.bounces 10 5 minor)
$(alarm queue-size queue.bytes 1 0 warning '<look at the queue>')
$(alarm queue-info queue.recipients 1 0 info)
EOF
cp "$T/mh.conf" "$T/mh-alarms.conf"
start_agent "$T/mh.conf"

lines() { grep -c "$1" "$T/snmptt.log" 2>/dev/null; }
raised() { [ "$(lines ' raised (')" -ge 5 ]; }
wait_until 30 raised
ok $? "snmptt logged the five raises ($(lines ' raised (') lines)"
have() {	# have DESC PATTERN: one line of snmptt.log matches
	grep -q -- "$2" "$T/snmptt.log"
	ok $? "$1"
	grep -q -- "$2" "$T/snmptt.log" || diag "$(tail -5 "$T/snmptt.log")"
}
H=$(hostname)
have "critical: the flooder (snmptt drops its non-ASCII letters), severity Critical" \
	"Critical \"mailhealth\" .*$H queue alarm sender-flood raised (critical): queue.sender jrgen@exmple.de is 20, threshold 18\."
have "major: queue.total, severity Major" \
	"Major \"mailhealth\" .*queue alarm queue-high raised (major): queue.total (null) is 40, threshold 30\."
have "minor: the null sender's bounces, severity Minor" \
	"Minor \"mailhealth\" .*queue alarm bounces-high raised (minor): queue.bounces (null) is 15, threshold 10\."
have "warning: the operator's text (snmptt drops < and >)" \
	"Warning \"mailhealth\" .*queue alarm queue-size raised (warning): .*threshold 1\. look at the queue \[alarm"
have "info: severity Informational" \
	"Informational \"mailhealth\" .*queue alarm queue-info raised (info)"
have "each raise names the mhAlarmTable row it made" "raised (critical):.* \[alarm [0-9][0-9]*\]\$"
[ "$(lines ' Normal ')" -eq "$(lines ' heartbeat')" ]
ok $? "nothing but heartbeats is Normal before the clears"

# heartbeats: Normal
beat() { [ "$(lines 'mailhealthd heartbeat, the next within 2 s')" -ge 1 ]; }
wait_until 10 beat
ok $? "mhHeartbeat: '$H mailhealthd heartbeat, the next within 2 s'"
have "mhHeartbeat is Normal" "Normal \"mailhealth\" .*mailhealthd heartbeat"

# a reload without the alarms clears them: Normal, the same rows
grep -v '^alarm ' "$T/mh-alarms.conf" >"$T/mh.conf"
kill -HUP "$AGENT_PID"
cleared() { [ "$(lines ' cleared: ')" -ge 5 ]; }
wait_until 20 cleared
ok $? "snmptt logged the five clears ($(lines ' cleared: ') lines)"
have "a clear is Normal and says which alarm" \
	"Normal \"mailhealth\" .*queue alarm sender-flood cleared: queue.sender jrgen@exmple.de"
r=$(sed -n 's/.*raised (critical):.* \[alarm \([0-9]*\)\]$/\1/p' "$T/snmptt.log" | head -1)
c=$(sed -n 's/.*sender-flood cleared:.* \[alarm \([0-9]*\)\]$/\1/p' "$T/snmptt.log" | head -1)
is "$c" "$r" "the clear carries the raise's alarm index"
! grep -q '8072\.9999\.9999\.25' "$T/unknown.log" 2>/dev/null
ok $? "none of our notifications was unknown to snmptt"
[ "$(grep -c 'mailhealth' "$T/snmptt.log")" -eq "$(grep -c . "$T/snmptt.log")" ]
ok $? "every line of snmptt.log is one of ours, in category mailhealth"
is "$(grep -c '^EVENT ' "$CONF")" 55 "the file has 9 families x (5 raises + 1 clear) + heartbeat"
finish
