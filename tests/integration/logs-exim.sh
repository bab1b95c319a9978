#!/bin/bash
# logs-exim.sh: the log collector on a real Exim (Debian's 4.96, unpacked
# as exim.sh does) writing its own mainlog, which carries no program
# name (`parser = exim`). Exim listens on loopback with two plaintext
# authenticators; fake MXes accept, answer 421 (deferred) and 550
# (bounced). Injected: authenticated submissions from two addresses,
# each to the three; wrong passwords; relay refusals; local submissions
# as root; one queue run. The SNMP values must be what was injected.
# (The unpacked Exim cannot re-execute itself at its compiled-in path
# to send bounce messages: it logs that, and the lines count nothing.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/exim.sh"

need_root
need_cmd snmpd snmpget snmpbulkwalk swaks
mktestdir
plan 14

N_PER_IP=2
IPS="2 4"
N=$((N_PER_IP * 2))
LOCAL=2
FAILS=3
RELAY=2

exim_fetch || bail "cannot get Debian's exim4-daemon-light"
getent passwd Debian-exim >/dev/null ||
	useradd -r -M -U -d /var/spool/exim4 -s /usr/sbin/nologin Debian-exim ||
	bail "cannot create the Debian-exim user"
E=$T/ex
mkdir -p "$E/spool" "$E/log"
chown -R Debian-exim:Debian-exim "$E/spool" "$E/log"
PORT=$(free_port tcp)
MX_OK=$(free_port tcp)
MX_421=$(free_port tcp)
MX_550=$(free_port tcp)
"$PY" "$top_srcdir/tests/logs/fake-mx.py" "$T/mx.pid" "$MX_OK:accept" \
    "$MX_421:greet421" "$MX_550:reject" &
track_pid $!
wait_until 10 test -s "$T/mx.pid" || bail "the fake MX did not start"

route() {	# NAME DOMAIN PORT
	cat <<EOF
$1:
  driver = manualroute
  domains = $2
  route_list = * 127.0.0.1
  self = send
  transport = t_$1
EOF
}
transport() {	# NAME PORT
	printf 't_%s:\n  driver = smtp\n  port = %s\n  allow_localhost\n' "$1" "$2"
}
{
	cat <<EOF
primary_hostname = mx.lab.test
qualify_domain = sink.test
spool_directory = $E/spool
log_file_path = $E/log/%slog
keep_environment = LD_LIBRARY_PATH
daemon_smtp_ports = $PORT
local_interfaces = 127.0.0.1
queue_only = true
tls_advertise_hosts =
host_lookup =
rfc1413_hosts =
auth_advertise_hosts = *
acl_smtp_rcpt = acl_rcpt
begin acl
acl_rcpt:
  accept authenticated = *
  deny message = relay not permitted
begin routers
EOF
	route sink sink.test
	route defer gmail.test
	route bounce bounce.test
	echo "begin transports"
	transport sink "$MX_OK"
	transport defer "$MX_421"
	transport bounce "$MX_550"
	printf 'begin retry\n* * F,7d,1h\n'
	exim_auth_conf
} >"$E/exim.conf"
chmod 644 "$E/exim.conf"
EX="env LD_LIBRARY_PATH=${EXIM_LIBS:-} $EXIM_BIN -C $E/exim.conf"
$EX -bdf >"$T/exim.out" 2>&1 &	# -bdf: in the foreground, $! is the daemon
track_pid $!
wait_until 20 grep -q "daemon started" "$E/log/mainlog" ||
	bail "exim did not start: $(cat "$T/exim.out")"

start_snmpd
cat >"$T/mailhealthd.conf" <<EOF
interval = 1
agentx_ping = 1
state_directory = "$T/state"
log exim { path = "$E/log/mainlog" parser = exim }
logs { rate_window = 3600 auth_window = 3600 }
EOF
start_agent "$T/mailhealthd.conf"
wait_until 10 test -s "$T/state/log-exim.state"
ok $? "the agent follows Exim's mainlog"

S="swaks -S -S -S --server 127.0.0.1:$PORT"
for ip in $IPS; do
	for k in $(seq 1 $N_PER_IP); do
		$S --local-interface 127.0.0.$ip --auth PLAIN --auth-user alice \
		    --auth-password alicepw --from alice@sink.test \
		    --to "s$ip.$k@sink.test,g$ip.$k@gmail.test,b$ip.$k@bounce.test" ||
			bail "swaks from 127.0.0.$ip failed"
	done
done
for i in $(seq 1 $FAILS); do
	if $S --local-interface 127.0.0.3 --auth PLAIN --auth-user alice \
	    --auth-password "wrong$i" --from a@b.test --to c@sink.test \
	    >/dev/null 2>&1; then
		bail "Exim accepted a wrong password"
	fi
done
for i in $(seq 1 $RELAY); do
	if $S --local-interface 127.0.0.5 --from spam@junk.test \
	    --to "victim$i@elsewhere.test" >/dev/null 2>&1; then
		bail "Exim relayed for 127.0.0.5"
	fi
done
for i in $(seq 1 $LOCAL); do
	printf 'Subject: cron %s\n\nhi\n' "$i" |
	    $EX -odq -f root@sink.test "admin$i@sink.test" || bail "exim -odq failed"
done
$EX -qf 2>"$T/qf.err" || bail "the queue run failed"
wait_until 20 sh -c "[ \$(grep -c ' => ' '$E/log/mainlog') -ge $((N + LOCAL)) ] &&
    [ \$(grep -c ' \*\* ' '$E/log/mainlog') -ge $N ]"
ok $? "Exim delivered, deferred and bounced"

M=$MH.1.3
# every counter read below: the last line of the queue run may be a bounce
caught_up() { [ "$(sget $M.2.0)" = $((N + LOCAL)) ] && [ "$(sget $MH.1.5.2.0)" = $FAILS ] &&
	[ "$(sget $M.3.0)" = $N ] && [ "$(sget $M.4.0)" = $N ] && [ "$(sget $M.5.0)" = $RELAY ]; }
wait_until 20 caught_up
ok $? "the agent caught up with the mainlog"
is "$(sget $M.1.0)" $((N + LOCAL)) "mhTrafficReceived.0: $N submissions, $LOCAL local"
is "$(sget $M.2.0)" $((N + LOCAL)) "mhTrafficDelivered.0"
is "$(sget $M.3.0)" $N "mhTrafficDeferred.0: one per gmail.test recipient (no retry counted)"
is "$(sget $M.4.0)" $N "mhTrafficBounced.0"
is "$(sget $M.5.0)" $RELAY "mhTrafficRejected.0"
is "$(sget $MH.1.5.2.0)" $FAILS "mhAuthFailures.0: the 535s"
is "$(sget $MH.1.5.10.1.4.1)" $N "mhAuthProtoSuccesses.smtp: one per authenticated message"
row_of() { swalk "$1.1.2" | sed -n "s/.*\.\([0-9]*\) \"$2\"\$/\1/p"; }
A=$(row_of $M.10 alice)
[ -n "$A" ] && [ "$(sget $M.10.1.3.$A)" = $N ] && [ "$(sget $M.10.1.5.$A)" = 2 ] &&
    [ "$(sget $M.10.1.12.$A)" = 3 ]
ok $? "alice submitted $N messages from 2 addresses to 3 domains"
R=$(row_of $M.10 root)
[ -n "$R" ] && [ "$(sget $M.10.1.3.$R)" = $LOCAL ]
ok $? "root submitted $LOCAL messages locally (U=root)"
D=$(row_of $MH.1.4.10 gmail.test)
[ -n "$D" ] && [ "$(sget $MH.1.4.10.1.3.$D)" = $N ]
ok $? "mhDeferTable: gmail.test deferred $N"
B=$(row_of $MH.1.4.10 bounce.test)
[ -n "$B" ] && [ "$(sget $MH.1.4.10.1.7.$B)" = $N ]
ok $? "mhDeferTable: bounce.test bounced $N (mhDeferBounces)"
finish
