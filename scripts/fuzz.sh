#!/bin/bash
# fuzz.sh: build the libFuzzer harnesses (tests/fuzz, clang with ASan+UBSan)
# and run each one for a bounded time, starting from the seed corpus in
# tests/fuzz/corpus/<target>. Prints the executions per target; exits 1 if
# any target crashed (its reproducer is saved in the artifacts directory).
#   scripts/fuzz.sh [-t SECONDS] [-j PARALLEL] [-b BUILD] [-o OUT] [TARGET...]
# -t: seconds per target (default 60: the CI slice; run longer by hand,
#     e.g. -t 1800). -j: targets run side by side (default 1). -b: build
# directory (default build-fuzz). -o: where the grown corpora, logs and
# crash reproducers go (default BUILD/fuzz-out). TARGETs: guid u32 addr kvp
# hcs wmi script (default: all). A reproducer runs again with
#   BUILD/tests/fuzz/fuzz_TARGET FILE
# and, once understood, belongs in tests/fuzz/corpus/TARGET.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
secs=60 par=1 build=$src/build-fuzz out=""
while getopts t:j:b:o:h opt; do
    case $opt in
    t) secs=$OPTARG ;;
    j) par=$OPTARG ;;
    b) build=$OPTARG ;;
    o) out=$OPTARG ;;
    *) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 64 ;;
    esac
done
shift $((OPTIND - 1))
out=${out:-$build/fuzz-out}
if [ $# -eq 0 ]; then
    for f in "$src"/tests/fuzz/fuzz_*.c; do
        f=${f##*/fuzz_}
        set -- "$@" "${f%.c}"
    done
fi

cc=${CC:-clang}
cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER="$cc" -DHV_FUZZ=ON \
    -DHV_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j 2 --target fuzz >/dev/null

# run_one TARGET: fuzz for $secs seconds; writes $out/TARGET.log
run_one() {
    local t=$1
    local work=$out/$t maxlen=4096
    case $t in
    kvp) maxlen=12800 ;; # five 2560-byte records
    hcs | script) maxlen=8192 ;;
    esac
    mkdir -p "$work/corpus" "$work/crashes"
    # tests/fuzz/TARGET.dict: tokens worth trying (libFuzzer -dict)
    local dict=()
    [ -f "$src/tests/fuzz/$t.dict" ] && dict=(-dict="$src/tests/fuzz/$t.dict")
    # the seeds stay as they are; what the run finds goes to its own corpus
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=$maxlen \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/crashes/" "${dict[@]}" \
        "$work/corpus" "$src/tests/fuzz/corpus/$t" >"$out/$t.log" 2>&1
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
mkdir -p "$out"
running=0
declare -A pid_of
for t in "$@"; do
    [ -f "$src/tests/fuzz/fuzz_$t.c" ] || { echo "fuzz.sh: no target '$t'" >&2; exit 64; }
    run_one "$t" &
    pid_of[$t]=$!
    running=$((running + 1))
    if [ $running -ge "$par" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
status=0
for t in "$@"; do
    rc=0
    wait "${pid_of[$t]}" 2>/dev/null || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -n 1 | cut -d' ' -f2)
    crashes=$(find "$out/$t/crashes" -type f | wc -l)
    if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ] || [ -z "$execs" ]; then
        printf 'fuzz %-7s FAILED (exit %s, %s reproducer(s) in %s; log %s)\n' \
            "$t" "$rc" "$crashes" "$out/$t/crashes" "$out/$t.log"
        grep -m 5 -E 'ERROR|invariant|runtime error|SUMMARY' "$out/$t.log" | sed 's/^/    /' || true
        status=1
    else
        printf 'fuzz %-7s %12s execs in %ss (coverage %s)\n' "$t" "$execs" "$secs" "${cov:-?}"
    fi
done
exit $status
