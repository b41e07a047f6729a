#!/usr/bin/python3
"""test_host_sign.py: signed output lines.  HMAC-SHA256 lines are checked
with Python's own hmac module (an independent implementation) over the
exact bytes of the unsigned line; both algorithms round-trip through
--verify, with the signing key and (Ed25519) with the public key alone;
one changed byte makes --verify fail and name the line."""
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import HOST, Host, Tap, tmpdir, vectors  # noqa: E402

t = Tap()
KEY = bytes(range(32))
SUFFIX = re.compile(rb',"cellossigalg":"([a-z0-9-]+)","cellossigkid":"([0-9a-f]{16})",'
                    rb'"cellossig":"([A-Za-z0-9+/=]+)"\}$')


def keyfile(tmp, text):
    p = os.path.join(tmp, "key")
    with open(p, "w") as f:
        f.write("# test key\n" + text + "\n")
    return p


def run_signed(alg, text):
    tmp = tmpdir("cth-sign-")
    kf = keyfile(tmp, text)
    h = Host(args=["--sign", alg, "--key-file", kf], tmp=tmp)
    s = h.connect()
    good = [v[-1] for v in vectors("good.txt") if v[0] != "v11_ack"]
    s.sendall(b"".join(good))
    h.wait_count(len(good) + 1)
    s.close()
    h.stop()
    return h, kf, h.raw_lines()


def verify(kf, path):
    return subprocess.run([HOST, "--verify", "--key-file", kf, path],
                          capture_output=True, text=True, timeout=30)


def tamper(kf, path, lines):
    bad = path + ".bad"
    ls = list(lines)
    i = len(ls) // 2
    ls[i] = ls[i].replace(b'"cell_id":"c1"', b'"cell_id":"c2"')
    with open(bad, "wb") as f:
        f.write(b"\n".join(ls) + b"\n")
    r = verify(kf, bad)
    t.ok(r.returncode == 1 and "1 bad" in r.stdout and ":%d: bad" % (i + 1) in r.stderr,
         "one changed byte fails verification, on that line", r.stdout + r.stderr)


def hmac_lines():
    h, kf, lines = run_signed("hmac", "hmac-sha256 " + KEY.hex())
    kid = hashlib.sha256(KEY).hexdigest()[:16]
    bad = []
    for l in lines:
        m = SUFFIX.search(l)
        if not m or m.group(1) != b"hmac-sha256" or m.group(2).decode() != kid:
            bad.append(l[-150:])
            continue
        unsigned = l[:m.start()] + b"}"
        mac = hmac.new(KEY, unsigned, hashlib.sha256).digest()
        if base64.b64decode(m.group(3)) != mac:
            bad.append(l[-150:])
    t.ok(lines and not bad, "HMAC-SHA256 over each unsigned line checks with "
         "Python's hmac (%d lines, key id %s)" % (len(lines), kid), bad[:3])
    t.ok(all(json.loads(l)["cellossigkid"] == kid for l in lines),
         "signed lines stay JSON; key id is an extension attribute")
    r = verify(kf, h.out)
    t.ok(r.returncode == 0 and "%d lines good, 0 bad" % len(lines) in r.stdout,
         "--verify accepts them", r.stdout + r.stderr)
    tamper(kf, h.out, lines)
    other = keyfile(tmpdir(), "hmac-sha256 " + bytes(32).hex())
    r = verify(other, h.out)
    t.ok(r.returncode == 1 and "0 lines good" in r.stdout, "another key fails", r.stdout)


def ed25519_lines():
    h, kf, lines = run_signed("ed25519", "ed25519 " + KEY.hex())
    m = re.search(r"public key: (ed25519-pub [0-9a-f]{64})", h.stderr())
    t.ok(m is not None, "the ready line gives the public key", h.stderr()[:300])
    r = verify(kf, h.out)
    t.ok(r.returncode == 0 and "%d lines good, 0 bad" % len(lines) in r.stdout,
         "Ed25519: --verify with the seed key", r.stdout + r.stderr)
    if m:
        pub = keyfile(tmpdir(), m.group(1))
        r = verify(pub, h.out)
        t.ok(r.returncode == 0 and "0 bad" in r.stdout,
             "Ed25519: --verify with the public key alone", r.stdout + r.stderr)
        tamper(pub, h.out, lines)
    r = subprocess.run([HOST, "--cell", "c:/tmp/x", "--sign", "hmac", "--key-file", kf],
                       capture_output=True, text=True, timeout=30)
    t.ok(r.returncode != 0 and "not a hmac-sha256 signing key" in r.stderr,
         "--sign hmac with an ed25519 key is refused at set-up", r.stderr)


hmac_lines()
ed25519_lines()
t.done()
