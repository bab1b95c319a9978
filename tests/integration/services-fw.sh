#!/bin/bash
# services-fw.sh: a firewall service over SNMP. mailhealthd runs in a
# network namespace made here (libnftables reads the ruleset of the
# namespace it runs in) and reaches the private snmpd through its AgentX
# socket in $T. With an nftables ruleset there:
#   - the row: kind firewall(16), up, the rule count, the fingerprint,
#     no change yet (noSuchInstance for the last change and its text);
#   - a rule added: the change is counted, its time and text are set,
#     it is logged (token service), the fingerprint changes, the service
#     stays up, and an alarm on service.fw_changed pages the change and
#     clears at the next round;
#   - an element added to a set (what fail2ban does): no change;
#   - the chain flushed: the service goes down, its own alarm pages.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd ip nft snmpd snmptrapd snmpget
mktestdir
NS=mh-svc-fw-$$
ns_cleanup() { ip netns del "$NS" 2>/dev/null; }
CLEANUP_HOOK=ns_cleanup
plan 19

ip netns add "$NS" || bail "ip netns add failed"
in_ns() { ip netns exec "$NS" "$@"; }
in_ns nft -f - <<'EOF' || bail "nft -f failed"
table inet filter {
	set banned { type ipv4_addr; }
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 22 counter accept
		ip saddr @banned drop
	}
}
EOF

# mailhealthd in the namespace (ip netns exec execs it: the pid is its)
cat >"$T/mailhealthd-ns" <<EOF
#!/bin/sh
exec ip netns exec $NS $MAILHEALTHD "\$@"
EOF
chmod +x "$T/mailhealthd-ns"
MAILHEALTHD=$T/mailhealthd-ns

start_pager
start_snmpd "$TRAP_PORT"
cat >"$T/mailhealthd.conf" <<EOC
interval = 1
agentx_ping = 1
mta postfix { queue_directory = "$T/none" }
system { disks = { "$T" } }
service fw {
	check    = firewall
	target   = "inet filter"
	chain    = "input"
	severity = major
}
alarm fw-changed {
	metric   = "service.fw_changed"
	rising   = 1
	falling  = 0
	severity = info
}
EOC
start_agent "$T/mailhealthd.conf"
S=$MH.1.6.10.1
up() { [ "$(sget $S.5.1)" = 1 ]; }
wait_until 20 up || bail "the firewall service is not up: $(tail -5 "$T/mailhealthd.log")"

is "$(sget $S.3.1)" 16 "mhServiceKind: firewall(16)"
is "$(sget $S.13.1)" 2 "mhServiceFwRules: the 2 rules of inet filter input"
is "$(sget $S.12.1)" '"2 rules in inet filter input (nft)"' "mhServiceLastResult"
fp1=$(sget $S.14.1)
[[ $fp1 =~ ^\"[0-9a-f]{16}\"$ ]]
ok $? "mhServiceFwFingerprint is 16 hex digits ($fp1)"
is "$(sget $S.15.1)" 0 "mhServiceFwChanges: none yet"
case "$(sget $S.16.1) $(sget $S.17.1)" in *"No Such Instance"*"No Such Instance"*) r=0 ;; *) r=1 ;; esac
ok $r "mhServiceFwLastChange and mhServiceFwLastEvent: noSuchInstance before a change"

# ---- a rule added -------------------------------------------------------
in_ns nft add rule inet filter input tcp dport 25 accept
changed() { [ "$(sget $S.15.1)" = 1 ]; }
wait_until 10 changed
ok $? "a rule added: mhServiceFwChanges is 1"
is "$(sget $S.17.1)" '"ruleset changed (2 -> 3 rules in inet filter input)"' \
	"mhServiceFwLastEvent says what changed"
case $(sget $S.16.1) in *"No Such"* | "") r=1 ;; *) r=0 ;; esac
ok $r "mhServiceFwLastChange is set"
[ "$(sget $S.14.1)" != "$fp1" ]
ok $? "the fingerprint changed"
is "$(sget $S.5.1) $(sget $S.13.1)" "1 3" "still up, with 3 rules"
grep -q "\[service\] info: fw: ruleset changed (2 -> 3 rules in inet filter input)" \
	"$T/mailhealthd.log"
ok $? "the change is logged (token service)"
wait_until 20 gw_count_is 2
ok $? "the fw-changed alarm paged the change and its clear"
diag "SMS: $(gw_texts | tr '\n' '|')"
gw_texts | head -1 | grep -q "ruleset changed (2 -> 3 rules"
ok $? "the raise says what changed"

# ---- an element added to a set: no change ------------------------------
c=$(sget $S.11.1)
in_ns nft add element inet filter banned '{ 127.0.0.9 }'
three_more() { [ "$(sget $S.11.1)" -ge $((c + 3)) ]; }
wait_until 10 three_more || bail "no more checks"
is "$(sget $S.15.1)" 1 "a set element added (fail2ban): no change counted"

# ---- the chain flushed: down, its own alarm ----------------------------
in_ns nft flush chain inet filter input
down() { [ "$(sget $S.5.1)" = 2 ]; }
wait_until 10 down
ok $? "the chain without rules: the service is down"
is "$(sget $S.8.1)" '"no rules in inet filter input"' "mhServiceLastError"
has_down() { gw_texts | grep -q "no rules in inet filter input"; }
wait_until 20 has_down
ok $? "its own alarm paged: $(gw_texts | grep 'no rules' | head -1)"
is "$(sget $S.15.1)" 2 "the flush is a change too"
finish
