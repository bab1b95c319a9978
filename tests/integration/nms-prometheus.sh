#!/bin/bash
# nms-prometheus.sh: contrib/prometheus against the real programs.
#   - The files follow the MIB: contrib/nms/gen-nms.py --check (the
#     Zabbix template and generator.yml are what the MIB makes now), and
#     Debian's prometheus-snmp-generator makes the committed snmp.yml from
#     generator.yml and the MIB.
#   - Debian's prometheus-snmp-exporter scrapes a live mailhealthd with
#     that snmp.yml: a qmail queue full of junk senders, one of them
#     flooding with bytes that are not UTF-8 and a control character,
#     one with a 300-octet address, a hundred more of every kind
#     (qmail-queue-gen.py --nasty). The scrape must succeed, its values
#     be snmpget's, every label be valid UTF-8 of at most 255 octets.
#   - The alert rules pass promtool check rules, and promtool test rules
#     fed with the live scrape's series fires the alarm the agent raised,
#     with its severity and labels, and nothing else.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd snmpd prometheus-snmp-exporter prometheus-snmp-generator promtool /usr/bin/python3
mktestdir
base_mibs
plan 14

P=$top_srcdir/contrib/prometheus

# ---- the files follow the MIB --------------------------------------------------
/usr/bin/python3 "$top_srcdir/contrib/nms/gen-nms.py" --check \
	--mibdirs "$top_srcdir/mibs:$BASEMIBS:/usr/share/snmp/mibs" >"$T/gen.out" 2>&1
ok $? "gen-nms.py --check: the Zabbix template and generator.yml are what the MIB makes ($(tail -1 "$T/gen.out"))"
# the generator reads every MIB of MIBDIRS: only ours and what it imports
mkdir -p "$T/gen/mibs"
ln -s "$top_srcdir/mibs/MAILHEALTH-MIB.txt" /usr/share/snmp/mibs/NET-SNMP-MIB.txt \
	"$BASEMIBS"/SNMPv2-SMI.txt "$BASEMIBS"/SNMPv2-TC.txt "$BASEMIBS"/SNMPv2-CONF.txt \
	"$T/gen/mibs/"
cp "$P/generator.yml" "$T/gen/"
(cd "$T/gen" && MIBDIRS=$T/gen/mibs prometheus-snmp-generator --fail-on-parse-errors \
	generate -o snmp.yml) >"$T/gen/out" 2>&1
ok $? "prometheus-snmp-generator makes snmp.yml without parse errors"
cmp -s "$T/gen/snmp.yml" "$P/snmp.yml"
ok $? "the committed contrib/prometheus/snmp.yml is its output"

# ---- a live agent through the exporter --------------------------------------------
"$top_srcdir/tests/qmail-queue-gen.py" --create-users --queue "$T/q" --seed 6 \
	--flooder 'flood@victim.example:40' \
	--flooder $'\xff\xfe\x01junk@x.example:30' \
	--flooder "$(printf 'a%.0s' $(seq 1 300))@long.example:20" \
	--nasty 100 --junk 50 --bounces 3 >/dev/null || bail "qmail-queue-gen failed"
cat >"$T/mh.conf" <<EOF
interval = 5
top_n = 50
mta qmail { queue_directory = "$T/q" }
alarm queue-high { metric = "queue.total" rising = 10 falling = 5 severity = major }
EOF
start_snmpd
start_agent "$T/mh.conf"
alarmed() { [ "$(sget $MH.1.10.1.0)" = 1 ]; }
wait_until 30 alarmed || bail "the agent did not raise its alarm"

# snmp.yml with the test's port: the module walks with community public
XPORT=$(free_port tcp)
prometheus-snmp-exporter --config.file="$P/snmp.yml" \
	--web.listen-address="127.0.0.1:$XPORT" >"$T/exporter.log" 2>&1 &
track_pid $!
SCRAPE="http://127.0.0.1:$XPORT/snmp?module=mailhealth&target=127.0.0.1:$SNMP_PORT"
scraped() { /usr/bin/python3 -c 'import sys, urllib.request as u
open(sys.argv[2], "wb").write(u.urlopen(sys.argv[1], timeout=20).read())' "$SCRAPE" "$T/scrape.txt"; }
wait_until 20 scraped
ok $? "the exporter scrapes the agent (HTTP 200): $(grep -c '^mh' "$T/scrape.txt" 2>/dev/null) series"
grep -q "error\|Error" "$T/exporter.log" && sed 's/^/# /' "$T/exporter.log" | tail -3

TOTAL=$(sget $MH.1.2.1.0)
/usr/bin/python3 - "$T/scrape.txt" "$TOTAL" >"$T/scrape.check" <<'EOF'
import re, sys
raw = open(sys.argv[1], "rb").read()
try:
    text = raw.decode("utf-8")
    print("PASS the whole scrape is valid UTF-8")
except UnicodeDecodeError as e:
    print("FAIL the whole scrape is valid UTF-8: %s" % e)
    text = raw.decode("utf-8", "replace")
series = {}
labels_bad = []
line_re = re.compile(r'^(\w+)(?:\{(.*)\})? (\S+)$')
lab_re = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
for line in text.splitlines():
    if line.startswith("#") or not line:
        continue
    m = line_re.match(line)
    if not m:
        labels_bad.append(line[:80])
        continue
    labs = dict((k, v.encode().decode("unicode_escape").encode("latin-1").decode("utf-8"))
                for k, v in lab_re.findall(m.group(2) or ""))
    series.setdefault(m.group(1), []).append((labs, float(m.group(3))))
    for v in labs.values():
        if len(v.encode()) > 255 or any(ord(c) < 32 for c in v):
            labels_bad.append(v[:60])
print(("PASS" if not labels_bad else "FAIL") +
      " every label value at most 255 octets, no control characters: %s" %
      labels_bad[:3])
q = series.get("mhQueueMessages", [])
print(("PASS" if q and q[0][1] == float(sys.argv[2]) else "FAIL") +
      " mhQueueMessages is snmpget's %s: %s" % (sys.argv[2], q))
s = {l.get("mhQueueSenderAddress"): v
     for l, v in series.get("mhQueueSenderMessages", [])}
print(("PASS" if s.get("flood@victim.example") == 40 else "FAIL") +
      " the flooder is labelled by its address, 40 messages")
bad = [a for a, v in s.items() if a and a.startswith("\ufffd\ufffd") and v == 30]
print(("PASS" if bad else "FAIL") +
      " the flooder whose address is not UTF-8 is there, its bytes as "
      "U+FFFD and its control character replaced: %r" % bad[:1])
long_ = [a for a, v in s.items() if a and a.startswith("aaaa") and v == 20]
print(("PASS" if long_ and len(long_[0].encode()) <= 255 else "FAIL") +
      " the 300-octet address is cut to at most 255: %s" %
      [len(a.encode()) for a in long_])
print(("PASS" if len(s) == 50 else "FAIL") +
      " top_n = 50 sender series, junk and all: %d" % len(s))
a = series.get("mhAlarmSeverity", [])
print(("PASS" if len(a) == 1 and a[0][0].get("mhAlarmName") == "queue-high"
       and a[0][1] == 2 else "FAIL") +
      " the active alarm: mhAlarmSeverity{mhAlarmName=\"queue-high\"} 2: %s" % a)
EOF
while read -r st what; do
	[ "$st" = PASS ]
	ok $? "$what"
done <"$T/scrape.check"

# ---- the rules ---------------------------------------------------------------
promtool check rules "$P/mailhealth-rules.yml" >"$T/check-rules.out" 2>&1
ok $? "promtool check rules: $(grep -o 'SUCCESS.*' "$T/check-rules.out")"
# promtool test rules over the live scrape's series, as job mailhealth
/usr/bin/python3 - "$T/scrape.txt" "$P/mailhealth-rules.yml" >"$T/rules-test.yml" <<'EOF'
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
keep = ("mhAlarmSeverity", "mhAgentSnapshotAge", "mhAgentInterval")
inputs, alarm = [], None
for line in text.splitlines():
    m = re.match(r'^(\w+)(?:\{(.*)\})? (\S+)$', line)
    if not m or m.group(1) not in keep:
        continue
    labs = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
    labs.update(instance="mail1", job="mailhealth")
    sel = m.group(1) + "{" + ",".join('%s="%s"' % kv for kv in sorted(labs.items())) + "}"
    inputs.append({"series": sel, "values": "%s+0x10" % m.group(3)})
    if m.group(1) == "mhAlarmSeverity":
        alarm = labs
# an empty label is no label in Prometheus
exp = dict({k: v for k, v in alarm.items() if v != ""}, severity="major")
test = {"rule_files": [sys.argv[2]], "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": inputs,
                   "alert_rule_test": [
                       {"eval_time": "5m", "alertname": "MailhealthAlarmMajor",
                        "exp_alerts": [{"exp_labels": exp, "exp_annotations": {
                            "summary": "%s on mail1: %s %s" % (
                                alarm["mhAlarmName"], alarm["mhAlarmMetric"],
                                alarm.get("mhAlarmInstance", "")),
                            "description": "mailhealthd raised this alarm (mhAlarmTable row %s); mhAlarmText has the value, the threshold and the detail. It ends when the agent clears it." % alarm["mhAlarmIndex"]}}]},
                       {"eval_time": "5m", "alertname": "MailhealthAlarmCritical",
                        "exp_alerts": []},
                       {"eval_time": "5m", "alertname": "MailhealthSnapshotStale",
                        "exp_alerts": []}]}]}
print(json.dumps(test, indent=1))
EOF
promtool test rules "$T/rules-test.yml" >"$T/test-rules.out" 2>&1
ok $? "promtool test rules on the live series: MailhealthAlarmMajor fires for queue-high, nothing else"
grep -v "^ *$" "$T/test-rules.out" | tail -5 | sed 's/^/# /'
finish
