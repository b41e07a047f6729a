#!/usr/bin/python3
"""test_proc.py: the process probe with real processes, in the initial
namespace (proc connector) and with --probe process=poll.

A burst of 10,000 fork+exec /bin/true (bench/spawn records every child pid
and status): with the connector every pid must be seen spawned, exec'd and
exited with its status.  Then a child killed by a signal, one exiting 3,
and argv with an empty, a non-UTF-8 and a 10 KiB argument.  The poll
mode's capture of the same burst is printed, not asserted: missing most
short-lived processes is what that method does.
"""
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib as al  # noqa: E402

SPAWN = os.path.join(al.BUILD, "bench", "spawn")
BURST = 10000
PROC = ("--probe", "process=on", "--ring-bytes", "16m")


def burst(pids_file):
    subprocess.run([SPAWN, "-p", pids_file, str(BURST)], check=True,
                   stdout=subprocess.DEVNULL, timeout=300)
    with open(pids_file) as f:
        return dict((int(p), int(s)) for p, s in (l.split() for l in f))


def seen(out, src, synthetic=False):
    return dict((f["guest_pid"], f) for _, f in al.frames(out, src)
                if bool(f.get("synthetic")) == synthetic)


def check_burst(t, out, kids):
    last = max(kids)
    al.wait_until(lambda: last in seen(out, "process.exited"))
    sp, ex, xt = (seen(out, s) for s in
                  ("process.spawned", "process.exec", "process.exited"))
    miss = [p for p in kids if p not in sp or p not in ex or p not in xt]
    t.ok(not miss, "connector: all %d pids spawned, exec'd and exited" % len(kids),
         "missing %d, e.g. %s" % (len(miss), miss[:5]))
    bad = [p for p in kids if p in xt and xt[p].get("exit_code") != kids[p] >> 8]
    t.ok(not bad, "connector: every exit_code is the child's status", bad[:5])
    t.ok(all(ex[p].get("exe") in (None, "/usr/bin/true", "/bin/true")
             for p in kids if p in ex), "connector: exec names /bin/true")
    t.ok(all(sp[p].get("ppid") == xt[p].get("ppid") for p in kids
             if p in sp and p in xt), "connector: ppid agrees at spawn and exit")
    return 100.0 * (len(kids) - len(miss)) / len(kids)


def special_cases(t, out):
    big = b"B" * (10 * 1024)
    sh = subprocess.Popen([b"/bin/sh", b"-c", b"read x", b"sh", b"",
                           b"caf\xe9", big], stdin=subprocess.PIPE)
    ex = al.wait_until(lambda: seen(out, "process.exec").get(sh.pid))
    t.ok(bool(ex), "exec of a waiting sh is reported")
    ex = ex or {}
    args = ex.get("argv", "").split("\0")
    t.ok(args[:6] == ["/bin/sh", "-c", "read x", "sh", "", "caf\\xe9"],
         "argv keeps the empty argument and escapes the non-UTF-8 one",
         args[:6])
    t.ok(ex.get("argc") == 7 and ex.get("truncated") == 1,
         "the 10 KiB argument: argc 7, truncated 1",
         (ex.get("argc"), ex.get("truncated")))
    t.ok(len(args) == 7 and set(args[6]) == {"B"} and len(args[6]) > 3000,
         "the cut argument is a prefix of B's", len(args[6]) if len(args) > 6 else 0)
    sh.kill()
    sh.wait()
    three = subprocess.Popen(["/bin/sh", "-c", "exit 3"])
    three.wait()
    x = al.wait_until(lambda: seen(out, "process.exited").get(three.pid))
    t.ok(x and x.get("exit_code") == 3 and "exit_signal" not in x,
         "exit 3 is reported as exit_code 3", x)
    x = al.wait_until(lambda: seen(out, "process.exited").get(sh.pid))
    t.ok(x and x.get("exit_signal") == signal.SIGKILL and "exit_code" not in x,
         "SIGKILL is reported as exit_signal 9", x)


def main():
    t = al.Tap()
    r, a, out, hello = al.start_hello(t, "connector", *PROC)
    t.ok(hello.get("probes", {}).get("process") == "armed",
         "hello: process armed (connector)", hello.get("probes"))
    inv = seen(out, "process.spawned", synthetic=True)
    t.ok(os.getpid() in inv and a.pid in inv,
         "start-up inventory: this test and the agent, marked synthetic")
    kids = burst(al.tmp("burst.pids"))
    rate = check_burst(t, out, kids)
    special_cases(t, out)
    al.stop_pair(a, r)
    al.check_accounting(t, out, "connector")

    r, a, out, hello = al.start_hello(t, "poll", *PROC, "--probe", "process=poll")
    t.ok(hello.get("probes", {}).get("process", "").startswith("fallback:poll"),
         "hello: process=poll says fallback:poll", hello.get("probes"))
    kids = burst(al.tmp("burst2.pids"))
    al.wait_until(lambda: False, timeout=0.5)   # two poll rounds after the burst
    polled = seen(out, "process.spawned", synthetic=True)
    got = sum(1 for p in kids if p in polled)
    al.stop_pair(a, r)
    print("# capture of %d fork+exec /bin/true: connector %.1f%%, poll %s %.1f%%"
          % (BURST, rate, hello.get("probes", {}).get("process"),
             100.0 * got / len(kids)))

    r, a, out, hello = al.start_hello(t, "strict", *PROC, "--wire", "strict")
    kids = burst(al.tmp("burst3.pids"))
    al.wait_until(lambda: max(kids) in seen(out, "process.exited"))
    srcs = set(f["probe_source"] for _, f in al.frames(out))
    t.ok(srcs <= {"process.spawned", "process.exited"} and
         all(f["content_version"] == 256 and len(f) == 5 for _, f in al.frames(out)),
         "strict: only v1.0 process frames with their five keys", srcs)
    al.stop_pair(a, r)
    t.done()


if __name__ == "__main__":
    main()
