#!/usr/bin/env bash
# demo-vsock.sh: show hvcat and hvlisten moving data over real AF_VSOCK.
# Boots a throwaway qemu guest (Debian's cloud kernel with vsock_loopback, a
# busybox initramfs) in which CID 1 is the guest itself, runs a line each way
# and MIB MiB of random data each way at once, and compares sha256 sums.
# Builds nothing: give it a directory with statically linked hvcat and
# hvlisten (BUILD/vm/bin after a build with the tests, or the tools of a
# -DHV_STATIC=ON build).
#
#   scripts/demo-vsock.sh [--cache DIR] [--mib MIB] TOOLDIR
#
# The kernel is downloaded with apt-get once and cached: $HV_VM_CACHE if
# set, else DIR, else TOOLDIR/../cache (BUILD/vm/cache for BUILD/vm/bin, the
# cache the vm tests use). Exit 0 only if every byte matched; 1 if not, 2 if
# qemu, busybox or a kernel is not to be had.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/vm-lib.sh"

cache=""
mib=16
while [ $# -gt 1 ]; do
    case $1 in
    --cache) cache=$2; shift 2 ;;
    --mib) mib=$2; shift 2 ;;
    *) break ;;
    esac
done
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: demo-vsock.sh [--cache DIR] [--mib MIB] TOOLDIR" >&2
    exit 64
fi
case $mib in '' | *[!0-9]*) echo "demo-vsock.sh: --mib wants a number" >&2; exit 64 ;; esac
tools=$(cd "$1" && pwd)
cache=${HV_VM_CACHE:-${cache:-$(dirname "$tools")/cache}}

work=$(mktemp -d "${TMPDIR:-/tmp}/hvdemo.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
echo "== preparing a guest: kernel cache $cache, tools from $tools"
vm_prepare "$tools" "$cache" "$work"
case $? in
0) ;;
2) exit 2 ;;
*) exit 1 ;;
esac
echo "== booting $VM_KPKG under qemu (TCG, 1 vCPU)"
start=$(date +%s)
vm_boot "$work/initrd.cpio" "$work/console.log" 600 hvvm.mode=demo hvvm.arg="$mib"
sed -n 's/^HVVM-DEMO //p' "$work/console.log"
echo "== guest ran $(( $(date +%s) - start )) s"
if grep -q '^HVVM-RESULT demo PASS$' "$work/console.log"; then
    echo "== vsock demo: OK"
    exit 0
fi
grep '^HVVM-RESULT' "$work/console.log" || {
    echo "no result from the guest; console:"
    tail -n 30 "$work/console.log"
}
echo "== vsock demo: FAILED"
exit 1
