# postfix.sh: start and drive a PRIVATE Postfix instance for tests.
#
# Source this file, then:
#   pf_start DIR [QUEUE]  make DIR/etc (main.cf, master.cf), DIR/spool
#                    (the queue_directory, or QUEUE) and DIR/data, and start
#                    Postfix there. Options, as variables:
#                    PF_MILTER=1  run tests/integration/pf-milter.py as
#                                 non_smtpd_milters
#                    PF_SERVICES="showq"  only these master.cf services
#                                 (a queue that nothing moves, for the
#                                 benchmarks: no qmgr, no pickup)
#   pf_sendmail -f SENDER RCPT...   inject one message (body on stdin, or a
#                    generated one when stdin is a terminal / empty)
#   pf_wait_deferred N [SECONDS]    poll until N messages sit in deferred
#                    and no other queue holds any (bounded, default 60 s)
#   pf_postqueue_j   print `postqueue -j` of the instance (JSON lines)
#   pf_stop          stop it (also run from the caller's EXIT trap)
#   Postfix logs to DIR/log/maillog.
#
# Why it does not disturb the system Postfix: everything lives under DIR
# (config_directory, queue_directory, data_directory, the log file), no
# inet listener exists at all (master.cf has no smtpd), and nothing under
# /etc/postfix is read for the instance or written.
#
# How a non-default config directory is accepted (checked with Postfix
# 3.7 on Debian 12, as root): `postfix -c DIR` and `postqueue -c DIR`
# accept any directory when the real uid is 0; the alternate_config_
# directories list in /etc/postfix/main.cf only restricts the set-gid
# programs (postdrop, postqueue) run by other users. sendmail -C DIR runs
# postdrop with MAIL_CONFIG=DIR; as root that is allowed as well. So the
# tests must run as root, and they do not edit /etc/postfix.
#
# Mail to any domain goes out through the smtp transport (mydestination
# is empty, no relayhost), and defer_transports = smtp makes qmgr defer
# it at once without connecting anywhere: the queue ends up with exactly
# the injected messages in deferred/, deterministically.

PF_DIR=
PF_CONF=
PF_QUEUE=

pf_log() { printf '# postfix: %s\n' "$*" >&2; }

pf_start() {
	PF_DIR=$1
	PF_CONF=$PF_DIR/etc
	PF_QUEUE=${2:-$PF_DIR/spool}
	mkdir -p "$PF_CONF" "$PF_QUEUE" "$PF_DIR/data" "$PF_DIR/log" || return 1
	# Postfix daemons (user postfix) must traverse to the queue.
	chmod 755 "$PF_DIR" "$PF_CONF" "$PF_QUEUE" "$PF_DIR/log"
	chown postfix "$PF_DIR/data" "$PF_DIR/log"
	cat >"$PF_CONF/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mh-test.invalid
mydomain = invalid
myorigin = \$myhostname
mydestination =
relayhost =
inet_interfaces = loopback-only
inet_protocols = ipv4
defer_transports = smtp
alias_maps =
alias_database =
local_recipient_maps =
biff = no
append_dot_mydomain = no
# Postfix's own log file (postlogd): no syslog needed. Its directory
# belongs to postfix, since programs that drop privileges (postsuper)
# create it too; it must sit under maillog_file_prefixes (default /var).
maillog_file = $PF_DIR/log/maillog
maillog_file_prefixes = $PF_DIR/log
smtputf8_enable = no
# no DNS anywhere: mail defers before any lookup
disable_dns_lookups = yes
smtp_dns_support_level = disabled
# keep deferred mail deferred while the test runs
queue_run_delay = 3600s
minimal_backoff_time = 3600s
maximal_backoff_time = 7200s
maximal_queue_lifetime = 5d
bounce_queue_lifetime = 5d
delay_warning_time = 0
# mail to discard.example is delivered (discarded) at once: a message to
# it and to a remote domain keeps a done (D) recipient in deferred/
transport_maps = inline:{discard.example=discard:}
EOF
	if [ -n "${PF_MILTER:-}" ]; then
		pf_milter_start || return 1
		cat >>"$PF_CONF/main.cf" <<EOF
non_smtpd_milters = unix:$PF_DIR/milter.sock
milter_default_action = tempfail
EOF
	fi
	cat >"$PF_CONF/master.cf" <<'EOF'
# service type  private unpriv  chroot  wakeup  maxproc command
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	if [ -n "${PF_SERVICES:-}" ]; then
		awk -v keep=" $PF_SERVICES postlog " '
		    /^#/ || index(keep, " " $1 " ") { print }' \
		    "$PF_CONF/master.cf" >"$PF_CONF/master.cf.new" &&
		    mv "$PF_CONF/master.cf.new" "$PF_CONF/master.cf"
	fi
	# `postfix check` (run by start) creates the queue directories with
	# Postfix's own owners and modes.
	if ! postfix -c "$PF_CONF" start >"$PF_DIR/start.log" 2>&1; then
		pf_log "postfix start failed:"
		sed 's/^/# /' "$PF_DIR/start.log" >&2
		return 1
	fi
	pf_wait_running 30
}

# The master writes its pid file once it runs; qmgr and pickup follow.
pf_wait_running() {
	local deadline=$((SECONDS + ${1:-30}))

	while [ $SECONDS -lt $deadline ]; do
		if [ -s "$PF_QUEUE/pid/master.pid" ] &&
		    kill -0 "$(tr -d ' ' <"$PF_QUEUE/pid/master.pid")" 2>/dev/null &&
		    postfix -c "$PF_CONF" status >/dev/null 2>&1 &&
		    [ -S "$PF_QUEUE/public/showq" ] || [ -p "$PF_QUEUE/public/showq" ]; then
			return 0
		fi
		sleep 0.1 # poll
	done
	pf_log "postfix did not come up in time"
	return 1
}

# pf_milter_start: tests/integration/pf-milter.py on $PF_DIR/milter.sock;
# ready once it has written its pid file (after listen()).
pf_milter_start() {
	local here deadline

	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	/usr/bin/python3 "$here/pf-milter.py" "$PF_DIR/milter.sock" \
	    "$PF_DIR/milter.pid" 2>"$PF_DIR/milter.log" &
	PF_MILTER_PID=$!
	deadline=$((SECONDS + 10))
	while [ ! -s "$PF_DIR/milter.pid" ]; do
		if ! kill -0 "$PF_MILTER_PID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
			pf_log "milter did not start"
			return 1
		fi
		sleep 0.05 # poll
	done
}

pf_master_pid() {
	[ -s "$PF_QUEUE/pid/master.pid" ] && tr -d ' ' <"$PF_QUEUE/pid/master.pid"
}

pf_stop() {
	local pid deadline

	[ -n "$PF_CONF" ] || return 0
	pid=$(pf_master_pid)
	postfix -c "$PF_CONF" stop >/dev/null 2>&1
	if [ -n "$pid" ]; then
		deadline=$((SECONDS + 20))
		while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
			sleep 0.1 # poll
		done
		if kill -0 "$pid" 2>/dev/null; then
			pf_log "master $pid ignored stop, killing it"
			kill -9 "$pid" 2>/dev/null
		fi
	fi
	PF_CONF=
	if [ -n "${PF_MILTER_PID:-}" ]; then
		kill "$PF_MILTER_PID" 2>/dev/null
		wait "$PF_MILTER_PID" 2>/dev/null
		PF_MILTER_PID=
	fi
}

# pf_sendmail [sendmail options] RCPT...: a small message from stdin, or a
# fixed one if stdin is not redirected.
pf_sendmail() {
	if [ -t 0 ]; then
		printf 'Subject: mailhealth test\n\nhello\n' |
		    sendmail -C "$PF_CONF" -i "$@"
	else
		sendmail -C "$PF_CONF" -i "$@"
	fi
}

pf_postqueue_j() {
	postqueue -c "$PF_CONF" -j
}

# pf_queue_counts: "queue count" lines from postqueue -j.
pf_queue_counts() {
	pf_postqueue_j | /usr/bin/python3 -c '
import json, sys, collections
c = collections.Counter(json.loads(l)["queue_name"] for l in sys.stdin if l.strip())
for q, n in sorted(c.items()):
    print(q, n)'
}

# pf_wait_deferred N [SECONDS]: until exactly N messages are in deferred
# and maildrop, incoming and active are empty. Counts files on disk for
# maildrop (showq cannot read it) and asks showq for the rest.
pf_wait_deferred() {
	local want=$1 deadline=$((SECONDS + ${2:-60})) got other drop

	while [ $SECONDS -lt $deadline ]; do
		drop=$(find "$PF_QUEUE/maildrop" "$PF_QUEUE/incoming" \
		    "$PF_QUEUE/active" -type f | wc -l)
		got=$(pf_queue_counts | awk '$1 == "deferred" { print $2 }')
		other=$(pf_queue_counts | awk '$1 != "deferred" { n += $2 } END { print n + 0 }')
		if [ "$drop" -eq 0 ] && [ "${got:-0}" -eq "$want" ] && [ "$other" -eq 0 ]; then
			return 0
		fi
		sleep 0.1 # poll
	done
	pf_log "queue did not settle: want $want deferred, have ${got:-0}" \
	    "(+$other elsewhere, $drop files in maildrop/incoming/active)"
	return 1
}
