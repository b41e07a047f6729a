#!/usr/bin/python3
"""test_check.py: check.py must accept a good console log and reject bad ones.

Feeds check.py's parser and judge made-up console logs (no QEMU): a good
run, then one defect at a time, each of which must give an error.  Prints
TAP.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402

STEPS = ["vsock-any", "pingpong-any", "vsock-local", "pingpong-local"]
PP = ('{"test":"vsock-pingpong","bind":"%s","port":9001,"local_cid":1,'
      '"peer_cid":1,"echoed":300000,"want":300000,"client_exit":0}')

GOOD = "\r\n".join([
    "[    0.9] kernel line before",
    "E2E STEP setup:lo ok up",
    "E2E STEP vsock-any ok exit=0 ms=5",
    "E2E STEP vsock-local ok exit=0 ms=5",
    "E2E BEGIN pingpong-any",
    "E2E| " + PP % "any",
    "[    1.2] a kernel line inside a dump",
    "E2E END pingpong-any 1",
    "E2E STEP pingpong-any ok lines=1",
    "E2E BEGIN pingpong-local",
    "E2E| " + PP % "local",
    "E2E END pingpong-local 1",
    "E2E STEP pingpong-local ok lines=1",
    "E2E REAPED 81 cellos-telemetr signal=9",
    "E2E RESULT: PASS",
    "[    2.0] reboot: Power down",
])

# (what is wrong, text to replace in GOOD, replacement)
BAD = [
    ("guest said FAIL", "RESULT: PASS", "RESULT: FAIL"),
    ("no result line", "E2E RESULT: PASS", ""),
    ("two result lines", "E2E RESULT: PASS", "E2E RESULT: PASS\nE2E RESULT: PASS"),
    ("a step failed", "vsock-any ok exit=0", "vsock-any FAIL exit=1"),
    ("a set-up step failed", "setup:lo ok", "setup:lo FAIL"),
    ("a step missing", "E2E STEP vsock-local ok exit=0 ms=5", ""),
    ("a step twice", "E2E STEP vsock-local ok exit=0 ms=5",
     "E2E STEP vsock-local ok exit=0 ms=5\nE2E STEP vsock-local ok x"),
    ("dump cut short", "E2E END pingpong-local 1\r\n", ""),
    ("dump count wrong", "E2E END pingpong-any 1", "E2E END pingpong-any 2"),
    ("dump line not JSON", '"client_exit":0}\r\n[', '"client_exit":0\r\n['),
    ("dump missing", "E2E BEGIN pingpong-local", "E2E BEGIN other"),
    ("bytes lost", '"bind":"any","port":9001,"local_cid":1,"peer_cid":1,"echoed":300000',
     '"bind":"any","port":9001,"local_cid":1,"peer_cid":1,"echoed":299999'),
    ("wrong peer", '"local","port":9001,"local_cid":1,"peer_cid":1',
     '"local","port":9001,"local_cid":1,"peer_cid":2'),
    ("client failed", '"any","port":9001,"local_cid":1,"peer_cid":1,"echoed":300000,'
     '"want":300000,"client_exit":0', '"any","port":9001,"local_cid":1,"peer_cid":1,'
     '"echoed":300000,"want":300000,"client_exit":6'),
]


def errors(text):
    return check.judge(check.Run(text), STEPS)


def main():
    n = 0
    fails = 0
    errs = errors(GOOD)
    n += 1
    print("%sok %d - a good log passes%s" % ("not " if errs else "", n,
          "" if not errs else ": %r" % errs))
    fails += bool(errs)
    run = check.Run(GOOD)
    n += 1
    reaped = run.reaped == [(81, "cellos-telemetr", "signal=9")]
    print("%sok %d - reaped orphans are parsed" % ("" if reaped else "not ", n))
    fails += not reaped
    for what, old, new in BAD:
        assert old in GOOD, what
        n += 1
        errs = errors(GOOD.replace(old, new, 1))
        print("%sok %d - rejected: %s" % ("" if errs else "not ", n, what))
        fails += not errs
    print("1..%d" % n)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
