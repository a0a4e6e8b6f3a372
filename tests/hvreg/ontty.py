#!/usr/bin/env python3
"""ontty.py OUT CMD ARGS...: run CMD with its stdout on a pseudo-terminal
(stdin from /dev/null, stderr inherited), copy what it writes there to the
file OUT, and exit with its status. For the cases about output meant for a
terminal."""
import os
import pty
import subprocess
import sys

master, slave = pty.openpty()
with open(os.devnull, "rb") as null:
    p = subprocess.Popen(sys.argv[2:], stdin=null, stdout=slave)
os.close(slave)
got = b""
while True:
    try:
        b = os.read(master, 65536)
    except OSError:  # EIO: the last writer closed the terminal
        break
    if not b:
        break
    got += b
with open(sys.argv[1], "wb") as f:
    f.write(got)
sys.exit(p.wait())
