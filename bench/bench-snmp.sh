#!/bin/bash
# bench-snmp.sh [N]: GET latency through snmpd to mailhealthd, against a
# GET of an object snmpd answers itself (sysUpTime.0), on loopback, in one
# run (as root). Three figures, each the median and p99 of COUNT GETs made
# in-process by bench/snmplat:
#   native:     sysUpTime.0 from snmpd
#   bare:       a bare net-snmp subagent (bench/baresub), the AgentX floor
#   agent:      mhQueueMessages.0 through AgentX, agent idle
#   scanning:   mhAgentVersion.0 through AgentX while the agent's first
#               full scan of an N-message Postfix queue runs
# Target (brief): agent and scanning within 2x of native.
# QUEUE=DIR MTA=qmail|exim|postfix: an N-message queue made before (by
# bench/gen-*-queue) instead of a new Postfix one; the first scan of a
# big one lasts long enough for the GETs to fall within it (the agent
# answers from its first few hundred milliseconds).
set -eu
N=${1:-100000}
COUNT=${COUNT:-2000}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${top_builddir:-$(pwd)}
[ -x "$build/bench/snmplat" ] && [ -x "$build/bench/baresub" ] && [ -x "$build/agent/mailhealthd" ] || {
	echo "bench-snmp: build first (make agent/mailhealthd bench/snmplat bench/baresub); looked in $build" >&2
	exit 1
}
top_srcdir=$src
top_builddir=$build
. "$src/tests/integration/lib.sh"
need_root
mktestdir
LAT=$build/bench/snmplat

MTA=${MTA:-postfix}
if [ -n "${QUEUE:-}" ]; then
	Q=$QUEUE
else
	echo "# generating a Postfix queue of $N messages"
	Q=$T/q MTA=postfix
	/usr/bin/python3 "$src/bench/gen-postfix-queue" -n "$N" "$Q" >/dev/null
fi
case $MTA in
exim) key=spool_directory ;;
*) key=queue_directory ;;
esac
cat >"$T/mh.conf" <<EOF
interval = 3600
mta $MTA { $key = "$Q" }
EOF
start_snmpd
AGENT_FLAGS=-f start_agent "$T/mh.conf"
wait_until 120 sh -c "snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $MH.1.2.1.0 | grep -qx $N" ||
	bail "the agent did not report $N messages"

# the floor of any net-snmp subagent: a bare one with one integer
BARE=.1.3.6.1.4.1.8072.9999.9999.26.1.0
"$build/bench/baresub" "$AGENTX" >"$T/baresub.log" 2>&1 &
track_pid $!
wait_until 10 sh -c "snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $BARE | grep -qx 42" ||
	bail "the bare subagent did not register"

# ROUNDS interleaved rounds, so that a busy moment hits all three alike;
# each figure is the median over the rounds of the per-round median
ROUNDS=${ROUNDS:-5}
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
: >"$T/nat"; : >"$T/bare"; : >"$T/ag"
for r in $(seq 1 "$ROUNDS"); do
	$LAT "127.0.0.1:$SNMP_PORT" public .1.3.6.1.2.1.1.3.0 "$COUNT" >>"$T/nat"
	$LAT "127.0.0.1:$SNMP_PORT" public $BARE "$COUNT" >>"$T/bare"
	$LAT "127.0.0.1:$SNMP_PORT" public $MH.1.2.1.0 "$COUNT" >>"$T/ag"
done
nat_med=$(cut -d' ' -f1 "$T/nat" | med) nat_p99=$(cut -d' ' -f2 "$T/nat" | med)
bare_med=$(cut -d' ' -f1 "$T/bare" | med) bare_p99=$(cut -d' ' -f2 "$T/bare" | med)
ag_med=$(cut -d' ' -f1 "$T/ag" | med) ag_p99=$(cut -d' ' -f2 "$T/ag" | med)

# the same agent, restarted: measure while its first full scan runs
kill "$AGENT_PID"
wait_until 10 sh -c "! kill -0 $AGENT_PID"
"$MAILHEALTHD" -f -Dcollect -c "$T/mh.conf" -x "$AGENTX" >"$T/scan.log" 2>&1 &
AGENT_PID=$!
track_pid $AGENT_PID
wait_until 15 sh -c "snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $MH.1.1.1.0 | grep -q '\"'" ||
	bail "the restarted agent did not register"
set -- $($LAT "127.0.0.1:$SNMP_PORT" public $MH.1.1.1.0 "$COUNT")
sc_med=$1 sc_p99=$2
# the queue's part is published when its first scan ends: still no
# mhQueueMessages.0 after the GETs means they all fell within the scan
after=$(sget $MH.1.2.1.0)
wait_until 120 grep -q "queue round 1 took" "$T/scan.log"
scan_ms=$(sed -n 's/.*queue round 1 took \([0-9]*\) ms.*/\1/p' "$T/scan.log" | head -1)
case $after in *"No Such"*) during=yes ;; *) during=no ;; esac

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "GET latency, microseconds (median / p99 of $COUNT GETs, median of $ROUNDS rounds):"
printf "  native  sysUpTime.0 (snmpd)            %6s / %6s\n" "$nat_med" "$nat_p99"
printf "  bare    net-snmp subagent, 1 integer   %6s / %6s   ratio %s\n" \
	"$bare_med" "$bare_p99" "$(ratio "$bare_med" "$nat_med")"
printf "  agent   mhQueueMessages.0 (AgentX)     %6s / %6s   ratio %s (%s of bare)\n" \
	"$ag_med" "$ag_p99" "$(ratio "$ag_med" "$nat_med")" "$(ratio "$ag_med" "$bare_med")"
printf "  during  the first scan of %d messages  %6s / %6s   ratio %s (%s)\n" \
	"$N" "$sc_med" "$sc_p99" "$(ratio "$sc_med" "$nat_med")" "$MTA"
echo "  (scan took ${scan_ms:-?} ms; every GET made before it ended: $during)"
