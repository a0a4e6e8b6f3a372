#!/bin/bash
# pipe cases: each tool's stdout is a pipe read by a separate
# process that stamps every line as it arrives, and the data has 1 s to
# get there; a gone peer ends a session within 1 s; a listener without -k
# serves one client; a missing listener is exit 69. Over TCP loopback and
# unix sockets in the work dir; ncat, socat and nc.openbsd, where they are
# installed, play the same part in the same scenarios (a peer that is not
# installed is left out), and the times of each are printed to stderr.
# One case per run: cases.sh NAME; each case is a function case_NAME (CMake
# reads the names from here). Environment: HVCAT, HVLISTEN, HV_EMU (wine
# for the Windows build: TCP only, no peers).
. "$(dirname "$0")/../lib/e2e-lib.sh"
CAT=$CLIENT
LISTEN=$SERVER
PEER="python3 $(dirname "$0")/peer.py"
PEERS="ncat socat nc.openbsd"
DEADLINE=1000 # ms: for the data, and for a session whose peer has gone
# Windows (the build under Wine): a TCP peer's close and half-close look
# alike there, so a gone peer shows only through the gone-peer rule's
# 0.5 s of silence, and Wine's process switches under a loaded run add
# hundreds of ms more (1033 and 1288 ms seen with -j2 and a busy
# machine): 2 s there, still an end that comes by itself, not at the
# readers' 3 s or never
[ -z "$HV_EMU" ] || DEADLINE=2000
# ms a Wine process takes to start (up to 0.8 s seen), allowed where a
# time is measured from a tool's start
START_SLACK=0
[ -z "$HV_EMU" ] || START_SLACK=2000

# the tools started by start(), killed at exit (e2e-lib kills $pids, the
# wrappers; their "Killed" lines would only be noise after the verdict)
e2e_lib_at_exit() {
    local f
    for f in "$work"/*.pid; do
        [ -s "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
    done
    exec 2>/dev/null
}

# now VAR: VAR = the time in ms since the epoch (peer.py's clock), taken
# without a fork, so that a stamp is the moment of the event under load too
now() {
    local now_us=${EPOCHREALTIME//[!0-9]/}
    printf -v "$1" '%s' $((now_us / 1000))
}

# since MS: the ms from MS until now
since() {
    local t
    now t
    echo $((t - $1))
}

# note TEXT: a line of the log (timings)
note() { echo "[$case_name] $*" >&2; }

# need KIND: skip the case where the transport KIND is missing (unix sockets
# under Wine)
need() { [ "$1" = tcp ] || [ -z "$HV_EMU" ] || skip "no AF_UNIX under Wine"; }

# peers: the installed ones of $PEERS (none under Wine)
peers() {
    local p
    [ -z "$HV_EMU" ] || return 0
    for p in $PEERS; do
        if command -v "$p" >/dev/null; then
            echo "$p"
        else
            note "$p is not installed: left out"
        fi
    done
}

# win_tool NAME: our tool NAME (beside the listener) as cmd.exe names it
win_tool() {
    local p
    p=$(dirname "${LISTEN##* }")/$1.exe
    [ -e "$p" ] || p=${p%.exe}
    winepath -w "$p" 2>/dev/null | tr -d '\r'
}

free_port() {
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# reader NAME: the fifo $work/NAME.pipe (a tool's stdout) read by a separate
# process that appends "MS LINE" to $work/NAME.r for each line as it
# arrives, and "MS EOF" at the end
reader() {
    mkfifo "$work/$1.pipe"
    (
        exec <"$work/$1.pipe"
        while IFS= read -r l; do
            now t
            echo "$t $l" >>"$work/$1.r"
        done
        now t
        echo "$t EOF" >>"$work/$1.r"
    ) &
    pids="$pids $!"
}

# feed NAME: the fifo $work/NAME.in (a tool's stdin) written by a separate
# process that sends nothing, the pipe open, until told (say, go); it
# appends "MS LINE" to $work/NAME.said for each line it writes (the time
# just before), and the time of stdin's EOF to $work/NAME.eof
feed() {
    mkfifo "$work/$1.in" "$work/$1.ctl"
    (
        # the control fifo first (read-write: no wait), then stdin's
        exec 4<>"$work/$1.ctl" 3>"$work/$1.in"
        while IFS= read -r cmd <&4 && [ "$cmd" != end ]; do
            now t
            printf '%s\n' "$cmd" >&3
            echo "$t $cmd" >>"$work/$1.said"
        done
        exec 3>&-
        now t
        echo "$t" >"$work/$1.eof"
    ) &
    pids="$pids $!"
}

# say NAME LINE: feed NAME writes LINE; go NAME [LINE]: ... and closes
say() { printf '%s\n' "$2" >"$work/$1.ctl"; }
go() {
    [ -z "${2:-}" ] || say "$1" "$2"
    echo end >"$work/$1.ctl"
}

# start NAME IN OUT CMD...: CMD in the background, stdin IN, stdout OUT,
# stderr $work/NAME.err; its pid in $work/NAME.pid; "STATUS MS" in
# $work/NAME.end once it has ended. STARTED: the time it was started.
start() {
    local name=$1 in=$2 out=$3
    shift 3
    now STARTED
    (
        "$@" <"$in" >"$out" 2>"$work/$name.err" &
        echo $! >"$work/$name.pid"
        # (quiet: no "Killed" line when the case stops it)
        { wait $!; } 2>/dev/null
        rc=$?
        now t
        echo "$rc $t" >"$work/$name.end"
    ) &
    pids="$pids $!"
    wait_size "$work/$name.pid" 1 10 || fail "$name did not start"
}

# end_at NAME SECS: wait for NAME (of start) to end; END_RC its status,
# END_MS when. 1 if it still runs after SECS.
end_at() {
    wait_size "$work/$1.end" 2 "$2" || return 1
    read -r END_RC END_MS <"$work/$1.end"
}

# running NAME: NAME (of start) has not ended
running() { [ ! -e "$work/$1.end" ] && kill -0 "$(cat "$work/$1.pid")" 2>/dev/null; }

# stop NAME: end NAME (of start) now
stop() { kill -9 "$(cat "$work/$1.pid")" 2>/dev/null; }

# line_at NAME TEXT SECS: print when reader NAME got the line TEXT (1 if
# not within SECS)
line_at() {
    wait_for "$work/$1.r" "^[0-9]* $2\$" "$3" || return 1
    sed -n "s/^\([0-9]*\) $2\$/\1/p" "$work/$1.r" | head -n 1
}

# event_at LOG EVENT SECS: print when peer.py logged EVENT to LOG
event_at() {
    wait_for "$1" "^$2 " "$3" || return 1
    sed -n "s/^$2 \([0-9]*\).*/\1/p" "$1" | head -n 1
}

# sent_at LOG: when peer.py (LOG) sent its line (it fails the case when it
# did not within 5 s)
sent_at() {
    SENT=$(event_at "$1" sent 5) || fail "peer.py ($1) sent nothing"
}

# said_at NAME TEXT: SENT, when feed NAME wrote the line TEXT
said_at() {
    wait_for "$work/$1.said" "^[0-9]* $2\$" 5 || fail "feed $1 did not write $2"
    SENT=$(sed -n "s/^\([0-9]*\) $2\$/\1/p" "$work/$1.said" | head -n 1)
}

# accepted NAME: wait until the listener NAME (of ourlisten) has accepted
# (its -v line)
accepted() { wait_for "$work/$1.err" "Connection from" 5 || fail "$1 accepted nothing"; }

# ops KIND WHERE: OPS, a client's address operands (tcp: WHERE is the port
# on 127.0.0.1; unix: the socket path)
ops() { if [ "$1" = tcp ]; then OPS=(-t 127.0.0.1 "$2"); else OPS=(-U "$2"); fi; }

# pylisten NAME MODE KIND: peer.py listening (MODE), its log $work/NAME.log;
# WHERE its port or path
pylisten() {
    local name=$1 mode=$2 kind=$3 where
    if [ "$kind" = tcp ]; then where=$work/$name.port; else where=$work/$name.sock; fi
    $PEER listen "$mode" "$kind" "$where" "$work/$name.log" 2>"$work/$name.pyerr" &
    pids="$pids $!"
    wait_for "$work/$name.log" '^listening' 30 || fail "$name did not listen"
    if [ "$kind" = tcp ]; then WHERE=$(cat "$where"); else WHERE=$where; fi
}

# pyconnect NAME MODE KIND WHERE: peer.py connecting (MODE) in the
# background (it retries until something listens), its log $work/NAME.log
pyconnect() {
    start "$1" /dev/null /dev/null $PEER connect "$2" "$3" "$4" "$work/$1.log"
}

# ourlisten NAME IN OUT KIND ARGS...: hvlisten -v ARGS on KIND (tcp:
# 127.0.0.1, any port; unix: $work/NAME.sock) started as NAME, waited for
# until it listens; WHERE its port or path
ourlisten() {
    local name=$1 in=$2 out=$3 kind=$4
    shift 4
    if [ "$kind" = tcp ]; then
        start "$name" "$in" "$out" $LISTEN -v "$@" -t 127.0.0.1 0
        listening "$work/$name.err" WHERE
    else
        start "$name" "$in" "$out" $LISTEN -v "$@" -U "$work/$name.sock"
        wait_for "$work/$name.err" "Listening on" 30 || fail "$name never listened"
        WHERE=$work/$name.sock
    fi
}

# peer_cmd TOOL ROLE KIND WHERE: PCMD, TOOL's command line as a client
# (ROLE connect) of, or a listener (ROLE listen) on, WHERE
peer_cmd() {
    case $1.$2.$3 in
    ncat.connect.tcp) PCMD=(ncat 127.0.0.1 "$4") ;;
    ncat.connect.unix) PCMD=(ncat -U "$4") ;;
    ncat.listen.tcp) PCMD=(ncat -l 127.0.0.1 "$4") ;;
    ncat.listen.unix) PCMD=(ncat -l -U "$4") ;;
    socat.connect.tcp) PCMD=(socat - "TCP:127.0.0.1:$4") ;;
    socat.connect.unix) PCMD=(socat - "UNIX-CONNECT:$4") ;;
    socat.listen.tcp) PCMD=(socat - "TCP-LISTEN:$4,bind=127.0.0.1,reuseaddr") ;;
    socat.listen.unix) PCMD=(socat - "UNIX-LISTEN:$4") ;;
    nc.openbsd.connect.tcp) PCMD=(nc.openbsd 127.0.0.1 "$4") ;;
    nc.openbsd.connect.unix) PCMD=(nc.openbsd -U "$4") ;;
    nc.openbsd.listen.tcp) PCMD=(nc.openbsd -l 127.0.0.1 "$4") ;;
    nc.openbsd.listen.unix) PCMD=(nc.openbsd -l -U "$4") ;;
    *) fail "no command line for $1 $2 $3" ;;
    esac
}

# peer_where KIND NAME: where a peer's listener NAME is to listen (a free
# port, or a path in the work dir)
peer_where() { if [ "$1" = tcp ]; then free_port; else echo "$work/$2.sock"; fi; }

# stdin_of NAME WHICH: IN, the stdin of a tool NAME: null (at its EOF at
# once) or idle (a pipe open, sending nothing: feed NAME)
stdin_of() {
    if [ "$2" = null ]; then
        IN=/dev/null
    else
        feed "$1"
        IN=$work/$1.in
    fi
}

# lat_of NAME REF: LAT, the ms from REF until reader NAME got "hello"
# ("never" when not within 3 s)
lat_of() {
    local t
    if t=$(line_at "$1" hello 3); then LAT=$((t - $2)); else LAT=never; fi
}

# in_time WHAT MS [LIMIT]: fail unless MS is a number of at most LIMIT
# (default DEADLINE)
in_time() {
    local lim=${3:-$DEADLINE}
    case $2 in
    '' | *[!0-9-]*) fail "$1: ${2:-nothing} (limit $lim ms)" ;;
    esac
    [ "$2" -le "$lim" ] || fail "$1: $2 ms (limit $lim ms)"
}

# -------------------------------------------- 1. a line, and the peer stays

# greet_client KIND: the client's reader gets the line of a server that
# stays: peer.py's and hvlisten's (its stdin sends it and stays open); the
# client's stdin at its EOF at once (the one-way path: splice into the
# pipe) or open and idle (both ways). The peers in hvcat's place.
greet_client() {
    local kind=$1 in p
    need "$kind"
    for in in null idle; do
        pylisten s$in greet "$kind"
        reader c$in
        stdin_of c$in $in
        ops "$kind" "$WHERE"
        start c$in "$IN" "$work/c$in.pipe" $CAT "${OPS[@]}"
        sent_at "$work/s$in.log"
        lat_of c$in "$SENT"
        note "hvcat (stdin $in) got the line of peer.py after $LAT ms"
        in_time "hvcat (stdin $in), peer.py's line" "$LAT"

        feed l$in
        ourlisten l$in "$work/l$in.in" /dev/null "$kind"
        reader h$in
        stdin_of h$in $in
        ops "$kind" "$WHERE"
        start h$in "$IN" "$work/h$in.pipe" $CAT "${OPS[@]}"
        accepted l$in
        say l$in hello
        said_at l$in hello
        lat_of h$in "$SENT"
        note "hvcat (stdin $in) got the line of hvlisten after $LAT ms"
        in_time "hvcat (stdin $in), hvlisten's line" "$LAT"
    done
    for p in $(peers); do
        for in in null idle; do
            pylisten "s$p$in" greet "$kind"
            peer_cmd "$p" connect "$kind" "$WHERE"
            reader "c$p$in"
            stdin_of "c$p$in" $in
            start "c$p$in" "$IN" "$work/c$p$in.pipe" "${PCMD[@]}"
            sent_at "$work/s$p$in.log"
            lat_of "c$p$in" "$SENT"
            note "$p (stdin $in) got the line of peer.py after $LAT ms"
        done
    done
}

# greet_listener KIND: hvlisten's reader (without and with -k) gets the
# line of a client that stays: peer.py's and hvcat's (its stdin sends it
# and stays open); hvlisten's stdin at its EOF or idle. The peers in
# hvlisten's place.
greet_listener() {
    local kind=$1 in k n p where
    need "$kind"
    for k in "" -k; do
        for in in null idle; do
            n=l$in$k
            reader "$n"
            stdin_of "$n" $in
            ourlisten "$n" "$IN" "$work/$n.pipe" "$kind" $k
            pyconnect "c$n" greet "$kind" "$WHERE"
            sent_at "$work/c$n.log"
            lat_of "$n" "$SENT"
            note "hvlisten${k:+ $k} (stdin $in) got the line of peer.py after $LAT ms"
            in_time "hvlisten${k:+ $k} (stdin $in), peer.py's line" "$LAT"

            n=m$in$k
            reader "$n"
            stdin_of "$n" $in
            ourlisten "$n" "$IN" "$work/$n.pipe" "$kind" $k
            feed "h$n"
            ops "$kind" "$WHERE"
            start "h$n" "$work/h$n.in" /dev/null $CAT "${OPS[@]}"
            accepted "$n"
            say "h$n" hello
            said_at "h$n" hello
            lat_of "$n" "$SENT"
            note "hvlisten${k:+ $k} (stdin $in) got the line of hvcat after $LAT ms"
            in_time "hvlisten${k:+ $k} (stdin $in), hvcat's line" "$LAT"
        done
    done
    for p in $(peers); do
        for in in null idle; do
            n=l$p$in
            where=$(peer_where "$kind" "$n")
            peer_cmd "$p" listen "$kind" "$where"
            reader "$n"
            stdin_of "$n" $in
            start "$n" "$IN" "$work/$n.pipe" "${PCMD[@]}"
            pyconnect "c$n" greet "$kind" "$where"
            sent_at "$work/c$n.log"
            lat_of "$n" "$SENT"
            note "$p listening (stdin $in) got the line of peer.py after $LAT ms"
        done
    done
}

case_greet_hvcat_tcp() { greet_client tcp; }
case_greet_hvcat_unix() { greet_client unix; }
case_greet_hvlisten_tcp() { greet_listener tcp; }
case_greet_hvlisten_unix() { greet_listener unix; }

# no_shutdown KIND: hvlisten --no-shutdown and hvcat --no-shutdown, each
# stdout a reader, each stdin at its EOF right after its line (no
# half-close: the connection stays, one way only is left): the listener's
# greeting, then the client's reply once the greeting is read; then both
# lines at once
no_shutdown() {
    local kind=$1 t
    need "$kind"
    reader l
    feed l
    ourlisten l "$work/l.in" "$work/l.pipe" "$kind" --no-shutdown
    reader c
    feed c
    ops "$kind" "$WHERE"
    start c "$work/c.in" "$work/c.pipe" $CAT --no-shutdown "${OPS[@]}"
    accepted l
    go l greeting
    said_at l greeting
    t=$(line_at c greeting 3) || fail "the client's reader got no greeting"
    note "hvcat's reader got the greeting after $((t - SENT)) ms"
    in_time "the greeting" $((t - SENT))
    go c reply
    said_at c reply
    t=$(line_at l reply 3) || fail "the listener's reader got no reply"
    note "hvlisten's reader got the reply after $((t - SENT)) ms"
    in_time "the reply" $((t - SENT))

    reader l2
    feed l2
    ourlisten l2 "$work/l2.in" "$work/l2.pipe" "$kind" --no-shutdown
    reader c2
    feed c2
    ops "$kind" "$WHERE"
    start c2 "$work/c2.in" "$work/c2.pipe" $CAT --no-shutdown "${OPS[@]}"
    accepted l2
    go l2 greeting
    go c2 reply
    said_at l2 greeting
    t=$(line_at c2 greeting 3) || fail "both at once: the client's reader got no greeting"
    in_time "both at once: the greeting" $((t - SENT))
    said_at c2 reply
    t=$(line_at l2 reply 3) || fail "both at once: the listener's reader got no reply"
    in_time "both at once: the reply" $((t - SENT))
}

case_greet_no_shutdown_tcp() { no_shutdown tcp; }
case_greet_no_shutdown_unix() { no_shutdown unix; }

# exec_greet KIND: -e's command reads the connection through a pipe: it
# gets the line of a peer that stays within 1 s (hvlisten without and with
# -k, hvcat). The command stamps the line as a reader does.
exec_greet() {
    local kind=$1 k n t
    need "$kind"
    [ -z "$HV_EMU" ] || skip "the command that stamps its line is bash, which cmd.exe cannot run"
    # shellcheck disable=SC2016
    printf '%s\n' 'IFS= read -r l || exit 1' 't=${EPOCHREALTIME//[!0-9]/}' \
        'echo "$((t / 1000)) $l" >"$1.t" && mv "$1.t" "$1.r"' >"$work/stamp.sh"
    for k in "" -k; do
        n=e$k
        ourlisten "$n" /dev/null /dev/null "$kind" $k -e "bash $work/stamp.sh $work/$n"
        pyconnect "c$n" greet "$kind" "$WHERE"
        sent_at "$work/c$n.log"
        t=$(line_at "$n" hello 3) || fail "hvlisten${k:+ $k} -e: the command got no line"
        note "hvlisten${k:+ $k} -e: the command got the line after $((t - SENT)) ms"
        in_time "hvlisten${k:+ $k} -e" $((t - SENT))
    done
    pylisten s greet "$kind"
    ops "$kind" "$WHERE"
    start c /dev/null /dev/null $CAT "${OPS[@]}" -e "bash $work/stamp.sh $work/c"
    sent_at "$work/s.log"
    t=$(line_at c hello 3) || fail "hvcat -e: the command got no line"
    note "hvcat -e: the command got the line after $((t - SENT)) ms"
    in_time "hvcat -e" $((t - SENT))
}

case_greet_exec_tcp() { exec_greet tcp; }
case_greet_exec_unix() { exec_greet unix; }

# to_greet KIND: through a --to relay (with and without -k) to a far
# hvlisten on KIND: the far listener's reader gets the line of a client
# that stays, and a client's reader the line of the far listener
to_greet() {
    local kind=$1 k t far
    need "$kind"
    for k in "" -k; do
        reader "f$k"
        feed "f$k"
        ourlisten "f$k" "$work/f$k.in" "$work/f$k.pipe" "$kind"
        far=$WHERE
        [ "$kind" = tcp ] && far=127.0.0.1:$far
        ourlisten "r$k" /dev/null /dev/null tcp $k --to "$kind:$far"
        pyconnect "c$k" greet tcp "$WHERE"
        sent_at "$work/c$k.log"
        t=$(line_at "f$k" hello 3) || fail "--to${k:+ $k}: the far reader got no line"
        note "--to $kind${k:+ $k}: the far listener's reader got the line after $((t - SENT)) ms"
        in_time "--to${k:+ $k}, to the far listener" $((t - SENT))

        feed "g$k"
        ourlisten "g$k" "$work/g$k.in" /dev/null "$kind"
        far=$WHERE
        [ "$kind" = tcp ] && far=127.0.0.1:$far
        ourlisten "s$k" /dev/null /dev/null tcp $k --to "$kind:$far"
        reader "h$k"
        feed "h$k"
        ops tcp "$WHERE"
        start "h$k" "$work/h$k.in" "$work/h$k.pipe" $CAT "${OPS[@]}"
        accepted "g$k"
        say "g$k" hello
        said_at "g$k" hello
        lat_of "h$k" "$SENT"
        note "--to $kind${k:+ $k}: the client's reader got the far listener's line after $LAT ms"
        in_time "--to${k:+ $k}, from the far listener" "$LAT"
    done
}

case_greet_to_tcp() { to_greet tcp; }
case_greet_to_unix() { to_greet unix; }

# ----------------------------------------- 2. stdout ends with the connection

# eof_check NAME WHAT PEERLOG WAIT: the tool NAME's (WHAT: its command
# line) reader got "data" and its EOF within 1 s of the peer's close; with
# WAIT (--wait-stdin) the tool still runs then, and ends 0 within 1 s of
# its stdin's EOF
# wine_keeps_stdout W: under Wine, the --wait-stdin half is left out:
# Wine keeps the process's Unix descriptor 1 open until it exits, so a
# Unix reader sees stdout's end only then; that half (the tool runs on
# after letting stdout go) is checked under Wine through a Windows pipe
# (tests/windows/end_cases.sh)
wine_keeps_stdout() { [ -n "$1" ] && [ -n "$HV_EMU" ]; }

eof_check() {
    local n=$1 what=$2 log=$3 w=$4 closed t
    closed=$(event_at "$log" closed 5) || fail "$what: the peer did not close"
    line_at "$n" data 3 >/dev/null || fail "$what: the reader got no data"
    t=$(line_at "$n" EOF 3) || fail "$what: the reader saw no EOF within 3 s"
    note "$what: the reader's EOF $((t - closed)) ms after the peer's close"
    in_time "$what: the reader's EOF" $((t - closed))
    if [ -n "$w" ]; then
        running "$n" || fail "$what: ended with the reader's EOF"
        go "$n"
        end_at "$n" 3 || fail "$what: still runs after its stdin's EOF"
        [ "$END_RC" = 0 ] || fail "$what: exit $END_RC"
        in_time "$what: the end after stdin's EOF" $((END_MS - $(cat "$work/$n.eof")))
    fi
}

eof_client() {
    local kind=$1 w n
    need "$kind"
    for w in "" --wait-stdin; do
        wine_keeps_stdout "$w" && continue
        n=c${w#--}
        pylisten "s$n" close "$kind"
        reader "$n"
        feed "$n"
        ops "$kind" "$WHERE"
        start "$n" "$work/$n.in" "$work/$n.pipe" $CAT $w "${OPS[@]}"
        eof_check "$n" "hvcat${w:+ $w}" "$work/s$n.log" "$w"
    done
}

eof_listener() {
    local kind=$1 w n
    need "$kind"
    for w in "" --wait-stdin; do
        wine_keeps_stdout "$w" && continue
        n=l${w#--}
        reader "$n"
        feed "$n"
        ourlisten "$n" "$work/$n.in" "$work/$n.pipe" "$kind" $w
        pyconnect "c$n" close "$kind" "$WHERE"
        eof_check "$n" "hvlisten${w:+ $w}" "$work/c$n.log" "$w"
    done
}

# keep_open KIND: hvlisten -k's stdout stays open from one session to the
# next: its reader gets both clients' data and no EOF
keep_open() {
    local kind=$1
    need "$kind"
    reader l
    feed l
    ourlisten l "$work/l.in" "$work/l.pipe" "$kind" -k
    pyconnect c1 close "$kind" "$WHERE"
    line_at l data 3 >/dev/null || fail "the first client's data did not arrive"
    wait_for "$work/l.err" "Closed" 3 || fail "the first session did not end"
    pyconnect c2 close "$kind" "$WHERE"
    e2e_lib_poll 3 eval "[ \"\$(grep -c ' data$' '$work/l.r')\" = 2 ]" ||
        fail "the second client's data did not arrive: $(cat "$work/l.r")"
    ! grep -q ' EOF$' "$work/l.r" || fail "-k: the reader saw an EOF between sessions"
    running l || fail "hvlisten -k ended"
    stop l
    line_at l EOF 3 >/dev/null || fail "no EOF at hvlisten's end"
}

case_eof_hvcat_tcp() { eof_client tcp; }
case_eof_hvcat_unix() { eof_client unix; }
case_eof_hvlisten_tcp() { eof_listener tcp; }
case_eof_hvlisten_unix() { eof_listener unix; }
case_eof_keep_open_tcp() { keep_open tcp; }
case_eof_keep_open_unix() { keep_open unix; }

# --------------------------------------------------------- 3. the gone peer

# gone_run NAME LOG: NAME (started, stdin idle) ends 0 after its peer (log
# LOG) sent "data" and closed; GONE: the ms from the close to its end,
# "never" when it still runs after 3 s (then it is stopped), "exit N" when
# it ended otherwise
gone_run() {
    local n=$1 closed
    closed=$(event_at "$2" closed 5) || fail "$n: the peer did not close"
    if ! end_at "$n" 3; then
        GONE=never
        stop "$n"
    elif [ "$END_RC" != 0 ]; then
        GONE="exit $END_RC"
    else
        GONE=$((END_MS - closed))
    fi
}

# gone_judge KIND TOOL OURS PEERS...: our end time OURS (of TOOL) is within
# 1 s (unix: well under it; TCP: not before socat's 0.5 s window) and no
# later than the slowest peer that ended plus 200 ms; prints them all
gone_judge() {
    local kind=$1 tool=$2 ours=$3 slow=-1 t
    shift 3
    note "ended after the peer's close (ms): $tool $ours $*"
    in_time "$tool after the peer's close" "$ours"
    if [ "$kind" = unix ]; then
        in_time "$tool after the peer's close over unix" "$ours" 300
    else
        [ "$ours" -ge 450 ] || fail "$tool ended $ours ms after the peer's close: shorter than the 0.5 s TCP window"
    fi
    for t in "$@"; do
        t=${t#*=}
        case $t in *[!0-9]*) continue ;; esac
        [ "$t" -le "$slow" ] || slow=$t
    done
    [ "$slow" -lt 0 ] || [ "$ours" -le $((slow + 200)) ] ||
        fail "$tool ended $ours ms after the peer's close, the slowest peer $slow ms"
}

# gone_wait NAME LOG: with --wait-stdin, NAME still runs 2 s after its
# peer's close; its stdin's EOF then ends it 0
gone_wait() {
    local n=$1 closed
    closed=$(event_at "$2" closed 5) || fail "$n: the peer did not close"
    ! end_at "$n" 2 || fail "$n --wait-stdin: ended (exit $END_RC) although stdin is open"
    [ "$(since "$closed")" -ge 2000 ] || fail "$n: the 2 s were not over"
    go "$n"
    end_at "$n" 3 || fail "$n --wait-stdin: still runs after stdin's EOF"
    [ "$END_RC" = 0 ] || fail "$n --wait-stdin: exit $END_RC"
}

gone_client() {
    local kind=$1 p ours all=""
    need "$kind"
    pylisten s close "$kind"
    reader c
    feed c
    ops "$kind" "$WHERE"
    start c "$work/c.in" "$work/c.pipe" $CAT "${OPS[@]}"
    gone_run c "$work/s.log"
    ours=$GONE
    line_at c data 1 >/dev/null || fail "the reader got no data"
    for p in $(peers); do
        pylisten "s$p" close "$kind"
        peer_cmd "$p" connect "$kind" "$WHERE"
        reader "c$p"
        feed "c$p"
        start "c$p" "$work/c$p.in" "$work/c$p.pipe" "${PCMD[@]}"
        gone_run "c$p" "$work/s$p.log"
        all="$all $p=${GONE// /_}"
    done
    # shellcheck disable=SC2086
    gone_judge "$kind" hvcat "$ours" $all

    pylisten sw close "$kind"
    feed cw
    ops "$kind" "$WHERE"
    start cw "$work/cw.in" /dev/null $CAT --wait-stdin "${OPS[@]}"
    gone_wait cw "$work/sw.log"
}

gone_listener() {
    local kind=$1 p ours all="" where k closed t
    need "$kind"
    for k in "" -k; do
        reader "l$k"
        feed "l$k"
        ourlisten "l$k" "$work/l$k.in" "$work/l$k.pipe" "$kind" $k
        pyconnect "c$k" close "$kind" "$WHERE"
        if [ -z "$k" ]; then
            gone_run "l$k" "$work/c$k.log"
            ours=$GONE
        else
            # -k: the session ends, the listener stays
            closed=$(event_at "$work/c$k.log" closed 5) || fail "the peer did not close"
            wait_for "$work/l$k.err" Closed 3 || fail "hvlisten -k: the session did not end"
            now t
            note "hvlisten -k: the session ended at most $((t - closed)) ms after the peer's close"
            in_time "hvlisten -k, the session's end" $((t - closed)) $((DEADLINE + 100))
            running "l$k" || fail "hvlisten -k ended"
        fi
        line_at "l$k" data 1 >/dev/null || fail "hvlisten${k:+ $k}: the reader got no data"
    done
    for p in $(peers); do
        where=$(peer_where "$kind" "l$p")
        peer_cmd "$p" listen "$kind" "$where"
        reader "l$p"
        feed "l$p"
        start "l$p" "$work/l$p.in" "$work/l$p.pipe" "${PCMD[@]}"
        pyconnect "c$p" close "$kind" "$where"
        gone_run "l$p" "$work/c$p.log"
        all="$all $p=${GONE// /_}"
    done
    # shellcheck disable=SC2086
    gone_judge "$kind" hvlisten "$ours" $all

    feed lw
    ourlisten lw "$work/lw.in" /dev/null "$kind" --wait-stdin
    pyconnect cw close "$kind" "$WHERE"
    gone_wait lw "$work/cw.log"
}

case_gone_hvcat_tcp() { gone_client tcp; }
case_gone_hvcat_unix() { gone_client unix; }
case_gone_hvlisten_tcp() { gone_listener tcp; }
case_gone_hvlisten_unix() { gone_listener unix; }

# halfclose_check NAME WHAT LOG: the peer (log LOG) sent "data",
# half-closed and reads on: the reader of NAME (WHAT: which tool) gets the
# data and its EOF, NAME still runs 1.5 s after the half-close, and "late"
# written to its stdin then reaches the peer; stdin's EOF ends NAME 0
halfclose_check() {
    local n=$1 what=$2 log=$3 shut
    shut=$(event_at "$log" shut 5) || fail "$what: the peer did not half-close"
    line_at "$n" data 3 >/dev/null || fail "$what: the reader got no data"
    line_at "$n" EOF 3 >/dev/null || fail "$what: the reader saw no EOF"
    ! end_at "$n" 1 || fail "$what ended (exit $END_RC) at the peer's half-close"
    e2e_lib_poll 2 eval "[ \$(since $shut) -ge 1500 ]"
    running "$n" || fail "$what ended at the peer's half-close"
    go "$n" late
    wait_for "$log" '^got [0-9]* late$' 3 || fail "$what: stdin's line did not reach the peer"
    wait_for "$log" '^eof ' 3 || fail "$what: the peer saw no EOF"
    end_at "$n" 3 || fail "$what: still runs after its stdin's EOF"
    [ "$END_RC" = 0 ] || fail "$what: exit $END_RC"
}

case_halfclose_unix() {
    need unix
    pylisten s halfclose unix
    reader c
    feed c
    ops unix "$WHERE"
    start c "$work/c.in" "$work/c.pipe" $CAT "${OPS[@]}"
    halfclose_check c hvcat "$work/s.log"

    reader l
    feed l
    ourlisten l "$work/l.in" "$work/l.pipe" unix
    pyconnect p halfclose unix "$WHERE"
    halfclose_check l hvlisten "$work/p.log"
}

# ------------------------------------------------ 4. one connection, one listener

# second KIND: a listener without -k (stdio, -e, --to) serving a client that
# stays refuses the next at once (hvcat: 69 within 1 s); with -k the next
# is served
second() {
    local kind=$1 mode n far t echo=cat
    need "$kind"
    # the far end of --to, an echo service: over TCP relay/peer.py's (under
    # Wine also -e's, through our hvcat: cmd.exe has no cat), over unix
    # hvlisten -k -e cat
    if [ "$kind" = tcp ]; then
        python3 "$(dirname "$0")/../relay/peer.py" echo "$work/far.port" 2>"$work/far.pyerr" &
        pids="$pids $!"
        wait_size "$work/far.port" 2 30 || fail "the echo service did not start"
        far=127.0.0.1:$(cat "$work/far.port")
        [ -z "$HV_EMU" ] || echo="$(win_tool hvcat) -t 127.0.0.1 ${far#*:}"
    else
        ourlisten far /dev/null /dev/null unix -k -e cat
        far=$WHERE
    fi
    for mode in stdio exec to; do
        n=$mode
        set --
        case $mode in
        exec) set -- -e "$echo" ;;
        to) set -- --to "$kind:$far" ;;
        esac
        feed "$n"
        ourlisten "$n" "$work/$n.in" /dev/null "$kind" "$@"
        pyconnect "c$n" greet "$kind" "$WHERE"
        accepted "$n"
        ops "$kind" "$WHERE"
        start "2$n" /dev/null /dev/null $CAT "${OPS[@]}"
        end_at "2$n" 3 || fail "$mode: the second client still runs after 3 s"
        t=$((END_MS - STARTED))
        note "$mode without -k: the second client ended $t ms after its start, exit $END_RC"
        [ "$END_RC" = 69 ] || fail "$mode: the second client exit $END_RC, expected 69: $(cat "$work/2$n.err")"
        in_time "$mode: the second client's refusal" "$t" $((DEADLINE + START_SLACK))
        running "$n" || fail "$mode: the listener ended while serving its client"

        # (stdin at its EOF: the first session ends at its client's close
        # without the gone-peer rule)
        n=k$mode
        ourlisten "$n" /dev/null "$work/$n.out" "$kind" -k "$@"
        pyconnect "c$n" greet "$kind" "$WHERE"
        accepted "$n"
        printf 'second\n' >"$work/second"
        ops "$kind" "$WHERE"
        start "2$n" "$work/second" "$work/2$n.out" $CAT -v "${OPS[@]}"
        if [ "$mode" = stdio ]; then
            # one session at a time: the second is served once the first
            # has gone (the second stays: it half-closed, and over unix a
            # half-close does not end a session)
            wait_for "$work/2$n.err" "Connected to" 3 || fail "$mode -k: the second client did not connect"
            stop "c$n"
            wait_for "$work/$n.out" '^second$' 3 || fail "$mode -k: the second client was not served"
            running "$n" || fail "$mode -k: the listener ended"
        else
            end_at "2$n" 5 || fail "$mode -k: the second client was not served"
            grep -qx second "$work/2$n.out" || fail "$mode -k: the second client got no echo"
            [ "$END_RC" = 0 ] || fail "$mode -k: the second client exit $END_RC"
        fi
    done
}

case_second_tcp() { second tcp; }
case_second_unix() { second unix; }

# ------------------------------------------------------------ 5. exit codes

# to_missing ADDR: hvlisten --to ADDR, where nothing listens: it reports
# ADDR, its client's connection ends (its reader sees the EOF; the client's
# stdin at its EOF, so that no gone-peer rule is needed), without -k it
# exits 69, with -k it serves the next client alike
to_missing() {
    local to=$1 k n
    for k in "" -k; do
        n=l$k
        ourlisten "$n" /dev/null /dev/null tcp $k --to "$to"
        reader "c$k"
        ops tcp "$WHERE"
        start "c$k" /dev/null "$work/c$k.pipe" $CAT "${OPS[@]}"
        line_at "c$k" EOF 3 >/dev/null || fail "--to $to${k:+ $k}: the client's reader saw no EOF"
        end_at "c$k" 3 || fail "--to $to${k:+ $k}: the client still runs"
        note "--to $to${k:+ $k}: the client exit $END_RC"
        wait_for "$work/$n.err" "${to#*:}" 3 || fail "--to $to${k:+ $k}: no report naming it: $(cat "$work/$n.err")"
        if [ -z "$k" ]; then
            end_at "$n" 3 || fail "--to $to: the listener still runs"
            [ "$END_RC" = 69 ] || fail "--to $to: the listener exit $END_RC, expected 69"
        else
            running "$n" || fail "--to $to -k: the listener ended"
            ops tcp "$WHERE"
            start "d$k" /dev/null /dev/null $CAT "${OPS[@]}"
            end_at "d$k" 3 || fail "--to $to -k: the next client still runs"
        fi
    done
}

case_exit_unix_missing() {
    need unix
    local rc
    $CAT -U /nonexistent/path </dev/null >/dev/null 2>"$work/u.err"
    rc=$?
    [ "$rc" = 69 ] || fail "hvcat -U /nonexistent/path: exit $rc, expected 69"
    grep -q /nonexistent/path "$work/u.err" || fail "the message does not name the path: $(cat "$work/u.err")"
    to_missing unix:/nonexistent/x.sock
}

case_exit_to_refused() {
    to_missing "tcp:127.0.0.1:$(free_port)"
}

declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
