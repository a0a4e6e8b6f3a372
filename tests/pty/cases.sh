#!/bin/bash
# -e --pty and hvcat --raw over TCP loopback and unix sockets: the command
# on a pseudo-terminal (tty, stty size, TERM, exit status, output drained),
# socat's EXEC:...,pty,setsid,ctty beside it, and a real terminal driven
# through tmux for --raw (Ctrl+C reaches the remote command, ~. exits 0,
# the local terminal's modes are the same before and after, a listener
# killed with -9). One case per run: cases.sh NAME. Environment: HVCAT,
# HVLISTEN, HV_EMU (wine for the Windows build).
. "$(dirname "$0")/../lib/e2e-lib.sh"

free_port() {
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# listen ARGS...: the listener in the background (LPID), ready to accept
listen() {
    $SERVER -v "$@" >"$work/l.out" 2>"$work/l.err" &
    LPID=$!
    pids="$pids $LPID"
    wait_for "$work/l.err" "Listening on" 20 || fail "listener did not start"
}

# addr KIND: the operands for TCP (a fresh port) or a unix socket
addr() {
    if [ "$1" = unix ]; then
        echo "-U $work/sock"
    else
        echo "-t 127.0.0.1 $(free_port)"
    fi
}

need_posix() {
    [ -z "$HV_EMU" ] || skip "a POSIX pseudo-terminal (Windows: the wine cases)"
}

# the command's view of its terminal, the exit status, over KIND
pty_view() {
    local a rc
    need_posix
    a=$(addr "$1")
    # shellcheck disable=SC2086
    listen $a --pty --pty-size 100x30 --pty-term vt220 \
        -e 'tty; stty size; echo "T=$TERM"; [ -t 0 ] && echo in-tty; exit 3'
    # shellcheck disable=SC2086
    $CLIENT $a </dev/null >"$work/c.out" 2>"$work/c.err"
    rc=$?
    [ $rc = 0 ] || fail "client exit $rc"
    wait_pid "$LPID" 20 rc || fail "listener still running"
    tr -d '\r' <"$work/c.out" >"$work/view"
    grep -qx '/dev/pts/[0-9]*' "$work/view" || fail "tty: $(cat "$work/view")"
    grep -qx '30 100' "$work/view" || fail "stty size: $(cat "$work/view")"
    grep -qx 'T=vt220' "$work/view" || fail "TERM: $(cat "$work/view")"
    grep -qx 'in-tty' "$work/view" || fail "stdin no terminal"
    [ $rc = 74 ] || fail "listener exit $rc, expected 74 (status 3)"
    grep -q "exited with status 3" "$work/l.err" || fail "no status line"
}
case_view_tcp() { pty_view tcp; }
case_view_unix() { pty_view unix; }

case_session_leader() {
    # the command leads a session of its own whose controlling terminal is
    # the pty, as socat's EXEC:...,pty,setsid,ctty gives it
    local a port
    need_posix
    cat >"$work/leader.sh" <<'EOS'
tty >/dev/null && [ "$(ps -o sid= -p $$ | tr -d ' ')" = $$ ] &&
    [ "$(ps -o tty= -p $$)" != "?" ] && echo leader
EOS
    a=$(addr tcp)
    # shellcheck disable=SC2086
    listen $a --pty -e "exec sh $work/leader.sh"
    # shellcheck disable=SC2086
    $CLIENT $a </dev/null >"$work/c.out" 2>"$work/c.err"
    grep -q leader "$work/c.out" || fail "hvlisten: $(cat "$work/c.out")"
    command -v socat >/dev/null || skip "no socat to compare with"
    port=$(free_port)
    socat TCP-LISTEN:"$port",bind=127.0.0.1,reuseaddr EXEC:"sh $work/leader.sh",pty,setsid,ctty 2>"$work/s.err" &
    pids="$pids $!"
    sleep 0.5
    $CLIENT -t 127.0.0.1 "$port" </dev/null >"$work/s.out" 2>>"$work/s.err"
    grep -q leader "$work/s.out" || fail "socat: $(cat "$work/s.out")"
}

case_drain() {
    # what the command wrote just before exiting all reaches the client
    local a rc
    need_posix
    a=$(addr tcp)
    # shellcheck disable=SC2086
    listen $a --pty -e 'seq 1 200000'
    # shellcheck disable=SC2086
    $CLIENT $a </dev/null >"$work/c.out" 2>"$work/c.err"
    rc=$?
    [ $rc = 0 ] || fail "client exit $rc"
    seq 1 200000 >"$work/want"
    tr -d '\r' <"$work/c.out" | cmp -s - "$work/want" || fail "output differs ($(wc -c <"$work/c.out") bytes)"
    wait_pid "$LPID" 20 rc || fail "listener still running"
    [ $rc = 0 ] || fail "listener exit $rc"
}

case_hvcat_exec() {
    # hvcat -e --pty: the command's terminal output to the listener, its
    # status as hvcat's (74 for status 6)
    local a rc
    need_posix
    # a unix socket: the listener's half-close (-d) is no complete close,
    # so the command's session runs to its end
    a=$(addr unix)
    # shellcheck disable=SC2086
    $SERVER -v -d $a </dev/null >"$work/l.out" 2>"$work/l.err" &
    LPID=$!
    pids="$pids $LPID"
    wait_for "$work/l.err" "Listening on" 20 || fail "listener did not start"
    # shellcheck disable=SC2086
    $CLIENT $a --pty --pty-size 90x20 -e 'stty size; seq 1 50000; exit 6' \
        </dev/null 2>"$work/c.err"
    rc=$?
    [ $rc = 74 ] || fail "exit $rc, expected 74"
    grep -q "exited with status 6" "$work/c.err" || fail "no status line"
    wait_pid "$LPID" 20 rc || fail "listener still running"
    { echo "20 90"; seq 1 50000; } >"$work/want"
    tr -d '\r' <"$work/l.out" | cmp -s - "$work/want" || fail "output differs"
}

case_script_piped() {
    # a script through a pipe to a shell on the pty: its output, then the
    # shell's exit ends the session with that status
    local a rc
    need_posix
    a=$(addr unix)
    # shellcheck disable=SC2086
    listen $a --pty -e 'sh'
    # shellcheck disable=SC2086
    printf 'echo sum $((40 + 2))\nsleep 1; echo late\nexit 5\n' |
        $CLIENT $a >"$work/c.out" 2>"$work/c.err"
    rc=$?
    [ $rc = 0 ] || fail "client exit $rc"
    tr -d '\r' <"$work/c.out" >"$work/o"
    # (each output line follows the shell's prompt)
    grep -q 'sum 42$' "$work/o" || fail "no sum: $(cat "$work/o")"
    grep -q 'late$' "$work/o" || fail "no late line: $(cat "$work/o")"
    wait_pid "$LPID" 20 rc || fail "listener still running"
    grep -q "exited with status 5" "$work/l.err" || fail "status: $(cat "$work/l.err")"
}

case_bad_options() {
    # --pty needs -e; --raw needs a terminal; bad sizes and terms
    local rc
    $CLIENT --pty -t 127.0.0.1 1 </dev/null 2>"$work/e1"; rc=$?
    [ $rc = 64 ] || fail "--pty without -e: exit $rc"
    grep -q -- "--pty needs -e" "$work/e1" || fail "message: $(cat "$work/e1")"
    $CLIENT --raw -t 127.0.0.1 1 </dev/null 2>"$work/e2"; rc=$?
    [ $rc = 64 ] || fail "--raw without a terminal: exit $rc"
    grep -q -- "--raw needs a terminal" "$work/e2" || fail "message: $(cat "$work/e2")"
    $CLIENT --escape x -t 127.0.0.1 1 </dev/null 2>/dev/null; rc=$?
    [ $rc = 64 ] || fail "--escape without --raw: exit $rc"
    for s in 80 0x24 80x 80x70000 x; do
        $SERVER --pty --pty-size "$s" -e true -t 1 </dev/null 2>/dev/null; rc=$?
        [ $rc = 65 ] || fail "--pty-size $s: exit $rc"
    done
    $SERVER --pty --pty-term 'a b' -e true -t 1 </dev/null 2>/dev/null; rc=$?
    [ $rc = 65 ] || fail "--pty-term 'a b': exit $rc"
}

case_wine_pty_status() {
    # Windows (under Wine): -e --pty starts the command in a pseudo console
    # and reports its status (74 for 3). Its output is not checked: Wine 8
    # attaches the command to the pseudo console (WINEDEBUG=trace+process
    # shows the attribute taken, trace+console the conhost --headless), but
    # leaves the NULL standard handles of STARTF_USESTDHANDLES as they are,
    # so cmd.exe writes to handle 0 (WriteConsoleW(NULL, ...)) and nothing
    # reaches the console; without that flag it copies our own standard
    # handles into the command (the output then lands in hvlisten's
    # stdout), as Windows does for redirected ones, which is why the flag
    # is set. Windows gives a process
    # started with PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE the console's own
    # handles (CreatePseudoConsole, Remarks; "Creating a Pseudoconsole
    # session"): Wine's behaviour, not ours.
    local a rc
    [ -n "$HV_EMU" ] || skip "the Windows build's case (POSIX: view_*)"
    a=$(addr tcp)
    # shellcheck disable=SC2086
    listen $a --pty --pty-size 100x30 -e 'exit /b 3'
    # shellcheck disable=SC2086
    $CLIENT $a </dev/null >"$work/c.out" 2>"$work/c.err"
    rc=$?
    [ $rc = 0 ] || fail "client exit $rc"
    wait_pid "$LPID" 30 rc || fail "listener still running"
    if grep -q "not supported" "$work/l.err"; then
        skip "no CreatePseudoConsole in this Wine"
    fi
    [ $rc = 74 ] || fail "listener exit $rc, expected 74 (status 3)"
    grep -q "exited with status 3" "$work/l.err" || fail "no status line"
}

case_wine_term_control() {
    # Windows (under Wine): --term-control is not there yet: both tools
    # refuse it at the start (69), before they listen or connect
    local a rc
    [ -n "$HV_EMU" ] || skip "the Windows build's case (POSIX: ctl_*)"
    a=$(addr tcp)
    # shellcheck disable=SC2086
    $SERVER -v $a --pty --term-control -e 'exit /b 3' </dev/null \
        >"$work/l.out" 2>"$work/l.err"; rc=$?
    [ $rc = 69 ] || fail "hvlisten exit $rc: $(cat "$work/l.err")"
    grep -q "term-control: not supported" "$work/l.err" || fail "listener: $(cat "$work/l.err")"
    grep -q "Listening" "$work/l.err" && fail "it listened: $(cat "$work/l.err")"
    # shellcheck disable=SC2086
    $CLIENT -e 'exit /b 3' --pty --term-control $a </dev/null \
        >"$work/c.out" 2>"$work/c.err"; rc=$?
    [ $rc = 69 ] || fail "hvcat exit $rc: $(cat "$work/c.err")"
    grep -q "term-control: not supported" "$work/c.err" || fail "client: $(cat "$work/c.err")"
    return 0
}

# ---------------------------------------------------------------- tmux

# A private tmux server driving the client on a real terminal.
TM="tmux -L hvpty$$ -f /dev/null"
e2e_lib_at_exit() { $TM kill-server 2>/dev/null; }

pane() { $TM capture-pane -p -t hv 2>/dev/null; }
pane_has() { pane | grep -q -- "$1"; }
# wait_pane PATTERN: until the pane shows PATTERN (20 s)
wait_pane() { e2e_lib_poll 20 pane_has "$1" || fail "pane lacks '$1': $(pane)"; }
keys() { $TM send-keys -t hv "$@"; }

# raw_start KIND: a shell on a pty behind the listener, and on a tmux
# terminal hvcat --raw to it; the terminal's modes before in $work/before,
# after in $work/after, the client's status in $work/rc
# (RAW_LOPT, RAW_COPT: more options for the listener, the client; RAW_CMD
# another command than the shell; with RAW_NOWAIT set it does not wait
# for the prompt)
raw_start() {
    local a
    need_posix
    command -v tmux >/dev/null || skip "no tmux"
    a=$(addr "$1")
    RAW_ADDR=$a
    # shellcheck disable=SC2086
    listen $a --pty --pty-size 100x30 ${RAW_LOPT:-} \
        -e "${RAW_CMD:-PS1=\"rp> \" exec bash --norc -i}"
    cat >"$work/client.sh" <<EOS
stty -g >"$work/before"
$CLIENT --raw ${RAW_COPT:-} $a 2>"$work/c.err"
echo \$? >"$work/rc.tmp"; mv "$work/rc.tmp" "$work/rc"
stty -g >"$work/after"
echo CLIENT-DONE
exec sleep 300
EOS
    $TM new-session -d -s hv -x 120 -y 40 "bash --norc $work/client.sh" ||
        fail "tmux did not start"
    [ -n "${RAW_NOWAIT:-}" ] || wait_pane 'rp>'
}

# raw_done RC: the client exited RC and the terminal is as before
raw_done() {
    wait_size "$work/rc" 1 20 || fail "client still running: $(pane)"
    [ "$(cat "$work/rc")" = "$1" ] || fail "client exit $(cat "$work/rc"), expected $1"
    wait_pane CLIENT-DONE
    cmp -s "$work/before" "$work/after" ||
        fail "terminal modes differ: $(cat "$work/before") / $(cat "$work/after")"
}

raw_session() {
    raw_start "$1"
    keys 'tty' Enter
    wait_pane '^/dev/pts/[0-9]'
    keys 'stty size' Enter
    wait_pane '^30 100'
    # Ctrl+C ends the remote sleep; the client stays
    # (a length of its own: cases run side by side)
    keys "sleep 4711$$" Enter
    sleep 0.5
    keys C-c
    keys 'echo alive-$((6 * 7))' Enter
    wait_pane '^alive-42'
    pgrep -x -f "sleep 4711$$" >/dev/null && fail "the remote sleep still runs"
    # ~~ sends one ~ (the line starts after Enter)
    keys 'echo ' Enter '~~' 'x' Enter
    keys 'echo tilde:~~y' Enter
    wait_pane 'tilde:~~y'
    # ~. first on a line: exit 0, the terminal as before
    keys Enter '~.'
    raw_done 0
}
case_raw_tcp() { raw_session tcp; }
case_raw_unix() { raw_session unix; }

raw_killed() {
    raw_start "$1"
    keys 'tty' Enter
    wait_pane '^/dev/pts/[0-9]'
    kill -9 "$LPID"
    raw_done "$2"
}
# a listener killed with -9: its kernel closes the connection as for a
# clean end (a FIN, or a unix socket's EOF): the session ends with the
# peer, and the terminal is restored
case_raw_killed_tcp() { raw_killed tcp 0; }
case_raw_killed_unix() { raw_killed unix 0; }

case_raw_sigterm() {
    # SIGTERM while raw: the modes back, then ended by the signal (143)
    raw_start tcp
    # this case's client alone (its address), not another case's
    pkill -TERM -f -- "--raw $RAW_ADDR\$" || fail "no client to signal"
    raw_done 143
}

# ------------------------------------------------ --term-control

case_ctl_size() {
    # the remote terminal takes the client's size, at the start (tmux's
    # 120x40) and after a resize; the remote command's status is hvcat's,
    # and -v's last line says it
    RAW_LOPT=--term-control RAW_COPT="--term-control -v" raw_start tcp
    keys 'stty size' Enter
    wait_pane '^40 120'
    $TM resize-window -t hv -x 90 -y 25 || fail "tmux resize-window"
    # the prompt the resize brings back (SIGWINCH) is no proof: ask again
    e2e_lib_poll 20 size_is '25 90' || fail "no resize: $(pane)"
    keys 'exit 7' Enter
    raw_done 7
    grep -q "exited with status 7" "$work/l.err" || fail "listener: $(cat "$work/l.err")"
    grep -q "Closed: exit status 7" "$work/c.err" ||
        fail "client: $(cat "$work/c.err")"
}
size_is() {
    keys 'clear; stty size' Enter
    sleep 0.3
    pane_has "^$1"
}

case_ctl_killed() {
    # a listener killed with -9: no end message, so the session was lost
    # (74), said so, and the terminal is as before
    RAW_LOPT=--term-control RAW_COPT=--term-control raw_start unix
    keys 'tty' Enter
    wait_pane '^/dev/pts/[0-9]'
    kill -9 "$LPID"
    raw_done 74
    grep -q "connection lost before the remote command ended" "$work/c.err" ||
        fail "message: $(cat "$work/c.err")"
}

case_ctl_signal() {
    # the remote shell killed by a signal: 128 + its number
    RAW_LOPT=--term-control RAW_COPT=--term-control raw_start tcp
    keys 'kill -KILL $$' Enter
    raw_done 137
}

case_ctl_client_only() {
    # a client that asks for the protocol, a listener without it: refused
    # (65) before anything is sent to the remote shell (the listener's
    # dump of what came in is empty)
    RAW_LOPT="-o $work/in.dump" RAW_COPT=--term-control RAW_NOWAIT=1 \
        raw_start tcp
    raw_done 65
    grep -q "listener does not speak it" "$work/c.err" ||
        fail "message: $(cat "$work/c.err")"
    local rc
    wait_pid "$LPID" 20 rc || fail "listener still running"
    [ -e "$work/in.dump" ] || fail "the listener's dump is missing"
    grep -q 'hvsock-term-control' "$work/in.dump" &&
        fail "our hello reached the listener: $(od -c "$work/in.dump" | head)"
    return 0
}

case_ctl_listener_only() {
    # a listener that asks for it, a client without: the client's first
    # keystrokes are no hello: the listener says so and ends the session
    RAW_LOPT=--term-control RAW_NOWAIT=1 raw_start tcp
    # typed once the client is connected, in raw mode (a key typed before
    # is flushed with the terminal's old mode)
    wait_for "$work/l.err" "Connection from" 20 || fail "no connection"
    sleep 0.5
    keys 'x'
    wait_pane 'needs hvcat --raw --term-control'
    raw_done 0
    wait_for "$work/l.err" "client .*: --term-control: the client does not speak it" 20 ||
        fail "listener: $(cat "$work/l.err")"
    # said once, by hvlisten, and not as the command's status: the shell
    # never ran
    [ "$(grep -c "does not speak it" "$work/l.err")" = 1 ] ||
        fail "said more than once: $(cat "$work/l.err")"
    grep -q "exited with status" "$work/l.err" &&
        fail "told as the command's end: $(cat "$work/l.err")"
    # nothing of the hello showed: the first line is the message's
    pane | grep -q 'hvsock-term-control' && fail "hello shown: $(pane)"
    return 0
}

case_ctl_pipe() {
    # the remote shell killed by SIGPIPE (which hvlisten ignores): the
    # listener reports the signal, not "status 141"
    RAW_LOPT=--term-control RAW_COPT=--term-control raw_start unix
    keys 'kill -PIPE $$' Enter
    raw_done 141
    wait_for "$work/l.err" "killed by signal 13" 20 ||
        fail "listener: $(cat "$work/l.err")"
}

case_ctl_stop_hello() {
    # a SIGTERM while the client waits for a hello that does not come (a
    # listener without the protocol, its command silent): it ends by the
    # signal at once, not after the hello's 10 s, the terminal restored
    RAW_COPT=--term-control RAW_CMD="sleep 60" RAW_NOWAIT=1 raw_start tcp
    wait_for "$work/l.err" "Connection from" 20 || fail "no connection"
    sleep 0.5
    pkill -TERM -f -- "--raw --term-control $RAW_ADDR\$" ||
        fail "no client to signal"
    raw_done 143
    grep -q "within 10 s" "$work/c.err" && fail "waited: $(cat "$work/c.err")"
    return 0
}

case_ctl_stop_listener() {
    # a stopped listener ends the command of a session, also one that
    # ignores SIGHUP: its relay process forwards the SIGTERM to the
    # command's own session
    local rc
    RAW_LOPT=--term-control RAW_COPT=--term-control RAW_NOWAIT=1 \
        RAW_CMD="trap '' HUP; exec sleep 4712$$" raw_start unix
    e2e_lib_poll 20 pgrep -x -f "sleep 4712$$" >/dev/null ||
        fail "the remote sleep did not start: $(pane)"
    kill -TERM "$LPID"
    wait_pid "$LPID" 20 rc || fail "listener still running"
    e2e_lib_poll 20 no_proc "sleep 4712$$" || {
        pkill -KILL -x -f "sleep 4712$$"
        fail "the remote command outlived the listener"
    }
    raw_done 74
}
no_proc() { ! pgrep -x -f "$1" >/dev/null; }

case_ctl_no_size() {
    # a client that sends the hello and then nothing (no window size): the
    # listener gives up after the hello's 10 s, as for a missing hello,
    # and the command never starts
    local rc
    need_posix
    command -v python3 >/dev/null || skip "no python3"
    listen -U "$work/sock" --pty --term-control -e 'echo STARTED; sleep 60'
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
h = b"\033_hvsock-term-control;1\033\\"
got = b""
while len(got) < len(h):
    got += s.recv(len(h) - len(got))
s.sendall(h)
s.settimeout(40)
while True:
    b = s.recv(4096)
    if not b:
        break
    sys.stdout.buffer.write(b)
' "$work/sock" >"$work/c.out" 2>"$work/c.err" ||
        fail "client: $(cat "$work/c.err")"
    grep -q "needs hvcat --raw --term-control" "$work/c.out" ||
        fail "client got: $(cat "$work/c.out")"
    wait_pid "$LPID" 20 rc || fail "listener still running"
    grep -q "does not speak it" "$work/l.err" || fail "listener: $(cat "$work/l.err")"
    grep -q "exited with status" "$work/l.err" &&
        fail "told as the command's end: $(cat "$work/l.err")"
    grep -q STARTED "$work/c.out" && fail "the command started"
    return 0
}

# ctl_paste's client: python's pty module is hvcat's terminal; 2 MB of
# lines go in while everything that comes back is read, which must be
# each line 4 times (the remote terminal raw, sed printing each line 4
# times: more comes back than goes out); then ~. ends hvcat. Exit 0 when
# both hold; what it saw on stdout.
PASTE_PY='
import os, pty, sys, time, select
total = 2 * 1024 * 1024
line = b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_+\n"
data = (line * (total // len(line) + 1))[:total - 1] + b"\n"
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
os.set_blocking(fd, False)
got = b""
end = time.time() + 60
def pump(t):
    global got
    if select.select([fd], [], [], t)[0]:
        try:
            b = os.read(fd, 65536)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if not b:
            return False
        got += b
    return True
while b"READY" not in got and time.time() < end and pump(1):
    pass
if b"READY" not in got:
    print("no READY:", got[-200:]); sys.exit(2)
got = got[got.index(b"READY") + 5:].lstrip(b"\r\n")
want = b"".join(x * 4 for x in data.splitlines(True))
sent = 0
while len(got) < len(want) and time.time() < end:
    r, w, _ = select.select([fd], [fd] if sent < total else [], [], 1)
    if w:
        try:
            sent += os.write(fd, data[sent:sent + 8192])
        except BlockingIOError:
            pass
    if r and not pump(0):
        break
same = got[:len(want)] == want
print("sent", sent, "back", len(got), "same", same, flush=True)
try:
    os.write(fd, b"\r~.")
except BlockingIOError:
    pass
st = None
while time.time() < end + 20:
    if os.waitpid(pid, os.WNOHANG)[0]:
        st = 0
        break
    pump(0.2)
print("hvcat", "ended" if st == 0 else "still running", flush=True)
if st is None:
    os.kill(pid, 9)
sys.exit(0 if same and st == 0 else 1)
'

case_ctl_paste() {
    # 2 MB pasted through the protocol while the command answers with 4
    # times as much: neither end may stop reading while its sending waits
    # (both blocked in a send was a deadlock); every byte comes back, in
    # order
    local a
    need_posix
    a=$(addr unix)
    # shellcheck disable=SC2086
    listen $a --pty --term-control \
        -e "stty raw -echo && echo READY && exec sed -u 'p;p;p'"
    # shellcheck disable=SC2086
    python3 -c "$PASTE_PY" $CLIENT --raw --term-control $a \
        >"$work/paste" 2>&1 || fail "paste: $(cat "$work/paste")"
    grep -q "sent 2097152 back 8388608 same True" "$work/paste" ||
        fail "paste: $(cat "$work/paste")"
}

case_ctl_bad_options() {
    local rc
    $SERVER --term-control -e true -t 1 </dev/null 2>"$work/e1"; rc=$?
    [ $rc = 64 ] || fail "hvlisten --term-control without --pty: exit $rc"
    grep -q -- "--term-control needs --pty" "$work/e1" || fail "message: $(cat "$work/e1")"
    $CLIENT --term-control -t 127.0.0.1 1 </dev/null 2>"$work/e2"; rc=$?
    [ $rc = 64 ] || fail "hvcat --term-control alone: exit $rc"
    grep -q -- "--term-control needs --raw or --pty" "$work/e2" || fail "message: $(cat "$work/e2")"
    # the dump would hold frames: refused in every form
    for a in "--raw -o $work/d" "-e cat --pty -x $work/d"; do
        # shellcheck disable=SC2086
        $CLIENT --term-control $a -t 127.0.0.1 1 </dev/null 2>"$work/e3"; rc=$?
        [ $rc = 64 ] || fail "hvcat --term-control $a: exit $rc"
        grep -q -- "cannot use --term-control with -o or -x" "$work/e3" ||
            fail "message: $(cat "$work/e3")"
    done
    $SERVER --pty --term-control -o "$work/d" -e true -t 1 </dev/null 2>"$work/e4"; rc=$?
    [ $rc = 64 ] || fail "hvlisten --term-control -o: exit $rc"
    grep -q -- "cannot use --term-control with -o or -x" "$work/e4" ||
        fail "message: $(cat "$work/e4")"
    [ -e "$work/d" ] && fail "a dump was made"
    # the session's own loop has no relay options
    for a in "-i 5" "-q 1" --progress --no-shutdown; do
        # shellcheck disable=SC2086
        $CLIENT --raw --term-control $a -t 127.0.0.1 1 </dev/null 2>"$work/e5"; rc=$?
        [ $rc = 64 ] || fail "hvcat --raw --term-control $a: exit $rc"
        grep -q -- "cannot use --term-control --raw with ${a% *}" "$work/e5" ||
            fail "message: $(cat "$work/e5")"
    done
}

# ------------------------------------------- a terminal stopped (Ctrl+S)

# stopped MODE: a terminal that stops taking output mid-stream (tcflow
# TCOOFF, nothing reading it) as the stdout of the tool that writes to it
# stalls nothing else: a line on its stdin still reaches the peer, and
# all of the output arrives once the terminal resumes (tests/pty/stopped.py)
stopped() {
    local rc=0
    need_posix
    python3 "$(dirname "$0")/stopped.py" "$1" "$work" 2>"$work/py.err" || rc=$?
    [ $rc = 77 ] && skip "$(cat "$work/py.err")"
    [ $rc = 0 ] || fail "$(cat "$work/py.err")"
}
case_stopped_listener() { stopped listen; }
case_stopped_client() { stopped cat; }
case_stopped_client_fast() { stopped cat-fast; }

"case_$case_name"
