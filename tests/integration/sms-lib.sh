# sms-lib.sh: shared helpers of the mailhealth-sms integration tests
# (sourced, not run). Everything runs on 127.0.0.1 in a private temp dir;
# whatever we start is killed by pid on EXIT. No fixed sleeps: we poll with
# a deadline.
set -u

if [ -z "${top_builddir:-}" ] || [ -z "${top_srcdir:-}" ]; then
	echo "1..0 # SKIP not run through make check" >&2
	echo "Bail out! top_builddir/top_srcdir unset (run through make check)"
	exit 1
fi

SMS=$top_builddir/sms/mailhealth-sms
# the handler finds it next to itself (see sms/launch.c)
SENDER=$top_builddir/sms/mailhealth-sms-sender
PY=/usr/bin/python3
GWPY=$top_srcdir/tests/integration/gateway.py
R=.1.3.6.1.4.1.8072.9999.9999.25	# MAILHEALTH-MIB root
N=$R.1.11				# mhNotifyObjects

for need in "$SMS" "$SENDER" "$PY" /usr/sbin/snmptrapd /usr/bin/snmptrap; do
	if [ ! -x "$need" ]; then
		echo "Bail out! $need is missing (snmptrapd, snmp, python3)"
		exit 1
	fi
done

T=$(mktemp -d /tmp/mhsms-test.XXXXXX)
SPOOL=$T/spool		# write_conf uses it; a test may switch to another
PIDS=""
tap_n=0
tap_fail=0

# kill_senders: stop detached senders of every spool under $T (each
# notes its pid in sender.lock) and wait until they are gone
kill_senders() {
	local l p n
	for l in "$T"/spool*/sender.lock; do
		[ -s "$l" ] || continue
		p=$(cat "$l")
		if grep -q mailhealth-sms "/proc/$p/cmdline" 2>/dev/null; then
			kill "$p" 2>/dev/null
			for n in $(seq 100); do
				[ -d "/proc/$p" ] || break
				sleep 0.05 # poll
			done
		fi
	done
}

sms_cleanup() {
	local p
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	kill_senders
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	if [ "$tap_fail" -eq 0 ] && [ -z "${KEEP_TMP:-}" ]; then
		rm -rf "$T"
	else
		echo "# kept $T for inspection"
	fi
}
trap sms_cleanup EXIT

plan() { echo "1..$1"; }
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() {
	tap_n=$((tap_n + 1)); tap_fail=$((tap_fail + 1))
	echo "not ok $tap_n - $*"
}
# is DESC GOT WANT
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   got: '$2'"
		echo "#  want: '$3'"
	fi
}
# check DESC CMD...: the command's status
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
finish() {
	if [ "$tap_fail" -ne 0 ]; then
		echo "# $tap_fail of $tap_n failed"
		exit 1
	fi
	exit 0
}

now_ms() { date +%s%3N; }

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds or the
# deadline passes (status 1).
wait_for() {
	local deadline=$(( $(now_ms) + $1 * 1000 ))
	shift
	while ! "$@"; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.05 # poll
	done
	return 0
}

free_port() { # free_port udp|tcp
	"$PY" -c '
import socket, sys
t = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, t)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$1"
}

# ---- the fake gateway -----------------------------------------------
GW_PORT=""
GW_PID=""
start_gateway() { # start_gateway [MODE] [PORT]
	rm -f "$T/gw.port"
	"$PY" "$GWPY" --port "${2:-0}" --port-file "$T/gw.port" \
	    --log "$T/gw.log" --mode "${1:-ok}" --mode-file "$T/gw.mode" \
	    --hang 30 &
	GW_PID=$!
	PIDS="$PIDS $GW_PID"
	if ! wait_for 10 test -s "$T/gw.port"; then
		echo "Bail out! the fake gateway did not start"
		exit 1
	fi
	GW_PORT=$(cat "$T/gw.port")
}
stop_gateway() {
	kill "$GW_PID" 2>/dev/null
	wait "$GW_PID" 2>/dev/null
	GW_PID=""
}
gw_mode() { echo "$1" > "$T/gw.mode"; }

# gwq PYTHON-EXPR: evaluate over R, the list of recorded requests
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
gw_count_is() { [ "$(gwq "$1")" = "$2" ]; }

# ---- config ---------------------------------------------------------
# write_conf [extra lines...]: a config for the fake gateway (Kannel style)
write_conf() {
	{
		echo "spool_directory = \"$SPOOL\""
		echo "audit_log = \"$T/audit.log\""
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
	} > "$T/sms.conf"
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
no_sender() {
	local p
	[ -s "$SPOOL/sender.lock" ] || return 0
	p=$(cat "$SPOOL/sender.lock")
	! grep -q mailhealth-sms "/proc/$p/cmdline" 2>/dev/null
}

# ---- snmptrapd --------------------------------------------------------
TRAP_PORT=""
# start_snmptrapd [SNMPTRAPD-OPTIONS...]: default -On -m '' (numeric OIDs,
# no MIBs); TRAPHANDLE may name another handler command.
# The receive buffer is raised as docs/sms.md advises for bursts: the
# kernel's default (~200 KB, rmem_default) holds only ~170 of our traps
# while snmptrapd waits for a handler. The kernel caps it at twice
# net.core.rmem_max; trap_recvbuf prints what the socket got.
start_snmptrapd() {
	TRAP_PORT=$(free_port udp)
	mkdir -p "$T/persist"
	cat > "$T/snmptrapd.conf" <<EOF
authCommunity log,execute public
traphandle default ${TRAPHANDLE:-$SMS -c $T/sms.conf}
[snmp] serverRecvBuf 8388608
EOF
	[ $# -gt 0 ] || set -- -On -m ''
	SNMP_PERSISTENT_DIR=$T/persist /usr/sbin/snmptrapd -f -Lf "$T/snmptrapd.log" \
	    -C -c "$T/snmptrapd.conf" "$@" "udp:127.0.0.1:$TRAP_PORT" &
	PIDS="$PIDS $!"
	if ! wait_for 10 grep -qs "NET-SNMP version" "$T/snmptrapd.log"; then
		echo "Bail out! snmptrapd did not start"
		cat "$T/snmptrapd.log" | sed 's/^/# /'
		exit 1
	fi
}

# trap_recvbuf: the receive buffer snmptrapd's socket has (bytes)
trap_recvbuf() {
	ss -u -a -m -n "sport = :$TRAP_PORT" 2>/dev/null |
	    sed -n 's/.*skmem:(.*rb\([0-9]*\),.*/\1/p'
}

# send_trap NOTIF INDEX NAME METRIC INSTANCE SEV VALUE THRESH TEXT HOST
# NOTIF: the last arc under mhNotifications (2f-1 raised, 2f cleared)
send_trap() {
	snmptrap -v 2c -c public -m '' "127.0.0.1:$TRAP_PORT" '' "$R.0.$1" \
	    "$N.1.0" u "$2" "$N.2.0" s "$3" "$N.3.0" s "$4" \
	    "$N.4.0" s "$5" "$N.5.0" i "$6" "$N.6.0" i "$7" \
	    "$N.7.0" i "$8" "$N.8.0" s "$9" "$N.9.0" s "${10}"
}

# trap_text ...same args as send_trap: the notification in snmptrapd's
# traphandle format, for running the handler directly
trap_text() {
	printf 'localhost\nUDP: [127.0.0.1]:40000->[127.0.0.1]:162\n'
	printf '.1.3.6.1.2.1.1.3.0 0:0:00:01.00\n'
	printf '.1.3.6.1.6.3.1.1.4.1.0 %s.0.%s\n' "$R" "$1"
	printf '%s.1.0 %s\n%s.2.0 "%s"\n%s.3.0 "%s"\n%s.4.0 "%s"\n' \
	    "$N" "$2" "$N" "$3" "$N" "$4" "$N" "$5"
	printf '%s.5.0 %s\n%s.6.0 %s\n%s.7.0 %s\n%s.8.0 "%s"\n%s.9.0 "%s"\n' \
	    "$N" "$6" "$N" "$7" "$N" "$8" "$N" "$9" "$N" "${10}"
}
