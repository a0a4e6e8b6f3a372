#!/bin/bash
# systemd cases: hvlisten --systemd under Debian's
# systemd-socket-activate (Accept=no), hvcat under its -a --inetd
# (Accept=yes), the notification protocol against a receiver of our own
# (READY=1, STATUS=, STOPPING=1, WATCHDOG=1), and the shipped units under
# systemd-analyze verify. Over TCP loopback and unix sockets. One case per
# run: cases.sh NAME. Environment: HVCAT, HVLISTEN (the tools), HV_EMU
# (empty natively), SDLAUNCH (tests/systemd/sdlaunch.c, built), HV_BUILD
# (the build directory: install and package).
. "$(dirname "$0")/../lib/e2e-lib.sh"
CAT=$CLIENT
LISTEN=$SERVER
PEER="python3 $(dirname "$0")/peer.py"

need_activate() {
    command -v systemd-socket-activate >/dev/null 2>&1 ||
        skip "no systemd-socket-activate here (Debian: systemd)"
}

# echo_peer: a TCP echo server; EPORT
echo_peer() {
    $PEER echo "$work/echo.port" 2>"$work/echo.err" &
    pids="$pids $!"
    wait_size "$work/echo.port" 2 30 || fail "echo peer did not start"
    EPORT=$(cat "$work/echo.port")
}

# activate NAME ADDR OPTS... -- CMD...: systemd-socket-activate -l ADDR
# OPTS CMD in the background (stdout NAME.out, stderr NAME.err), waited
# for until it listens. A PORT in ADDR becomes a port free a moment ago,
# another one when that one was taken meanwhile. SAPID (after an exec in
# place without -a: the command's pid), SAADDR.
activate() {
    local name=$1 tmpl=$2 try
    shift 2
    for try in 1 2 3 4 5; do
        SAADDR=${tmpl//PORT/$($PEER port)}
        systemd-socket-activate -l "$SAADDR" "$@" \
            </dev/null >"$work/$name.out" 2>"$work/$name.err" &
        SAPID=$!
        pids="$pids $SAPID"
        e2e_lib_poll 30 grep -q -e "Listening on" -e "Failed" "$work/$name.err" ||
            fail "systemd-socket-activate never listened"
        grep -q "Listening on" "$work/$name.err" && return 0
        wait "$SAPID" 2>/dev/null
        grep -q "already in use" "$work/$name.err" || break
    done
    fail "systemd-socket-activate -l $SAADDR: $(cat "$work/$name.err")"
}

# one_line FILE WANT: FILE (a tool's stderr) is exactly one line, and it
# begins with WANT
one_line() {
    [ "$(wc -l <"$1")" = 1 ] || fail "not one line: $(cat "$1")"
    case $(cat "$1") in
    "$2"*) ;;
    *) fail "expected '$2...', got: $(cat "$1")" ;;
    esac
}

# stop_by_term PID NAME: SIGTERM; the tool ends by it (143) within 10 s
stop_by_term() {
    local rc
    kill -TERM "$1" 2>/dev/null
    wait_pid "$1" 10 rc || fail "$2 did not end at SIGTERM"
    [ "$rc" = 143 ] || fail "$2 ended with $rc at SIGTERM, not by the signal (143)"
}

# ---------------------------------------------------------------- Accept=no

case_accept_no_tcp() {
    # systemd-socket-activate -l 127.0.0.1:PORT execs hvlisten at the first
    # client with the listening socket as descriptor 3: --to serves 100
    # clients at once bit-exact, at most 10 at a time (--max-conns), and
    # -v names the socket's real address
    need_activate
    echo_peer
    activate sa "127.0.0.1:PORT" $LISTEN --systemd -v -k --max-conns 10 \
        --to "tcp:127.0.0.1:$EPORT"
    $PEER clients "tcp:$SAADDR" 100 65536 >"$work/clients.out" 2>"$work/clients.err" ||
        fail "$(cat "$work/clients.out")"
    grep -qx "OK 100" "$work/clients.out" || fail "$(cat "$work/clients.out")"
    grep -q "^hvlisten: Listening on tcp:$SAADDR\$" "$work/sa.err" ||
        fail "no 'Listening on tcp:$SAADDR' line"
    [ "$(grep -c '^hvlisten: Relaying' "$work/sa.err")" = 100 ] ||
        fail "not 100 connections relayed"
    stop_by_term "$SAPID" hvlisten
}

case_accept_no_unix() {
    # the same over a unix socket whose file systemd-socket-activate made:
    # hvlisten serves it and leaves it (and makes no lock file beside it)
    need_activate
    echo_peer
    activate sa "$work/s.sock" $LISTEN --systemd -v -k --to "tcp:127.0.0.1:$EPORT"
    $PEER clients "unix:$work/s.sock" 100 65536 >"$work/clients.out" 2>"$work/clients.err" ||
        fail "$(cat "$work/clients.out")"
    grep -qx "OK 100" "$work/clients.out" || fail "$(cat "$work/clients.out")"
    grep -q "^hvlisten: Listening on unix:$work/s.sock\$" "$work/sa.err" ||
        fail "no 'Listening on unix:$work/s.sock' line"
    stop_by_term "$SAPID" hvlisten
    [ -S "$work/s.sock" ] || fail "hvlisten removed the socket file systemd made"
    [ ! -e "$work/s.sock.lock" ] || fail "hvlisten made a lock file beside systemd's socket"
}

case_exec_env_clean() {
    # a command of -e sees none of LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES
    # and holds no descriptor 3, nor the listener anywhere; HV_LOCAL_ADDR
    # is the passed socket's address
    need_activate
    # the shell's descriptors as ls sees them (its redirection is ls's own)
    activate sa "127.0.0.1:PORT" --fdname=web $LISTEN --systemd -v -k -e "
        ls -l /proc/\$\$/fd >$work/fds
        env | sed -n 's/^\\(LISTEN_[A-Z]*\\)=.*/ENV \\1/p'
        echo \"LOCAL \$HV_LOCAL_ADDR\""
    local out lsock
    out=$($CAT -t 127.0.0.1 "${SAADDR##*:}" </dev/null 2>"$work/cli.err") ||
        fail "client failed"
    wait_for "$work/sa.err" "Listening on" 10 || fail "hvlisten never listened"
    lsock=$(readlink "/proc/$SAPID/fd/3") || fail "hvlisten has no descriptor 3"
    case $lsock in socket:*) ;; *) fail "hvlisten's descriptor 3 is $lsock" ;; esac
    { printf '%s\n' "$out"
      sed -n 's/.* \([0-9][0-9]*\) -> \(.*\)$/FD \1 \2/p' "$work/fds"; } >"$work/child.out"
    ! grep -q '^ENV ' "$work/child.out" || fail "the command sees $(grep '^ENV ' "$work/child.out" | tr '\n' ' ')"
    ! grep -q '^FD 3 ' "$work/child.out" || fail "the command holds descriptor 3: $(grep '^FD 3 ' "$work/child.out")"
    ! grep -qF " $lsock" "$work/child.out" || fail "the command holds the listener ($lsock)"
    grep -qx "LOCAL tcp:$SAADDR" "$work/child.out" || fail "HV_LOCAL_ADDR: $(grep LOCAL "$work/child.out")"
    grep -q '^FD 0 socket:' "$work/child.out" || fail "the command's stdin is no socket: $out"
    echo "the command's descriptors: $(grep '^FD' "$work/child.out" | cut -d' ' -f2 | tr '\n' ' ')"
    stop_by_term "$SAPID" hvlisten
}

case_allow_deny() {
    # --allow/--deny hold for a passed socket as for one hvlisten bound
    need_activate
    activate sa "127.0.0.1:PORT" $LISTEN --systemd -v -k -e 'echo served' --deny 127.0.0.1
    local out
    out=$($CAT -t 127.0.0.1 "${SAADDR##*:}" </dev/null 2>/dev/null)
    [ -z "$out" ] || fail "--deny 127.0.0.1: served ($out)"
    wait_for "$work/sa.err" "Refused tcp:127.0.0.1:" 10 || fail "no Refused line"
    stop_by_term "$SAPID" hvlisten
    activate sb "127.0.0.1:PORT" $LISTEN --systemd -v -k -e 'echo served' --allow 127.0.0.0/8
    out=$($CAT -t 127.0.0.1 "${SAADDR##*:}" </dev/null 2>/dev/null)
    [ "$out" = served ] || fail "--allow 127.0.0.0/8: got '$out'"
    stop_by_term "$SAPID" hvlisten
}

# ---------------------------------------------------------------- errors

# refused_by NAME RC WANT: the activated hvlisten (in place) ended with RC
# and one line beginning "hvlisten: --systemd: WANT"
refused_by() {
    local rc
    wait_pid "$SAPID" 10 rc || fail "hvlisten still runs"
    [ "$rc" = "$2" ] || fail "exit $rc, expected $2: $(cat "$work/$1.err")"
    grep '^hvlisten' "$work/$1.err" >"$work/$1.tool.err"
    one_line "$work/$1.tool.err" "hvlisten: --systemd: $3"
}

case_err_no_socket() {
    # started by hand: nothing was passed (69, one line)
    local rc=0
    env -u LISTEN_PID -u LISTEN_FDS $LISTEN --systemd -k -e cat </dev/null 2>"$work/l.err" || rc=$?
    [ "$rc" = 69 ] || fail "exit $rc, expected 69"
    one_line "$work/l.err" "hvlisten: --systemd: no socket was passed (LISTEN_FDS is not set)"
}

case_err_other_pid() {
    # LISTEN_PID names another process: its sockets are not ours (69)
    local rc=0
    LISTEN_PID=$$ LISTEN_FDS=1 $LISTEN --systemd -k -e cat </dev/null 2>"$work/l.err" || rc=$?
    [ "$rc" = 69 ] || fail "exit $rc, expected 69"
    one_line "$work/l.err" "hvlisten: --systemd: LISTEN_PID is $$, not this process"
}

case_err_zero_fds() {
    # LISTEN_FDS=0 for this very process (a shell that execs the tool
    # keeps its pid): no socket (69); a count that is no number (64)
    local rc=0
    (LISTEN_FDS=0 LISTEN_PID=$BASHPID exec $LISTEN --systemd </dev/null 2>"$work/l.err") || rc=$?
    [ "$rc" = 69 ] || fail "LISTEN_FDS=0: exit $rc, expected 69"
    one_line "$work/l.err" "hvlisten: --systemd: no socket was passed (LISTEN_FDS is 0)"
    rc=0
    (LISTEN_FDS=one LISTEN_PID=$BASHPID exec $LISTEN --systemd </dev/null 2>"$work/l.err") || rc=$?
    [ "$rc" = 64 ] || fail "LISTEN_FDS=one: exit $rc, expected 64"
    one_line "$work/l.err" "hvlisten: --systemd: LISTEN_FDS 'one' is not a count"
}

case_err_not_socket() {
    # descriptor 3 is a file (64)
    local rc=0
    (exec 3<"$0"; LISTEN_FDS=1 LISTEN_PID=$BASHPID exec $LISTEN --systemd </dev/null 2>"$work/l.err") || rc=$?
    [ "$rc" = 64 ] || fail "exit $rc, expected 64"
    one_line "$work/l.err" "hvlisten: --systemd: descriptor 3 is not a socket"
}

case_err_two_fds() {
    # two ListenStream= (two -l): one is served, so that is a usage error
    need_activate
    activate sa "$work/a.sock" -l "$work/b.sock" $LISTEN --systemd -k -e cat
    $CAT -U "$work/a.sock" </dev/null >/dev/null 2>&1
    refused_by sa 64 "2 sockets were passed (LISTEN_FDS=2)"
}

case_err_datagram() {
    # ListenDatagram= (-d): no stream socket (64)
    need_activate
    activate sa "$work/d.sock" -d $LISTEN --systemd -k -e cat
    python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"x", sys.argv[1])' "$work/d.sock"
    refused_by sa 64 "descriptor 3 is a datagram socket"
}

case_err_seqpacket() {
    # ListenSequentialPacket= (--seqpacket): no stream socket (64)
    need_activate
    activate sa "$work/q.sock" --seqpacket $LISTEN --systemd -k -e cat
    python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).connect(sys.argv[1])' "$work/q.sock"
    refused_by sa 64 "descriptor 3 is a seqpacket socket"
}

case_err_not_listening() {
    # Accept=yes (-a) passes a connection as descriptor 3: not a listener
    # (64), and the message points at hvcat
    need_activate
    activate sa "$work/c.sock" -a $LISTEN --systemd -k -e cat
    $CAT -U "$work/c.sock" </dev/null >/dev/null 2>&1
    wait_for "$work/sa.err" "died with code" 10 || fail "the child did not end"
    grep -q "died with code 64" "$work/sa.err" || fail "$(grep 'died' "$work/sa.err")"
    grep '^hvlisten' "$work/sa.err" >"$work/tool.err"
    one_line "$work/tool.err" "hvlisten: --systemd: descriptor 3 is a stream socket that does not listen"
    grep -q hvcat "$work/tool.err" || fail "the message does not point at hvcat"
}

case_usage_conflicts() {
    # the socket unit says where and how: an address, -t, -U, --npipe,
    # --unix-mode with --systemd are usage errors (64), whatever passed
    local args rc
    for args in "--systemd 5000" "--systemd -t 127.0.0.1 0" "--systemd -U $work/x.sock" \
                "--systemd --npipe x" "--systemd --unix-mode 600" "--systemd tcp:127.0.0.1:0"; do
        rc=0
        # shellcheck disable=SC2086
        $LISTEN $args </dev/null >/dev/null 2>"$work/l.err" || rc=$?
        [ "$rc" = 64 ] || fail "hvlisten $args: exit $rc, expected 64"
        grep -q -- "--systemd" "$work/l.err" || fail "hvlisten $args: $(head -n 1 "$work/l.err")"
    done
}

# ---------------------------------------------------------------- Accept=yes

# inetd_echo NAME ADDR: hvcat run by systemd-socket-activate -a --inetd
# for each connection to ADDR (it is hvcat's stdin and stdout), relaying
# it to the echo server: 20 clients at once, 256 KiB each, bit-exact
inetd_echo() {
    need_activate
    echo_peer
    activate "$1" "$2" -a --inetd $CAT -t 127.0.0.1 "$EPORT"
    local to="tcp:$SAADDR"
    case $SAADDR in /*) to="unix:$SAADDR" ;; esac
    $PEER clients "$to" 20 262144 >"$work/clients.out" 2>"$work/clients.err" ||
        fail "$(cat "$work/clients.out")"
    grep -qx "OK 20" "$work/clients.out" || fail "$(cat "$work/clients.out")"
    ! grep -q "died with code [1-9]" "$work/$1.err" || fail "an hvcat failed: $(grep died "$work/$1.err" | head -n 3)"
}

case_accept_yes_tcp() {
    inetd_echo sa "127.0.0.1:PORT"
}

case_accept_yes_unix() {
    inetd_echo sa "$work/y.sock"
}

# ---------------------------------------------------------------- notify

# notify_peer NAME ADDR: the receiver of our notifications at ADDR (a path
# or @name), logging to NAME.log; returns once it is bound
notify_peer() {
    $PEER notify "$2" "$work/$1.log" 2>"$work/$1-peer.err" &
    pids="$pids $!"
    e2e_lib_poll 30 test -e "$work/$1.log.bound" || fail "notify receiver did not start"
}

# mark ADDR TEXT: a line of the receiver's log, in its order and clock
mark() { $PEER send "$1" "MARK=$2"; }

# pings_between LOG A B PERIOD_S: fail unless the WATCHDOG=1 lines between
# MARK=A and MARK=B come at about one per PERIOD_S (half to one and a half
# times the count the time between the marks asks for); prints the count
pings_between() {
    awk -v a="MARK=$2" -v b="MARK=$3" -v p="$4" '
        $2 == a { t0 = $1; on = 1; next }
        $2 == b { t1 = $1; on = 0; next }
        on && $2 == "WATCHDOG=1" { n++ }
        END {
            want = (t1 - t0) / p
            printf "%d pings in %.2f s (one each %.2f s: %.1f)\n", n, t1 - t0, p, want
            exit !(t1 > t0 && n >= want * 0.5 && n <= want * 1.5 + 1)
        }' "$1"
}

case_notify_ready() {
    # READY=1 once hvlisten listens, with STATUS= saying where (a connect
    # made the moment it arrives succeeds); STATUS= with the count served
    # at once; STOPPING=1 at SIGTERM. -e commands see no NOTIFY_SOCKET and
    # no WATCHDOG_*
    notify_peer n "$work/notify.sock"
    NOTIFY_SOCKET=$work/notify.sock WATCHDOG_USEC=60000000 \
        $LISTEN -v -k -t 127.0.0.1 0 -e '
        env | sed -n "s/^\(NOTIFY_SOCKET\|WATCHDOG_[A-Z]*\)=.*/ENV \1/p"; echo hello; exec cat' \
        </dev/null >"$work/l.out" 2>"$work/l.err" &
    local lpid=$! port
    pids="$pids $lpid"
    listening "$work/l.err" port
    wait_for "$work/n.log" "READY=1" 10 || fail "no READY=1"
    grep -q "READY=1|STATUS=Listening on tcp:127.0.0.1:$port\$" "$work/n.log" ||
        fail "READY=1 without its STATUS=: $(grep READY "$work/n.log")"
    wait_for "$work/n.log" "CONNECT" 10 || fail "the receiver did not connect"
    grep -q "CONNECT OK" "$work/n.log" || fail "$(grep CONNECT "$work/n.log")"
    # two clients that stay
    mkfifo "$work/hold"
    exec 7<>"$work/hold"
    $CAT -t 127.0.0.1 "$port" <"$work/hold" >"$work/c1.out" 2>"$work/c1.err" &
    pids="$pids $!"
    $CAT -t 127.0.0.1 "$port" <"$work/hold" >"$work/c2.out" 2>"$work/c2.err" &
    pids="$pids $!"
    wait_for "$work/n.log" "STATUS=Serving 2 of 100 connections on tcp:127.0.0.1:$port" 10 ||
        fail "no 'Serving 2 of 100' status: $(grep STATUS "$work/n.log" | tail -n 3)"
    wait_size "$work/c1.out" 6 10 || fail "client 1 got nothing"
    [ "$(cat "$work/c1.out")" = hello ] || fail "the command saw: $(cat "$work/c1.out")"
    stop_by_term "$lpid" hvlisten
    wait_for "$work/n.log" "STOPPING=1" 10 || fail "no STOPPING=1"
    exec 7>&-
}

case_notify_abstract() {
    # an abstract NOTIFY_SOCKET (@name); a stdio listener: STATUS= names
    # the client while it is served and says Listening again after
    local name="@hvsd-$$-$RANDOM"
    notify_peer n "$name"
    NOTIFY_SOCKET=$name $LISTEN -v -k -t 127.0.0.1 0 </dev/null >"$work/l.out" 2>"$work/l.err" &
    local lpid=$! port
    pids="$pids $lpid"
    listening "$work/l.err" port
    wait_for "$work/n.log" "READY=1|STATUS=Listening on tcp:127.0.0.1:$port" 10 ||
        fail "no READY=1: $(cat "$work/n.log")"
    echo hi | $CAT -t 127.0.0.1 "$port" >/dev/null 2>"$work/c.err" || fail "client failed"
    wait_for "$work/n.log" "STATUS=Serving tcp:127.0.0.1:" 10 || fail "no 'Serving' status"
    # the second 'Listening on' comes after the session
    e2e_lib_poll 10 eval '[ "$(grep -c "STATUS=Listening on" "$work/n.log")" -ge 2 ]' ||
        fail "no second 'Listening on' status: $(cat "$work/n.log")"
    stop_by_term "$lpid" hvlisten
    wait_for "$work/n.log" "STOPPING=1" 10 || fail "no STOPPING=1"
}

case_notify_activated() {
    # --systemd and NOTIFY_SOCKET together (a Type=notify service with its
    # socket unit). The launcher is sdlaunch, not systemd-socket-activate:
    # the latter starts the command at the first client only, after which
    # READY=1 says nothing about when a client could first connect
    notify_peer n "$work/notify.sock"
    NOTIFY_SOCKET=$work/notify.sock $SDLAUNCH tcp:127.0.0.1:0 \
        $LISTEN --systemd -v -k -e cat </dev/null >"$work/l.out" 2>"$work/l.err" &
    local lpid=$! port
    pids="$pids $lpid"
    listening "$work/l.err" port
    grep -q "^sdlaunch: listening on tcp:127.0.0.1:$port as 3\$" "$work/l.err" ||
        fail "hvlisten does not listen where sdlaunch bound: $(cat "$work/l.err")"
    wait_for "$work/n.log" "READY=1|STATUS=Listening on tcp:127.0.0.1:$port" 10 ||
        fail "no READY=1: $(cat "$work/n.log")"
    wait_for "$work/n.log" "CONNECT" 10 || fail "the receiver did not connect"
    grep -q "CONNECT OK" "$work/n.log" || fail "$(grep CONNECT "$work/n.log")"
    stop_by_term "$lpid" hvlisten
    wait_for "$work/n.log" "STOPPING=1" 10 || fail "no STOPPING=1"
}

case_notify_watchdog_stdio() {
    # WATCHDOG_USEC=400000: WATCHDOG=1 every 200 ms, while a stdio listener
    # waits for a client and while it serves one that sends nothing
    notify_peer n "$work/notify.sock"
    NOTIFY_SOCKET=$work/notify.sock WATCHDOG_USEC=400000 \
        $LISTEN -v -k -t 127.0.0.1 0 </dev/null >"$work/l.out" 2>"$work/l.err" &
    local lpid=$! port
    pids="$pids $lpid"
    listening "$work/l.err" port
    wait_for "$work/n.log" "READY=1" 10 || fail "no READY=1"
    mark "$work/notify.sock" a
    sleep 3
    mark "$work/notify.sock" b
    mkfifo "$work/hold"
    exec 7<>"$work/hold"
    $CAT -t 127.0.0.1 "$port" <"$work/hold" >/dev/null 2>"$work/c.err" &
    pids="$pids $!"
    wait_for "$work/n.log" "STATUS=Serving" 10 || fail "not serving"
    mark "$work/notify.sock" c
    sleep 3
    mark "$work/notify.sock" d
    pings_between "$work/n.log" a b 0.2 || fail "waiting: $(pings_between "$work/n.log" a b 0.2)"
    pings_between "$work/n.log" c d 0.2 || fail "serving: $(pings_between "$work/n.log" c d 0.2)"
    stop_by_term "$lpid" hvlisten
    exec 7>&-
}

case_notify_watchdog_many() {
    # the same for -e (the relay's loop): idle, then with a client held
    notify_peer n "$work/notify.sock"
    NOTIFY_SOCKET=$work/notify.sock WATCHDOG_USEC=400000 \
        $LISTEN -v -k -t 127.0.0.1 0 -e cat </dev/null >"$work/l.out" 2>"$work/l.err" &
    local lpid=$! port
    pids="$pids $lpid"
    listening "$work/l.err" port
    wait_for "$work/n.log" "READY=1" 10 || fail "no READY=1"
    mark "$work/notify.sock" a
    sleep 3
    mark "$work/notify.sock" b
    mkfifo "$work/hold"
    exec 7<>"$work/hold"
    $CAT -t 127.0.0.1 "$port" <"$work/hold" >/dev/null 2>"$work/c.err" &
    pids="$pids $!"
    wait_for "$work/n.log" "STATUS=Serving 1 of" 10 || fail "not serving"
    mark "$work/notify.sock" c
    sleep 3
    mark "$work/notify.sock" d
    pings_between "$work/n.log" a b 0.2 || fail "idle: $(pings_between "$work/n.log" a b 0.2)"
    pings_between "$work/n.log" c d 0.2 || fail "serving: $(pings_between "$work/n.log" c d 0.2)"
    stop_by_term "$lpid" hvlisten
    exec 7>&-
}

case_notify_watchdog_other_pid() {
    # WATCHDOG_PID of another process: that watchdog is not ours, no pings
    notify_peer n "$work/notify.sock"
    NOTIFY_SOCKET=$work/notify.sock WATCHDOG_USEC=200000 WATCHDOG_PID=$$ \
        $LISTEN -v -k -t 127.0.0.1 0 </dev/null >"$work/l.out" 2>"$work/l.err" &
    local lpid=$!
    pids="$pids $lpid"
    wait_for "$work/n.log" "READY=1" 10 || fail "no READY=1"
    mark "$work/notify.sock" a
    sleep 1.5
    mark "$work/notify.sock" b
    ! grep -q "WATCHDOG=1" "$work/n.log" || fail "pinged for another process's watchdog"
    stop_by_term "$lpid" hvlisten
}

case_notify_bad_socket() {
    # a NOTIFY_SOCKET that is no unix address: one warning, served anyway
    NOTIFY_SOCKET=relative/path $LISTEN -v -k -t 127.0.0.1 0 -e 'echo ok' \
        </dev/null >"$work/l.out" 2>"$work/l.err" &
    local lpid=$! port out
    pids="$pids $lpid"
    listening "$work/l.err" port
    grep -q "^hvlisten: warning: NOTIFY_SOCKET 'relative/path' is not a unix socket" "$work/l.err" ||
        fail "no warning: $(cat "$work/l.err")"
    out=$($CAT -t 127.0.0.1 "$port" </dev/null 2>/dev/null)
    [ "$out" = ok ] || fail "not served: '$out'"
    stop_by_term "$lpid" hvlisten
}

# ---------------------------------------------------------------- units

UNITS="hvsock-sshd.socket hvsock-sshd@.service hvsock-relay@.service"

case_units_verify() {
    # every shipped unit (and an instance of each template) passes
    # systemd-analyze verify with no word said. verify needs what the unit
    # names to exist (the tools, the man pages of Documentation=, the
    # targets it is ordered against), so the units are checked in a root
    # made by installing the build with the prefix /usr, with this system's
    # own units beside them
    command -v systemd-analyze >/dev/null 2>&1 || skip "no systemd-analyze here (Debian: systemd)"
    [ -d /lib/systemd/system ] || skip "no /lib/systemd/system to verify against"
    local root=$work/root u out
    DESTDIR=$root cmake --install "$HV_BUILD" --prefix /usr >"$work/install.log" 2>&1 ||
        fail "cmake --install: $(tail -n 5 "$work/install.log")"
    for u in $UNITS; do
        [ -f "$root/usr/lib/systemd/system/$u" ] || fail "$u was not installed"
    done
    cp -an /lib/systemd/system/. "$root/usr/lib/systemd/system/" || fail "cannot copy the system's units"
    for u in $UNITS hvsock-sshd@0.service hvsock-relay@docker.service; do
        out=$(MANPATH=$root/usr/share/man SYSTEMD_LOG_COLOR=0 \
              systemd-analyze verify --root="$root" "$u" 2>&1) ||
            fail "$u: systemd-analyze verify failed: $out"
        [ -z "$out" ] || fail "$u: systemd-analyze verify says: $out"
        echo "ok: $u"
    done
    grep -qx "ExecStart=/usr/bin/hvcat -t 127.0.0.1 22" "$root/usr/lib/systemd/system/hvsock-sshd@.service" ||
        fail "hvsock-sshd@.service: $(grep ExecStart "$root/usr/lib/systemd/system/hvsock-sshd@.service")"
    grep -q "^ExecStart=/usr/bin/hvlisten .*--to" "$root/usr/lib/systemd/system/hvsock-relay@.service" ||
        fail "hvsock-relay@.service: $(grep ExecStart "$root/usr/lib/systemd/system/hvsock-relay@.service")"
    grep -qx "ListenStream=vsock::22" "$root/usr/lib/systemd/system/hvsock-sshd.socket" ||
        fail "hvsock-sshd.socket does not listen on vsock::22"
}

case_units_relay_command() {
    # hvsock-relay@.service's command, as systemd would run it from the
    # example configuration ($OPTIONS split on blanks, ${TO} and ${LISTEN}
    # one word each; TO and LISTEN pointed at this case's own echo server
    # and socket): hvlisten takes those options, says READY=1 as
    # Type=notify wants, and relays
    command -v cmake >/dev/null 2>&1 || skip "no cmake"
    local root=$work/root cmd conf opts to where
    DESTDIR=$root cmake --install "$HV_BUILD" --prefix /usr >"$work/install.log" 2>&1 ||
        fail "cmake --install: $(tail -n 5 "$work/install.log")"
    cmd=$(sed -n 's/^ExecStart=//p' "$root/usr/lib/systemd/system/hvsock-relay@.service")
    [ "${cmd%% *}" = /usr/bin/hvlisten ] || fail "ExecStart=$cmd"
    conf=$root/usr/share/doc/hvsock-tools/examples/relay.conf.example
    opts=$(sed -n 's/^OPTIONS=//p' "$conf")
    to=$(sed -n 's/^TO=//p' "$conf")
    where=$(sed -n 's/^LISTEN=//p' "$conf")
    [ -n "$opts" ] && [ -n "$to" ] && [ -n "$where" ] ||
        fail "the example does not set OPTIONS, TO and LISTEN"
    echo_peer
    cmd=${cmd#/usr/bin/hvlisten }
    cmd=${cmd//\$OPTIONS/$opts}
    cmd=${cmd//\$\{TO\}/tcp:127.0.0.1:$EPORT}
    cmd=${cmd//\$\{LISTEN\}/unix:$work/relay.sock}
    echo "runs: hvlisten $cmd (the example's TO=$to, LISTEN=$where)"
    notify_peer n "$work/notify.sock"
    # shellcheck disable=SC2086
    NOTIFY_SOCKET=$work/notify.sock $LISTEN $cmd </dev/null >"$work/l.out" 2>"$work/l.err" &
    local lpid=$!
    pids="$pids $lpid"
    wait_for "$work/n.log" "READY=1|STATUS=Listening on unix:$work/relay.sock" 10 ||
        fail "no READY=1: $(cat "$work/n.log" "$work/l.err")"
    $PEER clients "unix:$work/relay.sock" 10 65536 >"$work/clients.out" 2>"$work/clients.err" ||
        fail "$(cat "$work/clients.out")"
    grep -qx "OK 10" "$work/clients.out" || fail "$(cat "$work/clients.out")"
    stop_by_term "$lpid" hvlisten
}

case_units_package() {
    # the .deb carries the units in /usr/lib/systemd/system (with
    # /usr/bin in their ExecStart=, whatever prefix the build has) and the
    # relay's example configuration
    command -v cpack >/dev/null 2>&1 || skip "no cpack"
    command -v dpkg-deb >/dev/null 2>&1 || skip "no dpkg-deb"
    cpack --config "$HV_BUILD/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.log" 2>&1 ||
        fail "cpack: $(tail -n 5 "$work/cpack.log")"
    local deb u
    deb=$(ls "$work"/out/*.deb) || fail "no .deb"
    dpkg-deb -x "$deb" "$work/x" || fail "dpkg-deb -x"
    for u in $UNITS; do
        [ -f "$work/x/usr/lib/systemd/system/$u" ] || fail "the .deb lacks /usr/lib/systemd/system/$u"
    done
    [ -f "$work/x/usr/share/doc/hvsock-tools/examples/relay.conf.example" ] ||
        fail "the .deb lacks the relay's example configuration"
    ! grep -h '^ExecStart=' "$work"/x/usr/lib/systemd/system/* | grep -v '^ExecStart=/usr/bin/hv' ||
        fail "an ExecStart= outside /usr/bin"
}

declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
