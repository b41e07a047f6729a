#!/usr/bin/python3
"""test_agent_stream.py: what goes on the wire, over AF_UNIX.

hello first (with the machine's identity); heartbeats on their cadence
with the doc/WIRE.md §4 counters; a receiver absent at start then appearing
(nothing within the ring is lost); SIGHUP and SIGPIPE survived; SIGTERM
and SIGINT flush and end with agent.stopping and exit 0; strict mode sends
only v1.0 bodies and still counts its loss on stderr.
"""
import os
import re
import signal
import time

from agentlib import (Agent, Receiver, Tap, check_accounting, events,
                      frames, read_mark, tmp, wait_until)

t = Tap()
MS = 1000000

# ---- hello first, heartbeats on the grid ----
sock, out = tmp("a.sock"), tmp("a.jsonl")
rcv = Receiver(sock, out)
a = Agent(sock, "--heartbeat-ms", "100", "--test-events", "20")
wait_until(lambda: len(frames(out, "agent.heartbeat")) >= 8)
fr = frames(out)
t.ok(fr and fr[0][1]["probe_source"] == "agent.hello",
     "the first frame is agent.hello", fr[:1])
h = fr[0][1] if fr else {}
with open("/proc/sys/kernel/random/boot_id") as f:
    boot_id = f.read().strip()
t.ok(h.get("session") == 1 and h.get("resume_seq") == 0 and
     h.get("ring_bytes") == 1 << 20 and h.get("guest_pid") == a.pid and
     "seq" not in h, "hello: session 1, resume_seq 0, ring_bytes, pid, no seq",
     h)
t.ok(h.get("boot_id") == boot_id and os.uname().release in h.get("kernel", "")
     and h.get("agent_version"), "hello: boot_id, kernel, agent_version", h)
t.ok(h.get("probes") == {"process": "off", "fs": "off", "net": "off",
                         "capability": "off", "synth": "armed"},
     "hello: every probe's state", h.get("probes"))
hb = [f for _, f in frames(out, "agent.heartbeat")]
t.ok(len(hb) >= 8 and all(f["interval_ms"] == 100 for f in hb),
     "heartbeats arrive, interval_ms 100", len(hb))
keys = {"seq", "interval_ms", "emitted", "sent", "dropped", "ring_used",
        "ring_hwm", "rss_kb", "cpu_ns"}
t.ok(all(keys <= set(f) and set(f["dropped"]) == {
    "ring_overwrite", "kernel_nobufs", "inotify_overflow", "frame_too_large",
    "probe_error", "net_nobufs", "net_ringbuf_full", "audit_lost",
    "net_untracked", "net_expired", "fanotify_overflow",
    "fanotify_unseen"}
    for f in hb), "heartbeats carry every doc/WIRE.md §4 counter and the "
    "net/capability probes' kernel counts")
t.ok(all(f["emitted"] == f["seq"] and f["rss_kb"] > 0 and f["cpu_ns"] > 0
         for f in hb), "heartbeat: emitted counts the frames before it")
early = [(i, j) for i in range(len(hb)) for j in range(i + 1, len(hb))
         if hb[j]["guest_monotonic_ns"] - hb[i]["guest_monotonic_ns"]
         <= (j - i - 1) * 100 * MS]
t.ok(not early, "heartbeats never come faster than the 100 ms cadence",
     early[:3])
seqs = [f["seq"] for f in events(out)]
t.ok(seqs == list(range(len(seqs))), "seq runs 0, 1, 2, ... with no gap")

# ---- SIGHUP and SIGPIPE survived ----
for sig in (signal.SIGHUP, signal.SIGPIPE):
    a.signal(sig)
    n0 = len(frames(out, "agent.heartbeat"))
    wait_until(lambda: len(frames(out, "agent.heartbeat")) >= n0 + 2)
    t.ok(a.p.poll() is None and
         len(frames(out, "agent.heartbeat")) >= n0 + 2,
         "%s: the agent runs on and keeps streaming" % sig.name)
a.signal(signal.SIGUSR1)          # one more burst of 20
wait_until(lambda: len(frames(out, "process.spawned")) >= 40)
t.ok(len(frames(out, "process.spawned")) == 40, "a burst after the signals")

# ---- SIGTERM: flush, stopping, exit 0 ----
a.signal(signal.SIGTERM)
t.ok(a.wait() == 0, "SIGTERM: exit 0")
wait_until(rcv.drained)
fr = frames(out)
t.ok(fr and fr[-1][1]["probe_source"] == "agent.stopping",
     "SIGTERM: agent.stopping is the last frame", fr[-1:])
check_accounting(t, out, "SIGTERM")
rcv.stop()

# ---- receiver absent at start, then appearing ----
sock, out = tmp("b.sock"), tmp("b.jsonl")
mark = tmp("b.mark")
a = Agent(sock, "-v", "--test-events", "3000", "--heartbeat-ms", "60000",
          "--test-mark", mark)
wait_until(lambda: (read_mark(mark) or (0, 0))[1] == 1)
t.ok(read_mark(mark)[1] == 1, "no receiver: the agent emitted its burst")
wait_until(lambda: "connect unix:" in a.stderr())
t.ok("No such file or directory" in a.stderr(),
     "no receiver: connects failed (and were retried)", a.stderr()[-300:])
rcv = Receiver(sock, out)
wait_until(lambda: len(frames(out, "process.spawned")) >= 3000)
fr = frames(out)
seqs = [f["seq"] for _, f in fr if "seq" in f]
t.ok(fr and fr[0][1]["probe_source"] == "agent.hello" and
     fr[0][1]["session"] == 1 and fr[0][1]["resume_seq"] == 0,
     "receiver appears: hello, session 1, resume_seq 0", fr[:1])
t.ok(seqs == list(range(3000)) and not frames(out, "agent.loss"),
     "receiver appears: all 3000 events, nothing lost", seqs[-3:])
a.signal(signal.SIGINT)
t.ok(a.wait() == 0, "SIGINT: exit 0")
check_accounting(t, out, "SIGINT")
rcv.stop()

# ---- SIGTERM while events pour in: flushed within the bound ----
sock, out = tmp("c.sock"), tmp("c.jsonl")
rcv = Receiver(sock, out)
a = Agent(sock, "--test-events", "1000000:20", "--heartbeat-ms", "50")
wait_until(lambda: len(frames(out, "process.spawned")) >= 2000)
a.signal(signal.SIGTERM)
t.ok(a.wait() == 0, "SIGTERM mid-stream: exit 0")
st = check_accounting(t, out, "SIGTERM mid-stream")
t.ok(st and not st[2], "SIGTERM mid-stream: nothing lost (flushed)")
rcv.stop()

# ---- strict: v1.0 only, loss still counted (stderr) ----
sock, out = tmp("d.sock"), tmp("d.jsonl")
mark = tmp("d.mark")
a = Agent(sock, "--wire", "strict", "--ring-bytes", "64k", "--heartbeat-ms",
          "100", "--test-events", "5000", "--test-mark", mark)
wait_until(lambda: (read_mark(mark) or (0, 0))[1] == 1)
wait_until(lambda: "lost events" in a.stderr())
m = re.search(r"lost events since the last report: ring_overwrite (\d+)",
              a.stderr())
lost = int(m.group(1)) if m else -1
t.ok(lost > 0, "strict: the overwritten events are logged on stderr",
     a.stderr()[-300:])
rcv = Receiver(sock, out)
wait_until(lambda: len(frames(out)) >= 5000 - lost)
time.sleep(0.3)                   # a late extra frame would show up here
fr = frames(out)
t.ok(all(f["content_version"] == 256 and len(f) == 5 and
         f["probe_source"] == "process.spawned" for _, f in fr),
     "strict: only v1.0 bodies, no agent.* frames, no extension keys",
     [f for _, f in fr if len(f) != 5][:2])
t.ok(len(fr) + lost == 5000,
     "strict: received %d + logged lost %d == 5000 emitted" % (len(fr), lost))
pids = [f["guest_pid"] for _, f in fr]
t.ok(pids == list(range(lost + 1, 5001)),
     "strict: the newest events were kept, in order")
a.signal(signal.SIGTERM)
t.ok(a.wait() == 0, "strict: SIGTERM, exit 0")
rcv.stop()
t.done()
