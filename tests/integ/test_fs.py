#!/usr/bin/python3
"""test_fs.py: the file probe's inotify side with the release agent and
real files (--probe fs=inotify; the fanotify side: test_fs_fan.py).

Two watched directories: a create, a modify, a chmod and a delete in
each must arrive as fs.inotify_fired with the directory as path, the
file's name and the inotify mask of that action.  Then the overflow: the
agent is SIGSTOPped while more changes than the kernel's inotify queue
holds (fs.inotify.max_queued_events) happen (files of distinct names, which
the kernel cannot merge), then SIGCONTed; the kernel's
IN_Q_OVERFLOW must be counted as dropped.inotify_overflow in the
agent.stopping counters, not lost silently.  A watch path that cannot be
added follows --on-failure: fail-cell refuses to start, degrade runs.
Strict mode keeps CellOS's shape: fs.inotify_fired with no extension keys,
on inotify although the probe's mode is on (fanotify).
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib as al  # noqa: E402

IN_MODIFY, IN_ATTRIB, IN_CREATE, IN_DELETE = 0x2, 0x4, 0x100, 0x200
QUEUED = "/proc/sys/fs/inotify/max_queued_events"


def start(name, dirs, *args, mode="inotify"):
    watch = [w for d in dirs for w in ("--watch", d)]
    return al.release_pair(name, "--probe", "fs=" + mode,
                           *(watch + list(args)))


def fired(out):
    return [f for _, f in al.frames(out, "fs.inotify_fired")]


def actions(d, name):
    """Create, modify, chmod and delete one file; returns its path."""
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write("one\n")
    with open(p, "a") as f:
        f.write("two\n")
    os.chmod(p, 0o600)
    os.unlink(p)
    return p


def has(evs, d, name, bit):
    return any(e.get("path") == d and e.get("name") == name and
               e.get("mask", 0) & bit for e in evs)


def two_dirs(t):
    dirs = [al.tmp("w1"), al.tmp("w2")]
    for d in dirs:
        os.mkdir(d)
    r, a, out = start("two", dirs)
    hello = al.wait_until(lambda: al.frames(out, "agent.hello"))
    t.ok(hello and hello[0][1]["probes"].get("fs") == "fallback:inotify",
         "hello: fs on inotify", hello and hello[0][1]["probes"])
    t.ok(hello and hello[0][1].get("watches") ==
         {"1": "inotify " + dirs[0], "2": "inotify " + dirs[1]},
         "hello: each watch on inotify", hello and hello[0][1].get("watches"))
    for d in dirs:
        actions(d, "file-in-" + os.path.basename(d))
    last = (dirs[1], "file-in-w2", IN_DELETE)
    al.wait_until(lambda: has(fired(out), *last))
    evs = fired(out)
    for d in dirs:
        n = "file-in-" + os.path.basename(d)
        for bit, what in ((IN_CREATE, "create"), (IN_MODIFY, "modify"),
                          (IN_ATTRIB, "chmod"), (IN_DELETE, "delete")):
            t.ok(has(evs, d, n, bit), "%s of %s in %s arrives" %
                 (what, n, os.path.basename(d)))
    t.ok(not any(e.get("name") == "file-in-w2" and e.get("path") == dirs[0]
                 for e in evs), "no event is credited to the wrong directory")
    t.ok(all(e.get("guest_pid") == a.pid for e in evs),
         "fs events carry the agent's own pid (inotify has no writer pid)")
    al.stop_pair(a, r)
    st = al.check_accounting(t, out, "two dirs")
    t.ok(st and st[0]["dropped"].get("inotify_overflow") == 0,
         "two dirs: no inotify overflow counted")


def overflow(t):
    d = al.tmp("flood")
    os.mkdir(d)
    with open(QUEUED) as f:
        cap = int(f.read())
    # the v1.0 mask: the marker's close_write would be one record more
    r, a, out = start("flood", [d], "--ring-bytes", "16m", "--watch-mask",
                      "create,modify,attrib,delete")
    al.wait_until(lambda: al.frames(out, "agent.hello"))
    a.signal(signal.SIGSTOP)
    for i in range(cap + 1000):     # distinct names: inotify cannot merge
        os.close(os.open(os.path.join(d, "f%d" % i), os.O_CREAT, 0o644))
    a.signal(signal.SIGCONT)
    al.wait_until(lambda: len(fired(out)) >= cap - 1)
    open(os.path.join(d, "marker"), "w").close()    # queued after the overflow
    al.wait_until(lambda: has(fired(out), d, "marker", IN_CREATE))
    al.stop_pair(a, r)
    st = al.check_accounting(t, out, "overflow")
    n = st[0]["dropped"].get("inotify_overflow", 0) if st else 0
    t.ok(n >= 1, "overflow: IN_Q_OVERFLOW counted (inotify_overflow %d, "
         "queue %d, %d delivered)" % (n, cap, len(fired(out))))
    t.ok(cap - 1 <= len(fired(out)) <= cap + 1,
         "overflow: what the queue held was delivered, and the marker after it")


def failures(t):
    missing = al.tmp("no-such-dir")
    r, a, out = start("fail", [missing], "--on-failure", "fail-cell")
    rc = a.wait()
    t.ok(rc not in (0, None), "fail-cell: a watch that cannot be added stops "
         "the agent (exit %s)" % rc, a.stderr())
    t.ok(missing in a.stderr(), "fail-cell: the message names the path",
         a.stderr())
    r.stop()
    r, a, out = start("degrade", [missing], "--on-failure", "degrade")
    hello = al.wait_until(lambda: al.frames(out, "agent.hello"))
    fs = hello[0][1]["probes"].get("fs", "") if hello else ""
    t.ok(fs.startswith("failed"), "degrade: the agent runs and hello says "
         "the fs probe failed", fs)
    al.stop_pair(a, r)


def strict(t):
    d = al.tmp("strict")
    os.mkdir(d)
    # v1.0 has no hello: the process probe's start-up inventory, sent once
    # every probe is armed, says when the watch is in place
    r, a, out = start("strict", [d], "--wire", "strict", "--probe", "process=on",
                      mode="on")
    al.wait_until(lambda: al.frames(out))
    actions(d, "s")
    evs = al.wait_until(lambda: len(fired(out)) >= 4 and fired(out))
    t.ok(evs and all(e["content_version"] == 256 and len(e) == 5 for e in evs),
         "strict: fs.inotify_fired frames are v1.0 with their five keys",
         evs and evs[0])
    al.stop_pair(a, r)


def main():
    t = al.Tap()
    two_dirs(t)
    overflow(t)
    failures(t)
    strict(t)
    t.done()


if __name__ == "__main__":
    main()
