#!/bin/bash
# bench.sh: build the static tools and the bench helpers, then run the
# benchmark (tests/vm/bench) in one qemu guest. Arguments go to
# tests/vm/bench: --wall, --levers, --mib N, --rounds N, ... (see it).
#   scripts/bench.sh [BENCH OPTIONS]
# The build is BUILD (HV_BENCH_BUILD, default build/) as configured there:
# the default configuration has no optimisation (CMAKE_BUILD_TYPE empty).
# To compare an earlier commit, build its static tools with the same cmake
# settings in a build directory of its own (from a worktree of that commit:
# cmake --build OLD --target hvcat_vm hvlisten_vm) and give --tools
# OLD/vm/bin: the last --tools wins, and the bench helpers and the guest's
# script stay this tree's, so that only the tools differ. --only-once and
# --only-many measure the one-shot and the many-connection rows in a few
# minutes each.
# Needs what scripts/setup.sh installs, plus socat and ncat for their rows.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${HV_BENCH_BUILD:-$src/build}
[ -f "$build/CMakeCache.txt" ] || cmake -S "$src" -B "$build" -DHV_WERROR=ON >&2
cmake --build "$build" -j 2 --target hvcat_vm hvlisten_vm bench_braw bench_brelay \
    bench_becho bench_bping bench_bmany bench_btime hvmux_vm >&2
exec bash "$src/tests/vm/bench" --tools "$build/vm/bin" --bin "$build/vm/benchbin" \
    --cache "$build/vm/cache" "$@"
