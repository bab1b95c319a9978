#!/usr/bin/python3
"""A loopback HTTP server standing in for an SMS gateway in the tests.

Every request is appended as one JSON line to --log (method, path, query,
form or JSON body, headers, and the mode that answered it), before the
answer is sent, so a test sees even requests it made hang.

Modes, switchable at run time with GET /_control?mode=M or by writing M
into --mode-file (read on every request):
  ok        202 "0: Accepted for delivery" (Kannel's answer)
  500       500 "internal error"
  hang      sleep --hang seconds (past the sender's timeout), then 200
  errbody   200 "ERROR: invalid credentials" (a gateway that says 200
            but means no)
  429       429 "slow down"
  400       400 "bad number" (a permanent refusal)
"Down" is the server stopped; the test kills it by pid.

Binds 127.0.0.1 only. With --port 0 it picks a free port; the port is
written to --port-file once the socket listens (the readiness signal).
Python standard library only.
"""
import argparse
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("ok", "500", "hang", "errbody", "429", "400")


class State:
    def __init__(self, args):
        self.args = args
        self.mode = args.mode
        self.lock = threading.Lock()

    def current_mode(self):
        path = self.args.mode_file
        if path and os.path.exists(path):
            with open(path) as f:
                m = f.read().strip()
            if m in MODES:
                return m
        return self.mode

    def record(self, entry):
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True)
        with self.lock:
            with open(self.args.log, "a", encoding="utf-8") as f:
                f.write(line + "\n")
                f.flush()
                os.fsync(f.fileno())


class Handler(BaseHTTPRequestHandler):
    server_version = "fake-sms-gateway/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def _answer(self, code, body):
        data = body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path == "/_control":
            m = query.get("mode", [""])[0]
            if m not in MODES:
                return self._answer(400, "unknown mode\n")
            st.mode = m
            return self._answer(200, "mode %s\n" % m)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = raw.decode("utf-8", errors="replace")
        entry = {
            "time": time.time(),
            "method": method,
            "path": url.path,
            "query": {k: v[0] for k, v in query.items()},
            "body": body,
            "content_type": self.headers.get("Content-Type", ""),
            "authorization": self.headers.get("Authorization", ""),
            "headers": {k: v for k, v in self.headers.items()},
        }
        ctype = entry["content_type"]
        if ctype.startswith("application/x-www-form-urlencoded"):
            entry["form"] = {k: v[0] for k, v in
                             urllib.parse.parse_qs(body, keep_blank_values=True).items()}
        elif ctype.startswith("application/json"):
            try:
                entry["json"] = json.loads(body)
            except ValueError as e:
                entry["json_error"] = str(e)
        mode = st.current_mode()
        entry["mode"] = mode
        st.record(entry)
        if mode == "ok":
            return self._answer(202, "0: Accepted for delivery\n")
        if mode == "500":
            return self._answer(500, "internal error\n")
        if mode == "errbody":
            return self._answer(200, "ERROR: invalid credentials\n")
        if mode == "429":
            return self._answer(429, "slow down\n")
        if mode == "400":
            return self._answer(400, "bad number\n")
        # hang: outlast the client's timeout, then answer
        time.sleep(st.args.hang)
        try:
            self._answer(200, "0: Accepted for delivery\n")
        except OSError:
            pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--mode", default="ok", choices=MODES)
    ap.add_argument("--mode-file")
    ap.add_argument("--hang", type=float, default=30.0)
    args = ap.parse_args()

    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
