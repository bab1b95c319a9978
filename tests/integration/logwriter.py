#!/usr/bin/python3
"""logwriter.py: append numbered syslog lines to a file at speed, as a
syslog daemon does, for the log source tests.

    logwriter.py FILE N [--rate R] [--reopen-on-hup [--reopen-after K]]
                 [--progress PATH] [--pidfile PATH]
                 [--format rfc3339|multilog]

Writes lines 1..N, each with one write(2) on an O_APPEND descriptor:
  rfc3339:  "2026-11-30T13:14:00.123456+00:00 mh-test writer[PID]: seq N"
  multilog: "seq N" to stdout (FILE is "-"), for `| multilog`
--rate: lines per second (0: as fast as it can). --reopen-on-hup: on
SIGHUP reopen FILE (what rsyslog does after logrotate's postrotate),
after K more lines to the old file with --reopen-after (a daemon slow to
act on the signal: the reader must still be reading the renamed file);
without it the descriptor stays (copytruncate). --progress: the number
of lines written so far, rewritten every 1000 lines and at the end, so
a test can wait for the writer to reach a point.
"""
import argparse
import datetime
import os
import signal
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("n", type=int)
    ap.add_argument("--rate", type=float, default=0)
    ap.add_argument("--reopen-on-hup", action="store_true")
    ap.add_argument("--reopen-after", type=int, default=0)
    ap.add_argument("--progress")
    ap.add_argument("--pidfile")
    ap.add_argument("--format", default="rfc3339")
    a = ap.parse_args()

    hup = [None]  # the line number at which to reopen

    def on_hup(signum, frame):
        hup[0] = i_now[0] + a.reopen_after

    signal.signal(signal.SIGHUP, on_hup if a.reopen_on_hup else signal.SIG_IGN)

    def do_open():
        if a.file == "-":
            return sys.stdout.fileno()
        return os.open(a.file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    fd = do_open()
    if a.pidfile:
        with open(a.pidfile + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(a.pidfile + ".tmp", a.pidfile)

    def progress(i):
        if a.progress:
            with open(a.progress + ".tmp", "w") as f:
                f.write("%d\n" % i)
            os.rename(a.progress + ".tmp", a.progress)

    pid = os.getpid()
    t0 = time.monotonic()
    i_now = [0]
    for i in range(1, a.n + 1):
        i_now[0] = i
        if hup[0] is not None and i >= hup[0]:
            hup[0] = None
            os.close(fd)
            fd = do_open()
        if a.format == "multilog":
            line = "seq %d\n" % i
        else:
            now = datetime.datetime.now(datetime.timezone.utc)
            line = "%s mh-test writer[%d]: seq %d\n" % (
                now.isoformat(timespec="microseconds"), pid, i)
        os.write(fd, line.encode())
        if i % 1000 == 0:
            progress(i)
        if a.rate > 0:
            ahead = t0 + i / a.rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)  # pace the writer
    progress(a.n)


if __name__ == "__main__":
    main()
