#!/usr/bin/env python3
"""ps1check.py SCRIPT.ps1 NAMEFILE [MODE]: check that the $name expression
of a script from `hvreg export --format ps1 add` evaluates, by PowerShell's
rules for single-quoted strings, to exactly the UTF-8 name in NAMEFILE, and
that nothing of the name stands outside a quoted string: between the
strings only `+`, blanks, parentheses and [char]0xNNNN may appear. Also
checks the UTF-8 BOM, that the name appears nowhere else, and (no
PowerShell runs here) the lines that make the name check of MODE, as
hvreg add does it: `check` (the default: refuse, exit 65), `force` (take
the name over) or `byname` (an entry with the name is the answer)."""
import re
import sys

QUOTES = "'\u2018\u2019\u201a\u201b"  # PowerShell's single-quote characters


def evaluate(expr):
    """Evaluate ('a' + [char]0x000A + 'b') or 'a'; raise on anything else."""
    i, out, n = 0, [], len(expr)
    paren = expr.startswith('(')
    if paren:
        if not expr.endswith(')'):
            raise ValueError('unbalanced parentheses')
        expr, n = expr[1:-1], n - 2
    expect_operand = True
    while i < n:
        c = expr[i]
        if c == ' ':
            i += 1
            continue
        if not expect_operand:
            if c != '+':
                raise ValueError('expected + at %d: %r' % (i, expr[i:i + 10]))
            if not paren:
                raise ValueError('concatenation outside parentheses')
            expect_operand = True
            i += 1
            continue
        if c in QUOTES:
            i += 1
            s = []
            while True:
                if i >= n:
                    raise ValueError('unterminated string')
                if expr[i] in QUOTES:
                    if i + 1 < n and expr[i + 1] in QUOTES:
                        s.append(expr[i + 1])
                        i += 2
                        continue
                    i += 1
                    break
                s.append(expr[i])
                i += 1
            out.append(''.join(s))
        else:
            m = re.match(r'\[char\]0x([0-9A-Fa-f]{4})', expr[i:])
            if not m:
                raise ValueError('unexpected code outside strings: %r' % expr[i:i + 20])
            out.append(chr(int(m.group(1), 16)))
            i += m.end()
        expect_operand = False
    if expect_operand:
        raise ValueError('dangling +')
    return ''.join(out)


def main():
    raw = open(sys.argv[1], 'rb').read()
    name = open(sys.argv[2], 'rb').read().decode('utf-8')
    if not raw.startswith(b'\xef\xbb\xbf'):
        print('ps1check: no UTF-8 BOM', file=sys.stderr)
        return 1
    text = raw[3:].decode('utf-8')
    lines = text.split('\r\n')
    if lines[-1] != '':
        print('ps1check: script does not end in CRLF', file=sys.stderr)
        return 1
    mode = sys.argv[3] if len(sys.argv) > 3 else 'check'
    vals = [l for l in lines if l.startswith('$name = ')]
    if len(vals) != 1:
        print('ps1check: expected one $name line', file=sys.stderr)
        return 1
    m = re.fullmatch(r"\$name = (.*)", vals[0])
    stripped = [l.strip() for l in lines]
    writes = [l for l in stripped if l.startswith('New-ItemProperty ')]
    if writes != ["New-ItemProperty -LiteralPath $key -Name 'ElementName' "
                  "-PropertyType String -Value $name -Force | Out-Null"]:
        print('ps1check: expected one New-ItemProperty line of $name: %r' % writes,
              file=sys.stderr)
        return 1
    # the check: every entry's ElementName compared ignoring case, as
    # hvreg's CompareStringOrdinal does; what each mode does with it
    want = ["foreach ($k in Get-ChildItem -LiteralPath $parent) {",
            "if ($v -is [string] -and [string]::Equals($v, $name, "
            "[StringComparison]::OrdinalIgnoreCase)) {"]
    refuse_taken = "if ($others.Count -gt 0) {"
    refuse_renamed = "if ($mine -is [string] -and -not $same) {"
    remove = "Remove-Item -LiteralPath $k.PSPath -Recurse"
    found = "if ($others.Count -eq 1) { ([guid]$others[0].PSChildName).ToString(); exit 0 }"
    if mode == 'check':
        want += [refuse_taken, refuse_renamed, "exit 65"]
        unwanted = [remove, found]
    elif mode == 'force':
        want += [remove]
        unwanted = [refuse_taken, refuse_renamed, "exit 65", found]
    else:
        want += ["if ($same) { $guid; exit 0 }", found, refuse_renamed]
        unwanted = [remove, refuse_taken]
    for w in want:
        if w not in stripped:
            print('ps1check: %s: no line %r' % (mode, w), file=sys.stderr)
            return 1
    for u in unwanted:
        if u in stripped:
            print('ps1check: %s: unexpected line %r' % (mode, u), file=sys.stderr)
            return 1
    if stripped[-2:] != ['$guid', '']:
        print('ps1check: the script does not end by printing the GUID', file=sys.stderr)
        return 1
    try:
        got = evaluate(m.group(1))
    except ValueError as e:
        print('ps1check: %s in %r' % (e, m.group(1)), file=sys.stderr)
        return 1
    if got != name:
        print('ps1check: value %r, expected %r' % (got, name), file=sys.stderr)
        return 1
    # a raw line break of the name would have split the line above
    others = [l for l in lines if l is not vals[0]]
    for l in others:
        if name.strip() and name.split('\n')[0] in l and len(name.split('\n')[0]) > 3:
            print('ps1check: name appears outside the value: %r' % l, file=sys.stderr)
            return 1
    return 0


sys.exit(main())
