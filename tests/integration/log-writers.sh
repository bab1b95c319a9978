#!/bin/bash
# log-writers.sh: the file source and the header reader on logs written
# by the real programs into their own files, rotated by the programs'
# own commands while we follow them:
#  - a private Postfix (tests/integration/postfix.sh) writing maillog_file
#    through postlogd; `postfix logrotate` in the middle (rename with a
#    date suffix, reopen, gzip the old file);
#  - a private Dovecot on loopback ports writing log_path, with failed
#    IMAP and POP3 logins and a good one; the file renamed and
#    `doveadm log reopen` in the middle.
# tests/logcat follows each file; every line the files hold (rotated
# ones decompressed) must come out once, in order, with its header split
# as the parsers expect it: the time of this run, Postfix's host,
# program and pid, Dovecot's lines as prog "dovecot" with the text
# Dovecot sends to syslog ("imap-login: Disconnected: ...").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"

need_root
need_cmd postfix sendmail dovecot doveadm /usr/bin/python3 zcat
LOGCAT=$top_builddir/tests/logcat
[ -x "$LOGCAT" ] || bail "$LOGCAT not built"
mktestdir
CLEANUP_HOOK=stop_all
plan 11

stop_all() {
	pf_stop
	if [ -s "$T/dv/run/master.pid" ]; then
		kill "$(cat "$T/dv/run/master.pid")" 2>/dev/null
	fi
}

count_lines() { cat "$@" 2>/dev/null | wc -l; }
# all_lines OUT FILE...: the lines of the files, gzipped ones unpacked
all_lines() {
	local out=$1 f
	shift
	for f in "$@"; do
		case $f in
		*.gz) zcat "$f" ;;
		*) cat "$f" ;;
		esac
	done >"$out"
}

t0=$(date +%s)

# ---- Postfix
pf_start "$T/pf" || bail "cannot start Postfix"
ML=$T/pf/log/maillog
"$LOGCAT" -f -b -i 100 -s "$T/pf.state" "$ML" >"$T/pf.out" 2>"$T/pf.err" &
PFCAT=$!
track_pid $PFCAT
for i in $(seq 1 10); do
	pf_sendmail -f "sender$i@example.org" "rcpt$i@example.net" </dev/null ||
		bail "sendmail failed"
done
pf_wait_deferred 10 || bail "Postfix did not defer the first 10"
postfix -c "$PF_CONF" logrotate >"$T/pf.rot" 2>&1 ||
	bail "postfix logrotate failed: $(cat "$T/pf.rot")"
for i in $(seq 11 20); do
	pf_sendmail -f "sender$i@example.org" "rcpt$i@example.net" </dev/null ||
		bail "sendmail failed"
done
pf_wait_deferred 20 || bail "Postfix did not defer the next 10"
rotated=$(ls "$T/pf/log" | grep -c '^maillog\.')
is "$rotated" 1 "postfix logrotate made one rotated file"
pf_done() {
	all_lines "$T/pf.want" "$T"/pf/log/maillog.* "$ML"
	[ "$(count_lines "$T/pf.out")" -ge "$(count_lines "$T/pf.want")" ] &&
	    grep -q 'status=deferred' "$T/pf.out" &&
	    [ "$(grep -c 'status=deferred' "$T/pf.out")" -ge 20 ]
}
wait_until 30 pf_done
kill -TERM $PFCAT
wait $PFCAT
t1=$(date +%s)
all_lines "$T/pf.want" "$T"/pf/log/maillog.* "$ML"
sed -E 's/^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [^ ]+ [^ ]+: //' "$T/pf.want" >"$T/pf.want.msg"
cut -f6- "$T/pf.out" | cmp -s - "$T/pf.want.msg"
ok $? "Postfix: every line of maillog and its rotated file, once, in order ($(count_lines "$T/pf.want") lines)"
is "$(awk -F'\t' -v a="$t0" -v b="$t1" '$1 < a || $1 > b' "$T/pf.out" | wc -l)" 0 \
    "Postfix: every time stamp is a time of this run"
is "$(cut -f2 "$T/pf.out" | sort -u)" mh-test "Postfix: the host (first label)"
is "$(awk -F'\t' '$3 !~ /^postfix\/[a-z-]+$/ || $4 <= 0' "$T/pf.out" | wc -l)" 0 \
    "Postfix: every line has a postfix/ program and a pid"
is "$(grep -c $'\tpostfix/error\t[0-9]*\tauto\t[0-9A-F]*: to=<rcpt[0-9]*@example.net>.*status=deferred' "$T/pf.out")" 20 \
    "Postfix: the 20 deferrals, split as a parser needs them"
pf_stop

# ---- Dovecot
DV=$T/dv
mkdir -p "$DV/run" "$DV/state" "$DV/mail"
chmod 755 "$DV" "$DV/run"
IMAP=$(free_port tcp)
POP3=$(free_port tcp)
echo 'alice:{PLAIN}secret::::' >"$DV/users"
cat >"$DV/dovecot.conf" <<EOF
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# no wait after a failure: the test makes eight
auth_failure_delay = 0
mail_location = maildir:$DV/mail/%u
passdb {
  driver = passwd-file
  args = $DV/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$DV/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP3
  }
  inet_listener pop3s {
    port = 0
  }
}
EOF
chown nobody "$DV/mail"
DL=$DV/dovecot.log
"$LOGCAT" -f -b -i 100 -s "$T/dv.state" "$DL" >"$T/dv.out" 2>"$T/dv.err" &
DVCAT=$!
track_pid $DVCAT
dovecot -c "$DV/dovecot.conf" || bail "dovecot did not start"
dv_up() { /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $IMAP), 1)"; }
wait_until 15 dv_up || bail "dovecot does not answer on 127.0.0.1:$IMAP: $(tail -5 "$DL")"
track_pid "$(cat "$DV/run/master.pid")"

# logins FROM IMAP_BAD POP3_BAD GOOD: failed logins (one connection
# each, from 127.0.0.FROM on: Dovecot slows down repeated failures from
# one address) and good ones
logins() {
	/usr/bin/python3 - "$IMAP" "$POP3" "$1" "$2" "$3" "$4" <<'EOF'
import socket, sys
imap, pop3, src, ib, pb, good = map(int, sys.argv[1:])

def talk(port, lines):
    global src
    s = socket.create_connection(("127.0.0.1", port), 10,
                                 source_address=("127.0.0.%d" % src, 0))
    src += 1
    f = s.makefile("rwb")
    f.readline()  # greeting
    for l in lines:
        f.write(l.encode() + b"\r\n")
        f.flush()
        r = f.readline()
    s.close()
    return r

for i in range(ib):
    assert b"NO" in talk(imap, ["a LOGIN alice wrong%d" % i])
for i in range(pb):
    assert b"-ERR" in talk(pop3, ["USER bob%d" % i, "PASS wrong"])
for i in range(good):
    assert b"OK" in talk(imap, ["a LOGIN alice secret"])
EOF
}
failed() { [ "$(grep -c 'auth failed' "$DL" "$DL".1 2>/dev/null | awk -F: '{ n += $2 } END { print n }')" -ge "$1" ]; }
logins 2 3 2 1 || bail "the first logins went wrong"
wait_until 30 failed 5 || bail "Dovecot did not log 5 failures"
mv "$DL" "$DL.1"
doveadm -c "$DV/dovecot.conf" log reopen || bail "doveadm log reopen failed"
logins 10 2 1 0 || bail "the second logins went wrong"
wait_until 30 failed 8 || bail "Dovecot did not log 8 failures"
dv_done() {
	all_lines "$T/dv.want" "$DL.1" "$DL"
	[ "$(count_lines "$T/dv.out")" -ge "$(count_lines "$T/dv.want")" ]
}
wait_until 30 dv_done
kill -TERM $DVCAT
wait $DVCAT
t1=$(date +%s)
all_lines "$T/dv.want" "$DL.1" "$DL"
is "$(count_lines "$T/dv.out")" "$(count_lines "$T/dv.want")" \
    "Dovecot: as many lines as log_path and its rotated file hold"
# what syslog would have: "prefix: text", the Info level dropped
sed -E 's/^[A-Z][a-z]{2} [0-9]{2} [0-9:]{8} //; s/^([^ ]+): Info: /\1: /' \
    "$T/dv.want" >"$T/dv.want.msg"
cut -f6- "$T/dv.out" | cmp -s - "$T/dv.want.msg"
ok $? "Dovecot: every line once, in order, as Dovecot writes to syslog"
is "$(cut -f3,4 "$T/dv.out" | sort -u)" "$(printf 'dovecot\t-1')" \
    "Dovecot: program dovecot, no pid"
is "$(awk -F'\t' -v a="$t0" -v b="$t1" '$1 < a || $1 > b' "$T/dv.out" | wc -l)" 0 \
    "Dovecot: every time stamp is a time of this run"
is "$(grep -cE $'\t(imap|pop3)-login: [A-Za-z :]*\\(auth failed, 1 attempts' "$T/dv.out")" 8 \
    "Dovecot: the 8 failed logins, split as a parser needs them"
finish
