#!/bin/bash
# probe-resolv.sh: checks that meet a system resolver that never answers.
# A network namespace made here gets its own /etc/resolv.conf (ip netns
# exec mounts /etc/netns/NAME/resolv.conf over it) naming a DNS server
# inside the namespace (tests/integration/probe-servers.py on port 53)
# that answers mail.mh-test.invalid and never answers hang.mh-test.invalid.
# A web check of a name that hangs in getaddrinfo() and a dns check
# through the system's resolver must both fail at their timeout with a
# reason, the round must end then, and the program must not wait for
# the resolver at exit either.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd ip /usr/bin/python3
PROBECHECK=$top_builddir/tests/probecheck
SERVERS=$top_srcdir/tests/integration/probe-servers.py
[ -x "$PROBECHECK" ] || bail "$PROBECHECK not built (make check builds it)"

plan 6
mktestdir
NS=mh-probe-rs-$$
ns_cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "/etc/netns/$NS"
}
CLEANUP_HOOK=ns_cleanup
ip netns add "$NS" || bail "ip netns add failed"
ip -n "$NS" link set lo up || bail "lo up failed"
mkdir -p "/etc/netns/$NS"
echo "nameserver 127.0.0.1" >"/etc/netns/$NS/resolv.conf"

ip netns exec "$NS" /usr/bin/python3 "$SERVERS" dns "$T/dns.port" 53 2>"$T/dns.log" &
track_pid $!
wait_until 10 test -s "$T/dns.port" || bail "dns server did not start: $(cat "$T/dns.log")"

start=$(date +%s%N)
ip netns exec "$NS" "$PROBECHECK" \
	'name=web kind=http target=http://hang.mh-test.invalid/ timeout=2' \
	'name=dns-hang kind=dns target=hang.mh-test.invalid timeout=2' \
	'name=dns-sys kind=dns target=mail.mh-test.invalid timeout=2' \
	'name=smtp-name kind=smtp target=mail.mh-test.invalid:25 timeout=2' \
	>"$T/out" 2>&1
wall=$((($(date +%s%N) - start) / 1000000))
col() { awk -F'\t' -v n="$1" -v c="$2" '$1 == 1 && $2 == n { print $c }' "$T/out"; }

is "$(col web 10)" "timeout after 2 s (resolving the name)" "http: a name the system resolver never answers"
is "$(col dns-hang 10)" "timeout after 2 s (no answer from the resolver)" "dns through the system's resolver: no answer"
is "$(col dns-sys 11)" "127.0.0.1" "dns through the system's resolver (resolv.conf of the namespace)"
is "$(col smtp-name 10)" "connect refused" "smtp to a name: resolved, then refused"
ms=$(sed -n 's/^# round 1: \([0-9]*\) ms$/\1/p' "$T/out")
[ -n "$ms" ] && [ "$ms" -lt 3000 ]
ok $? "the round ended at the timeout: $ms ms"
[ "$wall" -lt 3500 ]
ok $? "and the program did not wait for getaddrinfo() at exit: $wall ms in all"

finish
