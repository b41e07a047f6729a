#!/usr/bin/python3
"""test_host_labels.py: static labels for collectors.  --label KEY=VALUE
(repeatable) lands in every line's data as "labels", --host-name NAME as
"host_name", on guest and host-made lines alike, signed with the rest.
Bad labels are refused with a reason and exit 2.  The longest line the
receiver can be made to write (a 4096-byte body of bytes JSON escapes
sixfold, the most labels at their longest, the longest host name, an
Ed25519 signature) stays under the documented 65,536 bytes."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import caps  # noqa: E402
from hostlib import (CE, HOST, Host, Tap, ev, frame, hello, spawned,  # noqa: E402
                     tmpdir)
import cbor2  # noqa: E402

t = Tap()
LINE_MAX = 65536                # HOST_LINE_MAX, with the newline


def every_line():
    h = Host(args=["--label", "tenant=acme", "--label", "env=prod",
                   "--label", "note=a \"quoted\" \\ value", "--host-name",
                   "host-7.example"])
    s = h.connect()
    s.sendall(frame(hello(0)) + frame(spawned(1)) + frame(spawned(5)) +
              frame(b"\xa1\x00"))       # a gap, then a rejected frame
    ls = h.wait_count(5)
    s.close()
    h.stop()
    kinds = sorted(set(l["type"][len(CE):] for l in ls))
    want = {"tenant": "acme", "env": "prod", "note": 'a "quoted" \\ value'}
    t.ok(len(ls) == 5 and all(l["data"].get("labels") == want and
                               l["data"].get("host_name") == "host-7.example"
                               for l in ls),
         "labels and host_name in the data of every line (%s)" % ", ".join(kinds),
         [l["data"] for l in ls][:2])
    d = ls[1]["data"]
    keys = list(d)
    t.ok(keys[:5] == ["cell_id", "run_id", "host_received_at", "host_name",
                      "labels"] and keys[5:8] == ["severity", "message",
                                                  "content_version"],
         "they follow the host stamp, before severity, message and the "
         "guest's fields", keys[:8])


def refused():
    bad = [["--label", "novalue"], ["--label", "=v"], ["--label", "a b=v"],
           ["--label", "k=1", "--label", "k=2"],
           ["--label", "k=" + "v" * 257], ["--host-name", "a/b"],
           sum((["--label", "k%d=v" % i] for i in range(17)), [])]
    wrong = []
    for args in bad:
        r = subprocess.run([HOST, "--cell", "c:/nonexistent/x.sock"] + args,
                           capture_output=True, text=True)
        if r.returncode != 2 or ("--label" not in r.stderr and
                                 "--host-name" not in r.stderr):
            wrong.append((args[:4], r.returncode, r.stderr[:120]))
    r = subprocess.run([HOST, "--cell", "c:/nonexistent/x.sock", "--label",
                        b"k=\xff"], capture_output=True)
    if r.returncode != 2:
        wrong.append(("k=\\xff", r.returncode))
    t.ok(not wrong, "bad --label/--host-name words are refused, exit 2, with "
         "the reason (%d cases)" % (len(bad) + 1), wrong)


def longest_line():
    """The worst a guest and an operator can do together."""
    nlab, klen, vlen = (caps("HOST_LABELS_MAX"), caps("HOST_LABEL_KEY_MAX"),
                        caps("HOST_LABEL_VALUE_MAX"))
    name = "h" * caps("HOST_NAME_LEN_MAX")
    labels = []
    for i in range(nlab):
        key = ("k%02d" % i).ljust(klen, "x")
        labels += ["--label", "%s=%s" % (key, "\x01" * vlen)]
    tmp = tmpdir("cth-long-")
    kf = os.path.join(tmp, "key")
    with open(kf, "w") as f:
        f.write("ed25519 " + bytes(range(32)).hex() + "\n")
    h = Host(args=labels + ["--host-name", name, "--sign", "ed25519",
                            "--key-file", kf], tmp=tmp)
    n = 4000
    while True:                         # the largest body that is a frame
        d = ev("process.exec", comm="\x01" * 16, seq=0, argv="\x01" * n, argc=1)
        if len(cbor2.dumps(d)) <= 4096:
            break
        n -= 1
    body = cbor2.dumps(d)
    s = h.connect()
    s.sendall(frame(body))
    ls = h.wait_count(1)
    s.close()
    rc = h.stop()
    raw = h.raw_lines()
    longest = max(len(l) + 1 for l in raw) if raw else -1
    t.ok(rc == 0 and ls and ls[0]["data"]["argv"] == ["\x01" * n] and
         "too long 0" in h.stderr(),
         "a %d-byte body of control bytes, %d labels of %d, a %d-character "
         "host name, signed: written whole" % (len(body), nlab, vlen, len(name)),
         h.stderr()[-300:])
    t.ok(0 < longest <= LINE_MAX,
         "the longest line is %d bytes with its newline, within the "
         "documented %d" % (longest, LINE_MAX))
    r = subprocess.run([HOST, "--verify", "--key-file", kf, h.out],
                       capture_output=True, text=True)
    t.ok(r.returncode == 0 and "1 lines good, 0 bad" in r.stdout,
         "and its signature verifies", r.stdout + r.stderr)
    print("# longest line: %d bytes (body %d bytes)" % (longest, len(body)))


every_line()
refused()
longest_line()
sys.exit(t.done())
