#!/usr/bin/env python3
"""Peers for the fault cases (tests/fault/cases.sh): sockets that behave
as a broken or hostile peer would. Loopback only. Each writes the port it
listens on to PORTFILE (atomically) once it is ready.

  peer.py hello-close PORTFILE
      a peer that talks first and leaves: accept one connection, send "hello\\n", close
      without reading, print "closed", then stay alive 5 s.
  peer.py flood PORTFILE
      accept one connection, send zeros without end and never read, until
      killed (or 120 s). Killed with unread data, its kernel resets.
  peer.py slow-reader PORTFILE OUTFILE
      accept one connection, send 4 MiB (then half-close) while reading
      nothing; once all is sent (or the send failed), read to the EOF into
      OUTFILE. Exits 1 if the reading failed (a reset destroys what was
      not read yet).
  peer.py send-reset PORTFILE SIZE SENTFILE [WATCH]
      accept one connection, send SIZE random bytes (also written to
      SENTFILE), wait until the other side has acknowledged all of them
      (and, with WATCH, until the file WATCH holds SIZE bytes: the other
      side has passed them on and waits for more), then reset the
      connection (RST). Exits 3 if the bytes were not all acknowledged
      (or passed on) within 10 s (nothing then to test).
  peer.py sink PORTFILE OUTFILE
      accept one connection and read it, adding each part read to OUTFILE
      at once (sending nothing); at its end print "EOF n" or "RESET n" (n:
      bytes read in all), or "OPEN n" after 60 s.
"""
import fcntl
import os
import socket
import struct
import sys
import termios
import threading
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
        print("closed", flush=True)
        time.sleep(5)
    elif mode == "hello-shut-reset":
        # "hello\n", then our EOF; once the file argv[3] exists, a reset
        # (what we were sent is left unread)
        c.sendall(b"hello\n")
        c.shutdown(socket.SHUT_WR)
        print("shut", flush=True)
        end = time.time() + 20
        while not os.path.exists(sys.argv[3]) and time.time() < end:
            time.sleep(0.01)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        c.close()
        print("reset", flush=True)
        time.sleep(5)
    elif mode == "slow-reader":
        def send():
            try:
                c.sendall(bytes(4 * 1024 * 1024))
                c.shutdown(socket.SHUT_WR)
            except OSError as e:
                print("slow-reader: send: %s" % e, file=sys.stderr)
        t = threading.Thread(target=send)
        t.start()
        t.join(60)
        got = []
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                got.append(d)
        except OSError as e:
            print("slow-reader: recv after %d bytes: %s"
                  % (sum(map(len, got)), e), file=sys.stderr)
            sys.exit(1)
        finally:
            with open(sys.argv[3], "wb") as f:
                f.write(b"".join(got))
        t.join(30)
    elif mode == "send-reset":
        data = os.urandom(int(sys.argv[3]))
        with open(sys.argv[4], "wb") as f:
            f.write(data)
        c.sendall(data)
        end = time.time() + 10
        while True:
            # bytes sent and not yet acknowledged
            left = struct.unpack("i", fcntl.ioctl(
                c.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]
            if left == 0:
                break
            if time.time() > end:
                print("send-reset: %d bytes never acknowledged" % left,
                      file=sys.stderr)
                sys.exit(3)
            time.sleep(0.01)
        while len(sys.argv) > 5:
            try:
                if os.path.getsize(sys.argv[5]) >= len(data):
                    break
            except OSError:
                pass
            if time.time() > end:
                print("send-reset: %s never got the bytes" % sys.argv[5],
                      file=sys.stderr)
                sys.exit(3)
            time.sleep(0.01)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        c.close()
    elif mode == "sink":
        total, end = 0, "OPEN"
        c.settimeout(60)
        with open(sys.argv[3], "ab", buffering=0) as out:
            while True:
                try:
                    got = c.recv(65536)
                except ConnectionResetError:
                    end = "RESET"
                    break
                except socket.timeout:
                    break
                if not got:
                    end = "EOF"
                    break
                out.write(got)
                total += len(got)
        print("%s %d" % (end, total), flush=True)
    elif mode == "flood":
        block = bytes(65536)
        end = time.time() + 120
        while time.time() < end:
            c.sendall(block)
    else:
        sys.exit("peer.py: unknown mode " + mode)


if __name__ == "__main__":
    main()
