#!/usr/bin/python3
"""conn-load.py: TCP load for the connection tests and the benchmark.

  conn-load.py listen ADDR PORT [--backlog N] [--hold N] [--reuseport 1]
      Listen on ADDR:PORT (PORT 0: a free one), accept and hold every
      connection (up to N: it needs a descriptor for each). With
      --reuseport 1 several processes can share the port (SO_REUSEPORT:
      the kernel spreads the connections), for more connections than
      one process may hold descriptors. Prints "listening PORT" when ready, then runs until
      killed.

  conn-load.py connect ADDR PORT COUNT SRC[,SRC...] [--nowait]
      Open COUNT connections to ADDR:PORT, bound to the source addresses
      in turn (SRC/SPORT: from that source port too). Prints "connected COUNT" once every connect() finished
      (with --nowait: once every SYN is sent, for handshakes that never
      complete), then holds them until killed.

Both raise RLIMIT_NOFILE to the hard limit first. Addresses are literal;
only loopback and addresses inside a test's own network namespace.
"""
import errno
import os
import resource
import select
import signal
import socket
import sys
import time


def raise_nofile(need=None):
    """Soft limit up to need (None: the hard limit); as root the hard
    limit too, up to fs.nr_open."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if need is None:
        need = hard
    if soft >= need:
        return
    if hard != resource.RLIM_INFINITY and hard < need:
        if os.geteuid() != 0:
            sys.exit("conn-load: need %d descriptors, hard limit %d" % (need, hard))
        nr_open = int(open("/proc/sys/fs/nr_open").read())
        if need > nr_open:
            sys.exit("conn-load: need %d descriptors, fs.nr_open %d" % (need, nr_open))
        hard = need
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def listen(addr, port, backlog, hold, reuseport):
    raise_nofile(hold + 64 if hold else None)
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((addr, port))
    s.listen(backlog)
    print("listening %d" % s.getsockname()[1], flush=True)
    held = []
    while True:
        try:
            c, _ = s.accept()
        except OSError as e:
            if e.errno in (errno.EMFILE, errno.ENFILE):
                sys.exit("conn-load: out of descriptors after %d" % len(held))
            raise
        held.append(c)


def connect(addr, port, count, sources, nowait):
    raise_nofile(count + 64)
    fam = family_of(addr)
    socks = []
    pending = {}
    for i in range(count):
        s = socket.socket(fam, socket.SOCK_STREAM)
        src, sport = sources[i % len(sources)], 0
        if "/" in src:
            src, sport = src.split("/")
        s.bind((src, int(sport)))
        s.setblocking(False)
        r = s.connect_ex((addr, port))
        if r not in (0, errno.EINPROGRESS):
            sys.exit("conn-load: connect %d from %s: %s" % (i, src, errno.errorcode.get(r, r)))
        socks.append(s)
        if r == errno.EINPROGRESS:
            pending[s.fileno()] = s
        # keep the number of handshakes in flight small, so that a
        # listener's accept queue never overflows and drops SYNs
        if not nowait and len(pending) >= 256:
            wait_connected(pending, 30)
    if not nowait:
        wait_connected(pending, 60)
    print("connected %d" % len(socks), flush=True)
    while True:             # hold them until the test kills us
        signal.pause()


def wait_connected(pending, timeout):
    deadline = time.monotonic() + timeout
    poller = select.poll()
    for fd in pending:
        poller.register(fd, select.POLLOUT)
    while pending:
        left = deadline - time.monotonic()
        if left <= 0:
            sys.exit("conn-load: %d connections did not complete" % len(pending))
        for fd, _ in poller.poll(left * 1000):
            s = pending.pop(fd)
            poller.unregister(fd)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                sys.exit("conn-load: connect: %s" % errno.errorcode.get(err, err))


def main(argv):
    if len(argv) >= 3 and argv[0] == "listen":
        opts = dict(zip(argv[3::2], argv[4::2]))
        listen(argv[1], int(argv[2]), int(opts.get("--backlog", 4096)),
               int(opts.get("--hold", 0)), opts.get("--reuseport") == "1")
    elif len(argv) >= 5 and argv[0] == "connect":
        connect(argv[1], int(argv[2]), int(argv[3]), argv[4].split(","),
                len(argv) > 5 and argv[5] == "--nowait")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
