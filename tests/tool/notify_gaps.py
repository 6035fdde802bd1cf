#!/usr/bin/env python3
"""Listen on a systemd notify socket and record the daemon's watchdog pings.

    notify_gaps.py SOCKET OUT

After every WATCHDOG=1 datagram OUT is rewritten as "pings N max_gap_ms M":
the number of pings seen and the longest time between two of them.  systemd
kills a service whose pings stop for WatchdogSec, so M must stay below it.
"""
import os
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
pings, last, worst = 0, None, 0.0
while True:
    data = sock.recv(4096)
    if b"WATCHDOG=1" not in data:
        continue
    now = time.monotonic()
    if last is not None:
        worst = max(worst, now - last)
    last = now
    pings += 1
    with open(out + ".tmp", "w") as f:
        f.write("pings %d max_gap_ms %d\n" % (pings, int(worst * 1000)))
    os.replace(out + ".tmp", out)
