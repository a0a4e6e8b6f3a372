#!/bin/bash
# Windows service cases (hvlisten --install-service, --service,
# --remove-service) under Wine, which has a service control manager
# (services.exe) and sc.exe. One case per run: service_cases.sh NAME (each
# a function case_NAME; tests/winservice.cmake lists them). Each case makes
# its own WINEPREFIX with its own wineserver, so that no service outlives
# it or meets another case's; service names are unique per case too.
# Environment: HVLISTEN, HVCAT, HV_EMU (wine).
. "$(dirname "$0")/../lib/toolcase.sh"
. "$(dirname "$0")/lib.sh"

[ -n "$emu" ] || skip "runs the cross build under Wine (a native Windows run needs an elevated prompt)"
command -v wineserver >/dev/null || skip "no wineserver"
LISTEN="$emu $HVLISTEN"
svc=hvt$$$case_name
sc() { $emu sc "$@" 2>/dev/null | tr -d '\r'; }

# A prefix of the case's own. wineboot -u starts one services.exe; the
# -i of tests/wine-env.sh on an empty prefix leaves two, which answer the
# manager's pipe by turns and each know only the services made through it.
# BOOT_DEBUG: WINEDEBUG for wineboot alone, so for services.exe and the
# services it starts (their Wine messages in $work/wine.err).
own_prefix() {
    WINEPREFIX=$work/pfx
    export WINEPREFIX
    mkdir -p "$WINEPREFIX"
    trap 'wineserver -k >/dev/null 2>&1; toolcase_cleanup' EXIT
    wineserver -p
    WINEDEBUG=${BOOT_DEBUG:--all} wineboot -u >/dev/null 2>"$work/wine.err" ||
        fail "wineboot -u failed in $WINEPREFIX"
}

# imagepath NAME: the command line of the service NAME
imagepath() {
    $emu reg query "HKLM\\System\\CurrentControlSet\\Services\\$1" /v ImagePath 2>/dev/null | tr -d '\r'
}

# source NAME: the event source key of NAME (reg query's listing)
source() {
    $emu reg query "HKLM\\System\\CurrentControlSet\\Services\\EventLog\\Application\\$1" 2>/dev/null | tr -d '\r'
}

# state NAME: the STATE word sc query prints (RUNNING, STOPPED, ...)
state() { sc query "$1" | sed -n 's/^ *STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p'; }
# field NAME KEY: a number sc query prints (WIN32_EXIT_CODE, ...)
field() { sc query "$1" | sed -n "s/^ *$2 *: *\([0-9]*\).*/\1/p"; }

# checkpoint NAME: sc query's CHECKPOINT (0x...) as a number
checkpoint() { printf '%d' "$(sc query "$1" | sed -n 's/^ *CHECKPOINT *: *\(0x[0-9a-fA-F]*\).*/\1/p')"; }

# wait_state NAME STATE SECONDS
wait_state() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        [ "$(state "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    fail "service $1 is $(state "$1"), not $2, after $3 s: $(sc query "$1")"
}

# the processes of this prefix whose command line has TEXT
procs() {
    local p
    for p in $(pgrep -f -- "$1"); do
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
            grep -qx "WINEPREFIX=$WINEPREFIX" && echo "$p"
    done
}

# gone TEXT SECONDS: no process of this prefix with TEXT, within SECONDS
gone() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        [ -z "$(procs "$1")" ] && return 0
        sleep 0.1
    done
    fail "still running: $(ps -o pid,args -p "$(procs "$1" | tr '\n' ,)0")"
}

# log_port LOG: the port the service's --log says it listens on
log_port() {
    wait_for "$1" "Listening on tcp:127.0.0.1:" 30 || fail "never listened: $(cat "$1" 2>&1)"
    sed -n 's/.*Listening on tcp:127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1
}

# py_server MODE: a loopback TCP server (echo: sends back what it reads,
# until the EOF; hold: accepts, says "accepted", reads until the EOF and
# says "eof"); its port in $work/MODE.port, SPORT
py_server() {
    bg "$1" /dev/null python3 -c '
import os, socket, sys
mode, portfile = sys.argv[1], sys.argv[2]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
with open(portfile + ".t", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(portfile + ".t", portfile)
s.settimeout(120)
c, _ = s.accept()
print("accepted", flush=True)
while True:
    d = c.recv(65536)
    if not d:
        break
    if mode == "echo":
        c.sendall(d)
print("eof", flush=True)
c.close()
' "$1" "$work/$1.port"
    wait_for "$work/$1.port" '[0-9]' 30 || fail "$1 server never listened: $(cat "$work/$1.err")"
    SPORT=$(cat "$work/$1.port")
}

# start_and_hold: start $svc, learn its port from $work/svc.log, and
# connect a client that stays connected, sending nothing (its pid CPID)
start_and_hold() {
    sc start "$svc" >/dev/null
    wait_state "$svc" RUNNING 30
    port=$(log_port "$work/svc.log")
    bg cli /dev/null python3 -c '
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(120)
' "$port"
    CPID=$BPID
}

# ---------------------------------------------------------------- cases

case_serve_stop() {
    # install, start, serve a TCP client through --to (1 MiB both ways,
    # compared), stop (STOPPED, exit code 0, no hvlisten left), remove
    own_prefix
    py_server echo
    log=$(winpath "$work/svc.log")
    run "$HVLISTEN" --install-service "$svc" -k -t 127.0.0.1 0 \
        --to "tcp:127.0.0.1:$SPORT" --log "$log"
    expect_rc 0
    expect_out_has "Installed service $svc"
    [ "$(state "$svc")" = STOPPED ] || fail "not installed stopped: $(sc query "$svc")"
    # the command line the manager runs: this program's path, quoted (Wine's
    # sc has no qc: the service's key holds it)
    imagepath "$svc" | grep -F "\"$(winpath "$HVLISTEN")\" --service $svc -k -t 127.0.0.1 0 --to tcp:127.0.0.1:$SPORT --log $log" >/dev/null ||
        fail "command line: $(imagepath "$svc")"
    # the event source, with hvlisten's message table
    source "$svc" | grep -F "EventMessageFile    REG_EXPAND_SZ    $(winpath "$HVLISTEN")" >/dev/null ||
        fail "event source: $(source "$svc")"
    source "$svc" | grep -F "TypesSupported    REG_DWORD    0x7" >/dev/null ||
        fail "event source: $(source "$svc")"
    sc start "$svc" >/dev/null
    wait_state "$svc" RUNNING 30
    port=$(log_port "$work/svc.log")
    head -c $((1024 * 1024)) /dev/urandom >"$work/a"
    python3 - "$port" "$work/a" "$work/b" <<'PY' || fail "client failed"
import socket, sys, threading
port, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = socket.create_connection(("127.0.0.1", port), timeout=60)
data = open(src, "rb").read()
def send():
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send)
t.start()
got = bytearray()
while True:
    d = c.recv(65536)
    if not d:
        break
    got += d
t.join()
open(dst, "wb").write(got)
PY
    cmp -s "$work/a" "$work/b" || fail "bytes differ: $(stat -c %s "$work/b") of $(stat -c %s "$work/a") back"
    [ -n "$(procs "--service $svc")" ] || fail "no service process"
    sc stop "$svc" >/dev/null
    wait_state "$svc" STOPPED 30
    [ "$(field "$svc" WIN32_EXIT_CODE)" = 0 ] || fail "exit code: $(sc query "$svc")"
    gone "--service $svc" 20
    # its events, the stop and the exit status in the log
    wait_for "$work/svc.log" "Exit status 0" 10 || fail "log: $(cat "$work/svc.log")"
    grep -q "Connection from tcp:127.0.0.1:" "$work/svc.log" || fail "log: $(cat "$work/svc.log")"
    run "$HVLISTEN" --remove-service "$svc"
    expect_rc 0
    expect_out_has "Removed service $svc"
    [ -z "$(state "$svc")" ] || fail "still there: $(sc query "$svc")"
    case $(source "$svc") in *EventMessageFile*) fail "event source left: $(source "$svc")" ;; esac
}

case_stop_ends_children() {
    # -e commands of a running service end with it: a command that would
    # wait for ever (hvcat to a server that never closes) is gone after
    # sc stop, and its server sees the connection end
    own_prefix
    py_server hold
    log=$(winpath "$work/svc.log")
    run "$HVLISTEN" --install-service "$svc" -k -t 127.0.0.1 0 --log "$log" \
        -e "\"$(winpath "$HVCAT")\" -t 127.0.0.1 $SPORT"
    expect_rc 0
    start_and_hold
    wait_for "$work/hold.out" accepted 30 || fail "the command never connected: $(cat "$work/svc.log")"
    [ -n "$(procs "hvcat.exe -t 127.0.0.1 $SPORT")" ] || fail "no command process"
    sc stop "$svc" >/dev/null
    wait_state "$svc" STOPPED 30
    [ "$(field "$svc" WIN32_EXIT_CODE)" = 0 ] || fail "exit code: $(sc query "$svc")"
    gone "hvcat.exe -t 127.0.0.1 $SPORT" 20
    wait_for "$work/hold.out" eof 20 || fail "the command's connection did not end"
    gone "--service $svc" 20
}

case_failure_exit_code() {
    # a service that cannot listen (the port is taken) stops by itself:
    # STOPPED with ERROR_SERVICE_SPECIFIC_ERROR (1066) and our exit code
    # (69) as the service's, and the reason in its log
    own_prefix
    py_server hold
    log=$(winpath "$work/svc.log")
    run "$HVLISTEN" --install-service "$svc" -k -t 127.0.0.1 "$SPORT" \
        --to tcp:127.0.0.1:9 --log "$log"
    expect_rc 0
    sc start "$svc" >/dev/null
    wait_state "$svc" STOPPED 30
    [ "$(field "$svc" WIN32_EXIT_CODE)" = 1066 ] || fail "win32 exit code: $(sc query "$svc")"
    [ "$(field "$svc" SERVICE_EXIT_CODE)" = 69 ] || fail "service exit code: $(sc query "$svc")"
    wait_for "$work/svc.log" "Exit status 69" 10 || fail "log: $(cat "$work/svc.log")"
    grep -q "listen tcp:127.0.0.1:$SPORT: address already in use" "$work/svc.log" ||
        fail "no reason in the log: $(cat "$work/svc.log")"
}

case_event_log() {
    # without --log the events go to the event log: ReportEventW under
    # the service's name, information events for the -v lines. Wine keeps
    # no event log (RegisterEventSourceW and ReportEventW are stubs that
    # trace each string on its eventlog channel): that trace is what is
    # checked here; Event Viewer's view of them is only documented
    # ("ReportEventW", Microsoft Learn)
    BOOT_DEBUG=trace+eventlog,fixme+advapi own_prefix
    run "$HVLISTEN" --install-service "$svc" -k -t 127.0.0.1 0 -e "echo hi"
    expect_rc 0
    sc start "$svc" >/dev/null
    wait_state "$svc" RUNNING 30
    wait_for "$work/wine.err" "RegisterEventSourceW" 10 ||
        skip "this Wine does not trace RegisterEventSourceW"
    grep -q "RegisterEventSourceW ((null),L\"$svc\")" "$work/wine.err" ||
        fail "source: $(grep RegisterEventSource "$work/wine.err")"
    wait_for "$work/wine.err" 'ReportEventW L"Listening on tcp:127.0.0.1:' 30 ||
        fail "no listening event: $(grep ReportEvent "$work/wine.err")"
    port=$(sed -n 's/.*ReportEventW L"Listening on tcp:127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$work/wine.err" | head -n 1)
    got=$(python3 -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
c.shutdown(socket.SHUT_WR)
d = b""
while True:
    b = c.recv(100)
    if not b:
        break
    d += b
print(d.decode().strip())
' "$port") || fail "client failed"
    [ "$got" = hi ] || fail "client got '$got'"
    # the client has its EOF once the command's output is closed; the
    # command's end, and so the Closed event, is seen a little later (a
    # stop before it would end the connection instead)
    wait_for "$work/wine.err" 'ReportEventW L"Closed tcp:127.0.0.1:' 20 ||
        fail "no Closed event: $(grep ReportEvent "$work/wine.err")"
    sc stop "$svc" >/dev/null
    wait_state "$svc" STOPPED 30
    wait_for "$work/wine.err" 'ReportEventW L"Exit status 0"' 10 ||
        fail "no exit event: $(grep ReportEvent "$work/wine.err")"
    for want in "Starting hvlisten" "Connection from tcp:127.0.0.1:"; do
        grep -q "ReportEventW L\"$want" "$work/wine.err" ||
            fail "no event '$want': $(grep ReportEvent "$work/wine.err")"
    done
    # information events (EVENTLOG_INFORMATION_TYPE, 4), with our event id 1
    grep -q 'ReportEventW (00000000CAFE4242,0x0004,0x0000,0x00000001,' "$work/wine.err" ||
        fail "event type: $(grep 'fixme:advapi:ReportEventW' "$work/wine.err" | head -n 1)"
}

case_drain_checkpoint() {
    # a stop with --drain waits for the open connection: STOP_PENDING, its
    # checkpoint moving on every 5 s (so the manager sees progress), then
    # STOPPED with 0 once the client has gone
    own_prefix
    py_server hold
    log=$(winpath "$work/svc.log")
    run "$HVLISTEN" --install-service "$svc" -k -t 127.0.0.1 0 --drain 120 \
        --to "tcp:127.0.0.1:$SPORT" --log "$log"
    expect_rc 0
    start_and_hold
    wait_for "$work/hold.out" accepted 30 || fail "not relayed: $(cat "$work/svc.log")"
    sc stop "$svc" >/dev/null
    wait_state "$svc" STOP_PENDING 10
    first=$(checkpoint "$svc")
    for ((i = 0; i < 200; i++)); do
        [ "$(checkpoint "$svc")" -gt "$first" ] && break
        [ "$(state "$svc")" = STOP_PENDING ] || fail "not pending: $(sc query "$svc")"
        sleep 0.1
    done
    [ "$(checkpoint "$svc")" -gt "$first" ] || fail "the checkpoint stayed at $first for 20 s"
    kill "$CPID"
    wait_state "$svc" STOPPED 30
    [ "$(field "$svc" WIN32_EXIT_CODE)" = 0 ] || fail "exit code: $(sc query "$svc")"
}

case_errors() {
    # what cannot be done is one line and its exit code; nothing is left
    own_prefix
    run "$HVLISTEN" --install-service
    expect_rc 64
    expect_first_err "hvlisten: option '--install-service' requires an argument"
    run "$HVLISTEN" --install-service "$svc" -k -t 127.0.0.1 0 -e "echo hi"
    expect_rc 0
    # the name taken
    run "$HVLISTEN" --install-service "$svc" -k -t 127.0.0.1 0 -e "echo hi"
    expect_rc 65
    expect_err "hvlisten: --install-service $svc: a service named '$svc' exists already"
    # names the manager refuses
    run "$HVLISTEN" --install-service "a/b" -k -t 127.0.0.1 0 -e "echo hi"
    expect_rc 65
    expect_err "hvlisten: --install-service a/b: 'a/b' is not a valid service name (1 to 256 characters, no '/' or '\\')"
    run "$HVLISTEN" --remove-service "$svc"
    expect_rc 0
    # gone now
    run "$HVLISTEN" --remove-service "$svc"
    expect_rc 68
    expect_err "hvlisten: --remove-service $svc: no service named '$svc'"
    # --service from a prompt, not from the manager
    run "$HVLISTEN" --service "$svc" -k -t 127.0.0.1 0 -e "echo hi"
    expect_rc 64
    expect_err "hvlisten: --service $svc: not started by the service control manager: --service is how a service installed with --install-service runs (start it with 'sc start $svc')"
    run "$HVLISTEN" -k --service "$svc" -t 127.0.0.1 0 -e "echo hi"
    expect_rc 64
    expect_first_err "hvlisten: --service NAME must be the first arguments: the service control manager starts hvlisten so (--install-service writes it)"
}

case_remove_running() {
    # --remove-service stops a running service first, then deletes it
    own_prefix
    run "$HVLISTEN" --install-service "$svc" -k -t 127.0.0.1 0 -e "echo hi"
    expect_rc 0
    sc start "$svc" >/dev/null
    wait_state "$svc" RUNNING 30
    run "$HVLISTEN" --remove-service "$svc"
    expect_rc 0
    expect_out_has "Removed service $svc (it was running: stopped first)"
    [ -z "$(state "$svc")" ] || fail "still there: $(sc query "$svc")"
    gone "--service $svc" 20
}

declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
echo "ok $case_name"
