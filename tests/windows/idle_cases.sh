#!/bin/bash
# Idle means asleep, Windows side, run against the
# Windows build (under Wine when cross built): a listener that waits for
# nothing sleeps in the kernel without a periodic timeout, -k -e included
# (a command's end is an event, not something looked for every 100 ms),
# and a listener whose stdout is a file; a command's end is still reported
# at once; a pipe as stdout whose reader leaves ends a listener that waits
# for its client.
#
# A wakeup is counted from the outside: every 20 ms the context switches
# of each of the process's threads (/proc/PID/task/*/status, voluntary and
# not) are read, and an interval in which any thread ran (its count rose,
# or a thread appeared) is one wakeup. Under Wine a Windows process is one
# Unix process whose threads are the Windows threads. Without /proc for
# the tool (not under Wine on Linux) the counting cases skip.
# One case per run: idle_cases.sh NAME.
# Environment: HVCAT, HVLISTEN, HV_PIPESRV, HV_EMU (wine or empty).
. "$(dirname "$0")/../lib/toolcase.sh"
. "$(dirname "$0")/lib.sh"

CAT="$emu $HVCAT"
LISTEN="$emu $HVLISTEN"
IDLE_S=3      # the idle period measured
MAX_WAKEUPS=3 # wakeups allowed in it

ms() {
    local t=${EPOCHREALTIME//[!0-9]/}
    echo $((t / 1000))
}

# switches PID: "TID:COUNT ..." for each thread of PID (voluntary plus
# non-voluntary context switches); empty once PID is gone
switches() {
    local t k v n out=""
    for t in /proc/"$1"/task/*; do
        n=0
        while read -r k v; do
            case $k in
            voluntary_ctxt_switches: | nonvoluntary_ctxt_switches:)
                n=$((n + v)) ;;
            esac
        done <"$t/status" 2>/dev/null
        out="$out ${t##*/}:$n"
    done
    echo "$out"
}

# wakeups PID SECONDS: the number of 20 ms intervals within SECONDS in
# which a thread of PID ran
wakeups() {
    local pid=$1 end=$(($(ms) + $2 * 1000)) n=0 prev cur e
    local -A last
    prev=$(switches "$pid")
    for e in $prev; do last[${e%%:*}]=${e#*:}; done
    while [ "$(ms)" -lt "$end" ]; do
        sleep 0.02
        cur=$(switches "$pid")
        [ -n "$cur" ] || break
        local ran=0
        for e in $cur; do
            if [ -z "${last[${e%%:*}]+x}" ] ||
                [ "${e#*:}" -gt "${last[${e%%:*}]}" ]; then
                ran=1
            fi
            last[${e%%:*}]=${e#*:}
        done
        n=$((n + ran))
    done
    echo "$n"
}

# settle PID: wait (at most 10 s) until PID has not run for 500 ms: the
# start-up's work is over
settle() {
    local i s t
    s=$(switches "$1")
    for ((i = 0; i < 100; i++)); do
        sleep 0.5
        t=$(switches "$1")
        [ "$t" = "$s" ] && return 0
        s=$t
    done
    fail "never settled: $(switches "$1")"
}

need_proc() {
    [ -r "/proc/$1/task" ] || skip "no /proc for the tool's process"
}

# idle NAME PID: PID woke at most MAX_WAKEUPS times in IDLE_S seconds
idle() {
    local n
    need_proc "$2"
    settle "$2"
    n=$(wakeups "$2" $IDLE_S)
    echo "$1: $n wakeups in $IDLE_S s"
    [ "$n" -le $MAX_WAKEUPS ] || fail "$1 woke $n times in $IDLE_S s (at most $MAX_WAKEUPS)"
    kill -0 "$2" 2>/dev/null || fail "$1 ended: $(cat "$work/$1.err")"
}

# ---------------------------------------------------------------- cases

case_exec_keep_idle() {
    # hvlisten -k -e with nothing to do: no command to look for
    listen_tcp lis -k -e "exit 3"
    idle lis "$LPID"
}

case_exec_keep_idle_after() {
    # the same once a command has run and ended: its wait is gone too
    listen_tcp lis -k -e "exit 3"
    $CAT -t 127.0.0.1 "$PORT" </dev/null >"$work/cli.out" 2>"$work/cli.err" ||
        fail "hvcat: $(cat "$work/cli.err")"
    wait_for "$work/lis.err" "exit status 3" 30 || fail "no status: $(cat "$work/lis.err")"
    idle lis "$LPID"
}

case_stdio_file_idle() {
    # hvlisten (stdio) whose stdout is a file: nothing to watch there
    listen_tcp lis
    idle lis "$LPID"
}

case_stdio_nul_idle() {
    # the same with stdout NUL (/dev/null under Wine: a character device)
    $LISTEN -v -t 127.0.0.1 0 </dev/null >/dev/null 2>"$work/lis.err" &
    LPID=$!
    pids="$pids $LPID"
    wait_for "$work/lis.err" "Listening on" 30 || fail "never listened: $(cat "$work/lis.err")"
    idle lis "$LPID"
}

case_exec_end_reported() {
    # a command's end is reported (-v: its status), also when it ends
    # well after its connection did and nothing else happens: an idle -k
    # listener that did not take the end as an event would say it only
    # at the next client. 10 s is a bound for a loaded machine; the time
    # is reported (milliseconds when idle)
    local t0 t1
    listen_tcp lis -k -e "$(winpath "$HV_PIPESRV") linger 1500 3"
    $CAT -t 127.0.0.1 "$PORT" </dev/null >"$work/cli.out" 2>"$work/cli.err" ||
        fail "hvcat: $(cat "$work/cli.err")"
    wait_for "$work/lis.err" "linger: exit" 30 || fail "the command never ended: $(cat "$work/lis.err")"
    t0=$(ms)
    wait_for "$work/lis.err" "Closed .*: exit status 3" 30 || fail "no status: $(cat "$work/lis.err")"
    t1=$(ms)
    echo "status $((t1 - t0)) ms after the command's end"
    [ $((t1 - t0)) -le 10000 ] || fail "status $((t1 - t0)) ms after the command's end"
    kill -0 "$LPID" 2>/dev/null || fail "the -k listener ended"
}

case_stdio_reader_leaves() {
    # hvlisten (stdio) whose stdout is a Windows pipe: its reader leaving
    # while no client came ends it (exit 0); the pipe is asked once a
    # second (no event tells), so it ends about a second later. The bound
    # is 10 s, one for a loaded machine (3.5 s seen under load 6 on two
    # cores): without the check it would wait for a client for ever; the
    # time is reported, and the wakeups are counted by the idle cases
    local t0 t1
    bg lv /dev/null $emu "$HV_PIPESRV" leave 2000 "$(winpath "$HVLISTEN") -v -t 127.0.0.1 0"
    wait_for "$work/lv.err" "leave: closed" 30 || fail "no close: $(cat "$work/lv.err")"
    t0=$(ms)
    wait_for "$work/lv.err" "leave: exit" 30 || fail "hvlisten went on: $(cat "$work/lv.err")"
    t1=$(ms)
    grep -q "Listening on" "$work/lv.err" || fail "never listened: $(cat "$work/lv.err")"
    grep -q "leave: exit 0" "$work/lv.err" || fail "exit: $(cat "$work/lv.err")"
    echo "ended $((t1 - t0)) ms after its reader left"
    [ $((t1 - t0)) -le 10000 ] || fail "ended $((t1 - t0)) ms after its reader left"
}

declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
exit 0
