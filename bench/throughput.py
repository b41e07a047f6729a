#!/usr/bin/python3
"""throughput.py: benchmark 4, frames per second through the pipeline.

One core each (taskset: the sender on CPU 0, the receiver on CPU 1):
  - the agent's ring (the test build's synthetic source, N events, a ring
    large enough that nothing is overwritten) into build/tools/drain,
    which only counts frames: the baseline, what the agent can send;
  - the same into our host over AF_UNIX, decode + JSON to /dev/null, and
    to a file;
  - the host alone on a prerecorded stream (drain -o records one,
    bench/replay writes it), against the same host fed by the agent;
  - build/tools/host_bench: the host's connection path in-process on a
    stream in memory (mixed frames, exec with argv), no socket, CPU time.
The receiver is timed from its first read to its last (/proc/PID/io
rchar, sampled every 5 ms); frames are the receiver's own count.
"""
import os
import re
import subprocess
import time

import benchlib as bl

N = 100000 if bl.QUICK else 500000
DRAIN = os.path.join(bl.BUILD, "tools", "drain")
REPLAY = os.path.join(bl.BUILD, "bench", "replay")


def watch_reads(pid, done):
    """Seconds between the first and the last change of rchar, once done()."""
    r0 = bl.proc_io(pid, "rchar")
    first = last = None
    prev = r0
    while True:
        r = bl.proc_io(pid, "rchar")
        now = time.monotonic()
        if r is None:
            break
        if r != prev:
            first = first or now
            last = now
            prev = r
        elif first and done() and now - last > 0.5:
            break
        time.sleep(0.005)
    return (last - first) if first else None


def receiver(kind, sock, out="/dev/null", rec=None):
    err = bl.tmp("recv.err")
    if kind == "drain":
        argv = [DRAIN] + (["-o", rec] if rec else []) + [sock]
    else:
        argv = [bl.HOST, "--run-id", "bench", "--cell", "c:" + sock,
                "--out", out, "--keepalive-ms", "600000"]
    p = bl.start(argv, cpu=1, stdout=open(bl.tmp("recv.out"), "w"),
                 stderr=open(err, "w"))
    bl.wait_socket(sock)
    return p


def frames_of(kind, p):
    """The receiver's own frame count, once it has exited."""
    if kind == "drain":
        m = re.search(r"total: (\d+) frames", open(bl.tmp("recv.out")).read())
    else:
        m = re.search(r"cell c: .*?frames (\d+)", open(bl.tmp("recv.err")).read())
    return int(m.group(1)) if m else None


def from_agent(kind, out="/dev/null", rec=None):
    sock, mark = bl.tmp("t.sock"), bl.tmp("t.mark")
    for f in (sock, mark):
        if os.path.exists(f):
            os.unlink(f)
    p = receiver(kind, sock, out, rec)
    a = bl.start([bl.AGENT_TEST, "-f", "--connect", "unix:" + sock,
                  "--probe", "process=off", "--probe", "fs=off", "--probe",
                  "net=off", "-v", "--heartbeat-ms", "3600000", "--ring-bytes", "64m",
                  "--test-events", str(N), "--test-mark", mark], cpu=0,
                 env=bl.cmdline(), stderr=open(bl.tmp("agent.err"), "w"))
    secs = watch_reads(p.pid, lambda: os.path.exists(mark) and
                       open(mark).read().strip().endswith(" 1"))
    bl.stop(a)
    bl.stop(p)
    over = re.search(r"overwritten (\d+)", open(bl.tmp("agent.err")).read())
    return frames_of(kind, p), secs, over.group(1) if over else "?"


def replayed(kind, rec):
    sock = bl.tmp("r.sock")
    if os.path.exists(sock):
        os.unlink(sock)
    p = receiver(kind, sock)
    c = bl.start([REPLAY, rec, sock], cpu=0, stdout=subprocess.DEVNULL)
    secs = watch_reads(p.pid, lambda: c.poll() is not None)
    bl.stop(p)
    return frames_of(kind, p), secs


def rate(t, name, frames, secs, base, note=""):
    v = round(frames / secs) if frames and secs else None
    t.add(name, v, "frames/s", base, note)


def main():
    t = bl.Table("throughput", "4. throughput, %d synthetic process.spawned "
                 "events, one core each" % N)
    base = "agent ring -> drain (counts only)"
    f, s, o = from_agent("drain")
    rate(t, base, f, s, None, "overwritten %s" % o)
    f, s, o = from_agent("host")
    rate(t, "agent ring -> host, JSON to /dev/null", f, s, base,
         "overwritten %s" % o)
    out = bl.tmp("host.jsonl")
    f, s, o = from_agent("host", out=out)
    rate(t, "agent ring -> host, JSON to a file", f, s, base,
         "overwritten %s, %d bytes out" % (o, os.path.getsize(out)))
    os.unlink(out)
    rec = bl.tmp("stream.rec")
    from_agent("drain", rec=rec)
    f, s = replayed("host", rec)
    rate(t, "replay -> host, JSON to /dev/null", f, s,
         "agent ring -> host, JSON to /dev/null",
         "%d bytes recorded" % os.path.getsize(rec))
    r = subprocess.run([os.path.join(bl.BUILD, "tools", "host_bench"), str(N)],
                       capture_output=True, text=True).stdout
    m = re.search(r": (\d+) frames/s", r)
    t.add("host_bench: decode+JSON in-process (CPU time)",
          int(m.group(1)) if m else None, "frames/s",
          "replay -> host, JSON to /dev/null", "mixed frames, no socket")
    t.show()


if __name__ == "__main__":
    bl.run(main)
