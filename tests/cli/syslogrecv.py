#!/usr/bin/env python3
"""syslogrecv.py SOCKET OUT SECS: be the system log for the cli case
posix_log_syslog: bind the unix datagram socket SOCKET (syslog(3)'s
/dev/log) and append each message received, one a line, to OUT, for SECS
seconds or until a message holding "Exit status" came."""
import socket
import sys
import time

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".up", "w").close()
end = time.monotonic() + float(sys.argv[3])
with open(sys.argv[2], "w") as out:
    while time.monotonic() < end:
        s.settimeout(max(0.1, end - time.monotonic()))
        try:
            msg = s.recv(65536)
        except socket.timeout:
            break
        out.write(msg.decode("utf-8", "replace").rstrip("\n") + "\n")
        out.flush()
        if b"Exit status" in msg:
            break
