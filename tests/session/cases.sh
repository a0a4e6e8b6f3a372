#!/bin/bash
# session cases over TCP loopback: --wait, -z, -i, -q, --send-only,
# --recv-only, --progress. One case per run: cases.sh NAME; each case is a
# function case_NAME (CMake reads the names from here). Environment: HVCAT,
# HVLISTEN, HV_EMU (wine for the Windows build).
. "$(dirname "$0")/../lib/e2e-lib.sh"
CAT=$CLIENT
LISTEN=$SERVER
PEER="python3 $(dirname "$0")/peer.py"

ms() { date +%s%3N; }

# peer MODE: a peer from peer.py in the background; PPID_, PPORT
peer() {
    $PEER "$1" "$work/port" >"$work/peer.out" 2>"$work/peer.err" &
    PPID_=$!
    pids="$pids $PPID_"
    wait_size "$work/port" 2 30 || fail "peer did not start"
    PPORT=$(cat "$work/port")
}

free_port() {
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

case_wait_late() {
    # --wait: a listener that starts once the client said it waits (its
    # first connect was refused); data exact
    local port rc
    port=$(free_port)
    head -c 100000 /dev/urandom >"$work/a"
    head -c 100000 /dev/urandom >"$work/b"
    ( wait_for "$work/c.err" "Waiting for" 30 || exit 1
      exec $LISTEN -t 127.0.0.1 "$port" <"$work/b" >"$work/l.out" 2>"$work/l.err" ) &
    pids="$pids $!"
    $CAT -v --wait 20 -t 127.0.0.1 "$port" <"$work/a" >"$work/c.out" 2>"$work/c.err"
    rc=$?
    wait
    [ $rc = 0 ] || fail "client exit $rc: $(cat "$work/c.err")"
    cmp -s "$work/a" "$work/l.out" || fail "client -> listener differs"
    cmp -s "$work/b" "$work/c.out" || fail "listener -> client differs"
    [ "$(grep -c 'Waiting for' "$work/c.err")" = 1 ] || fail "-v: want one Waiting line"
    grep -q 'Connected to' "$work/c.err" || fail "-v: no Connected line"
}

# timed_end PID FILE PATTERN: the time from PATTERN's coming in FILE (the
# start of what a case times, not the tool's own start, which Wine and a
# loaded machine make slow) to PID's end: sets el (ms) and rc
timed_end() {
    local t0
    wait_for "$2" "$3" 30 || fail "no '$3' in $2"
    t0=$(ms)
    wait_pid "$1" 30 rc || fail "still running 30 s after '$3'"
    el=$(($(ms) - t0))
}

case_wait_nothing() {
    # --wait 1 against nothing: 75 within 1.5 s of the first refusal, with
    # the last error
    local port rc el
    port=$(free_port)
    $CAT -v --wait 1 -t 127.0.0.1 "$port" </dev/null >/dev/null 2>"$work/c.err" &
    pids="$pids $!"
    timed_end $! "$work/c.err" "Waiting for"
    [ $rc = 75 ] || fail "exit $rc, expected 75"
    [ $el -le 1500 ] || fail "took $el ms after the first refusal"
    grep -q 'refused' "$work/c.err" || fail "message lacks the last error: $(cat "$work/c.err")"
}

case_zero() {
    # -z: 0 when something listens, 69 when refused, 75 on a timeout
    local port rc
    port=$(free_port)
    $CAT -z -t 127.0.0.1 "$port" 2>/dev/null
    rc=$?
    [ $rc = 69 ] || fail "refused: exit $rc"
    $LISTEN -t 127.0.0.1 "$port" </dev/null >"$work/l.out" 2>"$work/l.err" &
    pids="$pids $!"
    $CAT -z --wait 20 -t 127.0.0.1 "$port" </dev/null >"$work/z.out" 2>"$work/z.err"
    rc=$?
    [ $rc = 0 ] || fail "listening: exit $rc"
    [ ! -s "$work/z.out" ] || fail "-z printed data"
    python3 "$(dirname "$0")/../e2e/peer.py" backlog-full "$work/bl.port" &
    pids="$pids $!"
    local t=300
    while [ ! -s "$work/bl.port" ] && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done
    $CAT -z -w 1 -t 127.0.0.1 "$(cat "$work/bl.port")" 2>/dev/null
    rc=$?
    [ $rc = 75 ] || fail "timeout: exit $rc"
}

case_idle() {
    # -i 1 against a peer that sends once, then nothing: 75 within 2 s of
    # that data, which is delivered
    local rc el
    peer silent
    mkfifo "$work/in"
    sleep 10 >"$work/in" &
    pids="$pids $!"
    $CAT -i 1 -t 127.0.0.1 "$PPORT" <"$work/in" >"$work/c.out" 2>"$work/c.err" &
    pids="$pids $!"
    timed_end $! "$work/c.out" once
    [ $rc = 75 ] || fail "exit $rc, expected 75"
    [ $el -le 2000 ] || fail "took $el ms after the data"
    [ "$(cat "$work/c.out")" = once ] || fail "got '$(cat "$work/c.out")'"
    grep -q 'idle' "$work/c.err" || fail "message: $(cat "$work/c.err")"
}

case_quit() {
    # -q 1 against a peer that never closes: 0 within 2 s of stdin's end
    # (timed from the peer's EOF), all the data sent (the peer saw it and
    # the EOF)
    local rc el
    peer sink
    head -c 300000 /dev/urandom >"$work/a"
    $CAT -q 1 -t 127.0.0.1 "$PPORT" <"$work/a" >/dev/null 2>"$work/c.err" &
    pids="$pids $!"
    timed_end $! "$work/peer.out" EOF
    [ $rc = 0 ] || fail "exit $rc"
    [ $el -le 2000 ] || fail "took $el ms after the peer's EOF"
    [ "$(cat "$work/peer.out")" = "300000 EOF" ] || fail "peer saw: $(cat "$work/peer.out")"
    # -q 0: at once after the half-close
    rm -f "$work/port" "$work/peer.out"
    peer sink
    $CAT -q 0 -t 127.0.0.1 "$PPORT" <"$work/a" >/dev/null 2>"$work/c.err" &
    pids="$pids $!"
    timed_end $! "$work/peer.out" EOF
    [ $rc = 0 ] || fail "-q 0: exit $rc"
    [ $el -le 1000 ] || fail "-q 0 took $el ms after the peer's EOF"
}

case_send_only() {
    # --send-only never reads the stream: the reply is not printed; the
    # peer got everything and the EOF
    local rc
    peer probe
    head -c 200000 /dev/urandom >"$work/a"
    $CAT --send-only -t 127.0.0.1 "$PPORT" <"$work/a" >"$work/c.out" 2>"$work/c.err"
    rc=$?
    wait "$PPID_"
    [ $rc = 0 ] || fail "exit $rc"
    [ ! -s "$work/c.out" ] || fail "send-only printed '$(cat "$work/c.out")'"
    [ "$(cat "$work/peer.out")" = "200000 EOF" ] || fail "peer saw: $(cat "$work/peer.out")"
}

case_recv_only() {
    # --recv-only (-d) never reads stdin and half-closes at once
    local rc opt
    for opt in --recv-only -d; do
        rm -f "$work/port" "$work/peer.out"
        peer probe
        mkfifo "$work/in.$opt" 2>/dev/null
        ( echo never-read; sleep 10 ) >"$work/in.$opt" &
        pids="$pids $!"
        $CAT $opt -t 127.0.0.1 "$PPORT" <"$work/in.$opt" >"$work/c.out" 2>"$work/c.err"
        rc=$?
        wait "$PPID_"
        [ $rc = 0 ] || fail "$opt: exit $rc"
        [ "$(cat "$work/c.out")" = reply ] || fail "$opt: got '$(cat "$work/c.out")'"
        [ "$(cat "$work/peer.out")" = "0 EOF" ] || fail "$opt: peer saw: $(cat "$work/peer.out")"
    done
}

# slow_source N: N lines of 1000 bytes, one every 0.5 s
slow_source() {
    local i line
    line=$(head -c 999 /dev/zero | tr '\0' x)
    for ((i = 0; i < $1; i++)); do
        echo "$line"
        sleep 0.5
    done
}

case_progress_log() {
    # --progress to a file: a plain line every 5 s with rising counts, and
    # a final summary equal to what moved
    local rc
    $LISTEN -v -t 127.0.0.1 0 </dev/null >"$work/l.out" 2>"$work/l.err" &
    pids="$pids $!"
    local port
    listening "$work/l.err" port
    # the listener half-closes at once (its stdin is /dev/null) and our
    # source pauses: --send-only, or the session would end 0.5 s into a
    # pause (the gone-peer rule for TCP, where a close looks like that)
    slow_source 23 | $CAT --send-only --progress -t 127.0.0.1 "$port" >/dev/null 2>"$work/c.err"
    rc=$?
    [ $rc = 0 ] || fail "exit $rc"
    local lines prev=0 n
    lines=$(grep -c '^hvcat: Progress: sent [0-9]* bytes, received 0 bytes, ' "$work/c.err")
    [ "$lines" -ge 2 ] || fail "want at least 2 Progress lines: $(cat "$work/c.err")"
    for n in $(sed -n 's/^hvcat: Progress: sent \([0-9]*\) bytes.*/\1/p' "$work/c.err"); do
        [ "$n" -gt "$prev" ] || fail "progress did not rise: $prev then $n"
        prev=$n
    done
    grep -q '^hvcat: Transferred: sent 23000 bytes, received 0 bytes, ' "$work/c.err" ||
        fail "no exact final line: $(tail -n 1 "$work/c.err")"
    ! grep -q $'\r' "$work/c.err" || fail "carriage returns in a log"
}

case_progress_tty() {
    # Wine maps a Unix pty to no Windows console: nothing to see there
    [ -z "$HV_EMU" ] || exit 77
    # --progress on a terminal: one line redrawn in place, at most 4 times
    # a second, cleared at the end, then the final summary
    command -v script >/dev/null || exit 77
    local port rc t0 el
    $LISTEN -k -t 127.0.0.1 0 -v </dev/null >/dev/null 2>"$work/l.err" &
    pids="$pids $!"
    listening "$work/l.err" port
    slow_source 6 >"$work/src"
    # (--wait-stdin: the listener half-closed at once, and the source
    # pauses; see progress_log)
    t0=$(ms)
    script -qec "sh -c 'while read -r l; do echo \"\$l\"; sleep 0.5; done <$work/src | $CAT --wait-stdin --progress -t 127.0.0.1 $port >/dev/null'" "$work/tty.log" >/dev/null 2>&1
    rc=$?
    el=$(($(ms) - t0))
    [ $rc = 0 ] || fail "exit $rc: $(cat "$work/tty.log")"
    local redraws
    redraws=$(grep -o $'\rhvcat: Progress: ' "$work/tty.log" | wc -l)
    [ "$redraws" -ge 2 ] || fail "no redrawn line: $(cat -v "$work/tty.log")"
    # at most 4 a second (and a little slack) over the run as long as it
    # took (about 3 s, longer on a loaded machine)
    [ "$redraws" -le $((el * 4 / 1000 + 4)) ] || fail "$redraws redraws in $el ms"
    # cleared with blanks (no escape sequences), then the summary
    grep -qE $'\r {40,}\r' "$work/tty.log" || fail "the line was not cleared"
    ! grep -q $'\e' "$work/tty.log" || fail "escape sequences on the terminal"
    grep -q 'Transferred: sent 6000 bytes' "$work/tty.log" || fail "no final line"
}

# ------------------------------------------------------------- fast paths

# need_strace: skip unless strace runs here (Linux build only: strace
# follows Linux processes, not Wine's)
need_strace() {
    [ -z "$HV_EMU" ] || skip "the one-way fast path is POSIX (Windows moves each way in its own thread)"
    command -v strace >/dev/null || skip "strace is not installed"
    strace -qq -o /dev/null true 2>/dev/null || skip "strace may not trace here (ptrace refused)"
    # LeakSanitizer cannot run under ptrace (the sanitized suite)
    [ -z "${ASAN_OPTIONS:-}" ] || export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
}

# The engine waits with poll, or epoll on Linux (poll in the sanitizer
# build): what strace is to trace for its waits, a wait in its output, and
# a wait that includes stdin (poll's entry, anywhere in its array: the
# stop's pipe may come first; or epoll's registration).
waits=poll,epoll_wait,epoll_ctl
wait_re='poll(\|epoll_wait('
stdin_wait_re='poll(\[[^]]*{fd=0, events=POLLIN\|EPOLL_CTL_[A-Z]*, 0, {events=EPOLLIN'

# one_way MODE OUT EVENTS: $work/a (a regular file) through hvcat to a
# listener -d whose stdout is OUT (file: $work/out.MODE; pipe: a pipe to
# cat, which writes that file), both under strace -e trace=EVENTS; MODE
# plain sets HV_NO_FAST_PATH=1. Traces in $work/l.MODE and $work/c.MODE;
# fails unless both exit 0 and $work/out.MODE equals $work/a.
one_way() {
    local mode=$1 out=$2 ev=$3 env="" rc lrc port lpid
    [ "$mode" = plain ] && env="HV_NO_FAST_PATH=1"
    rm -f "$work/l.err"
    if [ "$out" = pipe ]; then
        # pipefail: the subshell ends with the listener's status
        ( set -o pipefail
          env $env strace -qq -f -e "trace=$ev" -o "$work/l.$mode" \
            $LISTEN -v -d -t 127.0.0.1 0 </dev/null 2>"$work/l.err" |
            cat >"$work/out.$mode" ) &
    else
        env $env strace -qq -f -e "trace=$ev" -o "$work/l.$mode" \
            $LISTEN -v -d -t 127.0.0.1 0 </dev/null >"$work/out.$mode" 2>"$work/l.err" &
    fi
    lpid=$!
    pids="$pids $lpid"
    listening "$work/l.err" port
    env $env strace -qq -f -e "trace=$ev" -o "$work/c.$mode" \
        $CAT -t 127.0.0.1 "$port" <"$work/a" >/dev/null 2>"$work/c.err"
    rc=$?
    wait_pid "$lpid" 30 lrc || fail "$mode: listener hung"
    [ $rc = 0 ] || fail "$mode: client exit $rc"
    [ "$lrc" = 0 ] || fail "$mode: listener exit $lrc"
    same "$work/a" "$work/out.$mode" "$mode: data"
}

case_fast_one_way() {
    # with one way left, the pump moves it with blocking calls
    # and no poll (the listener -d receives, the client sends a regular
    # file once the listener's EOF is in); HV_NO_FAST_PATH=1 forces the
    # poll loop, which must move the same bytes
    local blk dw
    need_strace
    head -c 24M /dev/urandom >"$work/a"
    one_way fast file recvfrom,sendto,fcntl,$waits
    one_way plain file recvfrom,sendto,$waits
    # stdout is a file, which splice cannot serve: the connection's
    # blocking mode is left alone (no fcntl for a splice not taken)
    grep -q 'fcntl(.*F_SETFL' "$work/l.fast" &&
        fail "fast: the connection's flags were changed for no splice: $(grep 'F_SETFL' "$work/l.fast" | head -n 2)"
    # the listener: blocking receives (flags 0), and once the first one
    # ran, neither a poll nor a non-blocking receive (the ones before
    # serve the accept, stdout's check and the first chunks)
    blk=$(grep -c 'recvfrom(.*, 0, NULL, NULL) = [1-9]' "$work/l.fast")
    [ "$blk" -ge 10 ] || fail "fast: $blk blocking receives with data (want >= 10)"
    dw=$(sed -n '/recvfrom(.*, 0, NULL, NULL) = [1-9]/,$p' "$work/l.fast" |
        grep -c "$wait_re\\|MSG_DONTWAIT")
    [ "$dw" = 0 ] || fail "fast: $dw waits or non-blocking receives after the first blocking one"
    # the client: blocking sends once it saw the listener's EOF
    blk=$(grep -c 'sendto(.*, MSG_NOSIGNAL, NULL, 0) = [1-9]' "$work/c.fast")
    [ "$blk" -ge 5 ] || fail "fast: $blk blocking sends (want >= 5)"
    # the plain loop never blocks in a call
    grep -q 'recvfrom(.*, 0, NULL, NULL)' "$work/l.plain" && fail "plain: a blocking receive"
    grep -q 'sendto(.*, MSG_NOSIGNAL, NULL, 0)' "$work/c.plain" && fail "plain: a blocking send"
    grep -q "$wait_re" "$work/l.plain" || fail "plain: no wait at all?"
    true
}

case_fast_splice() {
    # a connection into a pipe on stdout, the one way left, goes
    # by splice (one copy, not two); HV_NO_FAST_PATH=1 reads and writes,
    # and both deliver the same bytes
    local n
    need_strace
    head -c 16M /dev/urandom >"$work/a"
    one_way fast pipe splice,recvfrom,fcntl
    one_way plain pipe splice,recvfrom
    # the connection is non-blocking while it is spliced from, and given
    # back its blocking mode after
    grep -q 'fcntl(.*F_SETFL, .*O_NONBLOCK' "$work/l.fast" ||
        fail "fast: the connection was not made non-blocking for splice"
    n=$(grep -c 'splice(.*) = [1-9]' "$work/l.fast")
    [ "$n" -ge 2 ] || fail "fast: $n splices with data (want >= 2)"
    grep -q 'splice(.*) = 0' "$work/l.fast" || fail "fast: the EOF did not come by splice"
    grep -q 'splice(' "$work/l.plain" && fail "plain: splice was used"
    grep -q 'recvfrom(.*) = [1-9]' "$work/l.plain" || fail "plain: no receive with data"
    true
}

case_fast_two_way() {
    # both ways open, no timer: after a few poll rounds, a -> b
    # in a helper thread and b -> a in the main one, both with blocking
    # calls and no poll on stdin (a pipe here); HV_NO_FAST_PATH=1 polls,
    # and both move the same bytes both ways at once
    local mode env rc lrc lpid port t1 t2 n
    need_strace
    head -c 8M /dev/urandom >"$work/a"
    head -c 8M /dev/urandom >"$work/b"
    for mode in fast plain; do
        env=""
        [ "$mode" = plain ] && env="HV_NO_FAST_PATH=1"
        rm -f "$work/l.err" "$work/l.$mode"
        # the listener sends once half the client's bytes are in: both ways
        # stay open while the threads start (its data and EOF arriving
        # first would leave the client one way, which the event loop keeps
        # since the gone-peer rule watches stdin)
        { wait_size "$work/l.$mode" 4194304 60; cat "$work/b"; } |
            $LISTEN -v -t 127.0.0.1 0 >"$work/l.$mode" 2>"$work/l.err" &
        lpid=$!
        pids="$pids $lpid"
        listening "$work/l.err" port
        # the client's stdin pauses once, after 4 MiB, until the listener
        # has them: the plain loop then waits for stdin (a -> b stays
        # busy till then), and the fast path's thread blocks in read
        { head -c 4194304 "$work/a"; wait_size "$work/l.$mode" 4194304 60
          tail -c +4194305 "$work/a"; } |
            env $env strace -qq -f -e trace=read,recvfrom,sendto,$waits \
            -o "$work/c.$mode" $CAT -t 127.0.0.1 "$port" >"$work/out.$mode" 2>"$work/c.err"
        rc=$?
        wait_pid "$lpid" 30 lrc || fail "$mode: listener hung"
        [ $rc = 0 ] || fail "$mode: client exit $rc"
        [ "$lrc" = 0 ] || fail "$mode: listener exit $lrc"
        same "$work/a" "$work/l.$mode" "$mode: client -> listener"
        same "$work/b" "$work/out.$mode" "$mode: listener -> client"
    done
    # the first few poll rounds run before the second thread starts (a
    # one-shot request does not pay for it); then a blocking send from
    # stdin's thread, not the main one, and no wait for stdin after it (the
    # main thread's poll of b and its wake pipe is not one), while the
    # connection sends (once its EOF is in, stdin goes back to the event
    # loop, whose timer watches for a gone peer)
    n=$(grep -c 'sendto(.*, MSG_NOSIGNAL, NULL, 0) = [1-9]' "$work/c.fast")
    [ "$n" -ge 1 ] || fail "fast: no blocking send"
    sed '/"", [0-9]*, 0, NULL, NULL) = 0$/q' "$work/c.fast" |
        sed -n '/sendto(.*, MSG_NOSIGNAL, NULL, 0) = [1-9]/,$p' |
        grep -q 'poll(\[[^]]*{fd=0, events=POLLIN\|epoll_wait(' &&
        fail "fast: stdin waited for once its thread ran (epoll's set holds it)"
    t1=$(head -n 1 "$work/c.fast" | cut -d' ' -f1)
    t2=$(grep -m1 'sendto(.*, MSG_NOSIGNAL, NULL, 0) = [1-9]' "$work/c.fast" | cut -d' ' -f1)
    [ -n "$t2" ] && [ "$t1" != "$t2" ] || fail "fast: the blocking send ran in the main thread ($t1)"
    grep -q "$stdin_wait_re" "$work/c.plain" || fail "plain: stdin never waited for"
    grep -q 'recvfrom(.*, 0, NULL, NULL)\|sendto(.*, MSG_NOSIGNAL, NULL, 0)' "$work/c.plain" &&
        fail "plain: a blocking call"
    true
}

# idle_pair OUT [LISTENER OPTIONS]: a listener (stdin /dev/null, stdout
# OUT) and a client whose stdin is a fifo that sends "hello" and then
# idles (--wait-stdin: the listener's EOF does not end it); LPID, CPID,
# IPORT (the listener's port). Returns once the listener has the
# connection.
idle_pair() {
    local out=$1 port
    shift
    rm -f "$work/l.err" "$work/in"
    $LISTEN -v "$@" -t 127.0.0.1 0 </dev/null >"$out" 2>"$work/l.err" &
    LPID=$!
    pids="$pids $LPID"
    listening "$work/l.err" port
    IPORT=$port
    mkfifo "$work/in"
    ( echo hello; sleep 20 ) >"$work/in" &
    pids="$pids $!"
    $CAT --wait-stdin -t 127.0.0.1 "$port" <"$work/in" >/dev/null 2>"$work/c.err" &
    CPID=$!
    pids="$pids $CPID"
    wait_for "$work/l.err" "Connection from" 10 || fail "no connection"
}

# eof_read PORT: the connection to port PORT has read its peer's EOF
eof_read() { tcp_socks remote "$1" | grep -qx '08 0'; }

case_fast_two_way_stop() {
    # both threads blocked (stdin and the connection idle): SIGTERM ends
    # the client at once, by that signal; SIGHUP likewise (SIGINT: a
    # background job of a script has it ignored)
    local sig want rc t0
    [ -z "$HV_EMU" ] || skip "the two-way fast path is POSIX"
    for sig in TERM HUP; do
        [ $sig = TERM ] && want=143 || want=129
        idle_pair "$work/l.$sig"
        # idle both ways: its line is out, the listener's EOF read (its
        # socket in close-wait with nothing unread), and the client waits
        wait_for "$work/l.$sig" hello 10 || fail "$sig: the line did not arrive"
        e2e_lib_poll 10 eof_read "$IPORT" || fail "$sig: the client did not read the listener's EOF"
        wait_asleep "$CPID" 10 || fail "$sig: the client did not settle"
        t0=$(ms)
        kill -$sig "$CPID"
        wait_pid "$CPID" 5 rc || fail "$sig: the client ignored the signal"
        [ "$rc" = $want ] || fail "$sig: exit $rc, expected $want"
        [ $(($(ms) - t0)) -le 2000 ] || fail "$sig: took $(($(ms) - t0)) ms"
        kill "$LPID" 2>/dev/null || true # it may have ended with the session
    done
}

case_fast_stop() {
    # a signal ends a receive blocked on the fast path as it ends a poll:
    # the listener -d waits in recv for a client that sends nothing
    local rc t0
    [ -z "$HV_EMU" ] || skip "the one-way fast path is POSIX"
    idle_pair "$work/l.out" -d
    wait_for "$work/l.out" hello 10 || fail "the line did not arrive"
    wait_asleep "$LPID" 10 || fail "the listener did not settle"
    t0=$(ms)
    kill -TERM "$LPID"
    wait_pid "$LPID" 5 rc || fail "the listener blocked in recv ignored SIGTERM"
    [ "$rc" = 143 ] || fail "exit $rc, expected 143 (ended by SIGTERM)"
    [ $(($(ms) - t0)) -le 2000 ] || fail "took $(($(ms) - t0)) ms to stop"
}

# ------------------------------------------------------------- asleep

# switches PID: context switches of every thread of PID so far
switches() {
    local t n=0
    for t in /proc/"$1"/task/*/status; do
        n=$((n + $(awk '/^(non)?voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }' "$t" 2>/dev/null || echo 0)))
    done
    echo "$n"
}

# asleep PID WHAT: PID wakes at most 3 times in 3 s of nothing to do
asleep() {
    local a b
    a=$(switches "$1")
    sleep 3
    b=$(switches "$1")
    echo "$2: $((b - a)) wakeups in 3 s" >&2
    [ $((b - a)) -le 3 ] || fail "$2: $((b - a)) wakeups in 3 s idle (at most 3)"
}

case_idle_asleep() {
    # a listener or a session with nothing to do sleeps in the
    # kernel: no timer to look at stop flags, stdout or commands (the stop
    # and a command's end arrive as events). Counted with the context
    # switches of every thread (Linux /proc; Wine's are not the tool's)
    local port mode lpid cpid
    [ -z "$HV_EMU" ] || skip "context switches are read from Linux's /proc"
    # stdin that stays open and sends nothing: a fifo opened read-write
    mkfifo "$work/idle"
    for mode in stdio stdio_k exec_k to_k; do
        rm -f "$work/l.err"
        case $mode in
        stdio) $LISTEN -v -t 127.0.0.1 0 <>"$work/idle" >/dev/null 2>"$work/l.err" & ;;
        stdio_k) $LISTEN -v -k -t 127.0.0.1 0 <>"$work/idle" >/dev/null 2>"$work/l.err" & ;;
        exec_k) $LISTEN -v -k -e cat -t 127.0.0.1 0 </dev/null >/dev/null 2>"$work/l.err" & ;;
        to_k) $LISTEN -v -k --to tcp:127.0.0.1:9 -t 127.0.0.1 0 </dev/null >/dev/null 2>"$work/l.err" & ;;
        esac
        lpid=$!
        pids="$pids $lpid"
        listening "$work/l.err" port
        wait_asleep "$lpid" 10 || fail "$mode: the listener did not settle"
        asleep "$lpid" "hvlisten ($mode), no client"
        if [ $mode = exec_k ] || [ $mode = stdio_k ]; then
            # a session where nobody sends: both ends asleep too
            $CAT -t 127.0.0.1 "$port" <>"$work/idle" >/dev/null 2>"$work/c.err" &
            cpid=$!
            pids="$pids $cpid"
            wait_for "$work/l.err" "Connection from" 10 || fail "$mode: no connection"
            wait_asleep "$lpid" 10 && wait_asleep "$cpid" 10 || fail "$mode: the session did not settle"
            asleep "$lpid" "hvlisten ($mode), an idle session"
            asleep "$cpid" "hvcat, an idle session ($mode)"
            kill "$cpid"
        fi
        kill "$lpid"
        wait "$lpid" 2>/dev/null
    done
    true
}

# ------------------------------------------------------ the wait for a client

# WAITS: the wait calls strace is told to show
WAITS=poll,ppoll,epoll_wait,epoll_pwait,select,pselect6,nanosleep,clock_nanosleep

# waits TRACE: the number of wait calls TRACE shows so far
waits() { grep -cE '(poll|epoll_wait|epoll_pwait|select|pselect6|nanosleep)\(' "$1"; }
waited() { [ "$(waits "$1")" -ge 1 ]; }

# one_wait TRACE WHAT: the tool traced to TRACE is in a wait, and no wait
# call of it returns in 2 s of nothing to do (strace shows each call as it
# starts: a call that returned and waited again is a new line)
one_wait() {
    local a b
    e2e_lib_poll 10 waited "$1" || fail "$2: never waited"
    a=$(waits "$1")
    sleep 2
    b=$(waits "$1")
    echo "$2: $((b - a)) wait calls in 2 s idle" >&2
    [ "$b" = "$a" ] || fail "$2: $((b - a)) wait calls in 2 s of waiting for a client: $(tail -n 4 "$1")"
}

# woke_by_event TRACE WHAT: the last wait call in TRACE had no timeout and
# returned with an event
woke_by_event() {
    local last
    last=$(grep -E '(poll|epoll_wait|epoll_pwait|select|pselect6|nanosleep)\(' "$1" | tail -n 1)
    case $last in
    *", -1) = "[1-9]*) ;;
    *) fail "$2: the wait did not end by an event: $last" ;;
    esac
}

case_wait_client_asleep() {
    # hvlisten waits for its client (without -k, and between -k's
    # sessions) in one wait of the relay engine, with no timer: strace
    # sees no wait call return while nothing happens. Its stdout's
    # reader leaving (a pipe) is an event of that wait: it ends at once,
    # exit 0, without a word. --ready waits the same way, and a stop
    # (SIGTERM) ends its wait at once: 143
    local mode rc t0 spid hpid port
    [ -z "$HV_EMU" ] || skip "strace traces the Linux build"
    command -v strace >/dev/null || skip "no strace"
    # LeakSanitizer cannot run under ptrace (the sanitized suite)
    [ -z "${ASAN_OPTIONS:-}" ] || export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
    for mode in one keep; do
        rm -f "$work/out" "$work/l.err" "$work/trace"
        mkfifo "$work/out"
        # the reader holds the pipe and reads nothing, until killed
        sleep 600 <"$work/out" &
        hpid=$!
        pids="$pids $hpid"
        if [ $mode = keep ]; then set -- -k; else set --; fi
        strace -f -o "$work/trace" -e trace=$WAITS $HVLISTEN -v "$@" -t 127.0.0.1 0 </dev/null >"$work/out" 2>"$work/l.err" &
        spid=$!
        pids="$pids $spid"
        listening "$work/l.err" port
        if [ $mode = keep ]; then
            # the wait after a session is the same wait
            printf 'hi\n' | $CAT -t 127.0.0.1 "$port" >/dev/null 2>"$work/c.err" || fail "keep: the client failed: $(cat "$work/c.err")"
            wait_for "$work/l.err" "Closed" 10 || fail "keep: the session did not end: $(cat "$work/l.err")"
        fi
        one_wait "$work/trace" "hvlisten ($mode)"
        t0=$(ms)
        kill "$hpid"
        wait_pid "$spid" 10 rc || fail "$mode: hvlisten went on after its stdout's reader left"
        echo "$mode: ended $(($(ms) - t0)) ms after the reader left" >&2
        [ "$rc" = 0 ] || fail "$mode: exit $rc, expected 0: $(cat "$work/l.err")"
        woke_by_event "$work/trace" "$mode"
        ! grep -v -e 'Listening on' -e 'Connection from' -e 'Closed' "$work/l.err" | grep -q . ||
            fail "$mode: said more: $(cat "$work/l.err")"
    done
    rm -f "$work/l.err" "$work/trace"
    strace -f -o "$work/trace" -e trace=$WAITS $HVLISTEN -v --ready -t 127.0.0.1 0 </dev/null >/dev/null 2>"$work/l.err" &
    spid=$!
    pids="$pids $spid"
    listening "$work/l.err" port
    one_wait "$work/trace" "hvlisten --ready"
    # the traced process is strace's child
    kill -TERM "$(ps -o pid= --ppid "$spid" | tr -d ' ')"
    wait_pid "$spid" 10 rc || fail "--ready: SIGTERM did not end the wait"
    [ "$rc" = 143 ] || fail "--ready: exit $rc after SIGTERM, expected 143"
}

declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
