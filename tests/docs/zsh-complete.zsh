#!/bin/zsh -f
# zsh-complete.zsh FPATH_DIR 'command line'
#
# Drives real zsh completion: starts an interactive `zsh -f` on a pseudo
# terminal (zsh/zpty), loads compinit with FPATH_DIR first in $fpath, types
# the command line and a Tab, and prints every match the completion system
# offers, one per line. compadd is wrapped to report the words it adds (the
# calls that only compute, -O/-A/-D, pass through), and a comppostfuncs hook
# prints an end marker once completion has finished. Errors printed while
# compinit or the completion ran go to stderr with the prefix "zsh-error:".
# Exit 0 when the end marker arrived, 1 on a timeout or a dead shell.
emulate -L zsh
zmodload zsh/zpty || exit 2
zmodload zsh/datetime

dir=$1 line=$2
[[ -d $dir && -n $line ]] || { print -u2 "usage: $0 dir 'command line'"; exit 2 }

setup=(
  'PS1=""; PROMPT=""; RPROMPT=""; unsetopt beep; setopt no_prompt_cr no_prompt_sp'
  "fpath=(${(q)dir} \$fpath)"
  'autoload -Uz compinit && compinit -u -D'
  'zstyle ":completion:*" list-prompt ""; zstyle ":completion:*" select-prompt ""'
  'zstyle ":completion:*" menu no; LISTMAX=0'
  'compadd () {
     if (( ${@[(I)-[OAD]*]} )); then builtin compadd "$@"; return; fi
     local -a __hits; local __h
     builtin compadd -O __hits "$@"
     for __h in $__hits; do print -r -- "<<M>>$__h"; done
     builtin compadd "$@"
   }'
  '__hv_done () { print -r -- "<<END>>"; }'
  'comppostfuncs=(__hv_done)'
  'print -r -- "<<READY>>"'
)
zpty -b hvz 'zsh -f -i' || exit 2
for cmd in $setup; do
  zpty -w hvz "$cmd"
done

# Read until a marker, with a deadline; $out collects everything read.
out=
wait_for() {
  local marker=$1 chunk deadline=$(( EPOCHREALTIME + 20 ))
  while (( EPOCHREALTIME < deadline )); do
    if zpty -r -t hvz chunk; then
      out+=$chunk
      [[ $out == *"$marker"* ]] && return 0
    else
      sleep 0.05
    fi
  done
  return 1
}

report_errors() {
  local l
  for l in ${(f)out}; do
    l=${l%$'\r'}
    [[ $l == *'_arguments:'* || $l == *'_describe:'* || $l == *'not found'* ||
       $l == *'parse error'* || $l == *'bad pattern'* || $l == *'compinit:'* ||
       $l == *'no such file'* || $l == *'bad option'* ]] &&
      print -u2 -r -- "zsh-error: $l"
  done
}

wait_for '<<READY>>'$'\r' || { print -u2 "zsh did not start"; zpty -d hvz; exit 1 }
# Errors from the setup (compinit loading the functions) are reported.
report_errors

out=
zpty -w -n hvz "$line"$'\t'
if ! wait_for '<<END>>'; then
  print -u2 "zsh-error: completion did not finish"
  zpty -d hvz
  exit 1
fi
zpty -d hvz
for l in ${(f)out}; do
  l=${l%$'\r'}
  [[ $l == *'<<M>>'* ]] && print -r -- ${l##*<<M>>}
done
report_errors
exit 0
