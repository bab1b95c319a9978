#!/bin/bash
# sms-reload.sh: SIGHUP reloads `mailhealth-sms --daemon`. A good new
# config takes effect for the next message; a bad one (a typo, a moved
# spool) is logged with FILE:LINE and the running config keeps sending;
# the audit log is reopened (logrotate); SIGTERM ends the daemon with 0.
#
# The daemon and the handlers read different files on purpose: the
# handlers' config stays valid, so every trap is spooled, and which
# config the daemon sends with shows in the URL (&conf=TAG).
. "$(dirname "$0")/lib.sh"

need_sms
mktestdir

plan 16

start_gateway ok
write_conf 'rate_limit = 100'	# $T/sms.conf, the handlers'

# daemon_conf TAG [extra lines]: the daemon's config, written atomically;
# the extra lines start at line 12
daemon_conf() {
	local tag=$1 l
	shift
	{
		echo "spool_directory = \"$SPOOL\""
		echo "audit_log = \"$T/audit.log\" fallback_spool = \"$T/fallback\""
		echo "recipients = { \"+15550100\" }"
		echo "retry_min = 1"
		echo "retry_max = 2"
		echo "gateway {"
		echo "  style = kannel"
		echo "  url = 'http://127.0.0.1:$GW_PORT/cgi-bin/sendsms?to={to}&text={text}&id={id}&conf=$tag'"
		echo "  connect_timeout = 1"
		echo "  timeout = 2"
		echo "}"
		for l in "$@"; do echo "$l"; done
	} > "$T/daemon.conf.tmp"
	mv "$T/daemon.conf.tmp" "$T/daemon.conf"
}
log_count() { grep -cF -- "$1" "$T/daemon.log"; }
log_count_ge() { [ "$(log_count "$1")" -ge "$2" ]; }
# page INDEX: one raise through the handler, alarm INDEX (never deduped)
page() {
	trap_text 1 "$1" queue-high queue.total total 1 5234 5000 "page $1" mx1 \
	    | "$MAILHEALTH_SMS" -c "$T/sms.conf"
}
# conf_of N: the conf tag of the Nth delivered SMS (0-based)
conf_of() { gwq "ok[$1][\"query\"][\"conf\"]"; }

daemon_conf v1
"$MAILHEALTH_SMS" -c "$T/daemon.conf" -D --daemon 2> "$T/daemon.log" &
DPID=$!
track_pid $DPID
wait_until 10 grep -q "running (daemon)" "$T/daemon.log" ||
	bail "mailhealth-sms --daemon did not start: $(tail -5 "$T/daemon.log")"

# 1-2: the daemon sends what a handler spools, with its config
page 1
wait_until 10 gw_count_is 'len(ok)' 1
ok $? "daemon delivers a spooled page"
is "$(conf_of 0)" v1 "sent with the v1 config"

# 3-4: a good new config applies to the next message
daemon_conf v2
kill -HUP "$DPID"
wait_until 10 log_count_ge "reloaded $T/daemon.conf" 1
ok $? "SIGHUP: 'reloaded' logged"
page 2
wait_until 10 gw_count_is 'len(ok)' 2
is "$(conf_of 1)" v2 "after the reload: sent with v2"

# 5-8: a typo: logged with FILE:LINE, the running config stays
daemon_conf v3 'rate_limt = 3'
kill -HUP "$DPID"
wait_until 10 log_count_ge \
    "reload failed, keeping the running configuration: $T/daemon.conf:12: no such option 'rate_limt'" \
    1
ok $? "bad config: FILE:LINE and reason logged"
kill -0 "$DPID"
ok $? "bad config: the daemon is still running"
page 3
wait_until 10 gw_count_is 'len(ok)' 3
ok $? "bad config: the page is still delivered"
is "$(conf_of 2)" v2 "bad config: sent with the kept v2 config"

# 9-10: the spool cannot move under a running sender
SPOOL_RUNNING=$SPOOL
SPOOL=$T/spool-moved daemon_conf v4
kill -HUP "$DPID"
wait_until 10 log_count_ge \
    "reload failed, keeping the running configuration: $T/daemon.conf:0: spool_directory cannot change from $SPOOL_RUNNING to $T/spool-moved" \
    1
ok $? "moved spool: refused, both paths named"
page 4
wait_until 10 gw_count_is 'len(ok)' 4
is "$(conf_of 3)" v2 "moved spool: sent with the kept v2 config"

# 11-13: fixed again, and the audit log rotated under the daemon
daemon_conf v5
mv "$T/audit.log" "$T/audit.log.1"
kill -HUP "$DPID"
wait_until 10 log_count_ge "reloaded $T/daemon.conf" 2
ok $? "fixed config: reloaded"
page 5
wait_until 10 gw_count_is 'len(ok)' 5
is "$(conf_of 4)" v5 "fixed config: sent with v5"
wait_until 10 audit_count_ge sent 1
ok $? "audit log reopened: the daemon's 'sent' lands in the new file"

# 14-15: nothing lost, nothing twice
is "$(gwq 'sorted(r["query"]["text"] for r in ok)')" \
    "$(gwq 'sorted("CRITICAL mx1 queue total 5,234 msgs (>= 5000), page %d" % i for i in range(1, 6))')" \
    "five pages, five SMS, each once"
spool_empty
ok $? "spool empty"

# 16: SIGTERM: the daemon exits with 0
kill -TERM "$DPID"
wait "$DPID"
is "$?" 0 "SIGTERM: exit 0"
untrack_pid "$DPID"

finish
