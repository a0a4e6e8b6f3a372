# bash-complete.sh COMPLETION_FILE 'command line'
#
# Drives a bash completion the way bash does on Tab: sources the file in
# this (non-interactive) bash, splits the line into COMP_WORDS (a trailing
# blank starts an empty word), sets COMP_CWORD, COMP_LINE and COMP_POINT,
# calls the function that `complete -p` names for the command, and prints
# COMPREPLY one entry per line. Anything the completion writes to stderr
# is passed on, so a caller can insist on silence.
file=$1 line=$2
# shellcheck disable=SC1090
source "$file" || exit 2
read -r -a COMP_WORDS <<< "$line"
[[ $line == *' ' || ${#COMP_WORDS[@]} -eq 0 ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
spec=$(complete -p "${COMP_WORDS[0]##*/}" 2>/dev/null) || {
    echo "no completion registered for ${COMP_WORDS[0]}" >&2
    exit 2
}
func=$(sed -n 's/.*-F \([^ ]*\).*/\1/p' <<< "$spec")
[[ -n $func ]] || { echo "no -F function in: $spec" >&2; exit 2; }
COMPREPLY=()
"$func" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d'
