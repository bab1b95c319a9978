#!/bin/bash
# log-rotate.sh: the plain-file log source follows a file that the real
# logrotate rotates five times while a writer appends numbered lines at
# speed, and reads every line exactly once, across a restart of the
# reader too (tests/logcat with a state file, stopped with SIGTERM).
#
# Three setups:
#  create:        rename + create, compress at once (no delaycompress):
#                 the rotated file is gone before we may have read its
#                 end, which only our open descriptor still reaches; the
#                 writer reopens on SIGHUP from postrotate, as rsyslog,
#                 but only 3,000 lines (0.1 s) later, so that the reader
#                 has moved to the new file while lines still go to the
#                 old one.
#                 The reader is restarted between two rotations.
#  create-stopped: the same with delaycompress, and a rotation while the
#                 reader is stopped: its state finds the renamed file by
#                 its inode and reads its rest first.
#  copytruncate:  copytruncate + delaycompress, the writer never reopens;
#                 a rotation while the reader is stopped too. Lines the
#                 writer adds between logrotate's copy and its truncation
#                 are in neither file (for any reader): the truth is what
#                 the files hold at the end, and in this setup only.
# What the reader printed is compared with the truth: with create, every
# line written (1..N; in the first setup the files do not even hold them
# all: the writer's last lines went to a file gzip had already removed);
# with copytruncate, every line the files hold at the end (rotated ones
# decompressed), and perhaps some of those in no file, read from the
# file before logrotate truncated it. Each once.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd /usr/bin/python3 logrotate gzip zcat
LOGCAT=$top_builddir/tests/logcat
[ -x "$LOGCAT" ] || bail "$LOGCAT not built"
WRITER=$top_srcdir/tests/integration/logwriter.py
mktestdir
plan 19

N=60000
RATE=30000

progress() { [ -s "$T/progress" ] && [ "$(cat "$T/progress")" -ge "$1" ]; }
lines_seen() { [ "$(cat "$T"/out.* 2>/dev/null | wc -l)" -ge "$1" ]; }

start_reader() {
	"$LOGCAT" -f -b -i 50 -r -s "$T/state" "$LOG" >"$T/out.$1" 2>"$T/err.$1" &
	LPID=$!
	track_pid $LPID
}

stop_reader() {
	kill -TERM "$LPID"
	wait "$LPID"
}

# phase NAME DIRECTIVES WRITER-OPTS STOP-AT TRUTH: five forced rotations,
# one every N/6 lines; the reader is restarted after rotation 2, or, with
# STOP-AT=3, stopped across rotation 3. TRUTH: all | files.
phase() {
	local name=$1 directives=$2 wopts=$3 stop_at=$4 truth=$5 i k

	rm -rf "$T/log" "$T"/out.* "$T"/err.* "$T/state" "$T/progress" \
	    "$T/lr.state"
	mkdir -p "$T/log"
	LOG=$T/log/mail.log
	cat >"$T/lr.conf" <<EOF
$LOG {
	rotate 20
	missingok
	$directives
	postrotate
		kill -HUP \$(cat $T/writer.pid)
	endscript
}
EOF
	start_reader 0
	# shellcheck disable=SC2086
	/usr/bin/python3 "$WRITER" "$LOG" $N --rate $RATE \
	    --pidfile "$T/writer.pid" --progress "$T/progress" $wopts &
	WPID=$!
	track_pid $WPID
	for i in 1 2 3 4 5; do
		wait_until 30 progress $((i * N / 6)) ||
			bail "$name: the writer did not reach line $((i * N / 6))"
		if [ "$i" = "$stop_at" ]; then
			stop_reader
		fi
		# gzip may say the file grew while it compressed it: the
		# writer had not reopened yet, which is the point
		logrotate -f -s "$T/lr.state" "$T/lr.conf" 2>>"$T/lr.err" ||
			bail "$name: logrotate failed: $(tail -3 "$T/lr.err")"
		if [ "$i" = "$stop_at" ]; then
			start_reader "$i"
		elif [ "$stop_at" = 0 ] && [ "$i" = 2 ]; then
			# once the writer has left the rotated file and the
			# reader has read all it wrote there: after gzip
			# removed it, only a descriptor opened before reaches
			# it, and a restart loses that one
			k=$((i * N / 6 + N / 12))
			wait_until 30 progress $k ||
				bail "$name: the writer stopped"
			wait_until 30 lines_seen $k ||
				bail "$name: the reader is behind"
			stop_reader
			start_reader "$i"
		fi
	done
	wait "$WPID"
	# what the files hold at the end
	for f in "$T"/log/mail.log*; do
		case $f in
		*.gz) zcat "$f" ;;
		*) cat "$f" ;;
		esac
	done | awk '{ print $NF }' | sort -n >"$T/infiles"
	if [ "$truth" = all ]; then
		seq 1 $N >"$T/want"
	else
		cp "$T/infiles" "$T/want"
	fi
	k=$(wc -l <"$T/want")
	wait_until 30 lines_seen "$k"
	stop_reader
	cat "$T"/out.* | awk '{ print $NF }' | sort -n >"$T/got"
	is "$(uniq -d "$T/got" | wc -l)" 0 "$name: no line read twice"
	if [ "$truth" = all ]; then
		is "$(wc -l <"$T/got")" "$k" "$name: $k lines (every line written)"
		cmp -s "$T/want" "$T/got"
		ok $? "$name: the very lines"
	else
		# every line the files hold, and perhaps some of those in
		# no file, read from the live file before its truncation
		is "$(sort "$T/want" | comm -23 - <(sort "$T/got") | wc -l)" 0 \
		    "$name: every line the files hold ($k)"
		is "$(sort "$T/got" | comm -23 - <(seq 1 $N | sort) | wc -l)" 0 \
		    "$name: nothing but lines written ($(($(wc -l <"$T/got") - k)) of them in no file)"
	fi
	is "$(cat "$T"/err.* | grep -c 'reading from the end')" 0 \
	    "$name: the state file was always good"
	grep -h '^logcat:' "$T"/err.* | sed "s/^/# $name: /"
	if [ -n "$(ls "$T"/log/mail.log.*.gz 2>/dev/null)" ]; then
		ok 0 "$name: rotated files were compressed"
	else
		ok 1 "$name: rotated files were compressed"
	fi
}

phase create "create 0644 root root
	compress" "--reopen-on-hup --reopen-after 3000" 0 all
diag "create: $((N - $(wc -l <"$T/infiles"))) of $N lines are in no file (written to the rotated file after gzip removed it)"
is "$(awk '$1 == "logcat:" { n += $15 } END { print n }' "$T"/err.*)" 5 \
    "create: five rotations seen"

phase create-stopped "create 0644 root root
	compress
	delaycompress" "--reopen-on-hup --reopen-after 3000" 3 all
is "$(wc -l <"$T/infiles")" $N "create-stopped: the files hold every line"
is "$(awk '$1 == "logcat:" { n += $15 } END { print n }' "$T"/err.*)" 5 \
    "create-stopped: five rotations seen, one of them at the restart"

phase copytruncate "copytruncate
	compress
	delaycompress" "" 3 files
is "$(awk '$1 == "logcat:" { n += $17 } END { print n }' "$T"/err.*)" 5 \
    "copytruncate: five truncations seen"
diag "copytruncate: $((N - $(wc -l <"$T/infiles"))) of $N lines written between logrotate's copy and truncation are in no file"
finish
