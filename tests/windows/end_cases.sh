#!/bin/bash
# How a session ends on Windows, run against the
# Windows build (under Wine when cross built), over TCP and named pipes:
# stdout let go of once the connection's EOF is out, while stdin stays
# open; a gone peer ends the session within 1 s while stdin idles, and
# --wait-stdin keeps waiting; a listener without -k is refused to a second
# client at once (69), one with -k queues it; nothing listening is 69.
#
# The tool's stdout is a pipe that another process reads ("pipesrv watch",
# tests/windows/pipesrv.c), which reports its end the moment it comes: under
# Wine a Unix pipe as stdout stays open in the process (Wine keeps the
# Unix descriptor) however the Windows handle is closed, while a pipe from
# a Windows parent shows the close. Each case runs once; one whose
# transport is missing exits 77. One case per run: end_cases.sh NAME (CMake
# reads the names from the "case_NAME() {" lines).
# Environment: HVCAT, HVLISTEN, HV_PIPESRV, HV_EMU (wine or empty).
. "$(dirname "$0")/../lib/toolcase.sh"
. "$(dirname "$0")/lib.sh"

CAT="$emu $HVCAT"
LISTEN="$emu $HVLISTEN"
DEADLINE=1000 # ms: for the data, the stdout's end, a gone peer's session
pipe=hvend-$$-$case_name

ms() {
    local t=${EPOCHREALTIME//[!0-9]/}
    echo $((t / 1000))
}

# until_ms T0 MS CMD...: poll CMD until it succeeds; 1 once MS have passed
# since T0
until_ms() {
    local t0=$1 lim=$2
    shift 2
    while ! "$@"; do
        [ $(($(ms) - t0)) -lt "$lim" ] || return 1
        sleep 0.02
    done
}

has() { grep -q "$2" "$1" 2>/dev/null; }

# hold FIFO: a writer that keeps FIFO open (its reader sees no EOF) until
# unhold; HOLD_PID
hold() {
    mkfifo "$1"
    sleep 120 >"$1" &
    HOLD_PID=$!
    pids="$pids $HOLD_PID"
}
unhold() { kill "$1" 2>/dev/null; }

# watched NAME STDIN TOOL ARGS...: TOOL ARGS with its stdout a pipe that
# pipesrv reads into $work/NAME.out ("watch: eof" and "watch: exit N" in
# $work/NAME.err); WPID
watched() {
    local name=$1 in=$2 tool=$3
    shift 3
    bg "$name" "$in" $emu "$HV_PIPESRV" watch "$(winpath "$tool") $*"
    WPID=$BPID
}

# listening NAME: wait for NAME's "Listening on" line; PORT for TCP
listening() {
    until_ms "$(ms)" 30000 has "$work/$1.err" "Listening on" ||
        fail "$1 never listened: $(cat "$work/$1.err")"
    PORT=$(tr -d '\r' <"$work/$1.err" |
           sed -n 's/.*Listening on tcp:127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p')
}

# the address options for transport T (tcp, npipe) of a listener, and of a
# client once the listener's PORT is known
laddr() { if [ "$1" = tcp ]; then echo "-t 127.0.0.1 0"; else echo "--npipe $pipe"; fi; }
caddr() { if [ "$1" = tcp ]; then echo "-t 127.0.0.1 $PORT"; else echo "--npipe $pipe"; fi; }

# server_says T [OPTIONS]: a listener on T whose stdin gives "hello" once
# told (say_hello), then its end; it waits for its client (Connection
# from). OPTIONS: -q 0 closes the connection at stdin's end, otherwise it
# only half-closes (TCP) and reads on. SPID
server_says() {
    local t=$1
    shift
    hold "$work/sin"
    SHOLD=$HOLD_PID
    bg srv "$work/sin" $LISTEN -v "$@" $(laddr "$t")
    SPID=$BPID
    listening srv
}
say_hello() {
    printf 'hello\n' >"$work/sin"
    unhold "$SHOLD"
}

# client_of T NAME [OPTIONS]: hvcat OPTIONS to the listener on T, watched,
# its stdin a pipe held open and idle (CHOLD); WPID
client_of() {
    local t=$1 name=$2
    shift 2
    hold "$work/cin"
    CHOLD=$HOLD_PID
    watched "$name" "$work/cin" "$HVCAT" "$@" $(caddr "$t")
    until_ms "$(ms)" 30000 has "$work/srv.err" "Connection from" ||
        fail "no connection: $(cat "$work/srv.err" "$work/$name.err")"
}

# ---------------------------------------------------------------- hvcat

# stdout_ends T: with --wait-stdin (no gone-peer rule), the server sends
# "hello" and half-closes; hvcat's stdout reader has the line and its end
# within 1 s while hvcat runs on, and what hvcat's stdin sends afterwards
# still reaches the server. A named pipe's end is a close: the server
# closes (-q 0), and nothing can follow.
stdout_ends() {
    local t=$1 t0
    if [ "$t" = tcp ]; then server_says tcp; else server_says npipe -q 0; fi
    client_of "$t" cli --wait-stdin
    t0=$(ms)
    say_hello
    until_ms "$t0" $DEADLINE has "$work/cli.out" hello ||
        fail "no 'hello' within ${DEADLINE} ms: $(cat "$work/cli.err")"
    until_ms "$t0" $DEADLINE has "$work/cli.err" "watch: eof" ||
        fail "stdout still open ${DEADLINE} ms after the peer's EOF"
    sleep 0.5
    has "$work/cli.err" "watch: exit" && fail "hvcat ended: $(cat "$work/cli.err")"
    if [ "$t" = tcp ]; then
        printf 'bye\n' >"$work/cin"
        unhold "$CHOLD"
        ended cli "$WPID" 0
        ended srv "$SPID" 0
        [ "$(tr -d '\r' <"$work/srv.out")" = bye ] ||
            fail "the server got '$(cat "$work/srv.out")' of hvcat's stdin"
    else
        unhold "$CHOLD"
        ended cli "$WPID" 0
        ended srv "$SPID" 0
    fi
}
case_hvcat_stdout_ends_tcp() { stdout_ends tcp; }
case_hvcat_stdout_ends_npipe() { stdout_ends npipe; }

# gone T [--wait-stdin]: the server sends "hello" and closes (-q 0); hvcat's
# stdin stays open and sends nothing. By default the session ends within
# 1 s (TCP: stdin idle 0.5 s after the EOF; a pipe: at once), exit 0; with
# --wait-stdin it waits for stdin's end.
gone() {
    local t=$1 t0
    shift
    server_says "$t" -q 0
    client_of "$t" cli "$@"
    t0=$(ms)
    say_hello
    until_ms "$t0" $DEADLINE has "$work/cli.out" hello ||
        fail "no 'hello' within ${DEADLINE} ms: $(cat "$work/cli.err")"
    ended srv "$SPID" 0
    if [ $# -eq 0 ]; then
        until_ms "$t0" $DEADLINE has "$work/cli.err" "watch: exit" ||
            fail "hvcat still runs ${DEADLINE} ms after its peer closed"
        echo "[$case_name] ended $(($(ms) - t0)) ms after the peer's close" >&2
        ended cli "$WPID" 0
    else
        sleep 1.5
        has "$work/cli.err" "watch: exit" &&
            fail "hvcat $* ended while stdin was open: $(cat "$work/cli.err")"
        unhold "$CHOLD"
        ended cli "$WPID" 0
    fi
    [ "$(tr -d '\r' <"$work/cli.out")" = hello ] || fail "got '$(cat "$work/cli.out")'"
}
case_hvcat_gone_tcp() { gone tcp; }
case_hvcat_gone_npipe() { gone npipe; }
case_hvcat_gone_wait_stdin_tcp() { gone tcp --wait-stdin; }
case_hvcat_gone_wait_stdin_npipe() { gone npipe --wait-stdin; }

# ---------------------------------------------------------------- hvlisten

# connections N: the listener lis has reported N connections or more
connections() {
    [ "$(grep -c "Connection from" "$work/lis.err" 2>/dev/null)" -ge "$1" ]
}

# one_client T NAME LINE: a client that sends LINE and closes (-q 0); T0 once
# the listener has its connection (the Nth "Connection from" line, N the
# count of clients so far), T1 once the client has ended
one_client() {
    local t=$1 name=$2 n
    n=$(($(grep -c "Connection from" "$work/lis.err" 2>/dev/null) + 1))
    printf '%s\n' "$3" >"$work/$name.in"
    bg "$name" "$work/$name.in" $CAT -q 0 $(caddr "$t")
    until_ms "$(ms)" 30000 connections "$n" ||
        fail "no connection from $name: $(cat "$work/lis.err" "$work/$name.err")"
    T0=$(ms)
    ended "$name" "$BPID" 0
    T1=$(ms)
}

# listener_gone T [-k]: hvlisten's stdin stays open and idle, its stdout a
# watched pipe; a client sends "hello" and closes. Without -k the line
# comes within 1 s of the connection, stdout's end and hvlisten's exit 0
# within 1 s of the client's close; with -k stdout stays open and the next
# client's line follows on it.
listener_gone() {
    local t=$1 k=${2:-}
    hold "$work/lin"
    watched lis "$work/lin" "$HVLISTEN" -v $k $(laddr "$t")
    listening lis
    one_client "$t" c1 hello
    until_ms "$T0" $DEADLINE has "$work/lis.out" hello ||
        fail "no 'hello' within ${DEADLINE} ms: $(cat "$work/lis.err")"
    if [ -z "$k" ]; then
        until_ms "$T1" $DEADLINE has "$work/lis.err" "watch: eof" ||
            fail "stdout still open ${DEADLINE} ms after the client closed"
        until_ms "$T1" $DEADLINE has "$work/lis.err" "watch: exit" ||
            fail "hvlisten still runs ${DEADLINE} ms after its client closed"
        echo "[$case_name] ended $(($(ms) - T1)) ms after the client's close" >&2
        ended lis "$WPID" 0
        return
    fi
    sleep 1
    has "$work/lis.err" "watch: eof" && fail "-k: stdout closed after a session"
    one_client "$t" c2 again
    until_ms "$T0" $DEADLINE has "$work/lis.out" again ||
        fail "-k: no second line: $(cat "$work/lis.err")"
    has "$work/lis.err" "watch: eof" && fail "-k: stdout closed"
    return 0
}
case_hvlisten_gone_tcp() { listener_gone tcp; }
case_hvlisten_gone_npipe() { listener_gone npipe; }
case_hvlisten_keep_stdout_tcp() { listener_gone tcp -k; }
case_hvlisten_keep_stdout_npipe() { listener_gone npipe -k; }

# ---------------------------------------------------------------- listeners

# second_refused T: a listener without -k serving one client (both stdins
# open and idle, --wait-stdin: the session lasts) refuses the next at once:
# exit 69, no longer than a run of hvcat -V plus 1 s.
second_refused() {
    local t=$1 t0 base took
    hold "$work/lin"
    bg srv "$work/lin" $LISTEN -v --wait-stdin $(laddr "$t")
    SPID=$BPID
    listening srv
    hold "$work/cin"
    bg first "$work/cin" $CAT --wait-stdin $(caddr "$t")
    FPID=$BPID
    until_ms "$(ms)" 30000 has "$work/srv.err" "Connection from" ||
        fail "no first connection: $(cat "$work/srv.err" "$work/first.err")"
    t0=$(ms)
    $CAT -V >/dev/null 2>&1
    base=$(($(ms) - t0))
    t0=$(ms)
    run "$HVCAT" $(caddr "$t")
    took=$(($(ms) - t0))
    echo "[$case_name] refused in $took ms (hvcat -V: $base ms)" >&2
    expect_rc 69
    expect_err_has "connection refused"
    [ "$took" -le $((base + DEADLINE)) ] || fail "refused only after $took ms"
    kill -0 "$FPID" 2>/dev/null || fail "the first client ended: $(cat "$work/first.err")"
}
case_second_refused_tcp() { second_refused tcp; }
case_second_refused_npipe() { second_refused npipe; }

# A listener with -k queues the clients that come while it serves stdio:
# three at once, each sending a line and closing, are all served in turn
# (a named pipe's queue is the listener's own: npipe_win.c).
case_keep_queues_npipe() {
    local i
    bg lis /dev/null $LISTEN -v -k --npipe "$pipe"
    listening lis
    for i in 1 2 3; do
        printf 'client %s\n' "$i" >"$work/in$i"
        bg "c$i" "$work/in$i" $CAT -q 0 --npipe "$pipe"
        eval "c$i=\$BPID"
    done
    ended c1 "$c1" 0
    ended c2 "$c2" 0
    ended c3 "$c3" 0
    # a client ends once its bytes are sent; the listener may write them
    # out a moment later
    for i in 1 2 3; do
        wait_for "$work/lis.out" "client $i" 20 ||
            fail "client $i not served: $(cat "$work/lis.out")"
    done
}

# ---------------------------------------------------------------- exit codes

# Nothing listens: 69 for --npipe, for --to npipe: at the relay, and for a
# unix socket path where AF_UNIX exists (Wine has none: 77).
case_npipe_nothing_listens() {
    run "$HVCAT" --npipe "$pipe"
    expect_rc 69
    expect_err "hvcat: connect npipe:\\\\.\\pipe\\$pipe: connection refused"
    bg relay /dev/null $LISTEN -v -t 127.0.0.1 0 --to "npipe:$pipe"
    RPID=$BPID
    listening relay
    $CAT -t 127.0.0.1 "$PORT" </dev/null >/dev/null 2>"$work/c.err"
    ended relay "$RPID" 69
    has "$work/relay.err" "connect npipe:.*connection refused" ||
        fail "relay said: $(cat "$work/relay.err")"
}

case_unix_nothing_listens() {
    run "$HVCAT" -U "$work/none.sock"
    case "$err" in
    *"unix domain sockets are not available"*)
        echo "no AF_UNIX here (Wine): case not applicable"
        exit 77 ;;
    esac
    expect_rc 69
    expect_err_has "no such socket file (nothing listens there)"
}

declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
exit 0
