# bench.sh: throughput over vsock_loopback inside the guest, one direction at
# a time (plus one round both ways at once). Prints "HVVM-BENCH" lines with
# MiB/s; no thresholds: TCG speed says little about real hardware, the
# figures are for comparing the ways of moving the data with each other.
. /bin/common.sh

# bench_round NAME RECEIVER_CMD SENDER_CMD READY_PATTERN: the receiver runs
# in the background (stderr to /tmp/b/r.err, must print READY_PATTERN); the
# sender gets PORT in its environment. Both are sh -c strings.
bench_round() {
    local name=$1 recv=$2 send=$3 ready=$4 t0 rpid line rate secs
    rm -f /tmp/b/dst
    sh -c "$recv" 2>/tmp/b/r.err &
    rpid=$!
    line=$(wait_line /tmp/b/r.err "$ready" 60 $rpid) || {
        echo "HVVM-BENCH $name: receiver not ready: $(head -n 3 /tmp/b/r.err)"
        kill $rpid 2>/dev/null
        return
    }
    PORT=${line##*:}
    export PORT
    t0=$(now_cs)
    sh -c "$send" 2>/tmp/b/s.err
    wait $rpid
    rate=$(mibps "$BYTES" "$t0")
    secs=$(secs_since "$t0")
    if cmp -s /tmp/b/src /tmp/b/dst; then
        printf 'HVVM-BENCH %-44s %7s MiB/s  (%s s)\n' "$name" "$rate" "$secs"
    else
        echo "HVVM-BENCH $name: data differs ($(fsize /tmp/b/dst) bytes): $(head -n 3 /tmp/b/s.err /tmp/b/r.err)"
    fi
}

hvvm_bench() {
    local mib=${1:-64} t0 both rate secs
    case $mib in '' | *[!0-9]*) mib=64 ;; esac
    BYTES=$((mib * 1048576))
    mkdir -p /tmp/b
    mkdata /tmp/b/src "$mib"
    echo "HVVM-BENCH $mib MiB per round, one vCPU under TCG, vsock CID 1 (loopback)"

    bench_round "hvcat file -> hvlisten file" \
        'timeout 600 hvlisten -d -v 0 >/tmp/b/dst' \
        'timeout 600 hvcat 1 $PORT </tmp/b/src >/dev/null' \
        '^hvlisten: Listening on vsock:'
    bench_round "cat | hvcat -> hvlisten | cat" \
        'timeout 600 hvlisten -d -v 0 | cat >/tmp/b/dst' \
        'cat /tmp/b/src | timeout 600 hvcat 1 $PORT >/dev/null' \
        '^hvlisten: Listening on vsock:'
    if command -v socat >/dev/null 2>&1; then
        bench_round "socat -u (default 8 KiB buffer)" \
            'timeout 600 socat -d -d -u VSOCK-LISTEN:5400 CREATE:/tmp/b/dst' \
            'timeout 600 socat -u OPEN:/tmp/b/src VSOCK-CONNECT:1:5400' \
            'listening on AF=40 .*port:[0-9]+'
        bench_round "socat -u -b 262144" \
            'timeout 600 socat -d -d -u -b 262144 VSOCK-LISTEN:5401 CREATE:/tmp/b/dst' \
            'timeout 600 socat -u -b 262144 OPEN:/tmp/b/src VSOCK-CONNECT:1:5401' \
            'listening on AF=40 .*port:[0-9]+'
    else
        echo "HVVM-BENCH socat: not in the guest"
    fi

    # both ways at once, files on both ends: the sum of the two directions
    timeout 600 hvlisten -v 0 </tmp/b/src >/tmp/b/dst 2>/tmp/b/r.err &
    both=$!
    if wait_listen /tmp/b/r.err $both; then
        t0=$(now_cs)
        timeout 600 hvcat 1 "$PORT" </tmp/b/src >/tmp/b/dst2
        wait $both
        rate=$(mibps $((2 * BYTES)) "$t0")
        secs=$(secs_since "$t0")
        if cmp -s /tmp/b/src /tmp/b/dst && cmp -s /tmp/b/src /tmp/b/dst2; then
            printf 'HVVM-BENCH %-44s %7s MiB/s  (%s s)\n' "hvcat <-> hvlisten, both ways at once (sum)" \
                "$rate" "$secs"
        else
            echo "HVVM-BENCH both ways: data differs"
        fi
    fi
    rm -rf /tmp/b
}
