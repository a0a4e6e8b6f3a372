# suboptions.sh WHERE: for each hvreg command, the options WHERE offers or
# documents with it are exactly those the command takes: the letters of its
# parse_opts(..., "letters", ...) call in tools/hvreg.c, each with its long
# name from the option table (-h and -V, taken everywhere, are left out).
#   WHERE = man         the .It Cm COMMAND lines of hvreg.8 (short options)
#           bash|zsh|fish   what Tab offers after "hvreg COMMAND -"
#           powershell  the rows of the option table with Cmd = COMMAND
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"
where=$1
src=$SRC/tools/hvreg.c

# the long name of option letter $1 in the struct option table
long_of() {
    grep -o "{\"[a-z-]*\", *[a-z_]*_argument, *NULL, *'$1'}" "$src" |
        sed 's/^{"\([^"]*\)".*/--\1/'
}

[ "$where" = man ] || [ "$where" = powershell ] || need "$where"
for cmd in $(tool_subcommands hvreg); do
    call=$(awk -v f="cmd_$cmd(" 'index($0, "static int " f) == 1 && !/;[ \t]*$/ { on = 1 }
                                  on && /parse_opts\(/ { print; exit }' "$src")
    case $call in
    *'parse_opts('*'"'*'"'*) ;;
    *) fail "tools/hvreg.c: no parse_opts(..., \"letters\", ...) call in cmd_$cmd" ;;
    esac
    letters=$(printf '%s\n' "$call" | sed 's/.*parse_opts([^"]*"\([^"]*\)".*/\1/')
    want=
    for l in $(printf '%s' "$letters" | fold -w1); do
        want+="-$l"$'\n'
        [ "$where" = man ] || want+="$(long_of "$l")"$'\n'
    done
    case $where in
    man)
        got=$(grep "^\.It Cm $cmd " "$SRC/man/hvreg.8" |
              grep -o 'Fl [A-Za-z]' | sed 's/^Fl /-/' | sort -u)
        ;;
    bash | zsh | fish)
        got=$(complete_"$where" "hvreg $cmd -" 2>/dev/null | grep '^-' | sed 's/=.*//')
        ;;
    powershell)
        got=$(grep "Tool = 'hvreg'; Cmd = '$cmd';" "$ps1" | sed -n "s/.*Name = '\([^']*\)'.*/\1/p")
        ;;
    *) fail "unknown WHERE '$where'" ;;
    esac
    got=$(printf '%s\n' "$got" | grep -vxE -- '-h|--help|-V|--version')
    same_set "$want" "$got" "hvreg $cmd (\"$letters\")" "$where" ||
        fail "$where: the options of 'hvreg $cmd' differ from the tool's"
    echo "ok: $where: hvreg $cmd takes $(echo $want)"
done
