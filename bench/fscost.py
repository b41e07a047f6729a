#!/usr/bin/python3
"""fscost.py: benchmark 10, the file probe: what it costs a workload to
write files inside a watched tree and outside it, with no agent, with the
agent on inotify, on fanotify watching the directory (an inode mark) and
on fanotify watching the tree (DIR/**: a filesystem mark, each record's
directory resolved and filtered by prefix in the agent).

Two workloads, each in INSIDE (the watched directory) and in OUTSIDE (a
sibling on the same file system, watched by nothing):
- bench/fsloop: open + write 64 bytes at offset 0 + close, over 256
  names in turn; ns per iteration.
- tar x of a tarball of TAR_FILES small files in 30 directories into a
  fresh directory; ms per extraction (the directory is removed after,
  untimed).  inotify cannot watch a tree: its row sees the top directory
  only, a fanotify directory watch likewise; only the tree watch sees
  every file tar writes.
Before each workload: sync, and the agent is let finish the records of
the last (no CPU used for 100 ms), so that neither one workload's
writeback nor its records are paid during the next one's timing; each
round starts with another watcher.

The watchers alternate round by round (median of ROUNDS) so that drift on
a shared machine hits each alike; each row's baseline is the same
workload with no agent in the same run.  The agent runs the file probe
only (process, net and capability off), its default mask, sending to
build/tools/drain.
"""
import os
import shutil
import subprocess
import tarfile
import time

import benchlib as bl

FSLOOP = os.path.join(bl.BUILD, "bench", "fsloop")
LOOPS = 20000 if bl.QUICK else 100000
TAR_FILES = 1000 if bl.QUICK else 3000
ROUNDS = 3 if bl.QUICK else 5


def watchers(inside):
    return [("no agent", None),
            ("inotify", ["--probe", "fs=inotify", "--watch", inside]),
            ("fanotify, directory", ["--probe", "fs=on", "--watch", inside]),
            ("fanotify, tree", ["--probe", "fs=on", "--watch", inside + "/**"])]


def make_tar(path):
    src = bl.tmp("tarsrc")
    for d in range(30):
        os.makedirs(os.path.join(src, "d%02d" % d))
    for i in range(TAR_FILES):
        with open(os.path.join(src, "d%02d" % (i % 30), "f%05d" % i), "w") as f:
            f.write("x" * 200)
    with tarfile.open(path, "w") as t:
        t.add(src, arcname="src")
    shutil.rmtree(src)


def start_agent(args, rnd):
    sock = bl.tmp("fs%d.sock" % rnd)
    d = bl.start([bl.DRAIN, sock], stdout=subprocess.DEVNULL)
    bl.wait_socket(sock)
    a = bl.start([bl.AGENT, "-f", "--connect", "unix:" + sock,
                  "--on-failure", "fail-cell", "--probe", "process=off",
                  "--probe", "net=off", "--probe", "capability=off"] + args,
                 env=bl.cmdline(), stderr=open(bl.tmp("agent.err"), "a"))
    time.sleep(0.5)             # armed
    return a, d


def quiet(a):
    """sync (the last workload's writeback is not the next one's), then
    wait (at most 10 s) until the agent has used no CPU for 100 ms: the
    records of the last workload are drained before the next is timed."""
    os.sync()
    if a is None:
        return
    end, last = time.monotonic() + 10, bl.cpu_ns(a.pid)
    while time.monotonic() < end:
        time.sleep(0.1)
        now = bl.cpu_ns(a.pid)
        if now == last:
            return
        last = now


def loop(where):
    out = subprocess.run([FSLOOP, where, str(LOOPS)], capture_output=True,
                         text=True, check=True).stdout
    return float(out.split(": ")[1].split()[0])


def untar(tarball, where, rnd):
    dest = os.path.join(where, "x%d" % rnd)
    os.mkdir(dest)
    t0 = time.monotonic()
    subprocess.run(["tar", "xf", tarball, "-C", dest], check=True)
    ms = (time.monotonic() - t0) * 1000
    shutil.rmtree(dest)
    return ms


def main():
    base = bl.tmp("fscost")
    inside, outside = os.path.join(base, "inside"), os.path.join(base, "outside")
    os.makedirs(inside)
    os.makedirs(outside)
    tarball = bl.tmp("files.tar")
    make_tar(tarball)
    ws = watchers(inside)
    got = {(w, k): [] for w, _ in ws for k in
           ("loop in", "loop out", "tar in", "tar out")}
    for rnd in range(ROUNDS):
        # each round starts with another watcher: no place in the order
        # (after whose writeback, on a warmer cache) favours one
        for name, args in ws[rnd % len(ws):] + ws[:rnd % len(ws)]:
            a = d = None
            if args:
                a, d = start_agent(args, rnd)
                if a.poll() is not None:
                    bl.stop(d)
                    continue
            for k, fn, where in (("loop out", loop, outside),
                                 ("tar out", untar, outside),
                                 ("loop in", loop, inside),
                                 ("tar in", untar, inside)):
                quiet(a)
                got[(name, k)].append(fn(where) if fn is loop else
                                      untar(tarball, where, rnd))
            if a:
                bl.stop(a)
                bl.stop(d)
    t = bl.Table("fscost", "11. fs probe: workload cost inside a watched "
                 "directory and outside it (median of %d alternated rounds)"
                 % ROUNDS)
    for k, label, unit in (("loop in", "open+write+close x%d inside" % LOOPS, "ns/op"),
                           ("loop out", "open+write+close x%d outside" % LOOPS, "ns/op"),
                           ("tar in", "tar x of %d files inside" % TAR_FILES, "ms"),
                           ("tar out", "tar x of %d files outside" % TAR_FILES, "ms")):
        for name, args in ws:
            v = got[(name, k)]
            t.add("%s, %s" % (label, name), bl.median(v) if v else None, unit,
                  None if args is None else "%s, no agent" % label,
                  "" if v else "could not run (see agent stderr)")
    t.show()


if __name__ == "__main__":
    bl.run(main)
