# maillab.sh: sourced by the log integration tests (after lib.sh): a
# private Postfix with Dovecot SASL on loopback, in $T, the way a small
# mail server is set up, with fake remote MXes (tests/logs/fake-mx.py).
#
#   lab_start      start it all; sets the ports below. Every address is
#                  in 127.0.0.0/8, every port free when chosen.
#   lab_stop       stop it all (CLEANUP_HOOK)
#   lab_sendmail_as USER RCPT...   a local submission with sendmail(1) run
#                  as USER (stdin: the message)
#   lab_dovecot_conf DIR INSTANCE PROTOCOLS PLAINTEXT IMAP POP3
#                  DIR/dovecot.conf: a Dovecot on 127.0.0.1, IMAP and POP3
#                  on those ports, no TLS, DIR/passwd for users and
#                  passwords, DIR/dovecot.log, SASL for Postfix on
#                  DIR/auth-postfix; disable_plaintext_auth = PLAINTEXT.
#                  The caller appends what else its Dovecot needs.
#   lab_postfix_conf PF DC DOMAIN MYDEST LOCALMAPS SMTP SUBMISSION
#                  PF/etc/main.cf and master.cf: a Postfix on 127.0.0.1,
#                  mx.DOMAIN, queue in PF/spool, log PF/log/maillog,
#                  mydestination MYDEST, local_recipient_maps LOCALMAPS,
#                  routes in PF/etc/transport, Dovecot SASL (DC as for
#                  lab_dovecot_conf), smtpd on port SMTP, AUTH only on
#                  SUBMISSION, no queue runs or retries of its own. The
#                  caller appends what else its Postfix needs.
#   (the two *_conf need nothing of lib.sh: tests/logs/collect.sh uses
#   them too)
#
#   LAB_SMTP       smtpd, port 25's role (syslog_name postfix)
#   LAB_SUBMISSION smtpd with syslog_name postfix/submission, AUTH only
#   LAB_IMAP, LAB_POP3   Dovecot
#   Domains: sink.test (a fake MX that accepts), gmail.test (one that
#   answers 421 in its greeting: every delivery to it defers).
#   Users (passwd-file): info/infopw, alice/alicepw, bob/bobpw.
#   Logs: $LAB_MAILLOG (Postfix's maillog_file), $LAB_DOVELOG (log_path).
#
# Postfix runs with its own configuration directory. A local user's
# sendmail runs the set-gid postdrop, which accepts a configuration
# directory only if /etc/postfix/main.cf lists it in
# alternate_config_directories: lab_sendmail_as runs it in a private
# mount namespace where /etc/postfix is a copy that does, so the
# system's Postfix configuration is never touched.

# where postfix.sh is, as an absolute path: lab_postfix_conf reads its
# master.cf, whatever the caller's directory by then
_lab_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=
LAB_UP_PF=
LAB_UP_DC=
LAB_MX_PID=

lab_wait_for() {	# FILE TEXT: until FILE holds TEXT, 20 s at most
	wait_until 20 grep -q -- "$2" "$1"
}

lab_dovecot_conf() {
	cat >"$1/dovecot.conf" <<EOF
base_dir = $1/run
instance_name = $2
protocols = $3
listen = 127.0.0.1
log_path = $1/dovecot.log
ssl = no
disable_plaintext_auth = $4
auth_mechanisms = plain login
auth_verbose = yes
mail_location = maildir:~/Maildir
first_valid_uid = 1000
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = $1/passwd
}
userdb {
  driver = passwd-file
  args = $1/passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $5
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $6
  }
  inet_listener pop3s {
    port = 0
  }
}
service auth {
  unix_listener $1/auth-postfix {
    mode = 0666
  }
}
EOF
}

lab_postfix_conf() {
	cat >"$1/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $1/spool
data_directory = $1/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.$3
mydomain = $3
myorigin = \$myhostname
mydestination =${4:+ $4}
relayhost =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
alias_maps =
alias_database =
local_recipient_maps =${5:+ $5}
biff = no
maillog_file = $1/log/maillog
maillog_file_prefixes = $1/log
smtputf8_enable = no
disable_dns_lookups = yes
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtpd_tls_security_level = none
queue_run_delay = 3600s
minimal_backoff_time = 3600s
maximal_backoff_time = 7200s
delay_warning_time = 0
smtpd_sasl_type = dovecot
smtpd_sasl_path = $2/auth-postfix
smtpd_sasl_auth_enable = yes
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
transport_maps = texthash:$1/etc/transport
EOF
	# the services of tests/integration/postfix.sh's master.cf, whose
	# smtpd lines are these two
	sed -n '/^\tcat >"\$PF_CONF\/master.cf" <</,/^EOF/p' \
	    "$_lab_here/postfix.sh" | sed '1d;$d' \
	    >"$1/etc/master.cf"
	cat >>"$1/etc/master.cf" <<EOF
127.0.0.1:$6 inet n  -       n       -       -       smtpd
127.0.0.1:$7 inet n  -       n       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
EOF
}

lab_start() {
	LAB=$T/lab
	mkdir -p "$LAB/dc/run" "$LAB/dc/home" "$LAB/pf/etc" "$LAB/pf/spool" \
	    "$LAB/pf/data" "$LAB/pf/log" "$LAB/sysetc"
	chmod 755 "$LAB" "$LAB/dc" "$LAB/pf" "$LAB/pf/etc" "$LAB/pf/spool" \
	    "$LAB/pf/log"
	chown postfix "$LAB/pf/data" "$LAB/pf/log"
	LAB_MAILLOG=$LAB/pf/log/maillog
	LAB_DOVELOG=$LAB/dc/dovecot.log
	LAB_SMTP=$(free_port tcp)
	LAB_SUBMISSION=$(free_port tcp)
	LAB_IMAP=$(free_port tcp)
	LAB_POP3=$(free_port tcp)
	local mx_ok mx_421
	mx_ok=$(free_port tcp)
	mx_421=$(free_port tcp)

	"$PY" "$top_srcdir/tests/logs/fake-mx.py" "$LAB/mx.pid" \
	    "$mx_ok:accept" "$mx_421:greet421" &
	LAB_MX_PID=$!
	track_pid $LAB_MX_PID
	wait_until 10 test -s "$LAB/mx.pid" || bail "the fake MX did not start"

	cat >"$LAB/dc/passwd" <<EOF
info:{PLAIN}infopw:5000:5000::$LAB/dc/home/info
alice:{PLAIN}alicepw:5000:5000::$LAB/dc/home/alice
bob:{PLAIN}bobpw:5000:5000::$LAB/dc/home/bob
EOF
	chmod 644 "$LAB/dc/passwd"
	chown 5000:5000 "$LAB/dc/home"
	lab_dovecot_conf "$LAB/dc" dovecot-mhlab "imap pop3" no "$LAB_IMAP" \
	    "$LAB_POP3"
	cat >>"$LAB/dc/dovecot.conf" <<EOF
auth_failure_delay = 0
# no growing delay for the failures of one address (auth penalty): the
# tests make many on purpose, and Postfix gives up on a slow answer
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
	dovecot -c "$LAB/dc/dovecot.conf" || bail "dovecot did not start"
	LAB_UP_DC=1
	lab_wait_for "$LAB_DOVELOG" "starting up" || bail "no Dovecot log"

	cat >"$LAB/pf/etc/transport" <<EOF
sink.test	smtp:[127.0.0.1]:$mx_ok
gmail.test	smtp:[127.0.0.1]:$mx_421
EOF
	lab_postfix_conf "$LAB/pf" "$LAB/dc" lab.test "" "" "$LAB_SMTP" \
	    "$LAB_SUBMISSION"
	echo "smtpd_error_sleep_time = 0" >>"$LAB/pf/etc/main.cf"
	postfix -c "$LAB/pf/etc" start >"$LAB/pf/start.log" 2>&1 ||
		bail "postfix start failed: $(cat "$LAB/pf/start.log")"
	LAB_UP_PF=1
	lab_wait_for "$LAB_MAILLOG" "daemon started" || bail "no Postfix log"

	cp -a /etc/postfix/. "$LAB/sysetc/"
	printf 'compatibility_level = 3.6\nalternate_config_directories = %s\n' \
	    "$LAB/pf/etc" >"$LAB/sysetc/main.cf"
	export LAB LAB_MAILLOG LAB_DOVELOG LAB_SMTP LAB_SUBMISSION LAB_IMAP \
	    LAB_POP3
}

lab_stop() {
	if [ -n "$LAB_UP_PF" ]; then
		postfix -c "$LAB/pf/etc" stop >/dev/null 2>&1
		LAB_UP_PF=
	fi
	if [ -n "$LAB_UP_DC" ]; then
		doveadm -c "$LAB/dc/dovecot.conf" stop >/dev/null 2>&1
		LAB_UP_DC=
	fi
}

lab_sendmail_as() {
	local user=$1
	shift
	unshare -m sh -c "mount --bind '$LAB/sysetc' /etc/postfix &&
	    runuser -u '$user' -- /usr/sbin/sendmail -C '$LAB/pf/etc' -i $*"
}
