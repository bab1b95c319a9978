"""mibjson: MAILHEALTH-MIB as data, compiled from mibs/MAILHEALTH-MIB.txt
with pysmi (Debian's python3-pysmi), for the programs that derive NMS
files from the MIB (gen-nms.py) and for the tests that check a live
agent against the MIB's promises (tests/integration/mibcheck.py).

    mib = load(["/path/to/mibs", BASEMIBS, "/usr/share/snmp/mibs"])
    mib.objects      {oid tuple: Obj} for every scalar, table, row, column
    mib.by_name      {name: Obj}
    mib.notifications  [Obj] in OID order
    mib.tables       [Obj] (nodetype table) in OID order, each with
                     .row (the entry) and .columns (in OID order)
    mib.scalars      [Obj] (nodetype scalar) in OID order
    mib.groups       [(name, oid)] of the OBJECT IDENTIFIERs right under
                     mhObjects that hold a readable object, in OID order
    mib.enums        [(name, {label: value})]: every enumeration, named
                     after its textual convention or its object

An Obj has: name, oid (tuple), nodetype (scalar, table, row, column),
access, units, description, base (the SMI base type after textual
conventions: Integer32, Unsigned32, Gauge32, Counter32, Counter64,
OctetString, ObjectIdentifier, TimeTicks), tc (the convention's name,
or the SMI type: "MhString", "DateAndTime", "Gauge32"), enum ({name:
value} or None), ranges ([(lo, hi)] of values or sizes), indices (a
row's index object names) and, for notifications, objects.

Only the standard library and pysmi are used.
"""

import json

BASE_TYPES = {
    "INTEGER": "Integer32", "Integer32": "Integer32",
    "Unsigned32": "Unsigned32", "Gauge32": "Gauge32",
    "Counter32": "Counter32", "Counter64": "Counter64",
    "OCTET STRING": "OctetString", "OBJECT IDENTIFIER": "ObjectIdentifier",
    "TimeTicks": "TimeTicks", "IpAddress": "IpAddress",
}
# SNMPv2-TC conventions the MIB uses, as pysmi leaves them unresolved
SNMPV2_TC = {
    "DateAndTime": ("OctetString", [(8, 8), (11, 11)]),
    "DisplayString": ("OctetString", [(0, 255)]),
    "TruthValue": ("Integer32", None),
    "TimeStamp": ("TimeTicks", None),
}


class Obj:
    def __init__(self, name, d):
        self.name = name
        self.oid = tuple(int(x) for x in d["oid"].split("."))
        self.nodetype = d.get("nodetype", d.get("class"))
        self.kind = d.get("class")
        self.access = d.get("maxaccess", "")
        self.units = d.get("units", "")
        self.description = " ".join(d.get("description", "").split())
        self.base = None
        self.tc = None
        self.enum = None
        self.ranges = None
        self.indices = [i["object"] for i in d.get("indices", [])]
        self.objects = [o["object"] for o in d.get("objects", [])]
        self.row = None
        self.columns = []

    def __repr__(self):
        return "<%s %s>" % (self.name, ".".join(map(str, self.oid)))

    def first_sentence(self):
        """The description's first sentence, for short texts."""
        d = self.description
        end = d.find(". ")
        return d if end < 0 else d[:end + 1]


def _constraints(c, out):
    if not c:
        return
    if "enumeration" in c:
        out.enum = dict(c["enumeration"])
    for k in ("range", "size"):
        if k in c:
            out.ranges = [(r["min"], r["max"]) for r in c[k]]


class Mib:
    def __init__(self, module, name):
        self.name = name
        self.objects = {}
        self.by_name = {}
        self.notifications = []
        tcs = {k: v for k, v in module.items()
               if isinstance(v, dict) and v.get("class") ==
               "textualconvention"}
        for k, v in module.items():
            if not isinstance(v, dict) or "oid" not in v:
                continue
            if v.get("class") not in ("objecttype", "notificationtype"):
                continue
            o = Obj(k, v)
            if v.get("class") == "notificationtype":
                self.notifications.append(o)
                self.by_name[k] = o
                continue
            syn = v.get("syntax")
            if syn and o.nodetype in ("scalar", "column"):
                t = syn["type"]
                o.tc = t
                if t in tcs:
                    tt = tcs[t]["type"]
                    o.base = BASE_TYPES[tt["type"]]
                    _constraints(tt.get("constraints"), o)
                elif t in SNMPV2_TC:
                    o.base, o.ranges = SNMPV2_TC[t]
                else:
                    o.base = BASE_TYPES[t]
                _constraints(syn.get("constraints"), o)
            self.objects[o.oid] = o
            self.by_name[k] = o
        self.notifications.sort(key=lambda o: o.oid)
        self.tables = sorted((o for o in self.objects.values()
                              if o.nodetype == "table"),
                             key=lambda o: o.oid)
        for t in self.tables:
            t.row = self.objects[t.oid + (1,)]
            t.columns = sorted((o for o in self.objects.values()
                                if o.nodetype == "column" and
                                o.oid[:-1] == t.row.oid),
                               key=lambda o: o.oid)
        self.scalars = sorted((o for o in self.objects.values()
                               if o.nodetype == "scalar"),
                              key=lambda o: o.oid)
        readable = [o for o in self.objects.values()
                    if o.access in ("read-only", "read-write")]
        self.groups = []
        objects = module.get("mhObjects", {}).get("oid")
        if objects:
            top = tuple(int(x) for x in objects.split("."))
            for k, v in module.items():
                if not isinstance(v, dict) or v.get("class") != \
                        "objectidentity":
                    continue
                oid = tuple(int(x) for x in v["oid"].split("."))
                if len(oid) == len(top) + 1 and oid[:-1] == top and \
                        any(o.oid[:len(oid)] == oid for o in readable):
                    self.groups.append((k, oid))
            self.groups.sort(key=lambda g: g[1])
        self.enums = []
        seen = set()
        for o in sorted(readable, key=lambda o: o.oid):
            if not o.enum:
                continue
            name = o.tc if o.tc in tcs else o.name
            if name not in seen:
                seen.add(name)
                self.enums.append((name, o.enum))

    def find(self, oid):
        """The object an instance OID belongs to and the instance part
        (None, None if no object of this MIB)."""
        oid = tuple(oid)
        for n in range(len(oid), 0, -1):
            o = self.objects.get(oid[:n])
            if o is not None:
                return o, oid[n:]
        return None, None


def load(mibdirs, name="MAILHEALTH-MIB"):
    """Compile the module name from mibdirs with pysmi."""
    from pysmi.codegen import JsonCodeGen
    from pysmi.compiler import MibCompiler
    from pysmi.parser import SmiStarParser
    from pysmi.reader import FileReader
    from pysmi.searcher import StubSearcher
    from pysmi.writer import CallbackWriter

    out = {}
    mc = MibCompiler(SmiStarParser(), JsonCodeGen(),
                     CallbackWriter(lambda m, d, c:
                                    out.__setitem__(m, json.loads(d))))
    mc.addSources(*[FileReader(d) for d in mibdirs])
    mc.addSearchers(StubSearcher(*JsonCodeGen.baseMibs))
    status = mc.compile(name, genTexts=True)
    if name not in out:
        raise RuntimeError("pysmi could not compile %s from %s: %s" %
                           (name, ":".join(mibdirs), status))
    return Mib(out[name], name)
