#!/usr/bin/python3
"""qbench.py: paired, interleaved timing of a queue reader against its
reference commands, for the bench-*.sh scripts.

    qbench.py --n N --repeat R --qscan CMD --floor CMD --find CMD
              [--ref NAME=CMD] [--once CMD] [--empty-rss KB]

Every round runs each command once, in the same order, so that a busy
moment of this (shared) machine hits them alike; each ratio is computed
within its round, and the median with min and max over the rounds is
printed. Commands run once before the first round (warm page cache).

  --qscan  bench/qscan -n 3 CONF: round 1 is the first scan (in process,
           threads included), the best of rounds 2-3 the rescan
  --floor  bench/qfloor over the files the reader must open
  --find   find QUEUE -type f | wc -l, the reference for rescans
  --ref    the MTA's own lister (postqueue -j, exim -bp), optional
  --once   mailhealthd --once (process start, first scan and JSON)
Python standard library only.
"""
import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import time


def run(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, check=True, text=True)
    return (time.perf_counter() - t) * 1000, p.stdout


def qscan(cmd):
    _, out = run(cmd)
    rounds = {int(m.group(1)): float(m.group(2))
              for m in re.finditer(r"^round (\d+) ms ([\d.]+)", out, re.M)}
    rss = int(re.search(r"^maxrss_kb (\d+)", out, re.M).group(1))
    msgs = re.search(r"^round 1 ms [\d.]+ messages (\d+)", out, re.M)
    return rounds[1], min(v for k, v in rounds.items() if k > 1), rss, \
        int(msgs.group(1))


def stat(v):
    return "%6.2f  [%5.2f .. %5.2f]" % (statistics.median(v), min(v), max(v))


def ms(v):
    return "%9.1f ms  [%.1f .. %.1f]" % (statistics.median(v), min(v), max(v))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--qscan", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--find", required=True)
    ap.add_argument("--ref")
    ap.add_argument("--once")
    ap.add_argument("--empty-rss", type=int, default=0)
    a = ap.parse_args()
    ref_name, ref_cmd = (a.ref.split("=", 1) if a.ref else (None, None))

    cmds = [a.floor, a.find] + ([ref_cmd] if ref_cmd else []) + \
        ([a.once] if a.once else [])
    for c in cmds:
        run(c)
    t = {k: [] for k in ("floor", "find", "ref", "once", "first", "rescan")}
    rss = []
    msgs = None
    for _ in range(a.repeat):
        t["floor"].append(run(a.floor)[0])
        first, rescan, r, msgs = qscan(a.qscan)
        t["first"].append(first)
        t["rescan"].append(rescan)
        rss.append(r)
        t["find"].append(run(a.find)[0])
        if ref_cmd:
            t["ref"].append(run(ref_cmd)[0])
        if a.once:
            t["once"].append(run(a.once)[0])

    def ratio(x, y):
        return [p / q for p, q in zip(t[x], t[y])]

    print("machine: %d cores online, load average %s" %
          (os.cpu_count(), " ".join(open("/proc/loadavg").read().split()[:3])))
    print("%d messages, %d interleaved rounds; median [min .. max]" %
          (msgs, a.repeat))
    print("  %-36s %s" % ("floor (bench/qfloor, one thread)", ms(t["floor"])))
    if ref_cmd:
        print("  %-36s %s" % (ref_name, ms(t["ref"])))
    print("  %-36s %s" % ("first scan (qscan round 1)", ms(t["first"])))
    if a.once:
        print("  %-36s %s" % ("mailhealthd --once", ms(t["once"])))
    print("  %-36s %s" % ("find | wc -l", ms(t["find"])))
    print("  %-36s %s" % ("rescan, nothing changed", ms(t["rescan"])))
    print("ratios (median [min .. max]):")
    print("  first scan / floor           %s   target < 1" %
          stat(ratio("first", "floor")))
    if ref_cmd:
        print("  first scan / %-16s %s   target <= 0.3" %
              (ref_name, stat(ratio("first", "ref"))))
        if a.once:
            print("  --once / %-20s %s" % (ref_name, stat(ratio("once", "ref"))))
    print("  rescan / find | wc -l        %s   target <= 1" %
          stat(ratio("rescan", "find")))
    m = max(rss)
    print("memory: peak RSS %.1f MB = %.0f bytes a message" %
          (m / 1024, m * 1024 / msgs), end="")
    if a.empty_rss:
        print(" (%.0f above an empty queue's %.1f MB)" %
              ((m - a.empty_rss) * 1024 / msgs, a.empty_rss / 1024))
    else:
        print()


if __name__ == "__main__":
    main()
