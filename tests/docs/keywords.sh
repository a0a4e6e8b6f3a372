# keywords.sh WHERE: the VM keywords WHERE knows are those of hv_keywords[]
# in lib/keywords.c.
#   WHERE = man         the keyword list of hvsock(7) (.It Cm lines of its
#                       "VM keywords" section)
#           bash|zsh|fish   what Tab offers for the VM operand of hvcat,
#                       hvlisten and hvvmid, driven in the real shell; the
#                       live sources (hvvmid --list, hvreg list) fail on
#                       Linux, and must add nothing, silently
#           powershell  the keyword table of hvsock-tools.ps1
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"
where=$1

want=$(table_keywords)
[ "$(echo $want | wc -w)" -ge 6 ] || fail "lib/keywords.c: keyword table not found"

check() {
    same_set "$want" "$2" "lib/keywords.c" "$1" ||
        fail "$1 and lib/keywords.c disagree on the VM keywords"
}

case $where in
man)
    got=$(sed -n '/^\.Ss VM keywords/,/^\.S[sh] /p' "$SRC/man/hvsock.7" |
          sed -n 's/^\.It Cm \([a-z]*\).*/\1/p' | sort -u)
    check "hvsock.7" "$got"
    ;;
bash | zsh | fish)
    need "$where"
    for line in 'hvcat ' 'hvlisten ' 'hvvmid ' 'hvcat -v ' 'hvlisten -k '; do
        errf=$(mktemp)
        got=$(complete_"$where" "$line" 2>"$errf") || fail "$where: '$line' failed"
        if [ -s "$errf" ]; then
            cat "$errf" >&2
            rm -f "$errf"
            fail "$where: completing '$line' wrote to stderr"
        fi
        rm -f "$errf"
        check "$where '$line<TAB>'" "$got"
    done
    ;;
powershell)
    check "hvsock-tools.ps1" "$(ps1_keywords)"
    ;;
*)
    fail "unknown WHERE '$where'"
    ;;
esac
echo "ok: $where offers exactly the $(echo $want | wc -w) keywords"
