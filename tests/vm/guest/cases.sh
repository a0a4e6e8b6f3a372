# cases.sh: the vm test cases, run inside the guest over vsock_loopback
# (CID 1). Each case_NAME runs in a subshell in its own directory $W, calls
# fail REASON on the first wrong thing, and prints "HVVM-INFO" lines for the
# host to show. hvvm_run_cases prints one "HVVM-RESULT NAME PASS|FAIL: why"
# line per case; the host test checks for it.
. /bin/common.sh

fail() {
    echo "$*" >"$W/reason"
    kill $(jobs -p) 2>/dev/null
    exit 1
}

# rc_is FILE WANT WHO: the exit status a pipeline stage recorded in FILE.
rc_is() {
    local got
    got=$(cat "$1" 2>/dev/null)
    [ "$got" = "$2" ] || fail "$3 exited ${got:-?}, expected $2"
}

info() {
    echo "HVVM-INFO $CASE $*"
}

# 64 MiB of random data each way at once, through pipes on both ends (cat |
# and | sha256sum: stdin and stdout are pipes, as in most real use).
case_transfer64m() {
    local sa sb t0
    mkdata "$W/a" 64
    mkdata "$W/b" 64
    sa=$(sum256 "$W/a")
    sb=$(sum256 "$W/b")
    cat "$W/a" |
        { timeout $HVVM_T_BIG hvlisten -v 0 2>"$W/l.err"; echo $? >"$W/l.rc"; } |
        sha256sum >"$W/l.sum" &
    wait_listen "$W/l.err" $! || fail "hvlisten never said Listening on"
    t0=$(now_cs)
    cat "$W/b" |
        { timeout $HVVM_T_BIG hvcat -v 1 "$PORT" 2>"$W/c.err"; echo $? >"$W/c.rc"; } |
        sha256sum >"$W/c.sum"
    wait
    info "64 MiB each way in $(secs_since "$t0") s ($(mibps $((2 * 67108864)) "$t0") MiB/s both directions together)"
    rc_is "$W/l.rc" 0 hvlisten
    rc_is "$W/c.rc" 0 hvcat
    grep -q '^hvlisten: Connection from vsock:1:' "$W/l.err" ||
        fail "no 'Connection from vsock:1:' line"
    [ "$(cut -d' ' -f1 "$W/c.sum")" = "$sa" ] ||
        fail "listener -> client: sha256 differs"
    [ "$(cut -d' ' -f1 "$W/l.sum")" = "$sb" ] ||
        fail "client -> listener: sha256 differs"
    info "sha256 both ways match ($sa, $sb)"
}

# socat -d -d logs "socket N (fd F) is at EOF" when EOF comes in on its
# address N: the half-close observed by a program nobody here wrote.
SOCAT_EOF='socket %s \(fd [0-9]+\) is at EOF'

# The client's stdin ends first: it half-closes, and the listener sends its
# data only after the client's data has come in; the client must still
# receive all of it, and both must end with 0. Round 2 puts socat in the
# listener's place, which sends only after it logged the client's EOF: that
# proves hvcat half-closed while it went on receiving.
case_halfclose_client_first() {
    local t0
    mkdata "$W/c" 3
    mkdata "$W/s" 5
    { wait_size "$W/l.out" $((3 * 1048576)) 120 || exit 1
      echo sending >"$W/late"; cat "$W/s"; } |
        { timeout $HVVM_T hvlisten -v 0 >"$W/l.out" 2>"$W/l.err"; echo $? >"$W/l.rc"; } &
    wait_listen "$W/l.err" $! || fail "hvlisten never said Listening on"
    t0=$(now_cs)
    timeout $HVVM_T hvcat 1 "$PORT" <"$W/c" >"$W/c.out" 2>"$W/c.err"
    echo $? >"$W/c.rc"
    wait
    info "hvcat/hvlisten round done in $(secs_since "$t0") s"
    [ -f "$W/late" ] || fail "the client's 3 MiB never all reached the listener"
    rc_is "$W/c.rc" 0 hvcat
    rc_is "$W/l.rc" 0 hvlisten
    cmp -s "$W/c" "$W/l.out" || fail "client -> listener data differs ($(fsize "$W/l.out") bytes)"
    cmp -s "$W/s" "$W/c.out" || fail "listener -> client data after the half-close differs ($(fsize "$W/c.out") bytes)"

    { wait_line "$W/o.err" "$(printf "$SOCAT_EOF" 1)" 120 >/dev/null || exit 1
      echo sending >"$W/o.late"; cat "$W/s"; } |
        timeout $HVVM_T socat -d -d -t 300 VSOCK-LISTEN:5301 STDIO \
            >"$W/o.sout" 2>"$W/o.err" &
    wait_line "$W/o.err" 'listening on' 60 $! >/dev/null ||
        fail "socat never said listening on"
    timeout $HVVM_T hvcat 1 5301 <"$W/c" >"$W/o.out" 2>"$W/oc.err"
    echo $? >"$W/o.rc"
    wait
    [ -f "$W/o.late" ] || fail "socat never saw hvcat's EOF: no half-close"
    rc_is "$W/o.rc" 0 "hvcat (against socat)"
    cmp -s "$W/c" "$W/o.sout" || fail "hvcat -> socat data differs ($(fsize "$W/o.sout") bytes)"
    cmp -s "$W/s" "$W/o.out" || fail "socat -> hvcat data after socat saw EOF differs ($(fsize "$W/o.out") bytes)"
    info "socat saw hvcat's EOF, then sent 5 MiB that hvcat received"
}

# The mirror: the listener's stdin ends first; the client sends only after
# the listener's data came in. Round 2: socat VSOCK-CONNECT as the client,
# sending only after it logged hvlisten's EOF.
case_halfclose_server_first() {
    local t0 lpid
    mkdata "$W/c" 5
    mkdata "$W/s" 3
    timeout $HVVM_T hvlisten -v 0 <"$W/s" >"$W/l.out" 2>"$W/l.err" &
    lpid=$!
    wait_listen "$W/l.err" $lpid || fail "hvlisten never said Listening on"
    t0=$(now_cs)
    { wait_size "$W/c.out" $((3 * 1048576)) 120 || exit 1
      echo sending >"$W/late"; cat "$W/c"; } |
        { timeout $HVVM_T hvcat 1 "$PORT" >"$W/c.out" 2>"$W/c.err"; echo $? >"$W/c.rc"; }
    wait $lpid
    echo $? >"$W/l.rc"
    info "hvcat/hvlisten round done in $(secs_since "$t0") s"
    [ -f "$W/late" ] || fail "the listener's 3 MiB never all reached the client"
    rc_is "$W/l.rc" 0 hvlisten
    rc_is "$W/c.rc" 0 hvcat
    cmp -s "$W/s" "$W/c.out" || fail "listener -> client data differs ($(fsize "$W/c.out") bytes)"
    cmp -s "$W/c" "$W/l.out" || fail "client -> listener data after the half-close differs ($(fsize "$W/l.out") bytes)"

    timeout $HVVM_T hvlisten -v 0 <"$W/s" >"$W/o.lout" 2>"$W/o.lerr" &
    lpid=$!
    wait_listen "$W/o.lerr" $lpid || fail "hvlisten never said Listening on"
    { wait_line "$W/o.err" "$(printf "$SOCAT_EOF" 2)" 120 >/dev/null || exit 1
      echo sending >"$W/o.late"; cat "$W/c"; } |
        timeout $HVVM_T socat -d -d -t 300 STDIO VSOCK-CONNECT:1:"$PORT" \
            >"$W/o.out" 2>"$W/o.err"
    wait $lpid
    echo $? >"$W/o.rc"
    [ -f "$W/o.late" ] || fail "socat never saw hvlisten's EOF: no half-close"
    rc_is "$W/o.rc" 0 "hvlisten (against socat)"
    cmp -s "$W/s" "$W/o.out" || fail "hvlisten -> socat data differs ($(fsize "$W/o.out") bytes)"
    cmp -s "$W/c" "$W/o.lout" || fail "socat -> hvlisten data after socat saw EOF differs ($(fsize "$W/o.lout") bytes)"
    info "socat saw hvlisten's EOF, then sent 5 MiB that hvlisten received"
}

# One round against a peer that ends the whole session soon after it sees
# EOF: socat -t 0.2. Its stdin sends only 2 s after the client's data came
# in. Sets the client's status in $W/$1.rc and output in $W/$1.out.
nsd_round() {
    local tag=$1 port=$2 spid
    shift 2
    { wait_size "$W/$tag.sout" $((1048576)) 120 || exit 1
      sleep 2; cat "$W/s"; } 2>/dev/null |
        timeout $HVVM_T socat -d -d -t 0.2 VSOCK-LISTEN:"$port" STDIO \
            >"$W/$tag.sout" 2>"$W/$tag.serr" &
    spid=$!
    wait_line "$W/$tag.serr" 'listening on' 60 $spid >/dev/null ||
        fail "socat never said listening on"
    timeout $HVVM_T hvcat "$@" 1 "$port" <"$W/c" >"$W/$tag.out" 2>"$W/$tag.err"
    echo $? >"$W/$tag.rc"
    wait $spid
}

# --no-shutdown: the client's stdin ends first but it keeps its write side
# open, so a peer that closes on EOF still sends everything; the peer's EOF
# ends the client. A control round without the option shows that this peer
# does drop its late data when it sees the half-close (else the case would
# prove nothing).
case_no_shutdown() {
    mkdata "$W/c" 1
    mkdata "$W/s" 2
    nsd_round nsd 5101 --no-shutdown
    rc_is "$W/nsd.rc" 0 "hvcat --no-shutdown"
    cmp -s "$W/c" "$W/nsd.sout" || fail "client -> peer data differs ($(fsize "$W/nsd.sout") bytes)"
    cmp -s "$W/s" "$W/nsd.out" || fail "peer -> client data differs ($(fsize "$W/nsd.out") bytes): the client half-closed?"
    nsd_round ctl 5102
    cmp -s "$W/c" "$W/ctl.sout" || fail "control: client -> peer data differs"
    if cmp -s "$W/s" "$W/ctl.out"; then
        fail "control without --no-shutdown also got the late data: the case cannot tell"
    fi
    info "control without --no-shutdown: client got $(fsize "$W/ctl.out") of 2097152 late bytes, as expected"
}

# Connecting to a port nobody listens on: exit 69, "refused" message.
case_refused() {
    timeout 60 hvcat -d 1 54321 >"$W/c.out" 2>"$W/c.err"
    echo $? >"$W/c.rc"
    rc_is "$W/c.rc" 69 hvcat
    grep -q 'refused' "$W/c.err" || fail "message: $(cat "$W/c.err")"
    info "$(cat "$W/c.err")"
}

# socat VSOCK-CONNECT (a client nobody here wrote) against hvlisten.
case_socat_client() {
    mkdata "$W/c" 16
    mkdata "$W/s" 16
    timeout $HVVM_T hvlisten -v 0 <"$W/s" >"$W/l.out" 2>"$W/l.err" &
    local lpid=$!
    wait_listen "$W/l.err" $lpid || fail "hvlisten never said Listening on"
    timeout $HVVM_T socat -t 300 STDIO VSOCK-CONNECT:1:"$PORT" \
        <"$W/c" >"$W/c.out" 2>"$W/c.err"
    echo $? >"$W/c.rc"
    wait $lpid
    echo $? >"$W/l.rc"
    rc_is "$W/c.rc" 0 socat
    rc_is "$W/l.rc" 0 hvlisten
    cmp -s "$W/c" "$W/l.out" || fail "socat -> hvlisten data differs ($(fsize "$W/l.out") bytes)"
    cmp -s "$W/s" "$W/c.out" || fail "hvlisten -> socat data differs ($(fsize "$W/c.out") bytes)"
    info "16 MiB each way between socat VSOCK-CONNECT and hvlisten"
}

# socat VSOCK-LISTEN (a server nobody here wrote) serving hvcat.
case_socat_server() {
    mkdata "$W/c" 16
    mkdata "$W/s" 16
    timeout $HVVM_T socat -d -d -t 300 VSOCK-LISTEN:5201 STDIO \
        <"$W/s" >"$W/l.out" 2>"$W/l.err" &
    local spid=$!
    wait_line "$W/l.err" 'listening on' 60 $spid >/dev/null ||
        fail "socat never said listening on"
    timeout $HVVM_T hvcat -v 1 5201 <"$W/c" >"$W/c.out" 2>"$W/c.err"
    echo $? >"$W/c.rc"
    wait $spid
    echo $? >"$W/l.rc"
    rc_is "$W/c.rc" 0 hvcat
    rc_is "$W/l.rc" 0 socat
    cmp -s "$W/c" "$W/l.out" || fail "hvcat -> socat data differs ($(fsize "$W/l.out") bytes)"
    cmp -s "$W/s" "$W/c.out" || fail "socat -> hvcat data differs ($(fsize "$W/c.out") bytes)"
    info "16 MiB each way between hvcat and socat VSOCK-LISTEN"
}

# ---------------------------------------------------------------- relays

# wait_tcp ERRFILE [PID]: the "Listening on tcp:..." line; sets TPORT.
wait_tcp() {
    local line
    line=$(wait_line "$1" '^hvlisten: Listening on tcp:' 60 "$2") || return 1
    TPORT=${line##*:}
}

# clients32 NAME CMD...: 32 clients at once, each sending 1 MiB of its own
# data through CMD and checking that the echo matches.
clients32() {
    local name=$1 i n=0 pids=""
    shift
    for i in $(seq 1 32); do
        mkdata "$W/$name.in$i" 1
        ( timeout $HVVM_T "$@" <"$W/$name.in$i" >"$W/$name.out$i" 2>"$W/$name.cerr$i"
          echo $? >"$W/$name.rc$i" ) &
        pids="$pids $!"
    done
    # the clients only: the servers of the case run on
    wait $pids
    for i in $(seq 1 32); do
        rc_is "$W/$name.rc$i" 0 "$name client $i"
        cmp -s "$W/$name.in$i" "$W/$name.out$i" ||
            fail "$name client $i: echo differs ($(fsize "$W/$name.out$i") bytes)"
        n=$((n + 1))
    done
    info "$name: $n clients at once, 1 MiB each, every echo exact"
}

# --to in every direction between vsock, TCP and unix sockets, 32 clients
# at once each: vsock -> tcp, tcp -> vsock, unix -> vsock.
case_relay() {
    local vport
    # echo servers: one on TCP, one on vsock (a cat per connection)
    hvlisten -v -k -t 127.0.0.1 0 -e cat </dev/null 2>"$W/et.err" &
    wait_tcp "$W/et.err" $! || fail "tcp echo never listened"
    local etport=$TPORT
    hvlisten -v -k 0 -e cat </dev/null 2>"$W/ev.err" &
    wait_listen "$W/ev.err" $! || fail "vsock echo never listened"
    local evport=$PORT
    # vsock -> tcp
    hvlisten -v -k 0 --to "tcp:127.0.0.1:$etport" </dev/null 2>"$W/r1.err" &
    wait_listen "$W/r1.err" $! || fail "relay 1 never listened"
    vport=$PORT
    clients32 vsock_tcp hvcat 1 "$vport"
    # tcp -> vsock
    hvlisten -v -k -t 127.0.0.1 0 --to "vsock:1:$evport" </dev/null 2>"$W/r2.err" &
    wait_tcp "$W/r2.err" $! || fail "relay 2 never listened"
    clients32 tcp_vsock hvcat -t 127.0.0.1 "$TPORT"
    # unix -> vsock
    hvlisten -v -k -U "$W/r3.sock" --to "vsock:1:$evport" </dev/null 2>"$W/r3.err" &
    wait_line "$W/r3.err" 'Listening on unix:' 60 $! >/dev/null || fail "relay 3 never listened"
    clients32 unix_vsock hvcat -U "$W/r3.sock"
}

# --allow and --deny by CID, and the VM operand as an implicit --allow.
case_filter_cid() {
    local out
    hvlisten -v -k 0 -e cat --allow 1 </dev/null 2>"$W/a.err" &
    wait_listen "$W/a.err" $! || fail "allow listener never listened"
    out=$(echo ping | timeout 60 hvcat 1 "$PORT" 2>/dev/null)
    [ "$out" = ping ] || fail "--allow 1: not served"
    hvlisten -v -k 0 -e cat --deny 1 </dev/null 2>"$W/d.err" &
    wait_listen "$W/d.err" $! || fail "deny listener never listened"
    out=$(echo ping | timeout 60 hvcat 1 "$PORT" 2>/dev/null)
    [ -z "$out" ] || fail "--deny 1: served"
    wait_line "$W/d.err" 'Refused vsock:1:' 10 >/dev/null || fail "--deny 1: no Refused line"
    # a CID operand: bind the wildcard, admit only that CID
    hvlisten -v -k 3 0 -e cat </dev/null 2>"$W/o.err" &
    wait_listen "$W/o.err" $! || fail "VM-operand listener never listened"
    out=$(echo ping | timeout 60 hvcat 1 "$PORT" 2>/dev/null)
    [ -z "$out" ] || fail "listener for CID 3 served CID 1"
    wait_line "$W/o.err" 'Refused vsock:1:' 10 >/dev/null || fail "CID 3 listener: no Refused line"
    info "--allow 1 serves, --deny 1 and a listener for CID 3 refuse CID 1"
}

# --wait for a listener started late, -z, and -i against a silent peer.
case_session() {
    local t0 rc
    # --wait: the listener comes up 2 s after the client started
    ( sleep 2; echo late | timeout 60 hvlisten -v 5301 >"$W/w.out" 2>"$W/w.err" ) &
    echo early | timeout 60 hvcat -v --wait 30 1 5301 >"$W/wc.out" 2>"$W/wc.err"
    echo $? >"$W/wc.rc"
    wait
    rc_is "$W/wc.rc" 0 "hvcat --wait"
    [ "$(cat "$W/wc.out")" = late ] || fail "--wait: got '$(cat "$W/wc.out")'"
    [ "$(cat "$W/w.out")" = early ] || fail "--wait: listener got '$(cat "$W/w.out")'"
    grep -q 'Waiting for' "$W/wc.err" || fail "--wait -v: no Waiting line"
    # -z: nothing there, then something
    timeout 60 hvcat -z 1 5302 2>"$W/z.err"
    echo $? >"$W/z.rc"
    rc_is "$W/z.rc" 69 "hvcat -z (nothing listening)"
    timeout 60 hvlisten 5302 </dev/null >/dev/null 2>&1 &
    t0=$!
    timeout 60 hvcat -z --wait 30 1 5302 2>"$W/z2.err"
    echo $? >"$W/z2.rc"
    rc_is "$W/z2.rc" 0 "hvcat -z (listening)"
    kill $t0 2>/dev/null
    # -i 1: the peer sends once and then nothing, and never closes
    mkfifo "$W/idle"
    ( echo once; sleep 30 ) >"$W/idle" &
    timeout 60 hvlisten -v 5303 <"$W/idle" >/dev/null 2>"$W/i.err" &
    wait_listen "$W/i.err" $! || fail "idle listener never listened"
    t0=$(now_cs)
    mkfifo "$W/idle2"
    ( sleep 30 ) >"$W/idle2" &
    timeout 60 hvcat -i 1 1 5303 <"$W/idle2" >"$W/i.out" 2>"$W/ic.err"
    echo $? >"$W/i.rc"
    rc_is "$W/i.rc" 75 "hvcat -i 1"
    [ "$(cat "$W/i.out")" = once ] || fail "-i: the data before the silence is missing"
    info "--wait connected to a late listener; -z 69/0; -i 1 ended a silent session with 75 after $(secs_since "$t0") s"
    kill $(jobs -p) 2>/dev/null
    return 0
}

# ---------------------------------------------------------------- faults

# kill -9 of the peer mid-stream, in each direction: the survivor ends with
# 74 within a second or two, never hangs.
case_fault() {
    local dir t0 pid
    for dir in sending receiving; do
        rm -f "$W"/*.rc
        if [ $dir = sending ]; then
            # the listener sends a lot; the client is killed while reading
            hvgen 1 200M | { timeout $HVVM_T hvlisten -v 5401 >/dev/null 2>"$W/l.err"; echo $? >"$W/l.rc"; } &
            wait_listen "$W/l.err" || fail "$dir: never listened"
            timeout $HVVM_T hvcat 1 5401 </dev/null >/dev/null 2>/dev/null &
            pid=$!
        else
            # the client is killed while sending; the listener, sending
            # too, must notice (a killed sender with nothing unread closes
            # like a finished one: no transport can tell those apart)
            hvgen 3 200M | { timeout $HVVM_T hvlisten -v 5402 >/dev/null 2>"$W/l.err"; echo $? >"$W/l.rc"; } &
            wait_listen "$W/l.err" || fail "$dir: never listened"
            hvgen 2 200M | timeout $HVVM_T hvcat 1 5402 >/dev/null 2>/dev/null &
            pid=$!
        fi
        wait_line "$W/l.err" 'Connection from' 30 >/dev/null || fail "$dir: no connection"
        sleep 1
        killall -9 hvcat
        t0=$(now_cs)
        wait_size "$W/l.rc" 1 10 || fail "$dir: the listener did not end within 10 s of the kill"
        rc_is "$W/l.rc" 74 "hvlisten ($dir, peer killed)"
        info "$dir: peer killed, listener ended with 74 after $(secs_since "$t0") s"
        wait 2>/dev/null
    done
}

# Soak: 1 GiB each way at once, 10 times, every byte checked (ctest -L
# soak; hvgen makes and checks the streams, since 1 GiB files do not fit).
case_soak() {
    local run t0
    command -v hvgen >/dev/null || fail "no hvgen in the guest"
    for run in 1 2 3 4 5 6 7 8 9 10; do
        rm -f "$W"/*.rc
        t0=$(now_cs)
        hvgen $((run * 2)) 1G |
            { timeout $HVVM_T_BIG hvlisten -v 5500 2>"$W/l.err"; echo $? >"$W/l.rc"; } |
            { hvgen --check $((run * 2 + 1)) 1G 2>"$W/lc.err"; echo $? >"$W/lc.rc"; } &
        wait_listen "$W/l.err" || fail "run $run: never listened"
        hvgen $((run * 2 + 1)) 1G |
            { timeout $HVVM_T_BIG hvcat 1 5500 2>"$W/c.err"; echo $? >"$W/c.rc"; } |
            { hvgen --check $((run * 2)) 1G 2>"$W/cc.err"; echo $? >"$W/cc.rc"; }
        wait
        rc_is "$W/l.rc" 0 "run $run: hvlisten"
        rc_is "$W/c.rc" 0 "run $run: hvcat"
        rc_is "$W/lc.rc" 0 "run $run: client -> listener check ($(cat "$W/lc.err"))"
        rc_is "$W/cc.rc" 0 "run $run: listener -> client check ($(cat "$W/cc.err"))"
        info "run $run: 1 GiB each way at once, exact, in $(secs_since "$t0") s"
    done
}

hvvm_run_cases() {
    local fn t0 rc
    for CASE in "$@"; do
        fn=case_$(echo "$CASE" | tr . _)
        W=/tmp/case.$CASE
        rm -rf "$W"
        mkdir -p "$W"
        if ! type "$fn" >/dev/null 2>&1; then
            echo "HVVM-RESULT $CASE FAIL: no such case"
            continue
        fi
        case $CASE in socat.* | halfclose.* | no_shutdown)
            if ! command -v socat >/dev/null 2>&1; then
                echo "HVVM-RESULT $CASE SKIP: no socat in the guest"
                continue
            fi ;;
        esac
        t0=$(now_cs)
        ("$fn")
        rc=$?
        # whatever a failed case left running must not outlive it (this
        # guest runs nothing else)
        killall -q hvcat hvlisten socat 2>/dev/null
        echo "HVVM-TIME $CASE $(secs_since "$t0")"
        if [ $rc = 0 ]; then
            echo "HVVM-RESULT $CASE PASS"
        else
            for f in "$W"/*.err; do
                [ -s "$f" ] && sed "s|^|HVVM-LOG $CASE ${f##*/}: |" "$f" | head -n 20
            done
            echo "HVVM-RESULT $CASE FAIL: $(cat "$W/reason" 2>/dev/null || echo "exit $rc")"
        fi
        rm -rf "$W"
    done
}
