# circles.sh NM LIBRARY [KNOWN...]: no two files of lib/ call each other in
# a circle. A KNOWN circle (its files, comma-separated, in any order) is
# told but does not fail, until it is gone: then the test fails so that
# the list shrinks.
# The file-level call graph comes from the library's objects: a file calls
# another when it leaves undefined a symbol the other defines (nm -P -A,
# one line per symbol, "lib.a[x.c.o]: name type ..."). A circle is a
# strongly connected part of that graph with two or more files; each is
# named with the symbols that tie it.
SRC=${SRC:?}
source "$SRC/tests/docs/lib.sh"

nm=${1:?usage: circles.sh NM LIBRARY [KNOWN...]}
lib=${2:?usage: circles.sh NM LIBRARY [KNOWN...]}
shift 2
known=$(for k in "$@"; do printf '%s\n' "$k" | tr ',' '\n' | sort | paste -sd' '; done)
[ -f "$lib" ] || fail "$lib: no such library"
syms=$("$nm" -P -A "$lib") || fail "$nm -P -A $lib failed"
[ -n "$syms" ] || fail "$nm found no symbols in $lib"

printf '%s\n' "$syms" | awk -v known="$known" '
    {
        f = $1
        sub(/^.*\[/, "", f); sub(/\]:$/, "", f); sub(/\.c\.o(bj)?$/, "", f)
        files[f] = 1
        if ($3 == "U")
            need[f, $2] = 1
        else if ($3 ~ /^[TDBRCGSV]$/)
            def[$2] = f
    }
    END {
        for (k in need) {
            split(k, p, SUBSEP)
            if ((p[2] in def) && def[p[2]] != p[1]) {
                e[p[1], def[p[2]]] = 1
                why[p[1], def[p[2]]] = why[p[1], def[p[2]]] " " p[2]
            }
        }
        n = 0
        for (f in files) name[++n] = f
        for (i = 1; i <= n; i++)
            for (j = 1; j <= n; j++)
                r[i, j] = ((name[i], name[j]) in e)
        # which file reaches which (Warshall)
        for (k = 1; k <= n; k++)
            for (i = 1; i <= n; i++)
                if (r[i, k])
                    for (j = 1; j <= n; j++)
                        if (r[k, j]) r[i, j] = 1
        nk = split(known, kl, "\n")
        bad = 0
        for (i = 1; i <= n; i++) {
            if (done[i] || !r[i, i]) continue
            m = 0
            for (j = 1; j <= n; j++)
                if (r[i, j] && r[j, i]) { done[j] = 1; part[++m] = name[j] }
            # sorted, to match a known one
            for (a = 2; a <= m; a++)
                for (b = a; b > 1 && part[b - 1] > part[b]; b--) {
                    t = part[b]; part[b] = part[b - 1]; part[b - 1] = t
                }
            line = part[1]
            for (a = 2; a <= m; a++) line = line " " part[a]
            is_known = 0
            for (a = 1; a <= nk; a++)
                if (kl[a] == line) { is_known = 1; seen[a] = 1 }
            if (is_known) {
                print "known circle, still there: " line
                continue
            }
            print "circle: " line > "/dev/stderr"
            for (a = 1; a <= n; a++) {
                if (!(r[i, a] && r[a, i])) continue
                for (b = 1; b <= n; b++)
                    if ((name[a], name[b]) in e && r[i, b] && r[b, i])
                        print "  " name[a] " -> " name[b] ":" why[name[a], name[b]] > "/dev/stderr"
            }
            bad++
        }
        for (a = 1; a <= nk; a++)
            if (kl[a] != "" && !seen[a]) {
                print "known circle gone (drop it from tests/docs.cmake): " kl[a] > "/dev/stderr"
                bad++
            }
        if (bad) exit 1
        print "ok: " n " files of lib/, no circle but the known ones"
    }' || fail "lib/'s file-level call graph: see above"
