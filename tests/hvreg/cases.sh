#!/bin/bash
# hvreg cases, one per run: cases.sh NAME. Environment: HVREG (the tool),
# HVCAT (for the service-name case), HV_EMU (wine for the Windows build, or
# empty), HV_PLATFORM (posix or win), HVREG_WORK (a build directory for the
# Wine prefix when WINEPREFIX is not set).
#
# Families: golden_* byte-compare `hvreg export` with tests/hvreg/expected
# (both builds); ps1_* evaluate the PowerShell escaping (both); cli_* exit
# codes; noreg_* the registry subcommands off Windows; wine_* feed the
# scripts to Wine's own reg import and cmd and read the result back with
# Wine's reg export (both builds, skipped without wine); win_* run hvreg.exe
# against Wine's registry and cross-check with Wine's reg (Windows build).
# HVREG_REGDENY (Windows build): the regdeny.c helper for access denied.
set -u
case_name=$1
here=$(cd "$(dirname "$0")" && pwd)
emu=${HV_EMU:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/hvreg.XXXXXX")
trap 'rm -rf "$work"' EXIT
K='HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Virtualization\GuestCommunicationServices'

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
skip() { echo "SKIP [$case_name]: $*" >&2; exit 77; }

# The fixed hostile names. ASCII: everything a shell, cmd or PowerShell
# might act on, with an odd number of double quotes (so cmd's own quote
# state ends up outside), and a trailing backslash. UNI: non-ASCII (accents, CJK, an emoji beyond the BMP,
# typographic quotes PowerShell treats as quotes), a newline and a tab.
NAME_ASCII=$'it\'s "50%" $HOME `x` "odd ^&|<>()! %PATH% !OS! C:\\dir\\'
NAME_UNI=$'caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 it\'s \xe2\x80\x99q\xe2\x80\x99 "x" $y `z` 50% ^&! C:\\d\\\nline2\ttab'
GUID_P5000=00001388-facb-11e6-bd58-64006a7986d3
GUID_X=a1b2c3d4-e5f6-4711-8899-aabbccddeeff
GUID_X_TYPED='{A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF}'
GUID_SESSION=999e53d4-3d5c-4c3e-8779-bed06ec056e1

# hv ARGS...: run hvreg; sets rc, and out/err files
hv() {
    $emu "$HVREG" "$@" >"$work/out" 2>"$work/err" </dev/null
    rc=$?
}
out() { cat "$work/out"; }
err() { cat "$work/err"; }
expect_rc() { [ "$rc" -eq "$1" ] || fail "exit $rc, expected $1 (stderr: $(err))"; }
expect_err_has() { grep -qF -- "$1" "$work/err" || fail "stderr '$(err)' lacks '$1'"; }
expect_out() { [ "$(out)" = "$1" ] || fail "stdout '$(out)', expected '$1'"; }
expect_no_out() { [ ! -s "$work/out" ] || fail "unexpected stdout '$(out)'"; }

# ---------------------------------------------------------------- golden

# golden ID ARGS...: export to stdout and compare with expected/ID
golden() {
    local id=$1; shift
    hv export "$@"
    expect_rc 0
    [ ! -s "$work/err" ] || fail "stderr: $(err)"
    cmp "$work/out" "$here/expected/$id" ||
        fail "output differs from tests/hvreg/expected/$id (see $work/out)"
}

# ---------------------------------------------------------------- wine

# wine_env: WINE (the command) and the settings every Wine run here takes
wine_env() {
    if [ -n "$emu" ]; then
        WINE=$emu
    else
        WINE=$(command -v wine || command -v wine64) || skip "wine is not installed"
    fi
    export WINEDEBUG=${WINEDEBUG:--all}
    export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-"mscoree,mshtml=;winedbg.exe=d"}
    export LANG=C.UTF-8 LC_ALL=C.UTF-8
    if [ -z "${WINEPREFIX:-}" ]; then
        export WINEPREFIX=${HVREG_WORK:-$work}/wineprefix
    fi
}

wine_setup() {
    wine_env
    command -v python3 >/dev/null || skip "python3 is not installed"
    # booted here (hv-booted), or the Windows suite's (system.reg)
    if [ ! -f "$WINEPREFIX/hv-booted" ] && [ ! -f "$WINEPREFIX/system.reg" ]; then
        mkdir -p "$WINEPREFIX"
        $WINE wineboot -i >/dev/null 2>&1 || fail "wineboot -i failed in $WINEPREFIX"
        : >"$WINEPREFIX/hv-booted"
    fi
    # each case starts from no registered service (cases hold a lock)
    wine_retry reg delete "$K" /f >/dev/null 2>&1
}

# wine_retry ARGS...: $WINE ARGS, but a run that failed because Wine
# could not start the process (its "failed to map the shared user data"
# line, see wine_script) is run again, at most twice, and said so in the
# test's log; what the kept run wrote goes to our stdout and stderr.
# reg.exe meets that as cmd does: a "reg export" right after a
# successful "reg import" once found no key under load.
wine_retry() {
    local rc n=0 o="$work/wr.$$.out" e="$work/wr.$$.err"
    while :; do
        WINEDEBUG=-all,err+virtual $WINE "$@" >"$o" 2>"$e" </dev/null
        rc=$?
        [ $rc != 0 ] && [ $n -lt 2 ] &&
            grep -q "failed to map the shared user data" "$e" || break
        n=$((n + 1))
        echo "NOTE [$case_name]: wine $1 exited $rc: Wine could not start a" \
            "process ($(grep -m1 'shared user data' "$e")); run again" >&2
    done
    cat "$o"
    cat "$e" >&2
    rm -f "$o" "$e"
    return $rc
}

# in_work CMD...: run a Windows command with the work directory as its
# current directory, so files are named without Unix paths
in_work() { (cd "$work" && wine_retry "$@"); }

# reg_has GUID NAMEFILE: Wine's own reg export shows ElementName = name
reg_has() {
    rm -f "$work/exp.reg"
    in_work reg export "$K\\$1" exp.reg /y >/dev/null 2>"$work/exp.err" ||
        fail "wine reg export found no key $1: $(cat "$work/exp.err")"
    python3 "$here/regvalue.py" "$work/exp.reg" "$1" "$2" ||
        fail "ElementName of $1 is not the expected name"
}

# reg_absent GUID: Wine's reg query finds no such key
reg_absent() {
    wine_retry reg query "$K\\$1" >/dev/null 2>&1 && fail "key $1 still exists"
    return 0
}

# reg_query_name GUID: the ElementName line of Wine's reg query (ASCII names)
reg_query_name() {
    wine_retry reg query "$K\\$1" /v ElementName 2>/dev/null | tr -d '\r' |
        sed -n 's/^ *ElementName *REG_SZ *//p'
}

namefile() { printf '%s' "$1" >"$work/name"; echo "$work/name"; }

# show_json_name GUID: the name hvreg show --json reports, via a JSON parser
show_json_name() {
    hv show --json "$1"
    expect_rc 0
    python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1],encoding="utf-8"))["name"])' \
        "$work/out" >"$work/shown" || fail "show --json is not JSON: $(out)"
    cmp -s "$work/shown" "$2" || fail "show --json name '$(cat "$work/shown")' differs"
}

# import_reg NAME: export .reg, wine reg import it, check with reg export
wine_import_reg() {
    local nf
    wine_setup
    hv export -o "$work/s.reg" add "$1" "$GUID_X_TYPED"
    expect_rc 0
    in_work reg import s.reg >/dev/null 2>"$work/werr" || fail "reg import failed: $(cat "$work/werr")"
    nf=$(namefile "$1")
    reg_has "$GUID_X" "$nf"
    hv export -o "$work/r.reg" remove "$GUID_X"
    in_work reg import r.reg >/dev/null 2>&1 || fail "reg import of the remove script failed"
    reg_absent "$GUID_X"
}

# run_cmd FILE WHAT: wine cmd /c FILE in the work directory; on failure,
# its exit status and output, and the same file once more with its
# commands echoed, so that the line that failed shows
# wine_script FILE OUT ERR: wine cmd /c FILE in the work directory, its
# stdout in OUT and stderr in ERR; returns its exit status. Wine now and
# then cannot start a process: the new one fails to map its shared user
# data (err:virtual ... c0000018, STATUS_CONFLICTING_ADDRESSES), and cmd
# then says "Can't recognize" the command. Seen here about once in 80 case
# runs under load, in the cmd /c that for /f starts. The scripts report
# that (exit 1 or reg's 9009, nothing changed, "run the script again":
# case wine_cmd_query_fails shows it without Wine's help), so a run that
# failed and carries Wine's line is run again, at most twice, and said so
# in the test's log; a run that exits 0 is never run again.
wine_script() {
    local rc n=0
    while :; do
        (cd "$work" && WINEDEBUG=-all,err+virtual $WINE cmd /c "$1") \
            >"$2" 2>"$3" </dev/null
        rc=$?
        [ $rc != 0 ] && [ $n -lt 2 ] &&
            grep -q "failed to map the shared user data" "$3" || return $rc
        n=$((n + 1))
        echo "NOTE [$case_name]: $1 exited $rc: Wine could not start a process" \
            "($(grep -m1 'shared user data' "$3")); run again as the script says" >&2
    done
}

run_cmd() {
    local rc again
    wine_script "$1" "$work/wout" "$work/wout.err"
    rc=$?
    cat "$work/wout.err" >>"$work/wout"
    [ $rc = 0 ] && return 0
    sed 's/^@echo off/@echo on/' "$work/$1" >"$work/echo-$1"
    in_work cmd /c "echo-$1" >"$work/wecho" 2>&1
    again=$?
    fail "$2 failed (exit $rc): $(cat "$work/wout"); run again echoed (exit $again): $(tr -d '\r' <"$work/wecho" | tail -n 20)"
}

# wine_cmd NAME: export .cmd, run it with wine cmd /c, check with reg export
wine_cmd() {
    local nf
    wine_setup
    hv export --format cmd -o "$work/s.cmd" add "$1" --port 5000
    expect_rc 0
    run_cmd s.cmd "the batch file"
    nf=$(namefile "$1")
    reg_has "$GUID_P5000" "$nf"
    # running it again over the existing entry gives the same result
    run_cmd s.cmd "its second run"
    reg_has "$GUID_P5000" "$nf"
    hv export -F cmd -o "$work/r.cmd" remove --port 5000
    run_cmd r.cmd "the remove script"
    reg_absent "$GUID_P5000"
}

# cmd_run FILE: wine cmd /c FILE in the work directory; sets rc, with its
# stdout in $work/cout (CRs dropped) and its stderr in $work/cerr
cmd_run() {
    wine_script "$1" "$work/cout.raw" "$work/cerr"
    rc=$?
    tr -d '\r' <"$work/cout.raw" >"$work/cout"
}
cout() { cat "$work/cout"; }
# expect_cmd FILE RC [STDOUT]: cmd_run FILE exits RC (and prints STDOUT)
expect_cmd() {
    cmd_run "$1"
    [ "$rc" -eq "$2" ] || fail "$1: exit $rc, expected $2 (stdout: $(cout); stderr: $(cat "$work/cerr"))"
    [ $# -lt 3 ] || [ "$(cout)" = "$3" ] || fail "$1 printed '$(cout)', expected '$3'"
}
# key_count: how many service keys Wine's reg query lists
key_count() {
    wine_retry reg query "$K" 2>/dev/null | tr -d '\r' | grep -c 'GuestCommunicationServices\\'
}

# wine_cmd_by_name NAME: two scripts of export add NAME (two random
# GUIDs), run three times: one entry, and every run prints its GUID
wine_cmd_by_name() {
    local nf g="" f
    wine_setup
    nf=$(namefile "$1")
    hv export -F cmd -o "$work/a.cmd" add "$1"
    expect_rc 0
    hv export -F cmd -o "$work/b.cmd" add "$1"
    expect_rc 0
    cmp -s "$work/a.cmd" "$work/b.cmd" && fail "two exports with the same random GUID"
    for f in a.cmd a.cmd b.cmd; do
        expect_cmd $f 0
        [ -n "$g" ] || g=$(cout)
        [ "$(cout)" = "$g" ] || fail "$f printed '$(cout)'; the first run printed '$g'"
    done
    case $g in ????????-????-4???-[89ab]???-????????????) ;; *) fail "not a GUID: '$g'" ;; esac
    [ "$(key_count)" = 1 ] || fail "$(key_count) entries, expected 1"
    reg_has "$g" "$nf"
}

# wine_cmd_taken NAME: NAME belongs to GUID_X; a script that adds it under
# port 5000 refuses (65) and changes nothing, its --force twin moves it
wine_cmd_taken() {
    local nf
    wine_setup
    nf=$(namefile "$1")
    hv export -F cmd -o "$work/x.cmd" add "$1" "$GUID_X"
    expect_cmd x.cmd 0 "$GUID_X"
    hv export -F cmd -o "$work/s.cmd" add "$1" --port 5000
    expect_rc 0
    expect_cmd s.cmd 65 ""
    grep -qF "hvreg: refused: the name is already registered for $GUID_X" "$work/cerr" ||
        fail "stderr: $(cat "$work/cerr")"
    reg_absent "$GUID_P5000"
    reg_has "$GUID_X" "$nf"
    [ "$(key_count)" = 1 ] || fail "$(key_count) entries after a refusal"
    hv export -F cmd -o "$work/f.cmd" --force add "$1" --port 5000
    expect_rc 0
    expect_cmd f.cmd 0 "$GUID_P5000"
    reg_has "$GUID_P5000" "$nf"
    reg_absent "$GUID_X"
    # both run again: the entry is theirs now
    expect_cmd f.cmd 0 "$GUID_P5000"
    expect_cmd s.cmd 0 "$GUID_P5000"
    [ "$(key_count)" = 1 ] || fail "$(key_count) entries"
    reg_has "$GUID_P5000" "$nf"
}

win_only() { [ "${HV_PLATFORM:-posix}" = win ] || skip "needs the Windows build"; }

# ---------------------------------------------------------------- golden
case_golden_reg_ascii() {
    golden reg_ascii add "$NAME_ASCII" --port 5000
}
case_golden_reg_uni() {
    golden reg_uni add "$NAME_UNI" --port 5000
}
case_golden_reg_remove() {
    golden reg_remove remove "$GUID_X_TYPED"
}
case_golden_ps1_ascii() {
    golden ps1_ascii --format ps1 add "$NAME_ASCII" --port 5000
}
case_golden_ps1_uni() {
    golden ps1_uni --format ps1 add "$NAME_UNI" --port 5000
}
case_golden_ps1_remove() {
    golden ps1_remove --format ps1 remove "$GUID_X_TYPED"
}
case_golden_cmd_ascii() {
    golden cmd_ascii --format cmd add "$NAME_ASCII" --port 5000
}
case_golden_cmd_uni() {
    golden cmd_uni --format cmd add "$NAME_UNI" --port 5000
}
case_golden_cmd_remove() {
    golden cmd_remove --format cmd remove --port 5000
}
case_golden_ps1_force() {
    golden ps1_force --format ps1 --force add "$NAME_ASCII" --port 5000
}
case_golden_cmd_force() {
    golden cmd_force --format cmd --force add "$NAME_ASCII" --port 5000
}
case_golden_reg_force() {
    # a .reg has no logic: --force changes nothing in it
    golden reg_ascii --force add "$NAME_ASCII" --port 5000
}
# golden_by_name ID ARGS...: export add NAME (a random GUID) with the GUID
# read back as 00000000-0000-4000-8000-000000000000, compared with
# expected/ID
golden_by_name() {
    local id=$1; shift
    hv export "$@"
    expect_rc 0
    sed -E 's/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/00000000-0000-4000-8000-000000000000/g' \
        "$work/out" >"$work/norm"
    cmp "$work/norm" "$here/expected/$id" ||
        fail "output differs from tests/hvreg/expected/$id (see $work/norm)"
}
case_golden_ps1_by_name() {
    golden_by_name ps1_by_name --format ps1 add "$NAME_ASCII"
}
case_golden_cmd_by_name() {
    golden_by_name cmd_by_name --format cmd add "$NAME_ASCII"
}
case_golden_output_file() {
    # -o FILE writes the same bytes, the format taken from the extension
    hv export -o "$work/x.ps1" add "$NAME_UNI" "$GUID_P5000"
    expect_rc 0
    expect_no_out
    cmp "$work/x.ps1" "$here/expected/ps1_uni" || fail "-o x.ps1 differs from ps1_uni"
}
case_golden_random_guid() {
    # without GUID or --port: a fresh version-4 GUID in the key name
    hv export add "n"
    expect_rc 0
    a=$(python3 -c 'import sys,re; t=open(sys.argv[1],"rb").read()[2:].decode("utf-16-le"); print(re.search(r"GuestCommunicationServices\\([0-9a-f-]{36})\]", t).group(1))' "$work/out") ||
        fail "no GUID key in $(out)"
    hv export add "n"
    b=$(python3 -c 'import sys,re; t=open(sys.argv[1],"rb").read()[2:].decode("utf-16-le"); print(re.search(r"GuestCommunicationServices\\([0-9a-f-]{36})\]", t).group(1))' "$work/out")
    [ "$a" != "$b" ] || fail "two random GUIDs are equal: $a"
    case $a in ????????-????-4???-[89ab]???-????????????) ;; *) fail "not version 4: $a";; esac
}
# ---------------------------------------------------------------- ps1
ps1_family() {
    command -v python3 >/dev/null || skip "python3 is not installed"
    case $case_name in
    ps1_ascii) n=$NAME_ASCII ;;
    ps1_uni) n=$NAME_UNI ;;
    *) n=$'\'\xe2\x80\x98\xe2\x80\x99\xe2\x80\x9a\xe2\x80\x9b\'\'' ;;
    esac
    hv export --format ps1 -o "$work/s.ps1" add "$n" --port 5000
    expect_rc 0
    python3 "$here/ps1check.py" "$work/s.ps1" "$(namefile "$n")" || fail "ps1 escaping"
    # the name check of each kind of add script
    hv export --format ps1 -o "$work/f.ps1" --force add "$n" --port 5000
    expect_rc 0
    python3 "$here/ps1check.py" "$work/f.ps1" "$work/name" force || fail "ps1 --force"
    hv export --format ps1 -o "$work/b.ps1" add "$n"
    expect_rc 0
    python3 "$here/ps1check.py" "$work/b.ps1" "$work/name" byname || fail "ps1 by name"
}
case_ps1_ascii() { ps1_family; }
case_ps1_uni() { ps1_family; }
case_ps1_quotes_only() { ps1_family; }
# no PowerShell runs here: the add and remove scripts of every kind parse
# with tree-sitter's PowerShell grammar (tests/docs/ps1-syntax.mjs; skipped
# without node and the parser, HV_PS_PARSER_DIR)
case_ps1_syntax() {
    [ -n "${HV_NODE:-}" ] || skip "no node (HV_NODE: not found, or not set by this build)"
    [ -d "${HV_PS_PARSER_DIR:-}/node_modules/tree-sitter-powershell" ] ||
        skip "no PowerShell parser in HV_PS_PARSER_DIR ('${HV_PS_PARSER_DIR:-}')"
    local n a
    # one parse of them all (a parse takes the parser's start-up, seconds):
    # the scripts one after the other, without their BOMs, are one script
    : >"$work/all.ps1"
    for n in "$NAME_ASCII" "$NAME_UNI"; do
        for a in "add" "--force add" "add-by-name" "remove"; do
            case $a in
            add-by-name) hv export -F ps1 -o "$work/s.ps1" add "$n" ;;
            remove) hv export -F ps1 -o "$work/s.ps1" remove --port 5000 ;;
            *) hv export -F ps1 -o "$work/s.ps1" $a "$n" --port 5000 ;;
            esac
            expect_rc 0
            tail -c +4 "$work/s.ps1" >>"$work/all.ps1"
        done
    done
    # V8's optimizing compile of the parser's WebAssembly, left running in
    # the background, holds node's exit for half a minute (more under
    # load) after the answer: the baseline compiler alone answers at once
    local fast=--liftoff-only
    "$HV_NODE" $fast -e 0 </dev/null >/dev/null 2>&1 || fast=
    "$HV_NODE" $fast "$here/../docs/ps1-syntax.mjs" "$HV_PS_PARSER_DIR" "$work/all.ps1" \
        </dev/null >"$work/parse" 2>&1 || fail "the exported scripts: $(cat "$work/parse")"
}
# ---------------------------------------------------------------- cli
case_cli_help() {
    for h in -h --help; do
        hv $h
        expect_rc 0
        out | grep -q '^usage: hvreg list' || fail "no usage in help"
        for s in list show add remove export; do
            out | grep -q "^  $s " || fail "help lacks subcommand $s"
        done
        [ ! -s "$work/err" ] || fail "help wrote to stderr"
    done
    hv add -h
    expect_rc 0
    hv -V
    expect_rc 0
    expect_out "hvreg (hvsock-tools) 0.1.0"
}
case_cli_usage() {
    hv
    expect_rc 64
    expect_err_has "hvreg: missing subcommand"
    expect_err_has "usage: hvreg"
    hv frobnicate
    expect_rc 64
    expect_err_has "hvreg: unknown subcommand 'frobnicate'"
    hv --bogus
    expect_rc 64
    hv list --force
    expect_rc 64
    expect_err_has "list: option --force does not apply"
    hv list extra
    expect_rc 64
    hv add
    expect_rc 64
    expect_err_has "add: missing NAME"
    hv add n --port 1 "$GUID_X"
    expect_rc 64
    hv show
    expect_rc 64
    hv export
    expect_rc 64
    hv export frob
    expect_rc 64
    hv export --format sh add n
    expect_rc 64
    expect_err_has "--format 'sh'"
    hv export remove some-name
    expect_rc 64
    expect_err_has "give a GUID or --port"
}
case_cli_operands() {
    hv add n 1234
    expect_rc 65
    expect_err_has "invalid GUID"
    hv add n '{a1b2c3d4-e5f6-4711-8899-aabbccddeeff'
    expect_rc 65
    hv show a1b2c3d4-e5f6-4711-88990aabbccddeeff
    expect_rc 65
    expect_err_has "invalid GUID"
    hv remove --port 2147483648
    expect_rc 65
    hv show --port x
    expect_rc 65
    hv add ""
    expect_rc 65
    expect_err_has "invalid name"
    if [ "${HV_PLATFORM:-posix}" != win ]; then
        # (Windows hands over UTF-16 arguments: no invalid UTF-8 there)
        hv export add $'bad\xff'
        expect_rc 65
        expect_no_out
    fi
}
# export obeys the built-in guard of add and remove
case_export_builtin() {
    local a
    for a in "remove $GUID_SESSION" "add x $GUID_SESSION"; do
        hv export $a
        expect_rc 65
        expect_no_out
        expect_err_has "refused"
        expect_err_has "--force"
        hv export --force $a
        expect_rc 0
        [ -s "$work/out" ] || fail "export --force $a wrote nothing"
    done
    hv export -o "$work/s.reg" remove "$GUID_SESSION"
    expect_rc 65
    [ ! -e "$work/s.reg" ] || fail "a refused export created its file"
}

# (posix_*: the POSIX build only: Wine's console is no pty, and ulimit -f
# does not reach its writes)
# a .reg (UTF-16) is not written to a terminal unless -o - asks for it;
# ps1 and cmd are text
case_posix_export_tty() {
    command -v python3 >/dev/null || skip "python3 is not installed"
    local tty="python3 $here/ontty.py"
    $tty "$work/out" $emu "$HVREG" export add n --port 5000 2>"$work/err"
    rc=$?
    expect_rc 64
    expect_err_has "hvreg: export: not writing a UTF-16 .reg to a terminal"
    [ ! -s "$work/out" ] || fail "wrote to the terminal: $(od -c "$work/out" | head -3)"
    $tty "$work/out" $emu "$HVREG" export -o - add n --port 5000 2>"$work/err"
    rc=$?
    expect_rc 0
    [ -s "$work/out" ] || fail "-o - wrote nothing to the terminal"
    $tty "$work/out" $emu "$HVREG" export -F cmd add n --port 5000 2>"$work/err"
    rc=$?
    expect_rc 0
    grep -q 'reg add' "$work/out" || fail "-F cmd on a terminal: $(out)"
}

# a failed write (the file size limit here, a full disk in life) leaves
# neither a short file nor the temporary one, and an old file as it was
# limited ARGS...: hvreg with no file growing past 0 bytes; rc, err file
limited() {
    local e
    e=$( (trap '' XFSZ; ulimit -f 0; exec "$HVREG" "$@") 2>&1 >/dev/null </dev/null)
    rc=$?
    printf '%s\n' "$e" >"$work/err"
}
case_posix_export_write_fails() {
    mkdir "$work/d"
    printf 'old\n' >"$work/d/old.reg"
    # stderr through a pipe: the limit holds for files only
    limited export -o "$work/d/new.reg" add n --port 5000
    expect_rc 74
    expect_err_has "hvreg: export: write $work/d/new.reg"
    limited export -o "$work/d/old.reg" add n --port 5000
    expect_rc 74
    [ "$(cat "$work/d/old.reg")" = old ] || fail "the old file was changed"
    [ "$(ls "$work/d")" = old.reg ] || fail "left behind: $(ls "$work/d")"
    # and a write that works replaces the old file whole
    hv export -o "$work/d/old.reg" add n --port 5000
    expect_rc 0
    hv export add n --port 5000
    cmp "$work/out" "$work/d/old.reg" || fail "-o over an old file differs from stdout"
    [ "$(ls "$work/d")" = old.reg ] || fail "left behind: $(ls "$work/d")"
}

# the registry calls of the Windows build use the 64-bit view (read from
# the sources: only a 32-bit build under WoW64 would show the difference)
case_registry_views() {
    command -v python3 >/dev/null || skip "python3 is not installed"
    python3 "$here/regviews.py" "$here"/../../lib/*_win.c || fail "registry views"
}

# ---------------------------------------------------------------- off Windows
noreg_family() {
    [ "${HV_PLATFORM:-posix}" != win ] || skip "the Windows build has a registry"
    case $case_name in
    noreg_list) hv list; w=list ;;
    noreg_show) hv show "$GUID_X"; w=show ;;
    noreg_add) hv add myservice --port 5000; w=add ;;
    noreg_remove) hv remove myservice; w=remove ;;
    esac
    expect_rc 69
    expect_no_out
    expect_err_has "hvreg: $w"
    expect_err_has "needs Windows"
}
case_noreg_list() { noreg_family; }
case_noreg_show() { noreg_family; }
case_noreg_add() { noreg_family; }
case_noreg_remove() { noreg_family; }
# ---------------------------------------------------------------- Wine: the server
# The Linux build's wine_* cases share one fresh prefix and one persistent
# server, started before them and stopped after them (ctest's fixture
# hvreg_wine): the settings of the Windows suite (tests/wine-env.sh). Without
# it every wine call started a server and Wine's system processes, which
# stopped again seconds after the last call, and one call (a batch file run
# a second time, in CI, once) failed without a word. The Windows suite has
# its own server, which these must not stop.
own_wineserver() {
    [ -z "$emu" ] || skip "the Windows suite runs its own server (tests/wine-env.sh)"
    wine_env
    command -v wineserver >/dev/null || skip "wineserver is not installed"
}
case_wineserver_start() {
    own_wineserver
    # what an earlier run left (a server, the prefix) goes first
    wineserver -k >/dev/null 2>&1
    wineserver -w >/dev/null 2>&1
    rm -rf "$WINEPREFIX"
    mkdir -p "$WINEPREFIX"
    # its output is not ctest's pipe, which would then stay open
    wineserver -p </dev/null >/dev/null 2>&1 || fail "wineserver -p failed"
    $WINE wineboot -i </dev/null >/dev/null 2>&1 || fail "wineboot -i failed in $WINEPREFIX"
    wine_retry reg query 'HKLM\Software\Microsoft\Windows NT\CurrentVersion' /v ProductName \
        </dev/null >/dev/null 2>&1 || fail "no registry after wineboot in $WINEPREFIX"
    : >"$WINEPREFIX/hv-booted"
}
case_wineserver_stop() {
    own_wineserver
    wineserver -k >/dev/null 2>&1
    wineserver -w >/dev/null 2>&1
    true
}

# ---------------------------------------------------------------- Wine: scripts
case_wine_reg_ascii() {
    wine_import_reg "$NAME_ASCII"
}
case_wine_reg_uni() {
    wine_import_reg "$NAME_UNI"
}
case_wine_cmd_ascii() {
    wine_cmd "$NAME_ASCII"
}
case_wine_cmd_uni() {
    wine_cmd "$NAME_UNI"
}
# a name names one service: the scripts check on the
# host what hvreg add checks (the .reg form cannot)
case_wine_cmd_by_name_ascii() {
    wine_cmd_by_name "$NAME_ASCII"
}
case_wine_cmd_by_name_uni() {
    wine_cmd_by_name "$NAME_UNI"
}
case_wine_cmd_taken_ascii() {
    wine_cmd_taken "$NAME_ASCII"
}
case_wine_cmd_taken_uni() {
    wine_cmd_taken "$NAME_UNI"
}
# a reg query that does not run is not an empty answer: with regshim.c
# as reg.exe in the script's directory (cmd looks there before PATH)
# failing the query that lists the services as a reg that cannot be
# started does (9009),
# the script stops (exit 1) and changes nothing. Before, it took the
# failed listing for "no other entry": the plain script registered a
# second entry with the name, the --force one left the other entry
# (seen in CI, where Wine now and then cannot start a process).
case_wine_cmd_query_fails() {
    [ -n "${HVREG_REGSHIM:-}" ] || skip "needs the Windows build (its reg.exe stand-in)"
    wine_setup
    wine_retry reg add "$K\\$GUID_X" /v ElementName /t REG_SZ /d plain /f >/dev/null 2>&1 ||
        fail "reg add"
    cp "$HVREG_REGSHIM" "$work/reg.exe" || fail "cannot copy the stand-in"
    hv export -F cmd -o "$work/s.cmd" add plain --port 5000
    expect_rc 0
    hv export -F cmd -o "$work/f.cmd" --force add plain --port 5000
    expect_rc 0
    for f in s.cmd f.cmd; do
        expect_cmd $f 1 ""
        grep -qF "hvreg: reg query did not run for $K (nothing was changed" "$work/cerr" ||
            fail "$f: stderr: $(cat "$work/cerr")"
        reg_absent "$GUID_P5000"
        [ "$(reg_query_name $GUID_X)" = plain ] || fail "$f: $GUID_X changed"
        [ "$(key_count)" = 1 ] || fail "$f: $(key_count) entries"
    done
    # once reg runs, the same scripts refuse and take the name over
    rm -f "$work/reg.exe"
    expect_cmd s.cmd 65 ""
    expect_cmd f.cmd 0 "$GUID_P5000"
    reg_absent "$GUID_X"
}
case_wine_cmd_case() {
    # names compare ignoring case; a key as Microsoft writes them (braced,
    # upper case) is found too
    wine_setup
    wine_retry reg add "$K\\{A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF}" /v ElementName /t REG_SZ \
        /d "My Service" /f >/dev/null 2>&1 || fail "reg add"
    hv export -F cmd -o "$work/s.cmd" add "MY SERVICE" --port 5000
    expect_cmd s.cmd 65 ""
    grep -qF "{A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF}" "$work/cerr" || fail "stderr: $(cat "$work/cerr")"
    reg_absent "$GUID_P5000"
    hv export -F cmd -o "$work/n.cmd" add "my service"
    expect_cmd n.cmd 0 "$GUID_X"
    [ "$(key_count)" = 1 ] || fail "$(key_count) entries"
    # another name is no conflict
    hv export -F cmd -o "$work/o.cmd" add "My Service 2" --port 5000
    expect_cmd o.cmd 0 "$GUID_P5000"
}
case_wine_cmd_renamed() {
    # the GUID has another name: refused, renamed with --force
    wine_setup
    hv export -F cmd -o "$work/a.cmd" add first --port 5000
    expect_cmd a.cmd 0 "$GUID_P5000"
    hv export -F cmd -o "$work/b.cmd" add second --port 5000
    expect_cmd b.cmd 65 ""
    grep -qF "$GUID_P5000 is already registered under another name" "$work/cerr" ||
        fail "stderr: $(cat "$work/cerr")"
    [ "$(reg_query_name $GUID_P5000)" = first ] || fail "the name changed"
    # the same name in other case is the same entry
    hv export -F cmd -o "$work/c.cmd" add FIRST --port 5000
    expect_cmd c.cmd 0 "$GUID_P5000"
    [ "$(reg_query_name $GUID_P5000)" = first ] || fail "the name changed"
    hv export -F cmd -o "$work/f.cmd" --force add second --port 5000
    expect_cmd f.cmd 0 "$GUID_P5000"
    [ "$(reg_query_name $GUID_P5000)" = second ] || fail "--force did not rename"
}
case_wine_cmd_ambiguous() {
    # entries an older hvreg left with one name: add NAME cannot choose
    wine_setup
    wine_retry reg add "$K\\$GUID_P5000" /v ElementName /t REG_SZ /d twin /f >/dev/null 2>&1
    wine_retry reg add "$K\\$GUID_X" /v ElementName /t REG_SZ /d TWIN /f >/dev/null 2>&1
    hv export -F cmd -o "$work/n.cmd" add twin
    expect_cmd n.cmd 65 ""
    grep -qF "several entries have the name" "$work/cerr" || fail "stderr: $(cat "$work/cerr")"
    [ "$(key_count)" = 2 ] || fail "$(key_count) entries"
    # --force moves the name to one GUID: the others go
    hv export -F cmd -o "$work/f.cmd" --force add twin "$GUID_X"
    expect_cmd f.cmd 0 "$GUID_X"
    [ "$(key_count)" = 1 ] || fail "$(key_count) entries"
    [ "$(reg_query_name $GUID_X)" = twin ] || fail "name of $GUID_X: $(reg_query_name $GUID_X)"
}
# ---------------------------------------------------------------- Wine: registry
case_win_add_show_remove() {
    win_only
    wine_setup
    hv list
    expect_rc 0
    expect_no_out
    hv add "my service" --port 5000
    expect_rc 0
    expect_out "$GUID_P5000"
    [ ! -s "$work/err" ] || fail "add wrote to stderr: $(err)"
    [ "$(reg_query_name $GUID_P5000)" = "my service" ] || fail "reg query: '$(reg_query_name $GUID_P5000)'"
    hv show "MY SERVICE"
    expect_rc 0
    expect_out "guid: $GUID_P5000
name: my service
port: 5000
builtin: no"
    hv list
    expect_rc 0
    expect_out "$GUID_P5000  5000        my service"
    hv remove "my service"
    expect_rc 0
    reg_absent $GUID_P5000
    hv show --port 5000
    expect_rc 69
    expect_err_has "no such entry"
    hv remove --port 5000
    expect_rc 69
}
case_win_random_guid() {
    win_only
    wine_setup
    hv add "fresh"
    expect_rc 0
    g=$(out)
    case $g in ????????-????-4???-[89ab]???-????????????) ;; *) fail "stdout '$g' is not a new GUID";; esac
    [ "$(reg_query_name "$g")" = fresh ] || fail "reg query of $g"
}
case_win_idempotent() {
    win_only
    wine_setup
    hv add svc "$GUID_X_TYPED"
    expect_rc 0
    expect_out "$GUID_X"
    hv add svc "$GUID_X"
    expect_rc 0
    expect_out "$GUID_X"
    [ ! -s "$work/err" ] || fail "no-op add wrote to stderr: $(err)"
    [ "$(wine_retry reg query "$K" 2>/dev/null | tr -d '\r' | grep -ci "$GUID_X")" = 1 ] ||
        fail "not exactly one key"
}
case_win_conflict() {
    win_only
    wine_setup
    hv add first --port 5000
    expect_rc 0
    hv add second --port 5000
    expect_rc 65
    expect_no_out
    expect_err_has "already registered as 'first'"
    expect_err_has "--force"
    [ "$(reg_query_name $GUID_P5000)" = first ] || fail "the name changed"
    hv add --force second --port 5000
    expect_rc 0
    expect_out "$GUID_P5000"
    [ "$(reg_query_name $GUID_P5000)" = second ] || fail "--force did not rename"
}
case_win_ambiguous() {
    win_only
    wine_setup
    hv add twin --port 5000
    expect_rc 0
    # hvreg keeps a name to one entry: the twin is one another tool (or an
    # older hvreg) wrote
    wine_retry reg add "$K\\$GUID_X" /v ElementName /t REG_SZ /d TWIN /f >/dev/null 2>&1
    hv add twin
    expect_rc 65
    expect_no_out
    expect_err_has "ambiguous name"
    expect_err_has "$GUID_P5000, $GUID_X"
    hv remove Twin
    expect_rc 65
    expect_err_has "ambiguous name"
    expect_err_has "$GUID_P5000"
    expect_err_has "$GUID_X"
    [ "$(reg_query_name $GUID_P5000)" = twin ] || fail "an entry went away"
    [ "$(reg_query_name $GUID_X)" = TWIN ] || fail "an entry went away"
    hv remove "$GUID_X"
    expect_rc 0
    hv remove twin
    expect_rc 0
    reg_absent $GUID_P5000
}
# a name names one service
case_win_name_twice() {
    # add NAME twice (any case): the first GUID, one entry
    win_only
    wine_setup
    hv add svc
    expect_rc 0
    g=$(out)
    case $g in ????????-????-4???-[89ab]???-????????????) ;; *) fail "stdout '$g' is not a new GUID";; esac
    for n in svc SVC; do
        hv add $n
        expect_rc 0
        expect_out "$g"
        [ ! -s "$work/err" ] || fail "add $n wrote to stderr: $(err)"
    done
    [ "$(key_count)" = 1 ] || fail "$(key_count) entries"
    [ "$(reg_query_name "$g")" = svc ] || fail "name: $(reg_query_name "$g")"
    # --force does not make a second one
    hv add --force svc
    expect_rc 0
    expect_out "$g"
    [ "$(key_count)" = 1 ] || fail "$(key_count) entries"
}
case_win_name_taken() {
    # add NAME GUID2 when NAME has GUID1: 65, nothing changed; --force moves it
    win_only
    wine_setup
    hv add svc "$GUID_X"
    expect_rc 0
    hv add Svc --port 5000
    expect_rc 65
    expect_no_out
    expect_err_has "hvreg: add 'Svc': the name is already registered for $GUID_X"
    expect_err_has "--force"
    reg_absent "$GUID_P5000"
    [ "$(reg_query_name "$GUID_X")" = svc ] || fail "the entry changed"
    [ "$(key_count)" = 1 ] || fail "$(key_count) entries"
    # exactly that entry: nothing to do
    hv add svc "$GUID_X"
    expect_rc 0
    expect_out "$GUID_X"
    hv add --force Svc --port 5000
    expect_rc 0
    expect_out "$GUID_P5000"
    reg_absent "$GUID_X"
    [ "$(reg_query_name "$GUID_P5000")" = Svc ] || fail "name: $(reg_query_name "$GUID_P5000")"
    hv add svc
    expect_rc 0
    expect_out "$GUID_P5000"
    [ "$(key_count)" = 1 ] || fail "$(key_count) entries"
}
case_win_name_case() {
    # the same name in other case is the same name: kept as it is, and
    # --force writes the new spelling
    win_only
    wine_setup
    hv add "my svc" "$GUID_X"
    expect_rc 0
    hv add "MY SVC" "$GUID_X"
    expect_rc 0
    expect_out "$GUID_X"
    [ "$(reg_query_name "$GUID_X")" = "my svc" ] || fail "renamed without --force"
    hv add --force "MY SVC" "$GUID_X"
    expect_rc 0
    [ "$(reg_query_name "$GUID_X")" = "MY SVC" ] || fail "--force did not respell"
}
case_win_builtin() {
    win_only
    wine_setup
    # as Windows writes it: upper-case key, and a value besides ElementName
    wine_retry reg add "$K\\999E53D4-3D5C-4C3E-8779-BED06EC056E1" /v ElementName /t REG_SZ \
        /d "VM Session Service" /f >/dev/null 2>&1 || fail "reg add"
    hv remove "$GUID_SESSION"
    expect_rc 65
    expect_err_has "refused"
    expect_err_has "--force"
    wine_retry reg query "$K\\$GUID_SESSION" >/dev/null 2>&1 || fail "built-in entry removed"
    hv remove "VM Session Service"
    expect_rc 65
    hv add other "$GUID_SESSION"
    expect_rc 65
    hv show "$GUID_SESSION"
    expect_rc 0
    out | grep -qx "builtin: yes" || fail "show does not say built-in"
    hv remove --force "$GUID_SESSION"
    expect_rc 0
    reg_absent "$GUID_SESSION"
}
case_win_json() {
    win_only
    wine_setup
    hv list --json
    expect_rc 0
    python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == []' "$work/out" ||
        fail "empty list is not []: $(out)"
    hv add "$NAME_UNI" --port 5000
    expect_rc 0
    hv add plain "$GUID_X"
    expect_rc 0
    wine_retry reg add "$K\\{0000BEEF-0000-4000-8000-000000000000}" /v Purpose /t REG_SZ /d x /f >/dev/null 2>&1
    hv list --json
    expect_rc 0
    printf '%s' "$NAME_UNI" >"$work/uni"
    python3 - "$work/out" "$work/uni" <<'EOF' || fail "list --json: $(out)"
import json, sys
items = json.load(open(sys.argv[1], encoding='utf-8'))
uni = open(sys.argv[2], 'rb').read().decode('utf-8')
assert [sorted(i) for i in items] == [['builtin', 'guid', 'name', 'port']] * 3, items
by = {i['guid']: i for i in items}
a = by['00001388-facb-11e6-bd58-64006a7986d3']
assert a['name'] == uni and a['port'] == 5000 and a['builtin'] is False, a
b = by['a1b2c3d4-e5f6-4711-8899-aabbccddeeff']
assert b['name'] == 'plain' and b['port'] is None, b
c = by['0000beef-0000-4000-8000-000000000000']
assert c['name'] is None and c['port'] is None, c
EOF
    # the same count as Wine's own reg query
    n=$(wine_retry reg query "$K" 2>/dev/null | tr -d '\r' | grep -c 'GuestCommunicationServices\\')
    [ "$n" = 3 ] || fail "reg query lists $n keys"
    reg_has "$GUID_P5000" "$work/uni"
    show_json_name "$GUID_P5000" "$work/uni"
}
case_win_case_extra() {
    win_only
    wine_setup
    # a braced upper-case key with extra values another tool wrote
    wine_retry reg add "$K\\{A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF}" /v ElementName /t REG_SZ /d "tool svc" /f >/dev/null 2>&1
    wine_retry reg add "$K\\{A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF}" /v ToolName /t REG_SZ /d other /f >/dev/null 2>&1
    wine_retry reg add "$K\\{A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF}" /v Purpose /t REG_DWORD /d 7 /f >/dev/null 2>&1
    hv show "$GUID_X"
    expect_rc 0
    out | grep -qx "name: tool svc" || fail "show: $(out)"
    hv add "tool svc" "$GUID_X"
    expect_rc 0
    expect_out "$GUID_X"
    hv remove "tool svc"
    expect_rc 0
    wine_retry reg query "$K\\{A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF}" >/dev/null 2>&1 &&
        fail "braced key still there"
    true
}
case_win_unicode_roundtrip() {
    win_only
    wine_setup
    hv add "$NAME_UNI" "$GUID_X"
    expect_rc 0
    nf=$(namefile "$NAME_UNI")
    reg_has "$GUID_X" "$nf"
    show_json_name "$GUID_X" "$nf"
    hv remove "$NAME_UNI"
    expect_rc 0
    reg_absent "$GUID_X"
}
case_win_service_name() {
    # hvcat takes a registered name as SERVICE: it resolves, then the
    # AF_HYPERV socket is what Wine lacks (69); an unknown name is 65
    win_only
    wine_setup
    hv add "echo svc" --port 5000
    expect_rc 0
    $emu "$HVCAT" -w 1 parent "ECHO SVC" </dev/null >"$work/out" 2>"$work/err"
    rc=$?
    grep -q "registered service name" "$work/err" && fail "name not resolved: $(err)"
    [ "$rc" -eq 69 ] || fail "hvcat exit $rc: $(err)"
    $emu "$HVCAT" -w 1 parent "no such svc" </dev/null >"$work/out" 2>"$work/err"
    rc=$?
    expect_rc 65
    wine_retry reg add "$K\\$GUID_X" /v ElementName /t REG_SZ /d "ECHO svc" /f >/dev/null 2>&1
    $emu "$HVCAT" -w 1 parent "echo svc" </dev/null >"$work/out" 2>"$work/err"
    rc=$?
    expect_rc 65
    expect_err_has "ambiguous"
}
case_win_access_denied() {
    # not elevated: a clear message and 77; the DACL is restored on exit
    win_only
    wine_setup
    [ -n "${HVREG_REGDENY:-}" ] || skip "no regdeny helper"
    hv add keep --port 5000
    expect_rc 0
    trap '$WINE "$HVREG_REGDENY" allow >/dev/null 2>&1; rm -rf "$work"' EXIT
    $WINE "$HVREG_REGDENY" deny || fail "regdeny deny"
    hv add "new one" "$GUID_X"
    expect_rc 77
    expect_no_out
    expect_err_has "hvreg: add 'new one': permission denied: run it as Administrator"
    hv remove keep
    expect_rc 77
    expect_err_has "run it as Administrator"
    # reading needs no elevation, and a no-op add is still a success
    hv show keep
    expect_rc 0
    hv add keep --port 5000
    expect_rc 0
    expect_out "$GUID_P5000"
    $WINE "$HVREG_REGDENY" allow || fail "regdeny allow"
    [ "$(reg_query_name $GUID_P5000)" = keep ] || fail "entry changed"
    reg_absent "$GUID_X"
}

# run the case named by the first argument (CMake lists the case_*
# functions above as the ctest entries)
declare -F "case_$case_name" >/dev/null || { echo "no such case: $case_name" >&2; exit 2; }
"case_$case_name"
exit 0
