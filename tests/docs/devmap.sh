# devmap.sh: the "Where things are" table of DEVELOPERS.md matches the
# tree: every file it names exists, and every source of lib/ and tools/
# is named in it.
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"

doc=$SRC/DEVELOPERS.md
[ -f "$doc" ] || fail "no DEVELOPERS.md"
table=$(awk '/^## Where things are/ { on = 1; next } on && /^## / { exit } on' "$doc" | grep '^|')
[ -n "$table" ] || fail "DEVELOPERS.md has no 'Where things are' table"
named=$(printf '%s\n' "$table" | cut -d'|' -f3 | grep -o '`[^`]*`' | tr -d '`' | sort -u)
[ -n "$named" ] || fail "the table names no files"
bad=0
for f in $named; do
    if [ ! -e "$SRC/$f" ]; then
        echo "named in DEVELOPERS.md but missing: $f" >&2
        bad=1
    fi
done
for f in "$SRC"/lib/*.c "$SRC"/lib/*.h "$SRC"/tools/*.c "$SRC"/tools/*.h; do
    rel=${f#"$SRC"/}
    case $rel in lib/platform.h | lib/hvsock*.h) continue ;; esac # the Layout block
    printf '%s\n' "$named" | grep -qxF "$rel" || {
        echo "in the tree but not in DEVELOPERS.md's table: $rel" >&2
        bad=1
    }
done
[ $bad = 0 ] || fail "DEVELOPERS.md's 'Where things are' does not match the tree"
echo "ok: $(printf '%s\n' "$named" | wc -l) files named, all present; every lib/ and tools/ source named"
