#!/usr/bin/env python3
"""Peers for the fault cases (tests/fault/cases.sh): sockets that behave
as a broken or hostile peer would. Loopback only. Each writes the port it
listens on to PORTFILE (atomically) once it is ready.

  peer.py hello-close PORTFILE
      issue 11's defect 0: accept one connection, send "hello\\n", close
      without reading, then stay alive 5 s.
  peer.py flood PORTFILE
      accept one connection, send zeros without end and never read, until
      killed (or 120 s). Killed with unread data, its kernel resets.
"""
import os
import socket
import sys
import time


def listen(portfile):
    s = socket.create_server(("127.0.0.1", 0))
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.replace(portfile + ".tmp", portfile)
    return s


def main():
    mode, portfile = sys.argv[1], sys.argv[2]
    s = listen(portfile)
    c, _ = s.accept()
    if mode == "hello-close":
        c.sendall(b"hello\n")
        c.close()
        time.sleep(5)
    elif mode == "flood":
        block = bytes(65536)
        end = time.time() + 120
        while time.time() < end:
            c.sendall(block)
    else:
        sys.exit("peer.py: unknown mode " + mode)


if __name__ == "__main__":
    main()
