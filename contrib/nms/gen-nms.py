#!/usr/bin/python3
"""gen-nms.py: make the NMS files that follow MAILHEALTH-MIB from the MIB
itself, so that a new object, table or enumeration shows in them by
running this again (docs/nms.md, "Regenerating"):

  contrib/zabbix/mailhealth_template.yaml   Zabbix 6.0 template
  contrib/prometheus/generator.yml          prometheus-snmp-generator's
                                            input (snmp.yml is made from
                                            it by that program)

    contrib/nms/gen-nms.py [--mibdirs A:B:C] [--check]

--mibdirs: where MAILHEALTH-MIB and the IETF base MIBs are (default: the
tree's mibs/, tests/integration/basemibs.sh's cache, net-snmp's
directory). --check: write nothing, exit 1 if a committed file differs
from what the MIB makes now (the tests run this).

What goes where is decided from the MIB: every readable scalar is an
item, every table a discovery rule whose macros are its text columns
among the first four, every other readable column an item prototype,
every enumeration a value map, UNITS and SYNTAX the units and types.
The few decisions that are not in the MIB are the tables below (which
objects the dashboard shows, how long discovered rows live).
Needs PyYAML (python3-yaml) and pysmi (python3-pysmi).
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True
here = os.path.dirname(os.path.abspath(__file__))
top = os.path.normpath(os.path.join(here, "..", ".."))
sys.path.insert(0, here)
import mibjson  # noqa: E402
import yaml  # noqa: E402

TEMPLATE = "mailhealth by SNMP"
TEMPLATE_GROUP = "Templates/Applications"

# MhSeverity (the agent's alarm severities) to Zabbix's
ZBX_SEVERITY = {"critical": "DISASTER", "major": "HIGH", "minor": "AVERAGE",
                "warning": "WARNING", "info": "INFO"}

# How long a discovered row outlives its disappearance from the table:
# an alarm row is gone when the agent cleared it, and its problem with
# it; per-key rows (senders, users, hosts) come and go with the traffic;
# the others (queues, services, disks) are configuration.
LIFETIME_ALARM = "0"
LIFETIME_KEYED = "1h"
LIFETIME_FIXED = "7d"

# The dashboard: (page, [scalar objects as graphs], [tables as graph
# prototypes]); objects the MIB does not have are left out.
DASHBOARD = [
    ("Queue", ["mhQueueMessages", "mhQueueOldestAge", "mhQueueGrowth",
               "mhAlarmActive"],
     ["mhQueueTable", "mhQueueSenderTable", "mhQueueDomainTable"]),
    ("Mail flow", ["mhTrafficReceived", "mhTrafficDelivered",
                   "mhTrafficDeferred", "mhTrafficRejected"],
     ["mhRateSenderTable", "mhAuthUserTable", "mhAuthClientTable",
      "mhDeferTable"]),
    ("Server", ["mhCpuLoad1", "mhCpuUtil", "mhMemUsedPercent",
                "mhDrSyncLag"],
     ["mhDiskTable", "mhConnTable", "mhServiceTable"]),
]

UNITS = {"seconds": "s", "kilo-octets": "B", "mebibytes": "B",
         "kibibytes": "B", "octets": "B", "percent": "%",
         "hundredths of a percent": "%", "milliseconds": "s",
         "hundredths": ""}
MULTIPLIER = {"kilo-octets": "1024", "kibibytes": "1024",
              "mebibytes": "1048576", "hundredths of a percent": "0.01",
              "milliseconds": "0.001", "hundredths": "0.01"}


def uuid(*parts):
    """A stable UUIDv4-shaped id for an element (Zabbix matches
    re-imports by it)."""
    h = bytearray(hashlib.md5("\0".join(parts).encode()).digest())
    h[6] = (h[6] & 0x0f) | 0x40
    h[8] = (h[8] & 0x3f) | 0x80
    return h.hex()


def oidstr(oid):
    return ".".join(map(str, oid))


def words(name, prefix="mh"):
    """mhQueueOldestAge -> "Queue oldest age"."""
    n = name[len(prefix):] if name.startswith(prefix) else name
    n = re.sub(r"^Ent(?=[A-Z])", "", n).replace("KBytes", "Size")
    w = re.findall(r"[A-Z][a-z0-9]*|[A-Z]+(?![a-z])|[a-z0-9]+", n)
    s = " ".join(x if x.isupper() and len(x) > 1 else x.lower() for x in w)
    return s[:1].upper() + s[1:]


def common_prefix(names):
    p = os.path.commonprefix(names)
    # back to a word boundary: mhQueueSender, not mhQueueSenderA
    while p and not (p[-1].islower() and len(p) > 2):
        p = p[:-1]
    m = re.match(r"^(.*[a-z0-9])(?=[A-Z]|$)", p)
    return m.group(1) if m else p


def item_type(o):
    """Zabbix value type, units and preprocessing of a MIB object, or
    None for what does not fit an item (DateAndTime octets)."""
    if o.tc == "DateAndTime":
        return None
    pre = []
    units = UNITS.get(o.units, o.units)
    if o.base == "OctetString" or o.base == "ObjectIdentifier":
        return "CHAR", "", pre
    vt = "UNSIGNED"
    if o.base == "Integer32" and not o.enum:
        vt = "FLOAT"
    mult = MULTIPLIER.get(o.units)
    if mult:
        pre.append({"type": "MULTIPLIER", "parameters": [mult]})
        if "." in mult:
            vt = "FLOAT"
    return vt, units, pre


def enum_map_name(mib, o):
    for name, e in mib.enums:
        if (o.tc == name) or (o.name == name):
            return name
    return None


def zbx_item(mib, o, key, name, snmp_oid, tags, proto=False):
    t = item_type(o)
    if t is None:
        return None
    vt, units, pre = t
    it = {"uuid": uuid(TEMPLATE, "item", key), "name": name,
          "type": "SNMP_AGENT", "snmp_oid": snmp_oid, "key": key,
          "delay": "1m", "value_type": vt}
    if vt == "CHAR":
        it["trends"] = "0"
        it["history"] = "7d"
    if units:
        it["units"] = units
    if o.description:
        it["description"] = o.description
    if pre:
        it["preprocessing"] = pre
    vm = enum_map_name(mib, o)
    if vm:
        it["valuemap"] = {"name": vm}
    it["tags"] = tags
    if proto:
        del it["uuid"]
        it["uuid"] = uuid(TEMPLATE, "prototype", key)
    return it


def group_of(mib, o):
    for name, oid in mib.groups:
        if o.oid[:len(oid)] == oid:
            return name
    return "mhObjects"


def tag_of(mib, o):
    return [{"tag": "component",
             "value": words(group_of(mib, o)).lower()}]


def table_macros(t):
    """The identity columns of a table: its text columns among the
    first four, as LLD macros ({#NAME}, {#METRIC}...)."""
    cols = [c for c in t.columns if c.access == "read-only"]
    prefix = common_prefix([c.name for c in t.columns])
    out = []
    for c in cols:
        # what names the row, not what changes with it (a last error or
        # reason would make a new label series at every change)
        if c.oid[-1] <= 4 and c.tc not in ("DateAndTime",) and \
                c.base == "OctetString" and \
                not re.search(r"Last|Error|Text|Reason", c.name):
            out.append(("{#%s}" % c.name[len(prefix):].upper(), c))
    return out


def zabbix(mib):
    tpl = {"uuid": uuid(TEMPLATE), "template": TEMPLATE, "name": TEMPLATE,
           "description": "mailhealthd's MAILHEALTH-MIB through snmpd "
           "(SNMPv2c or v3, as the host's SNMP interface says). Made "
           "from the MIB by contrib/nms/gen-nms.py: do not edit by hand. "
           "Problems are the agent's own alarms (mhAlarmTable, with the "
           "thresholds, hold times and severities of mailhealthd.conf), "
           "plus the agent gone silent or stale.",
           "groups": [{"name": TEMPLATE_GROUP}],
           "items": [], "discovery_rules": [], "valuemaps": [],
           "dashboards": []}
    key_of = {}
    for o in mib.scalars:
        if o.access != "read-only":
            continue
        it = zbx_item(mib, o, o.name, words(o.name),
                      oidstr(o.oid) + ".0", tag_of(mib, o))
        if it is None:
            continue
        key_of[o.name] = o.name
        tpl["items"].append(it)
    by_key = {it["key"]: it for it in tpl["items"]}
    # the agent itself: silent, or serving an old snapshot
    if "mhAgentSnapshotAge" in by_key and "mhAgentInterval" in by_key:
        by_key["mhAgentSnapshotAge"]["triggers"] = [
            {"uuid": uuid(TEMPLATE, "trigger", "nodata"),
             "expression": "nodata(/%s/mhAgentSnapshotAge,{$MAILHEALTH.NODATA})=1" % TEMPLATE,
             "name": "mailhealthd does not answer (no data for {$MAILHEALTH.NODATA})",
             "priority": "HIGH",
             "description": "snmpd or mailhealthd is down, or the poller "
                            "cannot reach it: no alarm of the agent can "
                            "be seen meanwhile."},
            {"uuid": uuid(TEMPLATE, "trigger", "stale"),
             "expression": "last(/%s/mhAgentSnapshotAge)>3*last(/%s/mhAgentInterval)+60" % (TEMPLATE, TEMPLATE),
             "name": "mailhealthd serves an old snapshot (collectors stuck)",
             "priority": "AVERAGE",
             "description": "No collection round completed for three "
                            "intervals: see mhAgentLastError."}]
    for t in mib.tables:
        macros = table_macros(t)
        ident = " ".join(m for m, c in macros[:1])
        if not macros:
            # no text names the row (mhConnTable: the port is the
            # index): name it by its index, walk its first column
            first = next((c for c in t.columns if c.access == "read-only"),
                         None)
            if first is None:
                continue
            macros = [("{#VALUE}", first)]
            ident = "{#SNMPINDEX}"
        label = words(t.name[:-len("Table")])
        keyed = any(mib.by_name[i].nodetype == "column" and
                    "agent keeps" in mib.by_name[i].description
                    for i in t.row.indices)
        lifetime = LIFETIME_ALARM if t.name == "mhAlarmTable" else \
            LIFETIME_KEYED if keyed else LIFETIME_FIXED
        snmp = ",".join("%s,%s" % (m, oidstr(c.oid)) for m, c in macros)
        rule = {"uuid": uuid(TEMPLATE, "lld", t.name),
                "name": "%s discovery" % label, "type": "SNMP_AGENT",
                "snmp_oid": "discovery[%s]" % snmp,
                "key": "%s.discovery" % t.name,
                "delay": "1m" if t.name == "mhAlarmTable" else "5m",
                "lifetime": lifetime,
                "description": t.description,
                "item_prototypes": [], "graph_prototypes": []}
        for c in t.columns:
            if c.access != "read-only" or any(
                    c is mc for m, mc in macros if m != "{#VALUE}"):
                continue
            key = "%s[{#SNMPINDEX}]" % c.name
            it = zbx_item(mib, c, key, "%s %s: %s" % (
                label, ident, words(c.name[len(common_prefix(
                    [x.name for x in t.columns])):], "")),
                oidstr(c.oid) + ".{#SNMPINDEX}", tag_of(mib, c), True)
            if it is None:
                continue
            rule["item_prototypes"].append(it)
        if not rule["item_prototypes"]:
            continue
        if t.name == "mhAlarmTable":
            sev = next(p for p in rule["item_prototypes"]
                       if p["key"].startswith("mhAlarmSeverity["))
            names = dict((m, c) for m, c in macros)
            desc = "{#NAME}" if "{#NAME}" in names else ident
            sev["trigger_prototypes"] = [
                {"uuid": uuid(TEMPLATE, "alarm", s),
                 "expression": "last(/%s/%s)=%d" % (TEMPLATE, sev["key"], v),
                 "name": "mailhealthd %s alarm %s: %s %s" % (
                     s, desc, "{#METRIC}" if "{#METRIC}" in names else "",
                     "{#INSTANCE}" if "{#INSTANCE}" in names else ""),
                 "priority": ZBX_SEVERITY[s],
                 "description": "Raised by mailhealthd (mhAlarmTable): its "
                                "threshold, hold time and severity are "
                                "those of mailhealthd.conf; the problem "
                                "ends when the agent clears the alarm and "
                                "its row goes."}
                for s, v in sorted(mib.by_name["mhAlarmSeverity"].enum.items(),
                                   key=lambda kv: kv[1])]
        num = [p for p in rule["item_prototypes"]
               if p["value_type"] in ("UNSIGNED", "FLOAT") and
               "valuemap" not in p]
        if num:
            rule["graph_prototypes"].append(
                {"uuid": uuid(TEMPLATE, "graph", t.name),
                 "name": "%s %s: %s" % (label, ident,
                                        num[0]["name"].split(": ")[-1]),
                 "graph_items": [{"color": "1A7C11", "item": {
                     "host": TEMPLATE, "key": num[0]["key"]}}]})
        else:
            del rule["graph_prototypes"]
        tpl["discovery_rules"].append(rule)
    for name, e in mib.enums:
        tpl["valuemaps"].append(
            {"uuid": uuid(TEMPLATE, "valuemap", name), "name": name,
             "mappings": [{"value": str(v), "newvalue": k}
                          for k, v in sorted(e.items(),
                                             key=lambda kv: kv[1])]})
    tpl["macros"] = [{"macro": "{$MAILHEALTH.NODATA}", "value": "5m",
                      "description": "How long without data before "
                                     "mailhealthd counts as silent"}]
    pages = []
    rules = {r["key"][:-len(".discovery")]: r
             for r in tpl["discovery_rules"]}
    for title, scalars, tables in DASHBOARD:
        widgets = []
        for name in scalars:
            if name in by_key and by_key[name]["value_type"] != "CHAR":
                widgets.append({"type": "GRAPH_CLASSIC", "name":
                                by_key[name]["name"], "fields": [
                                    {"type": "INTEGER", "name":
                                     "source_type", "value": "1"},
                                    {"type": "ITEM", "name": "itemid",
                                     "value": {"host": TEMPLATE,
                                               "key": name}}]})
        for name in tables:
            r = rules.get(name)
            if r is None or not r.get("graph_prototypes"):
                continue
            widgets.append({"type": "GRAPH_PROTOTYPE", "name":
                            r["graph_prototypes"][0]["name"], "fields": [
                                {"type": "GRAPH_PROTOTYPE", "name":
                                 "graphid", "value": {
                                     "host": TEMPLATE, "name":
                                     r["graph_prototypes"][0]["name"]}},
                                {"type": "INTEGER", "name": "columns",
                                 "value": "1"},
                                {"type": "INTEGER", "name": "rows",
                                 "value": "1"}]})
        for i, w in enumerate(widgets):
            w["x"] = str((i % 2) * 12)
            w["y"] = str((i // 2) * 5)
            w["width"] = "12"
            w["height"] = "5"
        if widgets:
            pages.append({"name": title, "widgets": widgets})
    tpl["dashboards"] = [{"uuid": uuid(TEMPLATE, "dashboard"),
                          "name": "mailhealth", "pages": pages}]
    return {"zabbix_export": {"version": "6.0",
                              "groups": [{"uuid": uuid("group",
                                                       TEMPLATE_GROUP),
                                          "name": TEMPLATE_GROUP}],
                              "templates": [tpl]}}


def prometheus(mib):
    """prometheus-snmp-generator's generator.yml: walk every group, and
    give each table's rows its identity columns as labels."""
    lookups = []
    overrides = {}
    for t in mib.tables:
        idx = [i for i in t.row.indices
               if mib.by_name[i].nodetype == "column"]
        for _, c in table_macros(t):
            lookups.append({"source_indexes": list(idx),
                            "lookup": c.name})
    for o in list(mib.scalars) + [c for t in mib.tables for c in t.columns]:
        if o.access == "read-only" and o.base == "OctetString" and \
                o.tc == "MhString":
            overrides[o.name] = {"type": "DisplayString"}
    return {"modules": {"mailhealth": {
        "walk": [name for name, _ in mib.groups],
        "lookups": lookups,
        "overrides": overrides,
        "version": 2,
        "max_repetitions": 25,
        "retries": 1,
        "timeout": "5s",
        "auth": {"community": "public"},
    }}}


HEADERS = {
    "zabbix": "# Zabbix 6.0 template for mailhealthd (MAILHEALTH-MIB).\n"
              "# Made by contrib/nms/gen-nms.py from mibs/MAILHEALTH-MIB.txt:"
              " do not edit,\n# run it again (docs/nms.md). Import: Data "
              "collection > Templates > Import,\n# or the API's "
              "configuration.import.\n",
    "prometheus": "# prometheus-snmp-generator input for mailhealthd "
                  "(MAILHEALTH-MIB).\n# Made by contrib/nms/gen-nms.py from"
                  " mibs/MAILHEALTH-MIB.txt: do not edit,\n# run it again; "
                  "then make snmp.yml from it (docs/nms.md, Prometheus).\n"
                  "# The community is for a test on loopback: set your "
                  "own, or SNMPv3.\n",
}


def dump(doc, header):
    # one line per scalar: Zabbix's YAML reader (Symfony's) does not take
    # the folded multi-line quoted scalars PyYAML writes when it wraps
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True,
                                   width=1 << 30, default_flow_style=False)


def basemibs():
    try:
        return subprocess.run([os.path.join(top, "tests", "integration",
                                            "basemibs.sh")],
                              capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit("gen-nms.py: no IETF base MIBs (%s); give --mibdirs" % e)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mibdirs")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    dirs = args.mibdirs.split(":") if args.mibdirs else \
        [os.path.join(top, "mibs"), basemibs(), "/usr/share/snmp/mibs"]
    mib = mibjson.load(dirs)
    outs = {os.path.join(top, "contrib", "zabbix",
                         "mailhealth_template.yaml"):
            dump(zabbix(mib), HEADERS["zabbix"]),
            os.path.join(top, "contrib", "prometheus", "generator.yml"):
            dump(prometheus(mib), HEADERS["prometheus"])}
    bad = 0
    for path, text in outs.items():
        old = open(path).read() if os.path.exists(path) else None
        if args.check:
            if old != text:
                print("gen-nms.py: %s is not what the MIB makes: run "
                      "contrib/nms/gen-nms.py" % os.path.relpath(path, top))
                bad = 1
            continue
        if old != text:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            print("wrote %s" % os.path.relpath(path, top))
    return bad


if __name__ == "__main__":
    sys.exit(main())
