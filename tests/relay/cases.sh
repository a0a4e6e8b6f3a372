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


# descendants PID: every process under PID (an -e command that lingers,
# socat's children), each parent before its children
descendants() {
    local c
    for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        echo "$c"
        descendants "$c"
    done
}

# at exit, before the processes of $pids: what they started, and the
# commands that wrote their pid to $work/cmd.pids (a socat child's command
# outlives the child)
e2e_lib_at_exit() {
    local p all=""
    for p in $pids; do all="$all $(descendants "$p")"; done
    [ -f "$work/cmd.pids" ] && all="$all $(cat "$work/cmd.pids")"
    for p in $all; do kill -9 "$p" 2>/dev/null; done
}

# limited N CMD...: exec CMD with at most N descriptors, none inherited
# beyond 0-2, so that the count left for connections is the same wherever
# the case runs (run it in the background: it replaces the subshell)
limited() {
    local n=$1 f
    shift
    for f in /proc/self/fd/*; do
        f=${f##*/}
        [ "$f" -gt 2 ] && eval "exec $f>&-" 2>/dev/null
    done
    ulimit -n "$n" && exec "$@"
}

# socat_relay NAME TARGET [LIMIT [OPTS [LOPTS]]]: socat forking a process
# per client, from TCP 127.0.0.1 (a free port) to TARGET (a socat address),
# as a listener() does (LPID, LPORT; NAME.err its log); LIMIT: at most that
# many descriptors; OPTS: more socat options (-T 2), LOPTS: more options of
# the listening address (max-children=5). Skips the case where socat is
# missing.
socat_relay() {
    local name=$1 target=$2 lim=${3:-} opts=${4:-} lopts=${5:-}
    command -v socat >/dev/null 2>&1 || skip "no socat here (Debian: socat)"
    # shellcheck disable=SC2086
    if [ -n "$lim" ]; then
        limited "$lim" socat -d -d $opts TCP-LISTEN:0,bind=127.0.0.1,fork,reuseaddr${lopts:+,$lopts} \
            "$target" </dev/null >"$work/$name.out" 2>"$work/$name.err" &
    else
        socat -d -d $opts TCP-LISTEN:0,bind=127.0.0.1,fork,reuseaddr${lopts:+,$lopts} \
            "$target" </dev/null >"$work/$name.out" 2>"$work/$name.err" &
    fi
    LPID=$!
    pids="$pids $LPID"
    wait_for "$work/$name.err" "listening on" 30 || fail "socat never listened"
    LPORT=$(sed -n 's/.*listening on AF=2 [0-9.]*:\([0-9][0-9]*\)$/\1/p' "$work/$name.err" | head -n 1)
    [ -n "$LPORT" ] || fail "no port in socat's log"
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
    # ways through the same relay (the engine visits only the pairs with
    # something to do): the busy echo exact, and every idle one
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
        "allow user:$name served" "deny user:$name refused" \
        "deny uid:$uid refused" "allow uid:$((uid + 1)) refused"; do
        set -- $spec
        rm -f "$work"/l.*
        listener l /dev/null -k -e cat -U "$work/l.sock" "--$1" "$2"
        out=$(echo ping | $CAT -U "$work/l.sock" 2>/dev/null)
        rule_result "$spec" "$3" "$out" "Refused unix:uid=$uid"
    done
    # a Windows SID names no POSIX user: refused before listening (65)
    $LISTEN -U "$work/l.sock" --deny sid:S-1-5-18 </dev/null >/dev/null 2>"$work/sid.err"
    out=$?
    [ "$out" -eq 65 ] || fail "sid: rule: exit $out"
    grep -q "hvlisten: --deny 'sid:S-1-5-18': sid:SID is for Windows: POSIX users are names or uid:NUMBER" "$work/sid.err" ||
        fail "sid: rule: $(cat "$work/sid.err")"
}

# unix_sent PID: PID's unix socket has bytes its peer has not taken yet
unix_sent() { ss -xnp 2>/dev/null | grep "pid=$1," | awk '$4 > 0 { f = 1 } END { exit !f }'; }

case_refused_unix_reset() {
    # a unix client --deny turns away with its bytes unread gets a reset
    # (74), never a clean end: AF_UNIX has no reset of its own, but a
    # close with the peer's bytes unread is one (ECONNRESET). Made
    # certain: the listener is stopped until the client's bytes wait
    # in its connection
    local uid cpid crc
    command -v ss >/dev/null 2>&1 || skip "no ss here (Debian: iproute2)"
    uid=$(id -u)
    listener l /dev/null -k -e cat -U "$work/l.sock" --deny "uid:$uid"
    kill -STOP "$LPID"
    wait_stopped "$LPID" 10 || fail "the listener did not stop"
    echo ping | $CAT -U "$work/l.sock" >"$work/cli.out" 2>"$work/cli.err" &
    cpid=$!
    pids="$pids $cpid"
    e2e_lib_poll 20 unix_sent "$cpid" || fail "the client's bytes never left"
    kill -CONT "$LPID"
    wait_pid "$cpid" 20 crc || fail "the refused client hung"
    [ "$crc" -eq 74 ] || fail "exit $crc, expected 74: $(cat "$work/cli.err")"
    [ "$(head -n 1 "$work/cli.err")" = \
        "hvcat: unix:$work/l.sock: connection reset by peer before any data (refused by the listener?)" ] ||
        fail "message: $(cat "$work/cli.err")"
    [ ! -s "$work/cli.out" ] || fail "refused, yet got '$(cat "$work/cli.out")'"
    wait_for "$work/l.err" "Refused unix:uid=$uid" 10 || fail "no Refused line"
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

case_exec_max_conns_one() {
    # -k -e with --max-conns 1: the one place is freed when the command
    # ends, and the next client is served (the listener once took a full
    # place as its last connection and ended after the first)
    local i out
    listener l /dev/null -k -e 'echo hi' --max-conns 1 -t 127.0.0.1 0
    for i in 1 2 3; do
        out=$($CAT -t 127.0.0.1 "$LPORT" </dev/null 2>"$work/cli$i.err") ||
            fail "client $i: $(cat "$work/cli$i.err")"
        [ "$out" = hi ] || fail "client $i got '$out'"
    done
    kill -0 "$LPID" 2>/dev/null || fail "the listener ended: $(cat "$work/l.err")"
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

# ---- a stuck backend, idle -e clients, no descriptors left ----

# stuck_backend unix|tcp: peer.py stuck, a backend that takes one
# connection and echoes on it, then leaves its queue full (it writes
# $work/full then); BACKEND, the --to address of it
stuck_backend() {
    if [ "$1" = unix ]; then
        $PEER stuck unix "$work/b.sock" "$work/full" 2>"$work/stuck.err" &
        pids="$pids $!"
        e2e_lib_poll 30 test -S "$work/b.sock" || fail "the backend did not start"
        BACKEND=unix:$work/b.sock
    else
        $PEER stuck tcp "$work/b.port" "$work/full" 2>"$work/stuck.err" &
        pids="$pids $!"
        wait_size "$work/b.port" 2 30 || fail "the backend did not start"
        BACKEND=tcp:127.0.0.1:$(cat "$work/b.port")
    fi
}

# between T MIN MAX: MIN <= T <= MAX (seconds, with fractions)
between() { awk -v t="$1" -v a="$2" -v b="$3" 'BEGIN { exit !(t >= a && t <= b) }'; }

# backlog_full ends|waits MIN MAX: the relay on LPORT (LPID) carries each
# client to the stuck backend. The first client's pair is made (the one
# connection the backend takes) and echoes a line every 50 ms; once the
# backend's queue is full two more clients connect, and the relay's
# connects for them are stuck. The first pair must go on: every round trip
# within 2 s, while the two are stuck and after (a loop frozen in a connect
# stalls it for the whole -w, or for ever). ends: each of the two is ended
# (EOF or reset) between MIN and MAX s after its connect; waits: both are
# still open after MAX s (a connect is retried, as a blocking one would
# wait). Neither gets a byte; the relay runs on.
backlog_full() {
    local want=$1 min=$2 max=$3 secs x rc how t n
    secs=${max%.*}
    [ "$want" = ends ] && secs=$((secs + 6))
    $PEER pinger 127.0.0.1 "$LPORT" "$work/stop" 2 >"$work/ping.out" 2>"$work/ping.err" &
    local ping=$!
    pids="$pids $ping"
    wait_for "$work/ping.out" UP 30 || fail "the first client's pair was not made: $(cat "$work/ping.out")"
    wait_for "$work/full" full 30 || fail "the backend's queue did not fill"
    for x in b c; do
        $PEER probe 127.0.0.1 "$LPORT" "$secs" stuck 0 >"$work/$x.out" 2>"$work/$x.err" &
        pids="$pids $!"
        eval "local pid_$x=\$!"
    done
    for x in b c; do
        eval "wait_pid \$pid_$x $((secs + 15)) rc" || fail "stuck client $x: the probe did not end"
    done
    touch "$work/stop"
    wait_pid "$ping" 30 rc || fail "the first client did not end"
    [ "$rc" = 0 ] || fail "the first pair stalled while two connects to the backend were stuck: $(tr '\n' ' ' <"$work/ping.out")"
    for x in b c; do
        read -r how t n < <(tail -n 1 "$work/$x.out")
        [ "$n" = 0 ] || fail "stuck client $x received $n bytes"
        case $want in
        ends)
            case $how in
            EOF | RESET) ;;
            *) fail "stuck client $x: $how after $t s, expected its end by -w" ;;
            esac
            between "$t" "$min" "$max" ||
                fail "stuck client $x ended ($how) after $t s, expected between $min and $max s (the backend's queue is full: retried until -w)" ;;
        waits)
            [ "$how" = OPEN ] ||
                fail "stuck client $x ended ($how) after $t s, expected it to wait (the backend may accept later)" ;;
        esac
    done
    kill -0 "$LPID" 2>/dev/null || fail "the relay ended"
    echo "first pair: $(tail -n 1 "$work/ping.out"); stuck clients: $(tail -n 1 "$work/b.out") / $(tail -n 1 "$work/c.out")"
}

# backend_named: with a stuck client ended, the relay said so, naming the
# backend (not only in its "Relaying ... to" line)
backend_named() {
    grep -v "Relaying" "$work/relay.err" | grep -qF "$BACKEND" ||
        fail "no message names the backend $BACKEND"
}

case_to_unix_backlog_full() {
    # a unix backend whose backlog is full: its clients'
    # connects are retried until -w 3 and then ended, while the pair the
    # backend took goes on echoing
    stuck_backend unix
    listener relay /dev/null -k -w 3 -t 127.0.0.1 0 --to "$BACKEND"
    backlog_full ends 2.5 5.5
    backend_named
}

case_to_unix_backlog_full_nowait() {
    # the same without -w: the stuck clients wait (for
    # ever, as a blocking connect would), and the loop does not freeze
    stuck_backend unix
    listener relay /dev/null -k -t 127.0.0.1 0 --to "$BACKEND"
    backlog_full waits 0 4
}

case_to_tcp_backlog_full() {
    # a TCP backend whose queue is full drops the SYNs:
    # the connects hang until -w 3 (not 2: a loop frozen for each stuck
    # client's -w in turn must stall the first pair beyond the 2 s bound of
    # a round trip), and the first pair goes on echoing
    stuck_backend tcp
    listener relay /dev/null -k -w 3 -t 127.0.0.1 0 --to "$BACKEND"
    backlog_full ends 2.5 5.5
    backend_named
}

# socat in the relay's place (a process per client): what ours must match
case_to_unix_backlog_full_socat() {
    stuck_backend unix
    socat_relay relay "UNIX-CONNECT:$work/b.sock,connect-timeout=3"
    # socat ends them at once (its connect says EAGAIN, not retried)
    backlog_full ends 0 5.5
}

case_to_unix_backlog_full_nowait_socat() {
    stuck_backend unix
    socat_relay relay "UNIX-CONNECT:$work/b.sock"
    backlog_full waits 0 4
}

case_to_tcp_backlog_full_socat() {
    stuck_backend tcp
    socat_relay relay "TCP:${BACKEND#tcp:},connect-timeout=3"
    backlog_full ends 2.5 5.5
}

# conns_ge FILE PATTERN N: the listener's log FILE has N lines with
# PATTERN (one a connection it took)
conns_ge() { [ "$(grep -c "$2" "$1")" -ge "$3" ]; }

# exec_idle ACCEPTED: the listener on LPORT (LPID, log relay.err, a line
# with ACCEPTED for each connection it takes) runs cat for each client, at
# most 5 at once, and ends a session idle for 2 s. Five clients take the
# five slots and send nothing; a sixth must be served within 6 s of its
# connect (the idle ones ended by the timer), the five see their end (EOF
# or reset, not before 1.5 s), and the listener serves a seventh.
exec_idle() {
    local rc how t n i
    $PEER hold 127.0.0.1 "$LPORT" 5 15 >"$work/hold.out" 2>"$work/hold.err" &
    local hold=$!
    pids="$pids $hold"
    wait_for "$work/hold.out" "HELD 5" 30 || fail "the five idle clients did not connect"
    # the listener took all five: the sixth waits for a slot
    e2e_lib_poll 30 conns_ge "$work/relay.err" "$1" 5 || fail "the listener did not take the five"
    $PEER probe 127.0.0.1 "$LPORT" 8 six 1 >"$work/six.out" 2>"$work/six.err"
    t=$(sed -n 's/^ECHO //p' "$work/six.out")
    [ -n "$t" ] || fail "the sixth client got no echo within 8 s while five idle ones held the slots ($(tail -n 1 "$work/six.out"))"
    between "$t" 0 6 || fail "the sixth client's echo came after $t s (expected within 6 s)"
    read -r how t n < <(tail -n 1 "$work/six.out")
    [ "$how" = EOF ] || fail "the sixth client's session ended with $how after $t s, expected EOF (cat's end)"
    wait_pid "$hold" 30 rc || fail "the idle clients' watcher did not end"
    how=""
    for ((i = 0; i < 5; i++)); do
        read -r how t < <(sed -n "s/^END $i //p" "$work/hold.out")
        [ -n "${how:-}" ] || fail "idle client $i still open after 15 s: $(tr '\n' ' ' <"$work/hold.out")"
        case $how in EOF | RESET) ;; *) fail "idle client $i: $how" ;; esac
        between "$t" 1.5 8 || fail "idle client $i ended after $t s, expected between 1.5 and 8 s (-i 2)"
        how=""
    done
    kill -0 "$LPID" 2>/dev/null || fail "the listener ended"
    $PEER probe 127.0.0.1 "$LPORT" 8 seven 1 >"$work/seven.out" 2>"$work/seven.err"
    grep -q "^ECHO" "$work/seven.out" || fail "a client after the idle ones was not served"
    echo "sixth: $(tr '\n' ' ' <"$work/six.out"); idle ones: $(grep -c "^END" "$work/hold.out") ended, $(sed -n 's/^END [0-9]* //p' "$work/hold.out" | tr '\n' ' ')"
}

case_exec_idle_frees_slots() {
    # -i applies with -e (clients that send nothing do
    # not hold the --max-conns slots for ever)
    listener relay /dev/null -k -e cat --max-conns 5 -i 2 -t 127.0.0.1 0
    exec_idle "Connection from"
}

case_exec_idle_frees_slots_socat() {
    socat_relay relay EXEC:cat "" "-T 2" max-children=5
    exec_idle "accepting connection from"
}

# the command of the exec_quit cases: peer.py speak-first, which answers,
# shuts its socket down for writing and waits for its client's end of file
# (its pid noted for the end of the case)
speaker_cmd() { echo "$PEER speak-first $work/cmd.pids"; }

# exec_quit: the listener on LPORT (LPID) runs speaker_cmd for each
# client and once the command's output has reached its end of file waits
# at most 1 s for the client's (hvlisten(1): -q with -e). The client reads
# the answer and its end of file, then stays, silent and without its end of
# file: the listener must close the connection between 0.7 and 4 s after
# that end of file; then a second client, the same way
exec_quit() {
    local x how t n
    for x in one two; do
        $PEER quiet 127.0.0.1 "$LPORT" 10 >"$work/$x.out" 2>"$work/$x.err"
        read -r how t n < <(head -n 1 "$work/$x.out")
        [ "$how $n" = "REPLY hello" ] || fail "client $x: no answer and end of file: $(tr '\n' ' ' <"$work/$x.out")"
        between "$t" 0 5 || fail "client $x's answer came after $t s"
        read -r how t n < <(tail -n 1 "$work/$x.out")
        [ "$how" = CLOSED ] ||
            fail "client $x: $how $t s after the command's end of file, expected its connection closed by -q 1"
        between "$t" 0.7 4 ||
            fail "client $x's connection was closed $t s after the command's end of file, expected between 0.7 and 4 s (-q 1)"
    done
    kill -0 "$LPID" 2>/dev/null || fail "the listener ended"
    echo "client one: $(tr '\n' ' ' <"$work/one.out"); client two: $(tr '\n' ' ' <"$work/two.out")"
}

case_exec_quit() {
    # -q applies with -e: after the command's end of file
    # the client's is waited for at most -q seconds, then the connection is
    # closed (a client that never half-closes does not hold the session)
    listener relay /dev/null -k -e "$(speaker_cmd)" -q 1 -t 127.0.0.1 0
    exec_quit
}

case_exec_quit_socat() {
    socat_relay relay "SYSTEM:$(speaker_cmd)" "" "-t 1"
    exec_quit
}

# wait_count FILE PATTERN N SECONDS: until FILE has N lines matching
# PATTERN
relay_has_n() { [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ]; }
wait_count() { e2e_lib_poll "$4" relay_has_n "$1" "$2" "$3"; }
# cpu_ticks PID: its user and system time so far, in clock ticks
cpu_ticks() {
    local st
    st=$(cat /proc/"$1"/stat) || return 1
    set -- ${st##*) }
    echo $(($12 + $13))
}

case_exec_input_unread() {
    # a command that ends with its client's bytes unread, after the
    # client's end of file came in: those bytes have nowhere to go, the
    # way into the command is done, and the session ends cleanly with the
    # command (before: the relay retried the write for ever at full CPU,
    # and the session never ended, its slot held; with -i it ended at the
    # idle time, as a timeout). -q and -i relay -e's command (handed the
    # connection itself, a command that ends with input unread makes the
    # kernel reset it, as with socat and ncat). Once both ends' FINs went,
    # TCP shows no more of the listener's socket, so the ends are read in
    # its -v lines, and its CPU time while idle afterwards
    local q x how t c0 c1
    for q in "-q 3" "-i 30"; do
        # shellcheck disable=SC2086
        listener relay /dev/null -k -e "sleep 1" $q -t 127.0.0.1 0
        for x in one two; do
            $PEER flood-shut 127.0.0.1 "$LPORT" 400000 20 >"$work/$x.out" 2>"$work/$x.err" ||
                fail "client $x ($q): $(cat "$work/$x.err")"
            read -r how t < <(head -n 1 "$work/$x.out")
            [ "$how" = EOF ] || fail "client $x ($q): $(tr '\n' ' ' <"$work/$x.out")"
        done
        wait_count "$work/relay.err" "Closed .*: exit status 0" 2 20 ||
            fail "$q: the sessions did not end: $(cat "$work/relay.err")"
        ! grep -qi "reset\|error\|timed out" "$work/relay.err" ||
            fail "$q: an error reported: $(cat "$work/relay.err")"
        c0=$(cpu_ticks "$LPID")
        sleep 1
        c1=$(cpu_ticks "$LPID")
        [ $((c1 - c0)) -lt 25 ] || fail "$q: the idle listener used $((c1 - c0)) ticks of CPU in 1 s"
        echo "$q: $(tr '\n' ' ' <"$work/one.out") / $(tr '\n' ' ' <"$work/two.out"); idle CPU $((c1 - c0)) ticks"
        kill "$LPID"
        wait "$LPID" 2>/dev/null || true
    done
}

# emfile_bursts NAME: 3 bursts of 60 clients at once (distinct random
# 64 KiB each) through the relay on LPORT: every echo exact, none reset or
# refused; the relay runs on
emfile_bursts() {
    local i
    for ((i = 1; i <= 3; i++)); do
        $PEER clients 127.0.0.1 "$LPORT" 60 65536 20 >"$work/clients.out" 2>"$work/clients.err" ||
            fail "$1, burst $i: $(cat "$work/clients.out")"
        grep -qx "OK 60" "$work/clients.out" || fail "$1, burst $i: $(cat "$work/clients.out")"
        kill -0 "$LPID" 2>/dev/null || fail "$1: the relay ended"
    done
}

case_to_emfile_backpressure() {
    # out of descriptors the relay keeps clients waiting,
    # never resets one: 60 at once through a relay allowed 48 (and 47:
    # either parity of what is left after its own, so that some accept
    # takes the last descriptor and the backend's socket() fails)
    local lim save=$LISTEN
    echo_peer
    for lim in 48 47; do
        LISTEN="limited $lim $save"
        listener "relay$lim" /dev/null -k -t 127.0.0.1 0 --to "tcp:127.0.0.1:$EPORT"
        LISTEN=$save
        emfile_bursts "ulimit -n $lim"
        kill "$LPID"
        wait "$LPID" 2>/dev/null || true
    done
}

case_to_emfile_backpressure_socat() {
    # socat with hvlisten's listen backlog (16; socat's own is 5, which
    # a burst of 60 overflows on a loaded machine: 2 of 60 clients reset
    # at load 8 here, a difference of the backlog, not what is compared;
    # with 16, 5 of 5 runs at load 9 passed)
    echo_peer
    socat_relay relay "TCP:127.0.0.1:$EPORT" 48 "" "backlog=16"
    emfile_bursts "socat, ulimit -n 48"
}

# ---- a backend's host name looked up off the event loop ----

# slow_names_ok: the tools take an LD_PRELOAD shim (a dynamic build, the
# shim built), else the case skips
slow_names_ok() {
    [ -n "${HV_GAISHIM:-}" ] && [ -f "$HV_GAISHIM" ] || skip "no name server shim (relay/gaishim.c)"
    [ -z "$HV_EMU" ] || skip "the shim is for native builds"
    ldd "$HVLISTEN" >/dev/null 2>&1 || skip "hvlisten is linked statically: LD_PRELOAD cannot reach it"
}

case_to_name_lookup_beside_pairs() {
    # --to tcp:NAME:PORT looks NAME up for each client. A name server that
    # answers late (the shim holds every lookup after the first until told)
    # must delay only the client that waits for it: the first pair echoes
    # every 50 ms throughout (a lookup in the event loop would stall it for
    # the whole hold), and the held client is served once the answer comes
    slow_names_ok
    echo_peer
    HV_GAI_NAME=backend.hvsock-test HV_GAI_HOLD=2 HV_GAI_HELD=$work/held \
        HV_GAI_RELEASE=$work/release LD_PRELOAD=$HV_GAISHIM \
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
        listener relay /dev/null -k -t 127.0.0.1 0 --to "tcp:backend.hvsock-test:$EPORT"
    $PEER pinger 127.0.0.1 "$LPORT" "$work/stop" 2 >"$work/ping.out" 2>"$work/ping.err" &
    local ping=$! rc how t n
    pids="$pids $ping"
    wait_for "$work/ping.out" UP 30 || fail "the first client's pair was not made: $(cat "$work/ping.out") $(cat "$work/relay.err")"
    $PEER probe 127.0.0.1 "$LPORT" 30 held 0 >"$work/b.out" 2>"$work/b.err" &
    local probe=$!
    pids="$pids $probe"
    e2e_lib_poll 30 test -e "$work/held" || fail "the second client's lookup never started"
    # the hold outlasts the pinger's 2 s bound of a round trip
    sleep 3
    kill -0 "$ping" 2>/dev/null || fail "the first client ended while a lookup was held: $(tr '\n' ' ' <"$work/ping.out")"
    [ ! -s "$work/b.out" ] || grep -q "^OPEN\|^ECHO" "$work/b.out" ||
        fail "the held client ended before its backend was found: $(cat "$work/b.out")"
    touch "$work/release"
    wait_for "$work/b.out" "^ECHO" 30 || fail "the held client was not served after the answer: $(cat "$work/b.out") $(cat "$work/relay.err")"
    touch "$work/stop"
    wait_pid "$ping" 30 rc || fail "the first client did not end"
    [ "$rc" = 0 ] || fail "the first pair stalled while a backend's name was looked up: $(tr '\n' ' ' <"$work/ping.out")"
    kill -0 "$LPID" 2>/dev/null || fail "the relay ended"
    echo "first pair: $(tail -n 1 "$work/ping.out")"
}

case_to_name_unknown() {
    # a backend name that does not resolve: that client is reset, the
    # relay says why and goes on
    echo_peer
    listener relay /dev/null -k -t 127.0.0.1 0 --to "tcp:no-such-host.invalid:$EPORT"
    local rc
    echo one | $CAT -t 127.0.0.1 "$LPORT" >"$work/one.out" 2>"$work/one.err"
    rc=$?
    [ ! -s "$work/one.out" ] || fail "got data from nowhere"
    [ "$rc" != 0 ] || fail "the client was told success"
    wait_for "$work/relay.err" "no-such-host.invalid" 10 || fail "the failed lookup was not reported: $(cat "$work/relay.err")"
    kill -0 "$LPID" 2>/dev/null || fail "the relay ended"
}

declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
