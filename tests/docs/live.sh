# live.sh SHELL: the completions add live values from the tools themselves
# (VM names from `hvvmid --list`, registered services from `hvreg list`)
# and stay silent when those tools fail. Stand-ins for hvvmid and hvreg,
# first in PATH, print what the real tools print on a Windows host (the
# column layouts of tools/hvvmid.c and tools/hvreg.c), then fail as they do
# on Linux (exit 69 with a message on stderr).
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"
sh=$1
need "$sh"
fake=$(mktemp -d) || exit 1
trap 'rm -rf "$fake"' EXIT
export PATH="$fake:$PATH"

make_fakes() { # ok|fail
    if [ "$1" = ok ]; then
        cat > "$fake/hvvmid" <<'EOF'
#!/bin/sh
[ "$1" = --list ] || exit 64
printf '%-36s  %-12s  %-14s  %-14s  %s\n' ID STATE OWNER TYPE NAME
printf '%-36s  %-12s  %-14s  %-14s  %s\n' 6f1c5b8e-35b1-4c3a-9a49-0c7a4e0c1f11 Running VMMS VirtualMachine web1
printf '%-36s  %-12s  %-14s  %-14s  %s\n' 0d9d3a53-8d0a-4a34-a2a1-6b0e3f8f0b22 Off VMMS VirtualMachine 'build box'
EOF
        cat > "$fake/hvreg" <<'EOF'
#!/bin/sh
[ "$1" = list ] || exit 64
printf '%s  %-10s  %s\n' 00001389-facb-11e6-bd58-64006a7986d3 5001 'log sink'
printf '%s  %-10s  %s\n' 3c1a8a4e-6f0e-4c2b-9d7a-1e2f3a4b5c6d - backup
EOF
    else
        printf '#!/bin/sh\necho "$0: no VM inventory here" >&2\nexit 69\n' > "$fake/hvvmid"
        printf '#!/bin/sh\necho "$0: needs Windows" >&2\nexit 69\n' > "$fake/hvreg"
    fi
    chmod +x "$fake/hvvmid" "$fake/hvreg"
}

# What Tab offers after $1, with the shells' quoting of blanks undone.
offered() {
    local errf got
    errf=$(mktemp)
    got=$(complete_"$sh" "$1" 2>"$errf") || { cat "$errf" >&2; rm -f "$errf"; fail "$sh: '$1' failed"; }
    if [ -s "$errf" ]; then
        cat "$errf" >&2
        rm -f "$errf"
        fail "$sh: completing '$1' wrote to stderr"
    fi
    rm -f "$errf"
    printf '%s\n' "$got" | sed 's/\\ / /g; s/^'"'"'\(.*\)'"'"'$/\1/'
}

expect() { # line, expected words (newline-separated)
    same_set "$2" "$(offered "$1")" "expected" "$sh '$1<TAB>'" ||
        fail "$sh: wrong completions for '$1'"
    echo "ok: $sh '$1<TAB>'"
}

kw=$(table_keywords)
vms=$(printf '%s\n' web1 'build box')
services=$(printf '%s\n' 'log sink' backup)

make_fakes ok
expect 'hvcat ' "$kw
$vms"
expect 'hvvmid ' "$kw
$vms"
expect 'hvcat parent ' "$services"
expect 'hvreg remove ' "$services"
expect 'hvreg show ' "$services"

make_fakes fail
expect 'hvcat ' "$kw"
expect 'hvreg remove ' ""
expect 'hvcat parent ' ""
