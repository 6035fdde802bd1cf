#!/usr/bin/env python3
"""tests/receivers/smtp_receiver.py - a minimal SMTP server for the channel tests.

Listens on 127.0.0.1, port chosen by the system, and prints the port on the
first line of stdout.  Speaks just enough SMTP for libcurl: EHLO/HELO, MAIL
FROM, RCPT TO, DATA, RSET, NOOP, QUIT.  Appends one JSON line per event to
the log file given as the first argument:
  {"event": "rcpt", "addr": ..., "code": 250}
  {"event": "message", "mail_from": ..., "rcpt_to": [...], "data": ...}
("data" is the message as sent, dot-stuffing undone, CRLF kept).

RCPT answers are scripted by the recipient's local part (a count per address):
  code-550@x        always 550
  code-451-250@x    451 the first time, then 250 (the last code forever)
  anything else     250
--rcpt CODES sets the script for every other address (default 250).

    smtp_receiver.py LOG [--rcpt 451,250]

Python 3 standard library only (smtpd is deprecated, so no smtpd).
"""
import argparse
import json
import re
import socketserver
import sys
import threading

MESSAGES = {
    250: "OK",
    451: "Requested action aborted: try again later",
    550: "Mailbox unavailable",
}


def address(arg):
    m = re.search(r"<([^>]*)>", arg)
    return m.group(1) if m else arg.split(":", 1)[-1].strip()


class Session(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())
        self.wfile.flush()

    def log(self, entry):
        with self.server.lock:
            with open(self.server.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")

    def reset(self):
        self.mail_from = None
        self.rcpt_to = []

    def handle(self):
        self.reset()
        self.reply("220 localhost ESMTP muster-test")
        for raw in self.rfile:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            verb = line[:4].upper()
            if not self.command(verb, line):
                return

    def command(self, verb, line):
        if verb == "EHLO":
            self.reply("250-localhost\r\n250-8BITMIME\r\n250 SIZE 10485760")
        elif verb == "HELO":
            self.reply("250 localhost")
        elif verb == "MAIL":
            self.reset()
            self.mail_from = address(line)
            self.reply("250 OK")
        elif verb == "RCPT":
            self.rcpt(address(line))
        elif verb == "DATA":
            self.data()
        elif verb in ("RSET", "NOOP"):
            if verb == "RSET":
                self.reset()
            self.reply("250 OK")
        elif verb == "QUIT":
            self.reply("221 bye")
            return False
        else:
            self.reply("502 command not implemented")
        return True

    def rcpt(self, addr):
        code = self.server.next_code(addr)
        self.log({"event": "rcpt", "addr": addr, "code": code})
        if code == 250:
            self.rcpt_to.append(addr)
        self.reply("%d %s" % (code, MESSAGES.get(code, "scripted")))

    def data(self):
        if self.mail_from is None or not self.rcpt_to:
            self.reply("503 need MAIL and RCPT first")
            return
        self.reply("354 end with <CRLF>.<CRLF>")
        lines = []
        for raw in self.rfile:
            if raw in (b".\r\n", b".\n"):
                break
            if raw.startswith(b".."):
                raw = raw[1:]
            lines.append(raw)
        data = b"".join(lines).decode("utf-8", errors="replace")
        self.log({"event": "message", "mail_from": self.mail_from,
                  "rcpt_to": self.rcpt_to, "data": data})
        self.reply("250 OK queued")
        self.reset()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, log, script):
        super().__init__(("127.0.0.1", 0), Session)
        self.log = log
        self.script = script
        self.lock = threading.Lock()
        self.counts = {}

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            super().handle_error(request, client_address)  # clients that hang up are normal

    def next_code(self, addr):
        script = self.script
        m = re.match(r"code-([0-9-]+)@", addr)
        if m:
            script = [int(c) for c in m.group(1).split("-")]
        with self.lock:
            n = self.counts.get(addr, 0)
            self.counts[addr] = n + 1
        return script[min(n, len(script) - 1)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("log")
    p.add_argument("--rcpt", default="250")
    a = p.parse_args()
    server = Server(a.log, [int(c) for c in a.rcpt.split(",")])
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
