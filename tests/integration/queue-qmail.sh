#!/bin/bash
# queue-qmail.sh: mailhealthd --once reads qmail queues written byte for
# byte, with ownership and modes, as qmail-queue and qmail-send write
# them (tests/qmail-queue-gen.py, run as root with qmail's users), and
# must report the true counts: totals, the four rows (todo, local,
# remote, bounce; the total is not a row), oldest age, bounces, top senders and top recipient
# domains exact for a flooder among junk senders.
#
# Two layouts: qmail-1.03 (split 23, flat todo/) and big-todo (split 7,
# todo/ and intd/ split too, configured with split = 7). The total and
# the todo row are also checked against qmail-qstat's own arithmetic (find
# over mess/ and todo/), which does not rely on the generator.
#
# Memory: two queues of 20,000 messages, one with 2,000 distinct senders
# and one with 20,000; peak RSS must stay flat (within 10% + 2 MB).
. "$(dirname "$0")/lib.sh"

need_root
need_cmd /usr/bin/python3 find
[ -x "$MAILHEALTHD" ] || bail "$MAILHEALTHD not built"
mktestdir
plan 38

GEN=$top_srcdir/tests/qmail-queue-gen.py
CMP=$top_srcdir/tests/integration/queue-compare.py

# run_once QUEUE SPLIT OUT: mailhealthd --once on a queue; the JSON in OUT
run_once() {
	cat >"$T/mh-$3.conf" <<EOF
agentx_socket = "$T/agentx.sock"
top_n = 10
mta qmail {
	queue_directory = "$1"
	split = $2
}
EOF
	"$MAILHEALTHD" --once -c "$T/mh-$3.conf" >"$T/$3.json" 2>"$T/$3.err"
}

# compare TRUTH OUT: the 12 checks of queue-compare.py as TAP
compare() {
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

# 1. qmail-1.03 layout: split 23, flat todo
"$GEN" --create-users --queue "$T/q1" --seed 11 \
	--flooder 'Flooder@Victim.example:600' --flooder 'second@victim.example:150' \
	--junk 2000 --bounces 40 --double-bounces 5 --many-rcpt 12 \
	--truth "$T/q1.truth" || bail "qmail-queue-gen failed"
run_once "$T/q1" 23 q1
ok $? "mailhealthd --once on a split-23 queue ($(tail -1 "$T/q1.err"))"
compare "$T/q1.truth" "$T/q1.json"

# the files are as qmail makes them (a sample: owner, group, mode)
m=$(find "$T/q1/mess" -type f | head -1)
n=${m##*/}
s=$((n % 23))
is "$(stat -c '%U:%G:%a' "$m")" "qmailq:nofiles:644" "mess/$s/$n is qmailq:nofiles 0644"
if [ -e "$T/q1/info/$s/$n" ]; then
	is "$(stat -c '%U:%G:%a:%i' "$T/q1/info/$s/$n")" "qmails:qmail:600:$(stat -c %i "$T/q1/info/$s/$n")" \
		"info/$s/$n is qmails:qmail 0600"
else
	is "$(stat -c '%U:%G:%a' "$T/q1/todo/$n")" "qmailq:nofiles:644" "todo/$n is qmailq:nofiles 0644"
fi
is "$(stat -c %i "$m")" "$n" "the message number is the inode of its mess file"

# qmail-qstat's arithmetic, independent of the generator
is "$(json "$T/q1.json" "d['queue']['messages']")" \
	"$(find "$T/q1"/mess/* -type f | wc -l)" "total = qmail-qstat's messages in queue"
is "$(json "$T/q1.json" "d['queue']['queues'][0]['messages']")" \
	"$(find "$T/q1/todo" -type f | wc -l)" "todo row = qmail-qstat's not yet preprocessed"

# 2. big-todo layout, split 7
"$GEN" --queue "$T/q2" --split 7 --big-todo --seed 12 --todo 0.3 \
	--flooder 'spam@compromised.example:300' --junk 700 --bounces 10 \
	--truth "$T/q2.truth" || bail "qmail-queue-gen failed"
run_once "$T/q2" 7 q2
ok $? "mailhealthd --once on a big-todo split-7 queue"
compare "$T/q2.truth" "$T/q2.json"
is "$(json "$T/q2.json" "d['queue']['queues'][0]['messages']")" \
	"$(find "$T/q2/todo" -type f | wc -l)" "big-todo: todo row = files under todo/*/"

# 3. memory: ten times the distinct senders, the same RSS
rss_of() {	# rss_of CONF: peak RSS in kB of one --once run
	/usr/bin/python3 - "$MAILHEALTHD" "$1" <<'EOF'
import resource, subprocess, sys
subprocess.run([sys.argv[1], "--once", "-c", sys.argv[2]], check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
}
# m1: 1,800 senders with 10 messages each, plus one with 2,000
# shellcheck disable=SC2046
"$GEN" --queue "$T/m1" --seed 21 --todo 0 --bounce-files 0 \
	--flooder 'f@x.example:2000' \
	$(for i in $(seq 1 1800); do echo "--flooder=s$i@junk$i.example:10"; done) ||
	bail "qmail-queue-gen failed (m1)"
# m2: the same 20,000 messages from 18,000 senders
"$GEN" --queue "$T/m2" --seed 23 --flooder 'f@x.example:2000' --junk 17990 \
	--todo 0 --bounce-files 0 || bail "qmail-queue-gen failed (m2)"
m1=$(find "$T/m1"/mess/* -type f | wc -l)
m2=$(find "$T/m2"/mess/* -type f | wc -l)
diag "memory queues: $m1 and $m2 messages"
run_once "$T/m1" 23 m1 && run_once "$T/m2" 23 m2
ok $? "mailhealthd --once on both memory queues"
r1=$(rss_of "$T/mh-m1.conf")
r2=$(rss_of "$T/mh-m2.conf")
diag "peak RSS: $r1 kB with ~1,800 senders, $r2 kB with ~18,000 senders"
[ "$r2" -le $((r1 + r1 / 10 + 2048)) ]
ok $? "RSS flat when distinct senders grow tenfold ($r1 -> $r2 kB)"

finish
