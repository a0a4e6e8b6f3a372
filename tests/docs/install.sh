# install.sh BUILD_DIR: `cmake --install` into a temporary prefix puts every
# file where its reader looks: man(1) -M finds each page, bash-completion's
# directory under $XDG_DATA_DIRS holds a file per tool that registers its
# completion, zsh's compinit picks the functions up from site-functions, and
# fish finds the completions through $XDG_DATA_DIRS on its own.
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"
build=$1
need man
prefix=$(mktemp -d) || exit 1
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null || fail "cmake --install failed"

tools="hvcat hvlisten hvreg hvvmid"
for t in $tools; do
    [ -x "$prefix/bin/$t" ] || fail "bin/$t not installed"
done

for f in "$SRC"/man/*.[1-9]; do
    b=${f##*/}
    name=${b%.*} sec=${b##*.}
    p=$(MANPATH= man -M "$prefix/share/man" -w "$sec" "$name" 2>/dev/null) ||
        fail "man -M $prefix/share/man -w $sec $name finds nothing"
    case $p in
    "$prefix/share/man/man$sec/"*) echo "ok: man finds $name($sec) at ${p#$prefix/}" ;;
    *) fail "man found $name($sec) at $p, not under the prefix" ;;
    esac
done

# bash-completion loads <dir>/bash-completion/completions/<command> for each
# dir of $XDG_DATA_DIRS on the first Tab after <command>.
for t in $tools; do
    f=$prefix/share/bash-completion/completions/$t
    [ -f "$f" ] || fail "no bash completion at ${f#$prefix/}"
    bash --norc --noprofile -c 'source "$1" && complete -p "$2"' _ "$f" "$t" >/dev/null ||
        fail "${f#$prefix/} does not register a completion for $t"
done
echo "ok: bash completions in share/bash-completion/completions"

if command -v zsh >/dev/null 2>&1; then
    for t in $tools; do
        got=$(zsh -f -c 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -D
                         print -r -- ${_comps[$2]}' _ "$prefix/share/zsh/site-functions" "$t" 2>&1)
        [ "$got" = "_$t" ] || fail "zsh: compinit maps $t to '$got', not _$t"
    done
    echo "ok: zsh functions in share/zsh/site-functions"
else
    echo "note: zsh is not installed; its files were not checked"
fi

if command -v fish >/dev/null 2>&1; then
    for t in $tools; do
        got=$(PATH="$prefix/bin:$PATH" XDG_DATA_DIRS="$prefix/share" \
              fish_clean -c "complete -C '$t --hel'" | cut -f1)
        [ "$got" = --help ] || fail "fish does not find $t's completions under \$XDG_DATA_DIRS ('$got')"
    done
    # the VM operand goes through the shared functions in vendor_functions.d
    got=$(PATH="$prefix/bin:$PATH" XDG_DATA_DIRS="$prefix/share" \
          fish_clean -c "complete -C 'hvcat lo'" | cut -f1 | sort | tr '\n' ' ')
    [ "$got" = "local loopback " ] || fail "fish: 'hvcat lo' offers '$got' (shared functions not found?)"
    echo "ok: fish completions in share/fish/vendor_completions.d and vendor_functions.d"
else
    echo "note: fish is not installed; its files were not checked"
fi

[ -f "$prefix/share/powershell/hvsock-tools.ps1" ] || fail "no PowerShell script"
echo "ok: PowerShell script in share/powershell"
