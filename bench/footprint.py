#!/usr/bin/python3
"""footprint.py: benchmark 5, what the agent and the host cost to keep.

  - the agent's static binary: musl (the release build) against the same
    sources linked static with glibc (build/bench/cellos-telemetry-glibc),
    as built and stripped;
  - the agent's RSS idle (default probes, connected to our host) against
    forkstat idle (the Debian tool on the same proc connector), and after
    1M synthetic events (the test build into build/tools/drain);
  - the host's RSS with 1 cell, with 1,000 idle cells (1,000 --cell
    sockets), and with a silent client connected on each;
  - start-up time: exec of the agent (no -f) until its parent returns,
    which it does once the probes are armed, against fork+exec+exit of
    /bin/true measured the same way (median of 11 each).
Prints and writes the table; asserts nothing.
"""
import ctypes
import os
import signal
import socket
import subprocess
import time

import benchlib as bl

GLIBC = os.path.join(bl.BUILD, "bench", "cellos-telemetry-glibc")
DRAIN = os.path.join(bl.BUILD, "tools", "drain")
CELLS = 200 if bl.QUICK else 1000
EVENTS = 200000 if bl.QUICK else 1000000
RUNS = 11


def sizes(t):
    for name, path in (("musl", bl.AGENT), ("glibc", GLIBC)):
        if not os.path.exists(path):
            continue
        stripped = bl.tmp(name + ".stripped")
        subprocess.run(["strip", "-o", stripped, path], check=True)
        t.add("agent binary, %s static, stripped" % name,
              os.path.getsize(stripped), "bytes",
              None if name == "musl" else "agent binary, musl static, stripped")
        t.add("agent binary, %s static, as built (-g)" % name,
              os.path.getsize(path), "bytes",
              "agent binary, musl static, stripped")


def agent_idle(t, cg):
    sock = bl.tmp("idle.sock")
    host = bl.start([bl.HOST, "--run-id", "bench", "--cell", "c:" + sock,
                     "--out", "/dev/null"], stderr=subprocess.DEVNULL)
    bl.wait_socket(sock)
    a = bl.start([bl.AGENT, "-f", "--connect", "unix:" + sock] +
                 (["--net-cgroup", cg] if cg else []), env=bl.cmdline(),
                 stderr=subprocess.DEVNULL)
    fs = bl.start(["forkstat", "-e", "fork,exec,exit"], stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL)
    time.sleep(2.0)
    rss_fs = bl.proc_status(fs.pid, "VmRSS")
    t.add("forkstat idle RSS", rss_fs, "kB", None, "dynamic glibc")
    rss = bl.proc_status(a.pid, "VmRSS")
    t.add("agent idle RSS (default probes)", rss, "kB", "forkstat idle RSS")
    bl.stop(fs, signal.SIGINT)
    bl.stop(a)
    bl.stop(host)
    return rss


def agent_loaded(t, events):
    """The test build's synthetic source into drain: RSS once the burst of
    events has been emitted (1: the same build idle, the baseline)."""
    sock, mark = bl.tmp("drain%d.sock" % events), bl.tmp("mark%d" % events)
    d = bl.start([DRAIN, sock], stdout=subprocess.DEVNULL)
    bl.wait_socket(sock)
    a = bl.start([bl.AGENT_TEST, "-f", "--connect", "unix:" + sock,
                  "--probe", "process=off", "--probe", "fs=off", "--probe",
                  "net=off", "--heartbeat-ms", "3600000", "--test-events",
                  str(events), "--test-mark", mark], env=bl.cmdline(),
                 stderr=subprocess.DEVNULL)
    bl.wait_until(lambda: os.path.exists(mark) and
                  open(mark).read().strip().endswith(" 1"), timeout=120)
    time.sleep(0.5)
    base = "agent RSS, test build, probes off, 1 event"
    if events == 1:
        t.add(base, bl.proc_status(a.pid, "VmRSS"), "kB")
    else:
        t.add("agent RSS after %d events (test build)" % events,
              bl.proc_status(a.pid, "VmRSS"), "kB", base)
        t.add("agent peak RSS (VmHWM) after %d events" % events,
              bl.proc_status(a.pid, "VmHWM"), "kB", base)
    bl.stop(a)
    bl.stop(d)


def host_cells(t):
    def run(n):
        paths = [bl.tmp("h%d.%d.sock" % (n, i)) for i in range(n)]
        argv = [bl.HOST, "--run-id", "bench", "--out", "/dev/null",
                "--keepalive-ms", "600000"]
        for i, p in enumerate(paths):
            argv += ["--cell", "c%d:%s" % (i, p)]
        h = bl.start(argv, stderr=subprocess.DEVNULL)
        bl.wait_socket(paths[-1])
        time.sleep(0.5)
        return h, paths
    h, _ = run(1)
    one = t.add("host RSS, 1 cell", bl.proc_status(h.pid, "VmRSS"), "kB")
    bl.stop(h)
    h, paths = run(CELLS)
    idle = bl.proc_status(h.pid, "VmRSS")
    t.add("host RSS, %d idle cells" % CELLS, idle, "kB", "host RSS, 1 cell")
    socks = []
    for p in paths:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(p)
        socks.append(s)
    time.sleep(1.0)
    conn = bl.proc_status(h.pid, "VmRSS")
    t.add("host RSS, %d cells, each a silent connection" % CELLS, conn, "kB",
          "host RSS, 1 cell")
    t.add("host RSS per 1,000 idle cells (added)",
          round((idle - one) * 1000.0 / CELLS, 1), "kB", "host RSS, 1 cell")
    t.add("host RSS per 1,000 connected cells (added)",
          round((conn - one) * 1000.0 / CELLS, 1), "kB", "host RSS, 1 cell")
    for s in socks:
        s.close()
    bl.stop(h)


def startup(t, cg):
    """Median exec->return, our agent daemonizing vs /bin/true."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)          # PR_SET_CHILD_SUBREAPER: adopt daemons
    env = bl.cmdline()
    argv = [bl.AGENT, "--connect", "unix:" + bl.tmp("nobody.sock")] + \
        (["--net-cgroup", cg] if cg else [])
    tt, ta = [], []
    for _ in range(RUNS):
        t0 = time.monotonic()
        subprocess.run(["/bin/true"])
        tt.append(time.monotonic() - t0)
        t0 = time.monotonic()
        r = subprocess.run(argv, env=env, stderr=subprocess.DEVNULL)
        ta.append(time.monotonic() - t0)
        for pid in adopted():
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        if r.returncode != 0:
            return
    t.add("fork+exec+exit of /bin/true", round(bl.median(tt) * 1e3, 3), "ms")
    t.add("agent start-up: exec to armed (parent returns)",
          round(bl.median(ta) * 1e3, 3), "ms", "fork+exec+exit of /bin/true",
          "default probes, median of %d" % RUNS)


def adopted():
    me, pids = os.getpid(), []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                st = open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()
            except (FileNotFoundError, IndexError):
                continue
            if int(st[1]) == me and "cellos-telemetr" in open(
                    "/proc/%s/comm" % d).read():
                pids.append(int(d))
    return pids


def main():
    cg = bl.cgroup()
    t = bl.Table("footprint", "5. footprint")
    sizes(t)
    agent_idle(t, cg)
    agent_loaded(t, 1)
    agent_loaded(t, EVENTS)
    host_cells(t)
    startup(t, cg)
    t.show()


if __name__ == "__main__":
    bl.run(main)
