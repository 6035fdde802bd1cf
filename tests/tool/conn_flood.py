#!/usr/bin/env python3
# tests/tool/conn_flood.py - a peer without a key flooding a TCP endpoint:
# conn_flood.py HOST PORT COUNT opens COUNT raw TCP connections, never
# sends a byte, and holds them; every second it opens again those the
# server closed (as an attacker would).  Prints "held N" after each round.
# Runs until it is killed.
import errno
import resource
import select
import socket
import sys
import time


def open_one(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    rc = s.connect_ex((host, port))
    if rc not in (0, errno.EINPROGRESS):
        s.close()
        return None
    return s


def closed_by_peer(s):
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return False
    try:
        return s.recv(1, socket.MSG_PEEK) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True


def connected(s):
    return s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 and select.select([], [s], [], 0)[1]


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    socks = []
    while True:
        socks = [s for s in socks if not closed_by_peer(s) or s.close()]
        while len(socks) < count:
            s = open_one(host, port)
            if s is None:
                break
            socks.append(s)
        time.sleep(1)  # an attacker's pace, not a synchronisation
        held = sum(1 for s in socks if connected(s))
        print(f"held {held}", flush=True)


if __name__ == "__main__":
    main()
