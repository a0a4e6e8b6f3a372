#!/usr/bin/env bash
# run.sh: boot the vsock guest once and run vm test cases in it.
#
#   tests/vm/run.sh --tools DIR [--cache DIR] [--timeout SECS] CASE...
#
# DIR holds statically linked hvcat and hvlisten. Cases: transfer64m,
# halfclose.client_first, halfclose.server_first, no_shutdown, refused,
# socat.client, socat.server. Prints the guest's HVVM-* lines and exits 0 when
# every case printed PASS, 1 when one failed or the guest never got that far,
# 77 (skipped) when qemu, a kernel or socat is not to be had, unless
# HV_VM_REQUIRED=1, which turns every skip into a failure (CI sets it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/vm-lib.sh"

tools=""
cache=""
limit=600
while [ $# -gt 0 ]; do
    case $1 in
    --tools) tools=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 64 ;;
    *) break ;;
    esac
done
if [ -z "$tools" ] || [ $# -eq 0 ]; then
    echo "usage: run.sh --tools DIR [--cache DIR] [--timeout SECS] CASE..." >&2
    exit 64
fi
# HV_VM_CACHE wins over --cache (the build's default)
cache=${HV_VM_CACHE:-${cache:-$(dirname "$tools")/cache}}

# not_here WHY: a missing prerequisite; a skip unless the vm tests are required
not_here() {
    if [ "${HV_VM_REQUIRED:-0}" = 1 ]; then
        echo "FAIL: $* (HV_VM_REQUIRED=1)" >&2
        exit 1
    fi
    echo "SKIP: $*" >&2
    exit 77
}

work=$(mktemp -d "${TMPDIR:-/tmp}/hvvm.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
vm_prepare "$tools" "$cache" "$work"
case $? in
0) ;;
2) not_here "qemu, busybox or a guest kernel is missing" ;;
*) echo "FAIL: cannot prepare the guest" >&2; exit 1 ;;
esac

cases=$(IFS=,; echo "$*")
start=$(date +%s)
vm_boot "$work/initrd.cpio" "$work/console.log" "$limit" \
    hvvm.mode=test hvvm.cases="$cases"
qrc=$?
took=$(( $(date +%s) - start ))
grep '^HVVM-' "$work/console.log"
echo "vm: $VM_KPKG, qemu exit $qrc after ${took} s"

status=0
skipped=0
if ! grep -q '^HVVM-BOOTED' "$work/console.log"; then
    echo "FAIL: the guest never booted; console:" >&2
    tail -n 40 "$work/console.log" >&2
    exit 1
fi
for c in "$@"; do
    line=$(grep -m 1 "^HVVM-RESULT $c " "$work/console.log")
    case $line in
    "HVVM-RESULT $c PASS") ;;
    "HVVM-RESULT $c SKIP"*) skipped=$((skipped + 1)) ;;
    "") echo "FAIL: $c: no result line (guest hung or died?)" >&2; status=1 ;;
    *) status=1 ;;
    esac
done
if [ $status != 0 ]; then
    grep -q '^HVVM-DONE' "$work/console.log" || {
        echo "console tail:" >&2
        grep -v '^HVVM-' "$work/console.log" | tail -n 30 >&2
    }
    exit 1
fi
[ $skipped = 0 ] || not_here "$skipped case(s) skipped in the guest"
exit 0
