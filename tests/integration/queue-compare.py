#!/usr/bin/python3
"""queue-compare.py TRUTH.json REPORT.json: mailhealthd --once JSON
against the true content of a queue.

TRUTH is what the queue holds, computed by whoever made it (the qmail
generator, or the Exim test from Exim's own spool listing):
  {"messages", "bytes", "recipients", "oldest" (epoch), "bounces",
   "many_rcpt_20", "queues": [{"name", "messages", "bytes",
   "recipients", "oldest"}...], "senders": {key: n}, "domains": {d: n}}
(a queue row may leave out "recipients" when the MTA has no per-row
recipient count to compare with).

Prints one line per check, always the same checks in the same order:
"PASS what" or "FAIL what: details". The exactness claim for the top-N
tables: every entry whose true count is above the (N+1)-th true count
(the unambiguous top) is reported in order with its exact count and
error 0; every entry reported honours count - error <= true <= count;
shares are count / total.
"""

import json
import sys


def check(name, ok, detail=""):
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, detail)))


def top_check(label, truth, rep, field, keyname, total):
    n = len(rep)
    tsorted = sorted(truth.items(), key=lambda kv: (-kv[1], kv[0]))
    boundary = tsorted[n][1] if len(tsorted) > n else 0
    must = [(k, c) for k, c in tsorted[:n] if c > boundary]
    got = [(e[keyname], e[field]) for e in rep[:len(must)]]
    errs = [e["error"] for e in rep[:len(must)]]
    check("%s: the top %d are exact, in order, error 0" % (label, len(must)),
          got == must and not any(errs) and len(must) > 0,
          "got %s errors %s, want %s" % (got, errs, must))
    bad = []
    for e in rep:
        t = truth.get(e[keyname], 0)
        if not (e[field] - e["error"] <= t <= e[field]):
            bad.append((e[keyname], e[field], e["error"], t))
        share = round(100.0 * e[field] / total, 2) if total else 0
        if abs(e["share"] - share) > 0.011:
            bad.append((e[keyname], "share", e["share"], share))
    check("%s: every entry within its error bound, shares right" % label,
          not bad and n == min(len(truth), n), bad)


def main():
    truth = json.load(open(sys.argv[1]))
    rep = json.load(open(sys.argv[2]))
    q = rep["queue"]
    taken = rep["snapshot"]["taken"]
    check("snapshot without errors", rep["snapshot"]["errors"] == 0,
          rep["snapshot"].get("last_error"))
    for k in ("messages", "bytes", "recipients", "bounces"):
        check("total %s = %d" % (k, truth[k]), q[k] == truth[k],
              "got %s" % q[k])
    check("messages with more than 20 recipients = %d" %
          truth["many_rcpt_20"], q["many_rcpt"] == truth["many_rcpt_20"],
          "got %s" % q["many_rcpt"])
    want_age = taken - truth["oldest"] if truth["oldest"] else 0
    check("oldest_age = taken - oldest arrival",
          q["oldest_age"] == want_age,
          "got %s want %s" % (q["oldest_age"], want_age))
    rows = {r["name"]: r for r in q["queues"]}
    bad = []
    for t in truth["queues"]:
        r = rows.get(t["name"])
        if r is None:
            bad.append((t["name"], "missing"))
            continue
        for k in ("messages", "bytes", "recipients"):
            if k in t and r[k] != t[k]:
                bad.append((t["name"], k, r[k], t[k]))
        age = taken - t["oldest"] if t["oldest"] else 0
        if r["oldest_age"] != age:
            bad.append((t["name"], "oldest_age", r["oldest_age"], age))
    check("queue rows %s" % [t["name"] for t in truth["queues"]],
          not bad and [r["name"] for r in q["queues"]] ==
          [t["name"] for t in truth["queues"]], bad)
    top_check("top senders", truth["senders"], q["top_senders"],
              "messages", "address", truth["messages"])
    top_check("top domains", truth["domains"], q["top_domains"],
              "recipients", "domain", sum(truth["domains"].values()))


if __name__ == "__main__":
    main()
