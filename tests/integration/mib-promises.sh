#!/bin/bash
# mib-promises.sh: the MIB says what the agent does. A live mailhealthd
# per MTA, under a real snmpd, walked with pysnmp by mibcheck.py, which
# reads the promises from MAILHEALTH-MIB itself (pysmi): every served OID
# is an object of the MIB with its SMI type, its ranges and
# enumerations, one index per INDEX object; MhString values at most 255
# octets of valid UTF-8 without control characters; DateAndTime in local
# time with the UTC offset; then what the DESCRIPTIONs promise per MTA
# (mhQueueTable's rows by name and order, which rows add up to
# mhQueueMessages, the top tables' ranks and shares, the null sender as
# the empty string); and, through Postfix, the standard MTA-MIB and
# NETWORK-SERVICES-MIB resolved by name with pysnmp's compiled modules.
#
#   Postfix: a private instance (postfix.sh) with deferred and held
#            messages, bounces, an SMTPUTF8 sender;
#   qmail:   a queue as qmail writes it (qmail-queue-gen.py) full of
#            junk senders whose bytes are not UTF-8, control characters
#            and 300-octet addresses; the agent runs in Asia/Kolkata
#            (UTC+05:30) so the offset's minutes are checked too;
#   Exim:    a private Exim (exim.sh) with frozen messages and bounces.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
. "$(dirname "$0")/exim.sh"

need_root
need_cmd snmpd postfix postqueue postsuper sendmail /usr/bin/python3
/usr/bin/python3 -c 'import pysnmp, pysmi, pysnmp_mibs' 2>/dev/null ||
	bail "pysnmp, pysmi or pysnmp_mibs missing: apt-get install python3-pysnmp4 python3-pysmi python3-pysnmp4-mibs"
mktestdir
base_mibs
CLEANUP_HOOK=pf_stop
# checks of mibcheck.py: 8 generic, 15 per MTA (+1 null sender), 6 for
# the standard MIBs; each run also one "ran" point
plan $(((1 + 8 + 16 + 6) + 2 * (1 + 8 + 15)))

CHECK=$top_srcdir/tests/integration/mibcheck.py
INTERVAL=300	# one round per part: both walks see the same snapshot
start_snmpd

# run_check MTA [OPTIONS]: mibcheck.py's lines as TAP
run_check() {
	local mta=$1 st what
	shift
	"$CHECK" --port "$SNMP_PORT" --mibdirs "$top_srcdir/mibs:$BASEMIBS:/usr/share/snmp/mibs" \
		--mta "$mta" --interval $INTERVAL "$@" >"$T/check-$mta.out" 2>&1
	ok $? "$mta: mibcheck.py ran"
	while read -r st what; do
		case $st in
		PASS) ok 0 "$mta: $what" ;;
		FAIL) ok 1 "$mta: $what" ;;
		*) diag "$st $what" ;;
		esac
	done <"$T/check-$mta.out"
}

# agent CONF: a mailhealthd on it, until its queue part is served
queue_read() { case $(sget $MH.1.2.1.0) in '' | *[!0-9]*) return 1 ;; esac; }
agent() {
	start_agent "$1"
	wait_until 20 queue_read || bail "mhQueueMessages never answered: $(tail -5 "$T/mailhealthd.log")"
}
stop_agent() {
	kill "$AGENT_PID"
	wait_until 10 _gone "$AGENT_PID"
}

# ---- Postfix ----------------------------------------------------------------
pf_start "$T/pf" || bail "cannot start a private Postfix"
for i in $(seq 1 12); do
	pf_sendmail -f flood@spam.example "u$i@gmail.example" "x$i@yahoo.example"
done
for i in 1 2 3; do
	pf_sendmail -f alice@corp.example bob@partner.example
done
pf_sendmail -f '<>' postmaster@gmail.example
pf_sendmail -f '<>' postmaster@yahoo.example
pf_sendmail -f 'jürgen@exämple.de' someone@gmail.example
pf_wait_deferred 18 || bail "Postfix did not defer the 18 messages"
# alice's go on hold: two rows with messages
for id in $(pf_postqueue_j | /usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    m = json.loads(l)
    if m["sender"] == "alice@corp.example":
        print(m["queue_id"])'); do
	postsuper -c "$PF_CONF" -h "$id" 2>/dev/null || bail "postsuper -h $id failed"
done
cat >"$T/pf.conf" <<EOF
interval = $INTERVAL
top_n = 5
mta postfix { queue_directory = "$PF_QUEUE" }
EOF
agent "$T/pf.conf"
run_check postfix --top-n 5 --null-sender --std
stop_agent
pf_stop

# ---- qmail ------------------------------------------------------------------
"$top_srcdir/tests/qmail-queue-gen.py" --create-users --queue "$T/qm" --seed 5 \
	--flooder 'flood@victim.example:40' --junk 100 --nasty 200 \
	--bounces 10 --double-bounces 3 >/dev/null || bail "qmail-queue-gen failed"
cat >"$T/qm.conf" <<EOF
interval = $INTERVAL
mta qmail { queue_directory = "$T/qm" }
EOF
export TZ=Asia/Kolkata
agent "$T/qm.conf"
run_check qmail
stop_agent
unset TZ

# ---- Exim -------------------------------------------------------------------
exim_setup "$T/ex" true
for i in $(seq 1 8); do
	exim_send Flooder@Victim.example "u$i@gmail.example" "v$i@local.example" ||
		bail "exim would not queue"
done
for i in $(seq 1 4); do
	exim_send "junk$i@spam.example" "x$i@hotmail.example" || bail "exim would not queue"
done
exim_send '' postmaster@site.example || bail "exim would not queue"
exim_queue_run || bail "exim queue run failed"
for id in $($EXIM -bpru | awk '/<junk/ {print $3}' | head -2); do
	$EXIM -Mf "$id" >/dev/null || bail "exim -Mf failed"
done
cat >"$T/ex.conf" <<EOF
interval = $INTERVAL
mta exim { spool_directory = "$T/ex/spool" }
EOF
agent "$T/ex.conf"
run_check exim
stop_agent

finish
