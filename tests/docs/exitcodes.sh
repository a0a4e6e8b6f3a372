# exitcodes.sh: the exit codes are documented once, in hvsock(7), and every
# tool page points there. The codes of hvsock(7)'s EXIT STATUS list are
# exactly 0 and those of HV_ERROR_TABLE in lib/hvsock.h, and the EXIT
# STATUS section of each other page refers to hvsock 7 and lists no codes.
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"

section() { # page, section name: the lines of that .Sh section
    awk -v s="$2" '/^\.Sh / { on = (substr($0, 5) == s); next } on' "$1"
}

want=$( { echo 0; grep -o '^ *X([A-Z_]*, *[0-9]*,' "$SRC/lib/hvsock.h" |
          sed 's/.*, *\([0-9]*\),$/\1/'; } | sort -u)
[ "$(echo $want | wc -w)" -ge 5 ] || fail "lib/hvsock.h: HV_ERROR_TABLE not found"
got=$(section "$SRC/man/hvsock.7" "EXIT STATUS" | sed -n 's/^\.It \([0-9][0-9]*\)$/\1/p' | sort -u)
same_set "$want" "$got" "HV_ERROR_TABLE" "hvsock.7 EXIT STATUS" ||
    fail "hvsock.7 does not document exactly the exit codes of lib/hvsock.h"
echo "ok: hvsock.7 documents the exit codes $(echo $want)"

for page in "$SRC"/man/*.[1-9]; do
    [ "${page##*/}" = hvsock.7 ] && continue
    text=$(section "$page" "EXIT STATUS")
    [ -n "$text" ] || fail "${page##*/}: no EXIT STATUS section"
    printf '%s\n' "$text" | grep -q '^\.Xr hvsock 7' ||
        fail "${page##*/}: EXIT STATUS does not refer to hvsock(7)"
    printf '%s\n' "$text" | grep -q '^\.It [0-9]' &&
        fail "${page##*/}: EXIT STATUS lists codes of its own; they belong in hvsock.7"
    echo "ok: ${page##*/} refers to hvsock(7) for its exit codes"
done
exit 0
