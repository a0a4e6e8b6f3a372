#!/usr/bin/env python3
"""regviews.py FILE...: every registry call of the Windows sources that
opens, creates or deletes a key by name does it in the 64-bit view, so a
32-bit build sees the keys a 64-bit Windows keeps (Guest\\Parameters,
GuestCommunicationServices) and not their Wow6432Node shadows (Wine runs only the 64-bit build here, so the calls are read).

  RegOpenKeyExW, RegCreateKeyExW, RegDeleteKeyExW: KEY_WOW64_64KEY
  RegGetValueW with a subkey: RRF_SUBKEY_WOW6464KEY
  RegDeleteTreeW: no subkey (NULL): it has no view flag
  RegOpenKeyW, RegCreateKeyW, RegDeleteKeyW, RegOpenKeyExA, ...: not used
Prints each call that breaks a rule; exits 1 if any, 0 otherwise."""
import re
import sys


def calls(text, name):
    """(line, argument text) of each call of name in text."""
    for m in re.finditer(r"\b" + name + r"\s*\(", text):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        yield text.count("\n", 0, m.start()) + 1, text[m.end():i - 1]


def args(a):
    """Split an argument list at its top-level commas."""
    out, depth, cur = [], 0, ""
    for c in a:
        if c == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        depth += {"(": 1, ")": -1}.get(c, 0)
        cur += c
    return out + [cur.strip()]


bad = 0
seen = 0
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    for name in ("RegOpenKeyExW", "RegCreateKeyExW", "RegDeleteKeyExW"):
        for line, a in calls(text, name):
            seen += 1
            if "KEY_WOW64_64KEY" not in a:
                print(f"{path}:{line}: {name} without KEY_WOW64_64KEY")
                bad += 1
    for line, a in calls(text, "RegGetValueW"):
        seen += 1
        if args(a)[1] != "NULL" and "RRF_SUBKEY_WOW6464KEY" not in a:
            print(f"{path}:{line}: RegGetValueW of a subkey without RRF_SUBKEY_WOW6464KEY")
            bad += 1
    for line, a in calls(text, "RegDeleteTreeW"):
        seen += 1
        if args(a)[1] != "NULL":
            print(f"{path}:{line}: RegDeleteTreeW by name (no view): open the key, then RegDeleteKeyExW")
            bad += 1
    for name in ("RegOpenKeyW", "RegCreateKeyW", "RegDeleteKeyW", "RegOpenKeyExA",
                 "RegCreateKeyExA", "RegGetValueA", "RegDeleteTreeA"):
        for line, _ in calls(text, name):
            print(f"{path}:{line}: {name}: use the W call with a view")
            bad += 1
if seen == 0:
    print("no registry calls found: wrong files?")
    sys.exit(1)
print(f"{seen} registry calls read, {bad} without the 64-bit view")
sys.exit(1 if bad else 0)
