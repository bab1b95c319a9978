#!/bin/sh
# seeds.sh: make check in a --enable-fuzzing build. The fuzz targets then
# have libFuzzer's main, not replay.c's, so this runs each over its seeds
# (tests/fuzz/corpus/NAME) through libFuzzer itself: files given as
# arguments are run once each, nothing is written, leaks count as
# failures. One TAP point per target; the libFuzzer output of a failure
# is shown as diagnostics.
# Environment (from make check): top_srcdir, top_builddir, fuzz_targets.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
: "${fuzz_targets:?make check passes the list of fuzz targets}"

n=0
fail=0
# shellcheck disable=SC2086
set -- $fuzz_targets
echo "1..$#"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
for t in "$@"; do
	n=$((n + 1))
	name=$(basename "$t")
	corpus=$top_srcdir/tests/fuzz/corpus/${name#fuzz_}
	nseeds=$(find "$corpus" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | wc -l)
	if [ "$nseeds" -eq 0 ]; then
		echo "not ok $n - $name: no seeds in $corpus"
		fail=$((fail + 1))
		continue
	fi
	if find "$corpus" -maxdepth 1 -type f ! -name '.*' -print0 |
		xargs -0 "$top_builddir/$t" -error_exitcode=77 \
			-timeout=60 >"$tmp/out" 2>&1; then
		echo "ok $n - $name: $nseeds seeds"
	else
		echo "not ok $n - $name: libFuzzer failed on a seed"
		sed 's/^/# /' "$tmp/out"
		fail=$((fail + 1))
	fi
done
[ "$fail" -eq 0 ]
