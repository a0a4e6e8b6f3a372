#!/bin/bash
# Files named by the user (hv_file_create), through `hvreg export -o`, one
# case per run: cases.sh NAME. Environment: HVREG, HV_EMU (wine for the
# Windows build, or empty). The work directory is under /tmp, the same path
# for Linux and for Wine (whose Z: drive is /), so the name Wine created is
# checked from Linux.
set -u
case_name=$1
emu=${HV_EMU:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/hvfile.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
skip() { echo "SKIP [$case_name]: $*" >&2; exit 77; }

hv() {
    $emu "$HVREG" "$@" >"$work/out" 2>"$work/err" </dev/null
    rc=$?
}
err() { cat "$work/err"; }
expect_rc() { [ "$rc" -eq "$1" ] || fail "exit $rc, expected $1 (stderr: $(err))"; }
expect_err() { [ "$(err)" = "$1" ] || fail "stderr '$(err)', expected '$1'"; }

case_utf8_name() {
    # é, 東京 in UTF-8: the file has exactly that name, and the script
    name=$'caf\xc3\xa9-\xe6\x9d\xb1\xe4\xba\xac.reg'
    mkdir "$work/d"
    hv export add n --port 5
    expect_rc 0
    cp "$work/out" "$work/want"
    hv export -o "$work/d/$name" add n --port 5
    expect_rc 0
    [ ! -s "$work/out" ] && [ ! -s "$work/err" ] || fail "output: $(cat "$work/out" "$work/err")"
    got=$(cd "$work/d" && printf '%s/' *)
    [ "$got" = "$name/" ] || fail "created '$got' (as bytes: $(printf '%s' "$got" | od -An -tx1)), expected '$name/'"
    cmp "$work/d/$name" "$work/want" || fail "the file differs from the stdout export"
}
case_missing_dir() {
    hv export -o "$work/nodir/x.reg" add n --port 5
    expect_rc 74
    expect_err "hvreg: export: cannot create '$work/nodir/x.reg': no such file or directory"
    [ ! -e "$work/nodir" ] || fail "created $work/nodir"
}
case_denied() {
    # as root (Wine included) permissions are not checked, but a sysfs
    # attribute without a writer still refuses to be opened for writing
    target=
    if [ "$(id -u)" -ne 0 ]; then
        mkdir "$work/ro" && chmod 555 "$work/ro"
        target=$work/ro/x.reg
    elif [ -e /sys/kernel/notes ] && ! (: >/sys/kernel/notes) 2>/dev/null; then
        target=/sys/kernel/notes
    fi
    [ -n "$target" ] || skip "no place where creating a file is denied"
    hv export -o "$target" add n --port 5
    expect_rc 77
    expect_err "hvreg: export: cannot create '$target': permission denied"
}

# run the case named by the first argument (CMake lists the case_*
# functions above as the ctest entries)
declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
exit 0
