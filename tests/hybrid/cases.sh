#!/bin/bash
# hybrid vsock cases on this machine: hvmux (tests/hybrid/hvmux.c) plays
# the VMM, and its "guest" is TCP loopback: a guest port P is
# 127.0.0.1:P, and a connect to TCP port L of "hvmux guest" is the
# guest's connect to host port P, brought to the unix socket UDS_P. One
# case per run: cases.sh NAME. Environment: HVCAT, HVLISTEN, HVMUX.
. "$(dirname "$0")/../lib/e2e-lib.sh"
CAT=$CLIENT
LISTEN=$SERVER
UDS=$work/v.sock

# mux ARGS...: "hvmux host $UDS tcp ARGS" in the background, waited for
mux() {
    # a fresh file: an earlier muxer's "ready" must not be taken for this one's
    rm -f "$work/mux.out"
    $HVMUX host "$UDS" tcp "$@" >"$work/mux.out" 2>"$work/mux.err" &
    pids="$pids $!"
    wait_for "$work/mux.out" "ready" 30 || fail "hvmux did not start"
}

# guest_mux PORT: "hvmux guest $UDS PORT tcp"; GPORT: the TCP port that
# stands for the guest's connects to host port PORT
guest_mux() {
    rm -f "$work/gmux.out"
    $HVMUX guest "$UDS" "$1" tcp >"$work/gmux.out" 2>"$work/gmux.err" &
    pids="$pids $!"
    wait_for "$work/gmux.out" "ready" 30 || fail "hvmux guest did not start"
    GPORT=$(sed -n 's/^hvmux: ready //p' "$work/gmux.out")
}

# hyb_listener NAME STDIN ARGS...: hvlisten -v --hybrid $UDS ARGS in the
# background, waited for; LPID
hyb_listener() {
    local name=$1 in=$2
    shift 2
    $LISTEN -v --hybrid "$UDS" "$@" <"$in" >"$work/$name.out" 2>"$work/$name.err" &
    LPID=$!
    pids="$pids $LPID"
    wait_for "$work/$name.err" "Listening on" 30 || fail "$name never listened"
}

case_transfer64m() {
    # 64 MiB each way at once through the muxer, bit-exact
    head -c 64M /dev/urandom >"$work/a"
    head -c 64M /dev/urandom >"$work/b"
    mux
    start_server srv "$work/b"
    $CAT --hybrid "$UDS" "$PORT" <"$work/a" >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    exchange_ok
}
case_halfclose_client_first() {
    # the client's EOF passes through the muxer: the guest sends only
    # after it saw all of the client's bytes and their end
    head -c 3M /dev/urandom >"$work/a"
    head -c 5M /dev/urandom >"$work/b"
    mux
    mkfifo "$work/srv.in"
    producer "$work/b" "$work/srv.out" 3145728 >"$work/srv.in" &
    pids="$pids $!"
    start_server srv "$work/srv.in"
    $CAT --hybrid "$UDS" "$PORT" <"$work/a" >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    exchange_ok
}
case_halfclose_server_first() {
    # the guest's EOF first: the client goes on sending after it
    head -c 3M /dev/urandom >"$work/a"
    head -c 5M /dev/urandom >"$work/b"
    mux
    start_server srv "$work/b"
    mkfifo "$work/cli.in"
    producer "$work/a" "$work/cli.out" 5242880 >"$work/cli.in" &
    pids="$pids $!"
    $CAT --wait-stdin --hybrid "$UDS" "$PORT" <"$work/cli.in" >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    exchange_ok
}
case_ok_and_payload_one_segment() {
    # the muxer writes OK and the guest's first bytes at once: they are
    # the stream's, and nothing of the answer reaches stdout
    printf 'first line\nsecond\n' >"$work/b"
    : >"$work/a"
    mux --merge
    start_server srv "$work/b"
    $CAT -v --hybrid "$UDS" "$PORT" <"$work/a" >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    exchange_ok
    grep -q "Connected to hybrid:$UDS:$PORT (OK 1073741824)" "$work/cli.err" ||
        fail "no OK in the -v line: $(cat "$work/cli.err")"
}
case_vmm_dialects() {
    # what each VMM takes: our CONNECT suits all three; OpenVMM's GUID form
    local v g
    for v in fc ch openvmm; do
        UDS=$work/$v.sock
        mux --vmm $v
        echo "to $v" >"$work/b"
        # a listener of its own name: start_server waits for its line in
        # $work/NAME.err, which an earlier one's would answer
        start_server "srv_$v" "$work/b"
        $CAT --hybrid "$UDS" "$PORT" </dev/null >"$work/cli.out" 2>"$work/cli.err" ||
            fail "$v: exit $? ($(cat "$work/cli.err"))"
        [ "$(cat "$work/cli.out")" = "to $v" ] || fail "$v: got '$(cat "$work/cli.out")'"
    done
    echo "by guid" >"$work/b"
    start_server srv "$work/b"
    g=$(printf '%08X-FACB-11E6-BD58-64006A7986D3' "$PORT")
    $CAT -v "hybrid:$UDS:$g" </dev/null >"$work/cli.out" 2>"$work/cli.err" ||
        fail "GUID: exit $? ($(cat "$work/cli.err"))"
    [ "$(cat "$work/cli.out")" = "by guid" ] || fail "GUID: got '$(cat "$work/cli.out")'"
    grep -qi "Connected to hybrid:$UDS:$g" "$work/cli.err" || fail "GUID: $(cat "$work/cli.err")"
    # Firecracker's muxer refuses a GUID: no answer, as a refused port
    UDS=$work/fc.sock
    $CAT --hybrid "$UDS" "$g" </dev/null >"$work/cli.out" 2>"$work/cli.err"
    [ $? = 69 ] || fail "GUID to fc: $(cat "$work/cli.err")"
}
case_refused() {
    # nothing listens on the guest port: the VMM closes without an answer,
    # 69 at once (well before -w)
    local start ms
    mux
    start_server srv /dev/null
    kill "$SPID"
    wait_pid "$SPID" 10 src || fail "listener did not die"
    start=$(date +%s%N)
    $CAT -w 60 --hybrid "$UDS" "$PORT" </dev/null >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    [ "$crc" = 69 ] || fail "exit $crc, expected 69"
    [ "$(cat "$work/cli.err")" = "hvcat: connect hybrid:$UDS:$PORT: connection refused" ] ||
        fail "message: $(cat "$work/cli.err")"
    [ "$ms" -lt 30000 ] || fail "took $ms ms: waited for -w"
    # no VMM socket at all: 69 too, and said so
    $CAT --hybrid "$work/none.sock" 52 </dev/null >"$work/cli.out" 2>"$work/cli.err"
    [ $? = 69 ] || fail "missing socket: $(cat "$work/cli.err")"
    grep -q "no such socket file" "$work/cli.err" || fail "missing socket: $(cat "$work/cli.err")"
}
case_never_answers() {
    # a VMM that takes CONNECT and never answers: 75 after -w, and after
    # the documented 5 s without -w
    local start ms
    mux --never
    start=$(date +%s%N)
    $CAT -w 2 --hybrid "$UDS" 52 </dev/null >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    [ "$crc" = 75 ] || fail "-w 2: exit $crc, expected 75 ($(cat "$work/cli.err"))"
    [ "$(cat "$work/cli.err")" = "hvcat: connect hybrid:$UDS:52: timed out" ] ||
        fail "message: $(cat "$work/cli.err")"
    [ "$ms" -ge 1500 ] || fail "-w 2 gave up after $ms ms"
    start=$(date +%s%N)
    $CAT --hybrid "$UDS" 52 </dev/null >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    [ "$crc" = 75 ] || fail "default: exit $crc, expected 75"
    [ "$ms" -ge 4500 ] || fail "default bound: gave up after $ms ms, not 5 s"
    [ ! -s "$work/cli.out" ] || fail "stdout written"
}
case_malformed() {
    # anything but OK: the answer shown escaped, 65, nothing on stdout
    mux --bad 'HTTP/1.1 400 Bad Request\r\n\r\nbody'
    echo data | $CAT --hybrid "$UDS" 52 >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    [ "$crc" = 65 ] || fail "exit $crc, expected 65"
    [ ! -s "$work/cli.out" ] || fail "stdout: $(cat "$work/cli.out")"
    grep -qF "hvcat: connect hybrid:$UDS:52: no OK to CONNECT (is it a hybrid vsock socket?): answered 'HTTP/1.1 400 Bad Request\\r\\n'" "$work/cli.err" ||
        fail "message: $(cat "$work/cli.err")"
    # a long answer without a newline: cut, one line
    UDS=$work/w.sock
    mux --bad "$(head -c 300 /dev/zero | tr '\0' 'A')\\x01"
    $CAT --hybrid "$UDS" 52 </dev/null >"$work/cli.out" 2>"$work/cli.err"
    [ $? = 65 ] || fail "long answer: exit $?"
    [ "$(wc -l <"$work/cli.err")" = 1 ] || fail "long answer: $(cat "$work/cli.err")"
    grep -q "without a newline 'AAAA*\.\.\.'" "$work/cli.err" || fail "long answer: $(cat "$work/cli.err")"
    [ ! -s "$work/cli.out" ] || fail "long answer: stdout written"
    # half an answer, then the end
    UDS=$work/h.sock
    mux --bad 'OK 12'
    $CAT --hybrid "$UDS" 52 </dev/null >"$work/cli.out" 2>"$work/cli.err"
    [ $? = 65 ] || fail "half answer: $(cat "$work/cli.err")"
    grep -qF "closed after 'OK 12'" "$work/cli.err" || fail "half answer: $(cat "$work/cli.err")"
}
case_wait_late_guest() {
    # --wait: refused while the guest's service is not up, then connected
    local port
    mux
    start_server probe /dev/null
    port=$PORT
    kill "$SPID"
    wait_pid "$SPID" 10 src || fail "probe did not die"
    echo late >"$work/b"
    (sleep 2; exec $LISTEN -t 127.0.0.1 "$port" <"$work/b" >"$work/srv.out" 2>"$work/srv.err") &
    pids="$pids $!"
    $CAT -v --wait 30 --hybrid "$UDS" "$port" </dev/null >"$work/cli.out" 2>"$work/cli.err" ||
        fail "exit $?"
    [ "$(cat "$work/cli.out")" = late ] || fail "got '$(cat "$work/cli.out")'"
    grep -q "Waiting for hybrid:$UDS:$port: connection refused" "$work/cli.err" ||
        fail "no waiting line: $(cat "$work/cli.err")"
}
case_to_many() {
    # 32 clients at once through --to hybrid:, each echoed exactly
    local i
    mux
    start_server echo /dev/null -k -e cat
    $LISTEN -v -k -t --to "hybrid:$UDS:$PORT" 127.0.0.1 0 </dev/null >"$work/front.out" 2>"$work/front.err" &
    pids="$pids $!"
    listening "$work/front.err" FPORT
    grep -q "Listening on" "$work/front.err" || fail "front"
    for i in $(seq 1 32); do
        head -c 300000 /dev/urandom >"$work/c$i"
        $CAT -t 127.0.0.1 "$FPORT" <"$work/c$i" >"$work/c$i.out" 2>"$work/c$i.err" &
        eval "cp$i=\$!"
    done
    for i in $(seq 1 32); do
        eval "wait_pid \$cp$i 120 rc" || fail "client $i did not end"
        [ "$rc" = 0 ] || fail "client $i exit $rc: $(cat "$work/c$i.err")"
        same "$work/c$i" "$work/c$i.out" "client $i"
    done
    [ "$(grep -c "Relaying" "$work/front.err")" = 32 ] || fail "relayed $(grep -c Relaying "$work/front.err")"
}
case_to_stuck_backend() {
    # a VMM that never answers one handshake delays only that client: the
    # next is served meanwhile, and the stuck one ends at -w
    mux --never-first
    echo served >"$work/b"
    start_server echo /dev/null -k -e 'echo served'
    $LISTEN -v -k -w 20 -t --to "hybrid:$UDS:$PORT" 127.0.0.1 0 </dev/null >"$work/front.out" 2>"$work/front.err" &
    pids="$pids $!"
    listening "$work/front.err" FPORT
    $CAT -t 127.0.0.1 "$FPORT" </dev/null >"$work/stuck.out" 2>"$work/stuck.err" &
    local stuck=$!
    pids="$pids $stuck"
    wait_for "$work/front.err" "Relaying" 30 || fail "first client not taken"
    timeout 15 $CAT -t 127.0.0.1 "$FPORT" </dev/null >"$work/c.out" 2>"$work/c.err" ||
        fail "second client: exit $?"
    [ "$(cat "$work/c.out")" = served ] || fail "second client got '$(cat "$work/c.out")'"
    kill -0 "$stuck" 2>/dev/null || fail "the stuck client ended before its -w"
    wait_for "$work/front.err" "backend: connect hybrid:$UDS:$PORT: timed out" 40 ||
        fail "no timeout for the stuck backend"
    wait_pid "$stuck" 20 rc || fail "stuck client not released"
}
case_to_malformed() {
    # --to: a malformed answer ends that client, with the answer shown
    mux --bad 'NOPE\n'
    $LISTEN -v -k -t --to "hybrid:$UDS:52" 127.0.0.1 0 </dev/null >"$work/front.out" 2>"$work/front.err" &
    pids="$pids $!"
    listening "$work/front.err" FPORT
    $CAT -t 127.0.0.1 "$FPORT" </dev/null >"$work/c.out" 2>"$work/c.err"
    wait_for "$work/front.err" "answered 'NOPE\\\\n'" 20 || fail "no answer shown"
    [ ! -s "$work/c.out" ] || fail "client got data"
}
case_listen_transfer64m() {
    # the guest connects to host port 52: hvlisten --hybrid UDS 52
    # listens on UDS_52; 64 MiB each way, bit-exact
    head -c 64M /dev/urandom >"$work/a"
    head -c 64M /dev/urandom >"$work/b"
    guest_mux 52
    hyb_listener srv "$work/b" 52
    SPID=$LPID
    grep -q "Listening on unix:${UDS}_52" "$work/srv.err" || fail "$(cat "$work/srv.err")"
    $CAT -t 127.0.0.1 "$GPORT" <"$work/a" >"$work/cli.out" 2>"$work/cli.err"
    crc=$?
    exchange_ok
    [ ! -e "${UDS}_52" ] || fail "socket file left at exit"
}
case_listen_file_rules() {
    # as -U: --unix-mode, a stale file replaced, a second listener refused,
    # the file removed at the end; --allow/--deny by uid
    local rc
    : >"${UDS}_7"
    $LISTEN --hybrid "$UDS" 7 </dev/null >"$work/r.out" 2>"$work/r.err"
    [ $? = 74 ] || fail "a plain file at UDS_7: $(cat "$work/r.err")"
    rm -f "${UDS}_7"
    hyb_listener one /dev/null --unix-mode 600 -k 7
    [ "$(stat -c %a "${UDS}_7")" = 600 ] || fail "mode $(stat -c %a "${UDS}_7")"
    $LISTEN --hybrid "$UDS" 7 </dev/null >"$work/r.out" 2>"$work/r.err"
    [ $? = 69 ] || fail "second listener: $(cat "$work/r.err")"
    kill -TERM "$LPID"
    wait_pid "$LPID" 10 rc || fail "listener did not end"
    [ ! -e "${UDS}_7" ] || fail "socket file left"
    # stale: a socket file nobody answers on is replaced
    python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "${UDS}_7"
    [ -S "${UDS}_7" ] || fail "no stale socket made"
    guest_mux 7
    echo hi >"$work/hi"
    hyb_listener two "$work/hi" --deny "uid:$(id -u)" -k 7
    $CAT -t 127.0.0.1 "$GPORT" </dev/null >"$work/c.out" 2>"$work/c.err"
    [ ! -s "$work/c.out" ] || fail "denied uid got data"
    wait_for "$work/two.err" "Refused unix:uid=$(id -u)" 10 || fail "no refusal: $(cat "$work/two.err")"
    kill -TERM "$LPID"
    wait_pid "$LPID" 10 rc || fail "listener did not end"
    hyb_listener three "$work/hi" --allow "uid:$(id -u)" 7
    $CAT -t 127.0.0.1 "$GPORT" </dev/null >"$work/c.out" 2>"$work/c.err"
    [ "$(cat "$work/c.out")" = hi ] || fail "allowed uid got '$(cat "$work/c.out")'"
}
case_listen_relay() {
    # a hybrid listener relaying elsewhere (--to tcp:) with -k
    local i
    start_server echo /dev/null -k -e cat
    guest_mux 9
    hyb_listener front /dev/null -k --to "tcp:127.0.0.1:$PORT" 9
    for i in 1 2 3; do
        head -c 100000 /dev/urandom >"$work/c$i"
        $CAT -t 127.0.0.1 "$GPORT" <"$work/c$i" >"$work/c$i.out" 2>"$work/c$i.err" ||
            fail "client $i exit $?"
        same "$work/c$i" "$work/c$i.out" "client $i"
    done
}
case_exec_env() {
    # -e over hybrid vsock: the command's HV_PEER_* name the VMM's socket
    # and the guest port
    mux
    start_server srv /dev/null -d
    $CAT --hybrid "$UDS" "$PORT" -e 'printf "%s|%s|%s" "$HV_PEER_ADDR" "$HV_PEER_VM" "$HV_PEER_SERVICE"' \
        </dev/null >"$work/cli.out" 2>"$work/cli.err" || fail "exit $?: $(cat "$work/cli.err")"
    wait_pid "$SPID" 30 src || fail "listener did not end"
    [ "$(cat "$work/srv.out")" = "hybrid:$UDS:$PORT|$UDS|$PORT" ] ||
        fail "environment: '$(cat "$work/srv.out")'"
}
case_usage() {
    # operands: --hybrid takes PATH, the port is the operand
    $CAT --hybrid "$UDS" </dev/null >"$work/r.out" 2>"$work/r.err"
    [ $? = 64 ] || fail "no port: $(cat "$work/r.err")"
    grep -q "missing PORT operand" "$work/r.err" || fail "$(cat "$work/r.err")"
    $CAT --hybrid "$UDS" port </dev/null >"$work/r.out" 2>"$work/r.err"
    [ $? = 65 ] || fail "bad port: $(cat "$work/r.err")"
    $CAT -U "$UDS" --hybrid "$UDS" 5 </dev/null >"$work/r.out" 2>"$work/r.err"
    [ $? = 64 ] || fail "-U with --hybrid: $(cat "$work/r.err")"
    $CAT "hybrid:$UDS" </dev/null >"$work/r.out" 2>"$work/r.err"
    [ $? = 65 ] || fail "hybrid:PATH alone: $(cat "$work/r.err")"
    grep -q "expected hybrid:PATH:PORT" "$work/r.err" || fail "$(cat "$work/r.err")"
}

"case_$1"
