#!/bin/bash
# queue-postfix.sh: mailhealthd --once reads a real Postfix queue on disk
# and must report what `postqueue -j` (showq) reports: per-queue and total
# messages, bytes, recipients and oldest arrival, bounces, messages with
# many recipients, top senders and top recipient domains with exact
# counts.
#
# The queue holds a flooder among ordinary senders, bounces (null
# sender), a delivered recipient (D record), and the records only milters
# make (appended recipients behind pointer records, a cancelled
# recipient, a replaced sender; tests/integration/pf-milter.py), some of
# it moved to hold/. Then, with Postfix stopped, a message in maildrop/
# and a damaged file in corrupt/, which showq does not list.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"

need_root
need_cmd postfix postqueue postsuper sendmail /usr/bin/python3
[ -x "$MAILHEALTHD" ] || bail "$MAILHEALTHD not built"
mktestdir
CLEANUP_HOOK=pf_stop
plan 23

PF_MILTER=1 pf_start "$T/pf" || bail "cannot start a private Postfix"

# 20 from the flooder, 6 + 4 from two users, 2 bounces, 3 milter cases
for i in $(seq 1 20); do
	rcpts="u$i@gmail.example"
	[ $((i % 2)) -eq 0 ] && rcpts="$rcpts v$i@Yahoo.example"
	[ $((i % 5)) -eq 0 ] && rcpts="$rcpts w$i@hotmail.example"
	# shellcheck disable=SC2086
	pf_sendmail -f "Flood@Spam.example" $rcpts
done
for i in $(seq 1 6); do
	pf_sendmail -f alice@corp.example "partner$i@partner.example"
done
for i in $(seq 1 3); do
	pf_sendmail -f bob@corp.example "b$i@gmail.example"
done
# x@discard.example is delivered at once: a D record stays behind
pf_sendmail -f bob@corp.example x@discard.example y@yahoo.example
pf_sendmail -f '<>' postmaster@gmail.example
pf_sendmail -f '' mailer@yahoo.example
pf_sendmail -f erin@corp.example milter-add-3@gmail.example
pf_sendmail -f frank@corp.example milter-del@gmail.example z@gmail.example
pf_sendmail -f milter-chg@corp.example c@hotmail.example
pf_wait_deferred 35 || bail "Postfix did not defer the 35 messages"

# two of alice's messages on hold
for id in $(pf_postqueue_j | /usr/bin/python3 -c '
import json, sys
ids = [m["queue_id"] for m in map(json.loads, sys.stdin) if m["sender"] == "alice@corp.example"]
print(" ".join(sorted(ids)[:2]))'); do
	postsuper -c "$PF_CONF" -h "$id" 2>/dev/null || bail "postsuper -h $id failed"
done

cat >"$T/mailhealthd.conf" <<EOF
agentx_socket = "$T/agentx.sock"
top_n = 10
mta postfix {
	queue_directory = "$PF_QUEUE"
	many_rcpt = 2
}
EOF

# compare.py ONCE.json POSTQUEUE.jsonl [EXTRA_MAILDROP EXTRA_CORRUPT]:
# prints "description<TAB>got<TAB>want" lines, a fixed number of them.
cat >"$T/compare.py" <<'PY'
import json, sys, collections

once = json.load(open(sys.argv[1]))
pq = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
extra_drop = int(sys.argv[3]) if len(sys.argv) > 3 else 0
extra_corrupt = int(sys.argv[4]) if len(sys.argv) > 4 else 0
q = once["queue"]
rows = {r["name"]: r for r in q["queues"]}

def out(desc, got, want):
    print("%s\t%s\t%s" % (desc, got, want))

def sender(m):
    # postqueue prints the null sender as MAILER-DAEMON
    return "" if m["sender"] in ("", "MAILER-DAEMON") else m["sender"].lower()

n = len(pq) + extra_drop + extra_corrupt
out("total messages", q["messages"], n)
out("total recipients", q["recipients"], sum(len(m["recipients"]) for m in pq))
out("bounces (null sender)", q["bounces"], sum(sender(m) == "" for m in pq))
out("messages with more than 2 recipients", q["many_rcpt"],
    sum(len(m["recipients"]) > 2 for m in pq))
for name in ("deferred", "hold"):
    ms = [m for m in pq if m["queue_name"] == name]
    r = rows[name]
    out(name + ": messages", r["messages"], len(ms))
    out(name + ": bytes (message_size)", r["bytes"], sum(m["message_size"] for m in ms))
    out(name + ": recipients", r["recipients"], sum(len(m["recipients"]) for m in ms))
    # oldest_age = taken - oldest arrival
    out(name + ": oldest arrival", once["snapshot"]["taken"] - r["oldest_age"],
        min(m["arrival_time"] for m in ms))
out("active and incoming are empty",
    rows["active"]["messages"] + rows["incoming"]["messages"], 0)
out("maildrop messages", rows["maildrop"]["messages"], extra_drop)
out("corrupt messages", rows["corrupt"]["messages"], extra_corrupt)

senders = collections.Counter(sender(m) for m in pq)
domains = collections.Counter(r["address"].rsplit("@", 1)[-1].lower()
                              for m in pq for r in m["recipients"])
def toplist(items, key, count):
    return " ".join("%s=%d" % (i[key], i[count]) for i in
                    sorted(items, key=lambda i: (-i[count], i[key])))
def want(counter):
    return " ".join("%s=%d" % kv for kv in
                    sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))
# corrupt/ files without a readable sender are counted, but never listed
out("the unknown sender is not listed", str(any(s["address"] == "(unknown)" for s in q["top_senders"])), "False")
got_s = q["top_senders"]
out("top senders and counts", toplist(got_s, "address", "messages"), want(senders))
out("top sender is the flooder, exact, share",
    "%s %d %d %.2f" % (q["top_senders"][0]["address"], q["top_senders"][0]["messages"],
                       q["top_senders"][0]["error"], q["top_senders"][0]["share"]),
    "flood@spam.example 20 0 %.2f" % round(2000.0 / n, 2))
out("top domains and counts", toplist(q["top_domains"], "domain", "recipients"),
    want(domains))
out("collector errors", once["snapshot"]["errors"], 0)
PY

check() {	# check ONCE.json POSTQUEUE.jsonl [EXTRA...]
	local desc got want
	while IFS=$'\t' read -r desc got want; do
		is "$got" "$want" "$desc"
	done < <(/usr/bin/python3 "$T/compare.py" "$@" || echo "compare.py failed	1	0")
}

pf_postqueue_j >"$T/postqueue.jsonl"
"$MAILHEALTHD" --once -c "$T/mailhealthd.conf" >"$T/once.json" 2>"$T/once.err"
ok $? "mailhealthd --once exits 0"
diag "$(/usr/bin/python3 -c '
import json, sys
q = json.load(open(sys.argv[1]))["queue"]
print("once: %d messages, %d recipients, top sender %s" % (q["messages"], q["recipients"],
      q["top_senders"][0]["address"]))' "$T/once.json")"
check "$T/once.json" "$T/postqueue.jsonl"

# Postfix down: sendmail leaves the message in maildrop/ (showq cannot
# list it); a damaged file sits in corrupt/. Both count, neither is an
# error: the corrupt queue is expected to hold what cannot be parsed.
pf_stop
PF_CONF=$T/pf/etc
sendmail -C "$PF_CONF" -i -f maildrop@corp.example d@gmail.example </dev/null ||
	bail "sendmail to maildrop failed"
PF_CONF=
printf 'garbage\377\377\377' >"$PF_QUEUE/corrupt/DEADBEEF1"
chmod 0400 "$PF_QUEUE/corrupt/DEADBEEF1"
"$MAILHEALTHD" --once -c "$T/mailhealthd.conf" >"$T/once2.json" 2>"$T/once2.err"
rc=$?
# the maildrop message's recipient counts too
/usr/bin/python3 - "$T/postqueue.jsonl" >"$T/postqueue2.jsonl" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    print(l, end="")
print(json.dumps({"queue_name": "maildrop", "queue_id": "x", "arrival_time": 2**40,
                  "message_size": 0, "sender": "maildrop@corp.example",
                  "recipients": [{"address": "d@gmail.example"}]}))
PY
got=$(/usr/bin/python3 "$T/compare.py" "$T/once2.json" "$T/postqueue2.jsonl" 0 1 | awk -F'\t' '
	$1 == "total recipients" || $1 == "corrupt messages" || $1 == "collector errors" ||
	$1 == "top domains and counts" { if ($2 != $3) bad = bad " " $1 ": got " $2 " want " $3 }
	END { print bad }')
is "$rc:$got" "0:" "Postfix stopped: maildrop and corrupt files count, no errors"
is "$(/usr/bin/python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
r = {q["name"]: q["messages"] for q in o["queue"]["queues"]}
print(r["maildrop"], r["corrupt"], o["queue"]["messages"])' "$T/once2.json")" \
	"1 1 $(($(wc -l <"$T/postqueue.jsonl") + 2))" "maildrop 1, corrupt 1, total +2"

finish
