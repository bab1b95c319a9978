#!/bin/bash
# probe-fw.sh: the firewall check (agent/probe/probe_fw.c) on real
# rulesets, in network namespaces made here, with tests/probecheck run
# inside them (libnftables and iptables-save see the namespace they run
# in). Over four rounds: the table and chain are there with rules; a rule
# is added (a change of ruleset is reported, with the counts); a set
# element is added, as fail2ban does (no change); the table is deleted
# (the check fails, and that is a change). Then: an empty namespace, and
# iptables-save missing from PATH.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd ip nft iptables iptables-save
PROBECHECK=$top_builddir/tests/probecheck
[ -x "$PROBECHECK" ] || bail "$PROBECHECK not built (make check builds it)"

plan 19
mktestdir
NS=mh-probe-fw-$$
NS2=mh-probe-fw2-$$
ns_cleanup() {
	ip netns del "$NS" 2>/dev/null
	ip netns del "$NS2" 2>/dev/null
}
CLEANUP_HOOK=ns_cleanup
ip netns add "$NS" || bail "ip netns add failed"
ip netns add "$NS2" || bail "ip netns add failed"
in_ns() { ip netns exec "$NS" "$@"; }

in_ns nft -f - <<'EOF' || bail "nft -f failed"
table inet filter {
	set banned { type ipv4_addr; }
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 22 counter accept
		ip saddr @banned drop
	}
	chain empty {
	}
}
EOF
# iptables (here iptables-nft) makes its own table "ip filter"
in_ns iptables -A INPUT -p tcp --dport 25 -j ACCEPT || bail "iptables -A failed"

coproc PC {
	ip netns exec "$NS" "$PROBECHECK" -n 4 -s \
		'name=fw kind=firewall target="inet filter" chain=input' \
		'name=fw-empty kind=firewall target="inet filter" chain=empty' \
		'name=fw-notable kind=firewall target="inet nosuch"' \
		'name=fw-nochain kind=firewall target="inet filter" chain=nosuch' \
		'name=fw-all kind=firewall' \
		'name=fw-ipt kind=firewall fw_backend=iptables target=filter chain=INPUT' 2>&1
}
track_pid $PC_PID
# bash unsets PC when the program ends: keep our own copies of its pipes
exec {pc_out}<&"${PC[0]}" {pc_in}>&"${PC[1]}"
out=$T/rounds
: >"$out"
next_round() {
	local l
	while IFS= read -r -t 20 l <&"$pc_out"; do
		[ "$l" = "# next" ] && return 0
		printf '%s\n' "$l" >>"$out"
	done
	return 0
}
col() { awk -F'\t' -v r="$1" -v n="$2" -v c="$3" '$1 == r && $2 == n { print $c }' "$out"; }

next_round
in_ns nft add rule inet filter input tcp dport 25 accept
echo go >&"$pc_in"
next_round
in_ns nft add element inet filter banned '{ 127.0.0.9 }'
echo go >&"$pc_in"
next_round
in_ns nft delete table inet filter
echo go >&"$pc_in"
next_round

is "$(col 1 fw 3)/$(col 1 fw 11)" "1/2 rules in inet filter input (nft)" "round 1: the chain has its 2 rules"
is "$(col 1 fw-empty 10)" "no rules in inet filter empty" "a chain without rules fails"
is "$(col 1 fw-notable 10)" "no table inet nosuch" "a table that is not there"
is "$(col 1 fw-nochain 10)" "no chain nosuch in table inet filter" "a chain that is not there"
is "$(col 1 fw-all 11)" "3 rules loaded (nft)" "no table given: rules of every table (nft's and iptables')"
is "$(col 1 fw-ipt 11)" "1 rule in ip filter INPUT (iptables-save)" "iptables-save backend"
fp1=$(col 1 fw 7)
case $fp1 in [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) r=0 ;; *) r=1 ;; esac
ok $r "round 1: a fingerprint ($fp1)"
is "$(col 1 fw 9)" "0" "round 1: no change (nothing to compare with)"

is "$(col 2 fw 9)/$(col 2 fw 12)" "1/ruleset changed (2 -> 3 rules in inet filter input)" \
	"round 2: a rule added is a change, with the counts"
[ "$(col 2 fw 7)" != "$fp1" ]
ok $? "round 2: a new fingerprint"
is "$(col 2 fw 3)/$(col 2 fw 4)" "1/up" "round 2: still up"

is "$(col 3 fw 9)/$(col 3 fw 7)" "0/$(col 2 fw 7)" "round 3: an element added to a set is no change"

is "$(col 4 fw 3)/$(col 4 fw 10)" "0/no table inet filter" "round 4: the table deleted fails"
is "$(col 4 fw 9)" "1" "round 4: and is a change"
is "$(col 4 fw-ipt 3)" "1" "round 4: iptables' table is still there"

# a namespace without any ruleset: nft finds none, iptables-save neither
r=$(ip netns exec "$NS2" "$PROBECHECK" 'name=a kind=firewall' \
	'name=n kind=firewall fw_backend=nft' | awk -F'\t' '$2 != "" && $1 == 1 { print $2 ":" $10 }' | tr '\n' ' ')
is "$r" "a:no rules loaded n:no rules loaded " "an empty namespace: no rules loaded, with either backend"

# iptables-save missing
r=$(ip netns exec "$NS" env PATH=/nonexistent "$PROBECHECK" \
	'name=i kind=firewall fw_backend=iptables target=filter' | awk -F'\t' '$1 == 1 { print $10 }')
is "$r" "cannot run iptables-save: No such file or directory" "iptables-save missing: a reason, not a hang"
r=$(ip netns exec "$NS2" env PATH=/nonexistent "$PROBECHECK" \
	'name=i kind=firewall target=filter' | awk -F'\t' '$1 == 1 { print $10 }')
is "$r" "cannot run iptables-save: No such file or directory; nftables has no ruleset" \
	"auto: nft empty and no iptables-save: both reasons"
r=$(ip netns exec "$NS" "$PROBECHECK" \
	'name=i kind=firewall fw_backend=iptables target="inet filter"' | awk -F'\t' '$1 == 1 { print $10 }')
is "$r" "iptables has no family inet" "iptables has no inet family"

finish
