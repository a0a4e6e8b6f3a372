#!/bin/bash
# unixsock cases: the socket file of hvlisten -U, on
# Linux: --unix-mode applied exactly or refused, the mode never set through
# a file swapped in at the path, a stale file replaced, a second listener
# refused without touching the first, the messages for a file that is no
# socket and a missing directory, and the file removed at the end only
# while it is still ours. One case per run: cases.sh NAME; each case is a
# function case_NAME (CMake reads the names from this file). Environment:
# HVCAT, HVLISTEN (the tools).
. "$(dirname "$0")/../lib/e2e-lib.sh"
CAT=$CLIENT
LISTEN=$SERVER

# listener NAME STDIN ARGS...: hvlisten -v ARGS in the background, waited
# for until it listens; LPID
listener() {
    local name=$1 in=$2
    shift 2
    rm -f "$work/$name.err"
    $LISTEN -v "$@" <"$in" >"$work/$name.out" 2>"$work/$name.err" &
    LPID=$!
    pids="$pids $LPID"
    wait_for "$work/$name.err" "Listening on" 30 || fail "$name never listened"
}

# refused EXIT TEXT ARGS...: hvlisten ARGS ends at once with EXIT, and the
# first line of its stderr holds TEXT
refused() {
    local want=$1 text=$2 rc=0
    shift 2
    timeout 10 $LISTEN "$@" </dev/null >"$work/r.out" 2>"$work/r.err" || rc=$?
    [ "$rc" = "$want" ] || fail "hvlisten $*: exit $rc, expected $want: $(cat "$work/r.err")"
    head -n 1 "$work/r.err" | grep -qF -- "$text" ||
        fail "hvlisten $*: '$(head -n 1 "$work/r.err")' lacks '$text'"
}

# only FILE...: the directory $work/d holds exactly these names (no private
# directory or lock left behind)
only() {
    local got want
    got=$(cd "$work/d" && ls -A | sort | tr '\n' ' ')
    want=
    [ $# = 0 ] || want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
    [ "$got" = "$want" ] || fail "$work/d holds '$got', expected '$want'"
}

# one_session NAME: a client sends a line to the listener NAME (LPID,
# without -k) and gets what NAME had on stdin; NAME ends 0 with the line
one_session() {
    local rc
    echo "from the client" | $CAT -U "$P" >"$work/c.out" 2>"$work/c.err" ||
        fail "client of $1: $(cat "$work/c.err")"
    [ "$(cat "$work/c.out")" = "$(cat "$work/$1.in")" ] || fail "client of $1 got '$(cat "$work/c.out")'"
    wait_pid "$LPID" 10 rc || fail "$1 did not end"
    [ "$rc" = 0 ] || fail "$1 exit $rc"
    [ "$(cat "$work/$1.out")" = "from the client" ] || fail "$1 got '$(cat "$work/$1.out")'"
}

# stop_listener: SIGTERM to LPID, and its end (130-class: 143)
stop_listener() {
    local rc
    kill -TERM "$LPID"
    wait_pid "$LPID" 10 rc || fail "listener did not end on SIGTERM"
    [ "$rc" = 143 ] || fail "listener ended $rc on SIGTERM, expected 143"
}

mkdir "$work/d"
P=$work/d/s.sock

case_mode_exact() {
    # every mode as given, whatever the umask; none given: the umask's
    local m want
    for m in 000 0 600 0640 777 0777 1 070; do
        want=$(printf '%o' "$((8#$m))")
        listener l /dev/null -U "$P" --unix-mode "$m"
        [ "$(stat -c %a "$P")" = "$want" ] ||
            fail "--unix-mode $m: mode $(stat -c %a "$P"), expected $want"
        [ -S "$P" ] || fail "--unix-mode $m: $P is no socket"
        stop_listener
        only
    done
    for m in 000 022 077 777; do
        (umask "$m" && exec $LISTEN -v -U "$P" --unix-mode 640 </dev/null >/dev/null 2>"$work/u.err") &
        LPID=$!
        pids="$pids $LPID"
        wait_for "$work/u.err" "Listening on" 30 || fail "umask $m: never listened"
        [ "$(stat -c %a "$P")" = 640 ] || fail "umask $m: mode $(stat -c %a "$P"), expected 640"
        stop_listener
        rm -f "$work/u.err"
        (umask "$m" && exec $LISTEN -v -U "$P" </dev/null >/dev/null 2>"$work/u.err") &
        LPID=$!
        pids="$pids $LPID"
        wait_for "$work/u.err" "Listening on" 30 || fail "umask $m: never listened"
        want=$(printf '%o' "$((8#777 & ~8#$m))")
        [ "$(stat -c %a "$P")" = "$want" ] ||
            fail "umask $m, no --unix-mode: mode $(stat -c %a "$P"), expected $want"
        stop_listener
        rm -f "$work/u.err"
    done
    only
    # the mode given is the mode a client meets: 600 serves its owner
    listener l /dev/null -U "$P" --unix-mode 600
    echo hello | $CAT -U "$P" >/dev/null 2>"$work/c.err" || fail "client of a 600 socket: $(cat "$work/c.err")"
}

case_mode_refused() {
    # not octal, or beyond 777 (a setuid, setgid or sticky bit): 65, and
    # nothing made at the path
    local m
    for m in 1000 8 abc '' 0800 7777 00000 -1 ' 600' 6o0; do
        refused 65 "--unix-mode '$m': expected octal permissions from 000 to 777" \
            -U "$P" --unix-mode "$m"
    done
    only
}

case_symlink_race() {
    # A swapper puts a symlink to a file of ours at the path, removes it,
    # and again, as fast as it can, while listeners with --unix-mode 777
    # start there: the file keeps its mode in every try (the mode is given
    # where no one can swap anything, and link(2) replaces nothing). The
    # tools that did chmod by path after bind lost within 200
    # tries in each of 6 runs.
    local target=$work/target i line listened=0 swapper
    echo secret >"$target"
    chmod 600 "$target"
    mkfifo "$work/fifo"
    python3 - "$P" "$target" "$work/stop" <<'EOF' &
import os, sys
p, target, stop = sys.argv[1:4]
n = 0
while True:
    n += 1
    if n % 1000 == 0 and os.path.exists(stop):
        break
    try:
        os.unlink(p)
    except OSError:
        pass
    try:
        os.symlink(target, p)
    except OSError:
        pass
EOF
    swapper=$!
    pids="$pids $swapper"
    for ((i = 0; i < 600; i++)); do
        $LISTEN -v -U "$P" --unix-mode 777 </dev/null >/dev/null 2>"$work/fifo" &
        LPID=$!
        line=
        read -r line <"$work/fifo"
        kill -TERM "$LPID" 2>/dev/null
        wait "$LPID" 2>/dev/null
        case $line in *"Listening on"*) listened=$((listened + 1)) ;; esac
        echo "$line" >>"$work/lines"
        [ "$(stat -c %a "$target")" = 600 ] ||
            fail "try $i: the symlink's target went to mode $(stat -c %a "$target") ($line)"
        [ "$(cat "$target")" = secret ] || fail "try $i: the target changed"
    done
    touch "$work/stop"
    wait "$swapper"
    [ "$listened" -gt 0 ] || fail "no try got as far as its bind: nothing raced"
    echo "600 tries, $listened listened, the target kept mode 600; the first lines:"
    sed "s|$P|PATH|" "$work/lines" | sort | uniq -c
    rm -f "$P"
    only
}

case_stale_replaced() {
    # a listener killed with SIGKILL leaves its socket file (and lock): the
    # next one replaces it and serves
    listener old /dev/null -U "$P"
    kill -9 "$LPID"
    wait "$LPID" 2>/dev/null
    [ -S "$P" ] || fail "the killed listener left no socket file"
    printf 'from the new listener\n' >"$work/new.in"
    listener new "$work/new.in" -U "$P"
    one_session new
    only
}

# second_listener ARGS...: a first listener with ARGS serves; a second on
# the same path exits 69 at once, and the first has taken no connection
second_listener() {
    printf 'from the first\n' >"$work/first.in"
    listener first "$work/first.in" -U "$P" "$@"
    refused 69 "listen unix:$P: in use by a running listener" -U "$P"
    refused 69 "in use by a running listener" -U "$P" -k -e cat
    kill -0 "$LPID" 2>/dev/null || fail "the first listener ended"
    if grep -q "Connection from" "$work/first.err"; then
        fail "the first listener took a probe for a client: $(cat "$work/first.err")"
    fi
}

case_second_listener() {
    # the first, without -k, still serves its one real client
    second_listener
    one_session first
    only
}

case_second_listener_keep() {
    second_listener -k -e cat
    echo "from the client" | $CAT -U "$P" >"$work/c.out" 2>"$work/c.err" ||
        fail "client of the first listener: $(cat "$work/c.err")"
    [ "$(cat "$work/c.out")" = "from the client" ] || fail "client got '$(cat "$work/c.out")'"
    # and again: it keeps serving, and the path is still refused
    refused 69 "in use by a running listener" -U "$P"
    echo "again" | $CAT -U "$P" >"$work/c.out" 2>"$work/c.err" || fail "second client: $(cat "$work/c.err")"
    [ "$(cat "$work/c.out")" = again ] || fail "second client got '$(cat "$work/c.out")'"
    stop_listener
    only
    # once it ended, the path is free again
    listener l /dev/null -U "$P"
}

case_foreign_listener() {
    # a live socket of another program at the path (no lock of ours):
    # probed with a connect, it answers, so the path is in use
    python3 - "$P" "$work/ready" <<'EOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
open(sys.argv[2], "w").close()
time.sleep(60)
EOF
    pids="$pids $!"
    e2e_lib_poll 10 test -e "$work/ready" || fail "the foreign listener did not start"
    refused 69 "in use by a running listener" -U "$P"
    [ -S "$P" ] || fail "the foreign socket file was removed"
}

case_regular_file() {
    # a file that is no socket stays, named as such: 74, as any socket
    # file that cannot be made
    echo keep >"$P"
    refused 74 "listen unix:$P: not a socket file (a file of another kind is at that path)" -U "$P"
    [ "$(cat "$P")" = keep ] || fail "the file changed"
    mkdir "$work/d/dir.sock"
    refused 74 "not a socket file" -U "$work/d/dir.sock"
    ln -s "$work/nowhere" "$work/d/link.sock"
    refused 74 "not a socket file" -U "$work/d/link.sock"
    [ -d "$work/d/dir.sock" ] && [ -L "$work/d/link.sock" ] || fail "a file at the path was touched"
    only s.sock dir.sock link.sock
}

case_missing_dir() {
    # a directory of the path missing, or no directory: 74, named as such
    refused 74 "listen unix:$work/d/none/s.sock: no such file or directory (no such directory)" \
        -U "$work/d/none/s.sock"
    echo x >"$work/d/file"
    refused 74 "no such file or directory (no such directory)" -U "$work/d/file/s.sock"
    only file
}

case_removed_if_ours() {
    # at the end the socket file goes, and its lock ...
    listener l /dev/null -U "$P"
    [ -S "$P" ] && [ -f "$P.lock" ] || fail "no socket file and lock: $(ls -A "$work/d")"
    stop_listener
    only
    # ... but a file swapped in at the path meanwhile stays
    listener l /dev/null -U "$P"
    mv "$P" "$work/d/moved.sock"
    echo "not yours" >"$P"
    stop_listener
    [ "$(cat "$P")" = "not yours" ] || fail "the file swapped in was removed or changed"
    rm "$P" "$work/d/moved.sock"
    only
    # another socket swapped in stays too (same owner, another inode)
    listener l /dev/null -U "$P"
    mv "$P" "$work/d/moved.sock"
    python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$P"
    stop_listener
    [ -S "$P" ] || fail "the socket swapped in was removed"
    rm "$P" "$work/d/moved.sock"
    only
}

case_long_path() {
    # a path too long for the private directory's name in sun_path (bound
    # there after a moment's chdir) works alike
    local dir=$work/d name rc
    name=$(printf 'x%.0s' $(seq 1 $((105 - ${#dir} - 1))))
    P=$dir/$name
    [ "${#P}" = 105 ] || fail "path length ${#P}"
    printf 'long\n' >"$work/l.in"
    listener l "$work/l.in" -U "$P" --unix-mode 604
    [ "$(stat -c %a "$P")" = 604 ] || fail "mode $(stat -c %a "$P")"
    one_session l
    only
    # a relative path of 100 characters, from its directory: the working
    # directory is the caller's again afterwards (-e's command runs there)
    name=$(printf 'y%.0s' $(seq 1 100))
    (cd "$dir" && exec $LISTEN -v -U "$name" --unix-mode 600 -e pwd </dev/null >/dev/null 2>"$work/rel.err") &
    LPID=$!
    pids="$pids $LPID"
    wait_for "$work/rel.err" "Listening on" 30 || fail "relative: never listened: $(cat "$work/rel.err")"
    [ "$(stat -c %a "$dir/$name")" = 600 ] || fail "relative: mode $(stat -c %a "$dir/$name")"
    [ "$(cd "$dir" && $CAT -U "$name" </dev/null)" = "$dir" ] || fail "-e's command ran elsewhere"
    wait_pid "$LPID" 10 rc || fail "relative: listener did not end"
    [ "$rc" = 0 ] || fail "relative: listener exit $rc"
    only
}

[ "$(uname -s)" = Linux ] || skip "Linux only"
command -v python3 >/dev/null || skip "no python3"
"case_$1"
