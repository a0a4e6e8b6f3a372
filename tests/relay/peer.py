#!/usr/bin/env python3
"""Peers for the relay cases (tests/relay/cases.sh). Loopback only.

  peer.py echo PORTFILE
      serve any number of connections at once, each sending back what it
      reads; at the client's EOF half-close, then close.
  peer.py clients HOST PORT N SIZE [SECS]
      N clients at once (all connect, then all send), each sending SIZE
      distinct bytes, half-closing and reading the echo (each step given
      SECS, default 120); prints "OK N"
      when every echo is exact, else how many were exact, short (EOF too
      early), different, reset, refused, timed out or failed otherwise.
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
  peer.py stuck unix PATH MARK | stuck tcp PORTFILE MARK
      a backend that accepts one connection and echoes on it, then never
      accepts again: it fills its own queue (a unix backlog of 1, a TCP
      backlog of 0) with connections it holds, and writes MARK once the
      kernel refuses more (unix: EAGAIN; TCP: TCP_INFO says the queue is
      full, so later SYNs are dropped). Until killed (or 120 s).
  peer.py pinger HOST PORT STOPFILE LIMIT
      one connection sending a numbered line every 50 ms and reading its
      echo (each given 10 s); prints "UP" after the first. Once STOPFILE
      exists, three more, then "PINGS N MAX SECS"; a round trip longer
      than LIMIT seconds prints "SLOW ..." and the exit status is 1, so is
      an echo that differs or does not come (STALL).
  peer.py probe HOST PORT SECS TEXT SHUT
      connect, send TEXT ("-": nothing), half-close after its echo if SHUT
      is 1, and wait at most SECS for the end; prints what happened, each
      in seconds from the connect: "ECHO t" (TEXT came back whole),
      "SHUT t", then "EOF t n", "RESET t n" or "OPEN t n" (n: bytes
      received in all).
  peer.py speak-first PIDFILE
      an -e command on a socket (its stdin and stdout): append its pid to
      PIDFILE, send "hello\n", shut its socket down for writing, then read
      to the end of file and exit (a server that answers first and then
      waits for its client's end).
  peer.py quiet HOST PORT SECS
      connect, read the reply to its end of file ("REPLY t TEXT"), then
      keep the connection open, sending nothing (no half-close either),
      until the other end has closed its socket ("CLOSED t": in
      /proc/net/tcp the other end's socket belongs to no process any more)
      or SECS pass ("OPEN t"); t from the reply's end of file. IPv4.
  peer.py hold HOST PORT N SECS
      N connections that send nothing; prints "HELD N" once all are made,
      then "END i EOF|RESET t" as each ends (t from the last connect), and
      "OPEN i" for each still open after SECS.
"""
import errno
import os
import selectors
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


def kind_of(e):
    """what a failed socket call says, as one word"""
    # ENOTCONN, EPIPE: a send or shutdown after the peer's reset
    if isinstance(e, ConnectionResetError) or \
            getattr(e, "errno", None) in (errno.EPIPE, errno.ENOTCONN):
        return "reset"
    if isinstance(e, ConnectionRefusedError):
        return "refused"
    if isinstance(e, socket.timeout):
        return "timeout"
    return "other"


class Gate:
    """every client connects before any sends (all at once in the relay)"""
    def __init__(self, n):
        self.n = n
        self.cv = threading.Condition()

    def arrive(self, secs):
        with self.cv:
            self.n -= 1
            self.cv.notify_all()
            self.cv.wait_for(lambda: self.n <= 0, secs)


def one_client(host, port, data, results, i, secs=120, gate=None, whys=None):
    """results[i]: "exact", "short" (EOF before the whole echo), "differs",
    or the kind of the error that ended it (whys: the first error of each
    kind)"""
    if whys is None:
        whys = {}
    err = []
    try:
        try:
            s = socket.create_connection((host, port), timeout=secs)
        finally:
            if gate:
                gate.arrive(secs)
        got = []

        def reader():
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    got.append(d)
            except OSError as e:
                err.append(e)

        t = threading.Thread(target=reader)
        t.start()
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append(e)
        t.join(secs)
        s.close()
        echo = b"".join(got)
        if err:
            raise err[0]
        if echo == data:
            results[i] = "exact"
        elif data.startswith(echo):
            results[i] = "short"
        else:
            results[i] = "differs"
    except OSError as e:
        results[i] = kind_of(e)
        whys.setdefault(results[i], "client %d: %s" % (i, e))


def clients(host, port, n, size, secs=120):
    port, n, size, secs = int(port), int(n), int(size), float(secs)
    results = [None] * n
    threads = []
    gate = Gate(n)
    whys = {}
    for i in range(n):
        # distinct data per client: its number, then random bytes
        data = struct.pack(">I", i) + os.urandom(size - 4)
        t = threading.Thread(target=one_client,
                             args=(host, port, data, results, i, secs, gate, whys))
        t.start()
        threads.append(t)
    for t in threads:
        t.join(3 * secs)
    bad = [i for i, r in enumerate(results) if r != "exact"]
    if bad:
        counts = {}
        for r in results:
            counts[r or "unfinished"] = counts.get(r or "unfinished", 0) + 1
        print("FAILED clients: %s; %s%s" % (bad[:20], ", ".join(
            "%s %d" % kv for kv in sorted(counts.items())),
            "".join("; " + w for _, w in sorted(whys.items()))))
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
    if results[0] != "exact":
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


def write_mark(path):
    with open(path + ".tmp", "w") as f:
        f.write("full\n")
    os.replace(path + ".tmp", path)


def echo_on(c):
    """echo on one connection in a thread of its own, until its EOF"""
    def serve():
        with c:
            try:
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    c.sendall(d)
                c.shutdown(socket.SHUT_WR)
            except OSError:
                pass
    threading.Thread(target=serve, daemon=True).start()


def stuck(kind, where, mark):
    fillers = []
    if kind == "unix":
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(where)
        ls.listen(1)
    else:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.bind(("127.0.0.1", 0))
        ls.listen(0)
        write_port(where, ls.getsockname()[1])
    ls.settimeout(60)
    c, _ = ls.accept()
    echo_on(c)
    if kind == "unix":
        # a unix listener queues backlog + 1 connections; the next connect
        # says EAGAIN (a blocking one waits)
        while True:
            f = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            f.setblocking(False)
            try:
                f.connect(where)
            except BlockingIOError:
                f.close()
                break
            fillers.append(f)
            if len(fillers) > 16:
                print("stuck: the unix backlog never filled", file=sys.stderr)
                return 1
    else:
        # the accept queue takes backlog + 1; later SYNs are dropped. Full
        # once TCP_INFO of the listener (tcpi_unacked: queued, tcpi_sacked:
        # the backlog) says the queue outnumbers the backlog
        port = ls.getsockname()[1]
        for _ in range(4):
            f = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            f.setblocking(False)
            try:
                f.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fillers.append(f)
        end = time.monotonic() + 30
        while True:
            queued, backlog = struct.unpack_from(
                "II", ls.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104), 24)
            if queued > backlog:
                break
            if time.monotonic() > end:
                print("stuck: the TCP queue never filled", file=sys.stderr)
                return 1
            time.sleep(0.01)
    write_mark(mark)
    time.sleep(120)
    return 0


def pinger(host, port, stopfile, limit):
    limit = float(limit)
    s = socket.create_connection((host, int(port)), timeout=10)
    t0 = time.monotonic()
    seq = 0
    worst = 0.0
    slow = []

    def ping():
        nonlocal seq, worst
        seq += 1
        line = b"ping %d\n" % seq
        t = time.monotonic()
        try:
            s.sendall(line)
            got = recv_exact(s, len(line))
        except socket.timeout:
            print("STALL: ping %d had no echo within 10 s (sent at %.2f s)"
                  % (seq, t - t0), flush=True)
            sys.exit(1)
        except OSError as e:
            print("ERROR: ping %d: %s" % (seq, e), flush=True)
            sys.exit(1)
        rtt = time.monotonic() - t
        if got != line:
            print("BAD: ping %d came back as %r" % (seq, got), flush=True)
            sys.exit(1)
        worst = max(worst, rtt)
        if rtt > limit:
            slow.append("SLOW: ping %d took %.3f s (sent at %.2f s)" % (seq, rtt, t - t0))
            print(slow[-1], flush=True)

    ping()
    print("UP", flush=True)
    end = time.monotonic() + 60
    while not os.path.exists(stopfile):
        if time.monotonic() > end:
            print("ERROR: never told to stop", flush=True)
            sys.exit(1)
        ping()
        time.sleep(0.05)
    for _ in range(3):
        ping()
    s.close()
    print("PINGS %d MAX %.3f" % (seq, worst), flush=True)
    sys.exit(1 if slow else 0)


def probe(host, port, secs, text, shut):
    secs = float(secs)
    text = b"" if text == "-" else text.encode() + b"\n"
    s = socket.create_connection((host, int(port)), timeout=10)
    t0 = time.monotonic()
    end = t0 + secs
    got = b""
    if text:
        s.sendall(text)
    echoed = False
    how = "OPEN"
    while True:
        if not echoed and text and got.startswith(text):
            echoed = True
            print("ECHO %.3f" % (time.monotonic() - t0), flush=True)
            if shut == "1":
                s.shutdown(socket.SHUT_WR)
                print("SHUT %.3f" % (time.monotonic() - t0), flush=True)
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        except OSError as e:
            how = "RESET" if kind_of(e) == "reset" else "ERROR(%s)" % e
            break
        if not d:
            how = "EOF"
            break
        got += d
    print("%s %.3f %d" % (how, time.monotonic() - t0, len(got)), flush=True)
    s.close()


def speak_first(pidfile):
    with open(pidfile, "a") as f:
        f.write("%d\n" % os.getpid())
    s = socket.socket(fileno=0)
    s.sendall(b"hello\n")
    s.shutdown(socket.SHUT_WR)
    try:
        while s.recv(65536):
            pass
    except OSError:
        pass


def peer_socket_open(s, names=None):
    """whether the far end of the IPv4 connection s still has its socket
    in a process: its line in /proc/net/tcp names an inode (a socket
    closed in FIN_WAIT2 stays listed for a while, with inode 0). names:
    (ours, theirs) taken earlier, for a socket that is no longer connected
    (both ends' FINs went)"""
    mine, far = names or (s.getsockname(), s.getpeername())

    def hexaddr(a):
        return "%s:%04X" % (socket.inet_aton(a[0])[::-1].hex().upper(), a[1])
    want = (hexaddr(far), hexaddr(mine))
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            w = line.split()
            if (w[1], w[2]) == want:
                return w[9] != "0"
    return False


def quiet(host, port, secs):
    secs = float(secs)
    s = socket.create_connection((host, int(port)), timeout=10)
    t0 = time.monotonic()
    got = b""
    s.settimeout(secs)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except socket.timeout:
        print("NOEOF %.3f %r" % (time.monotonic() - t0, got), flush=True)
        return
    except OSError as e:
        print("ERROR %.3f %s" % (time.monotonic() - t0, e), flush=True)
        return
    t1 = time.monotonic()
    print("REPLY %.3f %s" % (t1 - t0, got.decode(errors="replace").strip() or "-"),
          flush=True)
    while time.monotonic() < t1 + secs:
        if not peer_socket_open(s):
            print("CLOSED %.3f" % (time.monotonic() - t1), flush=True)
            return
        time.sleep(0.05)
    print("OPEN %.3f" % (time.monotonic() - t1), flush=True)


def flood_shut(host, port, size, secs):
    """send size bytes, half-close, read to EOF, then wait up to secs for
    the far end to close its socket: prints EOF T, then CLOSED T or OPEN T
    (T from the half-close)"""
    size, secs = int(size), float(secs)
    try:
        s = socket.create_connection((host, int(port)), timeout=10)
        names = (s.getsockname(), s.getpeername())
    except OSError as e:
        print("ERROR connecting: %s" % e, flush=True)
        return
    s.settimeout(secs)
    try:
        s.sendall(b"x" * size)
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        print("ERROR sending: %s" % e, flush=True)
        return
    t0 = time.monotonic()
    try:
        while s.recv(65536):
            pass
    except socket.timeout:
        print("NOEOF %.3f" % (time.monotonic() - t0), flush=True)
        return
    except OSError as e:
        print("ERROR %.3f %s" % (time.monotonic() - t0, e), flush=True)
        return
    print("EOF %.3f" % (time.monotonic() - t0), flush=True)
    while time.monotonic() < t0 + secs:
        if not peer_socket_open(s, names):
            print("CLOSED %.3f" % (time.monotonic() - t0), flush=True)
            return
        time.sleep(0.05)
    print("OPEN %.3f" % (time.monotonic() - t0), flush=True)


def hold(host, port, n, secs):
    n, secs = int(n), float(secs)
    sel = selectors.DefaultSelector()
    socks = []
    for i in range(n):
        s = socket.create_connection((host, int(port)), timeout=10)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
        socks.append(s)
    t0 = time.monotonic()
    print("HELD %d" % n, flush=True)
    end = t0 + secs
    open_ = set(range(n))
    while open_:
        left = end - time.monotonic()
        if left <= 0:
            break
        for key, _ in sel.select(left):
            i = key.data
            how = None
            try:
                if not key.fileobj.recv(65536):
                    how = "EOF"
            except OSError as e:
                how = "RESET" if kind_of(e) == "reset" else "ERROR(%s)" % e
            if how:
                print("END %d %s %.3f" % (i, how, time.monotonic() - t0), flush=True)
                sel.unregister(key.fileobj)
                open_.discard(i)
    for i in sorted(open_):
        print("OPEN %d" % i, flush=True)
    for s in socks:
        s.close()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "echo":
        echo(sys.argv[2])
    elif mode == "clients":
        clients(*sys.argv[2:7])
    elif mode == "waits":
        waits(*sys.argv[2:5])
    elif mode == "reset":
        reset(*sys.argv[2:5])
    elif mode == "idle":
        idle(*sys.argv[2:6])
    elif mode == "stuck":
        sys.exit(stuck(*sys.argv[2:5]))
    elif mode == "pinger":
        pinger(*sys.argv[2:6])
    elif mode == "probe":
        probe(*sys.argv[2:7])
    elif mode == "hold":
        hold(*sys.argv[2:6])
    elif mode == "speak-first":
        speak_first(sys.argv[2])
    elif mode == "flood-shut":
        flood_shut(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    elif mode == "quiet":
        quiet(*sys.argv[2:5])
    else:
        sys.exit("unknown mode " + mode)
