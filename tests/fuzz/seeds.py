#!/usr/bin/python3
"""seeds.py NAME OUTDIR: write the seed corpus of one fuzz target.

fuzz_frame starts from every vector frame; any target may also have files
committed under tests/fuzz/corpus/NAME/.
"""
import os
import shutil
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def vector_frames():
    vec = os.path.join(TOP, "tests", "vectors")
    for name in ("good.txt", "bad.txt"):
        for line in open(os.path.join(vec, name)):
            if line.startswith("#") or not line.strip():
                continue
            yield bytes.fromhex(line.rstrip("\n").split("\t")[-1])


def main(name, out):
    os.makedirs(out, exist_ok=True)
    seeds = list(vector_frames()) if name in ("fuzz_frame", "fuzz_reader") else []
    for i, s in enumerate(seeds):
        with open(os.path.join(out, "vec%03d" % i), "wb") as f:
            f.write(s)
    committed = os.path.join(TOP, "tests", "fuzz", "corpus", name)
    if os.path.isdir(committed):
        for f in os.listdir(committed):
            shutil.copy(os.path.join(committed, f), out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
