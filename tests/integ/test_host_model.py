#!/usr/bin/python3
"""test_host_model.py: the receiver's process model, time estimate,
severity and message, and --tree, on crafted frame streams (cbor2):

- a known tree: every line's process and parent blocks, exec_id joining
  spawned, exec, connect and exited lines; fork copies the image;
- pid reuse: one pid spawned twice (once with its exit lost) is three
  instances, each event on the right one, never mixed;
- what the model cannot know is "unknown" and counted; --process-slots
  evicts exited instances first, counted; 0 turns the blocks off;
  --ancestors N gives N blocks beyond the parent;
- time: an event stamped 7 s before the hello is timed 7 s before its
  receipt, never after it; a guest clock that jumps ahead is flagged
  (clock_jumped), not followed: its frames are timed by their receipt;
- exit lines: duration_ns and exit_signal_name; severities;
- --tree prints the instances under their parents, the unknown apart;
- bad --process-slots/--ancestors/--tree combinations exit 2.
"""
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import (CE, HOST, Host, Tap, counter, ev, frame,  # noqa: E402
                     tmpdir)

t = Tap()
MS = 1000000
BOOT = "model-boot"


def ts_ns(s):
    """RFC 3339 with microseconds (ours) to ns since the epoch."""
    d = datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return (int(d.timestamp()) * 1000000 + d.microsecond) * 1000


class Stream:
    """Frames of one agent instance, seq numbered, stamps near now."""

    def __init__(self, h, base=None):
        self.s, self.seq = h.connect(), 0
        self.base = base if base is not None else time.monotonic_ns()
        d = ev("agent.hello", pid=7, comm="cellos-telemetr", ns=self.base,
               agent_version="0.1.0", boot_id=BOOT, session=1, resume_seq=0)
        self.s.sendall(frame(d))

    def send(self, source, pid, at_ms, **ext):
        d = ev(source, pid=pid, comm=ext.pop("comm", "x"),
               ns=self.base + at_ms * MS, seq=self.seq, **ext)
        self.seq += 1
        self.s.sendall(frame(d))

    def spawn(self, pid, ppid, at_ms, **ext):
        self.send("process.spawned", pid, at_ms, ppid=ppid,
                  start_ns=self.base + at_ms * MS, **ext)

    def exec(self, pid, at_ms, exe, argv):
        self.send("process.exec", pid, at_ms, exe=exe, argv="\0".join(argv),
                  argc=len(argv), uid=1000)

    def exit(self, pid, at_ms, code=0, sig=None):
        if sig:
            self.send("process.exited", pid, at_ms, exit_signal=sig)
        else:
            self.send("process.exited", pid, at_ms, exit_code=code)

    def connect(self, pid, at_ms, dst="127.0.0.1:80"):
        self.send("net.connect_attempted", pid, at_ms, proto="tcp",
                  family="ipv4", src="127.0.0.1:40000", dst=dst,
                  state="syn-sent")


def eid(start):
    return lambda pid: "c1/%s/%d/%d" % (BOOT, pid, start)


def by(lines, source, pid):
    return [l["data"] for l in lines if l["data"].get("probe_source") == source
            and l["data"].get("guest_pid") == pid]


def known_tree():
    h = Host(args=["--ancestors", "4"])
    st = Stream(h)
    st.spawn(100, 1, 0)
    st.exec(100, 1, "/bin/sh", ["sh", "-c", "ls | wc"])
    st.spawn(101, 100, 2)
    st.exec(101, 3, "/usr/bin/python3", ["python3", "job.py"])
    st.spawn(102, 101, 4)                       # a fork, no exec
    st.connect(102, 5)
    st.exit(102, 6, sig=15)
    st.exit(101, 7, code=3)
    n = 1 + 8
    ls = h.wait_count(n)
    stats = h.stats()
    h.stop()
    b = st.base
    sh, py, kid = ("c1/%s/%d/%d" % (BOOT, p, b + k * MS)
                   for p, k in ((100, 0), (101, 2), (102, 4)))
    sp = by(ls, "process.spawned", 102)[0]
    cn = by(ls, "net.connect_attempted", 102)[0]
    ex = by(ls, "process.exited", 102)[0]
    t.ok(all(d["process"]["exec_id"] == kid and d["parent"]["exec_id"] == py
             for d in (sp, cn, ex)),
         "the fork's spawned, connect and exited lines: one exec_id, the "
         "script as parent", [(d["probe_source"], d.get("process"), d.get("parent"))
                              for d in (sp, cn, ex)])
    t.ok(cn["process"]["exe"] == "/usr/bin/python3" and
         cn["process"]["argv"] == ["python3", "job.py"] and
         cn["process"]["uid"] == 1000 and cn["process"]["pid"] == 102 and
         cn["process"]["start_ns"] == b + 4 * MS,
         "the fork has its parent's image, arguments and uid", cn["process"])
    t.ok(cn.get("ancestors") and cn["ancestors"][0]["exec_id"] == sh and
         cn["ancestors"][0]["exe"] == "/bin/sh" and
         cn["ancestors"][1:] == [{"exec_id": "unknown", "pid": 1}],
         "ancestors: the shell, then pid 1, never seen: unknown, the end",
         cn.get("ancestors"))
    pe = by(ls, "process.exec", 101)[0]
    t.ok(pe["process"]["exec_id"] == py and pe["parent"]["exec_id"] == sh and
         pe["parent"]["argv"] == ["sh", "-c", "ls | wc"],
         "the exec line: the new image, the shell as parent", pe)
    t.ok(ex["exit_signal"] == 15 and ex["exit_signal_name"] == "SIGTERM" and
         ex["duration_ns"] == 2 * MS and ex["severity"] == "info" and
         ex["message"] == "/usr/bin/python3[102] killed by SIGTERM (15) after 2.0 ms",
         "exit: signal name, duration, message", ex)
    e1 = by(ls, "process.exited", 101)[0]
    t.ok(e1["duration_ns"] == 5 * MS and "exit_signal_name" not in e1 and
         e1["message"].endswith("exited 3 after 5.0 ms"), "exit 3 after 5 ms", e1)
    t.ok(cn["message"] == "/usr/bin/python3[102] connect_attempted tcp "
         "127.0.0.1:40000 -> 127.0.0.1:80 (syn-sent)", "connect message", cn["message"])
    hello = [l for l in ls if l["data"]["probe_source"] == "agent.hello"][0]["data"]
    t.ok("process" not in hello and hello["severity"] == "info",
         "the agent's own frames have no process block", hello)
    sh_sp = by(ls, "process.spawned", 100)[0]
    t.ok(sh_sp["parent"] == {"exec_id": "unknown", "pid": 1} and
         counter(stats, "parent") >= 2,
         "a parent never seen: exec_id unknown, counted", (sh_sp, stats))
    return ls


def pid_reuse():
    h = Host(args=["--process-slots", "64"])
    st = Stream(h)
    st.spawn(10, 1, 0)
    st.spawn(11, 1, 1)
    st.spawn(500, 10, 100)
    st.exec(500, 101, "/bin/a", ["a"])
    st.connect(500, 150, dst="10.0.0.1:1")
    st.exit(500, 200)
    st.connect(500, 250, dst="10.0.0.1:2")     # pid 500 between its lives
    st.spawn(500, 11, 300)                      # again, another parent
    st.exec(500, 301, "/bin/b", ["b"])
    st.connect(500, 350, dst="10.0.0.1:3")
    st.spawn(500, 10, 400)                      # again, b's exit lost
    st.connect(500, 450, dst="10.0.0.1:4")
    ls = h.wait_count(1 + 12)
    stats = h.stats()
    h.stop()
    b = st.base
    c = {l["data"]["dst"]: l["data"] for l in ls
         if l["data"].get("probe_source") == "net.connect_attempted"}
    first, second, third = ("c1/%s/500/%d" % (BOOT, b + k * MS) for k in (100, 300, 400))
    t.ok(c["10.0.0.1:1"]["process"]["exec_id"] == first and
         c["10.0.0.1:1"]["process"]["exe"] == "/bin/a" and
         c["10.0.0.1:1"]["parent"]["pid"] == 10, "pid 500, first life: /bin/a "
         "under pid 10", c["10.0.0.1:1"])
    t.ok(c["10.0.0.1:2"]["process"] == {"exec_id": "unknown", "pid": 500} and
         "parent" not in c["10.0.0.1:2"],
         "between its lives: unknown, not the old one nor the new one",
         c["10.0.0.1:2"])
    t.ok(c["10.0.0.1:3"]["process"]["exec_id"] == second and
         c["10.0.0.1:3"]["process"]["exe"] == "/bin/b" and
         c["10.0.0.1:3"]["parent"]["pid"] == 11, "second life: /bin/b under 11",
         c["10.0.0.1:3"])
    t.ok(c["10.0.0.1:4"]["process"]["exec_id"] == third and
         "exe" not in c["10.0.0.1:4"]["process"] and
         c["10.0.0.1:4"]["parent"]["pid"] == 10 and
         counter(stats, "replaced") == 1,
         "third life (the second's exit lost): its own instance, counted "
         "replaced", (c["10.0.0.1:4"], stats))
    t.ok(counter(stats, "process") == 1, "one event of an unknown process, "
         "counted", stats)
    return ls


def bounded():
    h = Host(args=["--process-slots", "4"])
    st = Stream(h)
    for pid in range(20, 26):
        st.spawn(pid, 1, pid * 10)
        if pid % 2:
            st.exit(pid, pid * 10 + 5)
    ls = h.wait_count(1 + 9)
    stats = h.stats()
    h.stop()
    t.ok(counter(stats, "exited") >= 1 and counter(stats, "peak") == 4,
         "--process-slots 4: exited instances evicted first, counted; at "
         "most 4 held", stats)
    h = Host(args=["--process-slots", "0"])
    st = Stream(h)
    st.spawn(20, 1, 1)
    ls = h.wait_count(2)
    h.stop()
    t.ok(all("process" not in l["data"] and "parent" not in l["data"] for l in ls)
         and ls[-1]["data"]["message"] == "x[20] started by pid 1",
         "--process-slots 0: no blocks, the message still there", ls[-1]["data"])
    h = Host(args=["--ancestors", "2"])
    st = Stream(h)
    for k, pid in enumerate(range(30, 36)):
        st.spawn(pid, pid - 1 if k else 1, k)
    st.connect(35, 10)
    ls = h.wait_count(1 + 7)
    h.stop()
    cn = ls[-1]["data"]
    t.ok(cn["parent"]["pid"] == 34 and
         [a["pid"] for a in cn["ancestors"]] == [33, 32],
         "--ancestors 2: two blocks beyond the parent", cn.get("ancestors"))


def occurrence_time():
    h = Host()
    base = time.monotonic_ns()
    st = Stream(h, base=base)
    st.spawn(40, 1, -7000)                      # 7 s before the hello
    ls = h.wait_count(2)
    d = ls[1]["data"]
    lag = ts_ns(d["host_received_at"]) - ts_ns(ls[1]["time"])
    hello_lag = (ts_ns(ls[0]["data"]["host_received_at"]) -
                 ts_ns(ls[0]["time"]))
    t.ok(7000 * MS <= lag + 1000 <= 7000 * MS + 1000 + 50 * MS and
         hello_lag == 0,
         "an event stamped 7 s before the hello is timed 7 s before its "
         "receipt (%.6f s); the hello at its receipt" % (lag / 1e9), ls[:2])
    # steady: two heartbeats 200 ms apart that agree; then one 5 s ahead
    hb = dict(interval_ms=200, emitted=0, sent=0, dropped={}, ring_used=0,
              ring_hwm=0, rss_kb=1, cpu_ns=1)
    for k in range(2):
        time.sleep(0.2)
        st.send("agent.heartbeat", 7, (time.monotonic_ns() - base) // MS, **hb)
    st.send("agent.heartbeat", 7, (time.monotonic_ns() - base) // MS + 5000, **hb)
    st.connect(41, (time.monotonic_ns() - base) // MS + 5000)
    ls = h.wait_lines(lambda ls: any(l["data"].get("probe_source") ==
                                     "net.connect_attempted" for l in ls))
    stats = h.stats()
    h.stop()
    j = [l for l in ls if l["type"] == CE + "clock_jumped"]
    cn = [l for l in ls if l["data"].get("probe_source") == "net.connect_attempted"]
    t.ok(len(j) == 1 and j[0]["data"]["jump"] == "ahead" and
         abs(j[0]["data"]["jump_ns"] - 5000 * MS) < 100 * MS and
         j[0]["data"]["severity"] == "warning" and
         counter(stats, "jumps") == 1, "a jump 5 s ahead: one clock_jumped "
         "line, counted", (j, stats))
    t.ok(cn and cn[0]["time"] == cn[0]["data"]["host_received_at"] and
         cn[0]["data"].get("time_clamped") == 1,
         "not followed: the next frame is timed by its receipt, flagged", cn)
    t.ok(all(ts_ns(l["time"]) <= ts_ns(l["data"]["host_received_at"]) for l in ls),
         "no line's time is after its receipt")


def tree(lines):
    d = tmpdir()
    p = os.path.join(d, "a.jsonl")
    with open(p, "w") as f:
        for l in lines:
            f.write(__import__("json").dumps(l) + "\n")
    r = subprocess.run([HOST, "--tree", p], capture_output=True, text=True)
    out = r.stdout
    want = [r"cell c1: 3 processes", r"100 \(binary unknown\)",
            r"exec /bin/sh sh -c \"ls \| wc\"",
            r"├─|└─ 101 /usr/bin/python3 python3 job.py|101 /bin/sh",
            r"exec /usr/bin/python3 python3 job.py",
            r"102 /usr/bin/python3 python3 job.py",
            r"connect_attempted tcp 127.0.0.1:40000 -> 127.0.0.1:80",
            r"killed by SIGTERM \(15\) after 2.0 ms", r"exited 3 after 5.0 ms"]
    miss = [w for w in want if not re.search(w, out)]
    t.ok(r.returncode == 0 and not miss, "--tree: the tree with execs, the "
         "connect and the exits under each process", out + "\nmissing %s" % miss)
    depth = [len(l) - len(l.lstrip(" │├└─")) for l in out.splitlines()
             if re.search(r"\b10[012] ", l)]
    t.ok(depth == sorted(depth) and len(set(depth)) == 3,
         "--tree: each process one level below its parent", out)
    r = subprocess.run([HOST, "--tree", os.path.join(d, "none")],
                       capture_output=True, text=True)
    t.ok(r.returncode == 1 and "none" in r.stderr, "--tree: a missing file "
         "exits 1 with its name", r.stderr)


def options():
    for bad in (["--process-slots", "40000"], ["--ancestors", "17"],
                ["--tree", "--cell", "c1:/tmp/x"], ["--process-slots", "x"]):
        r = subprocess.run([HOST] + bad + (["--cell", "c1:/tmp/nope"] if
                                           "--tree" not in bad else []),
                           capture_output=True, text=True)
        t.ok(r.returncode == 2 and "usage:" in r.stderr, "refused: %s" % bad,
             r.stderr)


def main():
    lines = known_tree()
    pid_reuse()
    bounded()
    occurrence_time()
    tree(lines)
    options()
    return t.done()


sys.exit(main())
