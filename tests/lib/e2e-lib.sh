# shellcheck shell=bash disable=SC2034
# e2e-lib.sh: sourced by the shell cases that run our tools against each
# other over TCP loopback (tests/e2e, fault, relay and session cases). The sourcing script's $1 is the case name.
# Environment:
#   HV_CLIENT  command for the connecting side (default: $HV_EMU $HVCAT)
#   HV_SERVER  command for the listening side (default: $HV_EMU $HVLISTEN)
# Provides: case_name, CLIENT, SERVER, work (a temporary directory), pids
# (background processes killed at exit; append to it), fail, wait_for,
# wait_size, wait_pid, wait_asleep, wait_stopped, tcp_socks, listening,
# start_server, same, skip.
set -u
case_name=${1:-}
: "${HV_EMU:=}"
CLIENT=${HV_CLIENT:-$HV_EMU $HVCAT}
SERVER=${HV_SERVER:-$HV_EMU $HVLISTEN}
work=$(mktemp -d "${TMPDIR:-/tmp}/hve2e.XXXXXX")
pids=""

# at exit: every background process we started, then the directory (an
# e2e_lib_at_exit function of the sourcing script runs first, e.g. umount)
e2e_lib_cleanup() {
    local p
    if declare -F e2e_lib_at_exit >/dev/null; then e2e_lib_at_exit; fi
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap e2e_lib_cleanup EXIT

# skip WHY: the case cannot run here (ctest reports it skipped), exit 77
skip() { echo "SKIP [$case_name]: $*" >&2; exit 77; }

# fail MESSAGE: report with the stderr files of the case, exit 1
fail() {
    local f
    echo "FAIL [$case_name]: $*" >&2
    for f in "$work"/*.err; do
        if [ -s "$f" ]; then
            echo "--- $f" >&2
            head -c 4000 "$f" >&2
        fi
    done
    exit 1
}

# poll every 50 ms until a test passes or SECONDS are over: 0 or 1
e2e_lib_poll() {
    local secs=$1 i
    shift
    for ((i = 0; i < secs * 20; i++)); do
        "$@" && return 0
        sleep 0.05
    done
    return 1
}
e2e_lib_has() { grep -q -- "$2" "$1" 2>/dev/null; }
e2e_lib_size_ge() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ]; }

# wait_for FILE PATTERN SECONDS: until grep finds PATTERN in FILE
wait_for() { e2e_lib_poll "$3" e2e_lib_has "$1" "$2"; }
# wait_size FILE BYTES SECONDS: until FILE holds at least BYTES
wait_size() { e2e_lib_poll "$3" e2e_lib_size_ge "$1" "$2"; }

# e2e_lib_states PID: the state letters of PID's threads, each once (none
# once PID is gone)
e2e_lib_states() {
    sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' /proc/"$1"/task/*/stat 2>/dev/null | sort -u | tr -d '\n'
}
e2e_lib_stopped() { [ "$(e2e_lib_states "$1")" = T ]; }
e2e_lib_asleep() {
    case $(e2e_lib_states "$1") in S | Z | '') return 0 ;; esac
    return 1
}

# wait_asleep PID SECONDS: until every thread of PID sleeps in a wait
# (state S: blocked until an event, nothing left to do), or PID has ended.
# The event where a tool's own output marks none ("it is idle now").
wait_asleep() { e2e_lib_poll "$2" e2e_lib_asleep "$1"; }
# wait_stopped PID SECONDS: until SIGSTOP has stopped every thread of PID
wait_stopped() { e2e_lib_poll "$2" e2e_lib_stopped "$1"; }

# tcp_socks SIDE PORT: "STATE UNREAD" for each IPv4 TCP socket whose SIDE
# (local or remote) port is PORT: STATE as /proc/net/tcp writes it (01
# established, 05 fin-wait-2, 08 close-wait), UNREAD the bytes (a FIN
# counts one) that came in and were not read yet (a listening socket, 0A:
# the connections waiting to be accepted)
tcp_socks() {
    local want sl l r st q rest p
    want=$(printf '%04X' "$2")
    while read -r sl l r st q rest; do
        if [ "$1" = local ]; then p=${l#*:}; else p=${r#*:}; fi
        [ "$p" = "$want" ] && echo "$st $((16#${q#*:}))"
    done < <(tail -n +2 /proc/net/tcp)
}

# wait_pid PID SECONDS VAR: until PID (our child) has exited; VAR gets its
# exit status. 1 when it still runs at the deadline.
wait_pid() {
    local e2e_pid=$1 e2e_var=$3 e2e_rc
    e2e_lib_poll "$2" eval "! kill -0 $e2e_pid 2>/dev/null" || return 1
    e2e_rc=0
    wait "$e2e_pid" || e2e_rc=$?
    printf -v "$e2e_var" '%s' "$e2e_rc"
}

# listening ERRFILE VAR: wait (30 s) for the "Listening on tcp:HOST:PORT"
# line a listener writes to ERRFILE; VAR gets PORT. Fails the case when
# none comes.
listening() {
    local e2e_port
    wait_for "$1" "Listening on" 30 || fail "no listener: $(cat "$1" 2>/dev/null)"
    e2e_port=$(sed -n 's/.*Listening on tcp:.*:\([0-9][0-9]*\)\r\{0,1\}$/\1/p' "$1" | head -n 1)
    [ -n "$e2e_port" ] || fail "no port in: $(cat "$1")"
    printf -v "$2" '%s' "$e2e_port"
}

# start_server NAME STDIN ARGS...: "$SERVER -v -t ARGS 127.0.0.1 0" in the
# background, stdin from STDIN, stdout to $work/NAME.out, stderr to
# $work/NAME.err. Waits for its "Listening on" line; sets SPID and PORT.
start_server() {
    local name=$1 in=$2
    shift 2
    $SERVER -v -t "$@" 127.0.0.1 0 <"$in" >"$work/$name.out" 2>"$work/$name.err" &
    SPID=$!
    pids="$pids $SPID"
    listening "$work/$name.err" PORT
}

# same FILE1 FILE2 WHAT: fail unless the files are identical
same() {
    cmp -s "$1" "$2" && return 0
    fail "$3: $(stat -c %s "$1") bytes ($(sha256sum <"$1" | cut -c1-12)) vs $(stat -c %s "$2") bytes ($(sha256sum <"$2" | cut -c1-12))"
}

# exchange_ok: the client (exit status in crc) and the listener (SPID) both
# ended with 0, and each received exactly what the other sent (a, b)
exchange_ok() {
    wait_pid "$SPID" 60 src || fail "listener did not end"
    [ "$crc" -eq 0 ] || fail "client exit $crc"
    [ "$src" -eq 0 ] || fail "listener exit $src"
    same "$work/a" "$work/srv.out" "client -> listener"
    same "$work/b" "$work/cli.out" "listener -> client"
}

# producer FILE WATCH BYTES: stdin for a side that must send only after its
# own stdout has received BYTES (i.e. after the peer's data and EOF order).
producer() {
    wait_size "$2" "$3" 60 || { echo "producer: $2 never reached $3" >&2; return 1; }
    cat "$1"
}
