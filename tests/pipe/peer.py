#!/usr/bin/env python3
"""Peers for the pipe cases (tests/pipe/cases.sh): the other end of one
connection, which logs what it did with the time (ms since the epoch, the
clock of the script's now()) to LOG, one "EVENT MS [DETAIL]" line each.
Loopback TCP or a unix socket in the work dir only.

  peer.py listen MODE tcp PORTFILE LOG   listen on 127.0.0.1, any port
                                         (written to PORTFILE); one
                                         connection, then no listener
  peer.py listen MODE unix PATH LOG      the same on the unix socket PATH
  peer.py connect MODE tcp PORT LOG      connect (a refused or missing
  peer.py connect MODE unix PATH LOG     listener is retried for 30 s)

MODE (each logs "connected" first, and "sent" just before its line goes
out):
  greet      send "hello\\n" and stay: read and discard to the EOF ("eof
             BYTES"), never close (until killed, or 60 s)
  close      send "data\\n" and close at once ("closed")
  halfclose  send "data\\n", shut down writing ("shut"), read to the EOF
             ("got TEXT" per chunk, "eof BYTES"), then close
"""
import errno
import os
import socket
import sys
import time


def now_ms():
    return int(time.time() * 1000)


def main():
    role, mode, kind, where, logname = sys.argv[1:6]
    log = open(logname, "a", buffering=1)

    def note(event, detail=""):
        log.write("%s %d%s\n" % (event, now_ms(), " " + detail if detail else ""))

    fam = socket.AF_INET if kind == "tcp" else socket.AF_UNIX
    if role == "listen":
        ls = socket.socket(fam, socket.SOCK_STREAM)
        if kind == "tcp":
            ls.bind(("127.0.0.1", 0))
        else:
            ls.bind(where)
        ls.listen(4)
        if kind == "tcp":
            with open(where + ".tmp", "w") as f:
                f.write("%d\n" % ls.getsockname()[1])
            os.replace(where + ".tmp", where)
        note("listening")
        ls.settimeout(60)
        c, _ = ls.accept()
        ls.close()
    else:
        addr = ("127.0.0.1", int(where)) if kind == "tcp" else where
        deadline = time.time() + 30
        while True:
            c = socket.socket(fam, socket.SOCK_STREAM)
            try:
                c.connect(addr)
                break
            except OSError as e:
                c.close()
                if e.errno not in (errno.ECONNREFUSED, errno.ENOENT) or \
                        time.time() > deadline:
                    raise
                time.sleep(0.01)
    note("connected")
    line = b"hello\n" if mode == "greet" else b"data\n"
    note("sent")  # (stamped just before: a reader may get it at once)
    c.sendall(line)
    if mode == "close":
        c.close()
        note("closed")
        return
    if mode == "halfclose":
        c.shutdown(socket.SHUT_WR)
        note("shut")
    n = 0
    c.settimeout(60)
    while True:
        d = c.recv(65536)
        if not d:
            break
        n += len(d)
        if mode == "halfclose":
            note("got", d.decode("utf-8", "replace").strip())
    note("eof", str(n))
    if mode == "greet":
        time.sleep(60)
    c.close()


main()
