#!/usr/bin/python3
"""probe-servers.py MODE PORTFILE [ARGS]: small servers on 127.0.0.1 for
tests/integration/probe.sh, each on a free port that it writes to PORTFILE
once it listens (the test waits for that file). They run until killed.

  dns PORTFILE [PORT] a UDP DNS server for the zone mh-test.invalid:
                      mail. A 127.0.0.1 / AAAA ::1; the apex MX 10 mail.,
                      MX 20 backup., TXT "v=spf1 mx -all"; servfail.
                      answers SERVFAIL, refused. REFUSED, hang. never
                      answers; other names NXDOMAIN; a name without the
                      type asked, no answer (NODATA)
  http PORTFILE [CERT KEY]  HTTP (HTTPS with CERT and KEY): / 200, /down
                      503, /moved 302, /big 1 MiB, /hang never answers
  silent PORTFILE     TCP: accepts connections and never says anything
  smtp PORTFILE MODE  an SMTP server that misbehaves at the end: MODE
                      keepopen answers QUIT with 221 but keeps the
                      connection open and ignores the rest; noquit never
                      answers QUIT
"""
import http.server
import os
import socket
import ssl
import struct
import sys
import threading

ZONE = "mh-test.invalid"


def ready(portfile, port):
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, portfile)


# ---- DNS ----------------------------------------------------------------

T_A, T_NS, T_SOA, T_PTR, T_MX, T_TXT, T_AAAA = 1, 2, 6, 12, 15, 16, 28


def dns_name(labels):
    out = b""
    for l in labels.rstrip(".").split("."):
        out += bytes([len(l)]) + l.encode()
    return out + b"\0"


def dns_records(name, qtype):
    """(rcode, [(type, rdata)]) or None for no answer at all."""
    name = name.lower().rstrip(".")
    if name == "hang." + ZONE:
        return None
    if name == "servfail." + ZONE:
        return 2, []
    if name == "refused." + ZONE:
        return 5, []
    recs = {
        "mail." + ZONE: [
            (T_A, socket.inet_pton(socket.AF_INET, "127.0.0.1")),
            (T_AAAA, socket.inet_pton(socket.AF_INET6, "::1")),
        ],
        ZONE: [
            (T_MX, struct.pack(">H", 10) + dns_name("mail." + ZONE)),
            (T_MX, struct.pack(">H", 20) + dns_name("backup." + ZONE)),
            (T_TXT, b"\x0ev=spf1 mx -all"),
        ],
    }
    if name not in recs:
        return 3, []
    return 0, [r for r in recs[name] if r[0] == qtype]


def dns_serve(portfile, port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", int(port)))
    ready(portfile, s.getsockname()[1])
    while True:
        q, peer = s.recvfrom(4096)
        if len(q) < 12:
            continue
        qid, flags, qd = struct.unpack(">HHH", q[:6])
        if qd != 1:
            continue
        i, labels = 12, []
        while i < len(q) and q[i] != 0:
            n = q[i]
            labels.append(q[i + 1:i + 1 + n].decode("ascii", "replace"))
            i += 1 + n
        qend = i + 5
        if qend > len(q):
            continue
        qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
        res = dns_records(".".join(labels), qtype)
        if res is None:
            continue  # hang: never answer
        rcode, answers = res
        rflags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode
        out = struct.pack(">HHHHHH", qid, rflags, 1, len(answers), 0, 0)
        out += q[12:qend]
        for t, rdata in answers:
            out += struct.pack(">HHHIH", 0xC00C, t, 1, 300, len(rdata))
            out += rdata
        s.sendto(out, peer)


# ---- HTTP(S) ------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body, extra=None):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/":
            self.reply(200, b"ok\n")
        elif self.path == "/down":
            self.reply(503, b"maintenance\n")
        elif self.path == "/moved":
            self.reply(302, b"", {"Location": "/"})
        elif self.path == "/big":
            self.reply(200, b"x" * (1 << 20))
        elif self.path == "/hang":
            # no response at all, until the client gives up and closes
            # the connection (the read then sees its end)
            try:
                self.rfile.read()
            except OSError:
                pass
            self.close_connection = True
        else:
            self.reply(404, b"no\n")

    def log_message(self, fmt, *args):
        pass


def http_serve(portfile, cert=None, key=None):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    ready(portfile, srv.server_address[1])
    srv.serve_forever()


# ---- a server that never speaks -----------------------------------------

def silent_serve(portfile):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    ready(portfile, s.getsockname()[1])
    held = []
    while True:
        c, _ = s.accept()
        held.append(c)  # keep it open, say nothing


# ---- an SMTP server that misbehaves at QUIT ------------------------------

def smtp_session(c, mode):
    f = c.makefile("rb")
    c.sendall(b"220 mh-tarpit ESMTP\r\n")
    quits = 0
    for line in f:
        cmd = line.strip().upper()
        if cmd.startswith(b"EHLO"):
            c.sendall(b"250-mh-tarpit\r\n250 8BITMIME\r\n")
        elif cmd == b"QUIT":
            quits += 1
            if mode == "keepopen" and quits == 1:
                c.sendall(b"221 2.0.0 Bye\r\n")  # and do not close
        else:
            c.sendall(b"250 2.0.0 Ok\r\n")


def smtp_serve(portfile, mode):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    ready(portfile, s.getsockname()[1])
    while True:
        c, _ = s.accept()
        threading.Thread(target=smtp_session, args=(c, mode),
                         daemon=True).start()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    mode, portfile = sys.argv[1], sys.argv[2]
    if mode == "dns":
        dns_serve(portfile, *sys.argv[3:4])
    elif mode == "http":
        http_serve(portfile, *sys.argv[3:5])
    elif mode == "silent":
        silent_serve(portfile)
    elif mode == "smtp":
        smtp_serve(portfile, sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    threading.current_thread().name = "probe-servers"
    main()
