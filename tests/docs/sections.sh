# sections.sh PAGE: a tool's man page has the sections of OpenBSD's nc.1
# that users look for, its EXAMPLES show the six cases (host to guest,
# guest to host, a tar stream, an ssh ProxyCommand, registering a service,
# WSL) and its CAVEATS the three (old Windows half-close, WSL2's exact VM
# id, registration needs Administrator).
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"
page=$SRC/man/$1
[ -f "$page" ] || fail "$page: no such page"

section() { awk -v s="$1" '/^\.Sh / { on = (substr($0, 5) == s); next } on' "$page"; }

for s in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES "SEE ALSO" CAVEATS; do
    grep -qx "\.Sh $s" "$page" || fail "$1: no $s section"
done
examples=$(section EXAMPLES)
has() { # what, extended regex
    printf '%s\n' "$examples" | grep -Eq "$2" || fail "$1: EXAMPLES lack $3"
}
has "$1" '^host> hvcat [^|]*[0-9]' 'a host -> guest connection (host> hvcat VM PORT)'
has "$1" '^guest\$ .*hvcat (parent|host) ' 'a guest -> host connection (guest$ hvcat host PORT)'
has "$1" 'tar -[cx]f -' 'a tar stream'
has "$1" 'ProxyCommand=hvcat ' 'an ssh ProxyCommand'
has "$1" '^host> hvreg add ' 'registering a service (hvreg add)'
has "$1" '^wsl\$ |hvvmid --wsl' 'WSL'
caveats=$(section CAVEATS | tr '\n' ' ')
printf '%s\n' "$caveats" | grep -q 'half-close' || fail "$1: CAVEATS lack the old Windows half-close"
printf '%s\n' "$caveats" | grep -q 'WSL2' || fail "$1: CAVEATS lack WSL2's exact VM id"
printf '%s\n' "$caveats" | grep -q 'Administrator' || fail "$1: CAVEATS lack that registration needs Administrator"
echo "ok: $1 has the sections, examples and caveats"
