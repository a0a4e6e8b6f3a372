#!/bin/bash
# dump cases: -o and -x of hvcat and hvlisten over TCP loopback. Golden
# hex dumps of a short exchange whose order the case holds (each side
# answers only after it has the other's bytes): both directions, stdio on
# both ends, hvlisten -e, and two connections of hvlisten -k --to, whose
# records name them. The -x records of a larger exchange (both ways at
# once) read back by an independent parser equal od's reading of the -o
# file, direction by direction equal what was sent, with offsets that
# follow on. A dump file that cannot be made: an error before any connect;
# on a full device (/dev/full): said at once, while the session runs, the
# relayed bytes intact, exit 74. Run against the Linux build, and the
# Windows build under Wine (HV_EMU; the -e case is POSIX sh: Linux only).
# One case per run: cases.sh NAME. Environment: HVCAT, HVLISTEN, HV_EMU.
. "$(dirname "$0")/../lib/e2e-lib.sh"
GOLD=$(dirname "$0")

# mkfifo_in NAME: a new fifo $work/NAME (a tool's stdin, which the case
# writes through a descriptor it keeps open: exec FD>fifo)
mkfifo_in() { rm -f "$work/$1"; mkfifo "$work/$1"; }

# golden FILE GOLD: the dump equals the golden file
golden() {
    cmp -s "$1" "$GOLD/$2" && return 0
    diff "$GOLD/$2" "$1" >&2
    fail "$1 differs from $2"
}

# wine takes a Unix path through its Z: drive
winpath() {
    if [ -n "$HV_EMU" ]; then printf 'Z:%s' "$1" | tr / '\\'; else printf '%s' "$1"; fi
}

case_golden_stdio() {
    # client sends a line; once the listener has it, the listener answers
    mkfifo_in lin
    mkfifo_in cin
    $SERVER -v -t -x "$(winpath "$work/l.x")" -o "$(winpath "$work/l.o")" 127.0.0.1 0 \
        <"$work/lin" >"$work/l.out" 2>"$work/l.err" &
    SPID=$!
    pids="$pids $SPID"
    exec 7>"$work/lin"
    listening "$work/l.err" PORT
    $CLIENT -t -x "$(winpath "$work/c.x")" 127.0.0.1 "$PORT" <"$work/cin" >"$work/c.out" 2>"$work/c.err" &
    CPID=$!
    pids="$pids $CPID"
    exec 8>"$work/cin"
    printf 'hello\n' >&8
    wait_size "$work/l.out" 6 20 || fail "the listener never got the line"
    printf 'got hello\n' >&7
    wait_size "$work/c.out" 10 20 || fail "the client never got the answer"
    exec 7>&- 8>&-
    wait_pid "$CPID" 20 rc || fail "client did not end"
    [ "$rc" = 0 ] || fail "client exit $rc"
    wait_pid "$SPID" 20 rc || fail "listener did not end"
    [ "$rc" = 0 ] || fail "listener exit $rc"
    [ "$(cat "$work/l.out")" = hello ] || fail "listener printed '$(cat "$work/l.out")'"
    [ "$(cat "$work/c.out")" = "got hello" ] || fail "client printed '$(cat "$work/c.out")'"
    golden "$work/c.x" stdio_client.x
    golden "$work/l.x" stdio_listener.x
    printf 'hello\ngot hello\n' >"$work/want"
    same "$work/l.o" "$work/want" "the listener's -o file"
}

# echo_server: a TCP server (python) that answers each connection's line
# with "got LINE" and closes; EPORT
echo_server() {
    python3 - "$work/echo.port" <<'EOP' 2>"$work/echo.err" &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    f = c.makefile("rb")
    line = f.readline()
    c.sendall(b"got " + line)
    f.close()
    c.close()
EOP
    pids="$pids $!"
    wait_size "$work/echo.port" 1 20 || fail "no echo server"
    EPORT=$(cat "$work/echo.port")
}

case_golden_keep_to() {
    # two clients, one after the other, through hvlisten -k --to to a
    # server that answers each after its line: the records name them
    local n
    echo_server
    $SERVER -v -k -t -x "$(winpath "$work/l.x")" --to "tcp:127.0.0.1:$EPORT" 127.0.0.1 0 \
        </dev/null >"$work/l.out" 2>"$work/l.err" &
    pids="$pids $!"
    listening "$work/l.err" PORT
    for n in one two; do
        mkfifo_in cin
        $CLIENT -t 127.0.0.1 "$PORT" <"$work/cin" >"$work/c.out" 2>"$work/c.err" &
        CPID=$!
        exec 8>"$work/cin"
        printf '%s\n' "$n" >&8
        wait_size "$work/c.out" $((${#n} + 5)) 20 || fail "client $n got no answer"
        exec 8>&-
        wait_pid "$CPID" 20 rc || fail "client $n did not end"
        [ "$(cat "$work/c.out")" = "got $n" ] || fail "client $n got '$(cat "$work/c.out")'"
        # that pair's answer is in the dump before the next client comes
        wait_for "$work/l.x" "^< #$([ $n = one ] && echo 1 || echo 2) received" 20 ||
            fail "no record of the answer to $n"
    done
    golden "$work/l.x" keep_to_listener.x
}

case_golden_exec() {
    [ -z "$HV_EMU" ] || skip "the command is POSIX sh"
    # the command also notes where its descriptors lead: not to the dump
    $SERVER -v -t -x "$work/l.x" -e "read -r l; echo \"got \$l\"; ls -l /proc/\$\$/fd/ >$work/fds" 127.0.0.1 0 \
        </dev/null >"$work/l.out" 2>"$work/l.err" &
    SPID=$!
    pids="$pids $SPID"
    listening "$work/l.err" PORT
    mkfifo_in cin
    $CLIENT -t -x "$work/c.x" -e 'echo hello; read -r l; echo "$l" >&2' 127.0.0.1 "$PORT" \
        </dev/null >"$work/c.out" 2>"$work/c.err" &
    CPID=$!
    pids="$pids $CPID"
    wait_pid "$CPID" 20 rc || fail "client did not end"
    [ "$rc" = 0 ] || fail "client exit $rc"
    wait_pid "$SPID" 20 rc || fail "listener did not end"
    [ "$rc" = 0 ] || fail "listener exit $rc"
    grep -qx "got hello" "$work/c.err" || fail "the client's command did not get the answer"
    grep -q socket "$work/fds" || fail "the command's descriptors: $(cat "$work/fds")"
    ! grep -q "l.x" "$work/fds" || fail "the command holds the dump: $(cat "$work/fds")"
    golden "$work/c.x" stdio_client.x
    golden "$work/l.x" exec_listener.x
}

# hexbytes FILE DIR: the bytes of FILE's -x records of direction DIR ('>',
# '<' or 'all'), one hex pair a line; also checks that each record's
# lines hold what its head says and that offsets follow on per direction
hexbytes() {
    awk -v want="$2" '
    function bad(m) { print "bad dump line " NR ": " m ": " $0 > "/dev/stderr"; exit 1 }
    function num(h,    i, v) {
        v = 0
        for (i = 1; i <= length(h); i++)
            v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
        return v
    }
    /^[<>] / {
        if (left) bad("record short by " left)
        d = $1; n = $(NF - 1); left = n + 0
        if (!(d in off)) off[d] = 0
        next
    }
    /^[0-9a-f]+  / {
        o = num($1)
        if (o != off[d]) bad("offset " o ", expected " off[d])
        hex = substr($0, length($1) + 3, 49)
        k = split(hex, b, " ")
        if (k > left) bad("more bytes than the head said")
        left -= k; off[d] += k
        for (i = 1; i <= k; i++)
            if (want == "all" || want == d) print b[i]
        next
    }
    { bad("neither a head nor a line") }
    END { if (left) bad("last record short by " left) }' "$1"
}

case_hex_vs_od() {
    # both ways at once, 200 KB each: -x read back equals od of -o, and
    # each direction what was sent
    head -c 200000 /dev/urandom >"$work/a"
    head -c 200000 /dev/urandom >"$work/b"
    $SERVER -v -t -x "$(winpath "$work/l.x")" -o "$(winpath "$work/l.o")" 127.0.0.1 0 \
        <"$work/b" >"$work/l.out" 2>"$work/l.err" &
    SPID=$!
    pids="$pids $SPID"
    listening "$work/l.err" PORT
    $CLIENT -t 127.0.0.1 "$PORT" <"$work/a" >"$work/c.out" 2>"$work/c.err" || fail "client failed"
    wait_pid "$SPID" 30 rc || fail "listener did not end"
    [ "$rc" = 0 ] || fail "listener exit $rc"
    same "$work/l.out" "$work/a" "what the listener got"
    same "$work/c.out" "$work/b" "what the client got"
    hexbytes "$work/l.x" all >"$work/x.all" || fail "the hex dump does not parse"
    od -An -v -tx1 "$work/l.o" | tr -s ' ' '\n' | sed '/^$/d' >"$work/o.all"
    same "$work/x.all" "$work/o.all" "-x's bytes and od's of -o"
    hexbytes "$work/l.x" '<' >"$work/x.in" || fail "parse"
    od -An -v -tx1 "$work/a" | tr -s ' ' '\n' | sed '/^$/d' >"$work/a.hex"
    same "$work/x.in" "$work/a.hex" "the '<' records and what the client sent"
    hexbytes "$work/l.x" '>' >"$work/x.out" || fail "parse"
    od -An -v -tx1 "$work/b" | tr -s ' ' '\n' | sed '/^$/d' >"$work/b.hex"
    same "$work/x.out" "$work/b.hex" "the '>' records and what the listener sent"
    [ "$(grep -c '^[<>] ' "$work/l.x")" -ge 2 ] || fail "too few records"
}

case_open_fails() {
    # before any connect: nothing listens on port 1, yet the dump's error
    local rc=0 d
    d=$(winpath "$work/no/such/dir/f")
    $CLIENT -o "$d" -t 127.0.0.1 1 </dev/null >/dev/null 2>"$work/e" || rc=$?
    [ "$rc" = 74 ] || fail "exit $rc, expected 74"
    [ "$(cat "$work/e")" = "hvcat: -o '$d': no such file or directory" ] ||
        fail "message '$(cat "$work/e")'"
    rc=0
    $SERVER -x "$d" -t 127.0.0.1 0 </dev/null >/dev/null 2>"$work/e" || rc=$?
    [ "$rc" = 74 ] || fail "hvlisten exit $rc, expected 74"
    [ "$(cat "$work/e")" = "hvlisten: -x '$d': no such file or directory" ] ||
        fail "message '$(cat "$work/e")'"
}

full() {
    # the first write fails: said at once (stdin still open), once; the
    # relay goes on, its bytes intact; exit 74 at the end
    local opt=$1 full
    [ -w /dev/full ] || skip "no /dev/full"
    full=$(winpath /dev/full)
    start_server l /dev/null
    mkfifo_in cin
    $CLIENT "$opt" "$full" -t 127.0.0.1 "$PORT" <"$work/cin" >"$work/c.out" 2>"$work/c.err" &
    CPID=$!
    pids="$pids $CPID"
    exec 8>"$work/cin"
    printf 'first\n' >&8
    wait_for "$work/c.err" "dump" 20 || fail "no message while the session runs"
    printf 'second\n' >&8
    exec 8>&-
    wait_pid "$CPID" 20 rc || fail "client did not end"
    [ "$rc" = 74 ] || fail "exit $rc, expected 74"
    # one line; the system's words for ENOSPC (the CRT's under Wine)
    case $(cat "$work/c.err") in
    "hvcat: dump '$full' stopped (the relay goes on): no space left on device" | \
        "hvcat: dump '$full' stopped (the relay goes on): disk full") ;;
    *) fail "stderr '$(cat "$work/c.err")'" ;;
    esac
    wait_pid "$SPID" 20 rc || fail "listener did not end"
    printf 'first\nsecond\n' >"$work/want"
    same "$work/l.out" "$work/want" "what the listener got"
}
case_full_hex() { full -x; }
case_full_raw() { full -o; }

"case_$1"
