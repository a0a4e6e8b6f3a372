#!/bin/bash
# test-windows.sh [BUILD_DIR [LINUX_BUILD_DIR]]: cross-build the Windows
# tools with MinGW-w64 and run the whole test suite under Wine. A native
# build of hvcat/hvlisten (LINUX_BUILD_DIR, default build-win-linux next to
# BUILD_DIR) serves as the other side of the cross-OS e2e cases.
# Exits non-zero on any failure. HV_JOBS: parallel ctest jobs (default nproc).
#   needs: cmake, gcc, gcc-mingw-w64-x86-64, wine (wine64), python3, bash
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-win}
linux=${2:-$(dirname "$build")/build-win-linux}
jobs=${HV_JOBS:-$(nproc 2>/dev/null || echo 2)}

# the Linux peers (tools only)
cmake -S "$src" -B "$linux" -DHV_WERROR=ON -DHV_BUILD_TESTS=OFF
cmake --build "$linux" -j "$jobs" --target hvcat hvlisten hvvmid

cmake -S "$src" -B "$build" \
    -DCMAKE_TOOLCHAIN_FILE="$src/cmake/mingw-w64.cmake" \
    -DHV_WERROR=ON -DHV_LINUX_TOOLS="$linux/tools" \
    -DHV_OTHER_HVVMID="$linux/tools/hvvmid"
cmake --build "$build" -j "$jobs"

emu=$(sed -n 's/^CMAKE_CROSSCOMPILING_EMULATOR[^=]*=//p' "$build/CMakeCache.txt")
[ -n "$emu" ] || emu=$(sed -n 's/^HV_WINE[^=]*=//p' "$build/CMakeCache.txt")
case "$emu" in
"" | *-NOTFOUND)
    echo "test-windows.sh: Wine not found (install wine64); built, not tested" >&2
    exit 1 ;;
esac

HV_WINE_BUILD=$build
. "$src/tests/wine-env.sh"
cd "$build"
ctest --output-on-failure -j "$jobs"
