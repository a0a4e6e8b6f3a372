# package.sh BUILD_DIR VERSION STATIC TOOL...: `cpack -G DEB` builds one
# .deb whose control fields are right (Maintainer, Version, Depends: none
# for static tools, libc6 otherwise) and which, unpacked with `dpkg -x`
# into a temporary root, puts every file where Debian's man, bash-completion,
# zsh and fish look under /usr, and nothing anywhere else. The man pages
# are gzipped (gzip -n: no name or time) and render; the copyright file is
# in Debian's machine-readable format with LICENSE's text; lintian (when
# installed) reports no error; dpkg and apt would install it (dry runs).
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
    gz=usr/share/man/man${b##*.}/$b.gz
    expect "$gz"
    [ ! -e "$root/${gz%.gz}" ] || fail "/${gz%.gz} is there uncompressed too"
    gzip -dc "$root/$gz" | cmp -s - "$f" ||
        fail "/$gz is not man/$b gzipped (built before man/$b changed?)"
    # gzip -n: the header's flags (no file name) and time are all zero
    [ "$(od -An -tu1 -j3 -N5 "$root/$gz" | tr -s ' ')" = " 0 0 0 0 0" ] ||
        fail "/$gz keeps a name or time in its header (gzip without -n)"
    MANPATH= man -M "$root/usr/share/man" -w "${b##*.}" "${b%.*}" >/dev/null 2>&1 ||
        fail "man -M finds no ${b%.*}(${b##*.}) in the package"
done
echo "ok: binaries, man pages (gzip -9n) and completions under /usr"

# what `man hvcat` shows once installed, and man -l of a page by its path
got=$(MANPATH= MANWIDTH=80 man -P cat -M "$root/usr/share/man" 1 hvcat 2>&1) ||
    fail "man -M ... 1 hvcat: $got"
case $got in *NAME*hvcat*SYNOPSIS*) ;; *) fail "man 1 hvcat renders no NAME and SYNOPSIS: $got" ;; esac
got=$(MANWIDTH=80 man -P cat -l "$root/usr/share/man/man8/hvreg.8.gz" 2>&1) ||
    fail "man -l hvreg.8.gz: $got"
case $got in *NAME*hvreg*SYNOPSIS*) ;; *) fail "man -l hvreg.8.gz renders no NAME and SYNOPSIS: $got" ;; esac
echo "ok: man 1 hvcat and man -l hvreg.8.gz render"

# /usr/share/doc/hvsock-tools/copyright: copyright-format 1.0, one Files: *
# paragraph whose holders and License: Expat text are LICENSE's
doc=usr/share/doc/hvsock-tools
expect "$doc/copyright"
expect "$doc/changelog.gz"
cr=$root/$doc/copyright
[ "$(head -n 1 "$cr")" = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" ] ||
    fail "copyright: the first line is not copyright-format 1.0's Format:"
grep -qx 'Upstream-Name: hvsock-tools' "$cr" || fail "copyright: no Upstream-Name: hvsock-tools"
awk -v RS= '/(^|\n)Files: \*(\n|$)/' "$cr" > "$tmp/files"
[ -s "$tmp/files" ] || fail "copyright: no Files: * paragraph"
holders=$(sed -n 's/^Copyright (c) //p' "$SRC/LICENSE")
[ -n "$holders" ] || fail "LICENSE has no 'Copyright (c)' line"
grep -qx "Copyright: $holders" "$tmp/files" || fail "copyright: Files: * lacks 'Copyright: $holders'"
grep -qx 'License: Expat' "$tmp/files" || fail "copyright: Files: * lacks 'License: Expat'"
# the field's lines unindented, " ." an empty line
sed -n '/^License: Expat$/,${/^ /p}' "$tmp/files" | sed 's/^ //; s/^\.$//' > "$tmp/text.deb"
sed '1,/^Copyright (c) /d' "$SRC/LICENSE" | sed '1{/^$/d}' > "$tmp/text.src"
cmp -s "$tmp/text.deb" "$tmp/text.src" || {
    diff "$tmp/text.src" "$tmp/text.deb" >&2
    fail "copyright: the License: Expat text is not LICENSE's"
}
# a native package's changelog: one entry for this version
gzip -dc "$root/$doc/changelog.gz" > "$tmp/changelog" || fail "changelog.gz is no gzip file"
case $(head -n 1 "$tmp/changelog") in
"hvsock-tools ($version) "*) ;;
*) fail "changelog.gz: the first entry is not version $version" ;;
esac
if command -v dpkg-parsechangelog >/dev/null 2>&1; then
    got=$(dpkg-parsechangelog -l "$tmp/changelog" -S Version) ||
        fail "dpkg-parsechangelog cannot read changelog.gz"
    [ "$got" = "$version" ] || fail "changelog.gz: version $got, not $version"
fi
echo "ok: /$doc/copyright (Files: *, License: Expat, LICENSE's text) and changelog.gz"

# lintian: no E: line (W: and I: are printed, not failed on)
if command -v lintian >/dev/null 2>&1; then
    lintian "$deb" > "$tmp/lintian" 2>&1
    rc=$?
    grep -v 'running with root privileges' "$tmp/lintian"
    ! grep -q '^E: ' "$tmp/lintian" || fail "lintian reports errors"
    [ $rc -eq 0 ] || fail "lintian exited $rc"
    echo "ok: lintian reports no error"
else
    echo "note: lintian is not installed; the package was not linted"
fi

# `apt install ./hvsock-tools_*.deb` would work: dpkg reads it, dpkg and
# apt walk through installing it without doing it
dpkg-deb -I "$deb" >/dev/null || fail "dpkg-deb -I cannot read the package"
dpkg --dry-run -i "$deb" > "$tmp/dpkg" 2>&1 || {
    cat "$tmp/dpkg" >&2
    fail "dpkg --dry-run -i failed"
}
if command -v apt-get >/dev/null 2>&1; then
    apt-get -s install "$deb" > "$tmp/apt" 2>&1 || {
        cat "$tmp/apt" >&2
        fail "apt-get -s install failed"
    }
    grep -q "^Conf hvsock-tools ($version \|hvsock-tools is already the newest version ($version)" \
        "$tmp/apt" || {
        cat "$tmp/apt" >&2
        fail "apt-get -s install does not install hvsock-tools $version"
    }
    echo "ok: dpkg --dry-run -i and apt-get -s install take it"
else
    echo "ok: dpkg --dry-run -i takes it (no apt-get here)"
fi

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
