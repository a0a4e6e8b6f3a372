# subcommands.sh WHERE: the hvreg commands that WHERE offers are those of
# the subcommand table in tools/hvreg.c.
#   WHERE = man | bash | zsh | fish | powershell
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"
where=$1

want=$(tool_subcommands hvreg)
[ -n "$want" ] || fail "tools/hvreg.c: subcommand table not found"
case $where in
man)
    # the items of the list after "The commands are as follows:", not
    # those of lists nested in it (export's formats)
    got=$(awk '/^The commands are as follows:/ { on = 1; next }
               on && /^\.Bl/ { depth++ }
               on && /^\.El/ { if (--depth == 0) exit }
               on && depth == 1 && /^\.It Cm / { print $3 }' "$SRC/man/hvreg.8" | sort -u)
    ;;
bash | zsh | fish)
    need "$where"
    got=$(complete_"$where" 'hvreg ') || fail "$where: 'hvreg ' failed"
    ;;
powershell)
    got=$(ps1_subcommands)
    ;;
*)
    fail "unknown WHERE '$where'"
    ;;
esac
same_set "$want" "$got" "tools/hvreg.c" "$where" ||
    fail "$where and hvreg disagree on the commands"
echo "ok: $where offers exactly hvreg's commands: $(echo $want)"
