#!/bin/bash
# demo.sh: the main job on a fresh machine: install what is missing, build
# the tools, and show real transfers end to end: hvlisten | hvcat over TCP
# loopback on this machine, then over real AF_VSOCK (CID 1) inside a qemu
# guest kernel with vsock_loopback. Exit 0 only if every byte arrived.
#
# demo.sh --tcp-only BUILD: only part 1, with the tools already built in
# BUILD (no set-up, no build, no guest); the tests run it this way.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
jobs=$(nproc 2>/dev/null || echo 2)
mib=${HV_DEMO_MIB:-16}
tcp_only=0
if [ "${1:-}" = --tcp-only ]; then
    tcp_only=1
    build=${2:?"usage: demo.sh [--tcp-only BUILD]"}
fi

if [ $tcp_only = 0 ]; then
    "$src/scripts/setup.sh" --demo
    cmake -S "$src" -B "$build" >/dev/null
    cmake --build "$build" -j "$jobs" --target hvcat hvlisten hvvmid hvreg hvcat_vm hvlisten_vm
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hvdemo.XXXXXX")
lpid=""
# runs under set -e: every command must succeed, the kill only when there
# is a listener left to end
cleanup() {
    if [ -n "$lpid" ]; then
        kill "$lpid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
bin=$build/tools

echo
echo "=== 1. TCP loopback: hvlisten -t 127.0.0.1 0  <->  hvcat -t 127.0.0.1 PORT"
head -c "${mib}M" /dev/urandom >"$work/to-listener"
head -c "${mib}M" /dev/urandom >"$work/to-client"
"$bin/hvlisten" -v -t 127.0.0.1 0 <"$work/to-client" >"$work/listener-got" 2>"$work/listener.err" &
lpid=$!
for _ in $(seq 200); do
    grep -q "Listening on" "$work/listener.err" && break
    sleep 0.05
done
port=$(sed -n 's/.*Listening on tcp:127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/listener.err")
[ -n "$port" ] || { cat "$work/listener.err"; echo "demo: listener did not start"; exit 1; }
"$bin/hvcat" -v -t 127.0.0.1 "$port" <"$work/to-listener" >"$work/client-got"
wait $lpid
lpid=""
cat "$work/listener.err"
ok=1
for pair in "to-listener listener-got" "to-client client-got"; do
    set -- $pair
    a=$(sha256sum <"$work/$1" | cut -d' ' -f1)
    b=$(sha256sum <"$work/$2" | cut -d' ' -f1)
    printf '  %-12s %s\n  %-12s %s\n' "$1" "$a" "$2" "$b"
    [ "$a" = "$b" ] || ok=0
done
[ $ok = 1 ] || { echo "demo: TCP transfer MISMATCH"; exit 1; }
echo "  TCP loopback: ${mib} MiB each way at once, bit-exact"
if [ $tcp_only = 1 ]; then
    echo "demo: TCP transfer bit-exact"
    exit 0
fi

echo
echo "=== 2. Real AF_VSOCK in a qemu guest (CID 1, vsock_loopback)"
"$src/scripts/demo-vsock.sh" --mib "$mib" "$build/vm/bin"
echo
echo "demo: all transfers bit-exact"
