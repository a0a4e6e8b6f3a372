#!/bin/bash
# e2e cases over TCP loopback: real sockets, real processes, bit-exact
# checks. One case per run: cases.sh NAME. Environment:
#   HV_CLIENT  command for the connecting side (default: $HV_EMU $HVCAT)
#   HV_SERVER  command for the listening side (default: $HV_EMU $HVLISTEN)
# so either side may be the Windows build under wine (cross-OS cases).
# Readiness is the listener's "Listening on" line, waited for with a
# deadline; ordering between the two sides is forced by watching outputs.
. "$(dirname "$0")/../lib/e2e-lib.sh"
PEER="python3 $(dirname "$0")/peer.py"

# -e commands run in the listener's shell: /bin/sh natively, cmd.exe for
# the Windows build. srv_bin is the listener's binary (SERVER's last word).
srv_bin=${SERVER##* }
srv_win=0
case $srv_bin in *.exe) srv_win=1 ;; esac

# own_tool NAME: our tool NAME next to the listener, as its shell names it
own_tool() {
    local p
    p=$(dirname "$srv_bin")/$1
    if [ $srv_win = 1 ]; then
        winepath -w "$p.exe" 2>/dev/null | tr -d '\r'
    else
        echo "$p"
    fi
}

# echo_cmd: sets ECHO, a -e command that sends back what it reads until its
# input ends: cat for /bin/sh; cmd.exe has no binary-safe cat, so there our
# own hvcat, relaying to an echo peer
echo_cmd() {
    if [ $srv_win = 0 ]; then
        ECHO=cat
        return
    fi
    $PEER echo "$work/echo.port" 2>"$work/echo.err" &
    pids="$pids $!"
    wait_size "$work/echo.port" 2 30 || fail "echo peer did not start"
    ECHO="$(own_tool hvcat) -t 127.0.0.1 $(cat "$work/echo.port")"
}

# unread_at PORT: a connection on local port PORT (not a listening socket,
# 0A) holds bytes its reader has not read
unread_at() { tcp_socks local "$1" | grep -v '^0A ' | grep -q ' [1-9]'; }

# nocr FILE: FILE without carriage returns (messages from the Windows build)
nocr() { tr -d '\r' <"$1"; }

case_transfer64m() {
    # 64 MiB of random data each way at once
    head -c 64M /dev/urandom >"$work/a"
    head -c 64M /dev/urandom >"$work/b"
    start_server srv "$work/b"
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/a" >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    exchange_ok
}
case_halfclose_client_first() {
    # the client's stdin ends first: it half-closes and keeps reading; the
    # listener sends its data only after it saw all of the client's data
    head -c 3M /dev/urandom >"$work/a"
    head -c 5M /dev/urandom >"$work/b"
    mkfifo "$work/srv.in"
    # the producer first: opening a fifo waits for the other end
    producer "$work/b" "$work/srv.out" 3145728 >"$work/srv.in" &
    pids="$pids $!"
    # --wait-stdin: the producer starts only once all has come, which can
    # take over the gone-peer rule's 0.5 s on a loaded machine, and on
    # Windows, where TCP shows a half-close and a close alike, that rule
    # then ends the session (seen under Wine with a producer 2 s late:
    # the client got nothing); this case is about the half-close
    start_server srv "$work/srv.in" --wait-stdin
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/a" >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    exchange_ok
}
case_halfclose_server_first() {
    head -c 3M /dev/urandom >"$work/a"
    head -c 5M /dev/urandom >"$work/b"
    start_server srv "$work/b"
    mkfifo "$work/cli.in"
    producer "$work/a" "$work/cli.out" 5242880 >"$work/cli.in" &
    pids="$pids $!"
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/cli.in" >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    exchange_ok
}
case_no_shutdown() {
    # a peer that reports whether it saw a half-close: without the option
    # the client half-closes (EOF: waited for, 30 s at most), with it the
    # connection stays open (nothing marks a half-close that does not
    # come: the peer looks 2 s for one, where the default's came at once)
    head -c 100000 /dev/urandom >"$work/a"
    for mode in default no_shutdown; do
        rm -f "$work/port"
        secs=30
        [ $mode = no_shutdown ] && secs=2
        $PEER eof-probe "$work/port" 100000 $secs >"$work/peer.$mode" 2>"$work/peer.err" &
        ppid=$!
        pids="$pids $ppid"
        wait_size "$work/port" 2 30 || fail "peer did not start"
        opt=""
        [ $mode = no_shutdown ] && opt=--no-shutdown
        $CLIENT $opt -t 127.0.0.1 "$(cat "$work/port")" <"$work/a" >"$work/cli.$mode" 2>"$work/cli.err"
        crc=$?
        wait_pid "$ppid" 30 prc || fail "peer did not end"
        [ "$crc" -eq 0 ] || fail "$mode: client exit $crc"
        [ "$(cat "$work/cli.$mode")" = reply ] || fail "$mode: client got '$(cat "$work/cli.$mode")'"
        want=EOF
        [ $mode = no_shutdown ] && want=OPEN
        [ "$(cat "$work/peer.$mode")" = $want ] || fail "$mode: peer saw '$(cat "$work/peer.$mode")', expected $want"
    done
}
case_keep_open() {
    # -k serves three clients in turn, in order, each completely
    : >"$work/empty"
    start_server srv "$work/empty" -k -d
    for i in 1 2 3; do
        head -c 200000 /dev/urandom >"$work/c$i"
        $CLIENT -t 127.0.0.1 "$PORT" <"$work/c$i" >"$work/cli$i.out" 2>"$work/cli$i.err" || fail "client $i exit $?"
        [ ! -s "$work/cli$i.out" ] || fail "client $i received data from a -d listener"
    done
    wait_for "$work/srv.err" "Closed .*received 200000 bytes" 10 || fail "no close line"
    n=$(grep -c "Connection from" "$work/srv.err")
    [ "$n" -eq 3 ] || fail "$n connections logged, expected 3"
    kill -0 "$SPID" 2>/dev/null || fail "listener exited after the clients"
    cat "$work/c1" "$work/c2" "$work/c3" >"$work/all"
    wait_size "$work/srv.out" 600000 10 || fail "listener wrote $(stat -c %s "$work/srv.out") bytes"
    same "$work/all" "$work/srv.out" "three clients in turn"
}
case_refused() {
    # a port that was just listening and is closed now
    : >"$work/empty"
    start_server srv "$work/empty"
    kill "$SPID"
    wait_pid "$SPID" 10 src || fail "listener did not die"
    $CLIENT -t 127.0.0.1 "$PORT" </dev/null >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    [ "$crc" -eq 69 ] || fail "exit $crc, expected 69"
    [ "$(cat "$work/cli.err")" = "hvcat: connect 127.0.0.1:$PORT: connection refused" ] ||
        fail "message: $(cat "$work/cli.err")"
}
# reset_probe PORT (python3 -c): connect, send nothing, half-close, read:
# prints RESET, EOF or what else ended it
reset_probe='
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
    s.shutdown(socket.SHUT_WR)
    print("EOF" if s.recv(1) == b"" else "DATA")
except ConnectionResetError:
    print("RESET")
except OSError as e:
    print(e)
'

case_refused_by_rule() {
    # a client that --deny turns away is reset, never closed cleanly: with
    # nothing to send (a plain close would read as the end of a session,
    # exit 0) and with bytes (which would be lost unsaid)
    local i
    start_server srv /dev/null -k --deny 127.0.0.1
    # the listener's side, seen by a plain socket: a reset, not an EOF
    [ "$(python3 -c "$reset_probe" "$PORT")" = RESET ] || fail "no reset for a plain client"
    case ${CLIENT##* } in
    *.exe)
        # Wine 8 takes a socket's pending reset for its own poll (Linux
        # reports it once), so the Windows client's recv may then meet
        # an end of file; Windows' recv returns WSAECONNRESET after "a
        # hard or abortive close" (recv, Return value). Only the
        # listener's side can be shown here.
        return 0
        ;;
    esac
    for i in 1 2; do
        if [ $i = 1 ]; then
            $CLIENT -t 127.0.0.1 "$PORT" </dev/null >"$work/cli.out" 2>"$work/cli.err"
        else
            echo ping | $CLIENT -t 127.0.0.1 "$PORT" >"$work/cli.out" 2>"$work/cli.err"
        fi
        crc=$?
        [ "$crc" -eq 74 ] || fail "client $i: exit $crc, expected 74 ($(nocr "$work/cli.err"))"
        [ ! -s "$work/cli.out" ] || fail "client $i: refused, yet got '$(cat "$work/cli.out")'"
        [ "$(nocr "$work/cli.err" | head -n 1)" = \
            "hvcat: tcp:127.0.0.1:$PORT: connection reset by peer before any data (refused by the listener?)" ] ||
            fail "client $i: message: $(nocr "$work/cli.err")"
        nocr "$work/cli.err" | grep -q "^hvcat: hint: hvlisten resets a client its --allow/--deny refuses" ||
            fail "client $i: no hint: $(nocr "$work/cli.err")"
    done
    [ "$(grep -c "Refused tcp:127.0.0.1" "$work/srv.err")" -eq 3 ] ||
        fail "listener: $(nocr "$work/srv.err")"
    # --no-hints: the error line alone
    $CLIENT --no-hints -t 127.0.0.1 "$PORT" </dev/null >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    [ "$crc" -eq 74 ] || fail "--no-hints: exit $crc"
    [ "$(nocr "$work/cli.err" | wc -l)" -eq 1 ] || fail "--no-hints: $(nocr "$work/cli.err")"
}
case_timeout() {
    # a listener whose backlog is full and never accepts: -w must expire
    $PEER backlog-full "$work/port" 2>"$work/peer.err" &
    pids="$pids $!"
    wait_size "$work/port" 2 30 || fail "peer did not start"
    port=$(cat "$work/port")
    start=$(date +%s%N)
    $CLIENT -w 2 -t 127.0.0.1 "$port" </dev/null >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    [ "$crc" -eq 75 ] || fail "exit $crc, expected 75 ($(cat "$work/cli.err"))"
    [ "$(cat "$work/cli.err")" = "hvcat: connect 127.0.0.1:$port: timed out" ] ||
        fail "message: $(cat "$work/cli.err")"
    # generous upper bound: this is about the deadline being honoured at all
    [ "$ms" -ge 1500 ] && [ "$ms" -lt 20000 ] || fail "took $ms ms for -w 2"
}
case_peer_killed_reset() {
    # the listener dies while data is queued for it: the client's next
    # send meets a reset; it must end at once with 74, never hang
    start_server srv /dev/null -d
    # an endless sender: stdin that never ends
    mkfifo "$work/cli.in"
    (head -c 2G /dev/zero >"$work/cli.in") &
    pids="$pids $!"
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/cli.in" >/dev/null 2>"$work/cli.err" &
    cpid=$!
    pids="$pids $cpid"
    wait_size "$work/srv.out" 1000000 30 || fail "no data flowed"
    # stop the listener from reading, then kill it with data unread: once
    # it is stopped, its connection holds what the client still sends
    kill -STOP "$SPID"
    wait_stopped "$SPID" 10 || fail "the listener did not stop"
    e2e_lib_poll 10 unread_at "$PORT" || fail "nothing unread at the stopped listener"
    kill -9 "$SPID"
    wait_pid "$cpid" 15 crc || fail "client hung after the peer died"
    [ "$crc" -eq 74 ] || fail "client exit $crc, expected 74"
    grep -q "hvcat: tcp:127.0.0.1:$PORT: connection reset by peer" "$work/cli.err" ||
        fail "message: $(cat "$work/cli.err")"
}
case_peer_killed_eof() {
    # the sender dies mid-stream: the receiving listener ends at once
    start_server srv /dev/null -d
    mkfifo "$work/cli.in"
    (head -c 2G /dev/zero >"$work/cli.in") &
    pids="$pids $!"
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/cli.in" >/dev/null 2>"$work/cli.err" &
    cpid=$!
    pids="$pids $cpid"
    wait_size "$work/srv.out" 1000000 30 || fail "no data flowed"
    kill -9 "$cpid"
    wait_pid "$SPID" 15 src || fail "listener hung after the peer died"
    # the killed sender's kernel closes cleanly (FIN) or resets: 0 or 74
    [ "$src" -eq 0 ] || [ "$src" -eq 74 ] || fail "listener exit $src"
}
case_stdout_closed() {
    # hvcat ... | head -c 10 ends cleanly: exit 0 at once, no message
    head -c 64M /dev/urandom >"$work/b"
    start_server srv "$work/b"
    $CLIENT -t 127.0.0.1 "$PORT" </dev/null 2>"$work/cli.err" | head -c 10 >"$work/head.out"
    st=("${PIPESTATUS[@]}")
    [ "${st[0]}" -eq 0 ] || fail "client exit ${st[0]} ($(cat "$work/cli.err"))"
    [ ! -s "$work/cli.err" ] || fail "client said: $(cat "$work/cli.err")"
    [ "$(stat -c %s "$work/head.out")" -eq 10 ] || fail "head got $(stat -c %s "$work/head.out") bytes"
    cmp -s "$work/head.out" <(head -c 10 "$work/b") || fail "wrong first bytes"
    wait_pid "$SPID" 30 src || fail "listener hung"
}
case_exec_echo() {
    # -e: the command's stdin and stdout are the connection. 8 MiB through
    # the command and back, bit-exact: the client's half-close reaches the
    # command as EOF, and the command's exit ends the connection
    head -c 8M /dev/urandom >"$work/a"
    echo_cmd
    start_server srv /dev/null -e "$ECHO"
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/a" >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    wait_pid "$SPID" 60 src || fail "listener did not end"
    [ "$crc" -eq 0 ] || fail "client exit $crc"
    [ "$src" -eq 0 ] || fail "listener exit $src"
    same "$work/a" "$work/cli.out" "through the command and back"
    [ ! -s "$work/srv.out" ] || fail "the listener's own stdout got data"
    nocr "$work/srv.err" | grep -qx "hvlisten: Closed tcp:127\.0\.0\.1:[0-9]*: exit status 0" ||
        fail "no close line"
}
case_exec_keep_concurrent() {
    # -k -e: a command per connection, side by side. The first client keeps
    # its input open (its command still runs); a second client must be
    # served meanwhile, then the first one finishes too
    echo_cmd
    start_server srv /dev/null -k -e "$ECHO"
    mkfifo "$work/c1.in"
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/c1.in" >"$work/c1.out" 2>"$work/c1.err" &
    c1=$!
    pids="$pids $c1"
    exec 3>"$work/c1.in"
    printf 'first\n' >&3
    wait_for "$work/c1.out" first 30 || fail "the first client got no answer"
    printf 'second\n' >"$work/c2.in"
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/c2.in" >"$work/c2.out" 2>"$work/c2.err" &
    c2=$!
    pids="$pids $c2"
    wait_pid "$c2" 30 rc2 || fail "the second client was not served while the first was connected"
    [ "$rc2" -eq 0 ] || fail "second client exit $rc2"
    [ "$(cat "$work/c2.out")" = second ] || fail "second client got '$(cat "$work/c2.out")'"
    kill -0 "$c1" 2>/dev/null || fail "the first client ended early"
    wait_for "$work/srv.err" "Closed .*: exit status 0" 10 || fail "no close line for the second"
    n=$(grep -c "Closed" "$work/srv.err")
    [ "$n" -eq 1 ] || fail "$n close lines while the first command runs"
    printf 'more\n' >&3
    exec 3>&-
    wait_pid "$c1" 30 rc1 || fail "the first client did not end"
    [ "$rc1" -eq 0 ] || fail "first client exit $rc1"
    [ "$(cat "$work/c1.out")" = "$(printf 'first\nmore')" ] || fail "first client got '$(cat "$work/c1.out")'"
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c "Closed .*: exit status 0" "$work/srv.err")" -eq 2 ] && break
        sleep 0.05
    done
    [ "$(grep -c "Closed .*: exit status 0" "$work/srv.err")" -eq 2 ] || fail "not two close lines"
    [ "$(grep -c "Connection from" "$work/srv.err")" -eq 2 ] || fail "not two connections logged"
    kill -0 "$SPID" 2>/dev/null || fail "listener exited"
}
case_exec_status() {
    # a failing command: exit 74 and a message naming it (hvsock(7)); a
    # command that succeeds: 0 and no message. Both tools.
    start_server srv /dev/null -e "exit 3"
    $CLIENT -t 127.0.0.1 "$PORT" </dev/null >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    wait_pid "$SPID" 30 src || fail "listener did not end"
    [ "$crc" -eq 0 ] || fail "client exit $crc"
    [ "$src" -eq 74 ] || fail "listener exit $src, expected 74"
    nocr "$work/srv.err" |
        grep -qx "hvlisten: client tcp:127\.0\.0\.1:[0-9]*: command 'exit 3' exited with status 3" ||
        fail "listener message: $(cat "$work/srv.err")"
    start_server srv0 /dev/null -e "exit 0"
    $CLIENT -t 127.0.0.1 "$PORT" </dev/null >"$work/cli0.out" 2>"$work/cli0.err"
    wait_pid "$SPID" 30 src || fail "listener did not end"
    [ "$src" -eq 0 ] || fail "listener exit $src for 'exit 0'"
    grep -q "command" "$work/srv0.err" && fail "message for 'exit 0': $(cat "$work/srv0.err")"
    for want in 3 0; do
        start_server plain$want /dev/null -d
        $CLIENT -e "exit $want" -t 127.0.0.1 "$PORT" </dev/null >"$work/cat$want.out" 2>"$work/cat$want.err"
        crc=$?
        wait_pid "$SPID" 30 src || fail "plain listener did not end"
        if [ $want = 3 ]; then
            [ "$crc" -eq 74 ] || fail "hvcat -e 'exit 3': exit $crc, expected 74"
            [ "$(nocr "$work/cat3.err")" = "hvcat: command 'exit 3' exited with status 3" ] ||
                fail "hvcat message: $(cat "$work/cat3.err")"
        else
            [ "$crc" -eq 0 ] || fail "hvcat -e 'exit 0': exit $crc"
            [ ! -s "$work/cat0.err" ] || fail "hvcat -e 'exit 0' said: $(cat "$work/cat0.err")"
        fi
    done
}
case_exec_relay() {
    # the relay recipe: hvlisten -e 'hvcat -t HOST PORT' in front of another
    # listener; 8 MiB each way through the relay, bit-exact
    head -c 8M /dev/urandom >"$work/a"
    head -c 8M /dev/urandom >"$work/b"
    start_server back "$work/b"
    bpid=$SPID
    start_server relay /dev/null -e "$(own_tool hvcat) -t 127.0.0.1 $PORT"
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/a" >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    wait_pid "$SPID" 60 rrc || fail "relay did not end"
    wait_pid "$bpid" 60 brc || fail "back end did not end"
    [ "$crc" -eq 0 ] || fail "client exit $crc"
    [ "$rrc" -eq 0 ] || fail "relay exit $rrc"
    [ "$brc" -eq 0 ] || fail "back end exit $brc"
    same "$work/a" "$work/back.out" "client -> relay -> back end"
    same "$work/b" "$work/cli.out" "back end -> relay -> client"
}
case_exec_conflicts() {
    # -e replaces stdin/stdout: -d and --no-shutdown make no sense with it,
    # nor does an empty command: usage errors (64), on both tools
    for tool in hvcat hvlisten; do
        if [ $tool = hvcat ]; then run=$CLIENT; else run=$SERVER; fi
        for bad in "-e cat -d" "-e cat --no-shutdown" "-e ''"; do
            eval "$run $bad -t 127.0.0.1 1" </dev/null >"$work/c.out" 2>"$work/c.err"
            rc=$?
            [ "$rc" -eq 64 ] || fail "$tool $bad: exit $rc, expected 64"
            case $bad in
            *-d) want="$tool: cannot use -e with -d" ;;
            *--no-shutdown) want="$tool: cannot use -e with --no-shutdown" ;;
            *) want="$tool: -e: empty command" ;;
            esac
            [ "$(nocr "$work/c.err" | head -n 1)" = "$want" ] ||
                fail "$tool $bad: said '$(head -n 1 "$work/c.err")'"
        done
    done
}

# run the case named by the first argument (CMake lists the case_*
# functions above as the ctest entries)
declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
echo "ok $case_name"
