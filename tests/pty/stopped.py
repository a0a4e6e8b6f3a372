#!/usr/bin/env python3
"""stopped.py MODE WORKDIR: a terminal whose output stops mid-stream
(tcflow TCOOFF, what Ctrl+S does, with nothing reading it meanwhile) as
the stdout of the tool that writes the connection's bytes to it, while the
other way must keep moving. Environment: HVCAT, HVLISTEN.

MODE listen: hvlisten -k (its event loop serves the listener too) writes
             what hvcat sends to the terminal; a line on its stdin must
             reach hvcat while the terminal is stopped.
MODE cat:    hvcat -i 60 (the event loop: a timer runs) writes what
             hvlisten sends; a line on hvcat's stdin must reach hvlisten.
MODE cat-fast: the same without -i (the two-way fast path's threads).

Then the terminal is resumed: everything arrives, byte for byte. Exit 0
on success, 1 with a message on failure, 77 when no pseudo-terminal."""
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import threading
import time
import tty

N = 1 << 20


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def wait_until(cond, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def port_of(path):
    def get():
        try:
            with open(path, "rb") as f:
                for line in f.read().decode(errors="replace").splitlines():
                    if "Listening on tcp:" in line:
                        return line.rsplit(":", 1)[1].strip()
        except OSError:
            pass
        return None
    if not wait_until(lambda: get() is not None, 30):
        fail("no listener: " + open(path, errors="replace").read())
    return get()


def contains(path, what):
    try:
        with open(path, "rb") as f:
            return what in f.read()
    except OSError:
        return False


def read_master(m, want, got, secs):
    """Read the terminal's master until got holds want bytes (or secs)."""
    end = time.monotonic() + secs
    while len(got) < want and time.monotonic() < end:
        r, _, _ = select.select([m], [], [], 0.2)
        if r:
            try:
                got.extend(os.read(m, 65536))
            except OSError:
                break
    return len(got) >= want


def main():
    mode, work = sys.argv[1], sys.argv[2]
    hvcat, hvlisten = os.environ["HVCAT"], os.environ["HVLISTEN"]
    try:
        m, s = pty.openpty()
    except OSError as e:
        print("no pseudo-terminal: %s" % e, file=sys.stderr)
        sys.exit(77)
    tty.setraw(s)  # bytes as they are: no CR added, no flow characters
    data = bytes((i * 131 + i // 4096) & 0xFF for i in range(N))
    with open(os.path.join(work, "data"), "wb") as f:
        f.write(data)
    lerr = os.path.join(work, "l.err")
    out = os.path.join(work, "peer.out")  # what the other way carried
    procs = []

    def start(argv, **kw):
        p = subprocess.Popen(argv, **kw)
        procs.append(p)
        return p

    try:
        if mode == "listen":
            # the listener writes the terminal; hvcat sends the data
            writer = start([hvlisten, "-v", "-k", "-t", "127.0.0.1", "0"],
                           stdin=subprocess.PIPE, stdout=s,
                           stderr=open(lerr, "wb"))
            port = port_of(lerr)
            other = start([hvcat, "-t", "127.0.0.1", port],
                          stdin=open(os.path.join(work, "data"), "rb"),
                          stdout=open(out, "wb"),
                          stderr=open(os.path.join(work, "c.err"), "wb"))
        else:
            # hvcat writes the terminal; the listener sends the data
            other = start([hvlisten, "-v", "-t", "127.0.0.1", "0"],
                          stdin=open(os.path.join(work, "data"), "rb"),
                          stdout=open(out, "wb"), stderr=open(lerr, "wb"))
            port = port_of(lerr)
            opts = ["-i", "60"] if mode == "cat" else []
            writer = start([hvcat] + opts + ["-t", "127.0.0.1", port],
                           stdin=subprocess.PIPE, stdout=s,
                           stderr=open(os.path.join(work, "c.err"), "wb"))
        got = bytearray()
        if not read_master(m, 4096, got, 30):
            fail("no output on the terminal")
        # Ctrl+S: the terminal takes nothing more
        termios.tcflow(s, termios.TCOOFF)
        time.sleep(0.5)
        # the other way: a line into the writing tool's stdin
        writer.stdin.write(b"ping while stopped\n")
        writer.stdin.flush()
        if not wait_until(lambda: contains(out, b"ping while stopped"), 15):
            fail("%s: the other way stalled while the terminal was "
                 "stopped (%d bytes had reached it)" % (mode, len(got)))
        if writer.poll() is not None:
            fail("%s: the tool ended (%d) while the terminal was stopped"
                 % (mode, writer.returncode))
        # Ctrl+Q: all of it arrives
        termios.tcflow(s, termios.TCOON)
        if not read_master(m, N, got, 60):
            fail("%s: %d of %d bytes reached the terminal once resumed"
                 % (mode, len(got), N))
        if bytes(got[:N]) != data:
            fail("%s: the terminal got other bytes than were sent" % mode)
        if mode == "listen":
            # the session goes on (-k): SIGTERM ends the listener
            writer.send_signal(signal.SIGTERM)
            try:
                writer.wait(10)
            except subprocess.TimeoutExpired:
                fail("listen: SIGTERM did not end the listener")
        else:
            # stdin's end: both ways done, a clean end
            writer.stdin.close()
            try:
                rc = writer.wait(20)
            except subprocess.TimeoutExpired:
                fail("%s: hvcat did not end after its stdin's EOF" % mode)
            if rc != 0:
                fail("%s: hvcat exit %d" % (mode, rc))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    print("%s: the other way moved while the terminal was stopped; %d bytes "
          "arrived once resumed" % (mode, N))


main()
