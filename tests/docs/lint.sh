# lint.sh PAGE: `mandoc -Tlint -W style` reports nothing for one man page,
# nor does `groff -mandoc -ww` (what man-db renders with) where groff exists.
#
# The project's pages are staged in a temporary man tree searched before the
# system's, so that cross references between them are checked too. Two kinds
# of message are about this host, not the page, and are left out: mandoc's
# notice that the system's mandoc.db is out of date, and a reference to a
# page outside this project (nc(1), vsock(7), ...) that this host has not
# installed. Everything else mandoc says fails the test.
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"
need mandoc
page=$1
[ -f "$SRC/man/$page" ] || fail "$SRC/man/$page: no such page"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
ours=
for f in "$SRC"/man/*.[1-9]; do
    b=${f##*/}
    mkdir -p "$tmp/man${b##*.}"
    cp "$f" "$tmp/man${b##*.}/"
    ours="$ours ${b%.*}"
done
sys=$(manpath 2>/dev/null) || sys=/usr/share/man

out=$(cd "$SRC/man" && mandoc -Tlint -W style -M "$tmp:$sys" "$page" 2>&1)
rc=$?
report=
while IFS= read -r line; do
    [ -z "$line" ] && continue
    case $line in
    *"outdated mandoc.db"*) continue ;;
    *"referenced manual not found: Xr "*)
        ref=$(printf '%s\n' "$line" | sed 's/.*Xr \([^ ]*\) .*/\1/')
        case " $ours " in
        *" $ref "*) ;;                 # one of ours (any section): an error
        *) echo "note (host): $line"; continue ;;
        esac
        ;;
    esac
    report="$report$line
"
done <<< "$out"
if [ -n "$report" ]; then
    printf '%s' "$report" >&2
    fail "mandoc -Tlint reports problems in $page"
fi
# mandoc exits 0, or 1 for the host notices filtered above; more is an error.
[ "$rc" -le 1 ] || fail "mandoc -Tlint exited $rc for $page"
# man-db renders with groff: its warnings (-ww) count too, where it exists.
if command -v groff >/dev/null 2>&1; then
    gout=$(cd "$SRC/man" && groff -mandoc -Tutf8 -ww -z "$page" 2>&1)
    [ -z "$gout" ] || { printf '%s\n' "$gout" >&2; fail "groff -ww warns about $page"; }
fi
echo "ok: $page lints clean"
