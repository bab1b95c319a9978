#!/usr/bin/python3
"""mibcheck.py: walk a live mailhealthd (through snmpd, SNMPv2c on
127.0.0.1) and check every value against what MAILHEALTH-MIB promises,
reading the promises from the MIB itself (compiled with pysmi by
contrib/nms/mibjson.py), then the per-MTA promises of the DESCRIPTIONs,
and with --std the standard MIBs' view, resolved by name with pysnmp's
compiled MTA-MIB and NETWORK-SERVICES-MIB (python3-pysnmp4-mibs).

    mibcheck.py --port P --mibdirs A:B:C --mta postfix|qmail|exim
                [--top-n N] [--interval S] [--null-sender] [--std]

Prints one line per check: "PASS what" or "FAIL what: detail" (the
calling test turns them into TAP); the set of checks depends only on
the options, so the test can plan their number.
"""

import argparse
import datetime
import os
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "contrib", "nms"))
sys.dont_write_bytecode = True	# no __pycache__ in the source tree
import mibjson  # noqa: E402

from pysnmp.hlapi import (CommunityData, ContextData, ObjectIdentity,  # noqa: E402
                          ObjectType, SnmpEngine, UdpTransportTarget,
                          bulkCmd)
from pysnmp.proto import rfc1902  # noqa: E402

ROOT = (1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 25)
# MhMta and the rows mhQueueTable's DESCRIPTION lists for each MTA
MTAS = {"postfix": (2, ["maildrop", "incoming", "active", "deferred",
                        "hold", "corrupt"]),
        "qmail": (3, ["todo", "local", "remote", "bounce"]),
        "exim": (4, ["input", "frozen"])}

results = []


def check(what, good, detail=""):
    results.append((what, bool(good), detail))


def walk(port, start, names=False):
    """[(oid tuple, value, name)] under start; name is pysnmp's
    MODULE::object.index when names is set."""
    out = []
    oi = ObjectIdentity(*start) if isinstance(start[0], str) else \
        ObjectIdentity(".".join(map(str, start)))
    for err, stat, idx, vbs in bulkCmd(
            SnmpEngine(), CommunityData("public"),
            UdpTransportTarget(("127.0.0.1", port), timeout=3, retries=2),
            ContextData(), 0, 25, ObjectType(oi),
            lexicographicMode=False, lookupMib=names):
        if err or stat:
            raise RuntimeError("walk %s: %s %s" % (start, err,
                                                    stat.prettyPrint()))
        for name, val in vbs:
            out.append((tuple(name), val,
                        name.prettyPrint() if names else ""))
    return out


def smi_type(v):
    """The SMI type of a pysnmp value (Unsigned32 and Gauge32 share a
    tag on the wire)."""
    for cls, t in ((rfc1902.Counter64, "Counter64"),
                   (rfc1902.Counter32, "Counter32"),
                   (rfc1902.Gauge32, "Gauge32"),
                   (rfc1902.Unsigned32, "Gauge32"),
                   (rfc1902.TimeTicks, "TimeTicks"),
                   (rfc1902.IpAddress, "IpAddress"),
                   (rfc1902.Integer32, "Integer32"),
                   (rfc1902.Integer, "Integer32"),
                   (rfc1902.OctetString, "OctetString"),
                   (rfc1902.ObjectIdentifier, "ObjectIdentifier")):
        if v.tagSet == cls.tagSet:
            return t
    return v.__class__.__name__


def want_type(o):
    return "Gauge32" if o.base == "Unsigned32" else o.base


def text_ok(b):
    """MhString: at most 255 octets, valid UTF-8, no control characters."""
    if len(b) > 255:
        return "%d octets" % len(b)
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError as e:
        return "not UTF-8 (%s)" % e
    for c in s:
        if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f:
            return "control character U+%04X" % ord(c)
    return None


def dateandtime_ok(b):
    """11 octets, valid fields, the local offset of this machine then."""
    if len(b) != 11:
        return "%d octets, not 11 (no UTC offset)" % len(b)
    year = b[0] << 8 | b[1]
    mon, day, h, mi, s, ds = b[2], b[3], b[4], b[5], b[6], b[7]
    sign, oh, om = chr(b[8]), b[9], b[10]
    if not (1 <= mon <= 12 and 1 <= day <= 31 and h <= 23 and mi <= 59
            and s <= 60 and ds <= 9 and sign in "+-" and oh <= 13 and
            om <= 59):
        return "bad fields %r" % list(b)
    off = (oh * 3600 + om * 60) * (-1 if sign == "-" else 1)
    local = datetime.datetime(year, mon, day, h, mi, min(s, 59))
    t = time.mktime(local.timetuple())
    want = -time.altzone if time.localtime(t).tm_isdst > 0 else -time.timezone
    if off != want:
        return "offset %+d s, the machine's is %+d s" % (off, want)
    return None


def generic(mib, rows):
    unknown, noacc, badtype, badrange, badtext, baddate, badidx = \
        [], [], [], [], [], [], []
    for oid, v, _ in rows:
        o, inst = mib.find(oid)
        if o is None or o.nodetype not in ("scalar", "column"):
            unknown.append(oid)
            continue
        if o.access not in ("read-only", "read-write"):
            noacc.append(o.name)
            continue
        if o.nodetype == "scalar" and inst != (0,):
            unknown.append(oid)
            continue
        if o.nodetype == "column":
            row = mib.objects[o.oid[:-1]]
            if len(inst) != len(row.indices):
                badidx.append((o.name, inst))
            for x, iname in zip(inst, row.indices):
                io = mib.by_name[iname]
                if io.ranges and not any(lo <= x <= hi
                                         for lo, hi in io.ranges):
                    badidx.append((o.name, inst))
        t = smi_type(v)
        if t != want_type(o):
            badtype.append((o.name, t, want_type(o)))
            continue
        if t == "OctetString":
            b = bytes(v.asOctets())
            if o.tc == "DateAndTime":
                why = dateandtime_ok(b)
                if why:
                    baddate.append((o.name, why))
            else:
                why = text_ok(b)
                if why:
                    badtext.append((o.name, why, b[:40]))
        elif t not in ("ObjectIdentifier",):
            x = int(v)
            if o.enum and x not in o.enum.values():
                badrange.append((o.name, x, "not in %s" % o.enum))
            elif o.ranges and not any(lo <= x <= hi for lo, hi in o.ranges):
                badrange.append((o.name, x, o.ranges))
    check("every served OID is a scalar or column instance of the MIB",
          not unknown, unknown[:5])
    check("no not-accessible object is served", not noacc, noacc[:5])
    check("table instances have one sub-identifier per INDEX object, "
          "in its range", not badidx, badidx[:5])
    check("every value has its object's SMI type", not badtype,
          badtype[:5])
    check("integers within their SYNTAX ranges and enumerations",
          not badrange, badrange[:5])
    check("MhString values: at most 255 octets, valid UTF-8, no control "
          "characters", not badtext, badtext[:5])
    check("DateAndTime values: 11 octets, local time with the machine's "
          "offset", not baddate, baddate[:5])


def column(mib, rows, name):
    """{index tuple: value} of a column."""
    o = mib.by_name[name]
    n = len(o.oid)
    return {oid[n:]: v for oid, v, _ in rows if oid[:n] == o.oid}


def scalar(mib, rows, name):
    c = column(mib, rows, name)
    return c.get((0,))


def num(v):
    return None if v is None else int(v)


def per_mta(mib, rows, args):
    code, names = MTAS[args.mta]
    check("mhAgentMta is %s(%d)" % (args.mta, code),
          num(scalar(mib, rows, "mhAgentMta")) == code,
          scalar(mib, rows, "mhAgentMta"))
    total = num(scalar(mib, rows, "mhQueueMessages"))
    rcpts = num(scalar(mib, rows, "mhQueueRecipients"))
    qn = column(mib, rows, "mhQueueName")
    qm = {k: int(v) for k, v in column(mib, rows, "mhQueueEntMessages").items()}
    qr = {k: int(v) for k, v in
          column(mib, rows, "mhQueueEntRecipients").items()}
    qa = {k: int(v) for k, v in
          column(mib, rows, "mhQueueEntOldestAge").items()}
    got = [str(qn[k]) for k in sorted(qn)]
    check("mhQueueTable's rows are %s, in order, indexed 1.." % names,
          got == names and sorted(qn) == [(i,) for i in
                                          range(1, len(names) + 1)], got)
    by = {str(qn[k]): qm[k] for k in qn}
    if args.mta == "postfix":
        check("the rows add up to mhQueueMessages (%s)" % total,
              sum(qm.values()) == total, by)
        check("the rows' recipients add up to mhQueueRecipients",
              sum(qr.values()) == rcpts, (qr, rcpts))
    elif args.mta == "qmail":
        check("todo plus local, todo plus remote, and bounce are "
              "each at most mhQueueMessages (%s)" % total,
              by["todo"] + by["local"] <= total and
              by["todo"] + by["remote"] <= total and
              by["bounce"] <= total, by)
        check("local and remote overlap by at most the smaller",
              by["local"] + by["remote"] - min(by["local"], by["remote"])
              <= total - by["todo"], by)
    else:
        check("input equals mhQueueMessages (%s), frozen is among "
              "them" % total, by["input"] == total and
              by["frozen"] <= by["input"], by)
        check("the input row's recipients are mhQueueRecipients",
              qr[(1,)] == rcpts, (qr, rcpts))
    oldest = num(scalar(mib, rows, "mhQueueOldestAge"))
    check("mhQueueOldestAge is the oldest of the rows' ages",
          oldest is not None and all(a <= oldest for a in qa.values()) and
          (not qa or max(qa.values()) == oldest or args.mta == "qmail"),
          (oldest, qa))
    for tab, key, cnt, tot in (("Sender", "mhQueueSenderAddress",
                                "mhQueueSenderMessages", total),
                               ("Domain", "mhQueueDomainName",
                                "mhQueueDomainRecipients", rcpts)):
        keys = column(mib, rows, key)
        counts = {k: int(v) for k, v in column(mib, rows, cnt).items()}
        share = {k: int(v) for k, v in column(
            mib, rows, "mhQueue%sShare" % tab).items()}
        rank = {k: int(v) for k, v in column(
            mib, rows, "mhQueue%sRank" % tab).items()}
        order = sorted(rank, key=lambda k: rank[k])
        check("mhQueue%sTable: at most top_n (%d) rows, ranks 1..n" %
              (tab, args.top_n),
              0 < len(keys) <= args.top_n and
              sorted(rank.values()) == list(range(1, len(keys) + 1)),
              rank)
        check("mhQueue%sTable: ranked by count, largest first" % tab,
              all(counts[a] >= counts[b] for a, b in zip(order,
                                                       order[1:])), counts)
        check("mhQueue%sTable: share = count / total in 1/100 %%" % tab,
              all(abs(share[k] - counts[k] * 10000 / tot) <= 1
                  for k in counts), (share, counts, tot))
        check("mhQueue%sTable: keys are distinct" % tab,
              len(set(bytes(v.asOctets()) for v in keys.values())) ==
              len(keys), keys)
    if args.null_sender:
        addrs = [bytes(v.asOctets()) for v in
                 column(mib, rows, "mhQueueSenderAddress").values()]
        check("the null sender is the empty string in "
              "mhQueueSenderAddress", b"" in addrs and b"<>" not in addrs,
              addrs)
    check("mhAgentInterval is the configured interval (%d)" % args.interval,
          num(scalar(mib, rows, "mhAgentInterval")) == args.interval)
    lc = scalar(mib, rows, "mhAgentLastCollect")
    if lc is not None:
        b = bytes(lc.asOctets())
        t = datetime.datetime(b[0] << 8 | b[1], b[2], b[3], b[4], b[5],
                              b[6])
        t = time.mktime(t.timetuple())
    check("mhAgentLastCollect is the local time of a recent round",
          lc is not None and abs(time.time() - t) < 3 * args.interval + 60,
          lc)
    return qn, qm, qa, total


def std(mib, rows, args, qn, qm, qa, total):
    a = walk(args.port, ("NETWORK-SERVICES-MIB", "applTable"), True)
    m = walk(args.port, ("MTA-MIB", "mta"), True)
    bad = [n for _, _, n in a + m if not (n.startswith(
        "NETWORK-SERVICES-MIB::appl") or n.startswith("MTA-MIB::mta"))]
    check("every standard OID resolves to a NETWORK-SERVICES-MIB or "
          "MTA-MIB object by name (pysnmp)", a and m and not bad, bad[:5])
    v = {n: val for _, val, n in a + m}
    mta = args.mta
    check("NETWORK-SERVICES-MIB::applName.1 is %s" % mta,
          str(v.get("NETWORK-SERVICES-MIB::applName.1")) == mta)
    check("MTA-MIB::mtaStoredMessages.1 is mhQueueMessages",
          num(v.get("MTA-MIB::mtaStoredMessages.1")) == total)
    check("MTA-MIB::mtaGroupStoredMessages.1.1 (the whole MTA) is "
          "mhQueueMessages",
          num(v.get("MTA-MIB::mtaGroupStoredMessages.1.1")) == total)
    bad = []
    for (i,), name in qn.items():
        g = "1.%d" % (i + 1)
        got = (str(v.get("MTA-MIB::mtaGroupName." + g)),
               num(v.get("MTA-MIB::mtaGroupStoredMessages." + g)),
               num(v.get("MTA-MIB::mtaGroupOldestMessageStored." + g)),
               num(v.get("MTA-MIB::mtaGroupHierarchy." + g)))
        want = (str(name), qm[(i,)], 100 * qa[(i,)], 1)
        if got != want:
            bad.append((g, got, want))
    check("MTA-MIB::mtaGroupTable has mhQueueTable's rows as groups "
          "2..n+1 (name, stored, oldest in 1/100 s, hierarchy 1)",
          not bad, bad)
    check("the standard view has no traffic counters without the log "
          "collector (noSuchInstance, not 0)",
          "MTA-MIB::mtaReceivedMessages.1" not in v and
          "MTA-MIB::mtaGroupRejectedMessages.1.1" not in v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mibdirs", required=True)
    ap.add_argument("--mta", choices=sorted(MTAS), required=True)
    ap.add_argument("--top-n", type=int, default=10)
    ap.add_argument("--interval", type=int, default=30)
    ap.add_argument("--null-sender", action="store_true")
    ap.add_argument("--std", action="store_true")
    args = ap.parse_args()

    mib = mibjson.load(args.mibdirs.split(":"))
    rows = walk(args.port, ROOT)
    check("the walk of MAILHEALTH-MIB returned values", len(rows) > 20,
          len(rows))
    generic(mib, rows)
    qn, qm, qa, total = per_mta(mib, rows, args)
    if args.std:
        std(mib, rows, args, qn, qm, qa, total)
    for what, good, detail in results:
        if good:
            print("PASS %s" % what)
        else:
            print("FAIL %s: %s" % (what, detail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
