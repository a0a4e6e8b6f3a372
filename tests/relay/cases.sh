#!/bin/bash
# relay cases: hvlisten --to and -e serving many connections in one
# process, unix sockets, --max-conns, --allow/--deny, over TCP loopback and
# unix sockets. One case per run: cases.sh NAME; each case is a function
# case_NAME (CMake reads the names from this file). Environment: HVCAT,
# HVLISTEN (the tools), HV_EMU (empty natively).
. "$(dirname "$0")/../lib/e2e-lib.sh"
CAT=$CLIENT
LISTEN=$SERVER
PEER="python3 $(dirname "$0")/peer.py"

# listener NAME STDIN ARGS...: hvlisten -v ARGS in the background, waited
# for until it listens; LPID, and LPORT for TCP (its port)
listener() {
    local name=$1 in=$2
    shift 2
    $LISTEN -v "$@" <"$in" >"$work/$name.out" 2>"$work/$name.err" &
    LPID=$!
    pids="$pids $LPID"
    wait_for "$work/$name.err" "Listening on" 30 || fail "$name never listened"
    LPORT=$(sed -n 's/.*Listening on tcp:[^ ]*:\([0-9][0-9]*\)$/\1/p' "$work/$name.err" | head -n 1)
}

# echo_peer: a python echo server; EPORT
echo_peer() {
    $PEER echo "$work/echo.port" 2>"$work/echo.err" &
    pids="$pids $!"
    wait_size "$work/echo.port" 2 30 || fail "echo peer did not start"
    EPORT=$(cat "$work/echo.port")
}


# feed_after DATA WATCH BYTES: print DATA once WATCH holds BYTES (forces
# the order of the two directions)
feed_after() {
    wait_size "$2" "$3" 60 || return 1
    cat "$1"
}

case_to_tcp_64m() {
    # 64 MiB each way at once through a TCP -> TCP relay
    head -c 64M /dev/urandom >"$work/a"
    head -c 64M /dev/urandom >"$work/b"
    listener far "$work/b" -t 127.0.0.1 0
    local far=$LPID farport=$LPORT rc frc
    listener relay /dev/null -k -t 127.0.0.1 0 --to "tcp:127.0.0.1:$farport"
    $CAT -t 127.0.0.1 "$LPORT" <"$work/a" >"$work/cli.out" 2>"$work/cli.err"
    rc=$?
    wait_pid "$far" 60 frc || fail "far side did not end"
    [ "$rc" = 0 ] || fail "client exit $rc"
    [ "$frc" = 0 ] || fail "far side exit $frc"
    same "$work/a" "$work/far.out" "client -> far"
    same "$work/b" "$work/cli.out" "far -> client"
    wait_for "$work/relay.err" "Closed tcp:127.0.0.1" 10 || fail "relay logged no end"
    grep -q "Relaying tcp:127.0.0.1:[0-9]* to tcp:127.0.0.1:$farport" "$work/relay.err" ||
        fail "-v does not name both ends"
}

case_to_unix_64m() {
    # client -U -> relay1 (unix -> tcp) -> relay2 (tcp -> unix) -> far -U:
    # 64 MiB each way, both unix directions of --to
    head -c 64M /dev/urandom >"$work/a"
    head -c 64M /dev/urandom >"$work/b"
    listener far "$work/b" -U "$work/far.sock"
    local far=$LPID rc frc
    listener r2 /dev/null -k -t 127.0.0.1 0 --to "unix:$work/far.sock"
    listener r1 /dev/null -k -U "$work/r1.sock" --to "tcp:127.0.0.1:$LPORT"
    $CAT -U "$work/r1.sock" <"$work/a" >"$work/cli.out" 2>"$work/cli.err"
    rc=$?
    wait_pid "$far" 60 frc || fail "far side did not end"
    [ "$rc" = 0 ] || fail "client exit $rc"
    [ "$frc" = 0 ] || fail "far side exit $frc"
    same "$work/a" "$work/far.out" "client -> far"
    same "$work/b" "$work/cli.out" "far -> client"
    [ ! -e "$work/far.sock" ] || fail "the listener left its socket file"
}

case_halfclose_client_first() {
    # the client's EOF crosses the relay first; the far side answers only
    # after it saw every byte, then ends
    head -c 3M /dev/urandom >"$work/a"
    head -c 5M /dev/urandom >"$work/b"
    mkfifo "$work/far.in"
    feed_after "$work/b" "$work/far.out" 3145728 >"$work/far.in" &
    pids="$pids $!"
    listener far "$work/far.in" -t 127.0.0.1 0
    local far=$LPID rc frc
    listener relay /dev/null -k -t 127.0.0.1 0 --to "tcp:127.0.0.1:$LPORT"
    $CAT -t 127.0.0.1 "$LPORT" <"$work/a" >"$work/cli.out" 2>"$work/cli.err"
    rc=$?
    wait_pid "$far" 60 frc || fail "far side did not end"
    [ "$rc" = 0 ] && [ "$frc" = 0 ] || fail "exits $rc/$frc"
    same "$work/a" "$work/far.out" "client -> far"
    same "$work/b" "$work/cli.out" "far -> client"
}

case_halfclose_server_first() {
    # the far side's EOF crosses the relay first; the client sends only
    # after it received all of it
    head -c 3M /dev/urandom >"$work/a"
    head -c 5M /dev/urandom >"$work/b"
    listener far "$work/b" -t 127.0.0.1 0
    local far=$LPID rc frc
    listener relay /dev/null -k -t 127.0.0.1 0 --to "tcp:127.0.0.1:$LPORT"
    mkfifo "$work/cli.in"
    feed_after "$work/a" "$work/cli.out" 5242880 >"$work/cli.in" &
    pids="$pids $!"
    $CAT -t 127.0.0.1 "$LPORT" <"$work/cli.in" >"$work/cli.out" 2>"$work/cli.err"
    rc=$?
    wait_pid "$far" 60 frc || fail "far side did not end"
    [ "$rc" = 0 ] && [ "$frc" = 0 ] || fail "exits $rc/$frc"
    same "$work/a" "$work/far.out" "client -> far"
    same "$work/b" "$work/cli.out" "far -> client"
}

case_many_clients() {
    # 200 clients at once, distinct data each, through a relay limited to
    # 50 at a time: every echo exact, nobody refused
    echo_peer
    listener relay /dev/null -k --max-conns 50 -t 127.0.0.1 0 --to "tcp:127.0.0.1:$EPORT"
    $PEER clients 127.0.0.1 "$LPORT" 200 65536 >"$work/clients.out" 2>"$work/clients.err" ||
        fail "$(cat "$work/clients.out")"
    grep -qx "OK 200" "$work/clients.out" || fail "$(cat "$work/clients.out")"
    kill -0 "$LPID" 2>/dev/null || fail "the relay ended"
}

case_idle_beside_busy() {
    # 200 connections held open and idle while one more moves 16 MiB both
    # ways through the same relay (issue 12: the engine visits only the
    # pairs with something to do): the busy echo exact, and every idle one
    # still carries its bytes and its EOF afterwards
    echo_peer
    listener relay /dev/null -k --max-conns 300 -t 127.0.0.1 0 --to "tcp:127.0.0.1:$EPORT"
    $PEER idle 127.0.0.1 "$LPORT" 200 $((16 * 1024 * 1024)) >"$work/idle.out" 2>"$work/idle.err" ||
        fail "$(cat "$work/idle.out" "$work/idle.err")"
    grep -qx OK "$work/idle.out" || fail "$(cat "$work/idle.out")"
    kill -0 "$LPID" 2>/dev/null || fail "the relay ended"
}

case_max_conns_waits() {
    # with --max-conns 3 the fourth client waits in the backlog: served
    # once one of the three has gone, never refused
    echo_peer
    listener relay /dev/null -k --max-conns 3 -t 127.0.0.1 0 --to "tcp:127.0.0.1:$EPORT"
    $PEER waits 127.0.0.1 "$LPORT" 3 >"$work/waits.out" 2>"$work/waits.err" ||
        fail "$(cat "$work/waits.out")"
    grep -qx OK "$work/waits.out" || fail "$(cat "$work/waits.out")"
}

# stop_pair DRAIN_OPTS SOURCE: a far side (hvlisten -d, stdout far.out), a
# relay (-k --to it, with DRAIN_OPTS) and a client sending SOURCE's output
# (--send-only); returns once the far side has the first line. FAR, RELAY,
# CPID.
stop_pair() {
    local opts=$1 src=$2
    listener far /dev/null -d -t 127.0.0.1 0
    FAR=$LPID
    local farport=$LPORT
    # shellcheck disable=SC2086
    listener relay /dev/null -k $opts -t 127.0.0.1 0 --to "tcp:127.0.0.1:$farport"
    RELAY=$LPID
    # the source writes into a fifo as a job of its own, killed at the end
    mkfifo "$work/src"
    $src >"$work/src" &
    pids="$pids $!"
    $CAT --send-only -t 127.0.0.1 "$LPORT" <"$work/src" >/dev/null 2>"$work/cli.err" &
    CPID=$!
    pids="$pids $CPID"
    wait_for "$work/far.out" first 30 || fail "the first line did not arrive"
}

src_first_then_idle() { echo first; exec sleep 30; }
# the second line once the relay said it drains (the pair it finishes)
src_first_second() {
    echo first
    wait_for "$work/relay.err" "Stopping:" 30
    echo second
}

case_stop_resets() {
    # a stop cuts the open pairs with a reset both ways: neither the client
    # nor the backend takes the cut stream for a complete one (74, not 0)
    local rc frc crc
    stop_pair "" src_first_then_idle
    kill -TERM "$RELAY"
    wait_pid "$RELAY" 10 rc || fail "the relay did not stop"
    [ "$rc" = 143 ] || fail "relay exit $rc, expected 143 (ended by SIGTERM)"
    wait_pid "$FAR" 10 frc || fail "the backend did not see the end"
    [ "$frc" = 74 ] || fail "backend exit $frc, expected 74 (a reset, not a clean end)"
    wait_pid "$CPID" 10 crc || fail "the client did not see the end"
    [ "$crc" = 74 ] || fail "client exit $crc, expected 74: $(cat "$work/cli.err")"
    grep -q "cut short (reset)" "$work/relay.err" || fail "the relay did not say it cut the pair"
}

case_stop_drain() {
    # --drain: a stop closes the listener at once, and the open pair
    # finishes (the second line arrives, every side ends 0, the relay by
    # its signal once the pair is done, long before the 20 s)
    local rc frc crc t0
    stop_pair "--drain 20" src_first_second
    t0=$(date +%s)
    kill -TERM "$RELAY"
    wait_for "$work/relay.err" "Stopping: 1 connections may finish" 10 ||
        fail "the relay did not say it drains"
    # LPORT: the relay's, the last listener started
    $CAT -z -t 127.0.0.1 "$LPORT" 2>"$work/z.err"
    [ $? = 69 ] || fail "the relay still accepts while it drains: $(cat "$work/z.err")"
    wait_pid "$CPID" 20 crc || fail "the client did not end"
    [ "$crc" = 0 ] || fail "client exit $crc: $(cat "$work/cli.err")"
    wait_pid "$FAR" 20 frc || fail "the backend did not end"
    [ "$frc" = 0 ] || fail "backend exit $frc"
    [ "$(cat "$work/far.out")" = "$(printf 'first\nsecond')" ] || fail "backend got '$(cat "$work/far.out")'"
    wait_pid "$RELAY" 20 rc || fail "the relay did not end"
    [ "$rc" = 143 ] || fail "relay exit $rc, expected 143"
    [ $(($(date +%s) - t0)) -lt 15 ] || fail "the relay waited out --drain with nothing open"
}

case_stop_drain_twice() {
    # a second signal while draining cuts at once
    local rc frc
    stop_pair "--drain 60" src_first_then_idle
    kill -TERM "$RELAY"
    wait_for "$work/relay.err" "Stopping:" 10 || fail "the relay did not drain"
    kill -TERM "$RELAY"
    wait_pid "$RELAY" 10 rc || fail "a second signal did not end the drain"
    [ "$rc" = 143 ] || fail "relay exit $rc, expected 143"
    wait_pid "$FAR" 10 frc || fail "the backend did not see the end"
    [ "$frc" = 74 ] || fail "backend exit $frc, expected 74 (cut: a reset)"
}

case_peer_reset() {
    # a client that resets its connection: the far side sees a reset
    # (exit 74), and the relay goes on serving
    listener far /dev/null -k -d -t 127.0.0.1 0
    local farport=$LPORT far=$LPID
    # far2's stdin stays open (and idle): this shell holds the fifo open
    mkfifo "$work/idle"
    exec 3<>"$work/idle"
    $LISTEN -v -t 127.0.0.1 0 <"$work/idle" >"$work/far2.out" 2>"$work/far2.err" 3>&- &
    local far2=$! frc rc
    pids="$pids $far2"
    local far2port
    listening "$work/far2.err" far2port
    listener relay /dev/null -k -t 127.0.0.1 0 --to "tcp:127.0.0.1:$far2port"
    # the peer resets once its bytes have reached far2 through the relay
    $PEER reset 127.0.0.1 "$LPORT" "$work/far2.out" 2>"$work/reset.err" || fail "peer failed"
    wait_pid "$far2" 10 frc || fail "the far side did not end after the reset"
    [ "$frc" = 74 ] || fail "far side exit $frc, expected 74"
    grep -q "reset" "$work/far2.err" || fail "far side did not say reset"
    kill -0 "$LPID" 2>/dev/null || fail "the relay ended"
    # and serves the next client (to the other far side, via a new relay
    # target is not possible: the same relay, a refused target now)
    echo next | $CAT -t 127.0.0.1 "$LPORT" >/dev/null 2>"$work/next.err"
    kill -0 "$LPID" 2>/dev/null || fail "the relay ended after a failed target"
    grep -q "connect tcp:127.0.0.1:$far2port" "$work/relay.err" ||
        fail "the failed outbound connect was not reported"
    : "$far" "$farport"
}

case_connect_fail() {
    # a target that refuses: that one client is closed, the relay goes on,
    # and serves once the target is up
    echo_peer
    local port
    port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
    listener relay /dev/null -k -t 127.0.0.1 0 --to "tcp:127.0.0.1:$port"
    local rport=$LPORT rc
    echo one | $CAT -t 127.0.0.1 "$rport" >"$work/one.out" 2>"$work/one.err"
    rc=$?
    [ ! -s "$work/one.out" ] || fail "got data from nowhere"
    [ "$rc" != 0 ] || [ ! -s "$work/one.out" ] || fail "client told success"
    kill -0 "$LPID" 2>/dev/null || fail "the relay ended"
    wait_for "$work/relay.err" "connect tcp:127.0.0.1:$port: connection refused" 10 ||
        fail "not reported"
}

# rule_result SPEC WANT OUT REFUSED: the echo listener (LPID, l.err) under
# rule SPEC answered OUT to "ping"; WANT served: it must be the echo, WANT
# refused: nothing, and the listener logged REFUSED. Then it is stopped.
rule_result() {
    if [ "$2" = served ]; then
        [ "$3" = ping ] || fail "$1: not served"
    else
        [ -z "$3" ] || fail "$1: served"
        wait_for "$work/l.err" "$4" 5 || fail "$1: no Refused line"
    fi
    kill "$LPID"
    wait "$LPID" 2>/dev/null || true
}

case_allow_deny_addr() {
    # --allow/--deny by address and prefix; --deny wins
    local spec want out
    for spec in "allow:127.0.0.1:served" "allow:127.0.0.0/8:served" \
        "deny:127.0.0.1:refused" "allow:10.0.0.0/8:refused" \
        "allow:::1:refused" "both:127.0.0.1:refused"; do
        local kind=${spec%%:*} rest=${spec#*:}
        want=${rest##*:}
        local rule=${rest%:*}
        rm -f "$work"/l.*
        case $kind in
        allow) listener l /dev/null -k -e cat -t 127.0.0.1 0 --allow "$rule" ;;
        deny) listener l /dev/null -k -e cat -t 127.0.0.1 0 --deny "$rule" ;;
        both) listener l /dev/null -k -e cat -t 127.0.0.1 0 --allow "$rule" --deny "$rule" ;;
        esac
        out=$(echo ping | $CAT -t 127.0.0.1 "$LPORT" 2>/dev/null)
        rule_result "$spec" "$want" "$out" "Refused tcp:127.0.0.1"
    done
}

refused_twice() { [ "$(grep -c "Refused tcp:127.0.0.1" "$work/l.err")" -ge 2 ]; }

case_refused_not_the_one() {
    # without -k a listener serves one connection: a refused peer is not it
    local mode
    for mode in stdio exec; do
        rm -f "$work"/l.*
        if [ $mode = stdio ]; then
            listener l /dev/null -t 127.0.0.1 0 --deny 127.0.0.1
        else
            listener l /dev/null -e cat -t 127.0.0.1 0 --deny 127.0.0.1
        fi
        echo ping | $CAT -t 127.0.0.1 "$LPORT" >/dev/null 2>&1
        wait_for "$work/l.err" "Refused tcp:127.0.0.1" 5 || fail "$mode: no Refused line"
        # it listens on: a second peer is refused too (the listener took
        # it, so it did not end at the first)
        echo ping | $CAT -t 127.0.0.1 "$LPORT" >/dev/null 2>&1
        e2e_lib_poll 5 refused_twice || fail "$mode: the listener ended after refusing"
        kill -0 "$LPID" 2>/dev/null || fail "$mode: the listener ended after refusing"
        kill "$LPID"
        wait "$LPID" 2>/dev/null || true
    done
}

case_allow_deny_uid() {
    # unix sockets: rules by uid and by user name
    local uid name spec out
    uid=$(id -u)
    name=$(id -un)
    for spec in "allow uid:$uid served" "allow $name served" \
        "deny uid:$uid refused" "allow uid:$((uid + 1)) refused"; do
        set -- $spec
        rm -f "$work"/l.*
        listener l /dev/null -k -e cat -U "$work/l.sock" "--$1" "$2"
        out=$(echo ping | $CAT -U "$work/l.sock" 2>/dev/null)
        rule_result "$spec" "$3" "$out" "Refused unix:uid=$uid"
    done
}

case_exec_env() {
    # an -e command knows both ends
    listener l /dev/null -e 'echo "$HV_PEER_ADDR|$HV_PEER_VM|$HV_LOCAL_ADDR|$HV_LOCAL_SERVICE"' -t 127.0.0.1 0
    local out
    out=$($CAT -t 127.0.0.1 "$LPORT" </dev/null 2>"$work/cli.err")
    case $out in
    "tcp:127.0.0.1:"*"|127.0.0.1|tcp:127.0.0.1:$LPORT|$LPORT") ;;
    *) fail "got '$out'" ;;
    esac
}

rss_fds() {
    echo "$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status") $(ls "/proc/$1/fd" | wc -l)"
}

case_no_leak() {
    # after 1,000 sequential relayed connections the relay holds the same
    # descriptors as after 10, and about the same memory
    [ -d /proc/self/fd ] || exit 77
    echo_peer
    listener relay /dev/null -k -t 127.0.0.1 0 --to "tcp:127.0.0.1:$EPORT"
    local i at10 at1000
    for ((i = 1; i <= 1000; i++)); do
        echo "$i" | $CAT -t 127.0.0.1 "$LPORT" >"$work/o" 2>>"$work/cli.err" || fail "client $i failed"
        [ "$(cat "$work/o")" = "$i" ] || fail "client $i got '$(cat "$work/o")'"
        [ $i = 10 ] && at10=$(rss_fds "$LPID")
    done
    at1000=$(rss_fds "$LPID")
    set -- $at10 $at1000
    echo "relay after 10 connections: RSS $1 KiB, $2 fds; after 1000: RSS $3 KiB, $4 fds"
    [ "$2" = "$4" ] || fail "descriptors grew from $2 to $4"
    # ASan keeps freed memory in quarantine: RSS says nothing there
    if [ -z "${ASAN_OPTIONS:-}" ]; then
        [ $(($3 - $1)) -le 256 ] || fail "RSS grew from $1 to $3 KiB"
    fi
}

declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
