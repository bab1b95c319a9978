#!/bin/bash
# queue-exim.sh: mailhealthd --once reads spools written by a real Exim
# (Debian's exim4-daemon-light run privately with -C, tests/integration/
# exim.sh) and must report what Exim itself lists (exim -bp, and -Mset
# for exact sizes and arrival times): totals, the input and frozen rows,
# oldest age, bounces, messages with many recipients, top senders and
# top recipient domains exact for a flooder among junk senders.
#
# The spool has what a real queue has: recipients delivered (the
# non-recipients tree), deferred ones, frozen messages, bounces (null
# sender), an ACL variable whose value spans two lines, and a message
# with 25 recipients. Once with split_spool_directory, once without.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/exim.sh"

need_root
need_cmd /usr/bin/python3
[ -x "$MAILHEALTHD" ] || bail "$MAILHEALTHD not built"
mktestdir
plan 35

CMP=$top_srcdir/tests/integration/queue-compare.py

run_once() {	# run_once SPOOL NAME
	cat >"$T/mh-$2.conf" <<EOF
agentx_socket = "$T/agentx.sock"
top_n = 10
mta exim {
	spool_directory = "$1"
}
EOF
	"$MAILHEALTHD" --once -c "$T/mh-$2.conf" >"$T/$2.json" 2>"$T/$2.err"
}

compare() {	# the 12 checks of queue-compare.py as TAP
	"$CMP" "$1" "$2" >"$T/cmp.out" 2>&1
	ok $? "queue-compare.py ran"
	n=0
	while read -r st what; do
		n=$((n + 1))
		[ "$st" = PASS ]
		ok $? "$what"
	done <"$T/cmp.out"
	is "$n" 12 "queue-compare.py made its 12 checks"
}

json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

fill() {	# fill SCALE: a flood among junk, in the current Exim
	for i in $(seq 1 $((30 * $1))); do
		r="u$i@gmail.example"
		[ $((i % 2)) -eq 0 ] && r="$r v$i@Yahoo.example"
		[ $((i % 3)) -eq 0 ] && r="$r w$i@local.example"
		# shellcheck disable=SC2086
		exim_send Flooder@Victim.example $r || return 1
	done
	for i in $(seq 1 $((40 * $1))); do
		exim_send "junk$i@spam$((i % 13)).example" "x$i@hotmail.example" "y$i@local.example" || return 1
	done
	for i in $(seq 1 $((3 * $1))); do
		exim_send '' "postmaster@site$i.example" || return 1
	done
	r=""
	for j in $(seq 1 25); do r="$r m$j@list.example"; done
	# shellcheck disable=SC2086
	exim_send listadmin@corp.example $r || return 1
	exim_queue_run || return 1
	# after the queue run: two more, never tried (an empty tree)
	exim_send late@corp.example a@gmail.example b@local.example || return 1
	exim_send late@corp.example c@gmail.example || return 1
	# freeze a few
	for id in $($EXIM -bpru | awk '/<junk/ {print $3}' | head -$((2 * $1))); do
		$EXIM -Mf "$id" >/dev/null || return 1
	done
}

# 1. split spool
exim_setup "$T/ex1" true
fill 2 || bail "could not fill the Exim queue"
exim_truth "$T/ex1.truth" || bail "exim -bp failed"
is "$(json "$T/ex1.truth" "d['messages']")" "$($EXIM -bpc)" "truth has exim -bpc messages"
ls "$T/ex1/spool/input" | grep -q '^[0-9A-Za-z]$'
ok $? "the spool is split (input/C/)"
run_once "$T/ex1/spool" ex1
ok $? "mailhealthd --once on the split spool ($(tail -1 "$T/ex1.err"))"
compare "$T/ex1.truth" "$T/ex1.json"
is "$(json "$T/ex1.json" "d['queue']['queues'][1]['messages']")" "4" "4 frozen"
f=$(find "$T/ex1/spool/input" -name '*-H' | head -1)
is "$(grep -A2 '^-aclm _note' "$f" | tr '\n' '|')" "-aclm _note 22|first line|second line|" \
	"an ACL variable spanning two lines is in the -H files"

# 2. unsplit spool
exim_setup "$T/ex2" false
fill 1 || bail "could not fill the Exim queue"
exim_truth "$T/ex2.truth" || bail "exim -bp failed"
[ -z "$(find "$T/ex2/spool/input" -mindepth 1 -type d)" ]
ok $? "the spool is not split"
run_once "$T/ex2/spool" ex2
ok $? "mailhealthd --once on the unsplit spool"
compare "$T/ex2.truth" "$T/ex2.json"

finish
