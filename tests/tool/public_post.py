#!/usr/bin/env python3
"""tests/tool/public_post.py - drives muster-web's public door over HTTPS
the way a person's browser, a script or an SMS gateway would (the
certificate is the test's own, not checked).

  public_post.py form URL              the form's challenge t (stdout)
  public_post.py age T                 seconds since t was issued
  public_post.py post URL BODY [H=V]   one POST of BODY (form-encoded);
                                       prints the status, then the page
  public_post.py flood URL BODY N [CONNS]
                                       N POSTs over CONNS keep-alive
                                       connections (default 4); prints
                                       {"status": count, ...} as JSON
  public_post.py rate URL BODY PER_S SECONDS [SOURCES]
                                       PER_S POSTs a second for SECONDS from
                                       SOURCES loopback addresses (127.0.1.1
                                       ...; default 1); counts as flood
  public_post.py hook URL SECRET JSON  a signed hook call; status, body
"""
import base64
import collections
import hashlib
import hmac
import http.client
import json
import re
import ssl
import sys
import threading
import time
import urllib.parse

CTX = ssl._create_unverified_context()


def conn_for(url, source=None):
    u = urllib.parse.urlsplit(url)
    src = (source, 0) if source else None
    return http.client.HTTPSConnection(u.hostname, u.port, context=CTX, timeout=60,
                                       source_address=src), u


def request(conn, u, method, body=None, headers=None):
    path = u.path + ("?" + u.query if u.query else "")
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    return r.status, r.read().decode("utf-8", "replace")


def form(url):
    conn, u = conn_for(url)
    status, page = request(conn, u, "GET")
    m = re.search(r'name="t" value="([A-Za-z0-9_-]+)"', page)
    if status != 200 or not m:
        sys.exit(f"no form at {url}: {status}")
    print(m.group(1))


def age(t):
    raw = base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))
    print(int(time.time()) - int.from_bytes(raw[:8], "big"))


def post(url, body, *headers):
    conn, u = conn_for(url)
    h = dict(x.split("=", 1) for x in headers)
    status, page = request(conn, u, "POST", body.encode(), h)
    print(status)
    print(page)


def worker(url, body, n, counts, lock):
    conn, u = conn_for(url)
    for _ in range(n):
        try:
            status, _ = request(conn, u, "POST", body.encode())
        except (http.client.HTTPException, OSError):
            conn.close()
            conn, u = conn_for(url)
            status = "error"
        with lock:
            counts[str(status)] += 1


def flood(url, body, n, conns=4):
    n, conns = int(n), int(conns)
    counts, lock = collections.Counter(), threading.Lock()
    threads = [threading.Thread(target=worker, args=(url, body, n // conns + (i < n % conns),
                                                     counts, lock)) for i in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(counts, sort_keys=True))


def pacer(url, body, per_s, seconds, sources, counts, lock):
    """per_s POSTs a second, in turn from each of sources (addresses)."""
    conns = {}
    start, sent = time.monotonic(), 0
    while time.monotonic() - start < seconds:
        due = int((time.monotonic() - start) * per_s) + 1
        while sent < due:
            src = sources[sent % len(sources)]
            if src not in conns:
                conns[src] = conn_for(url, src)
            conn, u = conns[src]
            try:
                status, _ = request(conn, u, "POST", body.encode())
            except (http.client.HTTPException, OSError):
                conn.close()
                del conns[src]
                status = "error"
            with lock:
                counts[str(status)] += 1
            sent += 1
        time.sleep(0.001)  # pacing the load generator, not synchronising a test


def rate(url, body, per_s, seconds, nsources=1):
    per_s, seconds, nsources = int(per_s), float(seconds), int(nsources)
    sources = [f"127.0.{1 + i // 250}.{1 + i % 250}" for i in range(nsources)]
    counts, lock = collections.Counter(), threading.Lock()
    threads = [threading.Thread(target=pacer, args=(url, body, per_s / 4, seconds, sources[i::4] or sources,
                                                    counts, lock)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(counts, sort_keys=True))


def hook(url, secret, body):
    ts = str(int(time.time()))
    sig = hmac.new(secret.encode(), f"{ts}.".encode() + body.encode(), hashlib.sha256).hexdigest()
    conn, u = conn_for(url)
    status, page = request(conn, u, "POST", body.encode(),
                           {"Content-Type": "application/json", "X-Muster-Timestamp": ts,
                            "X-Muster-Signature": "sha256=" + sig})
    print(status)
    print(page)


if __name__ == "__main__":
    cmds = {"form": form, "age": age, "post": post, "flood": flood, "rate": rate, "hook": hook}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])
