#!/usr/bin/env python3
"""Test peers for the e2e cases that need a socket behaving in a way our
own tools never do. Loopback only.

  peer.py backlog-full PORTFILE
      listen on 127.0.0.1 with a backlog of 0, fill the queue with
      connections it never accepts, write the port to PORTFILE once the
      kernel reports the queue full, then idle until killed (or 120 s): a
      connect to it can only time out.
  peer.py eof-probe PORTFILE NBYTES SECS
      accept one connection, read NBYTES, then wait up to SECS for more:
      print "EOF" if the client half-closed, "OPEN" if it did not; then
      send "reply\n" and close.
  peer.py echo PORTFILE
      serve any number of connections at once, each sending back what it
      reads; at the client's EOF half-close, then close. Until killed (or
      120 s). An echo for a Windows command under Wine, where cmd.exe has
      no binary-safe cat.
"""
import socket
import struct
import sys
import time


def write_port(path, port):
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % port)
    import os
    os.replace(path + ".tmp", path)


def backlog_full(portfile):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(0)
    port = ls.getsockname()[1]
    fillers = []
    # The accept queue takes backlog+1 connections; later SYNs are dropped.
    for _ in range(4):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(c)
    # full once the connections it holds outnumber the backlog (Linux's
    # TCP_INFO of a listener: tcpi_unacked is the queue, tcpi_sacked the
    # backlog)
    end = time.monotonic() + 30
    while True:
        queued, backlog = struct.unpack_from(
            "II", ls.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104), 24)
        if queued > backlog:
            break
        if time.monotonic() > end:
            print("backlog-full: the queue never filled", file=sys.stderr)
            return 1
        time.sleep(0.01)
    write_port(portfile, port)
    time.sleep(120)


def eof_probe(portfile, nbytes, secs):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    write_port(portfile, ls.getsockname()[1])
    ls.settimeout(60)
    c, _ = ls.accept()
    c.settimeout(30)
    got = 0
    while got < nbytes:
        b = c.recv(65536)
        if not b:
            print("SHORT %d" % got, flush=True)
            return 1
        got += len(b)
    c.settimeout(secs)
    try:
        b = c.recv(1)
        print("EOF" if not b else "EXTRA", flush=True)
    except socket.timeout:
        print("OPEN", flush=True)
    c.sendall(b"reply\n")
    c.close()
    return 0


def echo_conn(c):
    with c:
        while True:
            b = c.recv(65536)
            if not b:
                break
            c.sendall(b)
        c.shutdown(socket.SHUT_WR)


def echo(portfile):
    import threading
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    write_port(portfile, ls.getsockname()[1])
    ls.settimeout(120)
    while True:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            return 0
        threading.Thread(target=echo_conn, args=(c,), daemon=True).start()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "backlog-full":
        sys.exit(backlog_full(sys.argv[2]))
    if mode == "echo":
        sys.exit(echo(sys.argv[2]))
    if mode == "eof-probe":
        sys.exit(eof_probe(sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
    sys.exit(2)
