#!/bin/bash
# debian-package.sh: the Debian packages, from build to purge, on this
# machine (Debian 12, as root). Takes about three minutes; not run by
# `make check` or CI: run it with
#
#     tests/interop/debian-package.sh
#
# 1. dpkg-buildpackage -us -uc -b in a copy of the tree; lintian: no error.
# 2. dpkg -i both packages: the user _mailhealth, its state directory, the
#    SMS spool, audit log and configuration modes, the MIB where net-snmp
#    finds it by default, the units enabled (deb-systemd-helper).
# 3. No systemd runs here, so the units' own command lines are run the
#    way systemd would: as the unit's User=/Group=/SupplementaryGroups=,
#    with its AmbientCapabilities= and CapabilityBoundingSet=, NoNewPrivileges
#    and UMask (setpriv), read from the installed unit files. The admin's
#    edits go into the installed configuration files: the agent reads a
#    real private Postfix queue (tests/integration/postfix.sh) under a
#    private snmpd that lets _mailhealth in (the example snmpd.conf.sample's
#    agentXPerms) and serves the queue over SNMP; without the capability
#    it could not read the queue. Its alarm goes through a private
#    snmptrapd running as Debian-snmp, like Debian's, whose traphandle is
#    the installed mailhealth-sms, to the installed sender and a loopback
#    gateway.
# 4. dpkg --purge: the user, group, directories, files, units, statoverride
#    and enablement links are gone.
#
# It refuses to run where mailhealth is already installed (or its user or
# directories exist), and purges what it installed even when it fails.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/postfix.sh"

need_root
need_cmd dpkg-buildpackage lintian dpkg setpriv snmpd snmptrapd snmpget \
	snmptranslate postfix postsuper sendmail
command -v dh >/dev/null 2>&1 || bail "dh not found: install debhelper (scripts/install-deps)"

PKGS="mailhealthd mailhealth-sms"
UNITDIR=/lib/systemd/system
installed() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qv '^not-installed$'; }
for p in $PKGS; do
	installed "$p" && bail "$p is installed here already: this test would purge it; remove it first"
done
getent passwd _mailhealth >/dev/null && bail "user _mailhealth exists already"
for d in /etc/mailhealth /var/lib/mailhealth /var/spool/mailhealth-sms; do
	[ -e "$d" ] && bail "$d exists already: this test would remove it"
done
getent passwd Debian-snmp >/dev/null || bail "user Debian-snmp missing: is snmpd installed?"

# dpkg refuses to run while another dpkg or apt holds its lock (other
# work on this machine); retry on that, and only on that, for 5 minutes
dpkg_wait() {
	local deadline=$(($(date +%s) + 300)) rc
	while :; do
		dpkg "$@" >"$T/dpkg.out" 2>&1
		rc=$?
		grep -q "lock" "$T/dpkg.out" && [ $rc -ne 0 ] &&
			[ "$(date +%s)" -lt $deadline ] || break
		sleep 1 # poll: another dpkg holds the lock
	done
	[ $rc -eq 0 ] || sed 's/^/# dpkg: /' "$T/dpkg.out"
	return $rc
}

purge_ours() {
	local p
	pf_stop
	for p in $PKGS; do
		if installed "$p"; then
			dpkg_wait --purge "$p" >/dev/null
		fi
	done
}

mktestdir
base_mibs
CLEANUP_HOOK=purge_ours
plan 49

# --- 1. build --------------------------------------------------------
# a copy of the tree: the files git knows (or, outside git, everything
# but build directories), so that nothing built by hand leaks in
mkdir -p "$T/deb/src"
if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 tar -cf - --no-recursion) | tar -C "$T/deb/src" -xf -
else
	tar -C "$top_srcdir" --exclude=./build --exclude=./build-asan \
		--exclude=./debian/build -cf - . | tar -C "$T/deb/src" -xf -
fi
t0=$(date +%s)
(cd "$T/deb/src" && dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1
r=$?
ok $r "dpkg-buildpackage -us -uc -b builds ($(($(date +%s) - t0)) s)"
[ $r -eq 0 ] || tail -30 "$T/build.log" | sed 's/^/# /'
DEB_D=$(ls "$T"/deb/mailhealthd_*.deb 2>/dev/null)
DEB_S=$(ls "$T"/deb/mailhealth-sms_*.deb 2>/dev/null)
[ -f "$DEB_D" ] && [ -f "$DEB_S" ] || bail "no packages built: $(tail -5 "$T/build.log")"
grep -q "^PASS: tests/unit/" "$T/build.log" && ! grep -q "^FAIL:" "$T/build.log"
ok $? "the unit tests ran during the build and passed"

lintian --pedantic "$T"/deb/*.changes >"$T/lintian.out" 2>&1
sed 's/^/# lintian: /' "$T/lintian.out"
is "$(grep -c '^E:' "$T/lintian.out")" 0 "lintian: no error"

dpkg-deb -c "$DEB_D" >"$T/d.list"
dpkg-deb -c "$DEB_S" >"$T/s.list"
has() { grep -q " \./$2\$" "$T/$1.list"; }
r=0
for f in usr/sbin/mailhealthd etc/mailhealth/mailhealthd.conf \
	usr/share/man/man8/mailhealthd.8.gz usr/share/man/man5/mailhealthd.conf.5.gz \
	usr/share/snmp/mibs/MAILHEALTH-MIB.txt lib/systemd/system/mailhealthd.service; do
	has d "$f" || { diag "mailhealthd lacks $f"; r=1; }
done
ok $r "mailhealthd holds the daemon, its conf, man pages, MIB and unit"
r=0
for f in usr/bin/mailhealth-sms usr/libexec/mailhealth/mailhealth-sms-sender \
	etc/mailhealth/mailhealth-sms.conf usr/share/man/man8/mailhealth-sms.8.gz \
	usr/share/man/man5/mailhealth-sms.conf.5.gz lib/systemd/system/mailhealth-sms.service \
	lib/systemd/system/mailhealth-sms-flush.timer etc/logrotate.d/mailhealth-sms; do
	has s "$f" || { diag "mailhealth-sms lacks $f"; r=1; }
done
ok $r "mailhealth-sms holds the handler, the sender in libexec, conf, man pages, units"

# --- 2. install ------------------------------------------------------
dpkg_wait -i "$DEB_D" "$DEB_S"
ok $? "dpkg -i installs both packages"
installed mailhealthd && installed mailhealth-sms || bail "not installed"

IFS=: read -r _ _ uid gid _ home shell <<<"$(getent passwd _mailhealth)"
[ -n "$uid" ] && [ "$uid" -lt 1000 ]
ok $? "system user _mailhealth (uid $uid)"
is "$(getent group _mailhealth | cut -d: -f3)" "$gid" "its own group _mailhealth"
is "$home $shell" "/var/lib/mailhealth /usr/sbin/nologin" "home is the state directory, no login shell"
is "$(stat -c '%U:%G %a' /var/lib/mailhealth)" "_mailhealth:_mailhealth 750" \
	"/var/lib/mailhealth belongs to _mailhealth, 0750"
is "$(stat -c '%U:%G %a' /var/spool/mailhealth-sms)" "Debian-snmp:Debian-snmp 700" \
	"the SMS spool belongs to snmptrapd's user, 0700"
is "$(stat -c '%U:%G %a' /etc/mailhealth/mailhealth-sms.conf)" "root:Debian-snmp 640" \
	"mailhealth-sms.conf (gateway credentials) is root:Debian-snmp 0640"
is "$(stat -c '%U:%G %a' /var/log/mailhealth-sms.log)" "Debian-snmp:adm 640" \
	"the audit log exists, Debian-snmp:adm 0640"
for u in mailhealthd.service mailhealth-sms.service; do
	[ -L "/etc/systemd/system/multi-user.target.wants/$u" ]
	ok $? "$u enabled (multi-user.target.wants)"
done
[ -L /etc/systemd/system/timers.target.wants/mailhealth-sms-flush.timer ]
ok $? "mailhealth-sms-flush.timer enabled"
# net-snmp's default MIB path (no -M of ours but the IETF base MIBs,
# which Debian does not ship) finds the installed MIB
got=$(snmptranslate -M "+$BASEMIBS" -m MAILHEALTH-MIB -On \
	MAILHEALTH-MIB::mhQueueMessages.0 2>"$T/translate.err")
is "$got" "$MH.1.2.1.0" "snmptranslate finds MAILHEALTH-MIB in net-snmp's default directory"
[ "$got" = "$MH.1.2.1.0" ] || sed 's/^/# /' "$T/translate.err"

# the installed units load, and keep their hardening: exposure at most
# 2.0 ("OK") in systemd-analyze's offline rating
for u in mailhealthd.service mailhealth-sms.service mailhealth-sms-flush.service \
	mailhealth-sms-flush.timer; do
	systemd-analyze verify "$UNITDIR/$u" >"$T/verify.out" 2>&1
	r=$?
	ok $r "systemd-analyze verify $u"
	[ $r -eq 0 ] || sed 's/^/# /' "$T/verify.out"
done
for u in mailhealthd.service mailhealth-sms.service mailhealth-sms-flush.service; do
	systemd-analyze security --offline=yes --threshold=20 "$UNITDIR/$u" >"$T/security.out" 2>&1
	r=$?
	ok $r "systemd-analyze security: $(tail -1 "$T/security.out" | sed 's/.*exposure level for //')"
done

# --- 3. run the units' command lines ---------------------------------
# unit_get UNIT KEY: the values of KEY= in the installed unit, joined
unit_get() {
	sed -n "s/^$2=//p" "$UNITDIR/$1" | tr '\n' ' ' | sed 's/ *$//'
}
# as_unit UNIT CMD...: exec CMD as systemd would run the unit's commands
# (user, groups, capabilities, no new privileges, umask). It replaces
# the shell: call it in a subshell, or with & (then $! is CMD's pid).
as_unit() {
	local unit=$1 user group groups caps bound
	shift
	user=$(unit_get "$unit" User)
	group=$(unit_get "$unit" Group)
	groups=$(id -G "$user" | tr ' ' '\n')
	for g in $(unit_get "$unit" SupplementaryGroups); do
		groups="$groups
$(getent group "$g" | cut -d: -f3)"
	done
	groups=$(echo "$groups" | sort -un | paste -sd,)
	caps=$(unit_get "$unit" AmbientCapabilities | tr 'A-Z' 'a-z' | sed 's/cap_//g')
	bound=$(unit_get "$unit" CapabilityBoundingSet | tr 'A-Z' 'a-z' | sed 's/cap_//g')
	local inh="" bset="-all"
	for c in $caps; do inh="$inh,+$c"; done
	for c in $bound; do bset="$bset,+$c"; done
	[ "$(unit_get "$unit" NoNewPrivileges)" = yes ] || exit 99
	umask "$(unit_get "$unit" UMask)"
	exec setpriv --reuid="$user" --regid="$group" --groups="$groups" \
		${inh:+--inh-caps="${inh#,}" --ambient-caps="${inh#,}"} \
		--bounding-set="$bset" --no-new-privs -- "$@"
}
# unit_cmd UNIT KEY: the command line of ExecStart= or ExecStartPre=
unit_cmd() { unit_get "$1" "$2"; }

is "$(unit_get mailhealthd.service User)" _mailhealth "mailhealthd.service runs as _mailhealth"
is "$(unit_get mailhealthd.service AmbientCapabilities)" CAP_DAC_READ_SEARCH \
	"with CAP_DAC_READ_SEARCH only"

# the sample configuration, as shipped, is valid for its user
# shellcheck disable=SC2046
(as_unit mailhealthd.service $(unit_cmd mailhealthd.service ExecStartPre)) >"$T/check.out" 2>&1
r=$?
ok $r "ExecStartPre (--check-config) passes on the shipped mailhealthd.conf"
[ $r -eq 0 ] || sed 's/^/# /' "$T/check.out"
# shellcheck disable=SC2046
(as_unit mailhealth-sms.service $(unit_cmd mailhealth-sms.service ExecStartPre)) >"$T/check.out" 2>&1
r=$?
ok $r "ExecStartPre (--check-config) passes on the shipped mailhealth-sms.conf"
[ $r -eq 0 ] || sed 's/^/# /' "$T/check.out"

# the SMS side: a loopback gateway, the admin points the gateway url at
# it; the installed sender runs as its unit says
/usr/bin/python3 "$top_srcdir/tests/integration/gateway.py" --port 0 \
	--port-file "$T/gw.port" --log "$T/gw.log" --mode ok >"$T/gw.out" 2>&1 &
track_pid $!
wait_until 10 test -s "$T/gw.port" || bail "the loopback gateway did not start"
GW_PORT=$(cat "$T/gw.port")
sed -i "s|^\([[:space:]]*url[[:space:]]*=\).*|\1 'http://127.0.0.1:$GW_PORT/cgi-bin/sendsms?to={to}\&text={text}'|" \
	/etc/mailhealth/mailhealth-sms.conf
/usr/bin/mailhealth-sms -c /etc/mailhealth/mailhealth-sms.conf --check-config >/dev/null 2>&1 ||
	bail "the edited mailhealth-sms.conf is refused"
# shellcheck disable=SC2046
as_unit mailhealth-sms.service $(unit_cmd mailhealth-sms.service ExecStart) >"$T/sender.log" 2>&1 &
SENDER_PID=$!
track_pid $SENDER_PID
wait_until 10 test -s /var/spool/mailhealth-sms/sender.lock ||
	bail "the sender did not start: $(tail -5 "$T/sender.log")"

# snmptrapd as Debian's unit runs it (User=Debian-snmp), with the
# traphandle of the example snmptrapd.conf.sample (a community for this
# private test: the sample's SNMPv3 user is what sites use)
TRAP_PORT=$(free_port udp)
install -d -o Debian-snmp -g Debian-snmp "$T/trapd"
{
	echo "authCommunity log,execute public"
	sed -n 's/^\(outputOption\|traphandle\) /&/p' \
		/usr/share/doc/mailhealth-sms/examples/snmptrapd.conf.sample
} >"$T/trapd/snmptrapd.conf"
grep -q "^traphandle default /usr/bin/mailhealth-sms" "$T/trapd/snmptrapd.conf" ||
	bail "the example snmptrapd.conf has no traphandle line"
setpriv --reuid=Debian-snmp --regid=Debian-snmp --init-groups -- \
	env SNMP_PERSISTENT_DIR="$T/trapd" snmptrapd -f -Lf "$T/trapd/snmptrapd.log" -C \
	-c "$T/trapd/snmptrapd.conf" -m '' "udp:127.0.0.1:$TRAP_PORT" &
track_pid $!
wait_until 10 grep -qs "NET-SNMP version" "$T/trapd/snmptrapd.log" || bail "snmptrapd did not start"

# snmpd as the AgentX master, with the example's agentXPerms, run as
# Debian's unit does (-u/-g Debian-snmp: the socket is made before that)
SNMP_PORT=$(free_port udp)
AGENTX=$T/agentx/master
{
	echo "agentXSocket $AGENTX"
	grep -E '^(master|agentXPerms) ' /usr/share/doc/mailhealthd/examples/snmpd.conf.sample
	echo "rocommunity public 127.0.0.1"
	echo "trap2sink 127.0.0.1:$TRAP_PORT public"
} >"$T/snmpd.conf"
grep -q "^agentXPerms 0660 0755 root _mailhealth" "$T/snmpd.conf" ||
	bail "the example snmpd.conf does not let _mailhealth in"
snmpd -f -C -c "$T/snmpd.conf" -Lf "$T/snmpd.log" -p "$T/snmpd.pid" \
	-u Debian-snmp -g Debian-snmp -M /usr/share/snmp/mibs -m '' "udp:127.0.0.1:$SNMP_PORT" &
track_pid $!
wait_until 10 snmpget -v2c -c public -t 0.3 -r 0 -m '' "127.0.0.1:$SNMP_PORT" .1.3.6.1.2.1.1.3.0 ||
	bail "snmpd did not answer: $(tail -5 "$T/snmpd.log")"
export SNMP_PORT
is "$(stat -c '%U:%G %a' "$AGENTX")" "root:_mailhealth 660" "the AgentX socket is root:_mailhealth 0660"

# a real Postfix queue: 12 messages from one flooder, 2 from others
pf_start "$T/pf" || bail "cannot start a private Postfix"
for i in $(seq 1 12); do
	pf_sendmail -f flood@spam.example "u$i@junk.example"
done
pf_sendmail -f alice@corp.example bob@partner.example
pf_sendmail -f carol@corp.example bob@partner.example
pf_wait_deferred 14 || bail "Postfix did not defer the 14 messages"
is "$(stat -c '%U %a' "$PF_QUEUE/deferred")" "postfix 700" "Postfix's deferred queue is postfix's, 0700"

# the admin's edits: the private snmpd and Postfix, a small alarm
sed -i -e "s|^agentx_socket = .*|agentx_socket = \"$AGENTX\"|" \
	-e "s|^interval = .*|interval = 1|" \
	-e "s|^\([[:space:]]*queue_directory = \).*|\1\"$PF_QUEUE\"|" \
	/etc/mailhealth/mailhealthd.conf
cat >>/etc/mailhealth/mailhealthd.conf <<'EOF'
alarm test-flood {
	metric   = "queue.sender"
	rising   = 10
	falling  = 2
	severity = critical
}
EOF
# shellcheck disable=SC2046
(as_unit mailhealthd.service $(unit_cmd mailhealthd.service ExecStartPre)) >"$T/check.out" 2>&1
r=$?
ok $r "ExecStartPre passes on the edited configuration"
[ $r -eq 0 ] || sed 's/^/# /' "$T/check.out"

# without the unit's capability, the same user reads no queue
setpriv --reuid=_mailhealth --regid=_mailhealth --init-groups --bounding-set=-all \
	--no-new-privs -- /usr/sbin/mailhealthd --once -c /etc/mailhealth/mailhealthd.conf \
	>"$T/nocap.json" 2>"$T/nocap.err"
is "$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["queue"]["messages"])' \
	"$T/nocap.json" 2>&1)" None "without CAP_DAC_READ_SEARCH _mailhealth cannot count the queue"
grep -qi "permission denied" "$T/nocap.err" "$T/nocap.json"
ok $? "and says why (permission denied)"

# shellcheck disable=SC2046
as_unit mailhealthd.service $(unit_cmd mailhealthd.service ExecStart) >"$T/mailhealthd.log" 2>&1 &
AGENT_PID=$!
track_pid $AGENT_PID
wait_until 20 agent_ready
r=$?
ok $r "the installed mailhealthd registers with snmpd through the 0660 socket"
[ $r -eq 0 ] || bail "the installed agent did not register: $(tail -10 "$T/mailhealthd.log")"
st=/proc/$AGENT_PID/status
is "$(awk '/^Uid:/ { print $2 }' "$st")" "$uid" "it runs as _mailhealth"
is "$(awk '/^CapEff:/ { print $2 }' "$st")" 0000000000000004 \
	"its effective capabilities are CAP_DAC_READ_SEARCH alone"
is "$(awk '/^NoNewPrivs:/ { print $2 }' "$st")" 1 "with no new privileges"

queue_is() { [ "$(sget "$MH.1.2.1.0")" = "$1" ]; }
wait_until 10 queue_is 14
ok $? "mhQueueMessages.0 is 14 over SNMP: the queue Postfix holds"
top=$(swalk "$MH.1.2.11.1.5" | awk '$2 == 1 { print $1 }' | sed 's/.*\.//')
is "$(sget "$MH.1.2.11.1.2.$top")" '"flood@spam.example"' "the top sender is the flooder"
is "$(sget "$MH.1.2.11.1.3.$top")" 12 "with its 12 messages"

wait_until 30 gw_count_is 1
ok $? "its alarm reached the gateway: snmpd, snmptrapd (Debian-snmp), the installed handler and sender"
diag "SMS: $(gw_texts | sed -n 1p)"
case $(gw_texts | sed -n 1p) in *queue*flood@spam.example*) r=0 ;; *) r=1 ;; esac
ok $r "the SMS names the queue and the flooder"
grep -q "event=sent .*flood@spam.example" /var/log/mailhealth-sms.log
ok $? "the audit log, written as Debian-snmp, records it"

# stop what runs as the packages' users before the purge
cleanup_run() {
	local p
	for p in "$@"; do
		kill "$p" 2>/dev/null
		wait_until 10 sh -c "! kill -0 $p 2>/dev/null"
	done
}
cleanup_run "$AGENT_PID" "$SENDER_PID"
[ -e "/proc/$AGENT_PID" ] || [ -e "/proc/$SENDER_PID" ]
ok $((!$?)) "the agent and the sender stop on SIGTERM"

# --- 4. purge --------------------------------------------------------
dpkg_wait --purge mailhealthd mailhealth-sms
ok $? "dpkg --purge removes both packages"
installed mailhealthd || installed mailhealth-sms
ok $((!$?)) "no trace left in dpkg's database (not even config-files)"
getent passwd _mailhealth >/dev/null || getent group _mailhealth >/dev/null
ok $((!$?)) "user and group _mailhealth are gone"
left=""
for f in /etc/mailhealth /var/lib/mailhealth /var/spool/mailhealth-sms \
	/var/log/mailhealth-sms.log /usr/sbin/mailhealthd /usr/bin/mailhealth-sms \
	/usr/libexec/mailhealth /usr/share/snmp/mibs/MAILHEALTH-MIB.txt \
	/etc/logrotate.d/mailhealth-sms /usr/share/doc/mailhealthd \
	/usr/share/doc/mailhealth-sms "$UNITDIR/mailhealthd.service" \
	"$UNITDIR/mailhealth-sms.service" "$UNITDIR/mailhealth-sms-flush.timer" \
	/etc/systemd/system/multi-user.target.wants/mailhealthd.service \
	/etc/systemd/system/multi-user.target.wants/mailhealth-sms.service \
	/etc/systemd/system/timers.target.wants/mailhealth-sms-flush.timer \
	/var/lib/systemd/deb-systemd-helper-enabled/mailhealthd.service.dsh-also; do
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
is "${left:-none}" none "every file and directory is gone"
is "$(dpkg-statoverride --list | grep -c mailhealth)" 0 "no statoverride left"
finish
