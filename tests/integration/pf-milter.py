#!/usr/bin/python3
"""pf-milter.py SOCKET PIDFILE: a tiny Sendmail-milter (protocol 6) for the
private Postfix of the tests, so that cleanup(8) writes the queue-file
records that only milters cause: pointer records ('p') to recipients
appended at the end of the file, cancelled recipients ('/') and a
replaced sender. Python stdlib only.

What it does, decided per message from the envelope:
  - recipient milter-add-N@...: add N recipients addN-<i>@added.example
  - recipient milter-del@...:   delete that recipient
  - sender milter-chg@...:      change the sender to changed@chg.example
Anything else passes unchanged.

Protocol (libmilter's mfdef.h): every packet is a 4-byte big-endian
length, a command byte and data. We negotiate no connect/helo/header/body
events, so Postfix sends MAIL (M), RCPT (R), macros (D, no reply), end of
message (E), abort (A, no reply) and quit (Q).
"""
import os
import socket
import struct
import sys
import threading

SMFIF_ADDRCPT, SMFIF_DELRCPT, SMFIF_CHGFROM = 0x04, 0x08, 0x40
# no connect, helo, body, headers, end-of-headers, unknown, data
PROTO = 0x01 | 0x02 | 0x10 | 0x20 | 0x40 | 0x100 | 0x200


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def send(conn, cmd, data=b""):
    conn.sendall(struct.pack(">I", len(data) + 1) + cmd + data)


def strip(addr):
    addr = addr.split(b"\0", 1)[0]
    return addr[1:-1] if addr.startswith(b"<") and addr.endswith(b">") else addr


def serve(conn):
    sender, rcpts = b"", []
    try:
        while True:
            (n,) = struct.unpack(">I", recv_exact(conn, 4))
            pkt = recv_exact(conn, n)
            cmd, data = pkt[:1], pkt[1:]
            if cmd == b"O":
                ver, _act, _proto = struct.unpack(">III", data[:12])
                send(conn, b"O", struct.pack(">III", min(ver, 6),
                     SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_CHGFROM, PROTO))
            elif cmd == b"M":
                sender, rcpts = strip(data), []
                send(conn, b"c")
            elif cmd == b"R":
                rcpts.append(strip(data))
                send(conn, b"c")
            elif cmd == b"E":
                for r in rcpts:
                    local = r.split(b"@", 1)[0]
                    if local.startswith(b"milter-add-"):
                        n_add = int(local[len(b"milter-add-"):])
                        for i in range(n_add):
                            send(conn, b"+", b"<add%d-%d@added.example>\0"
                                 % (n_add, i))
                    elif local == b"milter-del":
                        send(conn, b"-", b"<" + r + b">\0")
                if sender.startswith(b"milter-chg@"):
                    send(conn, b"e", b"<changed@chg.example>\0")
                send(conn, b"c")
            elif cmd in (b"D", b"A"):
                pass
            elif cmd in (b"Q", b"K"):
                break
            else:
                send(conn, b"c")
    except (EOFError, ConnectionError):
        pass
    finally:
        conn.close()


def main():
    path, pidfile = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.chmod(path, 0o777)   # cleanup runs as the postfix user
    srv.listen(16)
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(pidfile + ".tmp", pidfile)   # readiness: socket is listening
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
