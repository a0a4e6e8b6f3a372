#!/bin/bash
# docs.demo: scripts/demo.sh's TCP part with the built tools exits 0 after
# saying the transfer was bit-exact (its EXIT trap once made a successful
# run exit 2). Arguments: the build directory.
set -u
build=$1
out=$(HV_DEMO_MIB=1 bash "$SRC/scripts/demo.sh" --tcp-only "$build" 2>&1)
rc=$?
last=$(printf '%s\n' "$out" | tail -n 1)
if [ "$rc" -ne 0 ]; then
    printf '%s\n' "$out"
    echo "FAIL: demo.sh exited $rc after a run" >&2
    exit 1
fi
[ "$last" = "demo: TCP transfer bit-exact" ] ||
    { printf '%s\n' "$out"; echo "FAIL: last line '$last'" >&2; exit 1; }
echo "demo.sh --tcp-only: exit 0, $last"
