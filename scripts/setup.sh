#!/bin/bash
# setup.sh: install what building and testing need, from Debian's archive.
# Runs apt-get only for packages that are missing (root needed then).
#   scripts/setup.sh            everything (tests: Linux, guest vsock, Wine,
#                               sanitizers, valgrind, fuzzers)
#   scripts/setup.sh --demo     only what scripts/demo.sh needs
set -eu
pkgs_build="cmake make gcc libc6-dev libjsmn-dev python3"
pkgs_vm="qemu-system-x86 busybox-static socat cpio"
pkgs_win="gcc-mingw-w64-x86-64 wine wine64"
pkgs_docs="mandoc man-db fish zsh dpkg-dev lintian"
# the proof that must run in CI: libFuzzer (clang 14 and its runtime), valgrind,
# ncat as a second peer; strace for the cases that check which syscalls run;
# netcat-openbsd (/bin/nc.openbsd), beside ncat and socat, as the peers the
# pipe cases measure our tools against
pkgs_proof="clang libclang-rt-14-dev valgrind ncat netcat-openbsd strace"
# systemd-socket-activate (the launcher of tests/systemd) and
# systemd-analyze (verify of the units); systemd need not run
pkgs_systemd="systemd"
# OpenSSH for hvcat --fdpass (tests/ssh): the tests run their own sshd on a
# loopback port; the package's own server is kept from starting (below)
pkgs_ssh="openssh-client openssh-server"
if [ "${1:-}" = --demo ]; then
    want="$pkgs_build $pkgs_vm"
else
    want="$pkgs_build $pkgs_vm $pkgs_win $pkgs_docs $pkgs_proof $pkgs_systemd $pkgs_ssh"
fi

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "setup.sh: missing packages:$missing (run as root, or install them)" >&2
    exit 1
fi
echo "setup.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt_opts="-o DPkg::Lock::Timeout=600 -q"
apt-get $apt_opts update
# no service a package brings (openssh-server's sshd on port 22) starts
# while installing: invoke-rc.d and deb-systemd-invoke ask policy-rc.d(8),
# and 101 is "action forbidden"; one already there is left as it is
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
    trap 'rm -f "$policy"' EXIT
fi
# the guest's kernel comes from the archive too (tests/vm fetches it)
# shellcheck disable=SC2086
apt-get $apt_opts install -y $missing
[ -z "$own_policy" ] || rm -f "$policy"
