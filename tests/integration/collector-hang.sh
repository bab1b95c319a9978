#!/bin/bash
# collector-hang.sh: collectors cannot hold each other up, and a reload
# never waits for one.
#
# The system collector is pointed at a private /proc whose `stat` is a
# FIFO nobody writes: its first round blocks in open() for as long as
# the test likes (a probe on a dead host, a queue on a dead NFS mount do
# the same). Meanwhile the queue collector must go on: every message
# added to a private Postfix queue shows in mhQueueMessages within two
# rounds, and mhAgentLastError names the hung collector once its
# deadline is past. A SIGHUP that changes the system section must answer
# GETs at once and bring the system group back; a SIGHUP that does not
# touch the queue collector keeps its growth history (mhQueueGrowth
# never goes back to noSuchInstance).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"

need_root
need_cmd snmpd snmpget postfix sendmail mkfifo
mktestdir
release() {	# let the hung collector thread finish
	[ -p "$T/proc/stat" ] && timeout 2 sh -c "echo 'cpu 1 1 1 1' >'$T/proc/stat'"
	pf_stop
}
CLEANUP_HOOK=release
plan 12

pf_start "$T/pf" || bail "cannot start a private Postfix"
mkdir -p "$T/proc"
cp /proc/loadavg /proc/meminfo "$T/proc/"
mkfifo "$T/proc/stat"

start_snmpd
write_conf() {	# write_conf PROC ALARM_RISING
	cat >"$T/mailhealthd.conf" <<EOC
interval = 1
agentx_ping = 1
mta postfix { queue_directory = "$PF_QUEUE" interval = 1 deadline = 30 }
system { proc = "$1" disks = { "/" } interval = 1 deadline = 3 }
alarm big { metric = "queue.total" rising = $2 falling = 1 }
EOC
}
write_conf "$T/proc" 1000
start_agent "$T/mailhealthd.conf"

queue_is() { [ "$(sget $MH.1.2.1.0)" = "$1" ]; }
wait_until 10 queue_is 0
ok $? "the queue is read while the system collector hangs"
all=0
for n in 1 2 3 4 5; do
	pf_sendmail -f "flood@spam.example" "victim$n@remote.example"
	wait_until 4 queue_is "$n" || break
	all=$n
done
is "$all" 5 "each of 5 messages showed in mhQueueMessages within 2 rounds"
stale() { sget $MH.1.1.10.0 | grep -q "system: no complete round"; }
wait_until 10 stale
ok $? "mhAgentLastError names the hung collector: $(sget $MH.1.1.10.0)"
case $(sget $MH.1.9.1.0) in *"No Such"*) r=0 ;; *) r=1 ;; esac
ok $r "its objects are noSuchInstance, not stale or zero"

# growth needs two rounds of history; a reload that does not touch the
# queue collector must keep it
wait_until 10 sh -c "snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $MH.1.2.4.0 | grep -q '^[0-9-]'"
ok $? "mhQueueGrowth answers ($(sget $MH.1.2.4.0) msgs/min)"
write_conf "$T/proc" 2000
kill -HUP "$AGENT_PID"
t0=$(date +%s%N)
v=$(sget $MH.1.2.1.0)
t1=$(date +%s%N)
is "$v" 5 "a GET right after SIGHUP answers"
[ $(((t1 - t0) / 1000000)) -lt 1000 ]
ok $? "within a second ($(((t1 - t0) / 1000000)) ms), though a collector is hung"
# sample the growth until the queue collector has made three rounds
# since the reload (its "queue round N took" lines in the debug log)
rounds() { grep -c "queue round [0-9]* took" "$T/mailhealthd.log"; }
r0=$(rounds) gone=0 deadline=$(($(now_ms) + 15000))
while [ "$(rounds)" -lt $((r0 + 3)) ] && [ "$(now_ms)" -lt $deadline ]; do
	case $(sget $MH.1.2.4.0) in *"No Such"*) gone=1 ;; esac
done
[ "$(rounds)" -ge $((r0 + 3)) ]
ok $? "the queue collector went on over the reload ($(($(rounds) - r0)) rounds sampled)"
is "$gone" 0 "mhQueueGrowth never went away over the reload"
grep -q "queue: configuration changed" "$T/mailhealthd.log"
ok $((!$?)) "the queue collector was not restarted"

# a reload that changes the hung collector's section replaces it
write_conf /proc 2000
kill -HUP "$AGENT_PID"
sys_back() { sget $MH.1.9.5.0 | grep -q '^[0-9]'; }
wait_until 10 sys_back
ok $? "after a reload to the real /proc the system group answers"
not_stale() { ! sget $MH.1.1.10.0 | grep -q "system:"; }
wait_until 10 not_stale
ok $? "and mhAgentLastError no longer names it"
finish
