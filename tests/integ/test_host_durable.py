#!/usr/bin/python3
"""test_host_durable.py: the receiver never acknowledges what it did not
write.  The real agent (test build, synthetic burst, small ring) streams
to the receiver with --ack while write(2) or fsync(2) on its output fails
on a plan (the LD_PRELOAD shim build/preload/wfault.so): ENOSPC once,
ENOSPC for a while, EIO, short writes, a short write then ENOSPC, fsync
EIO under --fsync; then a real tmpfs that fills and is freed (in a mount
namespace of the test's own), and a receiver stopped in the middle of an
outage and started again, to which the agent replays what was not
acknowledged.  A Python client checks that an ack names exactly the last
line written when the output fails in the middle of a batch.  Each time: every seq the agent emitted is in the output
exactly once or announced lost by the agent (agent.loss), no line is
broken, the agent's own counters agree, and the receiver's counters say
how many writes failed."""
import collections
import json
import os
import re
import signal
import socket
import struct
import sys
import threading

import cbor2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import (BUILD, CE, Host, Tap, counter, frame, hello,  # noqa: E402
                     private_tmpfs, spawned, tmpdir)
from agentlib import Agent, read_mark, wait_until  # noqa: E402

t = Tap()
SHIM = os.path.abspath(os.path.join(BUILD, "preload", "wfault.so"))
BURST = 20000
EVENTS = "%d:10" % BURST       # 10 a ms: a 2 s stream, many writes
figures = []


def shim_env(out, plan="", fsync="", log=None):
    e = dict(os.environ, LD_PRELOAD=SHIM, WFAULT_PATH=out, WFAULT_PLAN=plan,
             WFAULT_FSYNC=fsync)
    if log:
        e["WFAULT_LOG"] = log
    return e


def has_seq(out, seq):
    """True once the output holds the line of seq (read from its tail)."""
    try:
        with open(out, "rb") as f:
            f.seek(max(0, os.path.getsize(out) - 65536))
            return re.search(rb'"seq":%d[,}]' % seq, f.read()) is not None
    except FileNotFoundError:
        return False


def has_stopping(out):
    try:
        with open(out, "rb") as f:
            f.seek(max(0, os.path.getsize(out) - 65536))
            return b'"probe_source":"agent.stopping"' in f.read()
    except FileNotFoundError:
        return False


def parse(raws):
    """Every line of the outputs: (records, broken lines, tails left)."""
    recs, bad, tails = [], [], []
    for raw in raws:
        lines = raw.split(b"\n")
        if lines[-1]:
            tails.append(lines[-1][:80])
        for line in lines[:-1]:
            try:
                recs.append(json.loads(line))
            except ValueError:
                bad.append(line[:80])
    return recs, bad, tails


def account(name, raws):
    """The checks on what the outputs hold; returns (emitted, in file,
    announced lost) or None."""
    recs, bad, tails = parse(raws)
    t.ok(not bad and not tails and recs,
         "%s: %d lines, every one whole JSON, none cut" % (name, len(recs)),
         (bad[:2], tails))
    kind = [r["type"][len(CE):] for r in recs]
    stops = [r["data"] for r, k in zip(recs, kind) if k == "agent_stopping"]
    if not t.ok(len(stops) == 1, "%s: one agent.stopping" % name, kind[-5:]):
        return None
    st = stops[0]
    seqs = [r["data"]["seq"] for r, k in zip(recs, kind)
            if "seq" in r["data"] and k not in ("agent_stopping",
                                                 "telemetry_dropped")]
    lost, host_gaps = [], []
    for r, k in zip(recs, kind):
        d = r["data"]
        if k == "telemetry_dropped" and d["detected_by"] == "agent":
            lost.extend(range(d["first_seq"], d["first_seq"] + d["count"]))
        elif k == "telemetry_dropped":
            host_gaps.append(d)
    twice = [s for s, n in collections.Counter(seqs).items() if n > 1]
    got, lset, n = set(seqs), set(lost), st["seq"]
    t.ok(not twice, "%s: no line twice (replays dropped)" % name, twice[:10])
    t.ok(not host_gaps, "%s: the receiver saw no seq gap" % name, host_gaps[:3])
    t.ok(got | lset == set(range(n)) and not got & lset and
         len(lost) == len(lset),
         "%s: each of the %d seqs is in the output once (%d) or announced "
         "lost by the agent (%d)" % (name, n, len(got), len(lset)),
         "missing %s; both %s" % (sorted(set(range(n)) - got - lset)[:10],
                                  sorted(got & lset)[:10]))
    t.ok(st["emitted"] == n and
         st["sent"] + st["dropped"]["ring_overwrite"] == n and
         st["sent"] == len(got) and st["dropped"]["ring_overwrite"] == len(lset),
         "%s: the agent agrees: emitted %d = sent %d + ring_overwrite %d"
         % (name, st["emitted"], st["sent"], st["dropped"]["ring_overwrite"]))
    return n, len(got), len(lset)


def agent(h, ring="256k"):
    """The agent's burst into h's cell: (agent, its mark file)."""
    mark = os.path.join(h.tmp, "mark")
    return Agent(h.paths["c1"], "--ring-bytes", ring, "--heartbeat-ms", "60000",
                 "--test-events", EVENTS, "--test-mark", mark), mark


def finish(name, h, a, mark, out, before=lambda: True):
    """Let the burst end and reach the output, stop the agent, then the
    receiver; the checks on both.  Returns the receiver's last counters."""
    ok = before()
    wait_until(lambda: (read_mark(mark) or (0, 0))[1] == 1, timeout=60)
    wait_until(lambda: has_seq(out, BURST - 1), timeout=60)
    a.signal(signal.SIGTERM)
    arc = a.wait()
    wait_until(lambda: has_stopping(out), timeout=30)
    st = h.stats()
    hrc = h.stop()
    t.ok(ok and arc == 0 and hrc == 0, "%s: agent and receiver exit 0" % name,
         (ok, arc, hrc, h.stderr()[-600:]))
    res = account(name, [open(out, "rb").read()])
    t.ok(counter(st, "lost", None) == 0 and counter(st, "held", None) == 0 and
         counter(st, "cut", None) == 0 and counter(st, "acks") > 0,
         "%s: nothing lost, held or cut; %d acks" % (name, counter(st, "acks")),
         st)
    if res:
        figures.append("%s: %d emitted, %d in the output, %d announced lost; "
                       "%d failed writes, %d cut back, %d acks"
                       % (name, res[0], res[1], res[2], counter(st, "errors", None),
                          counter(st, "truncated", None), counter(st, "acks")))
    return st


def run(name, plan="", fsync="", args=()):
    """One receiver on a fault plan, one agent burst, then the checks."""
    d = tmpdir()
    out, log = os.path.join(d, "out.jsonl"), os.path.join(d, "faults")
    h = Host(out=out, tmp=d, args=["--ack"] + list(args),
             env=shim_env(out, plan, fsync, log))
    a, mark = agent(h)
    st = finish(name, h, a, mark, out)
    try:
        made = [l.strip() for l in open(log)]
    except FileNotFoundError:
        made = []
    failed = sum(1 for m in made if m != "write short")
    errors = counter(st, "errors", None)
    t.ok(errors == failed and (failed > 0 or "enospc" not in plan + fsync and
                               "eio" not in plan + fsync),
         "%s: the receiver counted %d failed writes, as many as the shim made"
         " (%d, and %d short)" % (name, errors, failed, len(made) - failed), st)


run("ENOSPC once", "ok*5,enospc*1")
run("ENOSPC for 1.5 s", "ok*5,enospc@1500")
run("EIO", "ok*5,eio*3")
run("short writes", "ok*5,short*20")
run("a short write then ENOSPC", "ok*5,short*1,enospc*1,ok*5,short*2,enospc*2")
run("--fsync, fsync EIO", fsync="ok*5,eio*2", args=["--fsync"])


def tmpfs_fills():
    """A real tmpfs: full while a filler takes its room, then freed."""
    name = "a tmpfs that fills, then is freed"
    d = private_tmpfs("24m")
    if not d:
        t.skip(name, "cannot mount a tmpfs here")
        return
    filler = os.path.join(d, "filler")
    st = os.statvfs(d)
    with open(filler, "wb") as f:
        f.write(b"\0" * (st.f_bavail * st.f_frsize - 256 * 1024))
    out = os.path.join(d, "out.jsonl")
    h = Host(out=out, args=["--ack"])
    a, mark = agent(h, "64k")

    def fill_then_free():
        full = wait_until(lambda: counter(h.stats(), "errors", None) >= 3,
                          timeout=60)       # full through three retries
        os.unlink(filler)
        return full
    st = finish(name, h, a, mark, out, fill_then_free)
    t.ok(counter(st, "errors", None) >= 3,
         "%s: ENOSPC came: %d failed writes" % (name, counter(st, "errors", None)),
         st)


def restart_in_outage():
    """The receiver stops while its output fails (what it held is lost,
    counted, exit 1); the agent keeps what was not acknowledged and
    replays it to the next receiver."""
    name = "receiver restarted in an outage"
    d = tmpdir()
    out1, out2 = os.path.join(d, "one.jsonl"), os.path.join(d, "two.jsonl")
    h1 = Host(out=out1, tmp=d, args=["--ack"],
              env=shim_env(out1, "ok*10,enospc@600000"))
    a, mark = agent(h1, "8m")
    wait_until(lambda: (read_mark(mark) or (0, 0))[1] == 1, timeout=60)
    wait_until(lambda: counter(h1.stats(), "errors", None) >= 3, timeout=60)
    t.ok(counter(h1.stats(), "acks") > 0, "%s: the first receiver acked "
         "what it wrote before its output failed" % name)
    s1 = h1.stats()
    rc1 = h1.stop()
    lost1 = counter(h1.stderr(), "lost", None)
    t.ok(rc1 == 1 and lost1 > 0 and "were lost on the output" in h1.stderr(),
         "%s: the first receiver exits 1: %d lines it held were never "
         "written" % (name, lost1), h1.stderr()[-600:])
    h2 = Host(out=out2, tmp=d, args=["--ack"])
    wait_until(lambda: has_seq(out2, BURST - 1), timeout=60)
    a.signal(signal.SIGTERM)
    arc = a.wait()
    wait_until(lambda: has_stopping(out2), timeout=30)
    hrc = h2.stop()
    raw1, raw2 = open(out1, "rb").read(), open(out2, "rb").read()
    recs1, recs2 = parse([raw1])[0], parse([raw2])[0]
    top1 = max((r["data"]["seq"] for r in recs1 if "seq" in r["data"]),
               default=-1)
    hello2 = [r["data"] for r in recs2 if r["type"] == CE + "agent_hello"]
    t.ok(arc == 0 and hrc == 0 and hello2 and hello2[0]["session"] == 2 and
         hello2[0]["resume_seq"] == top1 + 1,
         "%s: the agent reconnects (session 2) and resumes at seq %d, right "
         "after the last line the first receiver wrote and acked"
         % (name, hello2[0]["resume_seq"] if hello2 else -1),
         (arc, hrc, hello2, top1))
    res = account(name, [raw1, raw2])
    if res:
        figures.append("%s: %d emitted; the first receiver wrote %d and "
                       "lost %d it held (%d acks), the agent replayed from "
                       "seq %d; %d in the outputs, %d announced lost"
                       % (name, res[0], top1 + 1, lost1, counter(s1, "acks"),
                          top1 + 1, res[1], res[2]))


def acks_of(data):
    """The ack_seq of every whole ack frame in data."""
    out, off = [], 0
    while off + 4 <= len(data):
        n = struct.unpack("<I", data[off:off + 4])[0]
        if off + 4 + n > len(data):
            break
        out.append(cbor2.loads(data[off + 4:off + 4 + n])["ack_seq"])
        off += 4 + n
    return out


def ack_is_what_is_written():
    """One batch far larger than the output buffer: the receiver writes
    it in the middle of the batch, twice, then its output fails for good.
    The last ack names exactly the last seq in the file: all that was
    written is acknowledged, and nothing more."""
    name = "a batch written in the middle, then ENOSPC"
    d = tmpdir()
    out = os.path.join(d, "out.jsonl")
    h = Host(out=out, tmp=d, args=["--ack"],
             env=shim_env(out, "ok*2,enospc@600000"))
    s = h.connect()
    batch = frame(hello(None, resume=0)) + b"".join(frame(spawned(i))
                                                   for i in range(5000))

    def send():
        try:
            s.sendall(batch)            # blocks once the receiver waits
        except OSError:
            pass                        # closed at the end of the test
    threading.Thread(target=send, daemon=True).start()
    h.wait_stats(lambda st: counter(st, "errors", None) >= 2)
    s.settimeout(1)
    data = b""
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            data += c
    except socket.timeout:
        pass
    acks = acks_of(data)
    recs = parse([open(out, "rb").read()])[0]
    top = max(r["data"]["seq"] for r in recs if "seq" in r["data"])
    st = h.stats()
    t.ok(acks and acks[-1] == top and counter(st, "held", None) > 0,
         "%s: %d lines written, the last ack names seq %d, the last written "
         "(%d)" % (name, len(recs), acks[-1] if acks else -1, top),
         (acks[-3:], top, st))
    s.close()
    t.ok(h.stop() == 1, "%s: stopped with lines held: exit 1" % name)


ack_is_what_is_written()
restart_in_outage()
tmpfs_fills()
for f in figures:
    print("# " + f)
sys.exit(t.done())
