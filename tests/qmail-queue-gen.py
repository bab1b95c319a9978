#!/usr/bin/python3
"""qmail-queue-gen: write a qmail queue the way qmail writes it.

Files, names, contents, ownership and modes follow qmail-1.03/notqmail
(hier.c, qmail-queue.c, qmail-send.c, qmail-clean.c; docs/queues.md):

  * qmail-queue (setuid qmailq, umask 033, group = the caller's, here
    qmaild's "nofiles" as for qmail-smtpd) creates pid/PID.TIME.1 with
    O_EXCL and mode 0644, takes its inode number N as the message number,
    links it to mess/(N % split)/N and unlinks the pid file, writes its
    "Received: (qmail PID invoked from network); DATE\n" line and the
    message, then writes intd/N: u<uid>\0 p<pid>\0 F<sender>\0 T<rcpt>\0...
    and links intd/N to todo/N.
  * qmail-send (qmails:qmail, umask 077) preprocesses todo/N into
    info/S/N (F<sender>\0), local/S/N and remote/S/N (T<rcpt>\0 each),
    all 0600, and qmail-clean (qmailq) unlinks intd/N and todo/N.
  * a delivered or failed recipient gets its 'T' overwritten with 'D' in
    place; a channel file with no 'T' left is unlinked; a permanent
    failure appends "<rcpt>:\nreason\n\n" to bounce/N (0600 qmails).

With --big-todo, todo/ and intd/ are split like mess/ (the ext-todo /
big-todo patches).

The message mix: flooders (ADDR:COUNT), junk senders (one message each,
random addresses), bounces (null sender) and double bounces ("#@[]").
A fraction stays in todo (not preprocessed), some recipients are marked
done, some messages have a bounce file. Arrival times are spread over
--max-age seconds by setting the mtimes of mess, intd/todo and info, as
if the messages had been queued then.

The truth (what an exact reader must report) is written as JSON to
--truth. Only the Python standard library is used.
"""

import argparse
import grp
import json
import os
import pwd
import random
import stat
import subprocess
import sys
import time

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

# qmail's users and groups (INSTALL.ids)
GROUPS = ("nofiles", "qmail")
USERS = (("alias", "nofiles", "/var/qmail/alias"),
         ("qmaild", "nofiles", "/var/qmail"),
         ("qmaill", "nofiles", "/var/qmail"),
         ("qmailp", "nofiles", "/var/qmail"),
         ("qmailq", "qmail", "/var/qmail"),
         ("qmailr", "qmail", "/var/qmail"),
         ("qmails", "qmail", "/var/qmail"))

LOCAL_DOMAINS = ("mail.example.org", "example.org")

# mhQueueTable's rows for qmail, in order (the total is mhQueueMessages)
ROWS = ("todo", "local", "remote", "bounce")


def create_ids():
    """Create qmail's users and groups if missing (needs root)."""
    for g in GROUPS:
        try:
            grp.getgrnam(g)
        except KeyError:
            subprocess.run(["groupadd", "-r", g], check=True)
    for u, g, home in USERS:
        try:
            pwd.getpwnam(u)
        except KeyError:
            subprocess.run(["useradd", "-r", "-M", "-g", g, "-d", home,
                            "-s", "/usr/sbin/nologin", u], check=True)


class Ids:
    def __init__(self, chown):
        self.chown = chown
        if chown:
            self.qmailq = pwd.getpwnam("qmailq").pw_uid
            self.qmails = pwd.getpwnam("qmails").pw_uid
            self.qmailr = pwd.getpwnam("qmailr").pw_uid
            self.qmaild = pwd.getpwnam("qmaild").pw_uid
            self.gidq = grp.getgrnam("qmail").gr_gid
            self.nofiles = grp.getgrnam("nofiles").gr_gid
        else:
            self.qmailq = self.qmails = self.qmailr = os.getuid()
            self.qmaild = os.getuid()
            self.gidq = self.nofiles = os.getgid()

    def own(self, path, uid, gid):
        if self.chown:
            os.chown(path, uid, gid, follow_symlinks=False)


def mkdir(path, uid, gid, mode, ids):
    os.makedirs(path, exist_ok=True)
    ids.own(path, uid, gid)
    os.chmod(path, mode)


def init_queue(q, split, big_todo, ids):
    """queue/ as hier.c lays it out."""
    mkdir(q, ids.qmailq, ids.gidq, 0o750, ids)
    mkdir(q + "/pid", ids.qmailq, ids.gidq, 0o700, ids)
    mkdir(q + "/intd", ids.qmailq, ids.gidq, 0o700, ids)
    mkdir(q + "/todo", ids.qmailq, ids.gidq, 0o750, ids)
    mkdir(q + "/bounce", ids.qmails, ids.gidq, 0o700, ids)
    for d, uid, mode in (("mess", ids.qmailq, 0o750),
                         ("info", ids.qmails, 0o700),
                         ("local", ids.qmails, 0o700),
                         ("remote", ids.qmails, 0o700)):
        mkdir(q + "/" + d, uid, ids.gidq, mode, ids)
        for i in range(split):
            mkdir("%s/%s/%d" % (q, d, i), uid, ids.gidq, mode, ids)
    if big_todo:
        for d, mode in (("intd", 0o700), ("todo", 0o750)):
            for i in range(split):
                mkdir("%s/%s/%d" % (q, d, i), ids.qmailq, ids.gidq, mode,
                      ids)
    mkdir(q + "/lock", ids.qmailq, ids.gidq, 0o750, ids)
    p = q + "/lock/tcpto"
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(b"\0" * 1024)
    ids.own(p, ids.qmailr, ids.gidq)
    os.chmod(p, 0o644)
    p = q + "/lock/sendmutex"
    if not os.path.exists(p):
        open(p, "wb").close()
    ids.own(p, ids.qmails, ids.gidq)
    os.chmod(p, 0o600)
    p = q + "/lock/trigger"
    if not os.path.exists(p):
        os.mkfifo(p)
    ids.own(p, ids.qmails, ids.gidq)
    os.chmod(p, 0o622)


def date822(t):
    tm = time.gmtime(t)
    return "%d %s %d %02d:%02d:%02d -0000" % (
        tm.tm_mday, MONTHS[tm.tm_mon - 1], tm.tm_year, tm.tm_hour,
        tm.tm_min, tm.tm_sec)


def write_excl(path, data, mode):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


class Queue:
    def __init__(self, root, split, big_todo, ids):
        self.root = root
        self.split = split
        self.big_todo = big_todo
        self.ids = ids
        self.pid = 20000 + os.getpid() % 10000
        self.start = int(time.time())

    def qfn(self, d, n, flagsplit):
        if flagsplit:
            return "%s/%s/%d/%d" % (self.root, d, n % self.split, n)
        return "%s/%s/%d" % (self.root, d, n)

    def queue(self, sender, rcpts, body, arrival):
        """qmail-queue: returns the message number and the mess size."""
        ids = self.ids
        old = os.umask(0o033)
        try:
            self.pid += 1
            for seq in range(1, 10):
                pidfn = "%s/pid/%d.%d.%d" % (self.root, self.pid,
                                             self.start, seq)
                try:
                    fd = os.open(pidfn, os.O_WRONLY | os.O_CREAT |
                                 os.O_EXCL, 0o644)
                    break
                except FileExistsError:
                    continue
            else:
                raise RuntimeError("cannot create a pid file")
            n = os.fstat(fd).st_ino
            messfn = self.qfn("mess", n, True)
            os.link(pidfn, messfn)
            os.unlink(pidfn)
            data = ("Received: (qmail %d invoked from network); %s\n" %
                    (self.pid, date822(arrival))).encode() + body
            os.write(fd, data)
            os.close(fd)
            ids.own(messfn, ids.qmailq, ids.nofiles)
            env = b"u%d\0p%d\0F%s\0" % (ids.qmaild, self.pid,
                                        sender.encode("utf-8", "surrogateescape"))
            env += b"".join(b"T" + r.encode() + b"\0" for r in rcpts)
            intdfn = self.qfn("intd", n, self.big_todo)
            todofn = self.qfn("todo", n, self.big_todo)
            write_excl(intdfn, env, 0o644)
            ids.own(intdfn, ids.qmailq, ids.nofiles)
            os.link(intdfn, todofn)
            for p in (messfn, intdfn):
                os.utime(p, (arrival, arrival))
        finally:
            os.umask(old)
        return n, len(data)

    def preprocess(self, n, sender, rcpts, arrival):
        """qmail-send's todo processing, then qmail-clean."""
        ids = self.ids
        old = os.umask(0o077)
        try:
            infofn = self.qfn("info", n, True)
            write_excl(infofn, b"F" + sender.encode("utf-8",
                                                    "surrogateescape") +
                       b"\0", 0o644)
            ids.own(infofn, ids.qmails, ids.gidq)
            os.utime(infofn, (arrival, arrival))
            chans = {}
            for r in rcpts:
                c = "local" if r.rsplit("@", 1)[-1] in LOCAL_DOMAINS \
                    else "remote"
                chans.setdefault(c, []).append(r)
            for c, rs in chans.items():
                fn = self.qfn(c, n, True)
                write_excl(fn, b"".join(b"T" + r.encode() + b"\0"
                                        for r in rs), 0o644)
                ids.own(fn, ids.qmails, ids.gidq)
        finally:
            os.umask(old)
        os.unlink(self.qfn("intd", n, self.big_todo))
        os.unlink(self.qfn("todo", n, self.big_todo))
        return chans

    def markdone(self, n, chan, rcpts, done):
        """Overwrite the 'T' of each done recipient with 'D' in place;
        unlink the file when nothing is left, as qmail-send does."""
        fn = self.qfn(chan, n, True)
        pos, offs = 0, []
        for r in rcpts:
            offs.append(pos)
            pos += 1 + len(r.encode()) + 1
        fd = os.open(fn, os.O_WRONLY)
        for i in done:
            os.pwrite(fd, b"D", offs[i])
        os.close(fd)
        if len(done) == len(rcpts):
            os.unlink(fn)

    def bounce(self, n, rcpt, report):
        fn = "%s/bounce/%d" % (self.root, n)
        old = os.umask(0o077)
        try:
            fd = os.open(fn, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(fd, ("<%s>:\n%s\n\n" % (rcpt, report)).encode())
            os.close(fd)
        finally:
            os.umask(old)
        self.ids.own(fn, self.ids.qmails, self.ids.gidq)


def nasty_addr(rng, i):
    """A sender a spam run really sends, that a poller must survive:
    bytes that are not UTF-8, control characters, 300-octet local parts,
    SMTPUTF8 text. Bytes that are not UTF-8 ride in the str as
    surrogates (surrogateescape) and are written back as those bytes."""
    tail = "%d@%s.example" % (i, rng.choice(("junk", "spam", "x")))
    return rng.choice((
        "\udcff\udcfe" + tail,              # not UTF-8 at all
        "caf\udce9" + tail,                  # Latin-1 e-acute
        "\udcf0\udc9f\udc98" + tail,        # a cut 4-octet sequence
        "ctl\x01\x1b[31m\x7f" + tail,        # C0, an escape, DEL
        "c1\u0085\u009b" + tail,             # C1 controls (valid UTF-8)
        "x" * 300 + tail,                   # past 255 octets
        "\u00fc\u00f1\u00ee" + tail,          # SMTPUTF8, valid
        '"quoted local part"' + tail,
    ))


def junk_addr(rng):
    a = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                for _ in range(rng.randint(6, 12)))
    d = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz")
                for _ in range(rng.randint(5, 9)))
    return "%s@%s.%s" % (a, d, rng.choice(("com", "net", "info", "ru")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--queue", required=True, help="queue directory")
    ap.add_argument("--split", type=int, default=23)
    ap.add_argument("--big-todo", action="store_true",
                    help="split todo/ and intd/ (big-todo patch)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--flooder", action="append", default=[],
                    metavar="ADDR:COUNT")
    ap.add_argument("--junk", type=int, default=0,
                    help="messages from distinct junk senders")
    ap.add_argument("--nasty", type=int, default=0,
                    help="messages from senders with bytes that are not "
                         "UTF-8, control characters, 300 octets")
    ap.add_argument("--bounces", type=int, default=0,
                    help="messages with the null sender")
    ap.add_argument("--double-bounces", type=int, default=0,
                    help='messages with the sender "#@[]"')
    ap.add_argument("--max-rcpt", type=int, default=3)
    ap.add_argument("--many-rcpt", type=int, default=0,
                    help="messages with 30 recipients each (from junk)")
    ap.add_argument("--todo", type=float, default=0.05,
                    help="fraction left in todo/")
    ap.add_argument("--done", type=float, default=0.2,
                    help="fraction of preprocessed messages with some "
                         "recipients done")
    ap.add_argument("--bounce-files", type=float, default=0.02,
                    help="fraction with a bounce/ file")
    ap.add_argument("--max-age", type=int, default=86400)
    ap.add_argument("--rcpt-domains", type=int, default=50,
                    help="distinct recipient domains besides the flood "
                         "targets")
    ap.add_argument("--no-chown", action="store_true",
                    help="keep the caller's ownership (not as qmail)")
    ap.add_argument("--create-users", action="store_true",
                    help="create qmail's users and groups if missing")
    ap.add_argument("--truth", help="write the expected values here")
    args = ap.parse_args()

    if args.create_users:
        create_ids()
    ids = Ids(not args.no_chown)
    rng = random.Random(args.seed)
    init_queue(args.queue, args.split, args.big_todo, ids)
    q = Queue(args.queue, args.split, args.big_todo, ids)
    now = int(time.time())

    senders = []
    for f in args.flooder:
        addr, cnt = f.rsplit(":", 1)
        senders += [addr] * int(cnt)
    senders += [junk_addr(rng) for _ in range(args.junk)]
    senders += [nasty_addr(rng, i) for i in range(args.nasty)]
    senders += [""] * args.bounces
    senders += ["#@[]"] * args.double_bounces
    many = set(rng.sample(range(len(senders)), min(args.many_rcpt,
                                                   len(senders))))
    rng.shuffle(senders)

    domains = ["dest%d.example.com" % i for i in range(args.rcpt_domains)]
    domains += list(LOCAL_DOMAINS)
    rows = {r: {"messages": 0, "bytes": 0, "recipients": 0, "oldest": 0}
            for r in ROWS}
    sender_count, domain_count = {}, {}
    tot = {"messages": 0, "bytes": 0, "recipients": 0, "oldest": 0,
           "bounces": 0, "many_rcpt_20": 0}

    def row_add(r, size, nrcpt, arrival):
        x = rows[r]
        x["messages"] += 1
        x["bytes"] += size
        x["recipients"] += nrcpt
        if x["oldest"] == 0 or arrival < x["oldest"]:
            x["oldest"] = arrival

    for i, s in enumerate(senders):
        nr = 30 if i in many else rng.randint(1, args.max_rcpt)
        rcpts = ["u%d@%s" % (rng.randint(1, 99999), rng.choice(domains))
                 for _ in range(nr)]
        arrival = now - rng.randint(60, args.max_age)
        body = ("From: <%s>\nTo: <%s>\nSubject: test %d\n\n%s\n" % (
            s, rcpts[0], i, "x" * rng.randint(10, 3000))).encode(
                "utf-8", "surrogateescape")
        n, size = q.queue(s, rcpts, body, arrival)
        pending = list(rcpts)
        bits = set()
        if rng.random() < args.todo:
            bits.add("todo")
        else:
            chans = q.preprocess(n, s, rcpts, arrival)
            pending = []
            failed = None
            for c, rs in chans.items():
                done = []
                if rng.random() < args.done and len(rs) > 1:
                    done = sorted(rng.sample(range(len(rs)),
                                             rng.randint(1, len(rs) - 1)))
                if failed is None and rng.random() < args.bounce_files:
                    failed = rs[0]
                    if 0 not in done:
                        done = sorted(done + [0])
                if done:
                    q.markdone(n, c, rs, done)
                left = [r for j, r in enumerate(rs) if j not in done]
                if left:
                    bits.add(c)
                pending += left
            if failed is not None:
                q.bounce(n, failed, "Sorry, no mailbox here by that name. "
                         "(#5.1.1)")
                bits.add("bounce")
            if not pending and failed is None:
                # everything done: qmail-send would remove the message
                # (markdone unlinked the channel files already)
                os.unlink(q.qfn("info", n, True))
                os.unlink(q.qfn("mess", n, True))
                continue
        for r in bits:
            # the per-row recipients of local/remote are that channel's
            nrow = len(pending)
            if r in ("local", "remote"):
                nrow = sum(1 for x in pending
                           if (x.rsplit("@", 1)[-1] in LOCAL_DOMAINS) ==
                           (r == "local"))
            row_add(r, size, nrow, arrival)
        tot["messages"] += 1
        tot["bytes"] += size
        tot["recipients"] += len(pending)
        if tot["oldest"] == 0 or arrival < tot["oldest"]:
            tot["oldest"] = arrival
        # the null sender is "" (MAILHEALTH-MIB's mhQueueSenderAddress)
        key = "" if s in ("", "#@[]") else s.lower()
        if key == "":
            tot["bounces"] += 1
        if len(pending) > 20:
            tot["many_rcpt_20"] += 1
        sender_count[key] = sender_count.get(key, 0) + 1
        for r in pending:
            d = r.rsplit("@", 1)[-1].lower()
            domain_count[d] = domain_count.get(d, 0) + 1

    truth = dict(tot)
    truth["queues"] = [dict(name=r, **rows[r]) for r in ROWS]
    truth["senders"] = sender_count
    truth["domains"] = domain_count
    if args.truth:
        with open(args.truth, "w") as f:
            json.dump(truth, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
