#!/usr/bin/env python3
"""logcheck.py: read back an hvlisten --log file for the cli cases.

logcheck.py json FILE: every line must be one JSON object (json.loads of
the line decoded as strict UTF-8) with "time" (RFC 3339 UTC, milliseconds,
Z), "event" and "message"; times must not decrease. Prints one line per
event: event|peer|local|sent|received|exit (empty where absent).
logcheck.py text FILE: every line must be TIME SPACE WORDS, TIME as above,
not decreasing. Prints the words of each line.
logcheck.py messages FILE: as json, but prints each event's message.
logcheck.py field FILE EVENT KEY: as json; prints KEY of the first EVENT
as JSON (ensure_ascii), so that a test compares escapes exactly.
Exits 1 with a reason on stderr when a line breaks a rule.
"""
import json
import re
import sys

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def fail(why):
    print("logcheck: " + why, file=sys.stderr)
    sys.exit(1)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    data = open(path, "rb").read()
    if not data.endswith(b"\n"):
        fail("the log does not end with a newline")
    last = ""
    out = []
    for n, raw in enumerate(data.split(b"\n")[:-1], 1):
        try:
            line = raw.decode("utf-8", "strict")
        except UnicodeDecodeError as e:
            fail("line %d is not UTF-8: %s" % (n, e))
        if mode == "text":
            when, _, words = line.partition(" ")
            if not TIME.match(when) or not words:
                fail("line %d is not TIME WORDS: %r" % (n, line))
            out.append(words)
        else:
            try:
                obj = json.loads(line)
            except ValueError as e:
                fail("line %d is not JSON: %s: %r" % (n, e, line))
            if not isinstance(obj, dict):
                fail("line %d is not an object" % n)
            for key in ("time", "event", "message"):
                if not isinstance(obj.get(key), str):
                    fail("line %d lacks %s" % (n, key))
            when = obj["time"]
            if not TIME.match(when):
                fail("line %d: time %r" % (n, when))
            if mode == "json":
                out.append("|".join(
                    "" if obj.get(k) is None else str(obj[k])
                    for k in ("event", "peer", "local", "sent", "received",
                              "exit")))
            elif mode == "messages":
                out.append(obj["message"])
            elif mode == "field" and obj["event"] == sys.argv[3] and not out:
                out.append(json.dumps(obj.get(sys.argv[4])))
        # the same format and zone: text order is time order
        if when < last:
            fail("line %d goes back in time: %s after %s" % (n, when, last))
        last = when
    for o in out:
        print(o)


main()
