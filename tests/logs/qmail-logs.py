#!/usr/bin/python3
"""qmail-logs.py OUTDIR: write the qmail test logs of the parser tests,
byte for byte as the programs write them under multilog (no qmail is
packaged in Debian to run instead):

  OUTDIR/qmail-send.multilog   qmail-send (format strings of qmail-send.c,
                               notqmail 1.08 / netqmail 1.06)
  OUTDIR/qmail-smtpd.multilog  tcpserver -v (ucspi-tcp 0.88), rblsmtpd,
                               and qmail-smtpd with sagredo's combined
                               patch (its "auth: auth-..." lines and its
                               qlogenvelope/qlogreceived lines)

Each line is prefixed "@" + TAI64N + " " as multilog's 't' writes it
(label 2^62 + 10 + unix seconds, then nanoseconds, in hex). The scenario:
alice authenticates on port 587 and sends one message to a remote and a
local recipient; the remote one defers (421 4.7.28) then succeeds; a bot
on port 25 fails AUTH twice as admin; rblsmtpd and tcprules refuse two
clients; a relay attempt is refused; the local user lpjunk (uid 1001)
injects a message that bounces, and qmail-send (uid qmails) queues the
bounce. Python stdlib only; deterministic.
"""
import os
import sys

T0 = 1796032800  # 2026-11-30 10:00:00 UTC


def stamp(t, ns=0):
    return "@%016x%08x" % ((1 << 62) + 10 + t, ns)


def main():
    out = sys.argv[1]
    smtpd = [
        (0, "tcpserver: status: 1/40"),
        (0, "tcpserver: pid 30000 from 192.0.2.50"),
        (0, "tcpserver: ok 30000 mx.example.com:192.0.2.1:587 "
            ":192.0.2.50::51234"),
        (1, "qmail-smtpd[30000]: auth: auth-success type=login "
            "user=<alice@example.com>"),
        (2, "qlogreceived: result=accepted code=250 reason=queueaccept "
            "detail= helo=client.example mailfrom=alice@example.com "
            "rcptto=bob@gmail.example,carol@example.com relay=yes "
            "rcpthosts= size=2345 authuser=alice@example.com "
            "authtype=login encrypted=tls sslverified=no "
            "localip=192.0.2.1 localport=587 remoteip=192.0.2.50 "
            "remoteport=51234 remotehost= qp=30001 pid=30000"),
        (2, "tcpserver: end 30000 status 0"),
        (2, "tcpserver: status: 0/40"),
        (5, "tcpserver: status: 1/40"),
        (5, "tcpserver: pid 30020 from 192.0.2.66"),
        (5, "tcpserver: ok 30020 mx.example.com:192.0.2.1:25 "
            ":192.0.2.66::40000"),
        (6, "qmail-smtpd[30020]: auth: auth-failed type=login "
            "user=<admin>"),
        (6, "qlogenvelope: result=rejected code=535 reason=authfailed "
            "detail= helo=bot mailfrom= rcptto= relay=no rcpthosts= "
            "size= authuser=admin authtype=login encrypted= "
            "sslverified=no localip=192.0.2.1 localport=25 "
            "remoteip=192.0.2.66 remoteport=40000 remotehost= qp= "
            "pid=30020"),
        (11, "qmail-smtpd[30020]: auth: auth-failed type=plain "
             "user=<admin>"),
        (11, "qlogenvelope: result=rejected code=535 reason=authfailed "
             "detail= helo=bot mailfrom= rcptto= relay=no rcpthosts= "
             "size= authuser=admin authtype=plain encrypted= "
             "sslverified=no localip=192.0.2.1 localport=25 "
             "remoteip=192.0.2.66 remoteport=40000 remotehost= qp= "
             "pid=30020"),
        (12, "tcpserver: end 30020 status 256"),
        (12, "tcpserver: status: 0/40"),
        (13, "tcpserver: status: 1/40"),
        (13, "tcpserver: pid 30030 from 192.0.2.77"),
        (13, "tcpserver: ok 30030 mx.example.com:192.0.2.1:25 "
             "host77.example:192.0.2.77::40001"),
        (13, "rblsmtpd: 192.0.2.77 pid 30030: 451 Blocked, see "
             "http://rbl.example/?192.0.2.77"),
        (14, "tcpserver: end 30030 status 0"),
        (14, "tcpserver: status: 0/40"),
        (15, "tcpserver: deny 30040 mx.example.com:192.0.2.1:25 "
             ":192.0.2.78::40002"),
        (16, "tcpserver: status: 1/40"),
        (16, "tcpserver: pid 30050 from 2001:db8::88"),
        (16, "tcpserver: ok 30050 mx.example.com:2001:db8::1:25 "
             ":2001:db8::88::40003"),
        (17, "qlogenvelope: result=rejected code=553 "
             "reason=not_in_rcpthosts detail= helo=spammer "
             "mailfrom=x@spam.example rcptto=victim@elsewhere.example "
             "relay=no rcpthosts=no size= authuser= authtype= encrypted= "
             "sslverified=no localip=2001:db8::1 localport=25 "
             "remoteip=2001:db8::88 remoteport=40003 remotehost= qp= "
             "pid=30050"),
        (18, "tcpserver: end 30050 status 0"),
        (18, "tcpserver: status: 0/40"),
    ]
    send = [
        (2, "new msg 1001"),
        (2, "info msg 1001: bytes 2345 from <alice@example.com> qp 30001 "
            "uid 1011"),
        (2, "starting delivery 1: msg 1001 to remote bob@gmail.example"),
        (2, "status: local 0/10 remote 1/20"),
        (2, "starting delivery 2: msg 1001 to local "
            "example.com-carol@example.com"),
        (2, "status: local 1/10 remote 1/20"),
        (3, "delivery 2: success: did_0+0+1/"),
        (3, "status: local 0/10 remote 1/20"),
        (4, "delivery 1: deferral: Connected_to_192.0.2.9_but_sender_was"
            "_rejected./Remote_host_said:_421_4.7.28_Rate_limited,_try"
            "_again_later/"),
        (4, "status: local 0/10 remote 0/20"),
        (20, "new msg 1002"),
        (20, "info msg 1002: bytes 512 from <lpjunk@mx.example.com> "
             "qp 30060 uid 1001"),
        (20, "starting delivery 3: msg 1002 to remote x@junk.example"),
        (20, "status: local 0/10 remote 1/20"),
        (21, "delivery 3: failure: Sorry,_I_couldn't_find_any_host_named"
             "_junk.example._(#5.1.2)/"),
        (21, "status: local 0/10 remote 0/20"),
        (21, "bounce msg 1002 qp 30061"),
        (21, "end msg 1002"),
        (21, "new msg 1003"),
        (21, "info msg 1003: bytes 1300 from <> qp 30061 uid 1012"),
        (21, "starting delivery 4: msg 1003 to local "
             "lpjunk@mx.example.com"),
        (21, "status: local 1/10 remote 0/20"),
        (22, "delivery 4: success: did_1+0+0/"),
        (22, "status: local 0/10 remote 0/20"),
        (22, "end msg 1003"),
        (600, "starting delivery 5: msg 1001 to remote bob@gmail.example"),
        (600, "status: local 0/10 remote 1/20"),
        (601, "delivery 5: success: 192.0.2.9_accepted_message./Remote"
              "_host_said:_250_2.0.0_OK_1796033401/"),
        (601, "status: local 0/10 remote 0/20"),
        (601, "end msg 1001"),
    ]
    for name, lines in (("qmail-smtpd.multilog", smtpd),
                        ("qmail-send.multilog", send)):
        with open(os.path.join(out, name), "w") as f:
            for i, (dt, text) in enumerate(lines):
                f.write("%s %s\n" % (stamp(T0 + dt, 1000 * i), text))


if __name__ == "__main__":
    main()
