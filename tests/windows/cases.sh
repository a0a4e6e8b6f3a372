#!/bin/bash
# Windows-only cases, run against the Windows build (under Wine when cross
# built): AF_HYPERV up to the socket call, the -w limit, UTF-8 arguments,
# binary stdio. One case per run: cases.sh NAME.
# Environment: HVCAT, HVLISTEN (tool paths), HV_EMU (wine or empty).
. "$(dirname "$0")/../lib/toolcase.sh"

nohv="Hyper-V sockets are not available on this system (no AF_HYPERV: turn on Hyper-V or the Virtual Machine Platform)"

case_hyperv_unavailable() {
    # Wine (like Windows without Hyper-V or the Virtual Machine Platform)
    # has no AF_HYPERV: socket() fails with WSAEAFNOSUPPORT and the tools
    # say so, exit 69 (the hint lines under it are tests/hints' cases). On
    # a Windows host with Hyper-V the socket exists: nothing to check here.
    run "$HVCAT" --no-hints parent 5000
    if [ -z "$emu" ] && [ "$rc" -ne 69 ]; then
        echo "AF_HYPERV is available here; case not applicable"; exit 77
    fi
    expect_rc 69
    expect_no_out
    expect_err "hvcat: connect parent:5000: $nohv"
    run "$HVCAT" --no-hints a42e7cda-d03f-480c-9cc2-a4de20abb878 00001388-facb-11e6-bd58-64006a7986d3
    expect_rc 69
    expect_err "hvcat: connect a42e7cda-d03f-480c-9cc2-a4de20abb878:00001388-facb-11e6-bd58-64006a7986d3: $nohv"
    run "$HVLISTEN" --no-hints 5000
    expect_rc 69
    case "$err" in
    "hvlisten: listen "*": $nohv") ;;
    *) fail "stderr '$err'" ;;
    esac
}
case_fdpass_refused() {
    # no descriptor passing on Windows: a usage error before any connect
    run "$HVCAT" --fdpass -t 127.0.0.1 1
    expect_rc 64
    expect_no_out
    expect_first_err "hvcat: --fdpass: not supported on this platform"
}

case_max_conns_bound() {
    # each connection runs two threads here: --max-conns stops at 2048
    run "$HVLISTEN" --max-conns 2049 -e "echo x" -t 127.0.0.1 0
    expect_rc 65
    expect_first_err "hvlisten: --max-conns '2049': expected a number from 1 to 2048"
    # 2048 is taken: the next check is the one that fails
    run "$HVLISTEN" --max-conns 2048 -t 127.0.0.1 0
    expect_rc 64
    expect_first_err "hvlisten: --max-conns needs -e or --to"
}

case_uid_refused() {
    # Windows accounts have no uid: a uid:N rule could never match (a
    # --deny would let everyone in), so it is refused before listening
    run "$HVLISTEN" --deny uid:1000 -U "$work/x.sock"
    expect_rc 65
    expect_first_err "hvlisten: --deny 'uid:1000': uid:NUMBER is for POSIX systems: Windows users are names or SIDs"
}

case_timeout_limit() {
    # HVSOCKET_CONNECT_TIMEOUT takes at most 300000 ms: -w 300 is the top
    run "$HVCAT" -w 301 parent 5000
    expect_rc 65
    expect_no_out
    expect_first_err "hvcat: -w/--timeout '301': expected seconds from 1 to 300"
    run "$HVCAT" --timeout 300000 parent 5000
    expect_rc 65
    run "$HVCAT" -w 0 parent 5000
    expect_rc 65
    # accepted: the run gets as far as the socket (69 under Wine)
    run "$HVCAT" -w 300 parent 5000
    [ "$rc" -ne 65 ] || fail "-w 300 rejected: $err"
    if [ -n "$emu" ]; then
        expect_rc 69
        expect_first_err "hvcat: connect parent:5000: $nohv"
    fi
    run "$HVCAT" -w 1 -t 127.0.0.1 1
    expect_rc 69
    expect_err "hvcat: connect 127.0.0.1:1: connection refused"
}
case_unicode_args() {
    # arguments come from the UTF-16 command line as UTF-8, byte for byte
    name='café-東京'
    run "$HVCAT" host 1 "$name"
    expect_rc 64
    expect_first_err "hvcat: unexpected operand '$name'"
    [ "$(head -n 1 "$work/err" | od -An -tx1 | tr -d ' \n')" = \
      "$(printf "hvcat: unexpected operand '%s'\n" "$name" | od -An -tx1 | tr -d ' \n')" ] ||
        fail "bytes differ: $(od -c "$work/err" | head -3)"
    run "$HVCAT" parent "$name"
    expect_rc 65
    case "$(first_err)" in
    "hvcat: service '$name': "*) ;;
    *) fail "stderr line '$(first_err)'" ;;
    esac
    run "$HVLISTEN" -t 127.0.0.1 "Ünïcödé-ポート"
    expect_rc 65
    case "$(first_err)" in
    "hvlisten: port 'Ünïcödé-ポート': "*) ;;
    *) fail "stderr line '$(first_err)'" ;;
    esac
}
# listener IN OUT: hvlisten -v -t 127.0.0.1 0 with stdin IN and stdout OUT
# in the background; lpid, and port once it listens (Wine's \r aside)
listener() {
    $emu "$HVLISTEN" -v -t 127.0.0.1 0 <"$1" >"$2" 2>"$work/lerr" &
    lpid=$!
    pids="$lpid"
    port=""
    for _ in $(seq 300); do
        port=$(sed -n 's/^hvlisten: Listening on tcp:127\.0\.0\.1:\([0-9][0-9]*\)\r\{0,1\}$/\1/p' "$work/lerr")
        [ -n "$port" ] && break
        kill -0 "$lpid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$port" ] || fail "hvlisten did not report listening: $(cat "$work/lerr")"
}

case_binary_stdio() {
    # stdin/stdout in binary mode on both ends of a Windows-to-Windows TCP
    # session: CR, LF, CR LF, ^Z and NUL pass unchanged, both ways
    { printf 'a\r\nb\nc\rd\032e\000f\r\n\032\n'; head -c 300000 /dev/urandom;
      printf '\r\n\032'; } > "$work/in1"
    { printf '\032\r\n\000'; head -c 200000 /dev/urandom; printf 'x\n'; } > "$work/in2"
    listener "$work/in1" "$work/out1"
    $emu "$HVCAT" -t 127.0.0.1 "$port" <"$work/in2" >"$work/out2" 2>"$work/cerr"
    rc=$?
    [ "$rc" -eq 0 ] || fail "hvcat exit $rc: $(cat "$work/cerr")"
    wait "$lpid"
    lrc=$?
    pids=""
    [ "$lrc" -eq 0 ] || fail "hvlisten exit $lrc: $(cat "$work/lerr")"
    cmp "$work/in2" "$work/out1" || fail "hvcat -> hvlisten data differs"
    cmp "$work/in1" "$work/out2" || fail "hvlisten -> hvcat data differs"
    [ ! -s "$work/cerr" ] || fail "hvcat wrote to stderr: $(cat "$work/cerr")"
}

case_stdout_closed() {
    # stdout closed (>&-): stdin still goes out whole, what the peer sends
    # is dropped, and the exit is 74 for stdout (fault.stdout_closed's
    # Windows side: the pair used to end at the failed write, sending
    # nothing of stdin, and the peer saw a clean empty stream)
    head -c 3000000 /dev/urandom >"$work/in1"
    head -c 3000000 /dev/urandom >"$work/in2"
    listener "$work/in1" "$work/out1"
    $emu "$HVCAT" -t 127.0.0.1 "$port" <"$work/in2" >&- 2>"$work/cerr"
    rc=$?
    wait "$lpid"
    lrc=$?
    pids=""
    [ "$rc" -eq 74 ] || fail "hvcat exit $rc, expected 74: $(cat "$work/cerr")"
    grep -q "^hvcat: write stdout: " "$work/cerr" || fail "no reason: $(cat "$work/cerr")"
    [ "$lrc" -eq 0 ] || fail "hvlisten exit $lrc: $(cat "$work/lerr")"
    cmp "$work/in2" "$work/out1" || fail "hvcat -> hvlisten data differs"
}

# run the case named by the first argument (CMake lists the case_*
# functions above as the ctest entries)
declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
exit 0
