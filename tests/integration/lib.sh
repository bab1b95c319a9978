# lib.sh: sourced by the integration tests. TAP output, a private snmpd
# on loopback, mailhealthd under it, readiness waits and cleanup.
#
# Every daemon a test starts is recorded and killed by pid on exit. Waits
# poll a condition with a deadline; there are no fixed sleeps.

set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

MAILHEALTHD=$top_builddir/agent/mailhealthd
MAILHEALTH_SMS=$top_builddir/sms/mailhealth-sms

_tap_n=0
_tap_fail=0
_pids=""

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
	[ "$_tap_fail" -eq 0 ]
	exit $?
}

need_root() {
	[ "$(id -u)" -eq 0 ] || bail "this test needs root (it starts snmpd and Postfix)"
}

need_cmd() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			bail "$c not found: run the README's install step (apt-get install ...)"
	done
}

# A temp dir for the test, removed on exit unless KEEP_TMP is set.
mktestdir() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/mh-test.XXXXXX")
	chmod 755 "$T"
	export T
	# net-snmp's tools rewrite snmpapp.conf (engineBoots) in their
	# persistent directory at every run, not atomically: another tool
	# reading it meanwhile prints "buffer too small to read octet
	# string". Each test keeps its own.
	SNMP_PERSISTENT_DIR=$T/netsnmp
	mkdir -p "$SNMP_PERSISTENT_DIR"
	export SNMP_PERSISTENT_DIR
}

track_pid() { _pids="$_pids $1"; }

# alive PID: running, and not a zombie waiting for us to reap it
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	case $(sed 's/^[0-9]* (.*) //' "/proc/$1/stat" 2>/dev/null) in
	Z* | X* | "") return 1 ;;
	esac
	return 0
}

cleanup() {
	# scripts that source this may run with set -e: a cleanup that
	# stops at the first process already gone would leave the rest
	set +e
	for p in $_pids; do
		kill "$p" 2>/dev/null
	done
	for p in $_pids; do
		_i=0
		while alive "$p" && [ $_i -lt 50 ]; do
			sleep 0.1 # poll until it exits
			_i=$((_i + 1))
		done
		alive "$p" && kill -9 "$p" 2>/dev/null
	done
	for p in $_pids; do wait "$p" 2>/dev/null; done
	if [ -n "${CLEANUP_HOOK:-}" ]; then
		$CLEANUP_HOOK
	fi
	if [ -n "${T:-}" ] && [ -z "${KEEP_TMP:-}" ]; then
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_until() {
	_deadline=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$_deadline" ] && return 1
		sleep 0.1 # poll until the condition holds
	done
	return 0
}

# free_port udp|tcp: a port on 127.0.0.1 that nothing listens on now.
free_port() {
	/usr/bin/python3 - "$1" <<'EOF'
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

base_mibs() {
	BASEMIBS=$("$top_srcdir/tests/integration/basemibs.sh") ||
		bail "cannot get the IETF base MIBs (npm pack net-snmp)"
	MIBDIRS_ALL="$BASEMIBS:/usr/share/snmp/mibs:$top_srcdir/mibs"
	export BASEMIBS MIBDIRS_ALL
}

# start_snmpd [TRAPSINK_PORT]: a private snmpd, AgentX master on a socket
# in $T, SNMP on a free 127.0.0.1 UDP port ($SNMP_PORT).
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
	wait_until 10 sh -c "! kill -0 $SNMPD_PID"
}

MH=.1.3.6.1.4.1.8072.9999.9999.25

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

# start_pager: the paging chain of a site, on loopback: a loopback HTTP
# gateway ($T/gw.log), mailhealth-sms configured for it ($T/sms.conf,
# spool $T/spool) and a private snmptrapd running it as its traphandle
# on $TRAP_PORT. Call before start_snmpd "$TRAP_PORT".
start_pager() {
	/usr/bin/python3 "$top_srcdir/tests/integration/gateway.py" --port 0 \
		--port-file "$T/gw.port" --log "$T/gw.log" --mode ok \
		--mode-file "$T/gw.mode" >"$T/gw.out" 2>&1 &
	track_pid $!
	wait_until 10 test -s "$T/gw.port" || bail "the loopback gateway did not start"
	GW_PORT=$(cat "$T/gw.port")
	mkdir -p "$T/spool"
	cat >"$T/sms.conf" <<EOC
spool_directory = "$T/spool"
audit_log = "$T/audit.log"
recipients = { "+15550100" }
retry_min = 1
retry_max = 2
gateway {
  style = kannel
  url = 'http://127.0.0.1:$GW_PORT/cgi-bin/sendsms?to={to}&text={text}'
  connect_timeout = 1
  timeout = 2
}
EOC
	"$MAILHEALTH_SMS" --check-config -c "$T/sms.conf" >/dev/null ||
		bail "bad sms config: $("$MAILHEALTH_SMS" --check-config -c "$T/sms.conf" 2>&1)"
	TRAP_PORT=$(free_port udp)
	mkdir -p "$T/persist"
	cat >"$T/snmptrapd.conf" <<EOC
authCommunity log,execute public
traphandle default $MAILHEALTH_SMS -c $T/sms.conf
EOC
	SNMP_PERSISTENT_DIR=$T/persist snmptrapd -f -Lf "$T/snmptrapd.log" -C \
		-c "$T/snmptrapd.conf" -On -m '' "udp:127.0.0.1:$TRAP_PORT" &
	track_pid $!
	wait_until 10 grep -qs "NET-SNMP version" "$T/snmptrapd.log" ||
		bail "snmptrapd did not start"
	export GW_PORT TRAP_PORT
}

# gw_texts: the SMS texts the loopback gateway accepted, one per line
gw_texts() {
	/usr/bin/python3 - "$T/gw.log" <<'PY'
import json, os, sys
if os.path.exists(sys.argv[1]):
    for l in open(sys.argv[1], encoding="utf-8"):
        r = json.loads(l)
        if r["mode"] == "ok":
            print(r["query"]["text"][0] if isinstance(r["query"]["text"], list) else r["query"]["text"])
PY
}
gw_count() { gw_texts | wc -l; }
gw_count_is() { [ "$(gw_count)" -eq "$1" ]; }
