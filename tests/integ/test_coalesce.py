#!/usr/bin/python3
"""test_coalesce.py: wakeup coalescing (src/lib/coalesce.c) with real
processes on the proc connector and a real inotify fd.

- A burst of 3,000 fork+exec /bin/true with --coalesce-ms 10: every pid is
  seen spawned, exec'd and exited, and the agent slept far fewer times
  than the kernel sent messages (it was not woken per message).
- What a window held back goes out at the stop: SIGTERM right after a
  burst, with windows of 100 ms; every pid is still there.
- Loss is counted, not hidden: a 64 KiB receive buffer and the agent
  stopped (SIGSTOP) in the middle of a burst overflow the socket; the
  agent counts kernel_nobufs, every seq is received or announced, and a
  burst after that is seen whole.
- inotify: 2,000 files created in a watched folder under coalescing, each
  create reported once.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib as al  # noqa: E402

SPAWN = os.path.join(al.BUILD, "bench", "spawn")
PROC = ("--probe", "process=on", "--ring-bytes", "16m")


def burst(name, n):
    path = al.tmp(name + ".pids")
    subprocess.run([SPAWN, "-p", path, str(n)], check=True,
                   stdout=subprocess.DEVNULL, timeout=300)
    with open(path) as f:
        return [int(l.split()[0]) for l in f]


def seen(out, src):
    return set(f["guest_pid"] for _, f in al.frames(out, src)
               if not f.get("synthetic"))


def missing(out, kids):
    sp, ex, xt = (seen(out, s) for s in
                  ("process.spawned", "process.exec", "process.exited"))
    return [p for p in kids if p not in sp or p not in ex or p not in xt]


def sleeps(pid):
    """How many times the process blocked (voluntary context switches)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
    return None


def whole_burst(t):
    r, a, out, hello = al.start_hello(t, "burst", *PROC, "--coalesce-ms", "10")
    s0 = sleeps(a.pid)
    kids = burst("burst", 3000)
    al.wait_until(lambda: max(kids) in seen(out, "process.exited"))
    woke = sleeps(a.pid) - s0
    miss = missing(out, kids)
    t.ok(not miss, "coalescing 10 ms: all %d pids spawned, exec'd and exited"
         % len(kids), "missing %d, e.g. %s" % (len(miss), miss[:5]))
    # 3 messages per process at the least (fork, exec, exit)
    t.ok(woke < len(kids) * 3 // 4,
         "the agent slept %d times for %d+ connector messages" %
         (woke, 3 * len(kids)))
    al.stop_pair(a, r)
    al.check_accounting(t, out, "burst")


def drained_at_stop(t):
    r, a, out, hello = al.start_hello(t, "stop", *PROC, "--coalesce-ms", "100")
    kids = burst("stop", 2000)
    a.signal(signal.SIGTERM)    # at once: the last window is still held
    a.wait()
    al.wait_until(r.drained)
    r.stop()
    miss = missing(out, kids)
    t.ok(not miss, "stopped right after a burst: all %d pids still reported"
         % len(kids), "missing %d, e.g. %s" % (len(miss), miss[:5]))
    al.check_accounting(t, out, "stop")


def loss_counted(t):
    r, a, out, hello = al.start_hello(t, "tiny", *PROC, "--coalesce-ms", "10",
                                      "--proc-rcvbuf", "64k")
    sp = subprocess.Popen([SPAWN, "3000"], stdout=subprocess.DEVNULL)
    time.sleep(0.2)
    a.signal(signal.SIGSTOP)    # the socket fills while the agent is stopped
    time.sleep(0.5)
    a.signal(signal.SIGCONT)
    sp.wait(timeout=300)
    kids = burst("after", 1000)
    al.wait_until(lambda: max(kids) in seen(out, "process.exited"))
    miss = missing(out, kids)
    t.ok(not miss, "a burst after the overflow is seen whole (%d pids)"
         % len(kids), "missing %d, e.g. %s" % (len(miss), miss[:5]))
    al.stop_pair(a, r)
    res = al.check_accounting(t, out, "tiny buffer")
    nobufs = res[0]["dropped"]["kernel_nobufs"] if res else 0
    t.ok(nobufs >= 1, "the overflow is counted: kernel_nobufs %d" % nobufs)


def inotify(t):
    d = tempfile.mkdtemp(dir=al.tmp(""))
    r, a, out, hello = al.start_hello(t, "fs", "--probe", "fs=inotify",
                                      "--watch", d,
                                      "--watch-mask", "create",
                                      "--coalesce-ms", "10")
    t.ok(hello.get("probes", {}).get("fs") == "fallback:inotify",
         "fs on inotify (--probe fs=inotify)",
         hello.get("probes"))
    names = ["f%04d" % i for i in range(2000)]
    for n in names:
        open(os.path.join(d, n), "w").close()
    got = lambda: [f.get("name") for _, f in al.frames(out, "fs.inotify_fired")]
    al.wait_until(lambda: len(got()) >= len(names))
    al.stop_pair(a, r)
    t.ok(sorted(got()) == names, "every create reported once (%d of %d)" %
         (len(got()), len(names)))
    al.check_accounting(t, out, "fs")


def main():
    t = al.Tap()
    if os.geteuid() != 0:
        t.skip_all("needs root (the proc connector)")
    whole_burst(t)
    drained_at_stop(t)
    loss_counted(t)
    inotify(t)
    t.done()


if __name__ == "__main__":
    main()
