# options.sh WHERE TOOL: the options TOOL accepts (its option table in
# tools/TOOL.c) and the options WHERE documents or completes are the same
# set: a new option without docs fails, and so does a documented option the
# tool does not have.
#   WHERE = man         the .It option lists of man/TOOL.[18]
#           bash|zsh|fish   what Tab offers after "TOOL -" (for hvreg also
#                       after "hvreg CMD -" for each command), driven in
#                       the real shell with the built tools first in PATH
#           powershell  the option table of hvsock-tools.ps1
#           help        the tool's own --help text (the built tool in PATH;
#                       -abc in a usage line counts as -a -b -c)
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"
where=$1 tool=$2

want=$(tool_options "$tool")
[ -n "$want" ] || fail "no options found in tools/$tool.c"

# The contexts in which a shell is asked for options.
contexts=("$tool -")
if [ "$tool" = hvreg ]; then
    for c in $(tool_subcommands hvreg); do
        contexts+=("hvreg $c -")
    done
fi

case $where in
man)
    page=$(ls "$SRC"/man/"$tool".[18] 2>/dev/null | head -n 1)
    [ -n "$page" ] || fail "no man page for $tool"
    got=$(man_options "$page")
    ;;
bash | zsh | fish)
    need "$where"
    got=
    for ctx in "${contexts[@]}"; do
        errf=$(mktemp)
        got+=$(complete_"$where" "$ctx" 2>"$errf")$'\n' || {
            cat "$errf" >&2
            rm -f "$errf"
            fail "$where: completing '$ctx' failed"
        }
        if [ -s "$errf" ]; then
            cat "$errf" >&2
            rm -f "$errf"
            fail "$where: completing '$ctx' wrote to stderr"
        fi
        rm -f "$errf"
    done
    # Only the options: a completion may offer --opt=VALUE forms as well.
    got=$(printf '%s\n' "$got" | grep '^-' | sed 's/=.*//' | sort -u)
    ;;
powershell)
    got=$(ps1_options "$tool")
    ;;
help)
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not in PATH"
    text=$("$tool" --help) || fail "$tool --help failed"
    got=$(printf '%s\n' "$text" |
          grep -oE '(^|[][ ,(|/])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[][ ,(|/]//' |
          while read -r t; do
              case $t in
              --* | -?) printf '%s\n' "$t" ;; # not echo: it would eat -e
              *) printf '%s' "${t#-}" | fold -w1 | sed 's/^/-/'; echo ;;
              esac
          done | sed '/^$/d' | sort -u)
    ;;
*)
    fail "unknown WHERE '$where'"
    ;;
esac

same_set "$want" "$got" "tools/$tool.c" "$where" ||
    fail "$where and $tool disagree on the options"
echo "ok: $where has exactly the $(echo $want | wc -w) options of $tool"
