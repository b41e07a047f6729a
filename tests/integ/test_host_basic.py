#!/usr/bin/python3
"""test_host_basic.py: cellos-telemetry-host end to end over AF_UNIX with
Python clients (cbor2): -h/-V/usage, readiness, attribution by socket, the
host stamp, CloudEvents shape, JSON escaping, argv arrays, seq gaps, the
agent's loss reports, dedupe across a reconnect, keep-alive, acks, SIGUSR1
counters, clean exit."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import (CE, HOST, TOP, Host, Tap, counter, ev, frame, guest,  # noqa: E402
                     hello, kinds, recv_all, spawned, vectors)
import cbor2  # noqa: E402

t = Tap()


def cli():
    r = subprocess.run([HOST, "-h"], capture_output=True, text=True, timeout=30)
    t.ok(r.returncode == 0 and r.stdout.startswith("usage: cellos-telemetry-host"),
         "-h prints the usage on stdout", r.stdout + r.stderr)
    src = open(os.path.join(TOP, "src", "host", "opts.c")).read()
    longs = re.findall(r'\{ "([a-z-]+)", (?:required|no)_argument', src)
    missing = [o for o in longs if "--" + o not in r.stdout]
    t.ok(len(longs) >= 10 and not missing,
         "-h names every long option (%d)" % len(longs), missing)
    r = subprocess.run([HOST, "-V"], capture_output=True, text=True, timeout=30)
    t.ok(r.returncode == 0 and re.match(r"cellos-telemetry-host \d", r.stdout),
         "-V prints the version", r.stdout)
    for bad in (["--cell", "no-colon"], ["--bogus"], []):
        r = subprocess.run([HOST] + bad, capture_output=True, text=True,
                           timeout=30)
        t.ok(r.returncode == 2 and "usage:" in r.stderr,
             "usage error for %s" % (bad or "no cell"), r.stderr)


def readiness():
    rfd, wfd = os.pipe()
    h = Host(args=["--ready-fd", str(wfd)], pass_fds=(wfd,))
    os.close(wfd)
    t.ok(h.ready is not None and "ready" in h.ready, "a ready line on stderr", h.stderr())
    t.ok(os.read(rfd, 64) == b"ready\n", "ready written to --ready-fd")
    os.close(rfd)
    t.ok(os.path.exists(h.paths["c1"]), "the cell's socket is bound")
    rc = h.stop()
    t.ok(rc == 0 and not os.path.exists(h.paths["c1"]),
         "SIGTERM: exit 0 and the socket is removed", h.stderr())


def vectors_out():
    h = Host(cells=("c1", "c2"))
    good = [v for v in vectors("good.txt") if v[0] != "v11_ack"]
    s = h.connect("c2")
    for v in good:
        s.sendall(v[-1])
    ls = h.wait_count(len(good) + 1)   # + one seq gap in the vectors
    g = guest(ls)
    t.ok(len(g) == len(good) - 1, "every good vector but loss is one guest event",
         "\n".join(kinds(ls)))
    t.ok(all(l["data"]["cell_id"] == "c2" and l["source"] == "cellos://cell/c2"
             for l in ls), "attribution comes from the socket (c2)")
    want = ["specversion", "id", "source", "time", "type", "datacontenttype", "data"]
    t.ok(all(list(l)[:7] == want and l["specversion"] == "1.0" and
             l["datacontenttype"] == "application/json" for l in ls),
         "CloudEvents 1.0 attributes in order", list(ls[0]))
    t.ok(all(list(l["data"])[:3] == ["cell_id", "run_id", "host_received_at"]
             and l["data"]["host_received_at"] == l["time"] and
             l["data"]["run_id"] == "test" for l in ls),
         "data starts with the host stamp")
    t.ok(all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", l["time"])
             for l in ls), "time is RFC 3339 UTC with microseconds")
    types = [l["type"] for l in g]
    src = [CE + v[-1][4:].split(b"probe_source")[1][1:].split(b"g")[0].decode()
           .replace(".", "_") for v in good if b"agent.loss" not in v[-1]]
    t.ok(all(ty.startswith(CE) for ty in types) and len(set(l["id"] for l in ls)) == len(ls),
         "types carry the source; ids are unique", types)
    ex = [l for l in g if l["data"]["probe_source"] == "process.exec"][0]["data"]
    t.ok(ex["argv"] == ["/bin/true", "", "caf\\xe9", "a\\\\b"] and ex["argc"] == 4,
         "argv is an array split at U+0000", ex)
    keys = list(ex)[3:]
    t.ok(keys == ["severity", "message", "content_version", "probe_source",
                  "guest_pid", "guest_comm", "guest_monotonic_ns", "seq", "ppid",
                  "start_ns", "uid", "exe", "argv", "argc", "truncated",
                  "process", "parent"],
         "severity and message, the guest fields in wire order, then the "
         "process blocks", keys)
    loss = [l for l in ls if l["type"] == CE + "telemetry_dropped"
            and l["data"]["detected_by"] == "agent"]
    t.ok(len(loss) == 1 and loss[0]["data"]["reason"] == "ring_overwrite" and
         loss[0]["data"]["first_seq"] == 150 and loss[0]["data"]["count"] == 50,
         "agent.loss becomes telemetry_dropped with its range", loss)
    del src
    st = h.stats()
    hellos = sum(1 for v in good if b"agent.hello" in v[-1])
    t.ok(counter(st, "conns", "c2") == 1 and "agent.hello=%d" % hellos in st and
         counter(st, "frames", "c2") == len(good) and
         counter(st, "frames", "c1") == 0, "SIGUSR1 prints per-cell counters", st)
    t.ok(h.alive(), "still running after SIGUSR1")
    rc = h.stop()
    t.ok(rc == 0 and "cell c1: conns 0" in h.stderr() and
         "cell c2: conns 1" in h.stderr().split("SIGTERM")[-1],
         "the counters again at exit", h.stderr()[-600:])


def stamp_and_escaping():
    h = Host()
    s = h.connect()
    nasty = "a\x00b\x01\x1f\"\\\u2028\u00e9\U0001f600"
    arg = nasty.replace("\x00", "")
    d = ev("process.exec", comm="c\x00\n\t\"", seq=0, exe=nasty,
           argv="x\x00" + arg + "\x00", argc=3, path="/p")
    d["cell_id"] = "evil"          # unknown keys: the host ignores them
    d["run_id"] = "evil"
    d["host_received_at"] = "1999"
    s.sendall(frame(d))
    ls = h.wait_count(1)
    raw = h.raw_lines()
    t.ok(len(ls) == 1 and ls[0]["data"]["cell_id"] == "c1" and
         ls[0]["data"]["run_id"] == "test" and raw[0].count(b'"cell_id"') == 1 and
         b"evil" not in raw[0] and b"1999" not in raw[0],
         "a guest's stamp-named keys never reach the output", raw[:1])
    dd = ls[0]["data"] if ls else {}
    t.ok(dd.get("exe") == nasty and dd.get("guest_comm") == "c\x00\n\t\"" and
         dd.get("argv") == ["x", arg, ""],
         "control bytes, U+0000, quotes, backslash, non-ASCII survive JSON", dd)
    t.ok(not any(c < 0x20 for c in raw[0]), "no raw control byte in the line")
    h.stop()


def seqs_and_replay():
    h = Host()
    s = h.connect()
    s.sendall(frame(hello(0, session=1)) + b"".join(frame(spawned(i)) for i in range(1, 6)))
    s.sendall(frame(spawned(9)))                        # 6..8 missing
    s.sendall(frame(ev("agent.loss", pid=7, seq=15, reason="ring_overwrite",
                       first_seq=10, count=5)))
    s.sendall(frame(spawned(16)))                       # 10..14 reported
    ls = h.wait_count(10)
    s.close()
    drops = [l["data"] for l in ls if l["type"] == CE + "telemetry_dropped"]
    t.ok([(d["detected_by"], d["first_seq"], d["count"]) for d in drops] ==
         [("host", 6, 3), ("agent", 10, 5)],
         "a gap is reported once; the agent's own loss is not counted again", drops)
    # reconnect: session 2 replays 3..5 and 9, then new frames
    s = h.connect()
    s.sendall(frame(hello(17, session=2, resume=3)) +
              b"".join(frame(spawned(i)) for i in (3, 4, 5, 9, 16, 18, 19)))
    ls = h.wait_count(13)
    time.sleep(0.3)
    ls = h.lines()
    seqs = [l["data"].get("seq") for l in guest(ls)
            if l["data"]["probe_source"] == "process.spawned"]
    t.ok(seqs == [1, 2, 3, 4, 5, 9, 16, 18, 19],
         "frames replayed after a reconnect are written once", seqs)
    ids = [l["id"] for l in ls]
    t.ok(len(set(ids)) == len(ids) and "c1/b00t/7/18" in ids,
         "ids: CELL/BOOT_ID/AGENT_PID/SEQ, unique", ids)
    st = h.stats()
    t.ok(counter(st, "dups") == 5 and "gaps 1 (3 seqs)" in st and
         "agent losses 1 (5 seqs)" in st, "dups, gaps, losses counted", st)
    # a new agent instance (session 1) starts over at seq 0
    s2 = h.connect()
    s2.sendall(frame(hello(0, session=1, boot="b2")) + frame(spawned(1)))
    ls = h.wait_count(len(ls) + 2)
    t.ok(ls[-1]["data"]["seq"] == 1 and ls[-1]["id"] == "c1/b2/7/1",
         "a session-1 hello starts a new instance", ls[-1])
    h.stop()


def loss_without_range():
    h = Host()
    s = h.connect()
    s.sendall(frame(hello(0)) +
              frame(ev("agent.loss", pid=7, seq=1, reason="ring_overwrite",
                       first_seq=2, count=3)) +
              frame(ev("agent.loss", pid=7, seq=5, reason="probe_error",
                       first_seq=10)) +         # no count: no range
              frame(spawned(6)) + frame(spawned(14)))
    ls = h.wait_count(6)
    drops = [(l["data"]["detected_by"], l["data"].get("first_seq"),
              l["data"].get("count")) for l in ls if l["type"] == CE + "telemetry_dropped"]
    t.ok(drops == [("agent", 2, 3), ("agent", 10, None), ("host", 7, 7)],
         "an agent.loss without count resolves no seqs (nothing stale)", drops)
    st = h.stats()
    t.ok("agent losses 2 (3 seqs)" in st, "loss counters", st)
    h.stop()


def seqless_agent_frames():
    """hello and agent.loss without seq (the agent's own frames, outside
    its ring) still bind the instance and resolve the loss range."""
    h = Host()
    s = h.connect()
    s.sendall(frame(hello(None, session=1, resume=0)) +
              b"".join(frame(spawned(i)) for i in range(5)) +
              frame(ev("agent.loss", pid=7, reason="ring_overwrite",
                       first_seq=5, count=5)) + frame(spawned(10)))
    ls = h.wait_count(8)
    s.close()
    drops = [(l["data"]["detected_by"], l["data"]["first_seq"], l["data"]["count"])
             for l in ls if l["type"] == CE + "telemetry_dropped"]
    t.ok(drops == [("agent", 5, 5)], "a seq-less agent.loss is not counted "
         "again as a gap", drops)
    s = h.connect()
    s.sendall(frame(hello(None, session=2, resume=8)) +
              b"".join(frame(spawned(i)) for i in (8, 9, 10, 11)))
    ls = h.wait_count(10)
    time.sleep(0.3)
    seqs = [l["data"].get("seq") for l in h.lines()
            if l["data"].get("probe_source") == "process.spawned"]
    t.ok(seqs == [0, 1, 2, 3, 4, 10, 11] and
         counter(h.stats(), "dups") == 3,
         "after a seq-less session-2 hello, replays are dropped", seqs)
    h.stop()


def silenced_boots(h):
    return [l["data"].get("boot_id") for l in h.lines()
            if l["type"] == CE + "agent_silenced"]


def wait_closed(h, want_open):
    """Until the host's counters show want_open connections of c1 open."""
    end = time.time() + 10
    while counter(h.stats(), "open") != want_open and time.time() < end:
        time.sleep(0.05)


def keepalive():
    h = Host(args=["--keepalive-ms", "300"])
    quiet = h.connect()
    quiet.sendall(frame(hello(0)))
    busy = h.connect()
    busy.sendall(frame(hello(0, boot="busy")))
    for i in range(15):                 # 1.5 s of frames every 100 ms
        busy.sendall(frame(ev("agent.heartbeat", pid=7, seq=i + 1)))
        time.sleep(0.1)
    busy.sendall(frame(ev("agent.stopping", pid=7, seq=16)))
    busy.close()
    h.wait_lines(lambda ls: CE + "agent_silenced" in [l["type"] for l in ls])
    time.sleep(1.0)                     # three more windows
    sil = [l for l in h.lines() if l["type"] == CE + "agent_silenced"]
    t.ok(len(sil) == 1 and sil[0]["data"]["boot_id"] == "b00t" and
         sil[0]["data"]["keepalive_ms"] == 300,
         "agent_silenced once, for the quiet connection only, not the "
         "busy one nor after its agent.stopping and close", sil)
    quiet.sendall(frame(ev("agent.heartbeat", pid=7, seq=1)))
    time.sleep(0.7)
    t.ok(silenced_boots(h) == ["b00t"],
         "at most once per connection, even after it speaks again",
         silenced_boots(h))
    quiet.close()
    crash = h.connect()                 # an agent killed: no agent.stopping
    crash.sendall(frame(hello(0, boot="crash")) +
                  frame(ev("agent.heartbeat", pid=7, seq=1)))
    crash.close()
    h.wait_lines(lambda ls: len([l for l in ls if l["type"] ==
                                 CE + "agent_silenced"]) >= 2)
    time.sleep(0.7)
    t.ok(silenced_boots(h) == ["b00t", "crash"],
         "a connection that ends without agent.stopping is silenced once, "
         "after its window", silenced_boots(h))
    h.stop()
    h = Host(args=["--keepalive-ms", "2000"])
    back = h.connect()                  # ends without agent.stopping ...
    back.sendall(frame(hello(0, boot="back")))
    back.close()
    wait_closed(h, 0)
    again = h.connect()                 # ... and its agent comes back
    again.sendall(frame(hello(None, session=2, resume=1, boot="back")) +
                  frame(ev("agent.stopping", pid=7, seq=1)))
    again.close()
    wait_closed(h, 0)
    time.sleep(2.5)                     # past the first one's window
    t.ok(silenced_boots(h) == [] and
         len([l for l in h.lines() if l["type"] == CE + "agent_hello"]) == 2,
         "no agent_silenced when the agent says hello again within the "
         "window", h.lines())
    h.stop()


def acks():
    h = Host(args=["--ack"])
    s = h.connect()
    s.sendall(frame(hello(0)) + b"".join(frame(spawned(i)) for i in range(1, 10)))
    h.wait_count(10)
    data = recv_all(s, 1.0)
    ack = None
    while len(data) >= 4:
        n = int.from_bytes(data[:4], "little")
        ack = cbor2.loads(data[4:4 + n])
        data = data[4 + n:]
    t.ok(ack == {"content_version": 257, "ack_seq": 9},
         "--ack: ack_seq names the last written seq", ack)
    s.close()
    st = h.stats()
    t.ok(counter(st, "acks") >= 1, "acks counted", st)
    h.stop()
    h = Host()
    s = h.connect()
    s.sendall(frame(hello(0)) + frame(spawned(1)))
    h.wait_count(2)
    t.ok(recv_all(s, 0.5) == b"", "without --ack nothing is sent to the guest")
    h.stop()


def v10_stream():
    h = Host()
    s = h.connect()
    g = vectors("good.txt")[0][-1]
    s.sendall(g * 3)
    ls = h.wait_count(3)
    ids = [l["id"] for l in ls]
    t.ok(len(ls) == 3 and len(set(ids)) == 3 and
         all(re.match(r"^c1/h[0-9a-f]{16}/\d+$", i) for i in ids),
         "strict v1.0 frames (no seq) get host-scheme ids", ids)
    h.stop()


cli()
readiness()
vectors_out()
stamp_and_escaping()
seqs_and_replay()
loss_without_range()
seqless_agent_frames()
keepalive()
acks()
v10_stream()
t.done()
