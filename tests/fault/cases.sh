#!/bin/bash
# shellcheck disable=SC2154 # work, case_name (e2e-lib.sh), rc, src (wait_pid)
# Fault cases over TCP loopback, run in CI:
# what our tools do when the peer, the OS or the plumbing around them
# misbehaves. One case per run: cases.sh NAME runs the function case_NAME.
# Every case states the CORRECT behaviour; tests/fault.cmake makes each
# "case_NAME() {" line at the start of a line the ctest entry fault.NAME.
# Environment: HVCAT, HVLISTEN (the tools), or HV_CLIENT / HV_SERVER
# (tests/lib/e2e-lib.sh). Exit 0 pass, 1 fail, 77 skipped.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/e2e-lib.sh
. "$here/../lib/e2e-lib.sh"
PEER="python3 $here/peer.py"

# now_ms: a monotonic-enough clock in milliseconds
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# alive PID: 0 while PID runs (a zombie, unreaped by an init that does not
# reap, counts as ended)
alive() {
    local st
    st=$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
ended() { ! alive "$1"; }

# reads PID: the read(2) calls PID has made so far (all its threads)
reads() { sed -n 's/^syscr: //p' "/proc/$1/io" 2>/dev/null; }

# cpu_ms PID: user + system CPU time PID has used so far, in milliseconds
cpu_ms() {
    local f
    f=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    # fields after "pid (comm) ": state is 1, utime 12, stime 13
    set -- $f
    echo $(((${12} + ${13}) * 1000 / $(getconf CLK_TCK)))
}

# children PID: the processes whose parent is PID (from /proc: no procps)
children() {
    local f
    for f in /proc/[0-9]*/stat; do
        sed -n "s/^\([0-9]*\) (.*) [A-Z] $1 .*/\1/p" "$f" 2>/dev/null
    done
}

# descendants PID: every process below PID, children first
descendants() {
    local c
    for c in $(children "$1"); do
        echo "$c"
        descendants "$c"
    done
}

# peer MODE: start tests/fault/peer.py MODE in the background (its stdout
# in $work/peer.out); sets PPID_ and PEER_PORT
peer() {
    rm -f "$work/peer.port"
    $PEER "$1" "$work/peer.port" "${@:2}" >"$work/peer.out" 2>"$work/peer.err" &
    PPID_=$!
    pids="$pids $PPID_"
    wait_size "$work/peer.port" 2 30 || fail "peer $1 did not start"
    PEER_PORT=$(cat "$work/peer.port")
}

# held_fifo NAME FD: a fifo $work/NAME kept open for writing on FD by this
# shell, so that a reader sees no data and no EOF until FD is closed (start
# the reader with FD>&-, or it holds the fifo open itself)
held_fifo() {
    mkfifo "$work/$1"
    eval "exec $2<>\"\$work/\$1\""
}

# endless NAME: a fifo $work/NAME fed with zeros without end
endless() {
    mkfifo "$work/$1"
    (head -c 4G /dev/zero >"$work/$1") 2>/dev/null &
    pids="$pids $!"
}

# term_in_session PID RCFILE: once the listener ($work/srv.err) has the
# connection of the client PID and PID waits in its session, end PID with
# SIGTERM (as timeout(1) does); its exit status into RCFILE, or "none"
# when it never got that far
term_in_session() {
    if wait_for "$work/srv.err" "Connection from" 30 && wait_asleep "$1" 10; then
        kill -TERM "$1"
        wait "$1"
        echo $? >"$2"
    else
        echo none >"$2"
    fi
}

# ended_within PID MS WHAT: PID (our child) exits within MS ms of now;
# sets rc. A hang (10 s) or a slow end fails.
ended_within() {
    local t0 dt
    t0=$(now_ms)
    wait_pid "$1" 10 rc || fail "$3: still running 10 s later (hang)"
    dt=$(($(now_ms) - t0))
    [ "$dt" -le "$2" ] || fail "$3: took $dt ms (limit $2 ms), exit $rc"
}

# ---------------------------------------------------------------- peer killed

case_kill9_peer_receiving() {
    # we send without end; the receiving peer is killed -9 mid-stream:
    # exit 74 within 1 s, never a hang
    start_server srv /dev/null -d
    endless cli.in
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/cli.in" >/dev/null 2>"$work/cli.err" &
    local cpid=$!
    pids="$pids $cpid"
    wait_size "$work/srv.out" 1000000 30 || fail "no data flowed"
    kill -9 "$SPID"
    ended_within "$cpid" 1000 "sender after its peer was killed"
    [ "$rc" -eq 74 ] || fail "exit $rc, expected 74"
}

case_kill9_peer_sending() {
    # the peer sends without end and never reads what we sent it; killed
    # -9 mid-stream (its kernel resets: our bytes are unread): we receive,
    # and must exit 74 within 1 s, not 0 (the stream did not end cleanly)
    peer flood
    held_fifo cli.in 3
    printf 'unread by the peer\n' >&3
    $CLIENT -t 127.0.0.1 "$PEER_PORT" <"$work/cli.in" >"$work/cli.out" 2>"$work/cli.err" 3>&- &
    local cpid=$!
    pids="$pids $cpid"
    wait_size "$work/cli.out" 1000000 30 || fail "no data flowed"
    kill -9 "$PPID_"
    ended_within "$cpid" 1000 "receiver after its peer was killed"
    exec 3>&-
    [ "$rc" -eq 74 ] || fail "exit $rc, expected 74"
}

case_defect0_peer_closed_stdin_sends() {
    # a peer that talks first and leaves (on a free port):
    # the peer sends "hello\n" and closes without reading; later (there:
    # a second; here: once the peer has closed and hvcat has its line) our
    # stdin still sends "more": nobody receives it, so not exit 0. stdin
    # stays open until hvcat ends. --wait-stdin keeps sending stdin after
    # the peer's EOF (by default the gone-peer rule ends the session first:
    # defect0_gone_peer_default below)
    peer hello-close
    mkfifo "$work/in"
    $CLIENT -v --wait-stdin -t 127.0.0.1 "$PEER_PORT" <"$work/in" >"$work/cli.out" 2>"$work/cli.err" &
    local cpid=$!
    pids="$pids $cpid"
    { wait_for "$work/peer.out" closed 10 && wait_for "$work/cli.out" hello 10
      echo more
      e2e_lib_poll 15 ended "$cpid"; } >"$work/in" &
    pids="$pids $!"
    wait_pid "$cpid" 15 rc || fail "hvcat hung"
    [ "$(cat "$work/cli.out")" = hello ] || fail "received '$(cat "$work/cli.out")'"
    [ "$rc" -eq 74 ] || fail "exit $rc, expected 74 (data loss reported as success): $(cat "$work/cli.err")"
}

case_defect0_gone_peer_default() {
    # the same peer without --wait-stdin: the session ends 0.5 s after the
    # peer's EOF while stdin idles (TCP cannot tell a close from a
    # half-close), so "more", sent once hvcat has ended, is never read: it
    # stays with its writer, which learns of our end (EPIPE), and nothing
    # we took is lost
    peer hello-close
    mkfifo "$work/in"
    $CLIENT -t 127.0.0.1 "$PEER_PORT" <"$work/in" >"$work/cli.out" 2>"$work/cli.err" &
    local cpid=$!
    pids="$pids $cpid"
    { trap "" PIPE
      e2e_lib_poll 15 ended "$cpid"
      echo more 2>/dev/null || echo "writer: EPIPE" >"$work/writer"; } >"$work/in" &
    pids="$pids $!"
    wait_pid "$cpid" 15 rc || fail "hvcat hung"
    [ "$(cat "$work/cli.out")" = hello ] || fail "received '$(cat "$work/cli.out")'"
    [ "$rc" -eq 0 ] || fail "exit $rc, expected 0: $(cat "$work/cli.err")"
    wait_for "$work/writer" EPIPE 5 || fail "stdin's writer was not told that nobody reads"
}

case_kill9_peer_while_stdin_idles() {
    # defect 0's second form: the peer reads our first line, then is killed
    # -9 while our stdin idles; once it is gone stdin sends more, which
    # nobody receives: not exit 0 (with --wait-stdin; without it the
    # session ends first, as above). stdin stays open until hvcat ends
    start_server srv /dev/null -d
    mkfifo "$work/in"
    $CLIENT --wait-stdin -t 127.0.0.1 "$PORT" <"$work/in" >/dev/null 2>"$work/cli.err" &
    local cpid=$!
    pids="$pids $cpid"
    { echo first
      wait_size "$work/killed" 1 15 && echo more
      e2e_lib_poll 15 ended "$cpid"; } >"$work/in" &
    pids="$pids $!"
    wait_for "$work/srv.out" first 10 || fail "the first line did not arrive"
    kill -9 "$SPID"
    wait_pid "$SPID" 10 src || fail "the killed listener did not end"
    echo killed >"$work/killed"
    wait_pid "$cpid" 15 rc || fail "hvcat hung"
    [ "$rc" -eq 74 ] || fail "exit $rc, expected 74 (data loss reported as success): $(cat "$work/cli.err")"
}

# ---------------------------------------------------------------- stdio

full_dir=""
e2e_lib_at_exit() {
    if [ -n "$full_dir" ]; then umount "$full_dir" 2>/dev/null; fi
}

case_stdout_enospc() {
    # stdout on a full filesystem: exit 74, and the OS's reason in the
    # message. A 1 MiB tmpfs where we may mount one, else /dev/full.
    local target
    head -c 3M /dev/urandom >"$work/b"
    mkdir "$work/full"
    if mount -t tmpfs -o size=1m hvfault "$work/full" 2>/dev/null; then
        full_dir=$work/full
        target=$work/full/out
    else
        echo "(no tmpfs: writing to /dev/full)" >&2
        target=/dev/full
    fi
    start_server srv "$work/b"
    $CLIENT -t 127.0.0.1 "$PORT" </dev/null >"$target" 2>"$work/cli.err" &
    local cpid=$!
    pids="$pids $cpid"
    wait_pid "$cpid" 30 rc || fail "hvcat hung on a full disk"
    [ "$rc" -eq 74 ] || fail "exit $rc, expected 74"
    grep -qi "no space left on device" "$work/cli.err" ||
        fail "message lacks the OS's reason: $(cat "$work/cli.err")"
}

case_stdin_closed() {
    # <&-: no input at all, like an empty one; the peer's data arrives exact
    head -c 100000 /dev/urandom >"$work/b"
    start_server srv "$work/b"
    $CLIENT -t 127.0.0.1 "$PORT" <&- >"$work/cli.out" 2>"$work/cli.err"
    local crc=$?
    wait_pid "$SPID" 30 src || fail "listener did not end"
    [ "$crc" -eq 0 ] || fail "client exit $crc"
    [ "$src" -eq 0 ] || fail "listener exit $src"
    same "$work/b" "$work/cli.out" "listener -> client"
    [ ! -s "$work/srv.out" ] || fail "the listener received $(stat -c %s "$work/srv.out") bytes"
}

case_stdout_closed() {
    # >&-: what we send arrives exact, and nothing the peer sent comes back
    # to it (a socket must never take descriptor 1). The peer's bytes have
    # nowhere to go: exit 0 (discarded, as on /dev/null) or 74 with the
    # OS's reason, never a hang
    head -c 100000 /dev/urandom >"$work/a"
    head -c 100000 /dev/urandom >"$work/b"
    start_server srv "$work/b"
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/a" >&- 2>"$work/cli.err" &
    local cpid=$!
    pids="$pids $cpid"
    wait_pid "$cpid" 30 crc || fail "client hung"
    wait_pid "$SPID" 30 src || fail "listener did not end"
    same "$work/a" "$work/srv.out" "client -> listener"
    if [ "$crc" -eq 74 ]; then
        grep -qi "bad file descriptor" "$work/cli.err" || fail "exit 74 without the reason: $(cat "$work/cli.err")"
    else
        [ "$crc" -eq 0 ] || fail "client exit $crc"
    fi
}

case_stdout_fails_peer_floods() {
    # stdout fails (/dev/full) while the peer sends without end: what it
    # sends is read and dropped for a bounded time only (5 s, or -q), then
    # the tool ends with stdout's error (74), not never
    local rc t0 q
    for q in "" "-q 1"; do
        peer flood
        t0=$(date +%s)
        # shellcheck disable=SC2086
        $CLIENT $q -t 127.0.0.1 "$PEER_PORT" </dev/null >/dev/full 2>"$work/cli.err" &
        local cpid=$!
        pids="$pids $cpid"
        wait_pid "$cpid" 20 rc || fail "${q:-default}: the client drained a flooding peer for ever"
        [ "$rc" -eq 74 ] || fail "${q:-default}: exit $rc, expected 74: $(cat "$work/cli.err")"
        grep -qi "no space" "$work/cli.err" || fail "${q:-default}: not stdout's reason: $(cat "$work/cli.err")"
        echo "${q:-default}: ended after $(($(date +%s) - t0)) s" >&2
        kill "$PPID_" 2>/dev/null
    done
}

case_quit_stdout_blocked_idle() {
    # -q's time runs out while stdout is blocked (its reader does not
    # read) and the peer floods: the tool waits for stdout with its CPU
    # idle (a deadline left in the past made every wait return at once:
    # 63,000 waits a second)
    local pid ticks hz
    [ -z "$HV_EMU" ] || skip "CPU time is read from Linux's /proc"
    peer flood
    { $CLIENT -q 1 -t 127.0.0.1 "$PEER_PORT" </dev/null 2>"$work/cli.err" &
      echo $! >"$work/cli.pid"; wait; } | sleep 8 &
    pids="$pids $!"
    wait_size "$work/cli.pid" 1 10 || fail "the client did not start"
    pid=$(cat "$work/cli.pid")
    pids="$pids $pid"
    sleep 4 # -q's second, then three seconds with stdout full
    ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat") || fail "the client is gone"
    hz=$(getconf CLK_TCK)
    echo "CPU after 4 s: $((ticks * 1000 / hz)) ms" >&2
    [ $((ticks * 1000 / hz)) -lt 1000 ] || fail "the client spun: $((ticks * 1000 / hz)) ms of CPU in 4 s"
}

case_stdout_closed_slow_peer() {
    # >&- again, with a peer that sends 4 MiB before it reads anything:
    # what we send must still arrive whole. Closing while the peer's bytes
    # sit unread would reset the connection, and a reset destroys at the
    # peer what it has not read yet: they are read and dropped instead, as
    # /dev/null would take them, and the exit is 74 for stdout
    head -c 100000 /dev/urandom >"$work/a"
    peer slow-reader "$work/got"
    $CLIENT -t 127.0.0.1 "$PEER_PORT" <"$work/a" >&- 2>"$work/cli.err" &
    local cpid=$!
    pids="$pids $cpid"
    wait_pid "$cpid" 30 crc || fail "client hung"
    wait_pid "$PPID_" 30 prc || fail "peer hung"
    [ "$prc" -eq 0 ] || fail "the peer's read failed: $(cat "$work/peer.err")"
    same "$work/a" "$work/got" "client -> peer"
    [ "$crc" -eq 74 ] || fail "client exit $crc, expected 74: $(cat "$work/cli.err")"
    grep -qi "bad file descriptor" "$work/cli.err" || fail "no reason: $(cat "$work/cli.err")"
}

# eof_taken PID N: PID has made more than N read(2) calls and waits again,
# or has ended
eof_taken() { ended "$1" || { [ "$(reads "$1")" -gt "$2" ] && e2e_lib_asleep "$1"; }; }

case_reset_then_stdin_ends() {
    # the peer sends 1.2 MiB and resets the connection once we hold all of
    # it, while nobody reads our stdout yet (a 1 MiB pipe: the rest waits
    # in our buffer); then our stdin ends. The half-close is refused (the
    # connection is gone) and the next read returns the reset, but what
    # the peer sent before its reset is still written out whole, then
    # exit 74. It used to end at the refused half-close or at the reset,
    # dropping the buffered 200 KiB
    local size=$((1024 * 1024 + 200 * 1024)) crc n
    held_fifo in 3
    mkfifo "$work/outp"
    exec 4<>"$work/outp" # a reader exists, so opening it to write does not block
    peer send-reset "$size" "$work/sent"
    $CLIENT -t 127.0.0.1 "$PEER_PORT" <"$work/in" >"$work/outp" 2>"$work/cli.err" 3>&- 4>&- &
    local cpid=$!
    pids="$pids $cpid"
    wait_pid "$PPID_" 30 prc || fail "peer hung"
    [ "$prc" = 3 ] && skip "the peer's bytes were not all acknowledged: $(cat "$work/peer.err")"
    [ "$prc" = 0 ] || fail "peer exit $prc: $(cat "$work/peer.err")"
    # the reset is in: now stdin ends, and the client meets the refused
    # half-close before anyone reads its stdout: once it waits with its
    # stdout full, stdin's EOF is one more read(2), then it waits again
    # (the old code ended there, losing the data)
    wait_asleep "$cpid" 10 || fail "the client never waited with its stdout full"
    n=$(reads "$cpid")
    exec 3>&-
    e2e_lib_poll 10 eof_taken "$cpid" "$n" || fail "the client did not take stdin's EOF"
    timeout 20 head -c "$size" <&4 >"$work/got"
    exec 4<&-
    wait_pid "$cpid" 30 crc || fail "client hung"
    same "$work/sent" "$work/got" "peer -> stdout"
    [ "$crc" -eq 74 ] || fail "client exit $crc, expected 74: $(cat "$work/cli.err")"
}

# eof_then_reset SENT [socat]: the peer sends "hello", then its EOF, then
# (once the client has the line) a reset, while the client's stdin, a held
# fifo, sent SENT (a line, or nothing: -); then stdin ends. The client is
# hvcat, or socat (the peer users know); rc: its exit status
eof_then_reset() {
    held_fifo in 3
    peer hello-shut-reset "$work/got-hello"
    if [ "${2:-}" = socat ]; then
        socat - "TCP:127.0.0.1:$PEER_PORT" <"$work/in" >"$work/cli.out" 2>"$work/cli.err" 3>&- &
    else
        $CLIENT -t 127.0.0.1 "$PEER_PORT" <"$work/in" >"$work/cli.out" 2>"$work/cli.err" 3>&- &
    fi
    local cpid=$!
    pids="$pids $cpid"
    [ "$1" = - ] || echo "$1" >&3
    wait_for "$work/cli.out" hello 10 || fail "the peer's line did not arrive"
    touch "$work/got-hello"
    wait_for "$work/peer.out" reset 10 || fail "the peer did not reset"
    wait_asleep "$cpid" 10 || ended "$cpid" || fail "the client neither waits nor ended"
    exec 3>&-
    wait_pid "$cpid" 15 rc || fail "the client hung"
    [ "$(cat "$work/cli.out")" = hello ] || fail "received '$(cat "$work/cli.out")'"
}

case_eof_then_reset_nothing_sent() {
    # the peer's reset after its EOF, when we sent it nothing: no byte of
    # ours was lost and its data came whole with its EOF, so exit 0 (the
    # rule of hv__rules_b_reset, which the Windows engine keeps too)
    eof_then_reset -
    [ "$rc" -eq 0 ] || fail "exit $rc, expected 0 (nothing of ours was lost): $(cat "$work/cli.err")"
}

case_eof_then_reset_nothing_sent_socat() {
    # socat in the same scenario: exit 0 too
    command -v socat >/dev/null || skip "no socat"
    eof_then_reset - socat
    [ "$rc" -eq 0 ] || fail "socat exit $rc: $(cat "$work/cli.err")"
}

case_eof_then_reset_after_data() {
    # the same once we sent a line the peer never read: it may be lost, so
    # the reset is the session's end, 74
    eof_then_reset first
    [ "$rc" -eq 74 ] || fail "exit $rc, expected 74 (our line was never read): $(cat "$work/cli.err")"
}

case_stdin_idle_after_fast_path() {
    # the listener's stdin is a fifo that stays open and silent; the client
    # sends 400 KB and its EOF. The two-way fast path carries the bytes;
    # once it hands the pair back, the loop must not read stdin before
    # poll says so (a blocking read there hung for ever, deaf even to
    # SIGTERM): the peer's EOF then ends the session (the gone-peer rule)
    held_fifo in 3
    head -c 400000 /dev/urandom >"$work/data"
    start_server srv "$work/in" 3>&-
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/data" >"$work/cli.out" 2>"$work/cli.err" 3>&- &
    local cpid=$! src crc
    pids="$pids $cpid"
    wait_pid "$SPID" 20 src || fail "the listener hung after the client's EOF: $(cat "$work/srv.err")"
    wait_pid "$cpid" 20 crc || fail "the client hung"
    [ "$src" = 0 ] || fail "listener exit $src: $(cat "$work/srv.err")"
    [ "$crc" = 0 ] || fail "client exit $crc: $(cat "$work/cli.err")"
    same "$work/data" "$work/srv.out" "client -> listener"
}

case_nonblock_stdin() {
    # a tool killed by a signal must not leave O_NONBLOCK
    # on a stdin it shares: `sleep 3 | { timeout 1 hvcat ...; cat; }`. Here
    # hvcat is ended by SIGTERM once it waits in its session; cat then
    # reads the same pipe while it is empty, and must wait (the line comes
    # once cat waits for it), not fail with EAGAIN
    held_fifo hold 3
    start_server srv "$work/hold"
    { wait_size "$work/cat.pid" 1 60 && wait_asleep "$(cat "$work/cat.pid")" 30
      echo more; } | {
        $CLIENT -t 127.0.0.1 "$PORT" <&0 >/dev/null 2>"$work/cli.err" 3>&- &
        term_in_session $! "$work/term.rc"
        cat <&0 >"$work/cat.out" 2>"$work/cat.err" 3>&- &
        echo $! >"$work/cat.pid"
        wait $!
        echo $? >"$work/cat.rc"
    }
    [ "$(cat "$work/term.rc")" = 143 ] || fail "hvcat was not ended by SIGTERM in its session: exit $(cat "$work/term.rc")"
    [ "$(cat "$work/cat.rc")" = 0 ] || fail "cat after hvcat: exit $(cat "$work/cat.rc"): $(cat "$work/cat.err")"
    [ "$(cat "$work/cat.out")" = more ] || fail "cat after hvcat got '$(cat "$work/cat.out")'"
}

case_nonblock_stdout() {
    # the same for a shared stdout: the next writer into the pipe must
    # block while its reader does not read, not fail with EAGAIN (the
    # reader reads once the writer waits, or has ended)
    held_fifo hold 3
    start_server srv "$work/hold"
    held_fifo in 4 # hvcat's stdin: open, and nothing comes
    {
        $CLIENT -t 127.0.0.1 "$PORT" <"$work/in" 2>"$work/cli.err" 3>&- 4>&- &
        term_in_session $! "$work/term.rc"
        head -c 1000000 /dev/zero 2>"$work/head.err" 3>&- 4>&- &
        echo $! >"$work/head.pid"
        wait $!
        echo $? >"$work/head.rc"
    } | { wait_size "$work/head.pid" 1 60 && wait_asleep "$(cat "$work/head.pid")" 30
          cat >"$work/reader.out"; }
    exec 4>&-
    [ "$(cat "$work/term.rc")" = 143 ] || fail "hvcat was not ended by SIGTERM in its session: exit $(cat "$work/term.rc")"
    [ "$(cat "$work/head.rc")" = 0 ] || fail "a writer after hvcat: exit $(cat "$work/head.rc"): $(cat "$work/head.err")"
    [ "$(stat -c %s "$work/reader.out")" -eq 1000000 ] || fail "the reader got $(stat -c %s "$work/reader.out") bytes"
}

case_slow_consumer() {
    # stdout read slowly (16 KiB per 4 ms): every byte arrives, in order
    head -c 4M /dev/urandom >"$work/b"
    start_server srv "$work/b"
    $CLIENT -t 127.0.0.1 "$PORT" </dev/null 2>"$work/cli.err" |
        python3 -c '
import sys, time
i, o = sys.stdin.buffer, sys.stdout.buffer
while True:
    b = i.read1(16384)
    if not b:
        break
    o.write(b)
    time.sleep(0.004)
' >"$work/cli.out"
    local st=("${PIPESTATUS[@]}")
    [ "${st[0]}" -eq 0 ] || fail "client exit ${st[0]}"
    wait_pid "$SPID" 30 src || fail "listener did not end"
    [ "$src" -eq 0 ] || fail "listener exit $src"
    same "$work/b" "$work/cli.out" "listener -> slow reader"
}

# ---------------------------------------------------------------- listeners

case_idle_client_others_served() {
    # hvlisten -k -e cat: one client connects and sends nothing; three
    # others are served meanwhile, each exactly
    start_server srv /dev/null -k -e cat
    held_fifo idle.in 3
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/idle.in" >"$work/idle.out" 2>"$work/idle.err" 3>&- &
    local idle=$! i
    pids="$pids $idle"
    wait_for "$work/srv.err" "Connection from" 10 || fail "the idle client was not accepted"
    for i in 1 2 3; do
        head -c 100000 /dev/urandom >"$work/c$i"
        $CLIENT -t 127.0.0.1 "$PORT" <"$work/c$i" >"$work/c$i.out" 2>"$work/c$i.err" 3>&- &
        local c=$!
        pids="$pids $c"
        wait_pid "$c" 10 rc || fail "client $i was not served while one idles"
        [ "$rc" -eq 0 ] || fail "client $i exit $rc"
        same "$work/c$i" "$work/c$i.out" "client $i echo"
    done
    alive "$idle" || fail "the idle client ended early"
    exec 3>&-
    wait_pid "$idle" 10 rc || fail "the idle client did not end after its EOF"
    [ "$rc" -eq 0 ] || fail "idle client exit $rc"
    kill -0 "$SPID" 2>/dev/null || fail "listener exited"
}

case_emfile_100_clients() {
    # hvlisten -k -e under `ulimit -n 16`, 100 clients at once, each
    # holding its connection 2 s: the listener serves what it can, keeps
    # serving (EMFILE on accept is transient: defect 3), does not spin
    # while it cannot accept, and serves a new client afterwards. (A
    # listener that keeps no descriptor per command, as hvlisten does now,
    # never meets the limit here; one that relays through pipes does.)
    printf '#!/bin/sh\nulimit -n 16 || exit 1\nexec "$@"\n' >"$work/lim"
    chmod +x "$work/lim"
    SERVER="$work/lim $SERVER" start_server srv /dev/null -k -e cat
    local i c ok=0 bad=0 cpu t0
    local -a cp
    t0=$(now_ms)
    for ((i = 1; i <= 100; i++)); do
        { printf 'client %d\n' "$i"; sleep 2; } |
            $CLIENT -t 127.0.0.1 "$PORT" >"$work/c$i.out" 2>"$work/c$i.e" &
        cp[i]=$!
        pids="$pids $!"
    done
    for ((i = 1; i <= 100; i++)); do
        wait_pid "${cp[i]}" 90 rc || fail "client $i still waiting after 90 s"
        if [ "$rc" -eq 0 ]; then
            [ "$(cat "$work/c$i.out")" = "client $i" ] ||
                fail "client $i told success but got '$(head -c 100 "$work/c$i.out")'"
            ok=$((ok + 1))
        else
            bad=$((bad + 1))
        fi
    done
    kill -0 "$SPID" 2>/dev/null || fail "listener exited during the burst ($ok served, $bad failed): $(tail -n 3 "$work/srv.err")"
    [ "$ok" -ge 1 ] || fail "no client served"
    cpu=$(cpu_ms "$SPID")
    echo "served $ok of 100 (others failed: $bad) in $(($(now_ms) - t0)) ms; listener CPU $cpu ms" >&2
    [ "$cpu" -le 3000 ] || fail "listener used $cpu ms of CPU (a spinning accept loop?)"
    # recovered: a new client is served exactly
    printf 'after\n' | $CLIENT -t 127.0.0.1 "$PORT" >"$work/after.out" 2>"$work/after.err" &
    c=$!
    pids="$pids $c"
    wait_pid "$c" 15 rc || fail "a client after the burst was not served"
    [ "$rc" -eq 0 ] && [ "$(cat "$work/after.out")" = after ] ||
        fail "client after the burst: exit $rc, got '$(cat "$work/after.out")'"
}

case_stdout_reader_gone() {
    # `hvlisten -k | head -c 2`; once head has gone, a
    # client's 100,000 bytes cannot be read by anyone: that client must not
    # be told success, and the listener stops
    mkfifo "$work/pipe"
    head -c 2 <"$work/pipe" >"$work/head.out" &
    local hpid=$! c
    pids="$pids $hpid"
    $SERVER -v -k -t 127.0.0.1 0 </dev/null >"$work/pipe" 2>"$work/srv.err" &
    SPID=$!
    pids="$pids $SPID"
    listening "$work/srv.err" PORT
    printf 'hello\n' | $CLIENT -t 127.0.0.1 "$PORT" >/dev/null 2>"$work/c1.err"
    wait_pid "$hpid" 10 rc || fail "head did not end"
    [ "$(cat "$work/head.out")" = he ] || fail "head got '$(cat "$work/head.out")'"
    head -c 100000 /dev/urandom >"$work/big"
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/big" >/dev/null 2>"$work/c2.err" &
    c=$!
    pids="$pids $c"
    wait_pid "$c" 15 rc || fail "the second client hung"
    [ "$rc" -ne 0 ] || fail "the second client was told success for 100000 bytes nobody read"
    wait_pid "$SPID" 10 src || fail "the listener goes on accepting with no reader on its stdout"
}

case_sigterm_ends_children() {
    # SIGTERM to `hvlisten -k -e 'sleep 100'` with two
    # clients connected must not leave the commands running
    start_server srv /dev/null -k -e 'sleep 100'
    held_fifo c.in 3
    local c1 c2 kids p t0
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/c.in" >/dev/null 2>"$work/c1.err" 3>&- &
    c1=$!
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/c.in" >/dev/null 2>"$work/c2.err" 3>&- &
    c2=$!
    pids="$pids $c1 $c2"
    for ((i = 0; i < 200; i++)); do
        [ "$(grep -c "Connection from" "$work/srv.err")" -ge 2 ] && break
        sleep 0.05
    done
    [ "$(grep -c "Connection from" "$work/srv.err")" -ge 2 ] || fail "two clients not accepted"
    for ((i = 0; i < 100; i++)); do
        kids=$(descendants "$SPID")
        [ "$(echo "$kids" | grep -c .)" -ge 2 ] && break
        sleep 0.05
    done
    [ -n "$kids" ] || fail "no command running under the listener"
    pids="$pids $kids"
    kill -TERM "$SPID"
    wait_pid "$SPID" 10 src || fail "listener ignored SIGTERM"
    t0=$(now_ms)
    for p in $kids; do
        while alive "$p" && [ $(($(now_ms) - t0)) -lt 3000 ]; do sleep 0.05; done
        alive "$p" && fail "command $p ($(tr '\0' ' ' <"/proc/$p/cmdline")) still runs after SIGTERM to the listener"
    done
    exec 3>&-
    wait_pid "$c1" 10 rc || fail "client 1 still connected"
    wait_pid "$c2" 10 rc || fail "client 2 still connected"
}

case_peer_stopped_idle_timeout() {
    # a peer that is SIGSTOP'd while we send: with -i 1 (idle timeout) we
    # give up with 75 after about a second instead of hanging. Skipped
    # until hvcat has -i.
    $CLIENT --help 2>&1 | grep -Eq -- '--idle|(^|[ ,])-i([ ,]|$)' || {
        echo "hvcat has no -i/--idle yet: skipped" >&2
        exit 77
    }
    start_server srv /dev/null -d
    endless cli.in
    $CLIENT -i 1 -t 127.0.0.1 "$PORT" <"$work/cli.in" >/dev/null 2>"$work/cli.err" &
    local cpid=$!
    pids="$pids $cpid"
    wait_size "$work/srv.out" 1000000 30 || fail "no data flowed"
    kill -STOP "$SPID"
    ended_within "$cpid" 5000 "sender to a stopped peer with -i 1"
    [ "$rc" -eq 75 ] || fail "exit $rc, expected 75"
}

# ---------------------------------------------------------------- main

if ! declare -F "case_$case_name" >/dev/null; then
    echo "no such case: $case_name" >&2
    exit 2
fi
"case_$case_name"
echo "ok $case_name"
