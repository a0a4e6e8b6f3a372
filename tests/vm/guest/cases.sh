# cases.sh: the vm test cases, run inside the guest over vsock_loopback
# (CID 1). Each case_NAME runs in a subshell in its own directory $W, calls
# fail REASON on the first wrong thing, and prints "HVVM-INFO" lines for the
# host to show. hvvm_run_cases prints one "HVVM-RESULT NAME PASS|FAIL: why"
# line per case; the host test checks for it.
. /bin/common.sh
. /bin/hybrid_cases.sh

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
# EOF: socat -t 0.2. Its stdin sends only after the client's data came in,
# and then: without --no-shutdown (the control) once socat logged the
# client's EOF and its own exit, so that nothing of it can reach the
# client; with it, 2 s later (nothing marks a half-close that does not
# come: the time in which one would show). Sets the client's status in
# $W/$1.rc and output in $W/$1.out.
nsd_round() {
    local tag=$1 port=$2 spid
    shift 2
    { wait_size "$W/$tag.sout" $((1048576)) 120 || exit 1
      if [ "$1" = --no-shutdown ]; then
          sleep 2
      else
          wait_line "$W/$tag.serr" "$(printf "$SOCAT_EOF" 1)" 120 >/dev/null &&
              wait_line "$W/$tag.serr" 'exiting with status' 60 >/dev/null
      fi
      cat "$W/s"; } 2>/dev/null |
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

# ---------------------------------------------------------------- hints

# lines FILE: how many lines FILE has
lines() {
    wc -l <"$1" | tr -d ' '
}

# A refused port is named under the error, with the command that listens
# there; CID 2 in a guest without a vsock device says so. --no-hints and
# HV_NO_HINTS=1 leave the error line alone, and the status the same.
case_hint_refused() {
    local pre
    timeout 60 hvcat -d 1 54321 </dev/null >/dev/null 2>"$W/c.err"
    echo $? >"$W/c.rc"
    rc_is "$W/c.rc" 69 hvcat
    [ "$(sed -n 1p "$W/c.err")" = "hvcat: connect 1:54321: connection refused" ] ||
        fail "error line: $(cat "$W/c.err")"
    grep -qxF "hvcat: hint: nothing listens on vsock port 54321 at CID 1 (this machine): start a listener there (hvlisten 54321)" "$W/c.err" ||
        fail "no refused hint: $(cat "$W/c.err")"
    [ "$(lines "$W/c.err")" = 2 ] || fail "stderr: $(cat "$W/c.err")"
    info "$(sed -n 2p "$W/c.err")"
    # qemu gave this guest no vsock device and no guest transport: the
    # kernel takes CID 2 to loopback, this machine, and no host is there
    timeout 60 hvcat -d 2 5000 </dev/null >/dev/null 2>"$W/h.err"
    echo $? >"$W/h.rc"
    rc_is "$W/h.rc" 69 "hvcat 2 5000"
    grep -qxF "hvcat: hint: nothing listens on vsock port 5000 at CID 2 (this machine itself: with no guest transport loaded, Linux takes CID 2 to vsock_loopback): start a listener there (hvlisten 5000)" "$W/h.err" ||
        fail "CID 2: $(cat "$W/h.err")"
    grep -qxF "hvcat: hint: this machine has no vsock device (no Hyper-V VMBus, virtio-vsock device or VMware VMCI): as a guest it reaches no host" "$W/h.err" ||
        fail "CID 2: $(cat "$W/h.err")"
    info "$(sed -n 2,3p "$W/h.err" | tr '\n' '|')"
    # a relay's connect (--to) that is refused: the hint once, not per client
    timeout 60 hvlisten -v -k --to vsock:1:54321 0 </dev/null >/dev/null 2>"$W/t.err" &
    wait_listen "$W/t.err" $! || fail "--to: hvlisten never said Listening on"
    timeout 30 hvcat -d 1 "$PORT" </dev/null >/dev/null 2>&1
    timeout 30 hvcat -d 1 "$PORT" </dev/null >/dev/null 2>&1
    wait_line "$W/t.err" 'connect vsock:1:54321: connection refused' 30 >/dev/null ||
        fail "--to: $(cat "$W/t.err")"
    kill %1 2>/dev/null
    wait
    [ "$(grep -c 'connect vsock:1:54321: connection refused' "$W/t.err")" = 2 ] ||
        fail "--to: not two refused clients: $(cat "$W/t.err")"
    [ "$(grep -cxF "hvlisten: hint: nothing listens on vsock port 54321 at CID 1 (this machine): start a listener there (hvlisten 54321)" "$W/t.err")" = 1 ] ||
        fail "--to: the hint not once: $(cat "$W/t.err")"
    info "--to: two refused relays, one hint"
    for pre in --no-hints HV_NO_HINTS=1; do
        if [ $pre = --no-hints ]; then
            timeout 60 hvcat --no-hints -d 1 54321 </dev/null >/dev/null 2>"$W/n.err"
        else
            HV_NO_HINTS=1 timeout 60 hvcat -d 1 54321 </dev/null >/dev/null 2>"$W/n.err"
        fi
        echo $? >"$W/n.rc"
        rc_is "$W/n.rc" 69 "hvcat ($pre)"
        [ "$(cat "$W/n.err")" = "hvcat: connect 1:54321: connection refused" ] ||
            fail "$pre: $(cat "$W/n.err")"
    done
    info "--no-hints and HV_NO_HINTS=1: the error line alone, exit 69"
}

# With vsock_loopback unloaded (rmmod), a connect to CID 1 and a listener
# on it name that module; the switch silences it, the status stays.
case_hint_loopback() {
    local rc1
    rmmod vsock_loopback || fail "rmmod vsock_loopback failed"
    timeout 60 hvcat -d 1 5000 </dev/null >/dev/null 2>"$W/c.err"
    echo $? >"$W/c.rc"
    timeout 60 hvlisten 1 5000 </dev/null >/dev/null 2>"$W/l.err"
    echo $? >"$W/l.rc"
    timeout 60 hvcat --no-hints -d 1 5000 </dev/null >/dev/null 2>"$W/n.err"
    echo $? >"$W/n.rc"
    insmod /modules/vsock_loopback.ko || fail "insmod vsock_loopback failed"
    rc1=$(cat "$W/c.rc")
    [ "$rc1" = 69 ] || fail "hvcat exited $rc1: $(cat "$W/c.err")"
    [ "$(sed -n 1p "$W/c.err")" = "hvcat: connect 1:5000: no vsock transport for that CID" ] ||
        fail "error line: $(cat "$W/c.err")"
    grep -qxF "hvcat: hint: CID 1 (loopback) needs vsock_loopback, which is not loaded: modprobe vsock_loopback" "$W/c.err" ||
        fail "no loopback hint: $(cat "$W/c.err")"
    [ "$(lines "$W/c.err")" = 2 ] || fail "stderr: $(cat "$W/c.err")"
    rc_is "$W/l.rc" 69 "hvlisten 1 5000"
    grep -qxF "hvlisten: hint: CID 1 (loopback) needs vsock_loopback, which is not loaded: modprobe vsock_loopback" "$W/l.err" ||
        fail "listener: $(cat "$W/l.err")"
    rc_is "$W/n.rc" "$rc1" "hvcat --no-hints"
    [ "$(cat "$W/n.err")" = "$(sed -n 1p "$W/c.err")" ] ||
        fail "--no-hints: $(cat "$W/n.err")"
    info "$(sed -n 1,2p "$W/c.err" | tr '\n' '|')"
    info "hvlisten: $(sed -n 1p "$W/l.err")"
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
    # --wait: the listener comes up once the client said it waits (its
    # first connect was refused)
    ( wait_line "$W/wc.err" 'Waiting for' 60 >/dev/null || exit 1
      echo late | timeout 60 hvlisten -v 5301 >"$W/w.out" 2>"$W/w.err" ) &
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
        rm -f "$W"/*.rc "$W/cut"
        # the client takes 8 MiB of what the listener sends, then stops
        # reading (its reader holds on): the listener is still sending
        # when the client is killed, however fast the machine (a
        # fixed second was enough for all 200 MiB on a fast one)
        if [ $dir = sending ]; then
            # the listener sends a lot; the client is killed while reading
            hvgen 1 200M | { timeout $HVVM_T hvlisten -v 5401 >/dev/null 2>"$W/l.err"; echo $? >"$W/l.rc"; } &
            wait_listen "$W/l.err" || fail "$dir: never listened"
            timeout $HVVM_T hvcat 1 5401 </dev/null 2>/dev/null |
                { head -c 8388608 >/dev/null; echo cut >"$W/cut"; sleep $HVVM_T; } &
            pid=$!
        else
            # the client is killed while sending; the listener, sending
            # too, must notice (a killed sender with nothing unread closes
            # like a finished one: no transport can tell those apart)
            hvgen 3 200M | { timeout $HVVM_T hvlisten -v 5402 >/dev/null 2>"$W/l.err"; echo $? >"$W/l.rc"; } &
            wait_listen "$W/l.err" || fail "$dir: never listened"
            hvgen 2 200M | timeout $HVVM_T hvcat 1 5402 2>/dev/null |
                { head -c 8388608 >/dev/null; echo cut >"$W/cut"; sleep $HVVM_T; } &
            pid=$!
        fi
        wait_line "$W/l.err" 'Connection from' 30 >/dev/null || fail "$dir: no connection"
        wait_file "$W/cut" 60 || fail "$dir: 8 MiB never arrived"
        [ ! -e "$W/l.rc" ] || fail "$dir: the listener ended before the kill ($(cat "$W/l.rc"))"
        killall -9 hvcat
        t0=$(now_cs)
        wait_size "$W/l.rc" 1 10 || fail "$dir: the listener did not end within 10 s of the kill"
        rc_is "$W/l.rc" 74 "hvlisten ($dir, peer killed)"
        info "$dir: peer killed after 8 MiB, listener ended with 74 after $(secs_since "$t0") s"
        killall sleep 2>/dev/null
        wait 2>/dev/null
    done
}

# vsock port any: the port picked is one hvreg can register (1024 to
# 2147483647; Linux alone picks half of them above that), each of 20 times
case_any_port() {
    local i
    for i in $(seq 20); do
        rm -f "$W/l.err"
        timeout 10 hvlisten -v any </dev/null >/dev/null 2>"$W/l.err" &
        wait_listen "$W/l.err" $! || fail "run $i: never listened"
        [ "$PORT" -ge 1024 ] && [ "$PORT" -le 2147483647 ] ||
            fail "run $i: port $PORT is outside 1024-2147483647"
        echo x | timeout 10 hvcat 1 "$PORT" >/dev/null 2>&1 || fail "run $i: port $PORT not reachable"
        wait 2>/dev/null
        info "run $i: port $PORT"
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

# ------------------------------------------- pipes and gone peers
# Each tool's stdout is a pipe read by a separate process, $W/reader, which
# stamps the first line with /proc/uptime as it gets it; a line is due
# within 1 s of the start of the tool that sends it. T is the round's
# files' prefix ($W/TAG): T.lerr, T.lrc (the listener), T.cerr, T.crc (the
# client), T.got (the reader's "UPTIME LINE"), T.go (lets senders go).

# mk_helpers: $W/reader OUT (a pipe's reader: the first line, stamped, into
# OUT whole, then the rest to its end; "(EOF)" when there was no line) and
# $W/hold FILE (a sender that stays until FILE exists).
mk_helpers() {
    cat >"$W/reader" <<'EOF'
#!/bin/sh
IFS= read -r l || [ -n "$l" ] || l='(EOF)'
read -r up rest </proc/uptime
echo "$up $l" >"$1.tmp"
mv "$1.tmp" "$1"
exec cat >/dev/null
EOF
    cat >"$W/hold" <<'EOF'
#!/bin/sh
while [ ! -e "$1" ]; do sleep 0.2; done
EOF
    chmod +x "$W/reader" "$W/hold"
}

# run_pid PIDFILE CMD...: CMD itself (exec'd), its pid in PIDFILE.
run_pid() {
    sh -c 'echo $$ >"$0"; exec "$@"' "$@"
}

# idle_in NAME: $W/NAME, a fifo held open by a writer that sends nothing
# (a stdin that stays open and idle); the writer's pid in IDLE_PID.
idle_in() {
    mkfifo "$W/$1"
    sleep 120 >"$W/$1" &
    IDLE_PID=$!
}

# line_within TAG T0 WANT: the reader of round TAG got WANT while its
# sender still holds on (so nothing held it back: the sender lets go only
# after this); waits 20 s for it, a bound for a loaded machine, not a
# speed target. Appends "TAG=SECS" (the latency seen) to LAT.
line_within() {
    local at line el
    wait_file "$W/$1.got" 20 || fail "$1: the reader had no line 20 s after the start (held while its sender holds on)"
    read -r at line <"$W/$1.got"
    [ "$line" = "$3" ] || fail "$1: the reader got '$line', expected '$3'"
    el=$(secs_between "$2" "$at")
    LAT="$LAT $1=$el"
}

# ends_ok TAG WHO X: the round's WHO (hvlisten: l, hvcat: c) ended with 0
# within 10 s.
ends_ok() {
    wait_file "$W/$1.$3rc" 10 || fail "$1: $2 did not end"
    rc_is "$W/$1.$3rc" 0 "$1: $2"
}

# The ends of a round: a server (hvlisten on a free port) and a client,
# one sending "hello" and staying until T.go, the other's reader getting it.
srv_recv() { # [-k]: stdout to the reader; stdin /dev/null (half-closes)
    { if [ "$1" = -k ]; then
          run_pid "$T.pid" hvlisten -v -k 0
      else
          hvlisten -v 0
      fi </dev/null 2>"$T.lerr"
      echo $? >"$T.lrc"; } | "$W/reader" "$T.got"
}
srv_send() {
    { echo hello; "$W/hold" "$T.go"; } |
        { hvlisten -v 0 2>"$T.lerr"; echo $? >"$T.lrc"; } | "$W/reader" "$T.lgot"
}
srv_exec_send() { # -e: the command sends and stays
    { hvlisten -v -e "echo hello; $W/hold $T.go" 0 </dev/null 2>"$T.lerr"
      echo $? >"$T.lrc"; } | "$W/reader" "$T.lgot"
}
srv_exec_recv() { # -e: the command's stdin, a pipe, has the reader
    { hvlisten -v -e "$W/reader $T.got" 0 </dev/null 2>"$T.lerr"
      echo $? >"$T.lrc"; } | "$W/reader" "$T.lgot"
}
cli_send() {
    { echo hello; "$W/hold" "$T.go"; } |
        { hvcat 1 "$PORT" 2>"$T.cerr"; echo $? >"$T.crc"; } | "$W/reader" "$T.cgot"
}
cli_recv() { # stdin /dev/null: half-closes at once, reads on
    { hvcat 1 "$PORT" </dev/null 2>"$T.cerr"; echo $? >"$T.crc"; } |
        "$W/reader" "$T.got"
}
cli_exec_recv() { # -e: the command's stdin has the reader
    { hvcat -e "$W/reader $T.got" 1 "$PORT" </dev/null 2>"$T.cerr"
      echo $? >"$T.crc"; } | "$W/reader" "$T.cgot"
}

# pr_round TAG CLIENT SERVER [ARG]: one round: the line within 1 s of the
# client's start, then the sender let go and both ending with 0 (a -k
# listener serves on: it is stopped).
pr_round() {
    local tag=$1 client=$2 t0 rest
    T=$W/$tag
    shift 2
    "$@" &
    wait_listen "$T.lerr" $! || fail "$tag: hvlisten never said Listening on"
    read -r t0 rest </proc/uptime
    $client &
    line_within "$tag" "$t0" hello
    : >"$T.go"
    ends_ok "$tag" hvcat c
    if [ -s "$T.pid" ]; then
        kill "$(cat "$T.pid")"
    else
        ends_ok "$tag" hvlisten l
    fi
}

# Gone peers (guest): a line that a peer sends while it stays reaches
# the reader of a tool's stdout (or of its -e command's stdin) within 1 s.
# Before the fix splice waited for the socket holding the pipe's lock, and
# the reader slept until more data or the end came (1 run in 3 over vsock):
# so each round runs three times.
case_pipe_reader() {
    local n
    mk_helpers
    LAT=""
    for n in 1 2 3; do
        pr_round "listen$n" cli_send srv_recv
        pr_round "listen_k$n" cli_send srv_recv -k
        pr_round "listen_e$n" cli_send srv_exec_recv
        pr_round "cat$n" cli_recv srv_send
        pr_round "cat_e$n" cli_recv srv_exec_send
        pr_round "cat_ee$n" cli_exec_recv srv_send
    done
    info "line to the reader, seconds after the start of its sender:$LAT"
}

# gone_round TAG ENDS OPTS...: ENDS (listen: hvlisten's client, cat:
# hvcat's server) sends "data" and closes it all (-q 0) while the tool
# under test, run with OPTS, has an open idle stdin. Stamps: T.t0 the
# peer's end, T.end the tool's.
gone_round() {
    local tag=$1 ends=$2
    T=$W/$tag
    shift 2
    idle_in "$tag.in"
    echo "$IDLE_PID" >"$T.idle"
    if [ "$ends" = listen ]; then
        { hvlisten -v "$@" 0 <"$T.in" 2>"$T.lerr"; echo $? >"$T.lrc"; stampto "$T.end"; } |
            "$W/reader" "$T.got" &
        wait_listen "$T.lerr" $! || fail "$tag: hvlisten never said Listening on"
        echo data | timeout 10 hvcat -q 0 1 "$PORT" >/dev/null 2>"$T.cerr"
        echo $? >"$T.crc"
        stampto "$T.t0"
        rc_is "$T.crc" 0 "$tag: the client"
    else
        echo data | { hvlisten -v -q 0 0 >/dev/null 2>"$T.lerr"; echo $? >"$T.lrc"; stampto "$T.t0"; } &
        wait_listen "$T.lerr" $! || fail "$tag: hvlisten never said Listening on"
        { hvcat "$@" 1 "$PORT" <"$T.in" 2>"$T.cerr"; echo $? >"$T.crc"; stampto "$T.end"; } |
            "$W/reader" "$T.got" &
    fi
}

# gone_ended TAG WHO X: the tool under test ended with 0 after the peer's
# end (its stdin stays open and idle: without the rule it would never end;
# 20 s is a bound for a loaded machine), and its reader had the data.
# Appends the time it took to LAT.
gone_ended() {
    local el
    wait_file "$W/$1.t0" 10 || fail "$1: the peer did not end"
    wait_file "$W/$1.end" 20 || fail "$1: $2 still ran 20 s after its peer closed"
    el=$(secs_between "$(cat "$W/$1.t0")" "$(cat "$W/$1.end")")
    rc_is "$W/$1.$3rc" 0 "$1: $2"
    wait_file "$W/$1.got" 3 || fail "$1: the reader had no line"
    [ "$(cut -d' ' -f2- "$W/$1.got")" = data ] || fail "$1: the reader got '$(cat "$W/$1.got")'"
    kill "$(cat "$W/$1.idle")" 2>/dev/null
    LAT="$LAT $1=$el"
}

# half_round TAG: the tool whose peer half-closed at once sends "late" 2 s
# later (four of the gone-peer rule's looks later) from its stdin, and the
# other side's reader gets it: a half-close ends nothing. TAG is listen
# (hvcat </dev/null half-closes) or cat (hvlisten </dev/null does).
half_round() {
    T=$W/$1
    if [ "$1" = listen ]; then
        { sleep 2; echo late; } |
            { hvlisten -v 0 2>"$T.lerr"; echo $? >"$T.lrc"; } | "$W/reader" "$T.lgot" &
        wait_listen "$T.lerr" $! || fail "$1: hvlisten never said Listening on"
        { hvcat 1 "$PORT" </dev/null 2>"$T.cerr"; echo $? >"$T.crc"; } |
            "$W/reader" "$T.got" &
    else
        { hvlisten -v 0 </dev/null 2>"$T.lerr"; echo $? >"$T.lrc"; } |
            "$W/reader" "$T.got" &
        wait_listen "$T.lerr" $! || fail "$1: hvlisten never said Listening on"
        { sleep 2; echo late; } |
            { hvcat 1 "$PORT" 2>"$T.cerr"; echo $? >"$T.crc"; } | "$W/reader" "$T.cgot" &
    fi
}

# Gone peers (guest): a peer that closed it all ends the session
# within 1 s though stdin stays open and idle (hvlisten and hvcat, three
# times each); --wait-stdin still waits 2 s later, and ends with 0 at
# stdin's end; a peer that only half-closed ends nothing: the other side's
# stdin sends 2 s later and that arrives.
case_gone_peer() {
    local n tag
    mk_helpers
    LAT=""
    for n in 1 2 3; do
        gone_round "listen$n" listen
        gone_ended "listen$n" hvlisten l
        gone_round "cat$n" cat
        gone_ended "cat$n" hvcat c
    done
    info "ended after the peer's close, seconds:$LAT"
    # these four at once: nothing here is timed to less than 2 s
    gone_round wait_listen listen --wait-stdin
    gone_round wait_cat cat --wait-stdin
    half_round listen
    half_round cat
    sleep 2
    for tag in wait_listen wait_cat; do
        [ -e "$W/$tag.end" ] && fail "$tag: --wait-stdin ended 2 s after the peer's close"
        kill "$(cat "$W/$tag.idle")"
    done
    ends_ok wait_listen "hvlisten --wait-stdin (at stdin's end)" l
    ends_ok wait_cat "hvcat --wait-stdin (at stdin's end)" c
    for tag in wait_listen wait_cat; do
        [ "$(cut -d' ' -f2- "$W/$tag.got")" = data ] || fail "$tag: the reader got '$(cat "$W/$tag.got")'"
    done
    for tag in listen cat; do
        ends_ok "$tag" hvlisten l
        ends_ok "$tag" hvcat c
        wait_file "$W/$tag.got" 3 || fail "half-close, $tag: the reader had no line"
        [ "$(cut -d' ' -f2- "$W/$tag.got")" = late ] ||
            fail "half-close, $tag: the reader got '$(cut -d' ' -f2- "$W/$tag.got")', not the late line"
    done
    info "--wait-stdin ran on 2 s after the peer's close and ended 0 at stdin's end; a half-closed peer got (hvcat) and sent (hvlisten) a line 2 s later"
}

# second_round TAG OPTS...: hvlisten OPTS with one client (its stdin open
# and idle): a second client is refused (69) within 1 s. Then both stdins
# end (or T.go lets a -e command go) and all end with 0.
second_round() {
    local tag=$1 t0 t1 rest el
    T=$W/$tag
    shift
    idle_in "$tag.in"
    echo "$IDLE_PID" >"$T.idle"
    idle_in "$tag.cin"
    echo "$IDLE_PID" >"$T.cidle"
    { hvlisten -v "$@" 0 <"$T.in" 2>"$T.lerr"; echo $? >"$T.lrc"; } | "$W/reader" "$T.lgot" &
    wait_listen "$T.lerr" $! || fail "$tag: hvlisten never said Listening on"
    { hvcat 1 "$PORT" <"$T.cin" 2>"$T.cerr"; echo $? >"$T.crc"; } | "$W/reader" "$T.cgot" &
    wait_line "$T.lerr" 'Connection from' 10 >/dev/null || fail "$tag: the first client got no connection"
    read -r t0 rest </proc/uptime
    timeout 10 hvcat 1 "$PORT" </dev/null >"$T.2out" 2>"$T.2err"
    echo $? >"$T.2rc"
    read -r t1 rest </proc/uptime
    el=$(secs_between "$t0" "$t1")
    rc_is "$T.2rc" 69 "$tag: the second client"
    grep -q refused "$T.2err" || fail "$tag: the second client said: $(cat "$T.2err")"
    : >"$T.go"
    kill "$(cat "$T.idle")" "$(cat "$T.cidle")"
    ends_ok "$tag" "hvcat (the first client)" c
    ends_ok "$tag" hvlisten l
    LAT="$LAT $tag=$el"
}

# Gone peers (guest): a listener without -k stops listening once it
# has its connection: the next client is refused at once, for a stdio
# session and for -e. Control: with -k -e a second client is served.
case_second_client() {
    local t0 rest
    mk_helpers
    LAT=""
    second_round stdio
    second_round exec -e "$W/hold $W/exec.go"
    info "second client refused (69) after, seconds:$LAT"
    T=$W/keep
    run_pid "$T.pid" hvlisten -v -k -e "echo hello; $W/hold $T.go" 0 </dev/null >/dev/null 2>"$T.lerr" &
    wait_listen "$T.lerr" $! || fail "keep: hvlisten never said Listening on"
    idle_in keep.in
    { hvcat 1 "$PORT" <"$T.in" 2>"$T.cerr"; echo $? >"$T.crc"; } | "$W/reader" "$T.cgot" &
    wait_file "$T.cgot" 5 || fail "keep: the first client was not served"
    read -r t0 rest </proc/uptime
    { timeout 10 hvcat 1 "$PORT" </dev/null 2>"$T.2err"; echo $? >"$T.2rc"; } | "$W/reader" "$T.got" &
    line_within keep "$t0" hello
    : >"$T.go"
    ends_ok keep "hvcat (the first client)" c
    wait_file "$T.2rc" 10 || fail "keep: the second client did not end"
    rc_is "$T.2rc" 0 "keep: the second client"
    kill "$IDLE_PID" "$(cat "$T.pid")"
    info "-k -e served a second client beside the first"
}

# hvlisten --systemd on a vsock listening socket. This
# guest has no systemd, and systemd-socket-activate cannot run in it: the
# stand-in is sdlaunch (tests/systemd/sdlaunch.c, linked static), which
# does only what sd_listen_fds(3) describes: a vsock socket bound and
# listening at descriptor 3, LISTEN_PID (its own pid, kept across exec),
# LISTEN_FDS=1, then exec of hvlisten. 32 clients at once over CID 1 are
# echoed by -e cat; a command sees no LISTEN_* and no descriptor 3; the
# -v line names the socket sdlaunch bound; SIGTERM ends hvlisten by it.
case_systemd() {
    local lpid line fds
    sdlaunch vsock:0 hvlisten --systemd -v -k -e cat </dev/null 2>"$W/l.err" &
    lpid=$!
    wait_listen "$W/l.err" $lpid || fail "hvlisten --systemd never said Listening on"
    line=$(grep '^sdlaunch: listening on' "$W/l.err")
    [ "$line" = "sdlaunch: listening on vsock:any:$PORT as 3" ] ||
        fail "hvlisten listens on port $PORT, sdlaunch said: $line"
    clients32 systemd hvcat 1 "$PORT"
    kill -TERM $lpid
    wait $lpid
    [ $? = 143 ] || fail "hvlisten --systemd did not end by SIGTERM"
    # what a command sees
    sdlaunch vsock:0 hvlisten --systemd -v -k -e \
        'env | grep "^LISTEN_"; ls /proc/$$/fd >'"$W/fds"'; echo done' \
        </dev/null 2>"$W/e.err" &
    lpid=$!
    wait_listen "$W/e.err" $lpid || fail "the second hvlisten --systemd never listened"
    line=$(timeout 60 hvcat 1 "$PORT" </dev/null 2>"$W/c.err")
    [ "$line" = done ] || fail "the command saw: $line"
    fds=$(tr '\n' ' ' <"$W/fds")
    case " $fds" in *" 3 "*) fail "the command holds descriptor 3 ($fds)" ;; esac
    kill -TERM $lpid
    wait $lpid
    info "--systemd over vsock: 32 clients echoed; the command's descriptors: $fds"
}

# hvlisten --ready over real vsock: a guest's readiness messages as
# systemd's vmm.notify_socket sends them (one connection per message, the
# last line without a newline) and as hvcat carries them (READY=1 split
# over two writes). Then one that closes without READY=1 (69 after -w) and
# nobody at all (75 after -w).
case_ready() {
    local lpid rc out
    hvlisten --ready -v -w 120 0 </dev/null >"$W/r.out" 2>"$W/r.err" &
    lpid=$!
    wait_listen "$W/r.err" $lpid || fail "hvlisten --ready never said Listening on"
    printf 'STATUS=booting' | timeout 60 hvcat 1 "$PORT" 2>"$W/c1.err" ||
        fail "the first sender failed"
    { printf 'STATUS=units\nX_OTHER=1\nREA'; sleep 1; printf 'DY=1\n'; } |
        timeout 60 hvcat 1 "$PORT" 2>"$W/c2.err" ||
        fail "the second sender failed (hvlisten did not close it?)"
    wait $lpid
    rc=$?
    [ $rc = 0 ] || fail "hvlisten --ready exited $rc after READY=1"
    out=$(tr '\n' '|' <"$W/r.out")
    [ "$out" = "booting|units|" ] || fail "stdout: $out"
    grep -q "without READY=1" "$W/r.err" || fail "no -v line for the first sender's close"
    hvlisten --ready -w 3 0 </dev/null >"$W/e.out" 2>"$W/e.err" &
    lpid=$!
    wait $lpid
    rc=$?
    [ $rc = 75 ] || fail "nobody came: exit $rc, expected 75"
    grep -q "no READY=1 within 3 s" "$W/e.err" || fail "75 without its line: $(cat "$W/e.err")"
    hvlisten --ready -v -w 30 0 </dev/null >"$W/h.out" 2>"$W/h.err" &
    lpid=$!
    wait_listen "$W/h.err" $lpid || fail "the third hvlisten --ready never listened"
    printf 'STATUS=half\n' | timeout 60 hvcat 1 "$PORT" 2>"$W/c3.err" ||
        fail "the third sender failed"
    wait $lpid
    rc=$?
    [ $rc = 69 ] || fail "a sender that closed without READY=1: exit $rc, expected 69"
    grep -q "the sender closed without it" "$W/h.err" || fail "69 without its line"
    info "--ready over vsock: READY=1 after a reconnect (0), nobody (75), closed early (69)"
}

# -e --pty over real vsock, busybox sh on the pseudo-terminal (no terminal
# on the client's side here: --raw is the host's tmux cases'): tty, stty
# size, TERM, the status, output written just before the exit all there,
# and a client that goes away hangs the shell up (vsock shows the close).
case_pty() {
    local lpid rc t0
    mkdir -p /dev/pts
    mount -t devpts -o ptmxmode=0666 devpts /dev/pts 2>/dev/null ||
        grep -q ' /dev/pts ' /proc/mounts || fail "cannot mount devpts"
    [ -c /dev/ptmx ] || ln -sf pts/ptmx /dev/ptmx
    timeout 60 hvlisten -v --pty --pty-size 100x30 --pty-term vt100 \
        -e 'tty; stty size; echo "T=$TERM"; exit 3' 5401 2>"$W/l.err" &
    lpid=$!
    wait_listen "$W/l.err" $lpid || fail "hvlisten --pty never listened"
    timeout 60 hvcat 1 "$PORT" </dev/null >"$W/c.out" 2>"$W/c.err"
    echo $? >"$W/c.rc"
    rc_is "$W/c.rc" 0 "hvcat"
    wait $lpid
    echo $? >"$W/l.rc"
    rc_is "$W/l.rc" 74 "hvlisten (status 3)"
    tr -d '\r' <"$W/c.out" >"$W/view"
    grep -q '^/dev/pts/[0-9]*$' "$W/view" || fail "tty: $(cat "$W/view")"
    grep -q '^30 100$' "$W/view" || fail "stty size: $(cat "$W/view")"
    grep -q '^T=vt100$' "$W/view" || fail "TERM: $(cat "$W/view")"
    grep -q 'exited with status 3' "$W/l.err" || fail "no status line: $(cat "$W/l.err")"
    # drained: the last lines written just before the exit
    timeout 60 hvlisten -v --pty -e 'seq 1 20000' 5402 2>"$W/l2.err" &
    lpid=$!
    wait_listen "$W/l2.err" $lpid || fail "the second hvlisten never listened"
    timeout 60 hvcat 1 "$PORT" </dev/null | tr -d '\r' >"$W/seq.out"
    seq 1 20000 >"$W/seq.want"
    cmp -s "$W/seq.out" "$W/seq.want" || fail "seq: $(wc -l <"$W/seq.out") lines"
    wait $lpid
    # the client's complete close (it is stopped) hangs the shell up
    timeout 60 hvlisten -v --pty -e 'sh' 5403 2>"$W/l3.err" &
    lpid=$!
    wait_listen "$W/l3.err" $lpid || fail "the third hvlisten never listened"
    mkfifo "$W/shin"
    { echo 'echo up-$((6 * 7))'; sleep 60; } >"$W/shin" &
    hvcat 1 "$PORT" <"$W/shin" >"$W/sh.out" 2>"$W/sh.err" &
    wait_line "$W/sh.out" 'up-42' 30 >/dev/null || fail "the shell never answered"
    t0=$(now_cs)
    kill $!
    wait $lpid
    echo $? >"$W/l3.rc"
    rc_is "$W/l3.rc" 74 "hvlisten (its shell hung up)"
    grep -q 'killed by signal 1' "$W/l3.err" || fail "no hang-up: $(cat "$W/l3.err")"
    info "--pty over vsock: tty, size, TERM, status 3, 20000 lines drained; the client's close hung the shell up after $(secs_since "$t0") s"
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
        killall -q hvcat hvlisten socat hvmux 2>/dev/null
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
