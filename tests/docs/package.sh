# package.sh BUILD_DIR VERSION STATIC TOOL...: `cpack -G DEB` builds one
# .deb whose control fields are right (Maintainer, Version, Depends: none
# for static tools, libc6 otherwise) and which, unpacked with `dpkg -x`
# into a temporary root, puts every file where Debian's man, bash-completion,
# zsh and fish look under /usr, and nothing anywhere else.
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"
build=$1 version=$2 static=$3
shift 3
tools="$*"
need dpkg-deb
need man
need cpack
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1 || {
    cat "$tmp/cpack.log" >&2
    fail "cpack -G DEB failed"
}
set -- "$tmp"/out/*.deb
[ $# -eq 1 ] && [ -f "$1" ] || fail "expected one .deb, found: $*"
deb=$1
echo "built ${deb##*/}"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = hvsock-tools ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), not $version"
case $(field Maintainer) in
*?' <'*'@'*'>') ;;
*) fail "Maintainer is not 'Name <address>': $(field Maintainer)" ;;
esac
[ -n "$(field Description)" ] || fail "no Description"
depends=$(field Depends)
case $static in
ON | on | 1 | TRUE | true)
    [ -z "$depends" ] || fail "static tools, yet Depends: $depends" ;;
*)
    case $depends in *libc6*) ;; *) fail "Depends lacks libc6: '$depends'" ;; esac ;;
esac
echo "ok: control fields (Depends: ${depends:-none})"

# every path in the package lies under ./usr/
dpkg-deb -c "$deb" | awk '{ print $6 }' > "$tmp/list"
bad=$(grep -v '^\./usr/\|^\./$' "$tmp/list")
[ -z "$bad" ] || fail "files outside /usr: $bad"

root=$tmp/root
dpkg -x "$deb" "$root" || fail "dpkg -x failed"
expect() {
    [ -e "$root/$1" ] || fail "/$1 is missing from the package"
}
for t in $tools; do
    expect "usr/bin/$t"
    [ -x "$root/usr/bin/$t" ] || fail "/usr/bin/$t is not executable"
    expect "usr/share/bash-completion/completions/$t"
    expect "usr/share/zsh/site-functions/_$t"
    expect "usr/share/fish/vendor_completions.d/$t.fish"
done
expect usr/share/powershell/hvsock-tools.ps1
for f in "$SRC"/completions/fish/functions/*.fish; do
    expect "usr/share/fish/vendor_functions.d/${f##*/}"
done
for f in "$SRC"/man/*.[1-9]; do
    b=${f##*/}
    expect "usr/share/man/man${b##*.}/$b"
    MANPATH= man -M "$root/usr/share/man" -w "${b##*.}" "${b%.*}" >/dev/null 2>&1 ||
        fail "man -M finds no ${b%.*}(${b##*.}) in the package"
done
echo "ok: binaries, man pages and completions under /usr"

# The shells' own search paths for /usr, taken from the shells installed
# here, reach the package's files.
if command -v zsh >/dev/null 2>&1; then
    found=
    for d in $(zsh -f -c 'print -l -- $fpath'); do
        case $d in /usr/share/*) [ -f "$root$d/_hvcat" ] && found=$d ;; esac
    done
    [ -n "$found" ] || fail "no directory of zsh's \$fpath under /usr/share holds _hvcat"
    echo "ok: zsh reads _hvcat from $found"
fi
if command -v fish >/dev/null 2>&1; then
    fish_clean -c 'string join \n -- $fish_complete_path' |
        grep -qx /usr/share/fish/vendor_completions.d ||
        fail "fish does not search /usr/share/fish/vendor_completions.d"
    echo "ok: fish searches /usr/share/fish/vendor_completions.d"
fi
