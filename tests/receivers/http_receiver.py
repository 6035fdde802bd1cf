#!/usr/bin/env python3
"""tests/receivers/http_receiver.py - a webhook receiver for the channel tests.

Listens on 127.0.0.1, port chosen by the system, and prints the port on the
first line of stdout.  Every POST is logged, before it is answered, as one
JSON line {"path", "query", "headers" (lower-case names), "body"} appended to
the log file given as the first argument.

The answer is scripted per path (each distinct path keeps its own count):
  ?statuses=500,500,200   answer these statuses in turn, the last one forever
  ?delay_ms=3000          wait this long before answering
Without ?statuses the --statuses option applies (default 200).

    http_receiver.py LOG [--statuses 500,500,200] [--delay-ms N]

Python 3 standard library only.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver would

    def log_message(self, fmt, *args):  # quiet: the log file is the record
        pass

    def do_POST(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        entry = {
            "path": url.path,
            "query": url.query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        status = self.server.next_status(self.path, query)
        with self.server.lock:
            with open(self.server.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")
        delay = int(query.get("delay_ms", [self.server.delay_ms])[0])
        if delay > 0:
            time.sleep(delay / 1000.0)
        reply = json.dumps({"status": status}).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, log, statuses, delay_ms):
        super().__init__(("127.0.0.1", 0), Receiver)
        self.log = log
        self.statuses = statuses
        self.delay_ms = delay_ms
        self.lock = threading.Lock()
        self.counts = {}

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            super().handle_error(request, client_address)  # clients that hang up are normal

    def next_status(self, path, query):
        script = self.statuses
        if "statuses" in query:
            script = [int(s) for s in query["statuses"][0].split(",")]
        with self.lock:
            n = self.counts.get(path, 0)
            self.counts[path] = n + 1
        return script[min(n, len(script) - 1)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("log")
    p.add_argument("--statuses", default="200")
    p.add_argument("--delay-ms", type=int, default=0)
    a = p.parse_args()
    statuses = [int(s) for s in a.statuses.split(",")]
    server = Server(a.log, statuses, a.delay_ms)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
