# probe-setup.sh: the real servers the service-check tests run against,
# on loopback in $T, shared by probe.sh (the engine, through
# tests/probecheck) and services.sh (the collector, over SNMP). Source
# it after lib.sh and postfix.sh, once mktestdir has made $T.
#
#   tcp_open PORT        something listens on 127.0.0.1:PORT
#   ps_certs             $T/certs: ca.pem (a CA made here), srv.pem/key
#                        (CN and SAN mail.mh-test.invalid and 127.0.0.1,
#                        signed by it, a year), short.pem/key
#                        (self-signed, ends in 3 days)
#   ps_postfix LINE...   a private Postfix (pf_start $T/pf) with
#                        STARTTLS from srv.pem and one smtpd listener per
#                        LINE ("PORT [-o ...]"), waited for
#   ps_dovecot           a private Dovecot with short.pem: IMAP, IMAPS,
#                        POP3, POP3S on $IMAP_PORT $IMAPS_PORT $POP3_PORT
#                        $POP3S_PORT, its files in $DV
#   ps_server NAME MODE [ARGS]   a tests/integration/probe-servers.py
#                        server: its port in $NAME, its pid in $NAME_PID

SERVERS=$top_srcdir/tests/integration/probe-servers.py

tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ps_certs() {
	C=$T/certs
	mkdir -p "$C"
	(
		cd "$C" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key \
			-out ca.pem -days 30 -subj "/CN=mh-test CA" &&
		openssl req -newkey rsa:2048 -nodes -keyout srv.key \
			-out srv.csr -subj "/CN=mail.mh-test.invalid" &&
		printf 'subjectAltName=DNS:mail.mh-test.invalid,IP:127.0.0.1\n' >ext &&
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -days 365 -extfile ext -out srv.pem &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout short.key \
			-out short.pem -days 3 -subj "/CN=mail.mh-test.invalid"
	) >"$T/openssl.log" 2>&1 || bail "openssl: $(tail -3 "$T/openssl.log")"
}

ps_postfix() {
	local l lines=("$@") port
	pf_start "$T/pf" || bail "postfix did not start"
	cat >>"$T/pf/etc/main.cf" <<EOF
smtpd_tls_cert_file = $C/srv.pem
smtpd_tls_key_file = $C/srv.key
smtpd_tls_security_level = may
EOF
	for l in "${lines[@]}"; do
		echo "127.0.0.1:${l%% *} inet n - n - - smtpd ${l#"${l%% *}"}" >>"$T/pf/etc/master.cf"
	done
	postfix -c "$T/pf/etc" reload >/dev/null 2>&1
	for l in "${lines[@]}"; do
		port=${l%% *}
		wait_until 20 tcp_open "$port" || bail "postfix smtpd not on $port"
	done
}

ps_dovecot() {
	local p
	IMAP_PORT=$(free_port tcp)
	IMAPS_PORT=$(free_port tcp)
	POP3_PORT=$(free_port tcp)
	POP3S_PORT=$(free_port tcp)
	DV=$T/dovecot
	mkdir -p "$DV/run" "$DV/state" "$DV/mail"
	cat >"$DV/dovecot.conf" <<EOF
base_dir = $DV/run
state_dir = $DV/state
instance_name = mh-probe-test
listen = 127.0.0.1
protocols = imap pop3
log_path = $DV/dovecot.log
ssl = yes
ssl_cert = <$C/short.pem
ssl_key = <$C/short.key
mail_location = maildir:$DV/mail/%u
passdb {
  driver = static
  args = password=unused
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$DV/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP3_PORT
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $POP3S_PORT
    ssl = yes
  }
}
EOF
	dovecot -F -c "$DV/dovecot.conf" >"$DV/stdout" 2>&1 &
	track_pid $!
	for p in $IMAP_PORT $IMAPS_PORT $POP3_PORT $POP3S_PORT; do
		wait_until 20 tcp_open "$p" ||
			bail "dovecot not on $p: $(tail -n 5 "$DV/dovecot.log" "$DV/stdout" 2>&1)"
	done
}

ps_server() {	# ps_server NAME MODE [ARGS]: sets port in $NAME
	local name=$1
	shift
	/usr/bin/python3 "$SERVERS" "$1" "$T/$name.port" "${@:2}" 2>"$T/$name.log" &
	track_pid $!
	printf -v "${name}_PID" '%s' $!
	wait_until 10 test -s "$T/$name.port" ||
		bail "$name server did not start: $(cat "$T/$name.log")"
	printf -v "$name" '%s' "$(cat "$T/$name.port")"
}
