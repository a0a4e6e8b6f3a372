#!/bin/bash
# cli cases: exit codes and messages of the tools for bad options, bad
# operands, --help and --version. One case per run: cases.sh NAME.
# Environment: HVCAT, HVLISTEN, HVREG, HVVMID (tool paths), HV_EMU (wine or
# empty), HV_PLATFORM (posix or win).
. "$(dirname "$0")/../lib/toolcase.sh"

win() { [ "${HV_PLATFORM:-posix}" = win ]; }

# the four tools, for the cases that hold for each
tools() { printf '%s\n' "$HVCAT" "$HVLISTEN" "$HVREG" "$HVVMID"; }

case_help() {
    for t in "$HVCAT" "$HVLISTEN"; do
        for h in -h --help; do
            run "$t" $h
            expect_rc 0
            expect_out_has "usage: "
            expect_out_has "--no-shutdown"
            expect_out_has "Exit status:"
            [ -z "$err" ] || fail "help wrote to stderr: $err"
        done
    done
}
case_version() {
    for t in "$HVCAT" "$HVLISTEN"; do
        for v in -V --version; do
            run "$t" $v
            expect_rc 0
            n=$(basename "$t"); n=${n%.exe}
            [ "$out" = "$n (hvsock-tools) 0.1.0" ] || fail "version '$out'"
        done
    done
}
case_bad_option() {
    run "$HVCAT" --bogus host 1
    expect_rc 64
    expect_no_out
    expect_err_has "usage: hvcat"
    run "$HVLISTEN" -j 1
    expect_rc 64
    expect_err_has "usage: hvlisten"
    run "$HVCAT" -w
    expect_rc 64
    # the program's name, not argv[0] or a subcommand
    run "$HVCAT" --bogus host 1
    expect_first_err "hvcat: unrecognized option '--bogus'"
    run "$HVLISTEN" -j 1
    expect_first_err "hvlisten: invalid option -- 'j'"
    run "$HVREG" export add -x n
    expect_rc 64
    expect_first_err "hvreg: invalid option -- 'x'"
    run "$HVREG" list --bogus
    expect_rc 64
    expect_first_err "hvreg: unrecognized option '--bogus'"
    run "$HVREG" export -o
    expect_rc 64
    expect_first_err "hvreg: option requires an argument -- 'o'"
    run "$HVREG" export --format
    expect_rc 64
    expect_first_err "hvreg: option '--format' requires an argument"
    run "$HVREG" list --json=yes
    expect_rc 64
    expect_first_err "hvreg: option '--json' doesn't allow an argument"
    run "$HVVMID" --bogus
    expect_rc 64
    expect_first_err "hvvmid: unrecognized option '--bogus'"
    run "$HVVMID" -kq
    expect_rc 64
    expect_first_err "hvvmid: invalid option -- 'q'"
    run "$HVVMID" --kvp-file
    expect_rc 64
    expect_first_err "hvvmid: option '--kvp-file' requires an argument"
    run "$HVVMID" --kvp
    expect_rc 64
    expect_first_err "hvvmid: option '--kvp-file' requires an argument"
    run "$HVVMID" --list # a whole name, though --list-keywords begins with it
    [ "$rc" -ne 64 ] || fail "--list: $err"
    run "$HVVMID" --li=x
    expect_rc 64
    expect_first_err "hvvmid: option '--li' is ambiguous"
}

# a message line is written whole, with one write(2), so that the lines of
# processes sharing stderr do not interleave. POSIX build
# only (strace follows Linux processes, not Wine's).
case_posix_one_write_per_line() {
    command -v strace >/dev/null || skip "strace is not installed"
    strace -qq -o /dev/null true 2>/dev/null || skip "strace may not trace here (ptrace refused)"
    local t
    # LeakSanitizer cannot run under ptrace: off for the traced runs of a
    # sanitized build (scripts/sanitize.sh)
    [ -z "${ASAN_OPTIONS:-}" ] || export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
    for t in "$HVREG show nosuch" "$HVVMID ''" "$HVVMID -s --kvp-file $work/none"; do
        eval strace -qq -f -s 4096 -e trace=write -o "$work/trace" $t >/dev/null 2>"$work/err" </dev/null
        grep 'write(2,' "$work/trace" >"$work/w2" || true
        [ "$(wc -l <"$work/w2")" -eq 1 ] ||
            fail "$t: $(wc -l <"$work/w2") writes to stderr for one line: $(cat "$work/w2")"
        grep -q '\\n", [0-9]*) = [0-9]*$' "$work/w2" ||
            fail "$t: the write is not the whole line: $(cat "$work/w2")"
        [ "$(wc -l <"$work/err")" -eq 1 ] || fail "$t: stderr '$(cat "$work/err")'"
    done
}

# --help and --version into a full stdout: an error, said
case_help_stdout_full() {
    [ -w /dev/full ] || skip "no /dev/full"
    local t a n
    for t in $(tools); do
        n=$(basename "$t"); n=${n%.exe}
        for a in --help -V; do
            $emu "$t" $a >/dev/full 2>"$work/err" </dev/null
            rc=$?
            err=$(cat "$work/err")
            [ "$rc" -eq 74 ] || fail "$n $a >/dev/full: exit $rc, expected 74 (stderr: $err)"
            expect_err_has "$n: write stdout"
        done
    done
}
case_missing_operands() {
    run "$HVCAT"
    expect_rc 64
    expect_first_err "hvcat: missing VM operand"
    run "$HVCAT" host
    expect_rc 64
    expect_first_err "hvcat: missing SERVICE operand"
    run "$HVLISTEN"
    expect_rc 64
    expect_first_err "hvlisten: missing SERVICE operand"
}
case_extra_operand() {
    run "$HVCAT" host 1 2
    expect_rc 64
    expect_first_err "hvcat: unexpected operand '2'"
    run "$HVLISTEN" any 1 2
    expect_rc 64
    expect_first_err "hvlisten: unexpected operand '2'"
}
case_bad_timeout() {
    for w in 0 301 abc -1 1.5 ""; do
        # a bad value is a bad operand: 65, as a bad port
        run "$HVCAT" -w "$w" host 1
        expect_rc 65
        expect_first_err "hvcat: -w/--timeout '$w': expected seconds from 1 to 300"
    done
}
case_option_needs() {
    # an option that would do nothing is refused, not silently accepted
    run "$HVLISTEN" -w 5 -t 127.0.0.1 0
    expect_rc 64
    expect_first_err "hvlisten: -w needs --to or --ready"
    run "$HVLISTEN" --max-conns 5 -t 127.0.0.1 0
    expect_rc 64
    expect_first_err "hvlisten: --max-conns needs -e or --to"
    run "$HVCAT" --wait-stdin -e cat -t 127.0.0.1 1
    expect_rc 64
    expect_first_err "hvcat: cannot use -e with --wait-stdin"
}
case_one_word_address() {
    # a -v line's address is an operand as it is; a malformed one is a bad
    # operand (65), and a prefix with -t is no VM name
    run "$HVCAT" tcp:nohostport
    expect_rc 65
    expect_first_err "hvcat: address 'tcp:nohostport': expected tcp:HOST:PORT ([IPv6]:PORT)"
    run "$HVLISTEN" vsock:any
    expect_rc 65
    run "$HVCAT" -t tcp:127.0.0.1:1
    expect_rc 64
    expect_first_err "hvcat: missing SERVICE operand"
}
case_bad_guid() {
    for g in "{a42e7cda-d03f-480c-9cc2-a4de20abb878" \
             "a42e7cda-d03f-480c-9cc2-a4de20abb87" \
             "a42e7cda-d03f-480c-9cc2-a4de20abb878x" \
             "{a42e7cda-d03f-480c-9cc2-a4de20abb87z}"; do
        run "$HVCAT" host "$g"
        expect_rc 65
        expect_no_out
        case "$(first_err)" in
        "hvcat: service '$g': "*) ;;
        *) fail "message '$(first_err)' does not name the service operand" ;;
        esac
    done
    if win; then
        run "$HVCAT" "{a42e7cda-d03f-480c-9cc2-a4de20abb878" 1
        expect_rc 65
        expect_err "hvcat: VM '{a42e7cda-d03f-480c-9cc2-a4de20abb878': invalid GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
    else
        # a VM GUID has no meaning over vsock (but the well-known ids with a
        # CID, unit.core.vsock_wellknown_guids): say what to use
        run "$HVCAT" 6c4eb1a7-53c2-4c21-9d7e-1b2a3c4d5e6f 1
        expect_rc 65
        expect_err "hvcat: VM '6c4eb1a7-53c2-4c21-9d7e-1b2a3c4d5e6f': a VM GUID has no meaning over vsock; use a CID (2 or 'host' for the host, 1 or 'local' for this VM)"
        run "$HVCAT" host 00001388-facb-11e6-bd58-64006a7986d4
        expect_rc 65
        expect_err "hvcat: service '00001388-facb-11e6-bd58-64006a7986d4': vsock reaches only services of the form PORT-facb-11e6-bd58-64006a7986d3"
    fi
}
case_bad_port() {
    if win; then
        run "$HVCAT" host 2147483648
        expect_rc 65
        expect_err "hvcat: service '2147483648': port out of range (0 to 2147483647)"
    else
        run "$HVCAT" host 4294967296
        expect_rc 65
        expect_err "hvcat: service '4294967296': port out of range (0 to 4294967294)"
        run "$HVCAT" host 0
        expect_rc 65
        expect_err "hvcat: service '0': port 0 is only for listening"
    fi
    run "$HVCAT" -t 127.0.0.1 65536
    expect_rc 65
    expect_err "hvcat: port '65536': port out of range (1 to 65535)"
    run "$HVCAT" -t 127.0.0.1 http
    expect_rc 65
    expect_err "hvcat: port 'http': expected a TCP port number"
    run "$HVLISTEN" -t 127.0.0.1 -- -1
    expect_rc 65
}
case_bad_vm() {
    if win; then
        run "$HVCAT" 2 5000
        expect_rc 65
        expect_err "hvcat: VM '2': a CID has no meaning for Hyper-V sockets; use a VM GUID, a keyword or a VM name"
    else
        run "$HVCAT" children 5000
        expect_rc 65
        expect_err "hvcat: VM 'children': this keyword has no vsock equivalent; use a CID (2 or 'host' for the host, 1 or 'local' for this VM)"
        run "$HVCAT" myvm 5000
        expect_rc 65
        expect_err "hvcat: VM 'myvm': expected a CID number or a keyword (host, local, any)"
        run "$HVCAT" any 5000
        expect_rc 65
        expect_err "hvcat: VM 'any': the wildcard is for listening; connect to a CID"
    fi
    run "$HVCAT" -t any 5000
    expect_rc 65
}
case_closed_stdio() {
    # a closed stdin, stdout or stderr must not become the connection: the
    # -v line stays out of the data, and a closed stdin reads as empty
    # instead of the peer's data coming back to it
    printf 'payload\n' >"$work/data"
    # listen_bg IN ARGS...: hvlisten -v -t 127.0.0.1 0 ARGS in the
    # background, stdin from IN (an async command's stdin is otherwise
    # /dev/null), stdout to l.out
    listen_bg() {
        local in=$1; shift
        rm -f "$work/l.err"
        $emu "$HVLISTEN" -v -t 127.0.0.1 0 "$@" <"$in" >"$work/l.out" 2>"$work/l.err" &
        lpid=$!
        port=""
        for _ in $(seq 300); do
            port=$(tr -d '\r' <"$work/l.err" 2>/dev/null |
                   sed -n 's/^hvlisten: Listening on tcp:127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p')
            [ -n "$port" ] && return 0
            kill -0 "$lpid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$lpid" 2>/dev/null
        fail "hvlisten did not report listening: $(cat "$work/l.err")"
    }
    listen_bg /dev/null -d
    $emu "$HVCAT" -v -t 127.0.0.1 "$port" <"$work/data" >/dev/null 2>&-
    rc=$?
    wait "$lpid"
    [ "$rc" -eq 0 ] || fail "stderr closed: hvcat exit $rc"
    cmp -s "$work/data" "$work/l.out" || fail "stderr closed: the listener got '$(cat "$work/l.out")'"
    # Wine turns a closed descriptor 0 into a handle that ReadFile refuses
    # (ERROR_INVALID_FUNCTION), unlike Windows' absent handle: POSIX only
    win && { echo "ok $case_name (stdin part: POSIX only)"; exit 0; }
    listen_bg "$work/data"
    $emu "$HVCAT" -t 127.0.0.1 "$port" <&- >"$work/c.out" 2>"$work/c.err"
    rc=$?
    wait "$lpid"
    [ "$rc" -eq 0 ] || fail "stdin closed: hvcat exit $rc: $(cat "$work/c.err")"
    cmp -s "$work/data" "$work/c.out" || fail "stdin closed: hvcat wrote '$(cat "$work/c.out")'"
    [ ! -s "$work/l.out" ] || fail "stdin closed: the listener got '$(cat "$work/l.out")' back"
}

case_systemd() {
    # --systemd: the socket unit says where, so an
    # address or a transport option with it is a usage error (64); started
    # by hand nothing was passed (69); Windows has no socket activation
    # (69, said so). tests/systemd/cases.sh runs it under a real launcher.
    unset LISTEN_PID LISTEN_FDS LISTEN_FDNAMES
    run "$HVLISTEN" --systemd 5000
    expect_rc 64
    expect_first_err "hvlisten: cannot use an address with --systemd (the socket unit has it): '5000'"
    run "$HVLISTEN" --systemd -t 127.0.0.1 0
    expect_rc 64
    expect_first_err "hvlisten: cannot use -t with --systemd"
    run "$HVLISTEN" --systemd -k -e cat
    expect_rc 69
    if win; then
        expect_err "hvlisten: --systemd: socket activation is not available on this system"
    else
        expect_err "hvlisten: --systemd: no socket was passed (LISTEN_FDS is not set): run it from a socket unit, or systemd-socket-activate"
    fi
}

# listen_addr ERRFILE PID: wait (60 s) for the "Listening on ADDR" line
# of the hvlisten PID in ERRFILE; laddr gets ADDR. Fails the case when PID
# ends first or no line comes.
listen_addr() {
    laddr=""
    for _ in $(seq 600); do
        laddr=$(cat "$1" 2>/dev/null | tr -d '\r' |
                LC_ALL=C sed -n 's/^hvlisten: Listening on \(.*\)$/\1/p')
        [ -n "$laddr" ] && return 0
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    fail "hvlisten did not report listening: $(cat "$1" 2>/dev/null)"
}
# ready_bg ARGS...: hvlisten --ready -v ARGS in the background (stdout
# r.out, stderr r.err); waits (60 s) for its "Listening on" line. rpid,
# raddr (the address as -v says it: tcp:127.0.0.1:PORT, unix:PATH).
ready_bg() {
    $emu "$HVLISTEN" --ready -v "$@" </dev/null >"$work/r.out" 2>"$work/r.err" &
    rpid=$!
    pids="$pids $rpid"
    listen_addr "$work/r.err" "$rpid"
    raddr=$laddr
}
# ready_end: wait (60 s) for hvlisten --ready to exit; rc, out, err
ready_end() {
    for _ in $(seq 600); do
        kill -0 "$rpid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$rpid" 2>/dev/null && fail "hvlisten --ready still runs: $(cat "$work/r.err")"
    rc=0
    wait "$rpid" || rc=$?
    out=$(tr -d '\r' <"$work/r.out")
    err=$(tr -d '\r' <"$work/r.err")
}
# send ARGS...: tests/cli/notifysend.py raddr ARGS (a guest's sender)
send() {
    python3 "$(dirname "$0")/notifysend.py" "$raddr" "$@"
}

case_ready_usage() {
    # --ready reads messages: nothing to copy, relay or run
    for o in "-e cat" "--to tcp:127.0.0.1:1" -k -d --send-only --no-shutdown \
        --wait-stdin --progress "-i 5" "-q 1" "--max-conns 2" "--drain 5"; do
        # shellcheck disable=SC2086
        run "$HVLISTEN" --ready $o -t 127.0.0.1 0
        expect_rc 64
        expect_first_err "hvlisten: cannot use ${o%% *} with --ready"
    done
    run "$HVLISTEN" --ready --npipe x
    expect_rc 64
    expect_first_err "hvlisten: cannot use --npipe with --ready"
    run "$HVLISTEN" --ready -w 0 -t 127.0.0.1 0
    expect_rc 65
    expect_first_err "hvlisten: -w/--timeout '0': expected seconds from 1 to 300"
}

case_ready_tcp() {
    # a guest that reconnects: its first sender says STATUS=booting in two
    # segments and closes; the second sends several lines in one write,
    # READY=1 split across two, and waits for hvlisten to close it. Other
    # keys are ignored; the values print as they came, a line each.
    ready_bg -w 60 -t 127.0.0.1 0
    send s:STAT p:0.3 's:US=booting\n' p:0.3 c \
        's:STATUS=units\nX_OTHER=1\nSTATUS=network\r\nREA' p:0.3 's:DY=1\n' e ||
        fail "sender: exit $?"
    ready_end
    expect_rc 0
    [ "$out" = "$(printf 'booting\nunits\nnetwork')" ] || fail "stdout '$out'"
    expect_err_has "Closed tcp:127.0.0.1:"
    expect_err_has " without READY=1"
    expect_err_has "hvlisten: Ready from tcp:127.0.0.1:"
    # sd_notify's way: one message per connection, no newline at the end
    ready_bg -t 127.0.0.1 0
    send 's:STATUS=Started units' c 's:READY=1\nSTATUS=Startup finished' c ||
        fail "sender: exit $?"
    ready_end
    expect_rc 0
    expect_out_has "Started units"
    [ "$out" = "Started units" ] || fail "stdout '$out'"
}

case_ready_escapes() {
    # a hostile guest's status reaches no terminal as anything but text:
    # control characters, C1 and bytes that are not UTF-8 as \xNN
    ready_bg -w 60 -t 127.0.0.1 0
    send 's:STATUS=a\x1b[2Jb\x07\xc2\x9bc\xff\xe9 caf\xc3\xa9\nREADY=1\n' e ||
        fail "sender: exit $?"
    ready_end
    expect_rc 0
    [ "$out" = 'a\x1b[2Jb\x07\xc2\x9bc\xff\xe9 café' ] || fail "stdout '$out'"
}

case_ready_timeout() {
    # nobody comes: 75 after -w
    ready_bg -w 1 -t 127.0.0.1 0
    ready_end
    expect_rc 75
    expect_err_has "hvlisten: --ready: no READY=1 within 1 s"
    expect_no_out
    # a sender that stays connected and never says it: 75 too
    ready_bg -w 2 -t 127.0.0.1 0
    send 's:STATUS=booting\n' e &
    spid=$!
    ready_end
    expect_rc 75
    expect_err_has "hvlisten: --ready: no READY=1 within 2 s"
    case $err in *"closed without"*) fail "not closed: $err" ;; esac
    [ "$out" = booting ] || fail "stdout '$out'"
    # and hvlisten closed it at the end
    wait "$spid" || fail "sender: exit $? (its connection was not closed)"
}

case_ready_closed_early() {
    # the sender says something and closes without READY=1, and none comes
    # back before -w: 69, said so
    ready_bg -w 2 -t 127.0.0.1 0
    send 's:STATUS=booting\nSTATUS=half' c || fail "sender: exit $?"
    ready_end
    expect_rc 69
    expect_err_has "hvlisten: --ready: no READY=1 within 2 s: the sender closed without it"
    [ "$out" = "$(printf 'booting\nhalf')" ] || fail "stdout '$out'"
}

case_posix_ready_unix() {
    # the same over a unix socket, READY=1 at the sender's end of file
    ready_bg -w 60 -U "$work/notify.sock"
    send 's:STATUS=boo' p:0.3 's:ting\nREADY=1' c || fail "sender: exit $?"
    ready_end
    expect_rc 0
    [ "$out" = booting ] || fail "stdout '$out'"
    expect_err_has "hvlisten: Ready from unix:"
}

case_posix_ready_bounded() {
    # 64 MiB without a newline, then a line of its own: the overlong line
    # is dropped, the next ones still count, and the listener never held
    # more than a line (its peak resident size, read once it has read
    # everything up to "mark", stays small)
    ready_bg -w 120 -t 127.0.0.1 0
    send n:67108864 's:\nSTATUS=mark\n' "f:$work/go" 's:READY=1\n' e &
    spid=$!
    for _ in $(seq 600); do
        grep -q mark "$work/r.out" && break
        sleep 0.1
    done
    grep -q mark "$work/r.out" || fail "no STATUS=mark after 64 MiB: $(cat "$work/r.err")"
    hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$rpid"/status)
    touch "$work/go"
    wait "$spid" || fail "sender: exit $?"
    ready_end
    expect_rc 0
    [ "$out" = mark ] || fail "stdout '$out'"
    [ -n "$hwm" ] || fail "no VmHWM read"
    echo "peak resident size after 64 MiB: $hwm kB"
    [ "$hwm" -lt 16384 ] || fail "peak resident size $hwm kB after 64 MiB"
}

case_posix_ready_stdout_full() {
    # a status that cannot be written is an I/O error (74), said, not lost
    $emu "$HVLISTEN" --ready -v -w 60 -t 127.0.0.1 0 </dev/null >/dev/full 2>"$work/r.err" &
    rpid=$!
    pids="$pids $rpid"
    listen_addr "$work/r.err" "$rpid"
    raddr=$laddr
    send 's:STATUS=booting\nREADY=1\n' || fail "sender: exit $?"
    ready_end
    expect_rc 74
    expect_err_has "hvlisten: write stdout: input/output error"
}

# logcheck ARGS...: tests/cli/logcheck.py ARGS (reads a log back)
logcheck() {
    python3 "$(dirname "$0")/logcheck.py" "$@"
}
# log_session FORMAT: one stdio session of hvlisten -v --log (FORMAT)
# with an hvcat client, both ways; the log in l.log, stderr in l.err
# (without CRs), the port in port. Both must exit 0.
log_session() {
    printf 'to the client\n' >"$work/in"
    $emu "$HVLISTEN" -v -t --log "$work/l.log" --log-format "$1" 127.0.0.1 0 \
        <"$work/in" >"$work/l.out" 2>"$work/l.raw" &
    lpid=$!
    pids="$pids $lpid"
    listen_addr "$work/l.raw" "$lpid"
    port=${laddr##*:}
    printf 'from the client\n' | $emu "$HVCAT" -t 127.0.0.1 "$port" >"$work/c.out" ||
        fail "hvcat exit $?"
    rc=0
    wait "$lpid" || rc=$?
    [ "$rc" = 0 ] || fail "hvlisten exit $rc: $(cat "$work/l.raw")"
    tr -d '\r' <"$work/l.raw" >"$work/l.err"
}

case_log_json() {
    # one JSON object per event, each read by a strict parser, times in
    # order; the words are the -v lines; the bytes each way where known
    log_session json
    logcheck json "$work/l.log" >"$work/events" || fail "not a JSON log: $(cat "$work/l.log")"
    peer=$(sed -n 's/^hvlisten: Connection from \(.*\)$/\1/p' "$work/l.err")
    local_=tcp:127.0.0.1:$port
    printf '%s\n' "start|||||" "listening||$local_|||" "connection|$peer|$local_|||" \
        "closed|$peer||14|16|" "exit|||||0" >"$work/want"
    diff "$work/want" "$work/events" >&2 || fail "events differ"
    logcheck messages "$work/l.log" | sed '1d;$d' >"$work/msgs"
    sed 's/^hvlisten: //' "$work/l.err" | diff - "$work/msgs" >&2 ||
        fail "the log's words are not the -v lines"
    python3 -m json.tool --json-lines "$work/l.log" >/dev/null ||
        fail "python3 -m json.tool does not read it"
    # appended: a second run adds its lines after the first's
    log_session json
    [ "$(logcheck json "$work/l.log" | grep -c '^start|')" = 2 ] ||
        fail "the second run did not append"
}

case_log_text() {
    # TIME WORDS: the start, the -v lines as they are, the exit status
    log_session text
    logcheck text "$work/l.log" >"$work/words" || fail "not a text log: $(cat "$work/l.log")"
    { echo "Starting hvlisten (hvsock-tools) $($emu "$HVLISTEN" -V 2>/dev/null | tr -d '\r' | sed 's/.* //')"
      sed 's/^hvlisten: //' "$work/l.err"
      echo "Exit status 0"; } >"$work/want"
    diff "$work/want" "$work/words" >&2 || fail "the log's lines differ"
}

case_log_usage() {
    run "$HVLISTEN" --log-format json -t 127.0.0.1 0
    expect_rc 64
    expect_first_err "hvlisten: --log-format needs --log"
    run "$HVLISTEN" --log "$work/x" --log-format xml -t 127.0.0.1 0
    expect_rc 65
    expect_first_err "hvlisten: --log-format 'xml': expected text or json"
    if win; then
        run "$HVLISTEN" --syslog -t 127.0.0.1 0
        expect_rc 64
        expect_first_err "hvlisten: --syslog is not available on this system: use --log FILE"
    else
        # accepted: it serves (here: waits for READY=1 and gives up)
        run "$HVLISTEN" --syslog --ready -w 1 -t 127.0.0.1 0
        expect_rc 75
    fi
    [ ! -e "$work/x" ] || fail "a usage error made the log file"
}

case_log_missing_dir() {
    # a log that cannot be made: said at the start, nothing served
    run "$HVLISTEN" -v --log "$work/none/x.log" -t 127.0.0.1 0
    expect_rc 74
    expect_err "hvlisten: log $work/none/x.log: no such file or directory"
}

case_posix_log_full() {
    # a full disk (/dev/full: ENOSPC at the first write): at the start,
    # before listening, in one line
    run "$HVLISTEN" -v --log /dev/full -t 127.0.0.1 0
    expect_rc 74
    expect_err "hvlisten: write log /dev/full: no space left on device"
}

case_posix_log_fails_later() {
    # a log that fills up while hvlisten serves (a file size limit: EFBIG
    # once the limit is reached): said once, serving goes on, and the exit
    # status is 74 where it would be 0
    head -c 884 /dev/zero | tr '\0' '#' >"$work/l.log"
    ( trap '' XFSZ; ulimit -f 1; exec "$HVLISTEN" --ready -v -w 60 \
        --log "$work/l.log" -t 127.0.0.1 0 </dev/null >"$work/r.out" 2>"$work/r.err" ) &
    rpid=$!
    pids="$pids $rpid"
    listen_addr "$work/r.err" "$rpid"
    raddr=$laddr
    send 's:STATUS=one' c 's:STATUS=two' c 's:STATUS=three' c 's:READY=1' c ||
        fail "sender: exit $?"
    ready_end
    expect_rc 74
    [ "$out" = "$(printf 'one\ntwo\nthree')" ] || fail "stdout '$out'"
    [ "$(grep -c 'write log' "$work/r.err")" = 1 ] || fail "not said once: $err"
    expect_err_has "hvlisten: write log $work/l.log: file too large"
    expect_err_has "hvlisten: Ready from tcp:127.0.0.1:"
    [ "$(grep -c 'Connection from' "$work/r.err")" = 4 ] || fail "not all served: $err"
}

case_posix_log_json_escapes() {
    # the listener's own path with a quote, a backslash, a control
    # character and a byte that is not UTF-8: every line still parses, and
    # the path comes back with U+FFFD for that byte
    path=$work/$(printf 'a"b\\c\001d\377e').sock
    $emu "$HVLISTEN" -v -U "$path" --log "$work/l.log" --log-format json \
        </dev/null >/dev/null 2>"$work/l.err" &
    lpid=$!
    pids="$pids $lpid"
    listen_addr "$work/l.err" "$lpid"
    kill "$lpid"
    wait "$lpid"
    got=$(logcheck field "$work/l.log" listening local) || fail "not a JSON log: $(cat -v "$work/l.log")"
    want=$(HV_P="$path" python3 -c 'import json, os; print(json.dumps("unix:" + os.environb[b"HV_P"].decode("utf-8", "replace")))')
    [ "$got" = "$want" ] || fail "local $got, expected $want"
    [ "$(logcheck json "$work/l.log" | tail -n 1)" = "exit|||||130" ] ||
        fail "no exit line: $(logcheck json "$work/l.log")"
}

case_posix_log_syslog() {
    # --syslog: the events at LOG_DAEMON, LOG_INFO (<30>), errors at
    # LOG_ERR (<27>), with the pid. The system log is a receiver of ours
    # at /dev/log inside a private mount namespace (root and unshare(1)
    # needed; the machine's own /dev is not touched)
    [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 ||
        skip "needs root and unshare(1) for a private /dev/log"
    unshare -m true 2>/dev/null || skip "unshare -m is not permitted here"
    here=$(dirname "$0")
    unshare -m --propagation private bash -c '
        set -e
        mount -t tmpfs none /dev
        mknod -m 666 /dev/null c 1 3
        python3 "$1/syslogrecv.py" /dev/log "$2/sys.log" 60 &
        for _ in $(seq 300); do [ -e "$2/sys.log.up" ] && break; sleep 0.1; done
        rc=0
        "$3" --syslog --ready -w 1 -t 127.0.0.1 0 </dev/null >/dev/null 2>"$2/r.err" || rc=$?
        echo "$rc" >"$2/rc"
        wait
    ' sh "$here" "$work" "$HVLISTEN" || fail "the namespace's script failed"
    [ "$(cat "$work/rc")" = 75 ] || fail "hvlisten exit $(cat "$work/rc"): $(cat "$work/r.err")"
    # stderr: only the error line (no -v)
    [ "$(cat "$work/r.err")" = "hvlisten: --ready: no READY=1 within 1 s" ] ||
        fail "stderr: $(cat "$work/r.err")"
    got=$(sed 's/^<\([0-9]*\)>.* hvlisten\[[0-9]*\]: /<\1> /' "$work/sys.log")
    want=$(printf '%s\n' "<30> Starting hvlisten (hvsock-tools) $("$HVLISTEN" -V | sed 's/.* //')" \
        "<30> Listening on tcp:127.0.0.1:" "<27> --ready: no READY=1 within 1 s" \
        "<27> Exit status 75")
    [ "$(printf '%s\n' "$got" | sed 's/\(Listening on tcp:127\.0\.0\.1:\)[0-9]*$/\1/')" = "$want" ] ||
        fail "syslog got: $got"
}

case_posix_log_text_one_line() {
    # a text log keeps one event a line: a newline in the listener's path
    # is written \x0a
    path=$work/$(printf 'a\nb').sock
    "$HVLISTEN" -U "$path" --log "$work/l.log" </dev/null >/dev/null 2>"$work/l.err" &
    lpid=$!
    pids="$pids $lpid"
    for _ in $(seq 600); do
        [ -S "$path" ] && break
        sleep 0.1
    done
    [ -S "$path" ] || fail "no socket file: $(cat "$work/l.err")"
    kill "$lpid"
    wait "$lpid"
    logcheck text "$work/l.log" >"$work/words" || fail "not a text log: $(cat -A "$work/l.log")"
    [ "$(wc -l <"$work/words")" = 3 ] || fail "not 3 lines: $(cat -A "$work/l.log")"
    grep -qF 'Listening on unix:'"$work"'/a\x0ab.sock' "$work/words" ||
        fail "the path is not escaped: $(cat -A "$work/l.log")"
}

case_service_not_here() {
    # the Windows service options off Windows: a usage error naming why,
    # nothing installed or run (under Wine: tests/windows/service_cases.sh)
    win && skip "Windows has services (winservice.* cases)"
    run "$HVLISTEN" --install-service hvrelay -k -t 127.0.0.1 0 -e cat
    expect_rc 64
    expect_first_err "hvlisten: --install-service: Windows services are only available on Windows (there is no service control manager here: use a systemd unit)"
    run "$HVLISTEN" --remove-service hvrelay
    expect_rc 64
    expect_first_err "hvlisten: --remove-service: Windows services are only available on Windows (there is no service control manager here: use a systemd unit)"
    run "$HVLISTEN" --service hvrelay -k -t 127.0.0.1 0 -e cat
    expect_rc 64
    expect_first_err "hvlisten: --service: Windows services are only available on Windows (there is no service control manager here: use a systemd unit)"
    run "$HVLISTEN" -k --service hvrelay -t 127.0.0.1 0 -e cat
    expect_rc 64
    expect_first_err "hvlisten: --service: Windows services are only available on Windows (there is no service control manager here: use a systemd unit)"
}

case_service_usage() {
    # what is wrong whatever the platform
    run "$HVLISTEN" --install-service
    expect_rc 64
    expect_first_err "hvlisten: option '--install-service' requires an argument"
    run "$HVLISTEN" --install-service hvrelay -t 127.0.0.1 0
    expect_rc 64
    expect_first_err "hvlisten: --install-service needs -e or --to (a service has no stdio)"
    run "$HVLISTEN" --remove-service hvrelay -k
    expect_rc 64
    expect_first_err "hvlisten: --remove-service takes nothing else"
}

# run the case named by the first argument (CMake lists the case_*
# functions above as the ctest entries)
declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
echo "ok $case_name"
