#!/bin/bash
# Windows stop cases, run against the Windows build under Wine: Ctrl+C
# (Wine turns a SIGINT into CTRL_C_EVENT) ends a tool at once with 130,
# during a connect that waits and when the tool's parent started it with
# Ctrl+C ignored. One case per run: stop_cases.sh NAME; each case is a
# function case_NAME. Environment: HVCAT, HVLISTEN, HV_PIPESRV
# (tests/windows/pipesrv.c), HV_EMU (wine or empty).
. "$(dirname "$0")/../lib/toolcase.sh"
. "$(dirname "$0")/lib.sh"

CAT="$emu $HVCAT"
PIPESRV="$emu $HV_PIPESRV"

# a SIGINT reaches a tool as Ctrl+C only under Wine; on Windows a test
# would need a console of its own to send CTRL_C_EVENT in
[ -n "$emu" ] || skip "sends Ctrl+C as Wine's SIGINT; not under Wine"

# free_port: a loopback TCP port that nothing listens on
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# stopped NAME PID: send PID Ctrl+C (SIGINT); it must end with 130 within
# 10 s (a wait in slices or behind the stop event: at once)
stopped() {
    local i
    kill -INT "$2" || fail "$1 was gone before Ctrl+C: $(cat "$work/$1.err")"
    for ((i = 0; i < 200 && $(kill -0 "$2" 2>/dev/null && echo 1 || echo 0); i++)); do
        sleep 0.05
    done
    kill -0 "$2" 2>/dev/null && fail "$1 still runs 10 s after Ctrl+C: $(cat "$work/$1.err")"
    return 0
}

case_ctrlc_connect_pending() {
    # a connect that the peer never answers (its listen queue is full, so
    # its SYNs are dropped: the only unanswered connect on loopback) ends
    # with 130 at Ctrl+C, not at -w's 60 s
    bg full /dev/null python3 -c '
import socket, time
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(0)
fill = []
for i in range(8):
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex(l.getsockname())
    fill.append(c)
print(l.getsockname()[1], flush=True)
time.sleep(120)
'
    wait_for "$work/full.out" '[0-9]' 30 || fail "no full listener: $(cat "$work/full.err")"
    port=$(cat "$work/full.out")
    bg cli /dev/null $CAT -v -w 60 -t 127.0.0.1 "$port"
    cpid=$BPID
    sleep 2
    kill -0 "$cpid" 2>/dev/null || skip "the connect did not wait (the queue never filled): $(cat "$work/cli.err")"
    grep -q "Connected" "$work/cli.err" && skip "the connect went through: the queue never filled"
    stopped cli "$cpid"
    wait "$cpid"
    st=$?
    [ "$st" -eq 130 ] || fail "exit $st after Ctrl+C, expected 130: $(cat "$work/cli.err")"
}

case_ctrlc_when_ignored() {
    # a parent that ignores Ctrl+C passes that on to its children
    # (SetConsoleCtrlHandler(NULL, TRUE)); hvcat takes Ctrl+C back at its
    # start, so that it still ends with 130 during --wait
    local port hpid i
    port=$(free_port)
    bg srv /dev/null $PIPESRV noctrlc "\"$(winpath "$HVCAT")\" -v --wait 60 -t 127.0.0.1 $port"
    spid=$BPID
    wait_for "$work/srv.err" "Waiting for" 30 || fail "hvcat never waited: $(cat "$work/srv.err")"
    # hvcat's own process (Wine runs each Windows process as a Unix one)
    for ((i = 0; i < 100; i++)); do
        hpid=$(pgrep -f "^[^ ]*hvcat\.exe -v --wait 60 -t 127.0.0.1 $port" | head -n 1)
        [ -n "$hpid" ] && break
        sleep 0.1
    done
    [ -n "$hpid" ] || fail "no hvcat process found"
    stopped srv "$hpid"
    ended srv "$spid" 130
    grep -q "noctrlc: exit 130" "$work/srv.err" || fail "hvcat's status: $(cat "$work/srv.err")"
}

declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
exit 0
