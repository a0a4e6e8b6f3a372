#!/usr/bin/env python3
"""Peers for the session cases (tests/session/cases.sh). Loopback only.
Each writes its port to PORTFILE once it listens, serves one connection,
and reports on stdout.

  peer.py silent PORTFILE     send "once\\n", then neither send nor close
  peer.py sink PORTFILE       read to EOF, print "BYTES EOF", never close
  peer.py probe PORTFILE      read to the EOF: print "BYTES EOF" (or
                              "BYTES OPEN" after 30 s of silence); send
                              "reply\\n"; close
"""
import os
import socket
import sys
import time


def listen(portfile):
    ls = socket.create_server(("127.0.0.1", 0))
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.replace(portfile + ".tmp", portfile)
    ls.settimeout(60)
    c, _ = ls.accept()
    return c


def main():
    mode, portfile = sys.argv[1], sys.argv[2]
    c = listen(portfile)
    if mode == "silent":
        c.sendall(b"once\n")
        time.sleep(30)
    elif mode == "sink":
        n = 0
        while True:
            d = c.recv(65536)
            if not d:
                break
            n += len(d)
        print("%d EOF" % n, flush=True)
        time.sleep(30)
    elif mode == "probe":
        n, state = 0, "OPEN"
        c.settimeout(30)
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    state = "EOF"
                    break
                n += len(d)
        except socket.timeout:
            pass
        print("%d %s" % (n, state), flush=True)
        c.sendall(b"reply\n")
        c.close()


main()
