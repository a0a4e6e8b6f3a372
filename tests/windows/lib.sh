# lib.sh: what the Windows tool cases share (relay_cases.sh, end_cases.sh,
# idle_cases.sh),
# sourced after tests/lib/toolcase.sh ($work, $pids, fail).

# wait_for FILE PATTERN SECONDS: poll until grep finds PATTERN in FILE
wait_for() {
    local i
    for ((i = 0; i < $3 * 20; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# bg NAME STDIN CMD...: run CMD in the background, stdout in $work/NAME.out,
# stderr in $work/NAME.err; BPID is its pid
bg() {
    local name=$1 in=$2; shift 2
    "$@" <"$in" >"$work/$name.out" 2>"$work/$name.err" &
    BPID=$!
    pids="$pids $BPID"
}

# ended NAME PID WANT: PID ended within 60 s with exit status WANT
ended() {
    local i st
    for ((i = 0; i < 1200 && $(kill -0 "$2" 2>/dev/null && echo 1 || echo 0); i++)); do
        sleep 0.05
    done
    kill -0 "$2" 2>/dev/null && fail "$1 did not end; stderr: $(cat "$work/$1.err")"
    wait "$2"
    st=$?
    [ "$st" -eq "$3" ] || fail "$1: exit $st, expected $3; stderr: $(cat "$work/$1.err")"
}

# winpath PATH: PATH as Windows names it (Wine's Z: drive)
winpath() { winepath -w "$1" 2>/dev/null | tr -d '\r'; }

# listen_tcp NAME ARGS...: $LISTEN -v -t ARGS 127.0.0.1 0 in the
# background (stdout in $work/NAME.out); LPID and PORT
listen_tcp() {
    local name=$1; shift
    bg "$name" /dev/null $LISTEN -v -t "$@" 127.0.0.1 0
    LPID=$BPID
    wait_for "$work/$name.err" "Listening on" 30 || fail "$name never listened: $(cat "$work/$name.err")"
    PORT=$(tr -d '\r' <"$work/$name.err" | sed -n 's/.*Listening on tcp:127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p')
    [ -n "$PORT" ] || fail "no port in: $(cat "$work/$name.err")"
}
