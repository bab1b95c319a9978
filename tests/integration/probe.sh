#!/bin/bash
# probe.sh: the service checks (agent/probe) against real servers on
# loopback, through tests/probecheck:
#   - a private Postfix with three smtpd listeners: one with STARTTLS (a
#     certificate from a CA made here, valid a year), one that rejects
#     every client at the greeting (554), one without STARTTLS;
#   - a private Dovecot: IMAP, IMAPS, POP3, POP3S with a self-signed
#     certificate that expires in 3 days;
#   - HTTP and HTTPS (python3 http.server), a UDP DNS server for
#     mh-test.invalid, a TCP server that never speaks, a port nobody
#     listens on (tests/integration/probe-servers.py);
#   - processes, pid files and commands.
# Every check must come back with the status and the reason a person
# would give; the hanging ones must cost one timeout for the round, not
# one each (the figure is printed); state across rounds (flap control)
# with a server stopped between rounds. The servers are set up by
# probe-setup.sh, shared with services.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
. "$(dirname "$0")/probe-setup.sh"

need_root
need_cmd postfix dovecot openssl /usr/bin/python3
PROBECHECK=$top_builddir/tests/probecheck
[ -x "$PROBECHECK" ] || bail "$PROBECHECK not built (make check builds it)"

plan 56
mktestdir
CLEANUP_HOOK=pf_stop

ps_certs

# ---- Postfix with three smtpd listeners on loopback
SMTP_PORT=$(free_port tcp)
REJ_PORT=$(free_port tcp)
NOTLS_PORT=$(free_port tcp)
ps_postfix "$SMTP_PORT" \
	"$REJ_PORT -o smtpd_client_restrictions=reject -o smtpd_delay_reject=no" \
	"$NOTLS_PORT -o smtpd_tls_security_level=none"

# ---- Dovecot, its own base_dir and config, loopback ports
ps_dovecot

# ---- our own small servers
ps_server DNS dns
ps_server HTTP http
ps_server HTTPS http "$C/srv.pem" "$C/srv.key"
ps_server SILENT silent
ps_server KEEPOPEN smtp keepopen
ps_server NOQUIT smtp noquit
REFUSED=$(free_port tcp)
DEADUDP=$(free_port udp)

# a process of ours, with a pid file (it lives until the cleanup kills it)
sleep infinity &
SLEEPER=$!
track_pid $SLEEPER
echo $SLEEPER >"$T/sleeper.pid"
# a command that never exits by itself: cat of a FIFO nobody writes
# blocks until it is killed
mkfifo "$T/never"
HANG="cat $T/never"

R="resolver=127.0.0.1:$DNS"
L=127.0.0.1
"$PROBECHECK" \
	"name=smtp kind=smtp target=$L:$SMTP_PORT" \
	"name=smtp-tls kind=smtp target=$L:$SMTP_PORT starttls=yes tls_verify=yes ca_file=$C/ca.pem" \
	"name=submission kind=submission target=$L:$SMTP_PORT" \
	"name=smtp-554 kind=smtp target=$L:$REJ_PORT" \
	"name=smtp-notls kind=submission target=$L:$NOTLS_PORT" \
	"name=smtp-refused kind=smtp target=$L:$REFUSED" \
	"name=smtp-silent kind=smtp target=$L:$SILENT timeout=2" \
	"name=smtps-silent kind=smtps target=$L:$SILENT timeout=2" \
	"name=smtp-keepopen kind=smtp target=$L:$KEEPOPEN timeout=5" \
	"name=smtp-noquit kind=smtp target=$L:$NOQUIT timeout=2" \
	"name=pop3 kind=pop3 target=$L:$POP3_PORT" \
	"name=pop3-stls kind=pop3 target=$L:$POP3_PORT starttls=yes" \
	"name=pop3s kind=pop3s target=$L:$POP3S_PORT" \
	"name=imap kind=imap target=$L:$IMAP_PORT" \
	"name=imap-tls kind=imap target=$L:$IMAP_PORT starttls=yes" \
	"name=imaps kind=imaps target=$L:$IMAPS_PORT" \
	"name=imaps-7d kind=imaps target=$L:$IMAPS_PORT min_cert_days=7" \
	"name=imaps-verify kind=imaps target=$L:$IMAPS_PORT tls_verify=yes" \
	"name=tls kind=tls target=$L:$IMAPS_PORT" \
	"name=tcp kind=tcp target=$L:$IMAP_PORT" \
	"name=http kind=http target=$L:$HTTP/" \
	"name=http-503 kind=http target=http://$L:$HTTP/down" \
	"name=http-302 kind=http target=$L:$HTTP/moved" \
	"name=http-hang kind=http target=$L:$HTTP/hang timeout=2" \
	"name=https kind=https target=$L:$HTTPS/ tls_verify=yes ca_file=$C/ca.pem" \
	"name=https-noca kind=https target=$L:$HTTPS/ tls_verify=yes" \
	"name=https-name kind=tls target=$L:$HTTPS tls_verify=yes ca_file=$C/ca.pem tls_name=mail.mh-test.invalid" \
	"name=dns-a kind=dns target=mail.mh-test.invalid $R" \
	"name=dns-mx kind=dns dns_type=MX target=mh-test.invalid $R expect=mail.mh-test.invalid" \
	"name=dns-txt kind=dns dns_type=TXT target=mh-test.invalid $R" \
	"name=dns-servfail kind=dns target=servfail.mh-test.invalid $R" \
	"name=dns-nx kind=dns target=nope.mh-test.invalid $R" \
	"name=dns-nxok kind=dns target=nope.mh-test.invalid $R nxdomain_ok=yes" \
	"name=dns-nodata kind=dns dns_type=MX target=mail.mh-test.invalid $R" \
	"name=dns-expect kind=dns dns_type=MX target=mh-test.invalid $R expect=mx.example.net" \
	"name=dns-hang kind=dns target=hang.mh-test.invalid $R timeout=2" \
	"name=dns-dead kind=dns target=mail.mh-test.invalid resolver=$L:$DEADUDP" \
	"name=proc kind=process target=dovecot" \
	"name=proc-none kind=process target=mh-no-such-daemon" \
	"name=pidfile kind=process pidfile=$DV/run/master.pid target=dovecot" \
	"name=pidfile-sleep kind=process pidfile=$T/sleeper.pid target=sleep" \
	"name=cmd-ok kind=command target='echo all good'" \
	"name=cmd-fail kind=command \"target=sh -c 'echo queue too big >&2; exit 2'\"" \
	"name=cmd-hang kind=command target='$HANG' timeout=2" \
	>"$T/r1" 2>"$T/r1.err"
ok $? "probecheck ran: $(head -3 "$T/r1.err")"

col() {	# col FILE ROUND NAME COLUMN
	awk -F'\t' -v r="$2" -v n="$3" -v c="$4" '$1 == r && $2 == n { print $c }' "$1"
}
err() { col "$T/r1" 1 "$1" 10; }
detail() { col "$T/r1" 1 "$1" 11; }
cert() { col "$T/r1" 1 "$1" 6; }
okk() { col "$T/r1" 1 "$1" 3; }

# SMTP
is "$(detail smtp)" "220 mh-test.invalid ESMTP Postfix" "smtp: up, the greeting"
is "$(okk smtp-tls)/$(cert smtp-tls)" "1/364" "smtp STARTTLS verified with the CA: 364 days left"
is "$(okk submission)/$(cert submission)" "1/364" "submission does STARTTLS by default"
is "$(err smtp-554)" "greeting 554 5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied" \
	"smtp: a 554 greeting is the error"
is "$(err smtp-notls)" "STARTTLS not offered" "submission: a server without STARTTLS"
is "$(err smtp-refused)" "connect refused" "smtp: nobody listens"
is "$(err smtp-silent)" "timeout after 2 s (no greeting)" "smtp: a server that never speaks"
is "$(err smtps-silent)" "timeout after 2 s (TLS handshake)" "smtps: a server that never speaks"
grep -q "disconnect from localhost\[127.0.0.1\] ehlo=1 quit=1 commands=2" \
	"$T/pf/log/maillog"
ok $? "Postfix logged EHLO, QUIT from the probe"
grep -q "disconnect from localhost\[127.0.0.1\] ehlo=2 starttls=1 quit=1 commands=4" \
	"$T/pf/log/maillog"
ok $? "Postfix logged EHLO, STARTTLS, EHLO, QUIT from the probe"
# curl, when it closes a connection, sends QUIT and waits for the answer
# (120 s by default): a server that answered our QUIT but keeps the
# connection must not hold the round
ms=$(col "$T/r1" 1 smtp-keepopen 5)
[ "$(okk smtp-keepopen)" = 1 ] && [ "$ms" -lt 1000 ]
ok $? "smtp: a server that keeps the connection after 221 costs nothing ($ms ms)"
is "$(err smtp-noquit)" "timeout after 2 s (no answer to QUIT)" "smtp: a server that never answers QUIT"

# POP3 and IMAP (Dovecot, certificate ending in 3 days: 2 whole days)
is "$(detail pop3)" "+OK Dovecot (Debian) ready." "pop3: up, the greeting"
is "$(cert pop3)" "-" "pop3 without TLS has no certificate"
is "$(okk pop3-stls)/$(cert pop3-stls)" "1/2" "pop3 STLS: 2 days left"
is "$(okk pop3s)/$(cert pop3s)" "1/2" "pop3s: 2 days left"
case $(detail imap) in "* OK "*"Dovecot (Debian) ready.") r=0 ;; *) r=1 ;; esac
ok $r "imap: up, the greeting ($(detail imap))"
is "$(okk imap-tls)/$(cert imap-tls)" "1/2" "imap STARTTLS: 2 days left"
is "$(okk imaps)/$(cert imaps)" "1/2" "imaps: 2 days left"
is "$(err imaps-7d)" "certificate expires in 2 days" "imaps: fewer days than min_cert_days fails"
is "$(err imaps-verify)" "TLS: SSL certificate problem: self-signed certificate" \
	"imaps: a self-signed certificate fails verification"
is "$(okk tls)/$(cert tls)" "1/2" "tls: handshake and certificate"
is "$(okk tcp)/$(detail tcp)" "1/connected" "tcp: connect"

# HTTP(S)
is "$(detail http)" "HTTP 200" "http: 200"
is "$(err http-503)" "HTTP 503" "http: 503 is down"
is "$(okk http-302)/$(detail http-302)" "1/HTTP 302" "http: a redirect is up"
is "$(err http-hang)" "timeout after 2 s (no response)" "http: no response"
is "$(okk https)/$(cert https)" "1/364" "https verified with the CA"
is "$(err https-noca)" "TLS: SSL certificate problem: unable to get local issuer certificate" \
	"https: an unknown CA fails verification"
is "$(okk https-name)" "1" "tls_name: connect to the address, verify the name"

# DNS
is "$(detail dns-a)" "127.0.0.1" "dns A"
is "$(detail dns-mx)" "10 mail.mh-test.invalid, 20 backup.mh-test.invalid" "dns MX, with expect"
is "$(detail dns-txt)" "v=spf1 mx -all" "dns TXT"
is "$(err dns-servfail)" "SERVFAIL" "dns SERVFAIL"
is "$(err dns-nx)" "NXDOMAIN" "dns NXDOMAIN fails"
is "$(okk dns-nxok)" "1" "dns NXDOMAIN passes with nxdomain_ok"
is "$(err dns-nodata)" "no MX record for mail.mh-test.invalid" "dns: no record of the type"
is "$(err dns-expect)" "no answer has 'mx.example.net' (10 mail.mh-test.invalid, 20 backup.mh-test.invalid)" \
	"dns: expect not in the answers"
is "$(err dns-hang)" "timeout after 2 s (no answer from the resolver)" "dns: a resolver that hangs"
is "$(err dns-dead)" "resolver refused the connection" "dns: no resolver on the port"

# processes and commands
case $(detail proc) in "pid "* | *" processes, pid "*) r=0 ;; *) r=1 ;; esac
ok $r "process dovecot by name: $(detail proc)"
is "$(err proc-none)" "no process named mh-no-such-daemon" "process: none by that name"
is "$(detail pidfile)" "pid $(cat "$DV/run/master.pid")" "pid file of Dovecot's master"
is "$(detail pidfile-sleep)" "pid $SLEEPER" "pid file of a sleep"
is "$(detail cmd-ok)" "all good" "command: exit 0"
is "$(err cmd-fail)" "queue too big" "command: its first line is the error"
is "$(err cmd-hang)" "timeout after 2 s" "command: never exits"
wait_until 5 sh -c "! pgrep -f '^$HANG\$' >/dev/null"
ok $? "command: the one that never exits was killed at its timeout"
ms=$(sed -n 's/^# round 1: \([0-9]*\) ms$/\1/p' "$T/r1")
[ "$ms" -ge 2000 ] && [ "$ms" -lt 3500 ]
ok $? "round of 44 checks, 6 hanging 2 s each: $ms ms"

# ---- 20 checks of mixed kinds, 5 hanging until their 3 s timeout
"$PROBECHECK" \
	"name=h1 kind=smtp target=$L:$SILENT timeout=3" \
	"name=h2 kind=imaps target=$L:$SILENT timeout=3" \
	"name=h3 kind=dns target=hang.mh-test.invalid $R timeout=3" \
	"name=h4 kind=http target=$L:$HTTP/hang timeout=3" \
	"name=h5 kind=command target='$HANG' timeout=3" \
	"name=q1 kind=smtp target=$L:$SMTP_PORT timeout=3" \
	"name=q2 kind=smtp target=$L:$SMTP_PORT starttls=yes timeout=3" \
	"name=q3 kind=pop3 target=$L:$POP3_PORT timeout=3" \
	"name=q4 kind=pop3s target=$L:$POP3S_PORT timeout=3" \
	"name=q5 kind=imap target=$L:$IMAP_PORT timeout=3" \
	"name=q6 kind=imaps target=$L:$IMAPS_PORT timeout=3" \
	"name=q7 kind=http target=$L:$HTTP/ timeout=3" \
	"name=q8 kind=https target=$L:$HTTPS/ timeout=3" \
	"name=q9 kind=dns target=mail.mh-test.invalid $R timeout=3" \
	"name=q10 kind=dns dns_type=MX target=mh-test.invalid $R timeout=3" \
	"name=q11 kind=tcp target=$L:$IMAP_PORT timeout=3" \
	"name=q12 kind=process target=dovecot timeout=3" \
	"name=q13 kind=process pidfile=$T/sleeper.pid timeout=3" \
	"name=q14 kind=command target=true timeout=3" \
	"name=q15 kind=smtp target=$L:$REFUSED timeout=3" \
	>"$T/r20" 2>&1
ms=$(sed -n 's/^# round 1: \([0-9]*\) ms$/\1/p' "$T/r20")
hung=$(awk -F'\t' '$2 ~ /^h/ && $10 ~ /^timeout after 3 s/' "$T/r20" | wc -l)
up=$(awk -F'\t' '$2 ~ /^q/ && $3 == 1' "$T/r20" | wc -l)
is "$hung/$up" "5/14" "20 checks: the 5 hanging time out, 14 of the others pass"
[ "$ms" -ge 3000 ] && [ "$ms" -lt 4000 ]
ok $? "20 checks, 5 hanging 3 s each: the round took $ms ms (serially: >= 15000)"
diag "figure: 20 probes, 5 hanging (timeout 3 s): round $ms ms"

# ---- across rounds: fall 2, rise 1; the web server stops after round 1
# and comes back (on a new port: the check follows it by name only in
# the collector, so here it is a second check) before round 4
coproc PC { "$PROBECHECK" -n 4 -s "name=web kind=http target=$L:$HTTP/ timeout=2" 2>&1; }
track_pid $PC_PID
# bash unsets PC when the program ends: keep our own copies of its pipes
exec {pc_out}<&"${PC[0]}" {pc_in}>&"${PC[1]}"
out=$T/rounds
: >"$out"
next_round() {	# read until "# next" (or the end), into $out
	local l
	while IFS= read -r -t 20 l <&"$pc_out"; do
		[ "$l" = "# next" ] && return 0
		printf '%s\n' "$l" >>"$out"
	done
	return 0
}
next_round
kill "$HTTP_PID"
wait_until 10 sh -c "! kill -0 $HTTP_PID" || bail "http server did not stop"
echo go >&"$pc_in"
next_round
echo go >&"$pc_in"
next_round
# back on the same port
/usr/bin/python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$HTTP" &
track_pid $!
wait_until 10 tcp_open "$HTTP" || bail "http server did not come back"
echo go >&"$pc_in"
next_round
row() { awk -F'\t' -v r="$1" '$1 == r { print $3 "/" $4 "/" $10 }' "$out"; }
is "$(row 1)" "1/up/-" "round 1: up"
is "$(row 2)" "0/up/connect refused" "round 2: failed once, still up (fall 2)"
is "$(row 3)" "0/down/connect refused" "round 3: down"
is "$(row 4)" "1/up/-" "round 4: up again at the first success (rise 1)"

finish
