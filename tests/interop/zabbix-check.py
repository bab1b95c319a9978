#!/usr/bin/python3
"""zabbix-check.py: the Zabbix side of tests/interop/zabbix.sh, through
the real Zabbix API (JSON-RPC, stdlib only).

    zabbix-check.py URL TEMPLATE.yaml SNMP_PORT EXPECT.json

Imports the template, adds a host with an SNMP interface on
127.0.0.1:SNMP_PORT linked to it, has the server run every discovery
rule and poll every item now (task.create "check now"), waits for the
values, and prints "PASS what" / "FAIL what: detail" for what EXPECT
(written by the shell from snmpget) says: static items' values,
discovered rows with their names and values, and the agent's active
alarm as a problem of the severity the template maps it to.
"""

import json
import sys
import time
import urllib.request

URL, TPL_FILE, PORT, EXPECT = sys.argv[1], sys.argv[2], sys.argv[3], \
    sys.argv[4]
TEMPLATE = "mailhealth by SNMP"
tok = None
results = []


def call(method, params):
    body = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
    if tok:
        body["auth"] = tok
    req = urllib.request.Request(URL, json.dumps(body).encode(),
                                 {"Content-Type": "application/json-rpc"})
    with urllib.request.urlopen(req, timeout=60) as r:
        ans = json.load(r)
    if "error" in ans:
        raise RuntimeError("%s: %s" % (method, ans["error"]))
    return ans["result"]


def check(what, good, detail=""):
    results.append((what, bool(good), detail))


def wait(what, fn, seconds):
    """Poll fn until it returns something true, or the deadline."""
    end = time.time() + seconds
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(1)   # poll the server


def check_now(itemids):
    for i in range(0, len(itemids), 50):
        call("task.create", [{"type": 6, "request": {"itemid": x}}
                             for x in itemids[i:i + 50]])


def main():
    global tok
    expect = json.load(open(EXPECT))
    tok = call("user.login", {"username": "Admin", "password": "zabbix"})
    yml = open(TPL_FILE).read()
    rules = {k: {"createMissing": True, "updateExisting": True}
             for k in ("templates", "items", "discoveryRules", "triggers",
                       "graphs", "valueMaps", "templateDashboards")}
    rules["groups"] = {"createMissing": True}
    try:
        ok = call("configuration.import", {"format": "yaml", "rules": rules,
                                           "source": yml})
        why = ""
    except RuntimeError as e:
        ok, why = False, str(e)
    check("configuration.import takes contrib/zabbix/mailhealth_template.yaml",
          ok is True, why)
    if ok is not True:
        return
    tpl = call("template.get", {"filter": {"host": [TEMPLATE]},
                                "selectDiscoveries": "count",
                                "selectItems": "count",
                                "selectValueMaps": "extend",
                                "selectDashboards": "extend"})
    t = tpl[0] if tpl else {}
    check("the template has the discovery rules and items of the YAML",
          t and int(t["discoveries"]) == expect["rules"] and
          int(t["items"]) == expect["items"],
          (t.get("discoveries"), t.get("items"), expect["rules"],
           expect["items"]))
    check("its value maps (MhSeverity, mhServiceStatus...) are there",
          t and len(t["valuemaps"]) == expect["valuemaps"] and
          "MhSeverity" in [v["name"] for v in t["valuemaps"]],
          t.get("valuemaps"))
    dash = call("templatedashboard.get", {"templateids": [t["templateid"]],
                                          "selectPages": "extend"})
    check("its dashboard has pages of widgets",
          dash and len(dash[0]["pages"]) >= 2 and
          all(p["widgets"] for p in dash[0]["pages"]),
          [(p.get("name"), len(p["widgets"])) for d in dash
           for p in d["pages"]])

    grp = call("hostgroup.create", {"name": "mailhealth test"})
    host = call("host.create", {
        "host": "mail1", "groups": [{"groupid": grp["groupids"][0]}],
        "templates": [{"templateid": t["templateid"]}],
        "interfaces": [{"type": 2, "main": 1, "useip": 1,
                        "ip": "127.0.0.1", "dns": "", "port": PORT,
                        "details": {"version": 2, "bulk": 1,
                                    "community": "public"}}]})
    hostid = host["hostids"][0]
    # the server reads new hosts at its next configuration sync
    # (CacheUpdateFrequency); then every rule at once
    lld = call("discoveryrule.get", {"hostids": [hostid],
                                     "output": ["itemid", "key_"]})

    def discovered():
        # "check now" is ignored until the configuration cache has the
        # host (CacheUpdateFrequency, 2 s here): ask on every poll
        check_now([r["itemid"] for r in lld])
        items = call("item.get", {"hostids": [hostid],
                                  "output": ["itemid", "key_", "name",
                                             "lastvalue", "lastclock",
                                             "state", "error", "flags"]})
        disc = [i for i in items if i["flags"] == "4"]
        return items if len(disc) >= expect["min_discovered"] else None
    items = wait("discovery", discovered, 90)
    check("the discovery rules made items for the agent's rows",
          items, "no discovered items")
    if not items:
        return
    # poll everything now, and again until the values are in (the new
    # items reach the configuration cache at its next sync)
    def polled():
        check_now([i["itemid"] for i in items])
        got = call("item.get", {"hostids": [hostid],
                                "output": ["key_", "name", "lastvalue",
                                           "lastclock", "state", "error"]})
        byk = {i["key_"]: i for i in got}
        byn = {i["name"]: i for i in got}
        if all(k in byk and byk[k]["lastclock"] != "0"
               for k in expect["values"]) and \
                all(n in byn and byn[n]["lastclock"] != "0"
                    for n in expect["names"]):
            return byk
        return None
    byk = wait("values", polled, 90)
    if not byk:
        byk = {i["key_"]: i for i in call("item.get", {
            "hostids": [hostid], "output": ["key_", "name", "lastvalue",
                                            "lastclock", "state", "error"]})}
    for key, want in sorted(expect["values"].items()):
        i = byk.get(key, {})
        check("%s = %s" % (key, want), str(i.get("lastvalue")) == str(want),
              (i.get("lastvalue"), i.get("state"), i.get("error")))
    for name, want in sorted(expect["names"].items()):
        hit = [i for i in byk.values() if i["name"] == name]
        check("discovered item '%s' = %s" % (name, want),
              hit and str(hit[0]["lastvalue"]) == str(want),
              [(i["name"], i["lastvalue"]) for i in hit][:3] or
              sorted(i["name"] for i in byk.values())[:40])
    # columns that do not apply answer noSuchInstance and go
    # unsupported (a tcp check has no certificate, no firewall rules);
    # the queue's and the alarms' always apply
    bad = [(i["key_"], i["error"]) for i in byk.values()
           if i["state"] == "1" and i["key_"].startswith(("mhQueue",
                                                         "mhAlarm"))]
    check("every queue and alarm item is supported", not bad, bad[:5])

    def problem():
        ps = call("problem.get", {"hostids": [hostid],
                                  "output": ["name", "severity"]})
        return [p for p in ps if expect["problem"] in p["name"]]
    ps = wait("problem", problem, 60)
    check("the agent's alarm is a problem: '%s', severity %s" %
          (expect["problem"], expect["severity"]),
          ps and ps[0]["severity"] == str(expect["severity"]),
          ps or call("problem.get", {"hostids": [hostid],
                                     "output": ["name", "severity"]}))


if __name__ == "__main__":
    try:
        main()
    finally:
        for what, good, detail in results:
            print("%s %s%s" % ("PASS" if good else "FAIL", what,
                               "" if good else ": %s" % (detail,)))
