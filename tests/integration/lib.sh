# lib.sh: sourced by every integration test (and bench/bench-snmp.sh).
#
#   TAP            plan N; ok STATUS DESC; is GOT WANT DESC; diag; bail;
#                  finish
#   setup          need_root; need_cmd CMD...; need_sms; mktestdir (sets
#                  $T, and $SPOOL for the SMS tests)
#   processes      track_pid PID; untrack_pid PID; alive PID;
#                  track_mount DIR; every tracked process, every detached
#                  mailhealth-sms-sender of a spool under $T, and every
#                  tracked mount is stopped / unmounted on exit
#   waiting        wait_until SECONDS CMD... (the one poll loop: no fixed
#                  sleeps anywhere); now_ms
#   SNMP agent     free_port udp|tcp; base_mibs; start_snmpd [TRAPSINK];
#                  stop_snmpd; sget OID; swalk OID; start_agent CONF;
#                  queue_alarm_conf MTA DIR [LINES...]
#   --once         once_traffic JSON [PYEXPR...]
#   SMS side       start_gateway [MODE] [PORT]; stop_gateway; gw_mode M;
#                  gwq PYEXPR; gw_ok_count; gw_count_is PYEXPR WANT;
#                  write_conf [LINES...]; audit_count EVENT;
#                  audit_count_ge EVENT N; spool_empty; no_sender;
#                  kill_senders; start_snmptrapd [OPTS...];
#                  stop_snmptrapd; trap_recvbuf; send_trap ...;
#                  trap_text ...
#
# Everything runs on 127.0.0.1 in a private temp dir. The temp dir is
# removed on exit, unless KEEP_TMP is set or a test failed.

set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

MAILHEALTHD=$top_builddir/agent/mailhealthd
MAILHEALTH_SMS=$top_builddir/sms/mailhealth-sms
# the handler finds it next to itself (see sms/launch.c)
SMS_SENDER=$top_builddir/sms/mailhealth-sms-sender
PY=/usr/bin/python3
GWPY=$top_srcdir/tests/integration/gateway.py

MH=.1.3.6.1.4.1.8072.9999.9999.25	# MAILHEALTH-MIB root
MHN=$MH.1.11				# mhNotifyObjects

_tap_n=0
_tap_fail=0
_pids=""
_mounts=""

# ---- TAP ----------------------------------------------------------------
plan() { echo "1..$1"; }

ok() {	# ok CONDITION-EXIT-STATUS DESCRIPTION
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_fail=$((_tap_fail + 1))
	fi
}

is() {	# is GOT WANT DESCRIPTION
	_tap_n=$((_tap_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $_tap_n - $3"
	else
		echo "not ok $_tap_n - $3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
		_tap_fail=$((_tap_fail + 1))
	fi
}

diag() { echo "# $*"; }

bail() {
	echo "Bail out! $*"
	exit 1
}

finish() {
	if [ "$_tap_fail" -ne 0 ]; then
		echo "# $_tap_fail of $_tap_n failed"
		exit 1
	fi
	exit 0
}

# ---- setup --------------------------------------------------------------
need_root() {
	[ "$(id -u)" -eq 0 ] || bail "this test needs root (it starts snmpd and Postfix)"
}

need_cmd() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			bail "$c not found: run the README's install step (apt-get install ...)"
	done
}

# need_sms: what every mailhealth-sms test runs
need_sms() {
	local need
	for need in "$MAILHEALTH_SMS" "$SMS_SENDER" "$PY" /usr/sbin/snmptrapd \
	    /usr/bin/snmptrap; do
		[ -x "$need" ] ||
			bail "$need is missing (build first; apt-get install snmptrapd snmp python3)"
	done
}

# A temp dir for the test, removed on exit (see cleanup). $SPOOL is where
# write_conf puts the SMS spool; a test may point it elsewhere.
mktestdir() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/mh-test.XXXXXX")
	chmod 755 "$T"
	SPOOL=$T/spool
	export T
	# net-snmp's tools rewrite snmpapp.conf (engineBoots) in their
	# persistent directory at every run, not atomically: another tool
	# reading it meanwhile prints "buffer too small to read octet
	# string". Each test keeps its own.
	SNMP_PERSISTENT_DIR=$T/netsnmp
	mkdir -p "$SNMP_PERSISTENT_DIR"
	export SNMP_PERSISTENT_DIR
}

# ---- processes ----------------------------------------------------------
track_pid() { _pids="$_pids $1"; }
untrack_pid() { _pids=$(echo "$_pids" | sed "s/ $1\b//g"); }
track_mount() { _mounts="$1 $_mounts"; }	# unmounted in reverse order

# alive PID: running, and not a zombie waiting for us to reap it
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	case $(sed 's/^[0-9]* (.*) //' "/proc/$1/stat" 2>/dev/null) in
	Z* | X* | "") return 1 ;;
	esac
	return 0
}

# sender_of LOCKFILE: the pid of the mailhealth-sms sender that holds it
# (each notes its pid there), if one still runs; status 1 otherwise
sender_of() {
	local p
	[ -s "$1" ] || return 1
	p=$(cat "$1" 2>/dev/null)
	case $p in '' | *[!0-9]*) return 1 ;; esac
	grep -q mailhealth-sms "/proc/$p/cmdline" 2>/dev/null || return 1
	echo "$p"
}

# kill_senders: stop the detached senders of every spool under $T (nobody's
# children: the handler double-forks them) and wait until they are gone
kill_senders() {
	local l p
	[ -n "${T:-}" ] && [ -d "$T" ] || return 0
	for l in $(find "$T" -maxdepth 3 -name sender.lock 2>/dev/null); do
		p=$(sender_of "$l") || continue
		kill "$p" 2>/dev/null
		wait_until 5 _gone "$p" || kill -9 "$p" 2>/dev/null
	done
}
_gone() { ! alive "$1"; }

cleanup() {
	# scripts that source this may run with set -e: a cleanup that
	# stops at the first process already gone would leave the rest
	set +e
	local p m
	for p in $_pids; do
		kill "$p" 2>/dev/null
	done
	kill_senders
	for p in $_pids; do
		wait_until 5 _gone "$p" || kill -9 "$p" 2>/dev/null
	done
	for p in $_pids; do wait "$p" 2>/dev/null; done
	if [ -n "${CLEANUP_HOOK:-}" ]; then
		$CLEANUP_HOOK
	fi
	for m in $_mounts; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		if [ -z "${KEEP_TMP:-}" ] && [ "$_tap_fail" -eq 0 ]; then
			rm -rf "$T"
		else
			echo "# kept $T for inspection"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- waiting ------------------------------------------------------------
now_ms() { date +%s%3N; }

# wait_until SECONDS CMD...: poll CMD every 50 ms until it succeeds (0) or
# the deadline passes (1). The one poll loop of the tests.
wait_until() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05 # poll until the condition holds
	done
	return 0
}

# free_port udp|tcp: a port on 127.0.0.1 that nothing listens on now,
# below the ephemeral range: between this choice and the test's daemon
# binding it, no program's outgoing socket can be given it.
free_port() {
	"$PY" - "$1" <<'EOF'
import random, socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
    low = int(f.read().split()[0])
for p in random.sample(range(1024, low), min(500, low - 1024)):
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.bind(("127.0.0.1", p))
        free = True
    except OSError:
        free = False
    s.close()
    if free:
        print(p)
        sys.exit(0)
sys.exit("free_port: no free %s port below %d" % (sys.argv[1], low))
EOF
}

# ---- the agent side: snmpd and mailhealthd -------------------------------
base_mibs() {
	BASEMIBS=$("$top_srcdir/tests/integration/basemibs.sh") ||
		bail "cannot get the IETF base MIBs (npm pack net-snmp)"
	MIBDIRS_ALL="$BASEMIBS:/usr/share/snmp/mibs:$top_srcdir/mibs"
	export BASEMIBS MIBDIRS_ALL
}

# start_snmpd [TRAPSINK_PORT]: a private snmpd, AgentX master on a socket
# in $T, SNMP on a free 127.0.0.1 UDP port ($SNMP_PORT). $SNMPD_EXTRA:
# more snmpd.conf lines (an SNMPv3 trapsess, say).
start_snmpd() {
	SNMP_PORT=${SNMP_PORT:-$(free_port udp)}
	AGENTX=$T/agentx.sock
	cat >"$T/snmpd.conf" <<EOF
master agentx
agentXSocket $AGENTX
agentXTimeout 1
agentXRetries 1
rocommunity public 127.0.0.1
EOF
	if [ -n "${1:-}" ]; then
		echo "trap2sink 127.0.0.1:$1 public" >>"$T/snmpd.conf"
	fi
	if [ -n "${SNMPD_EXTRA:-}" ]; then
		echo "$SNMPD_EXTRA" >>"$T/snmpd.conf"
	fi
	mkdir -p "$T/snmpd-persist"
	SNMP_PERSISTENT_DIR=$T/snmpd-persist \
	snmpd -f -C -c "$T/snmpd.conf" -Lf "$T/snmpd.log" -p "$T/snmpd.pid" \
		-M /usr/share/snmp/mibs -m '' "udp:127.0.0.1:$SNMP_PORT" &
	SNMPD_PID=$!
	track_pid $SNMPD_PID
	wait_until 10 snmpget -v2c -c public -t 0.3 -r 0 -m '' \
		"127.0.0.1:$SNMP_PORT" .1.3.6.1.2.1.1.3.0 ||
		bail "snmpd did not answer on 127.0.0.1:$SNMP_PORT: $(tail -5 "$T/snmpd.log")"
	export SNMP_PORT AGENTX
}

stop_snmpd() {
	kill "$SNMPD_PID" 2>/dev/null
	wait_until 10 _gone "$SNMPD_PID"
}

# sget OID: the value of one object, numeric OIDs, no MIB needed.
sget() {
	snmpget -v2c -c public -t 1 -r 1 -m '' -On -Oqv -Ot "127.0.0.1:$SNMP_PORT" "$@" 2>&1
}

swalk() {
	snmpbulkwalk -v2c -c public -t 2 -r 1 -m '' -On -Oq -Ot "127.0.0.1:$SNMP_PORT" "$@" 2>&1
}

# start_agent CONF: mailhealthd under the private snmpd; waits until its
# first snapshot is served (mhAgentLastCollect answers).
start_agent() {
	"$MAILHEALTHD" ${AGENT_FLAGS:--D} -c "$1" -x "$AGENTX" >"$T/mailhealthd.log" 2>&1 &
	AGENT_PID=$!
	track_pid $AGENT_PID
	wait_until 15 agent_ready ||
		bail "mailhealthd did not register: $(tail -20 "$T/mailhealthd.log")"
	export AGENT_PID
}

agent_ready() {
	v=$(sget $MH.1.1.6.0)
	case "$v" in
	*"No Such"* | *Timeout* | *"No Response"* | "") return 1 ;;
	esac
	return 0
}

# queue_alarm_conf MTA DIR [LINES...]: $T/mailhealthd.conf for MTA's
# queue in DIR, collected every second, and the alarm queue-high
# (queue.total, rising 5, falling 2, critical); LINES go into the alarm
# section (a text, say)
queue_alarm_conf() {
	local l
	{
		printf 'interval = 1\nagentx_ping = 1\n'
		printf 'mta %s { queue_directory = "%s" }\n' "$1" "$2"
		printf 'alarm queue-high {\n\tmetric   = "queue.total"\n'
		printf '\trising   = 5\n\tfalling  = 2\n\tseverity = critical\n'
		shift 2
		for l in "$@"; do printf '\t%s\n' "$l"; done
		echo "}"
	} >"$T/mailhealthd.conf"
}

# once_traffic JSON [PYEXPR...]: from mailhealthd --once's JSON, on one
# line: received, delivered, deferred, bounced and rejected (traffic
# totals), then the authentication failures, then each PYEXPR, evaluated
# over j, the whole document
once_traffic() {
	"$PY" - "$@" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
t = j["traffic"]
v = [t["received_total"], t["delivered_total"], t["deferred_total"],
     t["bounced_total"], t["rejected_total"], j["auth"]["failures_total"]]
print(*(v + [eval(e) for e in sys.argv[2:]]))
EOF
}

# ---- the SMS side: the loopback gateway -----------------------------------
GW_PORT=""
GW_PID=""
# start_gateway [MODE] [PORT]: tests/integration/gateway.py on 127.0.0.1;
# requests are recorded in $T/gw.log (see gwq)
start_gateway() {
	rm -f "$T/gw.port"
	"$PY" "$GWPY" --port "${2:-0}" --port-file "$T/gw.port" \
	    --log "$T/gw.log" --mode "${1:-ok}" --mode-file "$T/gw.mode" \
	    --hang 30 >>"$T/gw.out" 2>&1 &
	GW_PID=$!
	track_pid $GW_PID
	wait_until 10 test -s "$T/gw.port" || bail "the loopback gateway did not start"
	GW_PORT=$(cat "$T/gw.port")
}
stop_gateway() {
	kill "$GW_PID" 2>/dev/null
	wait "$GW_PID" 2>/dev/null
	untrack_pid "$GW_PID"
	GW_PID=""
}
gw_mode() { echo "$1" >"$T/gw.mode"; }

# gwq PYTHON-EXPR: evaluated over R, the list of recorded requests, and
# ok, those answered in mode ok (accepted)
gwq() {
	"$PY" - "$T/gw.log" "$1" <<'EOF'
import json, os, sys
R = []
if os.path.exists(sys.argv[1]):
    with open(sys.argv[1], encoding="utf-8") as f:
        R = [json.loads(l) for l in f if l.strip()]
ok = [r for r in R if r["mode"] == "ok"]
print(eval(sys.argv[2]))
EOF
}
gw_ok_count() { gwq 'len(ok)'; }
# gw_count_is PYEXPR WANT: gwq's answer is WANT; gw_count_is N: exactly N
# SMS accepted so far
gw_count_is() {
	if [ $# -eq 1 ]; then
		[ "$(gw_ok_count)" = "$1" ]
	else
		[ "$(gwq "$1")" = "$2" ]
	fi
}
gw_count() { gw_ok_count; }

# write_conf [extra lines...]: $T/sms.conf (or $CONF) for the loopback
# gateway (Kannel style), spool in $SPOOL, audit log $T/audit.log
write_conf() {
	local l
	{
		echo "spool_directory = \"$SPOOL\""
		echo "audit_log = \"$T/audit.log\""
		echo "fallback_spool = \"$T/fallback\""
		echo "recipients = { \"+15550100\" }"
		echo "retry_min = 1"
		echo "retry_max = 2"
		echo "gateway {"
		echo "  style = kannel"
		echo "  url = 'http://127.0.0.1:$GW_PORT/cgi-bin/sendsms?to={to}&text={text}&id={id}'"
		echo "  connect_timeout = 1"
		echo "  timeout = 2"
		echo "}"
		for l in "$@"; do echo "$l"; done
	} >"${CONF:-$T/sms.conf}"
}

audit_count() { # audit_count EVENT
	if [ -f "$T/audit.log" ]; then
		grep -c " event=$1 " "$T/audit.log"
	else
		echo 0
	fi
}
audit_count_ge() { [ "$(audit_count "$1")" -ge "$2" ]; }
spool_empty() { [ -z "$(ls -A "$SPOOL/outgoing" 2>/dev/null)" ]; }
no_sender() { ! sender_of "$SPOOL/sender.lock" >/dev/null; }

# ---- the SMS side: snmptrapd ----------------------------------------------
TRAP_PORT=""
TRAPD_PID=""
# start_snmptrapd [SNMPTRAPD-OPTIONS...]: a private snmptrapd on
# $TRAP_PORT (a free one unless set); options default to -On -m ''
# (numeric OIDs, no MIBs). $TRAPHANDLE: the handler command (default
# mailhealth-sms -c $T/sms.conf); $TRAPD_AUTH: the access lines (default
# "authCommunity log,execute public"); $TRAPD_EXTRA: more lines.
# The receive buffer is raised as docs/sms.md advises for bursts: the
# kernel's default (~200 KB, rmem_default) holds only ~170 of our traps
# while snmptrapd waits for a handler. The kernel caps it at twice
# net.core.rmem_max; trap_recvbuf prints what the socket got.
# TRAP_RECVBUF="" keeps the kernel's default.
start_snmptrapd() {
	local starts
	TRAP_PORT=${TRAP_PORT:-$(free_port udp)}
	mkdir -p "$T/persist"
	{
		echo "${TRAPD_AUTH:-authCommunity log,execute public}"
		echo "traphandle default ${TRAPHANDLE:-$MAILHEALTH_SMS -c $T/sms.conf}"
		if [ -n "${TRAP_RECVBUF-8388608}" ]; then
			echo "[snmp] serverRecvBuf ${TRAP_RECVBUF-8388608}"
		fi
		if [ -n "${TRAPD_EXTRA:-}" ]; then
			echo "$TRAPD_EXTRA"
		fi
	} >"$T/snmptrapd.conf"
	[ $# -gt 0 ] || set -- -On -m ''
	starts=$(grep -cs "NET-SNMP version" "$T/snmptrapd.log")
	SNMP_PERSISTENT_DIR=$T/persist /usr/sbin/snmptrapd -f -Lf "$T/snmptrapd.log" \
	    -C -c "$T/snmptrapd.conf" "$@" "udp:127.0.0.1:$TRAP_PORT" \
	    >>"$T/snmptrapd.out" 2>&1 &
	TRAPD_PID=$!
	track_pid $TRAPD_PID
	wait_until 10 _trapd_started "$((starts + 0))" ||
		bail "snmptrapd did not start: $(tail -5 "$T/snmptrapd.log")"
}
_trapd_started() { [ "$(grep -cs "NET-SNMP version" "$T/snmptrapd.log")" -gt "$1" ]; }

# stop_snmptrapd: its log is kept as snmptrapd.log.N (-Lf starts anew)
stop_snmptrapd() {
	kill "$TRAPD_PID" 2>/dev/null
	wait "$TRAPD_PID" 2>/dev/null
	untrack_pid "$TRAPD_PID"
	TRAPD_PID=""
	_trapd_runs=$((${_trapd_runs:-0} + 1))
	mv "$T/snmptrapd.log" "$T/snmptrapd.log.$_trapd_runs" 2>/dev/null
}

# trap_recvbuf: the receive buffer snmptrapd's socket has (bytes)
trap_recvbuf() {
	ss -u -a -m -n "sport = :$TRAP_PORT" 2>/dev/null |
	    sed -n 's/.*skmem:(.*rb\([0-9]*\),.*/\1/p'
}

# send_trap NOTIF INDEX NAME METRIC INSTANCE SEV VALUE THRESH TEXT HOST
# NOTIF: the last arc under mhNotifications (2f-1 raised, 2f cleared).
# An SNMPv2c trap, community public, to snmptrapd.
send_trap() {
	snmptrap -v 2c -c public -m '' "127.0.0.1:$TRAP_PORT" '' "$MH.0.$1" \
	    "$MHN.1.0" u "$2" "$MHN.2.0" s "$3" "$MHN.3.0" s "$4" \
	    "$MHN.4.0" s "$5" "$MHN.5.0" i "$6" "$MHN.6.0" i "$7" \
	    "$MHN.7.0" i "$8" "$MHN.8.0" s "$9" "$MHN.9.0" s "${10}"
}

# trap_text ...same args as send_trap: the notification in snmptrapd's
# traphandle format, for running the handler directly; $TRAP_FROM is the
# sender's address (default 127.0.0.1)
trap_text() {
	printf 'localhost\nUDP: [%s]:40000->[127.0.0.1]:162\n' "${TRAP_FROM:-127.0.0.1}"
	printf '.1.3.6.1.2.1.1.3.0 0:0:00:01.00\n'
	printf '.1.3.6.1.6.3.1.1.4.1.0 %s.0.%s\n' "$MH" "$1"
	printf '%s.1.0 %s\n%s.2.0 "%s"\n%s.3.0 "%s"\n%s.4.0 "%s"\n' \
	    "$MHN" "$2" "$MHN" "$3" "$MHN" "$4" "$MHN" "$5"
	printf '%s.5.0 %s\n%s.6.0 %s\n%s.7.0 %s\n%s.8.0 "%s"\n%s.9.0 "%s"\n' \
	    "$MHN" "$6" "$MHN" "$7" "$MHN" "$8" "$MHN" "$9" "$MHN" "${10}"
}

# ---- the whole paging chain, for alarm tests ----------------------------
# start_pager: a loopback gateway, mailhealth-sms configured for it
# ($T/sms.conf, spool $SPOOL) and a private snmptrapd running it on
# $TRAP_PORT. Call before start_snmpd "$TRAP_PORT".
start_pager() {
	mkdir -p "$SPOOL"
	start_gateway ok
	write_conf
	"$MAILHEALTH_SMS" --check-config -c "$T/sms.conf" >/dev/null ||
		bail "bad sms config: $("$MAILHEALTH_SMS" --check-config -c "$T/sms.conf" 2>&1)"
	start_snmptrapd
}

# gw_texts: the SMS texts the gateway accepted, one per line
gw_texts() { gwq '"\n".join(r["query"]["text"] for r in ok)' | sed '/^$/d'; }
