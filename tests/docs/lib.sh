# lib.sh: what the docs tests share (sourced by bash scripts).
#
# SRC is the source tree; the tools' options are read from their option
# tables in tools/<tool>.c (the struct option entries and the getopt_long
# option strings), which works for every build, cross builds included, and
# cannot drift from what getopt_long accepts. The completions are asked by
# driving the shells themselves (bash, zsh, fish); the PowerShell script,
# which cannot run here, is read as data.

: "${SRC:?SRC must name the source tree}"
DOCS_TESTS=$SRC/tests/docs

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

skip() {
    printf 'SKIP: %s\n' "$*" >&2
    exit 77
}

need() {
    command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"
}

# Every option of a tool, one per line, sorted: --long from the struct
# option tables, -x from the getopt_long option strings.
tool_options() {
    local file=$SRC/tools/$1.c
    [ -f "$file" ] || fail "$file: no such file"
    {
        grep -o '{"[A-Za-z0-9][A-Za-z0-9-]*", *\(no\|required\|optional\)_argument' "$file" |
            sed 's/^{"\([^"]*\)".*/--\1/'
        grep -o '\(getopt_long\|cli_getopt\)([^,]*,[^,]*, *"[^"]*"' "$file" |
            sed 's/.*"\([^"]*\)"$/\1/' | tr -d '+:-' | fold -w1 | sed 's/^/-/'
    } | sort -u
}

# hvreg's commands from its subcommand table ({"name", cmd_fn, "help"}).
tool_subcommands() {
    grep -o '{"[a-z][a-z-]*", *cmd_[a-z_]*' "$SRC/tools/$1.c" |
        sed 's/^{"\([^"]*\)".*/\1/' | sort -u
}

# The VM keywords of hv_keywords[] in lib/keywords.c.
table_keywords() {
    sed -n '/hv_keywords\[\] *=/,/^};/p' "$SRC/lib/keywords.c" |
        grep -o '^ *{"[a-z][a-z]*"' | sed 's/[ {"]//g' | sort -u
}

# Options a man page documents: each "Fl x" on an .It line (the option
# lists of DESCRIPTION), as -x / --long.
man_options() {
    grep '^\.It .*Fl ' "$1" |
        grep -o 'Fl \\\{0,1\}-\{0,1\}[A-Za-z0-9][A-Za-z0-9-]*' |
        sed 's/^Fl \\\{0,1\}/-/' | sort -u
}

# Compare two sorted lists; $3 and $4 name them in the message.
same_set() {
    local a=$1 b=$2 an=$3 bn=$4 only_a only_b
    only_a=$(comm -23 <(printf '%s\n' "$a" | sed '/^$/d' | sort -u) \
                      <(printf '%s\n' "$b" | sed '/^$/d' | sort -u))
    only_b=$(comm -13 <(printf '%s\n' "$a" | sed '/^$/d' | sort -u) \
                      <(printf '%s\n' "$b" | sed '/^$/d' | sort -u))
    if [ -n "$only_a" ] || [ -n "$only_b" ]; then
        [ -n "$only_a" ] && printf 'in %s but not in %s: %s\n' "$an" "$bn" "$(printf '%s ' $only_a)" >&2
        [ -n "$only_b" ] && printf 'in %s but not in %s: %s\n' "$bn" "$an" "$(printf '%s ' $only_b)" >&2
        return 1
    fi
    return 0
}

# complete_<shell> 'command line': what Tab offers after that line, one
# match per line. The line ends with the word being completed ("" after a
# trailing blank).
complete_bash() {
    bash --norc --noprofile "$DOCS_TESTS/bash-complete.sh" \
        "$SRC/completions/bash/hvsock-tools" "$1"
}

complete_zsh() {
    zsh -f "$DOCS_TESTS/zsh-complete.zsh" "$SRC/completions/zsh" "$1"
}

# fish as a user has it (its own default paths and functions), but with an
# empty home so that no personal configuration takes part.
fish_clean() {
    local home rc
    home=$(mktemp -d) || return 1
    HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share \
        fish "$@"
    rc=$?
    rm -rf "$home"
    return $rc
}

complete_fish() {
    fish_clean -c 'set -g fish_complete_path $argv[1] $fish_complete_path
        set -g fish_function_path $argv[1]/functions $fish_function_path
        complete -C $argv[2]' "$SRC/completions/fish" "$1" | cut -f1
}

# The PowerShell script as data: options of a tool (any hvreg command),
# hvreg's commands, the keywords.
ps1=$SRC/completions/powershell/hvsock-tools.ps1
ps1_options() {
    grep "Tool = '$1';" "$ps1" | sed -n "s/.*Name = '\([^']*\)'.*/\1/p" | sort -u
}
ps1_subcommands() {
    sed -n "s/.*Subcommand = '\([^']*\)'.*/\1/p" "$ps1" | sort -u
}
ps1_keywords() {
    sed -n "s/.*Keyword = '\([^']*\)'.*/\1/p" "$ps1" | sort -u
}
