#!/usr/bin/python3
"""test_host_golden.py: a fixed input stream (tests/golden/host_stream.txt)
sent on one connection must give exactly tests/golden/host_stream.jsonl,
byte for byte, once the receive times and the per-process id nonce are
normalised.  --regen rewrites the expected file (review the diff)."""
import difflib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import TOP, Host, Tap  # noqa: E402

GOLD = os.path.join(TOP, "tests", "golden")
TIME = re.compile(rb'"(time|host_received_at|silent_since|start_time)":"\d{4}-\d\d-\d\dT'
                  rb'\d\d:\d\d:\d\d\.\d{6}Z"')
NONCE = re.compile(rb'"id":"golden/h[0-9a-f]{16}/')


def normalise(line):
    line = TIME.sub(rb'"\1":"TIME"', line)
    return NONCE.sub(b'"id":"golden/hNONCE/', line)


def main():
    t = Tap()
    stream = b""
    for line in open(os.path.join(GOLD, "host_stream.txt")):
        if not line.startswith("#") and line.strip():
            stream += bytes.fromhex(line.rstrip("\n").split("\t")[1])
    want_path = os.path.join(GOLD, "host_stream.jsonl")
    want = open(want_path, "rb").read().splitlines() if os.path.exists(want_path) else []
    h = Host(cells=("golden",), run_id="golden-run", args=["--keepalive-ms", "600000"])
    s = h.connect("golden")
    s.sendall(stream)
    s.close()
    h.wait_count(max(len(want), 1))
    rc = h.stop()
    got = [normalise(l) for l in h.raw_lines()]
    if "--regen" in sys.argv:
        with open(want_path, "wb") as f:
            f.write(b"".join(l + b"\n" for l in got))
        print("# wrote %d lines to %s" % (len(got), want_path))
        want = got
    diff = "\n".join(difflib.unified_diff([l.decode() for l in want],
                                          [l.decode() for l in got], lineterm=""))
    t.ok(rc == 0 and len(want) > 10 and got == want,
         "the golden stream gives host_stream.jsonl exactly (%d lines)" % len(want),
         diff)
    t.done()


main()
