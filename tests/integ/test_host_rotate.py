#!/usr/bin/python3
"""test_host_rotate.py: the receiver lives with logrotate.  While the real
agent streams (--ack), the output is renamed and the receiver gets SIGHUP,
twice (logrotate's `create` rotation and its `postrotate kill -HUP`): the
next lines are in the new file, each seq is in exactly one file once, in
order, none lost.  Then logrotate itself (when installed) does the same
from a config file.  SIGHUP with `--out -` is harmless (nothing to reopen,
nothing lost), and a reopen that fails keeps writing the old file."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import (CE, Host, PipeReader, Tap, counter, frame,  # noqa: E402
                     spawned, tmpdir)
from agentlib import Agent, read_mark, wait_until  # noqa: E402

t = Tap()


def tail_has(path, pat):
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.path.getsize(path) - 65536))
            return re.search(pat, f.read()) is not None
    except FileNotFoundError:
        return False


def lines_of(path):
    raw = open(path, "rb").read()
    return raw, [json.loads(l) for l in raw.split(b"\n")[:-1]]


def seqs(recs):
    return [r["data"]["seq"] for r in recs
            if "seq" in r["data"] and r["type"] != CE + "agent_stopping"]


def stream(name, rotate, n=6000, rate=3):
    """An agent streams n events at rate a ms; rotate(host, out) is called
    once lines flow.  Returns (files oldest first, host stats, exits)."""
    d = tmpdir()
    out = os.path.join(d, "events.jsonl")
    h = Host(out=out, tmp=d, args=["--ack"])
    mark = os.path.join(d, "mark")
    a = Agent(h.paths["c1"], "--heartbeat-ms", "60000", "--test-events",
              "%d:%d" % (n, rate), "--test-mark", mark)
    wait_until(lambda: tail_has(out, rb'"seq":[0-9]+[,}]'))
    files = rotate(h, out)
    wait_until(lambda: (read_mark(mark) or (0, 0))[1] == 1, timeout=60)
    wait_until(lambda: tail_has(out, rb'"seq":%d[,}]' % (n - 1)), timeout=60)
    a.signal(signal.SIGTERM)
    arc = a.wait()
    wait_until(lambda: tail_has(out, rb'"probe_source":"agent.stopping"'))
    st = h.stats()
    hrc = h.stop()
    return files + [out], st, (arc, hrc), h


def check(name, files, st, rcs, h, rotations):
    parsed = [lines_of(f) for f in files]
    counts = [len(recs) for _, recs in parsed]
    t.ok(all(raw.endswith(b"\n") for raw, _ in parsed) and all(counts),
         "%s: %d files, each with whole lines (%s)" % (name, len(files),
                                                      " + ".join(map(str, counts))),
         counts)
    per = [seqs(recs) for _, recs in parsed]
    every = [s for p in per for s in p]
    stop = [r["data"] for r in parsed[-1][1] if r["type"] == CE + "agent_stopping"]
    n = stop[0]["seq"] if stop else -1
    t.ok(every == list(range(n)) and stop and stop[0]["sent"] == n,
         "%s: seqs 0..%d each in exactly one file, once, in order: none lost "
         "(the agent sent %d)" % (name, n - 1, stop[0]["sent"] if stop else -1),
         [(p[0], p[-1]) for p in per if p])
    t.ok(all(per[i] and per[i + 1] and per[i + 1][0] == per[i][-1] + 1
             for i in range(len(per) - 1)),
         "%s: after each SIGHUP the next line is in the new file" % name,
         [(p[0], p[-1]) for p in per if p])
    t.ok(rcs == (0, 0) and counter(st, "reopened", None) == rotations and
         h.stderr().count("SIGHUP: reopened") == rotations,
         "%s: %d reopens counted and logged, exit 0" % (name, rotations),
         (rcs, h.stderr()[-400:]))
    return counts


def seq_in(out, seq):
    return wait_until(lambda: tail_has(out, rb'"seq":%d[,}]' % seq), timeout=30)


def by_hand(h, out):
    """logrotate's create mode, twice: shift, rename, SIGHUP (at about a
    third and two thirds of the stream)."""
    seq_in(out, 2000)
    os.rename(out, out + ".1")
    h.proc.send_signal(signal.SIGHUP)
    seq_in(out, 4000)
    os.rename(out + ".1", out + ".2")
    os.rename(out, out + ".1")
    h.proc.send_signal(signal.SIGHUP)
    return [out + ".2", out + ".1"]


files, st, rcs, h = stream("rename + SIGHUP", by_hand)
counts = check("rename + SIGHUP", files, st, rcs, h, 2)
print("# rename + SIGHUP: lines per file, oldest first: %s" % counts)


def with_logrotate(h, out):
    conf = os.path.join(os.path.dirname(out), "logrotate.conf")
    with open(conf, "w") as f:
        f.write("%s {\n  rotate 3\n  create 0644\n  missingok\n  postrotate\n"
                "    kill -HUP %d\n  endscript\n}\n" % (out, h.proc.pid))
    state = os.path.join(os.path.dirname(out), "logrotate.state")
    seq_in(out, 3000)
    r = subprocess.run(["logrotate", "-f", "-s", state, conf],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print("# logrotate: %s" % r.stderr)
    return [out + ".1"]


if shutil.which("logrotate"):
    files, st, rcs, h = stream("logrotate -f", with_logrotate)
    counts = check("logrotate -f", files, st, rcs, h, 1)
    print("# logrotate -f: lines per file, oldest first: %s" % counts)
else:
    t.skip("logrotate -f", "logrotate is not installed")


def stdout_hup():
    """--out -: SIGHUP is harmless: nothing to reopen, nothing lost."""
    r, w = os.pipe()
    h = Host(stdout=w, args=["--out", "-"])
    os.close(w)
    reader = PipeReader(r)
    s = h.connect()
    for i in range(100):
        s.sendall(frame(spawned(i)))
        if i in (30, 60):
            h.proc.send_signal(signal.SIGHUP)
            time.sleep(0.1)
    wait_until(lambda: reader.data().count(b"\n") >= 100, timeout=10)
    alive = h.alive()
    st = h.stats()
    s.close()
    rc = h.stop()
    got = [json.loads(l)["data"]["seq"] for l in reader.data(5).split(b"\n")[:-1]]
    t.ok(alive and got == list(range(100)) and rc == 0 and
         counter(st, "reopened", None) == 0,
         "--out -: two SIGHUPs, the receiver stays up, 100 lines of 100 "
         "arrive in order, exit 0", (alive, got[:5], len(got), rc))
    t.ok(h.stderr().count("nothing to reopen") == 2,
         "--out -: each SIGHUP says there is nothing to reopen", h.stderr()[-300:])


def reopen_fails():
    """The folder of --out is gone at SIGHUP: the receiver says so and
    keeps writing the file it has; nothing is lost."""
    d = tmpdir()
    sub = os.path.join(d, "logs")
    os.mkdir(sub)
    out = os.path.join(sub, "events.jsonl")
    h = Host(out=out, tmp=d)
    s = h.connect()
    s.sendall(b"".join(frame(spawned(i)) for i in range(10)))
    h.wait_count(10)
    os.rename(sub, sub + ".old")
    h.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "still writing the old file" in h.stderr(), timeout=5)
    s.sendall(b"".join(frame(spawned(i)) for i in range(10, 20)))
    old = os.path.join(sub + ".old", "events.jsonl")
    wait_until(lambda: open(old, "rb").read().count(b"\n") >= 20, timeout=10)
    got = [json.loads(l)["data"]["seq"] for l in open(old, "rb")]
    s.close()
    rc = h.stop()
    t.ok(got == list(range(20)) and rc == 0 and
         "still writing the old file" in h.stderr(),
         "a reopen that fails (folder gone) is logged; the lines go on into "
         "the old file, none lost", (got, rc, h.stderr()[-300:]))


stdout_hup()
reopen_fails()
sys.exit(t.done())
