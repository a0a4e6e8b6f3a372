#!/usr/bin/env python3
"""Peers for the systemd cases (tests/systemd/cases.sh). Loopback only.

  peer.py port
      print a TCP port of 127.0.0.1 that was free a moment ago (for a
      launcher that takes no port 0)
  peer.py echo PORTFILE
      a TCP echo server on 127.0.0.1: each connection gets back what it
      sends, then the half-close; its port written to PORTFILE.
  peer.py clients tcp:HOST:PORT|unix:PATH N SIZE
      N clients at once: all connect, then all send SIZE bytes of their
      own, half-close and read the echo. Prints "OK N" when every echo is
      exact, else what went wrong (exit 1).
  peer.py notify ADDR LOG
      the service manager's end of sd_notify(3): a unix datagram socket at
      ADDR (a path, or @name in the abstract namespace). LOG.bound appears
      once it is bound; each datagram is a line of LOG, "SECS TEXT" (SECS
      from the bind, TEXT's newlines as '|'). At READY=1 whose STATUS=
      names "tcp:HOST:PORT", a connect to it at once, logged as "SECS
      CONNECT OK" or "SECS CONNECT FAIL why". Until killed (or 300 s).
  peer.py send ADDR TEXT
      one datagram TEXT to the unix socket ADDR (a mark in notify's LOG).
"""
import os
import socket
import sys
import threading
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def echo(portfile):
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(512)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.replace(portfile + ".tmp", portfile)

    def serve(c):
        with c:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
            c.shutdown(socket.SHUT_WR)

    ls.settimeout(300)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def connect(addr, secs):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(secs)
        s.connect(addr[5:])
        return s
    host, port = addr[4:].rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=secs)


def clients(addr, n, size, secs=120.0):
    n, size = int(n), int(size)
    results = ["unfinished"] * n
    all_in = threading.Barrier(n)

    def one(i):
        data = i.to_bytes(4, "big") + os.urandom(size - 4)
        try:
            s = connect(addr, secs)
        except OSError as e:
            results[i] = "connect: %s" % e
            all_in.abort()
            return
        try:
            all_in.wait(secs)
        except threading.BrokenBarrierError:
            pass
        got = []
        errs = []

        def reader():
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        return
                    got.append(d)
            except OSError as e:
                errs.append(e)

        r = threading.Thread(target=reader)
        r.start()
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            errs.append(e)
        r.join(secs)
        s.close()
        back = b"".join(got)
        if errs:
            results[i] = "error: %s" % errs[0]
        elif back == data:
            results[i] = "exact"
        else:
            results[i] = "echo of %d bytes, not the %d sent" % (len(back),
                                                               len(data))

    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(3 * secs)
    bad = [(i, r) for i, r in enumerate(results) if r != "exact"]
    if bad:
        print("FAILED %d of %d: %s" % (len(bad), n, "; ".join(
            "client %d %s" % b for b in bad[:5])))
        sys.exit(1)
    print("OK %d" % n)


def notify(addr, log):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
    t0 = time.monotonic()
    out = open(log, "a", buffering=1)
    open(log + ".bound", "w").close()
    s.settimeout(300)
    while True:
        try:
            d = s.recv(65536).decode("utf-8", "replace")
        except socket.timeout:
            return
        t = time.monotonic() - t0
        out.write("%.3f %s\n" % (t, d.replace("\n", "|")))
        lines = d.split("\n")
        if "READY=1" not in lines:
            continue
        for line in lines:
            if line.startswith("STATUS=") and " tcp:" in line:
                where = "tcp:" + line.split(" tcp:", 1)[1].split()[0]
                try:
                    connect(where, 10).close()
                    out.write("%.3f CONNECT OK\n" % (time.monotonic() - t0))
                except OSError as e:
                    out.write("%.3f CONNECT FAIL %s\n" %
                              (time.monotonic() - t0, e))


def send(addr, text):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(text.encode(), "\0" + addr[1:] if addr.startswith("@") else addr)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "port":
        free_port()
    elif mode == "echo":
        echo(sys.argv[2])
    elif mode == "clients":
        clients(*sys.argv[2:5])
    elif mode == "notify":
        notify(*sys.argv[2:4])
    elif mode == "send":
        send(*sys.argv[2:4])
    else:
        sys.exit("unknown mode " + mode)
