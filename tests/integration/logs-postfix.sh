#!/bin/bash
# logs-postfix.sh: the log collector end to end on a real mail server. A
# private Postfix with Dovecot SASL on loopback (maillab.sh) writes its
# maillog_file and Dovecot its log_path; mailhealthd follows both while
# the test injects, with every real part:
#   - a flood as one SASL user (info) from six source addresses
#     (swaks --local-interface), each message to a domain that accepts
#     and to one whose MX answers 421 (deferred);
#   - wrong passwords from one address over SMTP AUTH, IMAP and POP3;
#   - junk through sendmail(1) as another local user;
#   - relay refusals.
# What was injected is known; the test compares it with the SNMP values
# (mhTraffic, mhRateSenderTable, mhDeferTable, mhAuth) and with the JSON
# of `mailhealthd --once` replaying the same logs, and checks one alarm
# of each family end to end: mailhealthd -> snmpd -> snmptrapd ->
# mailhealth-sms -> the loopback SMS gateway, with the SMS text.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/maillab.sh"

need_root
need_cmd snmpd snmpget snmpbulkwalk postfix postconf sendmail dovecot \
    doveadm swaks unshare runuser useradd hostname
need_sms
mktestdir
CLEANUP_HOOK=lab_stop
plan 43

FLOOD_IPS="2 3 4 5 6 7"	# 127.0.0.x
PER_IP=4
FLOOD=24		# messages, each to sink.test and gmail.test
JUNK=5			# sendmail as mhjunk
SMTP_FAIL=6 IMAP_FAIL=4 POP3_FAIL=3
FAILS=$((SMTP_FAIL + IMAP_FAIL + POP3_FAIL))
RELAY=3
BAD=127.0.0.20

id mhjunk >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin mhjunk ||
	bail "cannot create the local user mhjunk"
lab_start

start_pager
start_snmpd "$TRAP_PORT"
# thresholds at the final values: each alarm is raised by the last event
# of its kind, so its SMS text is known in advance
cat >"$T/mailhealthd.conf" <<EOF
interval = 1
agentx_ping = 1
state_directory = "$T/state"
mta postfix { queue_directory = "$LAB/pf/spool" }
log postfix { path = "$LAB_MAILLOG" }
log dovecot { path = "$LAB_DOVELOG" }
logs { rate_window = 600 auth_window = 600 }
alarm sender-flood {
	metric = "sender.rate"
	rising = $FLOOD
	falling = 5
	severity = critical
}
alarm brute-force {
	metric = "auth.client"
	rising = $FAILS
	falling = 2
}
alarm refused {
	metric = "defer.domain"
	rising = $FLOOD
	falling = 2
}
EOF
start_agent "$T/mailhealthd.conf"
wait_until 10 test -s "$T/state/log-postfix.state"
ok $? "the agent keeps the Postfix log's position in state_directory"
is "$(stat -c %a "$T/state")" 750 "the state directory is mode 0750"
is "$(sget $MH.1.3.1.0)" 0 "mhTrafficReceived.0 starts at 0: old lines are not news"

# ---- the flood: one account, six addresses, round robin
S="swaks -S -S -S --server 127.0.0.1"
for k in $(seq 1 $PER_IP); do
	for ip in $FLOOD_IPS; do
		$S:$LAB_SUBMISSION --local-interface 127.0.0.$ip --auth LOGIN \
		    --auth-user info --auth-password infopw \
		    --from info@lab.test --to "u$ip.$k@sink.test,v$ip.$k@gmail.test" ||
			bail "swaks flood from 127.0.0.$ip failed"
	done
done

# ---- wrong passwords from one address: SMTP AUTH, IMAP, POP3
for i in $(seq 1 $SMTP_FAIL); do
	if $S:$LAB_SMTP --local-interface $BAD --auth LOGIN --auth-user admin \
	    --auth-password "wrong$i" --from a@b.test --to c@sink.test \
	    >/dev/null 2>&1; then
		bail "a wrong SMTP password was accepted"
	fi
done
"$PY" - "$BAD" "$LAB_IMAP" "$LAB_POP3" "$IMAP_FAIL" "$POP3_FAIL" <<'EOF' ||
import imaplib, poplib, socket, sys
src, imap_port, pop_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
class I(imaplib.IMAP4):
    def _create_socket(self, timeout=None):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(src, 0))
class P(poplib.POP3):
    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(src, 0))
for i in range(int(sys.argv[4])):
    c = I("127.0.0.1", imap_port)
    try:
        c.login("alice", "wrong%d" % i)
        sys.exit("IMAP accepted a wrong password")
    except imaplib.IMAP4.error:
        pass
    c.logout()
for i in range(int(sys.argv[5])):
    c = P("127.0.0.1", pop_port)
    try:
        c.user("bob")
        c.pass_("wrong%d" % i)
        sys.exit("POP3 accepted a wrong password")
    except poplib.error_proto:
        pass
    c.quit()
EOF
	bail "the IMAP/POP3 logins did not go as planned"

# ---- junk through sendmail as a local user; relay refusals
for i in $(seq 1 $JUNK); do
	printf 'Subject: junk %s\n\njunk\n' "$i" | lab_sendmail_as mhjunk "j$i@sink.test" ||
		bail "sendmail as mhjunk failed"
done
for i in $(seq 1 $RELAY); do
	if $S:$LAB_SMTP --local-interface 127.0.0.30 --from spam@junk.test \
	    --to "victim$i@elsewhere.test" >/dev/null 2>&1; then
		bail "Postfix relayed for 127.0.0.30"
	fi
done

# ---- wait for Postfix to have delivered or deferred everything
count() { grep -c -- "$2" "$1" 2>/dev/null; }
pf_settled() {
	[ "$(count "$LAB_MAILLOG" 'status=sent')" -ge $((FLOOD + JUNK)) ] &&
	    [ "$(count "$LAB_MAILLOG" 'status=deferred')" -ge $FLOOD ]
}
wait_until 60 pf_settled || bail "Postfix did not deliver and defer all: $(tail -5 "$LAB_MAILLOG")"
is "$(count "$LAB_MAILLOG" 'status=sent')" $((FLOOD + JUNK)) "Postfix logged $((FLOOD + JUNK)) deliveries"
is "$(count "$LAB_MAILLOG" 'status=deferred')" $FLOOD "Postfix logged $FLOOD deferrals"
is "$(count "$LAB_MAILLOG" 'Relay access denied')" $RELAY "Postfix logged $RELAY relay refusals"

# ---- SNMP against what was injected
T3=$MH.1.3 T4=$MH.1.4 T5=$MH.1.5
# every counter the test reads below: the relay refusals may be the last
# lines Postfix wrote, after the last delivery
settled() { [ "$(sget $T3.2.0)" = $((FLOOD + JUNK)) ] && [ "$(sget $T5.2.0)" = $FAILS ] &&
	[ "$(sget $T3.3.0)" = $FLOOD ] && [ "$(sget $T3.5.0)" = $RELAY ]; }
wait_until 20 settled
ok $? "the agent caught up with the logs"
is "$(sget $T3.1.0)" $((FLOOD + JUNK)) "mhTrafficReceived.0: every message that entered the queue"
is "$(sget $T3.2.0)" $((FLOOD + JUNK)) "mhTrafficDelivered.0"
is "$(sget $T3.3.0)" $FLOOD "mhTrafficDeferred.0: one per gmail.test recipient"
is "$(sget $T3.4.0)" 0 "mhTrafficBounced.0"
is "$(sget $T3.5.0)" $RELAY "mhTrafficRejected.0: the relay refusals"
is "$(sget $T3.16.0)" $((FLOOD + JUNK)) "mhTrafficReceivedWindow.0"
is "$(sget $T3.6.0)" 600 "mhTrafficRateWindow.0"

# rows of a per-key table by key: "index value" of column COL
row_of() {	# TABLE-OID NAME: the agent's index of the row named NAME
	swalk "$1.1.2" | sed -n "s/.*\.\([0-9]*\) \"$2\"\$/\1/p"
}
R=$(row_of $T3.10 info)
[ -n "$R" ]
ok $? "mhRateSenderTable has a row for info (index $R)"
is "$(sget $T3.10.1.3.$R)" $FLOOD "mhRateSenderMessages: info submitted $FLOOD"
is "$(sget $T3.10.1.5.$R)" 6 "mhRateSenderClientIPs: from 6 addresses"
is "$(sget $T3.10.1.7.$R)" 1 "mhRateSenderRank: info is first"
is "$(sget $T3.10.1.8.$R)" 0 "mhRateSenderMessagesError: exact"
is "$(sget $T3.10.1.12.$R)" 2 "mhRateSenderDomains: sink.test and gmail.test"
is "$(sget $T3.10.1.11.$R)" 1 "mhRateSenderClientIPsAcc: exact(1)"
is "$(sget $T3.10.1.14.$R)" '"127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7"' \
    "mhRateSenderFirstClients: the six addresses in order"
J=$(row_of $T3.10 mhjunk)
[ -n "$J" ] && [ "$(sget $T3.10.1.3.$J)" = $JUNK ] && [ "$(sget $T3.10.1.5.$J)" = 0 ]
ok $? "mhRateSenderTable: mhjunk submitted $JUNK locally, from no address"
D=$(row_of $T4.10 gmail.test)
[ -n "$D" ]
ok $? "mhDeferTable has gmail.test (index $D)"
is "$(sget $T4.10.1.3.$D)" $FLOOD "mhDeferMessages: $FLOOD deferrals to gmail.test"
case $(sget $T4.10.1.4.$D) in *"421 4.7.0"*) r=0 ;; *) r=1 ;; esac
ok $r "mhDeferLastReason has the MX's 421 reply"
is "$(sget $T5.2.0)" $FAILS "mhAuthFailures.0: every wrong password once"
is "$(sget $T5.10.1.2.1)" $SMTP_FAIL "mhAuthProtoFailures.smtp"
is "$(sget $T5.10.1.2.2)" $POP3_FAIL "mhAuthProtoFailures.pop3"
is "$(sget $T5.10.1.2.3)" $IMAP_FAIL "mhAuthProtoFailures.imap"
is "$(sget $T5.10.1.4.4)" $FLOOD "mhAuthProtoSuccesses.submission: the flood's logins"
C=$(row_of $T5.12 $BAD)
[ -n "$C" ] && [ "$(sget $T5.12.1.3.$C)" = $FAILS ] && [ "$(sget $T5.12.1.4.$C)" = 3 ]
ok $? "mhAuthClientTable: $BAD failed $FAILS times as 3 user names"
is "$(sget $T5.12.1.10.$C)" '"admin, alice, bob"' "mhAuthClientFirstUsers: the names tried, in order"
U=$(row_of $T5.11 alice)
[ -n "$U" ] && [ "$(sget $T5.11.1.3.$U)" = $IMAP_FAIL ]
ok $? "mhAuthUserTable: alice failed $IMAP_FAIL times"

# ---- one alarm of each family, end to end, as the phone reads them
HOST=$(hostname)
want_sms() { gw_texts | grep -qxF -- "$1"; }
for want in \
    "CRITICAL $HOST sender info: $FLOOD msgs in 10min from 6 IPs (>= $FLOOD)" \
    "WARNING $HOST auth $BAD: $FAILS failed logins (>= $FAILS) (admin, alice, bob)" \
    "WARNING $HOST defer gmail.test: $FLOOD deferred (>= $FLOOD), 421 4.7.0 Try again later, closing"; do
	wait_until 20 want_sms "$want"
	ok $? "SMS: $want"
done
gw_texts | sed 's/^/# sms: /'
is "$(sget $MH.1.10.1.0)" 3 "mhAlarmActive.0: three alarms raised"

# ---- --once replays the same logs from their start: the same numbers
# (its own state_directory, which it must not even create)
sed "s|^state_directory = .*|state_directory = \"$T/once-state\"|" \
    "$T/mailhealthd.conf" >"$T/once.conf"
"$MAILHEALTHD" --once -c "$T/once.conf" >"$T/once.json" 2>"$T/once.err"
is $? 0 "mailhealthd --once exits 0"
"$PY" - "$T/once.json" >"$T/once.got" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
t, a, d = j["traffic"], j["auth"], j["defer"]
s = {r["user"]: r for r in t["senders"]}
c = {r["client"]: r for r in a["clients"]}
g = {r["domain"]: r for r in d["domains"]}
p = {r["protocol"]: r for r in a["protocols"]}
ev = sorted((e["alarm"], e["event"]) for e in j["logs"]["replay_alarms"])
print(t["received_total"], t["delivered_total"], t["deferred_total"],
      t["bounced_total"], t["rejected_total"], s["info"]["messages"],
      s["info"]["client_ips"], s["mhjunk"]["messages"],
      g["gmail.test"]["deferred"], a["failures_total"],
      p["smtp"]["failures_total"], p["imap"]["failures_total"],
      p["pop3"]["failures_total"], c["127.0.0.20"]["failures"],
      c["127.0.0.20"]["first_users"], ev)
EOF
is "$(cat "$T/once.got")" "$((FLOOD + JUNK)) $((FLOOD + JUNK)) $FLOOD 0 $RELAY $FLOOD 6 $JUNK $FLOOD $FAILS $SMTP_FAIL $IMAP_FAIL $POP3_FAIL $FAILS admin, alice, bob [('brute-force', 'raised'), ('refused', 'raised'), ('sender-flood', 'raised')]" \
    "the --once JSON says the same, with the three alarms of the replay"
"$MAILHEALTHD" --once --format text -c "$T/once.conf" >"$T/once.txt" 2>/dev/null
grep -q "who is sending: top users in the window" "$T/once.txt" &&
    grep -Eq "^ +$FLOOD +0 +$FLOOD +6 +2  info +127.0.0.[2-7] +127.0.0.2 127.0.0.3" "$T/once.txt"
ok $? "--format text: who is sending, info with its count and addresses"
grep -q "who is failing to log in: by client IP" "$T/once.txt" &&
    grep -q "who refuses our mail" "$T/once.txt" &&
    grep -q "raised.*sender-flood.*sender.rate info $FLOOD >= $FLOOD, in 10min from 6 IPs" "$T/once.txt"
ok $? "--format text: failed logins, refusing domains, the replay's alarms with their times"
[ ! -e "$T/once-state" ]
ok $? "--once neither reads nor writes state files"
finish
