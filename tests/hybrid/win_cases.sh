#!/bin/bash
# hybrid vsock on the Windows build (under Wine when cross built): the
# address parses everywhere; Wine has no AF_UNIX, so there the tools say
# that unix domain sockets are missing (69) and neither crashes. On a
# Windows with AF_UNIX (10 1803 and later) the connect and the listener
# are those of -U with the handshake of lib/hybrid.c, which the Linux
# cases run. One case per run: win_cases.sh NAME. Environment: HVCAT,
# HVLISTEN, HV_EMU (wine or empty).
. "$(dirname "$0")/../lib/toolcase.sh"

case_hybrid_unavailable() {
    if [ -z "$emu" ]; then
        echo "AF_UNIX exists on this Windows; case for Wine only"
        exit 77
    fi
    run "$HVCAT" --hybrid "$work/v.sock" 52
    expect_rc 69
    expect_no_out
    expect_err_has "unix domain sockets are not available on this system"
    run "$HVCAT" "hybrid:$work/v.sock:52"
    expect_rc 69
    run "$HVLISTEN" --hybrid "$work/v.sock" 52
    expect_rc 69
    expect_err_has "unix domain sockets are not available on this system"
}
case_hybrid_bad_port() {
    # parsing is portable: a bad port is a usage of the operand (65)
    run "$HVCAT" --hybrid v.sock port
    expect_rc 65
    expect_err_has "a guest port is a vsock port"
    run "$HVLISTEN" -k -t 127.0.0.1 0 --to hybrid:v.sock
    expect_rc 65
    expect_err_has "expected hybrid:PATH:PORT"
}

"case_$1"
