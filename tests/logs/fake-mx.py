#!/usr/bin/python3
"""fake-mx.py PIDFILE PORT:MODE...: tiny SMTP servers on 127.0.0.1 that
stand in for remote MXes, one per PORT, each answering by MODE:

  accept   250 to everything (the delivery is "sent")
  defer    450 4.7.28 at RCPT (a rate-limiting provider: "deferred")
  reject   550 5.1.1 at RCPT (no such user: "bounced")
  greet421 421 4.7.0 in the greeting (the server refuses to talk)

The pid file is written once every port listens. Python stdlib only.
"""
import os
import selectors
import socket
import sys

REPLY = {
    "accept": "250 2.1.5 Ok",
    "defer": "450 4.7.28 Rate limited, try again later",
    "reject": "550 5.1.1 No such user here",
}


class Conn:
    def __init__(self, sock, mode):
        self.sock, self.mode, self.buf, self.data = sock, mode, b"", False

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def feed(self, chunk):
        self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.rstrip(b"\r").decode("latin-1")
            if self.data:
                if line == ".":
                    self.data = False
                    self.send("250 2.0.0 Ok: queued as FAKE")
                continue
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.send("250 fake-mx")
            elif verb == "MAIL":
                self.send("250 2.1.0 Ok")
            elif verb == "RCPT":
                self.send(REPLY[self.mode])
            elif verb == "DATA":
                self.send("354 go ahead")
                self.data = True
            elif verb == "QUIT":
                self.send("221 2.0.0 Bye")
                return False
            else:
                self.send("250 Ok")
        return True


def main():
    pidfile, specs = sys.argv[1], sys.argv[2:]
    sel = selectors.DefaultSelector()
    for spec in specs:
        port, mode = spec.split(":")
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", int(port)))
        ls.listen(64)
        sel.register(ls, selectors.EVENT_READ, ("listen", mode))
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(pidfile + ".tmp", pidfile)
    while True:
        for key, _ in sel.select():
            kind, obj = key.data
            if kind == "listen":
                s, _ = key.fileobj.accept()
                if obj == "greet421":
                    s.sendall(b"421 4.7.0 Try again later, closing\r\n")
                    s.close()
                    continue
                s.sendall(b"220 fake-mx ESMTP\r\n")
                sel.register(s, selectors.EVENT_READ, ("conn", Conn(s, obj)))
            else:
                try:
                    chunk = key.fileobj.recv(65536)
                except OSError:
                    chunk = b""
                if not chunk or not obj.feed(chunk):
                    sel.unregister(key.fileobj)
                    key.fileobj.close()


if __name__ == "__main__":
    main()
