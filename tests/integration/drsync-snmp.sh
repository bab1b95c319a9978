#!/bin/bash
# drsync-snmp.sh: the DR sync collector end to end with two servers on
# one machine: a primary and a DR, each with its own directory, its own
# snmpd and its own mailhealthd, and real rsync copying the primary's
# mail tree to the DR's whenever the primary's stamp changes (a stand-in
# for the site's replication job, lsyncd style). Both snmpds send their notifications to one
# snmptrapd running mailhealth-sms, which pages a loopback gateway.
#
#   1. the primary writes its stamp every round and sees its peer (a
#      loopback listener standing in for the DR's sshd); the DR reads
#      the stamps that arrive: ok, a lag of a second or two.
#   2. the replication stops: the DR turns late and the implied alarm
#      drsync-late (on drsync.lag) pages, naming drsync and the lag; the
#      primary stays ok. It resumes: ok, and the clear.
#   3. the peer goes away: after two rounds drsync-peer pages, naming
#      the peer and why; it comes back: the clear.
#   4. mailhealthd --once --format text shows the DR's section.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd snmpd snmptrapd snmpget snmpbulkwalk rsync /usr/bin/python3
LOAD=$top_srcdir/tests/integration/conn-load.py
mktestdir
T0=$T
plan 33

PRI=$T0/primary/var/mail
DR=$T0/dr/var/mail
mkdir -p "$PRI/alice/new" "$PRI/bob/cur" "$DR"
for i in 1 2 3; do
	printf 'From: x\nSubject: %s\n\nbody\n' "$i" >"$PRI/alice/new/msg.$i"
done
HOST=$(hostname)

# the DR's "sshd", the primary's peer
"$LOAD" listen 127.0.0.1 0 >"$T0/sshd.out" 2>&1 &
SSHD=$!
track_pid $SSHD
listening() { grep -q '^listening' "$1"; }
wait_until 10 listening "$T0/sshd.out" || bail "listener: $(cat "$T0/sshd.out")"
SSHD_PORT=$(cut -d' ' -f2 "$T0/sshd.out")

# one paging chain for both sides
start_pager

# side NAME: a private snmpd and mailhealthd in $T0/NAME, with the
# mailhealthd.conf given on stdin; SNMP_PORT_NAME is its port
side() {
	T=$T0/$1
	mkdir -p "$T"
	cat >"$T/mailhealthd.conf"
	unset SNMP_PORT
	start_snmpd "$TRAP_PORT"
	start_agent "$T/mailhealthd.conf"
	eval "SNMP_PORT_$1=$SNMP_PORT AGENT_$1=$AGENT_PID"
	T=$T0
}
side pri <<EOC
interval = 1
agentx_ping = 1
mta postfix { queue_directory = "$T0/nonexistent" }
system { disks = { "$T0" } }
connections { ports = { 25 } }
drsync {
	role = primary
	stamp_file = "$PRI/.mailhealth-stamp"
	peer = "127.0.0.1:$SSHD_PORT"
	max_lag = 4
	timeout = 1
}
EOC
side dr <<EOC
interval = 1
agentx_ping = 1
mta postfix { queue_directory = "$T0/nonexistent" }
system { disks = { "$T0" } }
connections { ports = { 25 } }
drsync {
	method = stamp
	role = dr
	stamp_file = "$DR/.mailhealth-stamp"
	max_lag = 4
}
EOC
# pget / dget OID: from the primary's or the DR's snmpd
pget() { SNMP_PORT=$SNMP_PORT_pri sget "$@"; }
dget() { SNMP_PORT=$SNMP_PORT_dr sget "$@"; }
DS=$MH.1.7

# stamp_seq: the seq of the primary's last stamp (empty before the first)
stamp_seq() { sed -n 's/^seq //p' "$PRI/.mailhealth-stamp" 2>/dev/null; }
# stamp_after N: the primary has written a stamp newer than seq N
stamp_after() { [ "$(stamp_seq)" -gt "${1:-0}" ]; }

# the replication job: like lsyncd, it copies when the primary's tree
# changes, and the primary rewrites its stamp every round. So it waits on
# a newer stamp (wait_until's poll), not on a cadence of its own. The seq
# is read before the copy: a stamp written during the rsync is copied by
# the next pass at once. The 10 s bound only lets the loop go round if
# the primary stalls.
replicate() {
	local seen
	while :; do
		seen=$(stamp_seq)
		rsync -a --delete "$PRI/" "$DR/"
		wait_until 10 stamp_after "$seen"
	done
}
start_sync() {
	replicate >"$T0/rsync.out" 2>&1 &
	SYNC=$!
	track_pid $SYNC
}
stop_sync() {
	kill $SYNC
	wait $SYNC 2>/dev/null
}

# --- 1. syncing -----------------------------------------------------------
wait_until 10 test -s "$PRI/.mailhealth-stamp"
ok $? "the primary writes its stamp"
seq1=$(stamp_seq)
wait_until 10 stamp_after "$seq1"
ok $? "... every round (seq $seq1, then more)"
is "$(pget $DS.1.0)" 1 "primary: mhDrSyncStatus ok(1)"
is "$(pget $DS.5.0)" 1 "primary: mhDrSyncRole primary(1)"
is "$(pget $DS.6.0)" 1 "primary: mhDrSyncMethod stamp(1)"
case $(pget $DS.2.0) in *"No Such Instance"*) r=0 ;; *) r=1 ;; esac
ok $r "primary: mhDrSyncLag is noSuchInstance (it cannot see what arrived)"
case $(pget $DS.8.0) in "\"wrote stamp seq "*" to $PRI/.mailhealth-stamp\"") r=0 ;; *) r=1 ;; esac
ok $r "primary: mhDrSyncDetail says what it wrote: $(pget $DS.8.0)"
is "$(pget $DS.10.0)" "\"127.0.0.1:$SSHD_PORT\"" "primary: mhDrSyncPeer"
is "$(pget $DS.11.0)" 1 "primary: mhDrSyncPeerStatus up(1)"
is "$(pget $DS.13.0)" 0 "primary: no failed round of the peer"

start_sync
dr_ok() { [ "$(dget $DS.1.0)" = 1 ]; }
wait_until 15 dr_ok
ok $? "DR: the stamps arrive, mhDrSyncStatus ok(1)"
lag=$(dget $DS.2.0)
[ "$lag" -ge 0 ] && [ "$lag" -le 2 ]
ok $? "DR: mhDrSyncLag $lag s (at most 2)"
case $(dget $DS.8.0) in "\"stamp seq "*" from $HOST\"") r=0 ;; *) r=1 ;; esac
ok $r "DR: mhDrSyncDetail names the stamp and its host: $(dget $DS.8.0)"
is "$(dget $DS.5.0)" 2 "DR: mhDrSyncRole dr(2)"
is "$(dget $DS.7.0)" 4 "DR: mhDrSyncMaxLag 4"
is "$(dget $DS.4.0)" '""' "DR: mhDrSyncLastError empty"
case $(dget $DS.11.0) in *"No Such Instance"*) r=0 ;; *) r=1 ;; esac
ok $r "DR: no peer configured, mhDrSyncPeerStatus is noSuchInstance"
[ -f "$DR/alice/new/msg.3" ]
ok $? "the mail tree is copied too"

# --- 2. the replication stops, then resumes ---------------------------------
stop_sync
dr_late() { [ "$(dget $DS.1.0)" = 2 ]; }
wait_until 15 dr_late
ok $? "no sync: DR late(2)"
lag=$(dget $DS.2.0)
[ "$lag" -gt 4 ]
ok $? "DR: lag $lag s > max_lag 4"
is "$(pget $DS.1.0)" 1 "the primary stays ok"
# SMS matched on what any wording of mailhealth-sms keeps: severity,
# the family or metric, the threshold, the detail
has_sms() { gw_texts | grep -Eq -- "$1"; }
wait_until 20 has_sms "^CRITICAL .*drsync.*lag"
ok $? "the lag pages"
sms=$(gw_texts | grep -E "^CRITICAL .*drsync.*lag" | head -1)
diag "SMS: $sms"
echo "$sms" | grep -Eq "^CRITICAL .*drsync.*lag.*>= 4.*, stamp seq [0-9]+ from $HOST\$"
ok $? "the SMS names drsync, the lag, max_lag and the last stamp"
SNMP_PORT=$SNMP_PORT_dr swalk "$MH.1.10.10.1.2" >"$T0/alarms"
grep -q '"drsync-late"' "$T0/alarms"
ok $? "DR: mhAlarmTable has drsync-late"

start_sync
wait_until 15 dr_ok
ok $? "sync resumed: DR ok(1)"
wait_until 20 has_sms "^OK .*drsync.*lag"
ok $? "and the alarm clears"
is "$(dget $MH.1.10.1.0)" 0 "DR: no active alarm"

# --- 3. the peer ----------------------------------------------------------
kill $SSHD
wait_until 10 sh -c "! kill -0 $SSHD 2>/dev/null"
peer_down() { [ "$(pget $DS.11.0)" = 2 ]; }
wait_until 10 peer_down
ok $? "the DR's port closed: mhDrSyncPeerStatus down(2)"
case $(pget $DS.14.0) in *"(127.0.0.1): Connection refused\"") r=0 ;; *) r=1 ;; esac
ok $r "mhDrSyncPeerLastError says why: $(pget $DS.14.0)"
wait_until 20 has_sms "^CRITICAL .*drsync peer .*unanswered"
ok $? "after two rounds the peer pages"
sms=$(gw_texts | grep -E "^CRITICAL .*drsync peer .*unanswered" | head -1)
diag "SMS: $sms"
echo "$sms" | grep -Eq ">= 2.*, peer 127\\.0\\.0\\.1:$SSHD_PORT: .*Connection refused\$"
ok $? "the SMS names the peer and the reason"
"$LOAD" listen 127.0.0.1 "$SSHD_PORT" >"$T0/sshd2.out" 2>&1 &
track_pid $!
wait_until 10 listening "$T0/sshd2.out" || bail "listener: $(cat "$T0/sshd2.out")"
wait_until 20 has_sms "^OK .*drsync peer"
ok $? "the peer is back: the clear"

# --- 4. the console -------------------------------------------------------
"$MAILHEALTHD" --once --format text -c "$T0/dr/mailhealthd.conf" >"$T0/once.txt" 2>"$T0/once.err"
sed -n '/^DR sync$/,/^$/p' "$T0/once.txt" >"$T0/once.dr"
diag "$(sed 's/^/  /' "$T0/once.dr")"
grep -q "^  status                   ok$" "$T0/once.dr" &&
	grep -q "^  role                     dr$" "$T0/once.dr" &&
	grep -q "^  allowed lag              4s$" "$T0/once.dr" &&
	grep -q "^  seen                     stamp seq [0-9]* from $HOST$" "$T0/once.dr" &&
	! grep -q "peer" "$T0/once.dr"
ok $? "--once --format text: the DR sync section, readable"
stop_sync
finish
