#!/usr/bin/python3
"""encoder.py: benchmark 3, the frame encoder (make bench).

ns per frame of our encoder (src/wire) against libcbor building the same
map (build/bench/encoder: byte-identical output asserted before timing),
for a v1.0 process.spawned frame and a full v1.1 process.exec frame; then
python3-cbor2 encoding the same map as a sanity row (its bytes asserted
equal to ours too).  Wall time on a shared machine is noisy, so each row
is also counted in instructions under callgrind (user-space only, which
is all an encoder runs).  Baseline: our encoder.
"""
import os
import re
import struct
import subprocess
import timeit

import cbor2

import benchlib as bl

ENC = os.path.join(bl.BUILD, "bench", "encoder")
ITERS = 200000 if bl.QUICK else 1000000
CG_ITERS = 4000
ROUNDS = 5      # as encoder.c


def cbor2_ns(frame):
    body = frame[4:]
    m = cbor2.loads(body)
    assert cbor2.dumps(m) == body and struct.unpack("<I", frame[:4])[0] == len(body), \
        "cbor2 bytes differ from ours"
    n = 20000 if bl.QUICK else 100000
    best = min(timeit.repeat(lambda: struct.pack("<I", len(body)) + cbor2.dumps(m),
                             number=n, repeat=ROUNDS))
    return best / n * 1e9


def callgrind(row):
    out = bl.tmp("cg." + row)
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                        ENC, "-r", row, str(CG_ITERS)], capture_output=True)
    if r.returncode != 0:
        return None, None
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", out],
                         capture_output=True, text=True).stdout
    calls = ROUNDS * CG_ITERS + 1

    def ir(fn):
        m = re.search(r"^\s*([\d,]+) \([^)]*\)\s+\S*:%s\b" % fn, ann, re.M)
        return int(m.group(1).replace(",", "")) / calls if m else None
    return ir("frame_encode"), ir("libcbor_encode")


def main():
    frames = dict(l.split() for l in subprocess.run(
        [ENC, "-x"], capture_output=True, text=True, check=True).stdout.splitlines())
    r = subprocess.run([ENC, str(ITERS)], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("encoder: " + r.stderr)
    rows = re.findall(r"^(v1\.\S+ \S+ \(\d+ keys\))\s+(\d+)\s+([\d.]+)\s+([\d.]+)",
                      r.stdout, re.M)
    t = bl.Table("encoder", "3. encoder: ns per frame (bytes identical, "
                 "asserted before timing)")
    for (name, nbytes, ours, lib), key in zip(rows, ("v10", "exec")):
        base = "ours: %s" % name
        t.add(base, float(ours), "ns", None, "%s bytes" % nbytes)
        t.add("libcbor: %s" % name, float(lib), "ns", base)
        t.add("python3-cbor2: %s" % name,
              round(cbor2_ns(bytes.fromhex(frames[key])), 1), "ns", base)
        o, l = callgrind(key)
        if o is not None:
            t.add("ours (callgrind): %s" % name, round(o, 1), "instr")
        if l is not None:
            t.add("libcbor (callgrind): %s" % name, round(l, 1), "instr",
                  "ours (callgrind): %s" % name)
    t.show()


if __name__ == "__main__":
    bl.run(main)
