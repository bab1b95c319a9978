#!/bin/bash
# collect.sh OUTDIR: write the real-program logs the parser tests read
# (tests/data/logs), from private instances on loopback, as root:
#
#   OUTDIR/dovecot-2.3.maillog  Dovecot's log_path (Debian 12's 2.3.19)
#   OUTDIR/postfix-3.7.maillog  Postfix's maillog_file (Debian 12's 3.7)
#   OUTDIR/exim-4.96.mainlog    Exim's mainlog (Debian 12's 4.96,
#                               unpacked as tests/integration/exim.sh does)
#
# Not a test: run it to regenerate the fixtures after a Debian update,
# then regenerate the .events files (LPTEST_WRITE=1, see lptest.h) and
# read every changed event against its line before committing. Time
# stamps, pids, queue ids and session ids change from run to run.
#
# What it does: a Dovecot with a passwd-file (alice, bob) and IMAP, POP3
# and submission; logins with right and wrong passwords from 127.0.0.x
# (python3 imaplib/poplib/smtplib), sessions with no attempt, and
# plaintext refused on a non-secured connection. A Postfix with Dovecot
# SASL on 127.0.0.1:23025 (smtpd) and :23588 (submission), transports to
# tests/logs/fake-mx.py (accept, 450 4.7.28, 550 5.1.1, 421 greeting),
# discard, error, local, virtual and lmtp; relay refusals, header/body
# checks, a local submission as another user (sendmail as lpjunk, in a
# mount namespace whose /etc/postfix names the private configuration
# directory: postdrop checks it for non-root users), then the queue
# expired. An Exim on :23027 with two plaintext authenticators, the same
# fake MX and one queue run. The lab's own artefacts (Postfix warnings
# about the lab's maps, Exim's re-exec errors of a binary not at its
# compiled-in path) are left out of the outputs.
set -eu

OUT=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
L=$(mktemp -d /tmp/mh-logcollect.XXXXXX)
chmod 755 "$L"
PIDS=()
# lab_dovecot_conf and lab_postfix_conf: the configurations the log
# integration tests' lab has too
. "$top/tests/integration/maillab.sh"

die() { echo "collect: $*" >&2; exit 1; }
# refused CMD...: CMD must fail (an SMTP client the server turns away)
refused() { if "$@" >/dev/null 2>&1; then die "not refused: $*"; fi; }
cleanup() {
	local rc=$? p
	[ -n "${PF_UP:-}" ] && postfix -c "$L/pf/etc" stop >/dev/null 2>&1
	[ -n "${DC_UP:-}" ] && doveadm -c "$L/dc/dovecot.conf" stop >/dev/null 2>&1
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$L"
	exit "$rc"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || die "run as root"
for c in dovecot doveadm postfix postconf sendmail swaks unshare runuser \
    /usr/bin/python3; do
	command -v "$c" >/dev/null || die "$c not found"
done
for port in 23025 23027 23030 23031 23032 23033 23110 23143 23587 23588; do
	ss -ltn "sport = :$port" | grep -q LISTEN && die "port $port is in use"
done
mkdir -p "$OUT"

# wait_for FILE TEXT: until FILE holds TEXT, 20 s at most
wait_for() {
	local deadline=$((SECONDS + 20))
	until grep -q -- "$2" "$1" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || die "no '$2' in $1"
		sleep 0.1 # poll
	done
}

# ---- the fake MX
python3 "$here/fake-mx.py" "$L/mx.pid" 23030:accept 23031:defer \
    23032:reject 23033:greet421 &
PIDS+=($!)
wait_for "$L/mx.pid" .

# ---- Dovecot
mkdir -p "$L/dc/run" "$L/dc/home"
chmod 755 "$L/dc"
id lpjunk >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin lpjunk
cat >"$L/dc/passwd" <<EOF
alice:{PLAIN}alicepw:5000:5000::$L/dc/home/alice
bob:{PLAIN}bobpw:5000:5000::$L/dc/home/bob
EOF
chmod 644 "$L/dc/passwd"
chown 5000:5000 "$L/dc/home"
dc_conf() {	# dc_conf PLAINTEXT: disable_plaintext_auth = PLAINTEXT
	lab_dovecot_conf "$L/dc" dovecot-mhcollect "imap pop3 submission" "$1" \
	    23143 23110
	cat >>"$L/dc/dovecot.conf" <<EOF
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = 23587
  }
}
submission_relay_host = 127.0.0.1
submission_relay_port = 23025
EOF
}
dc_conf no
dovecot -c "$L/dc/dovecot.conf"
DC_UP=1
wait_for "$L/dc/dovecot.log" "starting up"

# ---- Postfix with Dovecot SASL
mkdir -p "$L/pf/etc" "$L/pf/spool" "$L/pf/data" "$L/pf/log" "$L/pf/mail" \
    "$L/pf/vmail"
chmod 755 "$L/pf" "$L/pf/etc" "$L/pf/spool" "$L/pf/log"
chmod 1777 "$L/pf/mail"
chown postfix "$L/pf/data" "$L/pf/log"
chown 5000:5000 "$L/pf/vmail"
cat >"$L/pf/etc/transport" <<'EOF'
sink.test	smtp:[127.0.0.1]:23030
defer.test	smtp:[127.0.0.1]:23031
bounce.test	smtp:[127.0.0.1]:23032
refuse.test	smtp:[127.0.0.1]:23033
discard.test	discard:
error.test	error:5.1.2 domain does not accept mail
lmtp.test	lmtp:inet:127.0.0.1:23030
EOF
printf 'alice@virt.test virt.test/alice/\n' >"$L/pf/etc/vmailbox"
printf '/^Subject:.*SPAM/ REJECT spam subject\n' >"$L/pf/etc/hc"
printf '/BADBODY/ REJECT bad body\n' >"$L/pf/etc/bc"
lab_postfix_conf "$L/pf" "$L/dc" lplab.test local.test unix:passwd.byname \
    23025 23588
cat >>"$L/pf/etc/main.cf" <<EOF
mail_spool_directory = $L/pf/mail
virtual_mailbox_domains = virt.test
virtual_mailbox_base = $L/pf/vmail
virtual_mailbox_maps = texthash:$L/pf/etc/vmailbox
virtual_uid_maps = static:5000
virtual_gid_maps = static:5000
header_checks = regexp:$L/pf/etc/hc
body_checks = regexp:$L/pf/etc/bc
EOF
postfix -c "$L/pf/etc" start >/dev/null 2>&1 || die "postfix start failed"
PF_UP=1
wait_for "$L/pf/log/maillog" "daemon started"

# ---- Dovecot logins
python3 - <<'EOF'
import imaplib, poplib, smtplib, socket, time
H = "127.0.0.1"
def imap(src, user, pws):
    class I(imaplib.IMAP4):
        def _create_socket(self, timeout=None):
            return socket.create_connection((self.host, self.port), timeout,
                                            source_address=(src, 0))
    c = I(H, 23143)
    for pw in pws:
        try:
            c.login(user, pw)
            c.logout()
            return
        except imaplib.IMAP4.error:
            pass
    c.logout()
def pop(src, user, pws):
    class P(poplib.POP3):
        def _create_socket(self, timeout):
            return socket.create_connection((self.host, self.port), timeout,
                                            source_address=(src, 0))
    c = P(H, 23110)
    for pw in pws:
        try:
            c.user(user)
            c.pass_(pw)
            c.quit()
            return
        except poplib.error_proto:
            pass
    c.quit()
def sub(src, user, pws):
    c = smtplib.SMTP(H, 23587, source_address=(src, 0))
    c.ehlo("client.test")
    for pw in pws:
        try:
            c.login(user, pw)
            break
        except smtplib.SMTPAuthenticationError:
            pass
    c.quit()
imap("127.0.0.2", "alice", ["alicepw"])
imap("127.0.0.3", "alice", ["bad1", "bad2", "bad3"])
imap("127.0.0.4", "nosuch", ["x"])
pop("127.0.0.5", "bob", ["bobpw"])
pop("127.0.0.6", "bob", ["bad1", "bad2"])
sub("127.0.0.7", "alice", ["bad"])	# smtplib tries PLAIN, then LOGIN
sub("127.0.0.8", "alice", ["alicepw"])
s = socket.create_connection((H, 23143), source_address=("127.0.0.9", 0))
s.recv(1000); s.sendall(b"a LOGOUT\r\n"); s.recv(1000); s.close()
s = socket.create_connection((H, 23110), source_address=("127.0.0.9", 0))
s.recv(1000); s.close()
s = socket.create_connection((H, 23143), source_address=("127.0.0.10", 0))
s.recv(1000); s.sendall(b"a LOGIN alice wrong\r\n"); time.sleep(2.5)
s.recv(1000); s.close()
EOF
dc_conf yes
doveadm -c "$L/dc/dovecot.conf" reload
sleep 1 # doveadm reload returns before the new login processes run
python3 - <<'EOF'
import socket, time
def talk(port, src, lines):
    s = socket.create_connection(("127.0.0.1", port), source_address=(src, 0))
    s.recv(1000)
    for l in lines:
        s.sendall(l + b"\r\n"); time.sleep(0.3); s.recv(1000)
    s.close()
talk(23143, "127.0.0.11", [b"a LOGIN alice alicepw", b"b LOGOUT"])
talk(23110, "127.0.0.12", [b"USER bob", b"PASS bobpw", b"QUIT"])
talk(23143, "127.0.0.13", [b"a AUTHENTICATE PLAIN AGFsaWNlAGFsaWNlcHc=", b"b LOGOUT"])
talk(23587, "127.0.0.14", [b"EHLO x", b"AUTH PLAIN AGFsaWNlAGFsaWNlcHc=", b"QUIT"])
EOF
dc_conf no
doveadm -c "$L/dc/dovecot.conf" reload
sleep 1 # as above
python3 - <<'EOF'
import imaplib, poplib, socket
def imap(src, user, pws):
    class I(imaplib.IMAP4):
        def _create_socket(self, timeout=None):
            return socket.create_connection((self.host, self.port), timeout,
                                            source_address=(src, 0))
    c = I("127.0.0.1", 23143)
    for pw in pws:
        try:
            c.login(user, pw); c.logout(); return
        except imaplib.IMAP4.error:
            pass
def pop(src, user, pws):
    class P(poplib.POP3):
        def _create_socket(self, timeout):
            return socket.create_connection((self.host, self.port), timeout,
                                            source_address=(src, 0))
    c = P("127.0.0.1", 23110)
    for pw in pws:
        try:
            c.user(user); c.pass_(pw); c.quit(); return
        except poplib.error_proto:
            pass
imap("127.0.0.15", "alice", ["bad1", "alicepw"])
pop("127.0.0.16", "bob", ["bad1", "bobpw"])
EOF

# ---- Postfix traffic
S="swaks -S -S -S --server 127.0.0.1"
for i in 2 3 4; do
	$S:23588 --local-interface 127.0.0.$i --auth LOGIN --auth-user alice \
	    --auth-password alicepw --from alice@lplab.test \
	    --to u$i@sink.test,v$i@defer.test
done
$S:23025 --local-interface 127.0.0.5 --auth PLAIN --auth-user bob \
    --auth-password bobpw --from bob@lplab.test \
    --to x@bounce.test,y@refuse.test,z@discard.test,w@error.test
refused $S:23588 --local-interface 127.0.0.6 --auth LOGIN --auth-user alice \
    --auth-password wrong --from a@b --to c@sink.test 
refused $S:23025 --local-interface 127.0.0.7 --auth PLAIN --auth-user nosuch \
    --auth-password wrong --from a@b --to c@sink.test
refused $S:23025 --local-interface 127.0.0.8 --from spam@junk.example \
    --to victim@sink.test
refused $S:23588 --local-interface 127.0.0.9 --from spam@junk.example \
    --to victim@sink.test
python3 - <<'EOF'
import socket, time
s = socket.create_connection(("127.0.0.1", 23025), source_address=("127.0.0.10", 0))
s.recv(1000)
for l in [b"EHLO x", b"AUTH LOGIN", b"YWxpY2U="]:
    s.sendall(l + b"\r\n"); time.sleep(0.3); s.recv(1000)
s.close()
EOF
mkdir -p "$L/sysetc"
cp -a /etc/postfix/. "$L/sysetc/"
printf 'compatibility_level = 3.6\nalternate_config_directories = %s\n' \
    "$L/pf/etc" >"$L/sysetc/main.cf"
printf 'Subject: junk\n\njunk\n' | unshare -m sh -c "mount --bind $L/sysetc \
    /etc/postfix && runuser -u lpjunk -- /usr/sbin/sendmail -C $L/pf/etc -i \
    someone@sink.test other@defer.test"
printf 'Subject: cron\n\nhi\n' | sendmail -C "$L/pf/etc" -i admin@sink.test
$S:23588 --local-interface 127.0.0.2 --auth LOGIN --auth-user alice \
    --auth-password alicepw --from alice@lplab.test \
    --to lpjunk@local.test,alice@virt.test,r@lmtp.test
$S:23025 --local-interface 127.0.0.12 --from ext@remote.example \
    --to lpjunk@local.test --data 'Subject: no id\r\n\r\nbody\r\n'
refused $S:23025 --local-interface 127.0.0.12 --from ext@remote.example \
    --to nosuch@local.test
refused $S:23025 --local-interface 127.0.0.13 --from ext@remote.example \
    --to lpjunk@local.test --header 'Subject: SPAM offer'
refused $S:23025 --local-interface 127.0.0.13 --from ext@remote.example \
    --to lpjunk@local.test --body 'hello BADBODY here'
printf 'Subject: SPAM local\n\nx\n' | sendmail -C "$L/pf/etc" -i admin@sink.test
wait_for "$L/pf/log/maillog" "to=<admin@sink.test>.*status=bounced"
# expire what is deferred
postconf -c "$L/pf/etc" -e "maximal_queue_lifetime = 1s" \
    "bounce_queue_lifetime = 1s"
postfix -c "$L/pf/etc" reload >/dev/null 2>&1
sleep 2 # older than the 1 s lifetime
postqueue -c "$L/pf/etc" -f
wait_for "$L/pf/log/maillog" "status=expired"
sleep 3 # let the bounces of the expired mail be logged
grep -v 'trivial-rewrite' "$L/pf/log/maillog" >"$OUT/postfix-3.7.maillog"
cp "$L/dc/dovecot.log" "$OUT/dovecot-2.3.maillog"

# ---- Exim
bail() { die "$@"; }
need_cmd() { local c; for c; do command -v "$c" >/dev/null || die "$c not found"; done; }
. "$top/tests/integration/exim.sh"
exim_fetch || die "cannot get Debian's exim4-daemon-light"
E=$L/ex
mkdir -p "$E/spool" "$E/log"
chown -R Debian-exim:Debian-exim "$E/spool" "$E/log"
cat >"$E/exim.conf" <<EOF
primary_hostname = mx.lplab.test
qualify_domain = lplab.test
spool_directory = $E/spool
log_file_path = $E/log/%slog
keep_environment = LD_LIBRARY_PATH
daemon_smtp_ports = 23027
local_interfaces = 127.0.0.1
queue_only = true
tls_advertise_hosts =
host_lookup =
rfc1413_hosts =
auth_advertise_hosts = *
acl_smtp_rcpt = acl_rcpt
acl_smtp_data = acl_data
domainlist local_domains = local.test
begin acl
acl_rcpt:
  accept authenticated = *
  accept domains = +local_domains
  deny message = relay not permitted
acl_data:
  deny condition = \${if match{\$h_subject:}{SPAM}}
       message = spam rejected
  accept
begin routers
blackhole:
  driver = redirect
  domains = local.test
  data = :blackhole:
sink:
  driver = manualroute
  domains = sink.test
  route_list = * 127.0.0.1
  self = send
  transport = smtp_sink
defer:
  driver = manualroute
  domains = defer.test
  route_list = * 127.0.0.1
  self = send
  transport = smtp_defer
bounce:
  driver = manualroute
  domains = bounce.test
  route_list = * 127.0.0.1
  self = send
  transport = smtp_bounce
begin transports
smtp_sink:
  driver = smtp
  port = 23030
  allow_localhost
smtp_defer:
  driver = smtp
  port = 23031
  allow_localhost
smtp_bounce:
  driver = smtp
  port = 23032
  allow_localhost
begin retry
* * F,7d,1h
EOF
exim_auth_conf >>"$E/exim.conf"
chmod 644 "$E/exim.conf"
EX="env LD_LIBRARY_PATH=${EXIM_LIBS:-} $EXIM_BIN -C $E/exim.conf"
$EX -bdf &	# -bdf: stays in the foreground, so $! is the daemon
PIDS+=($!)
wait_for "$E/log/mainlog" "daemon started"
S="swaks -S -S -S --server 127.0.0.1:23027"
$S --local-interface 127.0.0.2 --auth LOGIN --auth-user alice \
    --auth-password alicepw --from alice@lplab.test \
    --to a1@sink.test,a2@sink.test,d1@defer.test,b1@bounce.test,l1@local.test
$S --local-interface 127.0.0.7 --auth PLAIN --auth-user alice \
    --auth-password alicepw --from alice@lplab.test --to a3@sink.test
refused $S --local-interface 127.0.0.3 --auth PLAIN --auth-user alice \
    --auth-password wrong --from a@b --to c@sink.test
refused $S --local-interface 127.0.0.4 --auth LOGIN --auth-user mallory \
    --auth-password wrong --from a@b --to c@sink.test
refused $S --local-interface 127.0.0.5 --from spam@junk.example \
    --to victim@sink.test
refused $S --local-interface 127.0.0.6 --from x@remote.example --to l2@local.test \
    --header 'Subject: SPAM now'
$S --local-interface 127.0.0.6 --from x@remote.example --to l3@local.test
printf 'Subject: local\n\nhi\n' | $EX -odq -f root@lplab.test someone@sink.test
$EX -qf
grep -v -e 're-exec of exim' -e 'Process failed (127)' "$E/log/mainlog" \
    >"$OUT/exim-4.96.mainlog"
echo "collect: wrote $OUT"
