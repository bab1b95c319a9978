#!/bin/bash
# logs-crosscheck.sh: mailhealthd's counts of a Postfix log against two
# tools admins already use, on the same log, and against the log's own
# truth:
#   - bench/gen-postfix-log (20,000 lines of whole sessions, with
#     --truth: what it generated);
#   - pflogsumm (Debian's), its Grand Totals;
#   - prometheus-postfix-exporter (Debian's), tailing a copy of the log
#     on a loopback port;
#   - the real Postfix 3.7 log of the parser tests, where the
#     definitions differ: received (ours: one per queue id that entered
#     the queue; pflogsumm: smtpd client= and pickup lines) and bounced
#     (ours: also the messages that expired in the queue). The test
#     computes those differences from the log itself; docs/logs.md
#     explains them.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd pflogsumm prometheus-postfix-exporter grep awk
mktestdir
plan 19

GEN=$top_srcdir/bench/gen-postfix-log
"$GEN" -n 20000 --seed 7 --truth "$T/truth.json" "$T/gen.log" ||
	bail "gen-postfix-log failed"
cat >"$T/mh.conf" <<EOF
top_n = 100
log gen { path = "$T/gen.log" }
EOF
"$MAILHEALTHD" --once -c "$T/mh.conf" >"$T/mh.json" 2>"$T/mh.err" ||
	bail "mailhealthd --once failed: $(cat "$T/mh.err")"
# ours: received delivered deferred bounced rejected sasl smtp-sasl
mh() {
	"$PY" - "$T/mh.json" "$1" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
t, a = j["traffic"], j["auth"]
p = {r["protocol"]: r for r in a["protocols"]}
v = {"received": t["received_total"], "delivered": t["delivered_total"],
     "deferred": t["deferred_total"], "bounced": t["bounced_total"],
     "rejected": t["rejected_total"], "sasl": a["failures_total"],
     "smtp_sasl": p["smtp"]["failures_total"]}
print(v[sys.argv[2]])
EOF
}
truth() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/truth.json" "$1"; }

# ---- the generator's truth
is "$(mh received) $(mh delivered) $(mh deferred) $(mh bounced) $(mh rejected) $(mh sasl)" \
    "$(truth received) $(truth sent) $(truth deferred) $(truth bounced) $(truth rejected) $(truth sasl_failed)" \
    "received, delivered, deferred, bounced, rejected, SASL failures: as generated"
"$PY" - "$T/mh.json" "$T/truth.json" >"$T/users.diff" <<'EOF'
import json, sys
j, truth = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
got = {r["user"]: r for r in j["traffic"]["senders_total"]}
for u, w in sorted(truth["users"].items()):
    g = got.get(u)
    if g is None or g["total"] != w["messages"] or g["client_ips"] != w["ips"]:
        print(u, w, g and (g["total"], g["client_ips"]))
EOF
[ ! -s "$T/users.diff" ]
ok $? "every SASL user's messages and client addresses as generated"
sed 's/^/# /' "$T/users.diff" | head -5

# ---- pflogsumm on the same file
pflogsumm "$T/gen.log" >"$T/pflogsumm.out" 2>"$T/pflogsumm.err" ||
	bail "pflogsumm failed: $(cat "$T/pflogsumm.err")"
pfl() {	# the Grand Totals number before WORD (deferrals: in parentheses)
	case $1 in
	deferrals) sed -n 's/.*deferred *(\([0-9]*\) *deferrals).*/\1/p' "$T/pflogsumm.out" | head -1 ;;
	*) awk -v w="$1" '$2 == w { print $1; exit }' "$T/pflogsumm.out" ;;
	esac
}
is "$(mh received)" "$(pfl received)" "received: pflogsumm agrees (every message here came through smtpd or pickup)"
is "$(mh delivered)" "$(pfl delivered)" "delivered: pflogsumm agrees"
is "$(mh deferred)" "$(pfl deferrals)" "deferred: pflogsumm's deferrals (it counts messages apart)"
is "$(mh bounced)" "$(pfl bounced)" "bounced: pflogsumm agrees (nothing expired here)"
is "$(mh rejected)" "$(pfl rejected)" "rejected: pflogsumm agrees"

# ---- prometheus-postfix-exporter tailing a copy
PORT=$(free_port tcp)
: >"$T/tail.log"
prometheus-postfix-exporter --web.listen-address="127.0.0.1:$PORT" \
    --postfix.logfile_path="$T/tail.log" \
    --postfix.showq_path="$T/no-showq" >"$T/exporter.out" 2>&1 &
track_pid $!
metrics() {
	"$PY" - "$PORT" "$1" <<'EOF'
import sys, urllib.request
want, s = sys.argv[2], 0
body = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1],
                              timeout=2).read().decode()
for l in body.splitlines():
    name = l.split("{")[0].split(" ")[0]
    if name == want:
        s += float(l.rsplit(" ", 1)[1])
print(int(s))
EOF
}
wait_until 20 metrics postfix_up || bail "the exporter did not answer: $(cat "$T/exporter.out")"
cat "$T/gen.log" >>"$T/tail.log"
CONNECTS=$(grep -c 'postfix/smtpd\[[0-9]*\]: connect from' "$T/gen.log")
MSGIDS=$(grep -c 'message-id=' "$T/gen.log")
exporter_done() {
	[ "$(metrics postfix_smtpd_connects_total)" = "$CONNECTS" ] &&
	    [ "$(metrics postfix_cleanup_messages_processed_total)" = "$MSGIDS" ]
}
wait_until 30 exporter_done
ok $? "the exporter read the whole log"
is "$(mh received)" "$(metrics postfix_cleanup_messages_processed_total)" \
    "received: the exporter's cleanup messages processed"
is "$(mh deferred)" "$(metrics postfix_smtp_status_deferred)" \
    "deferred: the exporter's smtp status=deferred"
is "$(mh rejected)" "$(metrics postfix_smtpd_messages_rejected_total)" \
    "rejected: the exporter's smtpd rejects, all codes"
is "$(mh smtp_sasl)" "$(metrics postfix_smtpd_sasl_authentication_failures_total)" \
    "SASL failures of postfix/smtpd: the exporter's (it ignores postfix/submission/smtpd)"
[ "$(mh sasl)" -gt "$(metrics postfix_smtpd_sasl_authentication_failures_total)" ]
ok $? "ours count the submission service's failures too ($(mh sasl) in all)"

# ---- a real Postfix log, where the definitions differ
REAL=$top_srcdir/tests/data/logs/postfix-3.7.maillog
printf 'log real { path = "%s" }\n' "$REAL" >"$T/real.conf"
"$MAILHEALTHD" --once -c "$T/real.conf" >"$T/mh.json" 2>"$T/mh.err" ||
	bail "mailhealthd --once failed: $(cat "$T/mh.err")"
pflogsumm "$REAL" >"$T/pflogsumm.out" 2>/dev/null || bail "pflogsumm failed"
# queue ids that entered the queue without an smtpd client= or pickup
# line (bounce notices Postfix made itself, messages it forwarded), and
# the other way round (a message cleanup refused before message-id=)
read -r noentry noid <<<"$(awk '
	/postfix\/cleanup.*: message-id=/ { split($6, q, ":"); ids[q[1]] = 1 }
	/postfix\/(submission\/)?smtpd.*: client=/ || /postfix\/pickup.*: uid=/ {
		split($6, q, ":"); seen[q[1]] = 1 }
	END {
		a = 0; b = 0
		for (i in ids) if (!(i in seen)) a++
		for (i in seen) if (!(i in ids)) b++
		print a, b
	}' "$REAL")"
is "$(mh received)" "$(($(pfl received) + noentry - noid))" \
    "received: pflogsumm's, plus $noentry messages Postfix queued itself, less $noid cleanup refused"
expired=$(grep -c 'status=expired' "$REAL")
is "$(mh bounced)" "$(($(pfl bounced) + expired))" \
    "bounced: pflogsumm's plus the $expired expired in the queue"

# ---- --since: a log of 2,000 lines a second apart, the last 1 h ago
"$GEN" -n 2000 --rate 1 --start $(($(date +%s) - 3600 - 2000)) \
    --format rfc3339 "$T/old.log" || bail "gen-postfix-log failed"
printf 'log old { path = "%s" }\n' "$T/old.log" >"$T/old.conf"
lines_since() {
	"$MAILHEALTHD" --once --since "$1" -c "$T/old.conf" 2>/dev/null |
	    "$PY" -c 'import json, sys; print(json.load(sys.stdin)["logs"]["lines"])'
}
is "$(lines_since 2h)" 2000 "--since 2h: every line"
is "$(lines_since 50m)" 0 "--since 50m: none (the last is an hour old)"
half=$(lines_since 4600s)
[ "$half" -ge 990 ] && [ "$half" -le 1010 ]
ok $? "--since 4600s: the last thousand or so ($half)"
"$MAILHEALTHD" --once --since 2x -c "$T/old.conf" >/dev/null 2>&1
is $? 64 "--since 2x: a usage error"
finish
