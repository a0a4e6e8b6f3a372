#!/bin/bash
# sanitize.sh: the Linux test suite under the sanitizers and valgrind.
#   scripts/sanitize.sh asan [BUILD]      build BUILD (default build-san)
#       with -DHV_SANITIZE=ON (ASan+UBSan; CC picks gcc or clang) and run
#       every ctest case but the vm ones under it. The vm cases need the
#       guest tools linked statically, which ASan cannot do: in a sanitized
#       build they are not built (the cases skip), and the ordinary build's
#       run covers them with unsanitized guest tools.
#   scripts/sanitize.sh valgrind [BUILD]  build BUILD (default build) as
#       usual and run the e2e cases with both tools under valgrind memcheck
#       (HV_CLIENT/HV_SERVER); any report makes the tool exit 99, so the
#       case fails.
# Extra arguments after BUILD go to ctest (e.g. -R '^e2e\.').
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-}
[ $# -gt 0 ] && shift
jobs=$(nproc 2>/dev/null || echo 2)

case $mode in
asan)
    build=${1:-$src/build-san}
    [ $# -gt 0 ] && shift
    # no -Werror: instrumented code draws false warnings (gcc's
    # maybe-uninitialized); the ordinary build keeps warnings fatal. The
    # relay waits with poll here (epoll in the ordinary build), so that
    # the suite runs both of poller_posix.c's back ends.
    cmake -S "$src" -B "$build" -DHV_SANITIZE=ON -DHV_WERROR=OFF \
        -DHV_POLLER_POLL=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j "$jobs" >/dev/null
    # LeakSanitizer needs ptrace-like access that some containers refuse:
    # leak checks where a leaking probe is caught, else none (and say so)
    leaks=1
    probe=$(mktemp -d)
    printf '#include <stdlib.h>\nint main(void){void *p=malloc(7);p=0;return p!=0;}\n' >"$probe/l.c"
    if "${CC:-cc}" -fsanitize=address -o "$probe/l" "$probe/l.c" 2>/dev/null; then
        ASAN_OPTIONS=detect_leaks=1 "$probe/l" 2>"$probe/err" && leaks=0
        grep -q "detected memory leaks" "$probe/err" || leaks=0
    fi
    rm -rf "$probe"
    [ $leaks = 1 ] || echo "sanitize.sh: LeakSanitizer does not work here: leak checks off" >&2
    export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=$leaks:strict_string_checks=1:detect_stack_use_after_return=1"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
    ctest --test-dir "$build" --output-on-failure -j "$jobs" -LE '^vm$' "$@"
    ;;
valgrind)
    build=${1:-$src/build}
    [ $# -gt 0 ] && shift
    command -v valgrind >/dev/null || { echo "sanitize.sh: no valgrind" >&2; exit 1; }
    cmake -S "$src" -B "$build" >/dev/null
    cmake --build "$build" -j "$jobs" --target hvcat hvlisten >/dev/null
    vg="valgrind --error-exitcode=99 -q --leak-check=full --errors-for-leak-kinds=definite,possible"
    export HV_CLIENT="$vg $build/tools/hvcat"
    export HV_SERVER="$vg $build/tools/hvlisten"
    ctest --test-dir "$build" --output-on-failure -R '^e2e\.' "$@"
    ;;
*)
    sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
    exit 64
    ;;
esac
