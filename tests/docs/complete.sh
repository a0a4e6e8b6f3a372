# complete.sh SHELL 'command line' WORD...: Tab after the command line, in
# the real SHELL (bash, zsh or fish), offers exactly WORD... (in any order)
# and writes nothing to stderr.
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"
sh=$1 line=$2
shift 2
need "$sh"
errf=$(mktemp)
trap 'rm -f "$errf"' EXIT
got=$(complete_"$sh" "$line" 2>"$errf") || { cat "$errf" >&2; fail "$sh: '$line' failed"; }
[ -s "$errf" ] && { cat "$errf" >&2; fail "$sh: completing '$line' wrote to stderr"; }
# fish lists "--format=reg" for "--format="; keep what the user would type
same_set "$(printf '%s\n' "$@")" "$got" "expected" "$sh '$line<TAB>'" ||
    fail "$sh: wrong completions for '$line'"
echo "ok: $sh '$line<TAB>' -> $(echo $got)"
