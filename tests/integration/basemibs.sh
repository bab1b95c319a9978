#!/bin/sh
# basemibs.sh: print the directory that holds the IETF base MIBs
# (SNMPv2-SMI, SNMPv2-TC, SNMPv2-CONF, SNMPv2-MIB, ...) as NAME.txt,
# filling it first if needed.
#
# Debian ships no IETF base MIBs, so smilint and snmptranslate cannot load
# MAILHEALTH-MIB without them. The npm package `net-snmp` carries them under
# package/lib/mibs/*.mib; we fetch it with `npm pack` (no install, no
# scripts run) and copy the files in as NAME.txt. Nothing of it is
# committed.
#
# Cache: ${MAILHEALTH_MIB_CACHE:-/var/cache/mailhealth-test/mibs}.
# Output: the cache path on stdout, nothing else. On failure: a message on
# stderr and exit 1; callers must treat that as a test failure, not a skip.
#
# Safe to run concurrently: files are copied under temporary names and
# renamed into place, SNMPv2-SMI.txt (the "cache is filled" marker) last.

set -u

cache=${MAILHEALTH_MIB_CACHE:-/var/cache/mailhealth-test/mibs}
required="SNMPv2-SMI SNMPv2-TC SNMPv2-CONF SNMPv2-MIB"

die() {
	echo "basemibs.sh: $*" >&2
	exit 1
}

complete() {
	for m in $required; do
		[ -s "$cache/$m.txt" ] || return 1
	done
	return 0
}

if complete; then
	printf '%s\n' "$cache"
	exit 0
fi

mkdir -p "$cache" 2>/dev/null || die "cannot create the MIB cache $cache (set MAILHEALTH_MIB_CACHE to a writable directory)"
[ -w "$cache" ] || die "MIB cache $cache is not writable (set MAILHEALTH_MIB_CACHE to a writable directory)"

command -v npm >/dev/null 2>&1 || die "npm not found: it is needed once to fetch the IETF base MIBs (npm pack net-snmp) into $cache"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mh-basemibs.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# npm writes its own cache under $HOME; keep it in the temp dir when HOME
# is unusable (e.g. under a build user without a home).
if [ -z "${HOME:-}" ] || [ ! -w "${HOME:-/nonexistent}" ]; then
	npm_config_cache=$tmp/npm-cache
	export npm_config_cache
fi

if ! (cd "$tmp" && npm pack --silent net-snmp) >"$tmp/npm.log" 2>&1; then
	sed 's/^/basemibs.sh: npm: /' "$tmp/npm.log" >&2
	die "'npm pack net-snmp' failed; cannot fetch the IETF base MIBs into $cache"
fi

set -- "$tmp"/net-snmp-*.tgz
[ -f "$1" ] || die "'npm pack net-snmp' produced no tarball"
(cd "$tmp" && tar xzf "$1") || die "cannot unpack $1"

ls "$tmp"/package/lib/mibs/*.mib >/dev/null 2>&1 ||
	die "the net-snmp npm package has no lib/mibs/*.mib (layout changed?)"

# Copy every MIB but SNMPv2-SMI, then SNMPv2-SMI, so that its presence
# means the cache is complete.
for f in "$tmp"/package/lib/mibs/*.mib; do
	name=$(basename "$f" .mib)
	[ "$name" = SNMPv2-SMI ] && continue
	cp "$f" "$cache/.$name.txt.$$" && mv -f "$cache/.$name.txt.$$" "$cache/$name.txt" ||
		die "cannot copy $name into $cache"
done
f=$tmp/package/lib/mibs/SNMPv2-SMI.mib
[ -f "$f" ] || die "the net-snmp npm package has no SNMPv2-SMI.mib"
cp "$f" "$cache/.SNMPv2-SMI.txt.$$" && mv -f "$cache/.SNMPv2-SMI.txt.$$" "$cache/SNMPv2-SMI.txt" ||
	die "cannot copy SNMPv2-SMI into $cache"

complete || die "the MIB cache $cache is still incomplete (need: $required)"

printf '%s\n' "$cache"
exit 0
