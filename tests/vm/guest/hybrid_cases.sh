# hybrid_cases.sh: the hybrid vsock vm cases (sourced by cases.sh). hvmux
# (tests/hybrid/hvmux.c) plays the VMM with real vsock behind it: a
# client's CONNECT P becomes a connect to vsock CID 1 port P, so hvcat
# --hybrid reaches a real hvlisten on vsock; and "hvmux guest" listens on
# vsock port P and brings each connection to the unix socket V_P, where
# hvlisten --hybrid V P serves a real vsock client.

# hmux NAME ARGS...: "hvmux host $W/NAME.sock vsock ARGS" in the background,
# waited for; HSOCK is its socket
hmux() {
    local name=$1
    shift
    HSOCK=$W/$name.sock
    hvmux host "$HSOCK" vsock "$@" >"$W/$name.mux" 2>"$W/$name.muxerr" &
    wait_line "$W/$name.mux" '^hvmux: ready' 30 $! >/dev/null || fail "hvmux $name did not start"
}

# 64 MiB each way at once: hvcat --hybrid through the muxer to a real
# vsock listener, and a real vsock client through the muxer to
# hvlisten --hybrid.
case_hybrid_transfer64m() {
    local sa sb t0 lp
    mkdata "$W/a" 64
    mkdata "$W/b" 64
    sa=$(sum256 "$W/a")
    sb=$(sum256 "$W/b")
    hmux m
    cat "$W/a" |
        { timeout $HVVM_T_BIG hvlisten -v 0 2>"$W/l.err"; echo $? >"$W/l.rc"; } |
        sha256sum >"$W/l.sum" &
    lp=$!
    wait_listen "$W/l.err" $lp || fail "hvlisten never said Listening on"
    t0=$(now_cs)
    cat "$W/b" |
        { timeout $HVVM_T_BIG hvcat -v --hybrid "$HSOCK" "$PORT" 2>"$W/c.err"; echo $? >"$W/c.rc"; } |
        sha256sum >"$W/c.sum"
    wait $lp
    info "hvcat --hybrid: 64 MiB each way in $(secs_since "$t0") s"
    rc_is "$W/l.rc" 0 hvlisten
    rc_is "$W/c.rc" 0 "hvcat --hybrid"
    grep -q "Connected to hybrid:$HSOCK:$PORT (OK 1073741824)" "$W/c.err" || fail "no OK in -v"
    [ "$(cut -d' ' -f1 "$W/c.sum")" = "$sa" ] || fail "listener -> hvcat --hybrid: sha256 differs"
    [ "$(cut -d' ' -f1 "$W/l.sum")" = "$sb" ] || fail "hvcat --hybrid -> listener: sha256 differs"
    # the guest's side: vsock port 5100 reaches V_5100
    hvmux guest "$W/v.sock" 5100 vsock >"$W/g.mux" 2>"$W/g.muxerr" &
    wait_line "$W/g.mux" '^hvmux: ready' 30 $! >/dev/null || fail "hvmux guest did not start"
    cat "$W/a" |
        { timeout $HVVM_T_BIG hvlisten -v --hybrid "$W/v.sock" 5100 2>"$W/hl.err"; echo $? >"$W/hl.rc"; } |
        sha256sum >"$W/hl.sum" &
    lp=$!
    wait_line "$W/hl.err" "Listening on unix:$W/v.sock_5100" 60 $lp >/dev/null ||
        fail "hvlisten --hybrid never listened"
    t0=$(now_cs)
    cat "$W/b" |
        { timeout $HVVM_T_BIG hvcat 1 5100 2>"$W/vc.err"; echo $? >"$W/vc.rc"; } |
        sha256sum >"$W/vc.sum"
    wait $lp
    info "hvlisten --hybrid: 64 MiB each way in $(secs_since "$t0") s"
    rc_is "$W/hl.rc" 0 "hvlisten --hybrid"
    rc_is "$W/vc.rc" 0 "vsock client"
    [ "$(cut -d' ' -f1 "$W/vc.sum")" = "$sa" ] || fail "hvlisten --hybrid -> vsock client: sha256 differs"
    [ "$(cut -d' ' -f1 "$W/hl.sum")" = "$sb" ] || fail "vsock client -> hvlisten --hybrid: sha256 differs"
    [ ! -e "$W/v.sock_5100" ] || fail "V_5100 left behind"
    info "sha256 both ways match, both directions of the muxer"
}

# Half-close in both orders through the muxer and vsock.
case_hybrid_halfclose() {
    local lp
    mkdata "$W/c" 3
    mkdata "$W/s" 5
    hmux m
    # the client's EOF first: the listener sends only after all of it
    { wait_size "$W/l.out" $((3 * 1048576)) 120 || exit 1
      echo sending >"$W/late"; cat "$W/s"; } |
        { timeout $HVVM_T hvlisten -v 0 >"$W/l.out" 2>"$W/l.err"; echo $? >"$W/l.rc"; } &
    lp=$!
    wait_listen "$W/l.err" $lp || fail "hvlisten never said Listening on"
    timeout $HVVM_T hvcat --hybrid "$HSOCK" "$PORT" <"$W/c" >"$W/c.out" 2>"$W/c.err"
    echo $? >"$W/c.rc"
    wait $lp
    [ -f "$W/late" ] || fail "client first: the client's data never all came"
    rc_is "$W/c.rc" 0 "client first: hvcat"
    rc_is "$W/l.rc" 0 "client first: hvlisten"
    cmp -s "$W/c" "$W/l.out" || fail "client first: client -> listener differs"
    cmp -s "$W/s" "$W/c.out" || fail "client first: listener -> client differs"
    # the guest's EOF first: the client sends only after all of it
    timeout $HVVM_T hvlisten -v 0 <"$W/s" >"$W/l2.out" 2>"$W/l2.err" &
    lp=$!
    wait_listen "$W/l2.err" $lp || fail "hvlisten 2 never said Listening on"
    { wait_size "$W/c2.out" $((5 * 1048576)) 120 || exit 1; cat "$W/c"; } |
        { timeout $HVVM_T hvcat --wait-stdin --hybrid "$HSOCK" "$PORT" >"$W/c2.out" 2>"$W/c2.err"; echo $? >"$W/c2.rc"; }
    wait $lp
    rc_is "$W/c2.rc" 0 "server first: hvcat"
    cmp -s "$W/s" "$W/c2.out" || fail "server first: listener -> client differs"
    cmp -s "$W/c" "$W/l2.out" || fail "server first: client -> listener after the EOF differs"
    info "half-close both orders through the muxer: exact"
}

# The handshake's answers: OK with the first bytes in one write, a
# refused port (69 at once), none (75 after -w), a malformed one (65, the
# answer shown, nothing on stdout), --wait for a late listener.
case_hybrid_handshake() {
    local rc out msock lp
    hmux merge --merge
    msock=$HSOCK
    echo first >"$W/greet"
    timeout $HVVM_T hvlisten -v 0 <"$W/greet" >/dev/null 2>"$W/g.err" &
    wait_listen "$W/g.err" $! || fail "greeter never listened"
    out=$(timeout 60 hvcat --hybrid "$HSOCK" "$PORT" </dev/null 2>"$W/c.err")
    [ "$out" = first ] || fail "OK and payload in one write: got '$out'"
    # refused: nothing on port 5999 of CID 1
    timeout 60 hvcat -w 30 --hybrid "$msock" 5999 </dev/null >/dev/null 2>"$W/r.err"
    rc=$?
    [ $rc = 69 ] || fail "refused port: exit $rc, expected 69"
    grep -q "connection refused" "$W/r.err" || fail "refused: $(cat "$W/r.err")"
    hmux never --never
    timeout 60 hvcat -w 2 --hybrid "$HSOCK" 52 </dev/null >/dev/null 2>"$W/n.err"
    rc=$?
    [ $rc = 75 ] || fail "never answers: exit $rc, expected 75"
    hmux bad --bad 'ERROR 1\n'
    out=$(timeout 60 hvcat --hybrid "$HSOCK" 52 </dev/null 2>"$W/b.err")
    rc=$?
    [ $rc = 65 ] || fail "malformed: exit $rc, expected 65"
    [ -z "$out" ] || fail "malformed: stdout '$out'"
    grep -qF "answered 'ERROR 1\\n'" "$W/b.err" || fail "malformed: $(cat "$W/b.err")"
    # --wait: the guest's listener starts 2 s late on port 5200
    echo late >"$W/late"
    ( sleep 2; timeout $HVVM_T hvlisten 5200 <"$W/late" >/dev/null 2>"$W/late.err" ) &
    lp=$!
    out=$(timeout 90 hvcat --wait 60 --hybrid "$msock" 5200 </dev/null 2>"$W/w.err")
    [ "$out" = late ] || fail "--wait: got '$out' ($(cat "$W/w.err"))"
    wait $lp
    info "OK+payload in one write, refused 69, no answer 75, malformed 65, --wait: as documented"
}

# 32 clients at once through --to hybrid: to a vsock echo, and a hybrid
# listener relaying to it.
case_hybrid_relay() {
    local vport
    hmux m
    hvlisten -v -k 0 -e cat </dev/null 2>"$W/ev.err" &
    wait_listen "$W/ev.err" $! || fail "vsock echo never listened"
    vport=$PORT
    hvlisten -v -k -t 127.0.0.1 0 --to "hybrid:$HSOCK:$vport" </dev/null 2>"$W/r.err" &
    wait_tcp "$W/r.err" $! || fail "relay never listened"
    clients32 tcp_hybrid hvcat -t 127.0.0.1 "$TPORT"
    hvmux guest "$W/v.sock" 5300 vsock >"$W/g.mux" 2>"$W/g.muxerr" &
    wait_line "$W/g.mux" '^hvmux: ready' 30 $! >/dev/null || fail "hvmux guest did not start"
    hvlisten -v -k --hybrid "$W/v.sock" 5300 --to "vsock:1:$vport" </dev/null 2>"$W/h.err" &
    wait_line "$W/h.err" 'Listening on unix:' 60 $! >/dev/null || fail "hybrid listener never listened"
    clients32 vsock_hybrid hvcat 1 5300
}
