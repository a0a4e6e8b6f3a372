# helpexit.sh TOOL: the "Exit status:" paragraph of TOOL --help names
# exactly the exit codes of hvsock(7)'s EXIT STATUS list (the man pages are
# held to that list by exitcodes.sh; --help is text of its own).
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"
tool=$1

help=$("$tool" --help) || fail "$tool --help failed"
para=$(printf '%s\n' "$help" | awk '/^Exit status:/ { on = 1 } on && /^$/ { exit } on')
[ -n "$para" ] || fail "$tool --help has no 'Exit status:' paragraph"
# the codes: every number of one to three digits that stands as a word
got=$(printf '%s\n' "$para" | sed 's/hvsock(7)//g' | tr -c '0-9\n' ' ' | tr ' ' '\n' | grep -x '[0-9]\{1,3\}' | sort -u)
want=$(awk '/^\.Sh / { on = ($0 == ".Sh EXIT STATUS"); next } on' "$SRC/man/hvsock.7" |
       sed -n 's/^\.It \([0-9][0-9]*\)$/\1/p' | sort -u)
[ "$(echo $want | wc -w)" -ge 5 ] || fail "hvsock.7: no EXIT STATUS codes found"
same_set "$want" "$got" "hvsock.7 EXIT STATUS" "$tool --help" ||
    fail "$tool --help's exit status paragraph differs from hvsock(7)"
echo "ok: $tool --help names the exit codes $(echo $got)"
