# bench.sh: the speed figures, measured inside the guest over
# vsock_loopback (CID 1) and printed as raw "HVVM-*" records; tests/vm/bench
# on the host takes medians and ratios and prints the tables. A benchmark,
# not a test: no thresholds.
#
# hvvm.arg=MIB,ROUNDS,WHAT,PPCOUNT,ONCECOUNT: MIB MiB per transfer, ROUNDS
# timed rounds per figure (after one untimed round that checks the data),
# WHAT = main | levers | all | idle (only the idle-pairs row of main) |
# once (only the one-shot rows of main: raw, plain C relay, hvcat) | many
# (only hvlisten -k --to's rows of 1 and 256 connections, with the
# listener's anonymous memory beside its Rss) | relay (the relay rows),
# PPCOUNT round trips per ping-pong round, ONCECOUNT client starts per
# one-shot round.
#
# Records (values in guest nanoseconds, one a round; under -icount the guest
# clock counts instructions):
#   HVVM-T KEY BYTES NS...         a transfer of BYTES bytes
#   HVVM-T KEY BYTES FAIL WHY      the check round or a run failed
#   HVVM-T KEY BYTES NA WHY        not measurable here (ncat absent, no --to)
#   HVVM-L KEY US...               latency, microseconds a round trip / a run
#   HVVM-C KEY CONNS BYTES IDLE_KIB PEAK_KIB NS OWN_NS   (one line a round;
#                                    CONNS 256q: one busy, 255 idle;
#                                    256l: 4 times the bytes)
#   HVVM-F KEY FAULTS...            page faults a run of a one-shot round
#                                    (the once part only)
#   HVVM-A KEY CONNS IDLE_ANON_KIB  the Anonymous part of IDLE_KIB (the rest
#                                    is file-backed: the tool's own pages)
# Each transfer's receiver is started first and must print a line matching
# [Ll]istening on stderr; btime then times from the sender's start to the
# end of both. The helpers (braw, brelay, becho, bping, bmany, btime) are
# tests/vm/benchsrc.
. /bin/common.sh

B=/tmp/b
SRC=$B/src
NEXTP=6000
T_MAX=600
# set by the many part: conns records the anonymous part of the idle Rss
ANON=""

newport() {
    NEXTP=$((NEXTP + 1))
    P=$NEXTP
}

# one line of an error file, for a record
errline() {
    head -c 300 "$1" 2>/dev/null | tr '\n' ' '
}

# tp KEY BYTES RECV SEND [CHECK]: ROUNDS timed transfers plus the check
# round first. RECV and SEND are sh -c strings; they see P (a fresh vsock
# port each round), N (bytes), SRC, OUT and OUT2 (files in the check round,
# /dev/null after it) and VFY ("-V N" in the check round: the helpers then
# check the pattern themselves). CHECK, a sh -c string, runs after the check
# round and must succeed.
tp() {
    local key=$1 bytes=$2 recv=$3 send=$4 check=${5:-} r=0 vals="" rpid bad=""
    while [ $r -le "$ROUNDS" ]; do
        newport
        if [ $r = 0 ]; then
            OUT=$B/dst OUT2=$B/dst2 VFY="-V $N"
        else
            OUT=/dev/null OUT2=/dev/null VFY=""
        fi
        export P N SRC OUT OUT2 VFY RP Q
        rm -f $B/dst $B/dst2 $B/t $B/r.err $B/s.err
        timeout $T_MAX sh -c "$recv" 2>$B/r.err &
        rpid=$!
        if ! wait_line $B/r.err '[Ll]istening' 60 $rpid >/dev/null; then
            bad="receiver not ready: $(errline $B/r.err)"
            kill $rpid 2>/dev/null
            wait $rpid
            break
        fi
        if ! btime -o $B/t -w $rpid timeout $T_MAX sh -c "$send" 2>$B/s.err; then
            bad="sender failed: $(errline $B/s.err)"
            kill $rpid 2>/dev/null
        fi
        wait $rpid || bad="${bad:+$bad; }receiver failed: $(errline $B/r.err)"
        [ -z "$bad" ] || break
        if [ $r = 0 ]; then
            if [ -n "$check" ] && ! sh -c "$check"; then
                bad="data differs ($check)"
                break
            fi
        else
            vals="$vals $(cat $B/t)"
        fi
        r=$((r + 1))
    done
    rm -f $B/dst $B/dst2
    if [ -n "$bad" ]; then
        echo "HVVM-T $key $bytes FAIL $bad"
    else
        echo "HVVM-T $key $bytes$vals"
    fi
}

na() {
    echo "HVVM-T $1 0 NA $2"
}

# tool_cmds TOOL: L and C, the receiving and the sending end for one-way
# transfers; LB and CB for both ways at once (stdin a file on both ends).
tool_cmds() {
    case $1 in
    hv)
        L='hvlisten -d -v $P' C='hvcat 1 $P'
        LB='hvlisten -v $P' CB='hvcat 1 $P' ;;
    relay)
        L='brelay -d l $P' C='brelay c 1 $P'
        LB='brelay l $P' CB='brelay c 1 $P' ;;
    socatb)
        L='socat -d -d -b262144 -u VSOCK-LISTEN:$P STDOUT'
        C='socat -b262144 -u STDIN VSOCK-CONNECT:1:$P'
        LB='socat -d -d -b262144 -t 30 VSOCK-LISTEN:$P STDIO'
        CB='socat -b262144 -t 30 STDIO VSOCK-CONNECT:1:$P' ;;
    socat)
        L='socat -d -d -u VSOCK-LISTEN:$P STDOUT'
        C='socat -u STDIN VSOCK-CONNECT:1:$P'
        LB='socat -d -d -t 30 VSOCK-LISTEN:$P STDIO'
        CB='socat -t 30 STDIO VSOCK-CONNECT:1:$P' ;;
    hvplain)
        # the same without the fast paths (blocking calls in one or two
        # threads, splice into a pipe): the lever they are
        L='HV_NO_FAST_PATH=1 hvlisten -d -v $P' C='HV_NO_FAST_PATH=1 hvcat 1 $P'
        LB='HV_NO_FAST_PATH=1 hvlisten -v $P' CB='HV_NO_FAST_PATH=1 hvcat 1 $P' ;;
    ncat)
        L='ncat -v --vsock -l --recv-only $P' C='ncat --vsock --send-only 1 $P'
        LB='ncat -v --vsock -l $P' CB='ncat --vsock 1 $P' ;;
    esac
}

# the relay listener of each row (vsock port RP to 127.0.0.1:Q), or "" for
# none
relay_cmd() {
    case $1 in
    hv)
        # --to (the relay to TCP), not --tcp or a --timeout
        if hvlisten --help 2>&1 | grep -qE -- '--to([^a-z]|$)'; then
            echo 'hvlisten -k -v $RP --to tcp:127.0.0.1:$Q'
        fi ;;
    hve) echo 'hvlisten -k -v $RP -e "hvcat -t 127.0.0.1 $Q"' ;;
    relay) echo 'brelay f $RP $Q' ;;
    hvu) echo 'hvlisten -k -v $RP --to unix:$MUX' ;;
    hvh) echo 'hvlisten -k -v $RP --to hybrid:$MUX:$Q' ;;
    socatb) echo 'socat -d -d -b262144 VSOCK-LISTEN:$RP,fork TCP:127.0.0.1:$Q' ;;
    socat) echo 'socat -d -d VSOCK-LISTEN:$RP,fork TCP:127.0.0.1:$Q' ;;
    esac
}

# relay_row TOOL: data in over vsock (raw sender) through the tool's relay
# listener to a TCP sink in the guest
relay_row() {
    local cmd lpid mpid raw
    cmd=$(relay_cmd "$1")
    if [ -z "$cmd" ]; then
        case $1 in
        hv) na relay.hv "no --to" ;;
        *) na "relay.$1" "no relay mode" ;;
        esac
        return
    fi
    newport
    RP=$P
    Q=$((7000 + NEXTP % 1000))
    MUX=$B/mux.sock
    export RP Q MUX
    # the -U and hybrid: rows relay through the same muxer (hvmux, the
    # tests' VMM), as a plain bridge or with the handshake
    mpid=""
    case $1 in hvu | hvh)
        rm -f $MUX $B/mux.out
        raw=""
        [ $1 = hvu ] && raw="--raw $Q"
        hvmux host $MUX tcp $raw >$B/mux.out 2>&1 &
        mpid=$!
        wait_line $B/mux.out ready 30 $mpid >/dev/null || echo "HVVM-T relay.$1 $N FAIL no muxer"
    esac
    timeout $T_MAX sh -c "exec $cmd" 2>$B/relay.err &
    lpid=$!
    if ! wait_line $B/relay.err '[Ll]istening' 60 $lpid >/dev/null; then
        echo "HVVM-T relay.$1 $N FAIL relay not ready: $(errline $B/relay.err)"
        kill $lpid 2>/dev/null
        wait $lpid
        return
    fi
    tp "relay.$1" "$N" 'becho sink -n 1 $VFY $Q' 'braw send 1 $RP $N'
    kill $lpid $mpid 2>/dev/null
    wait $lpid $mpid 2>/dev/null
}

bench_main() {
    local t have_ncat=0
    command -v ncat >/dev/null 2>&1 && have_ncat=1

    tp raw.one "$N" 'braw recv $VFY $P' 'braw send 1 $P $N'
    tp raw.both $((2 * N)) 'braw both-l $VFY $P $N' 'braw both-c $VFY 1 $P $N'
    for t in relay socatb socat ncat hv hvplain; do
        if [ $t = ncat ] && [ $have_ncat = 0 ]; then
            na ncat.file "ncat not in the guest (Debian: ncat)"
            na ncat.pipe "ncat not in the guest"
            na ncat.both "ncat not in the guest"
            continue
        fi
        tool_cmds $t
        tp "$t.file" "$N" "$L </dev/null >\$OUT" "$C <\$SRC >/dev/null" 'cmp -s $SRC $OUT'
        tp "$t.pipe" "$N" "$L </dev/null | cat >\$OUT" "cat \$SRC | $C >/dev/null" 'cmp -s $SRC $OUT'
        tp "$t.both" $((2 * N)) "$LB <\$SRC >\$OUT" "$CB <\$SRC >\$OUT2" \
            'cmp -s $SRC $OUT && cmp -s $SRC $OUT2'
    done
    for t in relay socatb socat hv hve hvu hvh; do
        relay_row $t
    done
    na relay.ncat "no relay mode"

    bench_latency "$have_ncat"
    bench_conns
    bench_idle
}

# lat KEY CMD...: ROUNDS runs of a bping command, microseconds each (and,
# with BPING_FAULTS set, the page faults a run that bping once reports)
lat() {
    local key=$1 r=0 vals="" v faults=""
    shift
    while [ $r -lt "$ROUNDS" ]; do
        if ! v=$(timeout $T_MAX "$@" 2>$B/l.err); then
            echo "HVVM-L $key FAIL $(errline $B/l.err)"
            return
        fi
        vals="$vals $v"
        faults="$faults $(sed -n 's/^bping: faults \([0-9.]*\) a run$/\1/p' $B/l.err)"
        r=$((r + 1))
    done
    echo "HVVM-L $key$vals"
    [ -z "${BPING_FAULTS:-}" ] || echo "HVVM-F $key$faults"
}

# echo_server: the C echo server of the latency rows on a fresh port (EP),
# its pid in EPID; fails (with a record) when it does not start
echo_server() {
    newport
    EP=$P
    becho echo $EP 2>$B/echo.err &
    EPID=$!
    wait_line $B/echo.err '[Ll]istening' 60 $EPID >/dev/null && return 0
    echo "HVVM-L echo FAIL echo server: $(errline $B/echo.err)"
    return 1
}

bench_latency() {
    local have_ncat=$1 t
    echo_server || return
    lat pp1.raw bping raw 1 "$PPCOUNT" 1 $EP
    lat pp1k.raw bping raw 1024 "$PPCOUNT" 1 $EP
    lat once.raw bping once "$ONCECOUNT" braw once 1 $EP
    for t in relay socat ncat hv; do
        case $t in
        relay) set -- brelay c 1 $EP ;;
        socat) set -- socat STDIO VSOCK-CONNECT:1:$EP ;;
        ncat)
            if [ "$have_ncat" = 0 ]; then
                echo "HVVM-L pp1.ncat NA"; echo "HVVM-L pp1k.ncat NA"; echo "HVVM-L once.ncat NA"
                continue
            fi
            set -- ncat --vsock 1 $EP ;;
        hv) set -- hvcat 1 $EP ;;
        esac
        lat pp1.$t bping pp 1 "$PPCOUNT" "$@"
        lat pp1k.$t bping pp 1024 "$PPCOUNT" "$@"
        lat once.$t bping once "$ONCECOUNT" "$@"
    done
    kill $EPID
    wait $EPID 2>/dev/null
}

# conns TOOL CONNS [quiet|long]: rounds of CONNS connections at once
# through the relay listener (fresh each round) to one TCP sink; N bytes in
# all, split evenly. quiet: all N bytes on one connection while the others
# stay open and idle (reported as CONNS"q"; its data are not checked: the
# same path as the busy rounds', which are). long: 4 N bytes in all, so
# that what a connection costs once weighs a quarter as much (CONNS"l")
conns() {
    local tool=$1 c=$2 mode=${3:-} r=0 cmd lpid spid each line vfy tag=$2 busy="" n=$N
    cmd=$(relay_cmd "$tool")
    case $mode in
    quiet) tag=${c}q; busy=1 ;;
    long) tag=${c}l; n=$((4 * N)) ;;
    esac
    [ -n "$cmd" ] || { echo "HVVM-C $tool $tag NA no --to"; return; }
    each=$((n / c))
    [ "$mode" = quiet ] && each=$n
    while [ $r -le "$ROUNDS" ]; do
        newport
        RP=$P
        Q=$((7000 + NEXTP % 1000))
        export RP Q
        vfy=""
        [ $r = 0 ] && [ "$mode" != quiet ] && vfy="-V $each"
        becho sink -n "$c" $vfy $Q 2>$B/sink.err &
        spid=$!
        timeout $T_MAX sh -c "exec $cmd" 2>$B/relay.err &
        lpid=$!
        if ! wait_line $B/sink.err '[Ll]istening' 60 $spid >/dev/null ||
           ! wait_line $B/relay.err '[Ll]istening' 60 $lpid >/dev/null; then
            echo "HVVM-C $tool $tag FAIL not ready: $(errline $B/relay.err)"
            kill $spid $lpid 2>/dev/null
            wait
            return
        fi
        if ! line=$(timeout $T_MAX bmany 1 $RP "$c" "$each" $lpid $busy 2>$B/many.err); then
            echo "HVVM-C $tool $tag FAIL bmany: $(errline $B/many.err)"
            kill $spid $lpid 2>/dev/null
            wait
            return
        fi
        if ! wait $spid; then
            echo "HVVM-C $tool $tag FAIL sink: $(errline $B/sink.err)"
            kill $lpid 2>/dev/null
            wait
            return
        fi
        kill $lpid 2>/dev/null
        wait $lpid 2>/dev/null
        [ $r = 0 ] || echo "HVVM-C $tool $tag $n $line"
        [ $r = 0 ] || [ -z "$ANON" ] ||
            echo "HVVM-A $tool $tag $(sed -n 's/^bmany: idle anonymous \([0-9]*\) KiB$/\1/p' $B/many.err)"
        r=$((r + 1))
    done
}

bench_conns() {
    local t
    for t in hv relay; do
        conns $t 1
        conns $t 256
        conns $t 256 quiet
        conns $t 256 long
    done
}

# bench_idle: the timer row. One active pair's 1-byte round
# trip through "hvlisten -k --to" (vsock in, a TCP echo server out) while
# IDLE_PAIRS idle pairs stay open beside it, with no timer (idle.none) and
# with -i 60 (idle.i60) on the relay: a timer must not make the relay visit
# every pair each round. Each is one setup, ROUNDS rounds of PPCOUNT round
# trips; bping checks every idle pair with a byte before and after (-i 60
# must not have ended one). The echo server uses epoll, so that what the
# idle ones cost is the relay's alone. (tests/vm/bench's title says 2,000.)
IDLE_PAIRS=2000
bench_idle() {
    local opt iopt cmd lpid spid v
    if [ -z "$(relay_cmd hv)" ]; then
        echo "HVVM-L idle.none NA"
        echo "HVVM-L idle.i60 NA"
        return
    fi
    for opt in none i60; do
        iopt=""
        [ $opt = i60 ] && iopt="-i 60"
        newport
        RP=$P
        Q=$((7000 + NEXTP % 1000))
        becho mecho $Q 2>$B/echo.err &
        spid=$!
        # two descriptors a pair: more than the default 1024
        cmd="ulimit -n $((2 * IDLE_PAIRS + 64)) && exec hvlisten -k -v --max-conns $((IDLE_PAIRS + 10)) $iopt $RP --to tcp:127.0.0.1:$Q"
        timeout $T_MAX sh -c "$cmd" 2>$B/relay.err &
        lpid=$!
        if ! wait_line $B/echo.err '[Ll]istening' 60 $spid >/dev/null ||
           ! wait_line $B/relay.err '[Ll]istening' 60 $lpid >/dev/null; then
            echo "HVVM-L idle.$opt FAIL not ready: $(errline $B/relay.err) $(errline $B/echo.err)"
        elif ! v=$(timeout $T_MAX bping idle $IDLE_PAIRS 1 "$PPCOUNT" "$ROUNDS" 1 $RP 2>$B/l.err); then
            echo "HVVM-L idle.$opt FAIL $(errline $B/l.err) relay: $(grep -v -e Connection -e Relaying -e Closed $B/relay.err | head -c 300 | tr '\n' ' ')"
        else
            echo "HVVM-L idle.$opt $v"
        fi
        kill $lpid $spid 2>/dev/null
        wait $lpid 2>/dev/null
        wait $spid 2>/dev/null
    done
}

# bench_once: only the one-shot rows of bench_latency (raw, the plain C
# relay, hvcat), against the same C echo server, with the page faults a run
bench_once() {
    export BPING_FAULTS=1
    echo_server || return
    lat once.raw bping once "$ONCECOUNT" braw once 1 $EP
    lat once.relay bping once "$ONCECOUNT" brelay c 1 $EP
    lat once.hv bping once "$ONCECOUNT" hvcat 1 $EP
    kill $EPID
    wait $EPID 2>/dev/null
}

# the levers, each against the first of its group
bench_levers() {
    local b c m p
    # (a) regular file -> vsock
    tp lever.a.rw "$N" 'braw recv $VFY $P' 'braw fsend -m rw 1 $P <$SRC'
    tp lever.a.sendfile "$N" 'braw recv $VFY $P' 'braw fsend -m sendfile 1 $P <$SRC'
    tp lever.a.mmap "$N" 'braw recv $VFY $P' 'braw fsend -m mmap 1 $P <$SRC'
    tp lever.a.mmap-populate "$N" 'braw recv $VFY $P' 'braw fsend -m mmapp 1 $P <$SRC'
    # (b) vsock -> pipe
    tp lever.b.rw "$N" 'braw recv -m write $P | cat >$OUT' 'braw send 1 $P $N' 'cmp -s $SRC $OUT'
    tp lever.b.splice "$N" 'braw recv -m splice $P | cat >$OUT' 'braw send 1 $P $N' 'cmp -s $SRC $OUT'
    # (c) pipe -> vsock
    tp lever.c.rw "$N" 'braw recv $VFY $P' 'cat $SRC | braw psend -m rw 1 $P'
    tp lever.c.splice "$N" 'braw recv $VFY $P' 'cat $SRC | braw psend -m splice 1 $P'
    # (d) a blocking socket, poll before every call, poll only on EAGAIN:
    # file -> vsock on the sending end, vsock -> /dev/null on the receiving
    for p in block poll try; do
        tp lever.d.send.$p "$N" 'braw recv $VFY $P' "braw fsend -m rw -p $p 1 \$P <\$SRC"
    done
    for p in block poll try; do
        tp lever.d.recv.$p "$N" "braw recv -p $p \$VFY \$P" 'braw send 1 $P $N'
    done
    # (e) vsock buffer size x chunk size, raw from memory
    for b in 256K 1M 2M; do
        for c in 64K 256K 1M; do
            tp lever.e.$b.$c "$N" "braw recv -b $b -c $c \$VFY \$P" "braw send -b $b -c $c 1 \$P \$N"
        done
    done
    # (g) both ways at once, raw C with 1 MiB buffers and chunks: from
    # memory, and from a tmpfs file on each end (the ceiling of "both")
    tp lever.g.memory $((2 * N)) 'braw both-l -b 1M -c 1M $VFY $P $N' \
        'braw both-c -b 1M -c 1M $VFY 1 $P $N'
    tp lever.g.file $((2 * N)) 'braw both-l -b 1M -c 1M -m file $VFY $P $N <$SRC' \
        'braw both-c -b 1M -c 1M -m file $VFY 1 $P $N <$SRC'
    # (f) one direction of a relay, vsock -> TCP (sink in the guest):
    # read/write vs splice through a pipe
    Q=$((7000 + NEXTP % 1000))
    for m in rw splice; do
        tp lever.f.$m "$N" \
            "becho sink -n 1 \$VFY \$Q 2>/dev/null & s=\$!; braw fwd -m $m \$P \$Q && wait \$s" \
            'braw send 1 $P $N'
    done
}

hvvm_bench() {
    local mib what
    IFS=, read -r mib ROUNDS what PPCOUNT ONCECOUNT <<EOF
$1
EOF
    case $mib in '' | *[!0-9]*) mib=128 ;; esac
    case $ROUNDS in '' | *[!0-9]*) ROUNDS=5 ;; esac
    case $PPCOUNT in '' | *[!0-9]*) PPCOUNT=1000 ;; esac
    case $ONCECOUNT in '' | *[!0-9]*) ONCECOUNT=10 ;; esac
    N=$((mib * 1048576))
    # the relays' TCP side and the sink use 127.0.0.1
    ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
    mkdir -p $B
    # (the idle, one-shot and many-connection rows send no file)
    case ${what:-main} in idle | once | many) ;; *) braw gen $N >$SRC ;; esac
    echo "HVVM-INFO $mib MiB a transfer, $ROUNDS rounds, $(date -u +%FT%TZ) guest clock; socat $(socat -V 2>/dev/null | sed -n 's/^socat version \([^ ]*\).*/\1/p'), ncat $(ncat --version 2>&1 | sed -n 's/^Ncat: Version \([^ ]*\).*/\1/p')"
    case ${what:-main} in
    main) bench_main ;;
    levers) bench_levers ;;
    all) bench_main; bench_levers ;;
    idle) bench_idle ;;
    once) bench_once ;;
    many)
        # bmany also says how much of the idle Rss is anonymous
        ANON=1
        export BMANY_ANON=1
        conns hv 1
        conns hv 256 ;;
    relay)
        # the relay rows through hvlisten --to only (tests/vm/bench
        # --only-relay): tcp:, unix: and hybrid: beside each other
        for t in hv hvu hvh; do relay_row $t; done ;;
    *) echo "HVVM-ERROR bench: unknown part $what" ;;
    esac
    rm -rf $B
}
