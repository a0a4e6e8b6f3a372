# facts.sh: comments and messages say facts, not where they were asked for:
# no file of the tree (code, tests, scripts, man pages, completions, the
# README and DEVELOPERS.md) cites an issue by its number ("issue 12",
# "issues 18 and 23", "#28" after "issue"). A document outside the
# repository is named only as the page a fact comes from (Microsoft's
# documentation, a man page), which this does not look for.
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"

cd "$SRC" || fail "no source tree at $SRC"
hits=$(grep -rnIiE '\bissues? *#?[0-9]+' \
        --exclude-dir=.git --exclude-dir='build*' --exclude-dir=dist \
        --exclude=facts.sh \
        CMakeLists.txt lib tools tests scripts man completions cmake \
        README.md DEVELOPERS.md .ci 2>/dev/null)
if [ -n "$hits" ]; then
    printf '%s\n' "$hits" >&2
    fail "$(printf '%s\n' "$hits" | wc -l) place(s) cite an issue number: say the fact instead"
fi
echo "ok: no issue numbers cited"
