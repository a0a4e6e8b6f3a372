#!/usr/bin/env python3
"""notifysend.py: a guest's readiness sender for the hvlisten --ready cases.

notifysend.py ADDR STEP...: connect to ADDR (tcp:HOST:PORT or unix:PATH)
and do each STEP in turn:
  s:TEXT  send TEXT (Python escapes: \\n, \\r, \\x1b, ...) in one write
  n:N     send N bytes of 'x' (no newline), in pieces
  p:SECS  pause (so that the next write is another segment)
  f:PATH  wait (up to 60 s) until the file PATH exists: the test's go
  c       close the connection now; a following step connects again
  e       wait (up to 60 s) for the listener's end of file; exit 3 if
          something else came or it never closed
Exits 0 when every step was done. A send the listener refuses (it has
closed) ends with exit 4.
"""
import os
import socket
import sys
import time


def connect(addr):
    kind, _, rest = addr.partition(":")
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        s = socket.create_connection((host, int(port)), timeout=60)
        # each write its own segment
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(rest)
    return s


def main():
    addr = sys.argv[1]
    s = None
    for step in sys.argv[2:]:
        if s is None and step != "c":
            s = connect(addr)
        op, _, arg = step.partition(":")
        try:
            if op == "s":
                s.sendall(arg.encode("latin-1").decode("unicode_escape")
                          .encode("latin-1"))
            elif op == "n":
                left, piece = int(arg), b"x" * 65536
                while left > 0:
                    k = min(left, len(piece))
                    s.sendall(piece[:k])
                    left -= k
            elif op == "p":
                time.sleep(float(arg))
            elif op == "f":
                for _ in range(600):
                    if os.path.exists(arg):
                        break
                    time.sleep(0.1)
                else:
                    print("notifysend: no %s" % arg, file=sys.stderr)
                    return 3
            elif op == "c":
                if s is not None:
                    s.close()
                s = None
            elif op == "e":
                got = s.recv(1)
                if got != b"":
                    print("notifysend: got %r, not the end" % got,
                          file=sys.stderr)
                    return 3
            else:
                print("notifysend: bad step %r" % step, file=sys.stderr)
                return 2
        except socket.timeout:
            print("notifysend: timed out at %r" % step, file=sys.stderr)
            return 3
        except OSError as e:
            print("notifysend: %s at %r" % (e, step), file=sys.stderr)
            return 4
    if s is not None:
        s.close()
    return 0


sys.exit(main())
