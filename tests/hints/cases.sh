#!/bin/bash
# The hint lines of hvcat and hvlisten: after the error line,
# "prog: hint: ..." (a listener's "warning:"), none with --no-hints or
# HV_NO_HINTS=1, and the exit status the same either way. posix_* run the
# Linux build (a TCP port below the unprivileged start: no vsock here, the
# guest's cases are tests/vm's vm.hint_*), win_* the Windows build under
# Wine, which has no AF_HYPERV and a registry of its own. One case per
# run: cases.sh NAME. Environment: HVCAT, HVLISTEN, HVREG, HV_EMU.
. "$(dirname "$0")/../lib/toolcase.sh"

# run_err TOOL ARGS...: run, then err without Wine's carriage returns
run_err() {
    run "$@"
    err=$(printf '%s\n' "$err" | tr -d '\r')
}
# lines of stderr that are hints (or warnings)
hint_lines() { printf '%s\n' "$err" | grep -c -E '^[a-z]+: (hint|warning): '; }
expect_hint() {
    printf '%s\n' "$err" | grep -q -F -x -- "$1" || fail "no line '$1' in: $err"
}
expect_no_hints() {
    [ "$(hint_lines)" -eq 0 ] || fail "hints despite the switch: $err"
}

case_posix_privileged_tcp() {
    local start port
    start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null)
    [ -n "$start" ] && [ "$start" -gt 1 ] || skip "every port is unprivileged here"
    port=$((start - 1))
    [ "$port" -lt 1024 ] || port=1023
    # root keeps its CAP_NET_BIND_SERVICE unless the bounding set drops it
    pre=()
    if [ "$(id -u)" = 0 ]; then
        command -v setpriv >/dev/null || skip "root without setpriv"
        pre=(setpriv --bounding-set -net_bind_service --inh-caps -net_bind_service)
    fi
    run_err "${pre[@]}" "$HVLISTEN" -t 127.0.0.1 "$port"
    [ "$rc" -ne 0 ] || skip "port $port bound anyway"
    expect_rc 77
    expect_first_err "hvlisten: listen tcp:127.0.0.1:$port: permission denied"
    expect_hint "hvlisten: hint: TCP ports below 1024 need root or CAP_NET_BIND_SERVICE: run as root, or use a port from 1024 up"
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 2 ] || fail "stderr: $err"
    # the switch, and the variable: the error line alone, the same status
    run_err "${pre[@]}" "$HVLISTEN" --no-hints -t 127.0.0.1 "$port"
    expect_rc 77
    expect_err "hvlisten: listen tcp:127.0.0.1:$port: permission denied"
    HV_NO_HINTS=1 run_err "${pre[@]}" "$HVLISTEN" -t 127.0.0.1 "$port"
    expect_rc 77
    expect_err "hvlisten: listen tcp:127.0.0.1:$port: permission denied"
    # HV_NO_HINTS=0 is not a switch
    HV_NO_HINTS=0 run_err "${pre[@]}" "$HVLISTEN" -t 127.0.0.1 "$port"
    expect_rc 77
    [ "$(hint_lines)" -eq 1 ] || fail "HV_NO_HINTS=0 silenced: $err"
}

case_posix_no_hint_elsewhere() {
    # a refused TCP connect and a missing unix socket: the error line is
    # all there is to say
    run_err "$HVCAT" -t 127.0.0.1 1
    expect_rc 69
    expect_err "hvcat: connect 127.0.0.1:1: connection refused"
    run_err "$HVCAT" -U "$work/nothing"
    expect_rc 69
    [ "$(hint_lines)" -eq 0 ] || fail "hints for a unix socket: $err"
}

nohv="Hyper-V sockets are not available on this system (no AF_HYPERV: turn on Hyper-V or the Virtual Machine Platform)"
feature1="hint: AF_HYPERV comes with the Windows optional feature Hyper-V (Microsoft-Hyper-V: Pro, Enterprise, Education, Server) or Virtual Machine Platform (VirtualMachinePlatform, which WSL2 uses; Home too)"
feature2="hint: turn one on as Administrator, then restart: DISM /Online /Enable-Feature /All /FeatureName:Microsoft-Hyper-V (or /FeatureName:VirtualMachinePlatform)"

# A port that no case registers but win_registration.
port=5926
svc=00001726-facb-11e6-bd58-64006a7986d3
unreg_warn="hvlisten: warning: service $svc (vsock port $port) is not registered on this host (GuestCommunicationServices), so a guest's connect to it times out"
unreg_cmd="hvlisten: hint: register it once, as Administrator: hvreg add vsock-$port --port $port"

wine_only() {
    [ -n "$emu" ] || skip "AF_HYPERV may exist on a real Windows host"
}

case_win_no_af_hyperv() {
    wine_only
    $emu "$HVREG" remove --port "$port" >/dev/null 2>&1
    for t in hvcat hvlisten; do
        if [ $t = hvcat ]; then
            run_err "$HVCAT" parent "$port"
            line="hvcat: connect parent:$port: $nohv"
        else
            run_err "$HVLISTEN" parent "$port"
            line="hvlisten: listen hvsock:parent:$port: $nohv"
        fi
        expect_rc 69
        expect_no_out
        expect_first_err "$line"
        expect_hint "$t: $feature1"
        expect_hint "$t: $feature2"
        [ "$(printf '%s\n' "$err" | wc -l)" -eq 3 ] || fail "$t: stderr: $err"
        # the switch and the variable: the error line alone, still 69
        if [ $t = hvcat ]; then
            run_err "$HVCAT" --no-hints parent "$port"
        else
            run_err "$HVLISTEN" --no-hints parent "$port"
        fi
        expect_rc 69
        expect_err "$line"
        if [ $t = hvcat ]; then
            HV_NO_HINTS=1 run_err "$HVCAT" parent "$port"
        else
            HV_NO_HINTS=1 run_err "$HVLISTEN" parent "$port"
        fi
        expect_rc 69
        expect_err "$line"
    done
}

case_win_registration() {
    wine_only
    $emu "$HVREG" remove --port "$port" >/dev/null 2>&1
    trap '$emu "$HVREG" remove --port "$port" >/dev/null 2>&1; toolcase_cleanup' EXIT
    # unregistered: the warning comes first, with the command, before the
    # listen (which fails under Wine: no AF_HYPERV)
    run_err "$HVLISTEN" "$port"
    expect_rc 69
    expect_first_err "$unreg_warn"
    [ "$(printf '%s\n' "$err" | sed -n 2p)" = "$unreg_cmd" ] ||
        fail "second line: $err"
    expect_hint "hvlisten: listen hvsock:wildcard:$port: $nohv"
    expect_hint "hvlisten: $feature1"
    # children and a VM's id need it as much; a guest listening on parent not
    run_err "$HVLISTEN" children "$port"
    expect_first_err "$unreg_warn"
    run_err "$HVLISTEN" parent "$port"
    printf '%s\n' "$err" | grep -q 'not registered' && fail "parent warned: $err"
    # the switch silences the warning too, and changes no status
    run_err "$HVLISTEN" --no-hints "$port"
    expect_rc 69
    expect_err "hvlisten: listen hvsock:wildcard:$port: $nohv"
    # run the command the hint gave; the warning is gone
    cmd=${unreg_cmd#*Administrator: }
    read -r -a words <<<"$cmd"
    [ "${words[0]}" = hvreg ] || fail "not an hvreg command: $cmd"
    $emu "$HVREG" "${words[@]:1}" >"$work/reg.out" 2>"$work/reg.err" ||
        fail "$cmd: $(cat "$work/reg.err")"
    run_err "$HVLISTEN" "$port"
    expect_rc 69
    printf '%s\n' "$err" | grep -q 'not registered\|register it' &&
        fail "still warned after '$cmd': $err"
    expect_first_err "hvlisten: listen hvsock:wildcard:$port: $nohv"
    expect_hint "hvlisten: $feature1"
    # removed again: back
    $emu "$HVREG" remove --port "$port" >/dev/null 2>&1
    run_err "$HVLISTEN" "$port"
    expect_first_err "$unreg_warn"
}

"case_$case_name"
