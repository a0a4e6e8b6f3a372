#!/bin/bash
# demo.sh: the main job on a fresh machine: install what is missing, build
# the tools, and show real transfers end to end: hvlisten | hvcat over TCP
# loopback on this machine, then over real AF_VSOCK (CID 1) inside a qemu
# guest kernel with vsock_loopback. Exit 0 only if every byte arrived.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
jobs=$(nproc 2>/dev/null || echo 2)
mib=${HV_DEMO_MIB:-16}

"$src/scripts/setup.sh" --demo
cmake -S "$src" -B "$build" >/dev/null
cmake --build "$build" -j "$jobs" --target hvcat hvlisten hvvmid hvreg hvcat_vm hvlisten_vm

work=$(mktemp -d "${TMPDIR:-/tmp}/hvdemo.XXXXXX")
trap 'kill $lpid 2>/dev/null; rm -rf "$work"' EXIT
lpid=""
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

echo
echo "=== 2. Real AF_VSOCK in a qemu guest (CID 1, vsock_loopback)"
"$src/scripts/demo-vsock.sh" --mib "$mib" "$build/vm/bin"
echo
echo "demo: all transfers bit-exact"
