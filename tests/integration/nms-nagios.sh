#!/bin/bash
# nms-nagios.sh: contrib/nagios/mailhealth.cfg and contrib/icinga2/
# mailhealth.conf against the real programs. A live mailhealthd (qmail
# queue, three service checks: up, down, and one still unknown; a DR
# sync stamp two minutes old; one active alarm) under a private snmpd:
#   - Nagios 4 (nagios4 -v) accepts the file with a host in its groups;
#     every command line of the file, its macros filled as Nagios fills
#     them, run through /bin/sh with check_snmp from monitoring-plugins:
#     the exit status is OK, WARNING or CRITICAL as the thresholds say;
#   - Icinga 2 (icinga2 daemon -C) accepts the other file; the services
#     it made of it (icinga2 object list) are run as the ITL's "snmp"
#     command runs check_snmp, with the states the host's thresholds
#     give.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd snmpd nagios4 icinga2 /usr/bin/python3
PLUGINS=/usr/lib/nagios/plugins
[ -x $PLUGINS/check_snmp ] || bail "check_snmp missing: apt-get install monitoring-plugins-standard"
mktestdir
plan 30

NAGCFG=$top_srcdir/contrib/nagios/mailhealth.cfg
ICINGACFG=$top_srcdir/contrib/icinga2/mailhealth.conf

"$top_srcdir/tests/qmail-queue-gen.py" --create-users --queue "$T/q" --seed 4 \
	--flooder 'flood@victim.example:30' --junk 10 --max-age 3000 \
	>/dev/null || bail "qmail-queue-gen failed"
start_gateway ok	# a TCP port that is up
DOWN=$(free_port tcp)
cat >"$T/stamp" <<EOF
mailhealth-stamp 1
host primary.example
time $(($(date +%s) - 120))
seq 7
EOF
cat >"$T/mh.conf" <<EOF
interval = 1
mta qmail { queue_directory = "$T/q" }
service up { check = tcp target = "127.0.0.1:$GW_PORT" }
service down { check = tcp target = "127.0.0.1:$DOWN" fall = 1 alarm = false }
service flapping { check = tcp target = "127.0.0.1:$DOWN" fall = 100 alarm = false }
drsync { method = stamp role = dr stamp_file = "$T/stamp" max_lag = 1800 }
alarm queue-high { metric = "queue.total" rising = 10 falling = 5 severity = warning }
EOF
start_snmpd
start_agent "$T/mh.conf"
settled() {
	[ "$(sget $MH.1.6.10.1.5.1)" = 1 ] && [ "$(sget $MH.1.6.10.1.5.2)" = 2 ] &&
		[ "$(sget $MH.1.10.1.0)" = 1 ] && [ -n "$(sget $MH.1.7.2.0 | tr -cd 0-9)" ]
}
wait_until 20 settled || bail "the agent did not settle: $(swalk $MH.1.6.10.1.5)"
QUEUE=$(sget $MH.1.2.1.0)
OLDEST=$(sget $MH.1.2.3.0)
LAG=$(sget $MH.1.7.2.0)
diag "queue $QUEUE messages, oldest $OLDEST s, DR lag $LAG s"

# ---- Nagios -----------------------------------------------------------------
mkdir -p "$T/nagios/var" "$T/nagios/spool"
cat >"$T/nagios/objects.cfg" <<EOF
define timeperiod {
    timeperiod_name 24x7
    alias 24x7
    monday 00:00-24:00
    tuesday 00:00-24:00
    wednesday 00:00-24:00
    thursday 00:00-24:00
    friday 00:00-24:00
    saturday 00:00-24:00
    sunday 00:00-24:00
}
define command {
    command_name notify-none
    command_line /bin/true
}
define contact {
    contact_name admin
    alias admin
    host_notification_period 24x7
    service_notification_period 24x7
    host_notification_options n
    service_notification_options n
    host_notification_commands notify-none
    service_notification_commands notify-none
}
define contactgroup {
    contactgroup_name admins
    alias admins
    members admin
}
define host {
    use mailhealth-host
    host_name mail1
    address 127.0.0.1
    hostgroups mailhealth-servers,mailhealth-dr-servers
    _SNMP_PORT $SNMP_PORT
    _SNMP_AUTH -P 2c -C public
}
EOF
cat >"$T/nagios/nagios.cfg" <<EOF
log_file=$T/nagios/var/nagios.log
cfg_file=$NAGCFG
cfg_file=$T/nagios/objects.cfg
resource_file=$T/nagios/resource.cfg
status_file=$T/nagios/var/status.dat
temp_file=$T/nagios/var/nagios.tmp
lock_file=$T/nagios/var/nagios.lock
check_result_path=$T/nagios/spool
nagios_user=root
nagios_group=root
illegal_macro_output_chars=\`~\$&|'"<>
EOF
echo "\$USER1\$=$PLUGINS" >"$T/nagios/resource.cfg"
nagios4 -v "$T/nagios/nagios.cfg" >"$T/nagios/verify.out" 2>&1
ok $? "nagios4 -v accepts contrib/nagios/mailhealth.cfg"
grep -q "Total Errors:   0" "$T/nagios/verify.out" && grep -q "Total Warnings: 0" "$T/nagios/verify.out"
ok $? "with no errors and no warnings"
grep -E "Warning|Error" "$T/nagios/verify.out" | head -5 | sed 's/^/# /'
is "$(grep -c '^define service' "$NAGCFG")" 6 "six checks (queue, oldest, alarms, a service, DR lag; the template)"

# nag COMMAND ARGS...: the file's command line, its macros filled, run as
# Nagios runs it; prints the plugin's output, returns its exit status
nag() {
	local line
	line=$(/usr/bin/python3 - "$NAGCFG" "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
for m in re.finditer(r"define command \{(.*?)\}", text, re.S):
    d = dict(l.strip().split(None, 1) for l in m.group(1).strip().splitlines())
    if d["command_name"] == sys.argv[2]:
        print(d["command_line"])
EOF
)
	[ -n "$line" ] || { echo "no command $1"; return 3; }
	shift
	line=${line//\$USER1\$/$PLUGINS}
	line=${line//\$HOSTADDRESS\$/127.0.0.1}
	line=${line//\$_HOSTSNMP_PORT\$/$SNMP_PORT}
	line=${line//\$_HOSTSNMP_AUTH\$/-P 2c -C public}
	local i=1 a
	for a in "$@"; do
		line=${line//\$ARG$i\$/$a}
		i=$((i + 1))
	done
	/bin/sh -c "$line"
}
state() {	# state WANT DESC COMMAND ARGS...
	local want=$1 desc=$2 out rc
	shift 2
	out=$(nag "$@")
	rc=$?
	is "$rc" "$want" "$desc: $out"
}
state 0 "queue $QUEUE, warn 100, crit 200: OK" check_mailhealth_queue 100 200
state 1 "queue $QUEUE, warn 30: WARNING" check_mailhealth_queue 30 200
state 2 "queue $QUEUE, crit 30: CRITICAL" check_mailhealth_queue 10 30
out=$(nag check_mailhealth_queue 100 200)
case $out in *"queue $QUEUE messages"*) r=0 ;; *) r=1 ;; esac
ok $r "the output names the queue with its unit: $out"
out=$(nag check_mailhealth_service 2)
case $out in *"service status (1 up/2 down/3 unknown) *2*"*) r=0 ;; *) r=1 ;; esac
ok $r "the service's output says what its number means: $out"
state 0 "oldest ${OLDEST}s under its thresholds: OK" check_mailhealth_oldest $((OLDEST + 3600)) $((OLDEST + 7200))
state 1 "oldest past warn: WARNING" check_mailhealth_oldest 60 $((OLDEST + 7200))
state 2 "oldest past crit: CRITICAL" check_mailhealth_oldest 30 60
state 0 "service 1 (up): OK" check_mailhealth_service 1
state 2 "service 2 (down): CRITICAL" check_mailhealth_service 2
state 1 "service 3 (unknown, not enough checks yet): WARNING" check_mailhealth_service 3
state 0 "DR lag ${LAG}s, warn 1800: OK" check_mailhealth_drsync_lag 1800 3600
state 1 "DR lag past 60: WARNING" check_mailhealth_drsync_lag 60 3600
state 2 "DR lag past 90: CRITICAL" check_mailhealth_drsync_lag 60 90
state 1 "one active alarm, warn 0: WARNING" check_mailhealth_alarms 0 5
state 0 "one active alarm, warn 1: OK" check_mailhealth_alarms 1 5
state 2 "one active alarm, crit 0: CRITICAL" check_mailhealth_alarms 0 0
state 0 "a fresh snapshot: OK" check_mailhealth_agent 90 300

# ---- Icinga 2 ----------------------------------------------------------------
I=$T/icinga
mkdir -p "$I/var" "$I/cache" "$I/log" "$I/run" "$I/data" "$I/spool"
cat >"$I/icinga2.conf" <<EOF
const PluginDir = "$PLUGINS"
include <itl>
include <plugins>
include "$ICINGACFG"
object Host "mail1" {
  import "mailhealth-host"
  address = "127.0.0.1"
  vars.mailhealth_snmp_port = $SNMP_PORT
  vars.mailhealth_services = { "up" = 1, "down" = 2 }
  vars.mailhealth_dr = true
  vars.mailhealth_queue_warn = 30
  vars.mailhealth_drsync_crit = 60
}
EOF
D="-DVarDir=$I/var -DCacheDir=$I/cache -DLogDir=$I/log -DInitRunDir=$I/run -DDataDir=$I/data -DSpoolDir=$I/spool -DRunAsUser=root -DRunAsGroup=root"
# shellcheck disable=SC2086
icinga2 daemon -C -c "$I/icinga2.conf" $D >"$I/validate.out" 2>&1
ok $? "icinga2 daemon -C accepts contrib/icinga2/mailhealth.conf"
grep -E "critical/|warning/config" "$I/validate.out" | head -5 | sed 's/^/# /'
# shellcheck disable=SC2086
icinga2 object list --type Service $D >"$I/services.out" 2>&1
is "$(grep -c "^Object 'mail1!mailhealth-" "$I/services.out")" 7 \
	"seven services for the host: queue, oldest, alarms, agent, two services, DR lag"

# icinga SERVICE: run check_snmp as the ITL's "snmp" CheckCommand would,
# from the vars Icinga evaluated for the service
icinga() {
	local args
	args=$(/usr/bin/python3 - "$I/services.out" "mail1!$1" <<'EOF'
import re, shlex, sys
text = open(sys.argv[1]).read()
part = text.split("Object '%s' of type 'Service':" % sys.argv[2], 1)[1]
part = part.split("\nObject '", 1)[0]
v = {}
for m in re.finditer(r"^\s+\* (snmp_[a-z]+) = (.*)$", part, re.M):
    val = m.group(2).strip()
    v[m.group(1)] = val[1:-1] if val.startswith('"') else val
cmd = re.search(r'check_command = "([^"]+)"', part).group(1)
assert cmd == "snmp", cmd
a = ["-H", "127.0.0.1"]
for opt, var in (("-p", "snmp_port"), ("-C", "snmp_community"),
                 ("-P", "snmp_version"), ("-o", "snmp_oid"),
                 ("-w", "snmp_warn"), ("-c", "snmp_crit"),
                 ("-l", "snmp_label"), ("-u", "snmp_units"),
                 ("-t", "snmp_timeout")):
    if var in v:
        a += [opt, v[var]]
print(" ".join(shlex.quote(x) for x in a))
EOF
)
	eval "$PLUGINS/check_snmp $args"
}
istate() {	# istate WANT SERVICE DESC
	local out rc
	out=$(icinga "$2")
	rc=$?
	is "$rc" "$1" "icinga2 $2: $3: $out"
}
istate 1 mailhealth-queue "queue $QUEUE, the host's warn 30: WARNING"
istate 0 mailhealth-oldest "oldest ${OLDEST}s, default thresholds: OK"
istate 1 mailhealth-alarms "one alarm, default warn 0: WARNING"
istate 0 mailhealth-agent "fresh snapshot: OK"
istate 0 mailhealth-service-up "service up: OK"
istate 2 mailhealth-service-down "service down: CRITICAL"
istate 2 mailhealth-drsync-lag "DR lag ${LAG}s, the host's crit 60: CRITICAL"
finish
