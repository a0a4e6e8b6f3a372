#!/bin/bash
# bench.sh: build the static tools and the bench helpers, then run the
# benchmark (tests/vm/bench) in one qemu guest. Arguments go to
# tests/vm/bench: --wall, --levers, --mib N, --rounds N, ... (see it).
#   scripts/bench.sh [BENCH OPTIONS]
# Needs what scripts/setup.sh installs, plus socat and ncat for their rows.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${HV_BENCH_BUILD:-$src/build}
[ -f "$build/CMakeCache.txt" ] || cmake -S "$src" -B "$build" -DHV_WERROR=ON >&2
cmake --build "$build" -j 2 --target hvcat_vm hvlisten_vm bench_braw bench_brelay \
    bench_becho bench_bping bench_bmany bench_btime hvmux_vm >&2
exec bash "$src/tests/vm/bench" --tools "$build/vm/bin" --bin "$build/vm/benchbin" \
    --cache "$build/vm/cache" "$@"
