# zip.sh BUILD_DIR RENDERED TOOL...: (Windows builds) `cpack -G ZIP` builds
# one .zip holding the tools as .exe, the man pages (rendered to HTML and
# text when RENDERED is 1, else the sources), the PowerShell completion
# script and LICENSE.txt (LICENSE as it is).
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"
build=$1 rendered=$2
shift 2
tools="$*"
need cpack
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cpack --config "$build/CPackConfig.cmake" -G ZIP -B "$tmp/out" >"$tmp/cpack.log" 2>&1 || {
    cat "$tmp/cpack.log" >&2
    fail "cpack -G ZIP failed"
}
set -- "$tmp"/out/*.zip
[ $# -eq 1 ] && [ -f "$1" ] || fail "expected one .zip, found: $*"
zip=$1
(cd "$tmp" && cmake -E tar tf "$zip") > "$tmp/list" || fail "cannot list $zip"
top=$(basename "$zip" .zip)
expect() {
    grep -qx "$top/$1" "$tmp/list" || fail "$1 is missing from ${zip##*/}"
}
for t in $tools; do
    expect "bin/$t.exe"
done
for f in "$SRC"/man/*.[1-9]; do
    b=${f##*/}
    if [ "$rendered" = 1 ]; then
        expect "doc/$b.html"
        expect "doc/$b.txt"
    else
        expect "doc/$b"
    fi
done
expect share/powershell/hvsock-tools.ps1
expect LICENSE.txt
mkdir "$tmp/x" && (cd "$tmp/x" && cmake -E tar xf "$zip") || fail "cannot unpack $zip"
cmp -s "$tmp/x/$top/LICENSE.txt" "$SRC/LICENSE" || fail "LICENSE.txt is not LICENSE"
echo "ok: ${zip##*/} holds the tools, the manuals, the PowerShell script and LICENSE.txt"
cat "$tmp/list"
