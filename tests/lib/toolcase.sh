# toolcase.sh: sourced by the shell-driven cases that run one tool at a time
# and check its exit status, stdout and stderr (tests/cli, tests/windows).
# Sets case_name (from $1), emu ($HV_EMU: wine or empty), work (a temporary
# directory, removed on exit with any background pids), and the helpers.
set -u
case_name=$1
emu=${HV_EMU:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/hvcase.XXXXXX")
pids=""
toolcase_cleanup() {
    local p
    for p in $pids; do kill "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap toolcase_cleanup EXIT

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
skip() { echo "SKIP [$case_name]: $*" >&2; exit 77; }

# run TOOL ARGS...: sets rc, out, err (stdin empty)
run() {
    local tool=$1; shift
    $emu "$tool" "$@" >"$work/out" 2>"$work/err" </dev/null
    rc=$?
    out=$(cat "$work/out"); err=$(cat "$work/err")
}

expect_rc() { [ "$rc" -eq "$1" ] || fail "exit $rc, expected $1 (stderr: $err)"; }
expect_err() { [ "$err" = "$1" ] || fail "stderr '$err', expected '$1'"; }
expect_err_has() { case "$err" in *"$1"*) ;; *) fail "stderr '$err' lacks '$1'";; esac; }
expect_out_has() { case "$out" in *"$1"*) ;; *) fail "stdout '$out' lacks '$1'";; esac; }
expect_no_out() { [ -z "$out" ] || fail "unexpected stdout '$out'"; }
# the error line is the first line of stderr; usage follows on usage errors
first_err() { printf '%s\n' "$err" | head -n 1; }
expect_first_err() { [ "$(first_err)" = "$1" ] || fail "stderr line '$(first_err)', expected '$1'"; }
