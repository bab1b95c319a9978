#!/bin/sh
# build.sh [TARGET...]: build the libFuzzer targets tests/fuzz/fuzz_*.c with
# clang (-fsanitize=fuzzer,address,undefined) into ./build-fuzz/ of the
# source tree. Targets named fuzz_sms_* or fuzz_trap* link the SMS
# sources, the others the agent's; none links net-snmp.
# Run one with a scratch dir first (libFuzzer writes new inputs into the
# first directory; keep the committed seeds small):
#   mkdir -p /tmp/c && build-fuzz/fuzz_conf -max_total_time=60 /tmp/c tests/fuzz/corpus/conf
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build-fuzz
mkdir -p "$out"
cat >"$out/config.h" <<CONF
#define PACKAGE_VERSION "fuzz"
#define SYSCONFDIR "/etc"
#define LOCALSTATEDIR "/var"
#define RUNSTATEDIR "/run"
#define _GNU_SOURCE 1
#define HAVE_SYS_INOTIFY_H 1
CONF
agent_srcs=$(ls "$top"/agent/*/*.c | grep -v '/snmp/')
sms_srcs=$(ls "$top"/sms/*.c | grep -v -E '/(main|sender_bin)\.c$')
targets=${*:-$(ls "$top"/tests/fuzz/fuzz_*.c)}
for t in $targets; do
	name=$(basename "$t" .c)
	case $name in
	fuzz_sms_* | fuzz_trap*) srcs=$sms_srcs; libs="-lconfuse -lcurl" ;;
	*) srcs=$agent_srcs; libs="-lconfuse -lpcre2-8" ;;
	esac
	# shellcheck disable=SC2086
	clang -g -O1 -fsanitize=fuzzer,address,undefined -include "$out/config.h" \
		-I"$out" -I"$top/lib" -I"$top/agent" -I"$top/sms" \
		"$t" $srcs "$top"/lib/*.c $libs -lm -lpthread -o "$out/$name"
	echo "built $out/$name"
done
