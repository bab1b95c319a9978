#!/usr/bin/python3
"""dns-stub.py: a DNS server on UDP 127.0.0.1:53 for the tests, run
inside a network namespace the test created (port 53 of the host's own
loopback is never touched).

  dns-stub.py drop             read queries, never answer (a resolver
                               that hangs)
  dns-stub.py answer IPV4      answer every A question with IPV4, other
                               types with no records (NOERROR)

Prints "ready" once bound, then "query NAME TYPE" for each query.
"""
import socket
import struct
import sys


def question(pkt):
    """(name, qtype, end offset of the question) of a query"""
    off, labels = 12, []
    while True:
        n = pkt[off]
        if n == 0:
            off += 1
            break
        labels.append(pkt[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    qtype, = struct.unpack("!H", pkt[off:off + 2])
    return ".".join(labels), qtype, off + 4


def main(argv):
    mode = argv[0]
    addr = socket.inet_aton(argv[1]) if mode == "answer" else None
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 53))
    print("ready", flush=True)
    while True:
        pkt, peer = s.recvfrom(4096)
        if len(pkt) < 17:
            continue
        name, qtype, qend = question(pkt)
        print("query %s %d" % (name, qtype), flush=True)
        if mode == "drop":
            continue
        qid = pkt[:2]
        flags = 0x8180      # response, recursion desired and available
        an = b""
        if qtype == 1:
            an = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + addr
        hdr = qid + struct.pack("!HHHHH", flags, 1, 1 if an else 0, 0, 0)
        s.sendto(hdr + pkt[12:qend] + an, peer)


if __name__ == "__main__":
    main(sys.argv[1:])
