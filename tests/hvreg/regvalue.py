#!/usr/bin/env python3
"""regvalue.py FILE.reg GUID EXPECTED: read the ElementName of service GUID
from a .reg file written by Wine's own `reg export` (UTF-16LE with BOM) and
compare it with the UTF-8 bytes of file EXPECTED. Exit 0 when equal, 1 when
not (saying what was found), 2 when the key or value is missing.

Wine writes a REG_SZ as "..." with \\ \" \n \r \0 escapes, or as hex(1):
UTF-16LE bytes; both are decoded here. Key names compare case-insensitively
and with or without braces, like the registry's."""
import re
import sys


def unescape(s):
    out, i = [], 0
    table = {'\\': '\\', '"': '"', 'n': '\n', 'r': '\r', '0': '\0', 't': '\t'}
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            out.append(table.get(s[i + 1], '\\' + s[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def main():
    path, guid, expected = sys.argv[1], sys.argv[2].lower().strip('{}'), sys.argv[3]
    raw = open(path, 'rb').read()
    if not raw.startswith(b'\xff\xfe'):
        print('regvalue: not UTF-16LE with BOM', file=sys.stderr)
        return 2
    text = raw[2:].decode('utf-16-le')
    # join continuation lines of hex values
    text = re.sub(r'\\\r?\n\s*', '', text)
    section, value = None, None
    for line in text.split('\r\n'):
        if line.startswith('['):
            key = line.strip('[]').rsplit('\\', 1)[-1].lower().strip('{}')
            section = key
            continue
        if section != guid:
            continue
        if line.startswith('"ElementName"="') and line.endswith('"'):
            value = unescape(line[len('"ElementName"="'):-1])
        elif line.startswith('"ElementName"=hex(1):'):
            data = bytes(int(b, 16) for b in line.split(':', 1)[1].split(','))
            value = data.decode('utf-16-le')
            if value.endswith('\0'):
                value = value[:-1]
    if value is None:
        print('regvalue: no ElementName for %s in the export' % guid, file=sys.stderr)
        return 2
    want = open(expected, 'rb').read().decode('utf-8')
    if value != want:
        print('regvalue: ElementName is %r, expected %r' % (value, want), file=sys.stderr)
        return 1
    return 0


sys.exit(main())
