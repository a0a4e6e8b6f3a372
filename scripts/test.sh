#!/bin/bash
# test.sh: the whole test suite on a fresh machine: installs what is
# missing, builds with warnings as errors, runs every ctest case of the
# Linux build (unit, cli, e2e over TCP loopback, vm over real AF_VSOCK in a
# qemu guest, hvreg, hvvmid, docs), then cross-builds the Windows tools and
# runs the suite under Wine; then the proof that must run in CI: the Linux suite
# built with ASan+UBSan, the e2e cases under valgrind, and each fuzzer for
# 30 s (HV_FUZZ_SECONDS; longer runs by hand: scripts/fuzz.sh). Exits
# non-zero if anything failed.
#   scripts/test.sh [--linux-only | --windows-only | --proof-only]
# (--linux-only and --windows-only leave the proof out.)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
mode=${1:-all}
case $mode in
all | --linux-only | --windows-only | --proof-only) ;;
*) sed -n '2,11s/^# \{0,1\}//p' "$0" >&2; exit 64 ;;
esac

"$src/scripts/setup.sh"

# PowerShell is not packaged for Debian: the completion script is parsed
# with tree-sitter's PowerShell grammar under node instead (docs tests).
psdir=$src/build/ps-parser
if [ ! -d "$psdir/node_modules/tree-sitter-powershell" ] && command -v npm >/dev/null; then
    npm install --prefix "$psdir" --ignore-scripts --no-audit --no-fund \
        web-tree-sitter@0.25.10 tree-sitter-powershell@0.26.4 >/dev/null 2>&1 ||
        echo "test.sh: no PowerShell parser (npm failed); that docs case skips" >&2
fi

status=0
if [ "$mode" = all ] || [ "$mode" = --linux-only ]; then
    echo "=== Linux build and tests" >&2
    cmake -S "$src" -B "$src/build" -DHV_WERROR=ON -DHV_PS_PARSER_DIR="$psdir"
    cmake --build "$src/build" -j "$jobs"
    # a guest that cannot be booted fails the vm cases instead of skipping
    HV_VM_REQUIRED=1 ctest --test-dir "$src/build" --output-on-failure -j "$jobs" \
        -LE soak || status=1
    # the optimizer sees warnings the default build does not
    # (-Wformat-truncation): the documented Release builds, Linux and
    # MinGW, compile with warnings as errors too
    echo "=== Release builds (Linux, MinGW-w64), warnings as errors" >&2
    for tc in "" "$src/cmake/mingw-w64.cmake"; do
        rel=$src/build-release${tc:+-win}
        { cmake -S "$src" -B "$rel" -DCMAKE_BUILD_TYPE=Release -DHV_WERROR=ON \
            -DHV_BUILD_TESTS=OFF ${tc:+-DCMAKE_TOOLCHAIN_FILE="$tc"} &&
            cmake --build "$rel" -j "$jobs"; } >"$rel.log" 2>&1 || {
            tail -n 40 "$rel.log" >&2
            echo "test.sh: the Release build${tc:+ (MinGW)} failed" >&2
            status=1
        }
    done
    echo "=== soak: 1 GiB each way at once, 10 runs, in the guest" >&2
    HV_VM_REQUIRED=1 ctest --test-dir "$src/build" --output-on-failure -L soak ||
        status=1
fi
if [ "$mode" = all ] || [ "$mode" = --windows-only ]; then
    echo "=== Windows build (MinGW-w64) and tests under Wine" >&2
    "$src/scripts/test-windows.sh" "$src/build-win" "$src/build-win-linux" ||
        status=1
fi
if [ "$mode" = all ] || [ "$mode" = --proof-only ]; then
    echo "=== Linux suite under ASan+UBSan (the vm cases' static guest tools cannot be)" >&2
    "$src/scripts/sanitize.sh" asan "$src/build-san" || status=1
    echo "=== e2e cases under valgrind memcheck" >&2
    "$src/scripts/sanitize.sh" valgrind "$src/build" || status=1
    echo "=== fuzzers, ${HV_FUZZ_SECONDS:-30} s each" >&2
    "$src/scripts/fuzz.sh" -t "${HV_FUZZ_SECONDS:-30}" -j "$jobs" -b "$src/build-fuzz" ||
        status=1
fi
if [ $status -ne 0 ]; then
    echo "test.sh: FAILED (see above)" >&2
fi
exit $status
