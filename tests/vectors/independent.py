#!/usr/bin/python3
"""independent.py TOOLDIR: our frames against two independent decoders.

Every good vector and a few thousand random events are encoded by our code
(TOOLDIR/wiretool gen) and decoded by python3-cbor2 and by libcbor
(TOOLDIR/libcbor_dec); the decoded maps must match the expected pairs field
for field, key order included.  cbor2 must re-encode each map to the same
bytes (shortest form), and our decoder (TOOLDIR/wiretool dec) must accept
cbor2's encodings and see the same pairs.  Prints TAP.
"""
import io
import json
import os
import struct
import subprocess
import sys

import cbor2

RANDOM = 3000
SEED = 20261124
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pairs(obj):
    """cbor2's decoded dict (insertion order = wire order) as pair lists."""
    if isinstance(obj, dict):
        return [[k, pairs(v)] for k, v in obj.items()]
    return obj


def cbor2_decode(frame):
    (n,) = struct.unpack("<I", frame[:4])
    if n != len(frame) - 4:
        raise ValueError("length prefix %d for a %d-byte body" % (n, len(frame) - 4))
    f = io.BytesIO(frame[4:])
    obj = cbor2.CBORDecoder(f).decode()
    if f.tell() != n:
        raise ValueError("cbor2 left %d bytes" % (n - f.tell()))
    return obj


def run(cmd, data=None):
    return subprocess.run(cmd, input=data, capture_output=True, text=True,
                          check=True, timeout=60).stdout.splitlines()


def main(tooldir):
    good = os.path.join(TOP, "tests", "vectors", "good.txt")
    ngood = sum(1 for l in open(good) if l.strip() and not l.startswith("#"))
    rows = [l.split("\t") for l in
            run([os.path.join(tooldir, "wiretool"), "gen", good, str(RANDOM), str(SEED)])]
    frames = [bytes.fromhex(h) for h, _ in rows]
    want = [json.loads(j) for _, j in rows]
    hexes = "".join(h + "\n" for h, _ in rows)
    libcbor = run([os.path.join(tooldir, "libcbor_dec")], hexes)

    results = []   # (ok, description)
    reenc = []
    for i, (fr, w) in enumerate(zip(frames, want)):
        label = "good vector %d" % i if i < ngood else "random event %d" % (i - ngood)
        try:
            obj = cbor2_decode(fr)
            got = pairs(obj)
            again = cbor2.dumps(obj)
        except Exception as e:  # noqa: BLE001 - any decoder failure is a test failure
            results.append((False, "cbor2 decodes %s: %s" % (label, e)))
            reenc.append(fr)
            continue
        results.append((got == w, "cbor2 decodes %s field for field" % label))
        results.append((again == fr[4:], "cbor2 re-encodes %s to our bytes" % label))
        reenc.append(struct.pack("<I", len(again)) + again)
        lc = json.loads(libcbor[i]) if not libcbor[i].startswith("ERROR") else libcbor[i]
        results.append((lc == w, "libcbor decodes %s field for field" % label))

    ours = run([os.path.join(tooldir, "wiretool"), "dec"], "".join(f.hex() + "\n" for f in reenc))
    for i, (line, w) in enumerate(zip(ours, want)):
        got = json.loads(line) if not line.startswith("ERROR") else line
        label = "good vector %d" % i if i < ngood else "random event %d" % (i - ngood)
        results.append((got == w, "our decoder takes cbor2's encoding of %s" % label))
    if len(ours) != len(want):
        results.append((False, "our decoder answered %d of %d" % (len(ours), len(want))))

    # One TAP line per good vector check, one summary line per random check kind.
    n = 0
    fails = [d for ok, d in results if not ok]
    for ok, d in results:
        if d.startswith(("cbor2", "libcbor", "our")) and "good vector" in d:
            n += 1
            print("%sok %d - %s" % ("" if ok else "not ", n, d))
    for kind in ("cbor2 decodes", "cbor2 re-encodes", "libcbor decodes", "our decoder takes"):
        bad = [d for d in fails if d.startswith(kind) and "random" in d]
        n += 1
        print("%sok %d - %s: %d random events%s" % (
            "not " if bad else "", n, kind, RANDOM,
            (", %d wrong, first: %s" % (len(bad), bad[0])) if bad else ""))
    print("1..%d" % n)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
