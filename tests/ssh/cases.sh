#!/bin/bash
# ssh cases: hvcat --fdpass as OpenSSH's ProxyCommand with ProxyUseFdpass
# yes, against a private sshd (host keys made here, a loopback port or
# inetd mode behind hvlisten -U -e): a command's output comes back exact,
# and while the session runs no hvcat process is left (ssh holds the
# connection itself). Also the refusals: stdout no unix socket, -e, -z.
# One case per run: cases.sh NAME. Environment: HVCAT, HVLISTEN; without
# sshd or ssh the cases skip, unless HV_VM_REQUIRED=1 (CI) makes that a
# failure.
. "$(dirname "$0")/../lib/e2e-lib.sh"

SSHD=/usr/sbin/sshd
need_ssh() {
    if [ -x "$SSHD" ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null; then
        return 0
    fi
    [ "${HV_VM_REQUIRED:-}" = 1 ] && fail "no OpenSSH (sshd, ssh): scripts/setup.sh installs it"
    skip "no OpenSSH (sshd, ssh)"
}

# sshd_config: host key, client key and a config in $work; sshd runs as
# the user running the test and lets only that user in, by that key.
# Running as root, sshd wants its privilege-separation directory, made at
# boot by the package's service (RuntimeDirectory=sshd).
sshd_config() {
    need_ssh
    ssh-keygen -q -t ed25519 -N '' -f "$work/host" || fail "ssh-keygen host"
    ssh-keygen -q -t ed25519 -N '' -f "$work/user" || fail "ssh-keygen user"
    cp "$work/user.pub" "$work/authorized"
    if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then
        mkdir -m 0755 /run/sshd || fail "cannot make /run/sshd"
    fi
    cat >"$work/sshd_config" <<EOC
ListenAddress 127.0.0.1
HostKey $work/host
AuthorizedKeysFile $work/authorized
PidFile none
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowUsers $(id -un)
LogLevel ERROR
EOC
    printf '[127.0.0.1]:*,* %s\n' "$(cut -d' ' -f1,2 "$work/host.pub")" >"$work/known"
}

# sshd_tcp: sshd -D on a free loopback port; SSHPORT
sshd_tcp() {
    local p
    for p in $(shuf -i 20000-60000 -n 20); do
        $SSHD -D -e -f "$work/sshd_config" -p "$p" 2>"$work/sshd.err" &
        SSHD_PID=$!
        pids="$pids $SSHD_PID"
        # listening, or gone (the port was taken)
        e2e_lib_poll 20 eval "! kill -0 $SSHD_PID 2>/dev/null || [ -n \"\$(tcp_socks local $p | grep '^0A')\" ]"
        if kill -0 "$SSHD_PID" 2>/dev/null; then
            SSHPORT=$p
            return 0
        fi
    done
    fail "sshd never listened: $(cat "$work/sshd.err")"
}

# session PROXY: ssh through ProxyCommand PROXY with ProxyUseFdpass runs
# a command that prints a line, then waits for one from its stdin (a
# fifo; ssh itself puts "exec" before PROXY); while it waits, no hvcat runs and ssh holds a socket of its own.
# Then the line goes in, and the whole output must be exact.
session() {
    local proxy=$1 rc p
    mkfifo "$work/in"
    ssh -F /dev/null -T -o BatchMode=yes -o IdentityFile="$work/user" \
        -o IdentitiesOnly=yes -o UserKnownHostsFile="$work/known" \
        -o StrictHostKeyChecking=yes -o ProxyUseFdpass=yes \
        -o ProxyCommand="$proxy" -p "${SSHPORT:-22}" "$(id -un)@127.0.0.1" \
        'echo "started $((6 * 7))"; read -r line; echo "got <$line>"; exit 3' \
        <"$work/in" >"$work/ssh.out" 2>"$work/ssh.err" &
    SSH_PID=$!
    pids="$pids $SSH_PID"
    exec 7>"$work/in"
    wait_for "$work/ssh.out" "started 42" 30 || fail "no output from ssh"
    # the proxy has ended: no child of ssh, and no hvcat of this case
    # (its --fdpass to this case's sshd) anywhere; other cases' hvcat
    # processes of the same build may run beside it
    [ -z "$(pgrep -P "$SSH_PID")" ] || fail "ssh still has a child: $(pgrep -a -P "$SSH_PID")"
    for p in $(pgrep -x hvcat); do
        [ "$(readlink "/proc/$p/exe")" = "$(readlink -f "$HVCAT")" ] || continue
        if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null |
            grep -qE -- "--fdpass .*(${SSHPORT:-none}|$work/s\.sock)( |\$)"; then
            fail "hvcat $p still runs during the session"
        fi
    done
    # ssh's own descriptors hold the connection (a socket)
    ls -l "/proc/$SSH_PID/fd" | grep -q 'socket:' || fail "ssh holds no socket"
    echo "hello over fdpass" >&7
    exec 7>&-
    wait_pid "$SSH_PID" 30 rc || fail "ssh did not end"
    [ "$rc" = 3 ] || fail "ssh exit $rc, expected the command's 3: $(cat "$work/ssh.err")"
    printf 'started 42\ngot <hello over fdpass>\n' >"$work/want"
    same "$work/ssh.out" "$work/want" "ssh output"
}

case_tcp() {
    sshd_config
    sshd_tcp
    session "$HVCAT --fdpass -t %h %p"
}

case_unix() {
    # sshd in inetd mode on each connection of a unix socket: hvlisten -e
    # gives it the connection as its stdin and stdout
    sshd_config
    $SERVER -v -k -U "$work/s.sock" -e "$SSHD -i -e -f $work/sshd_config" \
        </dev/null >"$work/l.out" 2>"$work/l.err" &
    pids="$pids $!"
    wait_for "$work/l.err" "Listening on" 30 || fail "hvlisten never listened"
    session "$HVCAT --fdpass -U $work/s.sock"
}

case_not_socket() {
    # stdout a pipe, a file: a usage error before any connect
    local rc=0
    { $CLIENT --fdpass -t 127.0.0.1 9 </dev/null 2>"$work/e.err"; echo $? >"$work/rc"; } | cat
    rc=$(cat "$work/rc")
    [ "$rc" = 64 ] || fail "exit $rc with stdout a pipe, expected 64"
    head -n 1 "$work/e.err" | grep -qx "hvcat: --fdpass: stdout is not a unix socket" ||
        fail "message: $(head -n 1 "$work/e.err")"
    rc=0
    $CLIENT --fdpass -t 127.0.0.1 9 </dev/null >"$work/f" 2>"$work/e.err" || rc=$?
    [ "$rc" = 64 ] || fail "exit $rc with stdout a file, expected 64"
    [ ! -s "$work/f" ] || fail "bytes written to the file"
}

case_not_with() {
    local rc
    for a in "-z" "-e true"; do
        rc=0
        # shellcheck disable=SC2086
        $CLIENT --fdpass $a -t 127.0.0.1 9 </dev/null >/dev/null 2>"$work/e.err" || rc=$?
        [ "$rc" = 64 ] || fail "--fdpass $a: exit $rc, expected 64"
        grep -q "cannot use --fdpass with -e or -z" "$work/e.err" || fail "--fdpass $a: $(cat "$work/e.err")"
    done
}

case_refused() {
    # nothing listens: the connect's error and exit code, nothing passed
    # (a unix socket pair as stdout, read by python)
    local rc
    rc=$(python3 - "$HVCAT" <<'EOP'
import socket, subprocess, sys
a, b = socket.socketpair()
p = subprocess.run([sys.argv[1], "--fdpass", "-U", "/nonexistent/s"], stdout=b,
                   stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
b.close()
a.settimeout(5)
print(p.returncode, len(a.recv(10)))
EOP
)
    [ "$rc" = "69 0" ] || fail "exit and bytes passed: '$rc', expected '69 0'"
}

"case_$1"
