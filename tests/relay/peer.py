#!/usr/bin/env python3
"""Peers for the relay cases (tests/relay/cases.sh). Loopback only.

  peer.py echo PORTFILE
      serve any number of connections at once, each sending back what it
      reads; at the client's EOF half-close, then close.
  peer.py clients HOST PORT N SIZE
      N clients at once, each sending SIZE distinct bytes, half-closing and
      reading the echo; prints "OK N" when every echo is exact.
  peer.py waits HOST PORT MAX
      MAX clients that each get one byte echoed and then stay; one more
      must get no echo while they stay (it waits, it is not refused), and
      its echo once one of them has gone. Prints "OK".
  peer.py reset HOST PORT WATCH
      connect, send a line, and once the file WATCH holds it (the far
      side has it), reset the connection (RST).
  peer.py idle HOST PORT N SIZE
      N clients that each get one byte echoed and then stay idle while one
      more sends SIZE random bytes and reads their echo; then each idle one
      sends its number, reads it back and the EOF after its half-close.
      Prints "OK" when every echo is exact.
"""
import os
import socket
import struct
import sys
import threading
import time


def write_port(path, port):
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.replace(path + ".tmp", path)


def echo(portfile):
    ls = socket.create_server(("127.0.0.1", 0), backlog=512)
    write_port(portfile, ls.getsockname()[1])

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


def one_client(host, port, data, results, i):
    try:
        s = socket.create_connection((host, port), timeout=120)
        got = []

        def reader():
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got.append(d)

        t = threading.Thread(target=reader)
        t.start()
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        t.join(120)
        s.close()
        results[i] = b"".join(got) == data
    except OSError as e:
        print("client %d: %s" % (i, e), file=sys.stderr)
        results[i] = False


def clients(host, port, n, size):
    port, n, size = int(port), int(n), int(size)
    results = [None] * n
    threads = []
    for i in range(n):
        # distinct data per client: its number, then random bytes
        data = struct.pack(">I", i) + os.urandom(size - 4)
        t = threading.Thread(target=one_client,
                             args=(host, port, data, results, i))
        t.start()
        threads.append(t)
    for t in threads:
        t.join(300)
    bad = [i for i, ok in enumerate(results) if not ok]
    if bad:
        print("FAILED clients: %s" % bad[:20])
        sys.exit(1)
    print("OK %d" % n)


def waits(host, port, maxc):
    port, maxc = int(port), int(maxc)
    held = []
    for i in range(maxc):
        s = socket.create_connection((host, port), timeout=30)
        s.sendall(b"x")
        if s.recv(1) != b"x":
            print("held client %d got no echo" % i)
            sys.exit(1)
        held.append(s)
    extra = socket.create_connection((host, port), timeout=30)
    extra.sendall(b"y")
    extra.settimeout(1.0)
    try:
        d = extra.recv(1)
        print("client %d was served beyond the limit (got %r)" % (maxc + 1, d))
        sys.exit(1)
    except socket.timeout:
        pass
    held.pop().close()
    extra.settimeout(30)
    if extra.recv(1) != b"y":
        print("the waiting client was not served once a slot was free")
        sys.exit(1)
    print("OK")


def recv_exact(s, n):
    got = b""
    while len(got) < n:
        d = s.recv(n - len(got))
        if not d:
            break
        got += d
    return got


def idle(host, port, n, size):
    port, n, size = int(port), int(n), int(size)
    held = []
    for i in range(n):
        s = socket.create_connection((host, port), timeout=60)
        s.sendall(b"i")
        if recv_exact(s, 1) != b"i":
            print("idle client %d got no echo" % i)
            sys.exit(1)
        held.append(s)
    results = [None]
    one_client(host, port, os.urandom(size), results, 0)
    if not results[0]:
        print("the busy client's echo differs (%d idle beside it)" % n)
        sys.exit(1)
    for i, s in enumerate(held):
        tag = struct.pack(">I", i)
        s.sendall(tag)
        s.shutdown(socket.SHUT_WR)
        if recv_exact(s, 4) != tag or s.recv(1) != b"":
            print("idle client %d: no exact echo and EOF after the busy one" % i)
            sys.exit(1)
        s.close()
    print("OK")


def reset(host, port, watch):
    line = b"some data before the reset\n"
    s = socket.create_connection((host, int(port)), timeout=30)
    s.sendall(line)
    end = time.monotonic() + 30
    while True:
        try:
            with open(watch, "rb") as f:
                if line in f.read():
                    break
        except OSError:
            pass
        if time.monotonic() > end:
            print("reset: %s never got the line" % watch, file=sys.stderr)
            sys.exit(1)
        time.sleep(0.01)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "echo":
        echo(sys.argv[2])
    elif mode == "clients":
        clients(*sys.argv[2:6])
    elif mode == "waits":
        waits(*sys.argv[2:5])
    elif mode == "reset":
        reset(*sys.argv[2:5])
    elif mode == "idle":
        idle(*sys.argv[2:6])
    else:
        sys.exit("unknown mode " + mode)
