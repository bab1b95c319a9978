#!/bin/bash
# zabbix.sh: contrib/zabbix/mailhealth_template.yaml in a real Zabbix 6.0
# (Debian 12's zabbix-server-pgsql and zabbix-frontend-php), all private
# and on loopback: a PostgreSQL cluster in the temp dir (unix socket only),
# the schema Debian ships, zabbix_server, and the frontend's API under
# PHP's built-in web server. The frontend reads its configuration from
# /etc/zabbix/zabbix.conf.php only (Debian's patch), so the web server
# runs in a mount namespace of its own where a temp directory is bound
# over /etc/zabbix: the machine's /etc is never written.
#
# A live mailhealthd (a qmail queue full of junk senders, a service check,
# connections, an active alarm) under a private snmpd; the template is
# imported through the API, a host with an SNMP interface on it is added,
# every discovery rule and item is run at once ("check now" tasks), and
# the values Zabbix got must be those snmpget gets; the agent's alarm must
# be a problem with the severity the template maps it to.
#
# About a minute and a half. Run it with
#
#     tests/interop/zabbix.sh
#
# (after a build in ./build or in the tree; as root).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ -z "${top_builddir:-}" ] && [ ! -x "$top_srcdir/agent/mailhealthd" ]; then
	top_builddir=$top_srcdir/build
fi
. "$top_srcdir/tests/integration/lib.sh"

need_root
need_cmd snmpd zabbix_server php psql unshare mount /usr/bin/python3
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
[ -x "$PGBIN/initdb" ] || bail "PostgreSQL not found: apt-get install postgresql"
[ -d /usr/share/zabbix ] || bail "zabbix-frontend-php not installed"
[ -x "$MAILHEALTHD" ] || bail "$MAILHEALTHD not built"
mktestdir
TPL=$top_srcdir/contrib/zabbix/mailhealth_template.yaml

# ---- PostgreSQL and Zabbix -------------------------------------------------------
pg_stop() {
	[ -d "$T/pg" ] && su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $T/pg -m immediate stop" >/dev/null 2>&1
}
CLEANUP_HOOK=pg_stop
mkdir -p "$T/pg" "$T/pgsock" "$T/zsock" "$T/etczabbix"
chown postgres "$T/pg" "$T/pgsock"
chmod 700 "$T/pg"
su postgres -s /bin/sh -c "$PGBIN/initdb -D $T/pg -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" \
	>"$T/initdb.log" 2>&1 || bail "initdb failed: $(tail -3 "$T/initdb.log")"
su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $T/pg -l $T/pg/server.log -w -o \"-k $T/pgsock -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start" \
	>/dev/null 2>&1 || bail "PostgreSQL did not start: $(tail -3 "$T/pg/server.log")"
psql -h "$T/pgsock" -U postgres -q -c "create database zabbix" || bail "createdb failed"
for f in schema images data; do
	zcat "/usr/share/zabbix-server-pgsql/$f.sql.gz" |
		psql -h "$T/pgsock" -U postgres -q -v ON_ERROR_STOP=1 -d zabbix >/dev/null 2>"$T/psql-$f.err" ||
		bail "loading Zabbix's $f.sql failed: $(tail -3 "$T/psql-$f.err")"
done

# zabbix_server takes ports 1024-32767 only
ZPORT=$(/usr/bin/python3 -c 'import random, socket
for _ in range(200):
    p = random.randint(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p)
    break')
cat >"$T/zabbix_server.conf" <<EOF
LogFile=$T/zabbix_server.log
PidFile=$T/zabbix_server.pid
SocketDir=$T/zsock
DBHost=$T/pgsock
DBName=zabbix
DBUser=postgres
ListenIP=127.0.0.1
ListenPort=$ZPORT
AllowRoot=1
StartPollers=2
StartPollersUnreachable=1
StartPingers=0
StartDiscoverers=0
StartHTTPPollers=0
StartLLDProcessors=2
CacheUpdateFrequency=2
Timeout=4
EOF
zabbix_server -f -c "$T/zabbix_server.conf" >"$T/zabbix_server.out" 2>&1 &
track_pid $!
wait_until 30 grep -q "server #0 started \[main process\]" "$T/zabbix_server.log" ||
	bail "zabbix_server did not start: $(tail -5 "$T/zabbix_server.log")"

WPORT=$(free_port tcp)
cat >"$T/etczabbix/zabbix.conf.php" <<EOF
<?php
\$DB['TYPE'] = 'POSTGRESQL';
\$DB['SERVER'] = '$T/pgsock';
\$DB['PORT'] = '0';
\$DB['DATABASE'] = 'zabbix';
\$DB['USER'] = 'postgres';
\$DB['PASSWORD'] = '';
\$DB['SCHEMA'] = '';
\$ZBX_SERVER = '127.0.0.1';
\$ZBX_SERVER_PORT = '$ZPORT';
\$ZBX_SERVER_NAME = 'mailhealth-test';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
EOF
# unshare execs sh, which execs php: the pid is the web server's
unshare -m --propagation private sh -c \
	"mount --bind '$T/etczabbix' /etc/zabbix && exec php -S 127.0.0.1:$WPORT -t /usr/share/zabbix" \
	>"$T/php.log" 2>&1 &
track_pid $!
API=http://127.0.0.1:$WPORT/api_jsonrpc.php
api_up() {
	/usr/bin/python3 -c 'import json,sys,urllib.request as u
r=u.Request(sys.argv[1],b"{\"jsonrpc\":\"2.0\",\"method\":\"apiinfo.version\",\"params\":{},\"id\":1}",{"Content-Type":"application/json-rpc"})
print(json.load(u.urlopen(r,timeout=5))["result"])' "$API"
}
wait_until 20 api_up || bail "the Zabbix API did not answer: $(tail -5 "$T/php.log")"
diag "Zabbix API $(api_up) on 127.0.0.1:$WPORT, server on $ZPORT"

# ---- the agent -------------------------------------------------------------------
"$top_srcdir/tests/qmail-queue-gen.py" --create-users --queue "$T/q" --seed 8 \
	--flooder 'flood@victim.example:40' --junk 30 --nasty 60 --bounces 5 \
	>/dev/null || bail "qmail-queue-gen failed"
start_gateway ok	# a TCP port that is up
cat >"$T/mh.conf" <<EOF
interval = 5
mta qmail { queue_directory = "$T/q" }
service web { check = tcp target = "127.0.0.1:$GW_PORT" }
connections { ports = { 25, $GW_PORT } }
alarm queue-high { metric = "queue.total" rising = 10 falling = 5 severity = major }
EOF
start_snmpd
start_agent "$T/mh.conf"
alarmed() { [ "$(sget $MH.1.10.1.0)" = 1 ] && [ "$(sget $MH.1.6.10.1.5.1)" = 1 ]; }
wait_until 30 alarmed || bail "the agent did not raise its alarm: $(tail -5 "$T/mailhealthd.log")"

# what Zabbix must see, from snmpget and the template itself
/usr/bin/python3 - "$TPL" "$T/expect.json" "$(sget $MH.1.2.1.0)" \
	"$(sget $MH.1.2.10.1.3.1)" <<'EOF' || bail "cannot read the template"
import json, sys, yaml
tpl = yaml.safe_load(open(sys.argv[1]))["zabbix_export"]["templates"][0]
total, todo = sys.argv[3], sys.argv[4]
json.dump({
    "rules": len(tpl["discovery_rules"]),
    "items": len(tpl["items"]),
    "valuemaps": len(tpl["valuemaps"]),
    "min_discovered": 20,
    "values": {"mhQueueMessages": total, "mhAgentMta": "3",
               "mhAlarmActive": "1"},
    "names": {"Queue todo: Messages": todo,
              "Queue sender flood@victim.example: Messages": "40",
              "Service web: Status": "1",
              "Alarm queue-high: Severity": "2"},
    "problem": "alarm queue-high",
    "severity": 4,
}, open(sys.argv[2], "w"))
EOF
N=$(/usr/bin/python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(len(e["values"]) + len(e["names"]))' "$T/expect.json")
plan $((8 + N))

/usr/bin/python3 "$top_srcdir/tests/interop/zabbix-check.py" "$API" "$TPL" \
	"$SNMP_PORT" "$T/expect.json" >"$T/check.out" 2>&1
ok $? "zabbix-check.py ran"
n=0
while read -r st what; do
	case $st in
	PASS) ok 0 "$what"; n=$((n + 1)) ;;
	FAIL) ok 1 "$what"; n=$((n + 1)) ;;
	*) diag "$st $what" ;;
	esac
done <"$T/check.out"
[ "$n" -eq $((7 + N)) ] || diag "zabbix-check.py made $n checks of $((7 + N)): $(tail -3 "$T/check.out")"
finish
