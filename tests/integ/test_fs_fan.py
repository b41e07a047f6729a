#!/usr/bin/python3
"""test_fs_fan.py: the file probe on fanotify, with the release agent, real
files and real processes whose pids the test knows (fanotify sees every
process of the machine: only this test's own are judged).

- A writer (python3, its pid known) creates, writes, chmods, renames
  from one watched directory to the other and deletes: each comes back as
  fs.fanotify_fired with the writer's pid, comm, exe, uid and start_ns,
  the right directory and entry name, the mask and its op names; nothing
  credits the writer's entries to the other directory.
- A file watched with --watch-mask FILE=open,access: a reader (cat, gone
  at once: its comm and start_ns from the process table, which catches
  up on the connector before the records are named) is named by its pid;
  a file watched without them reports no open.
- The agent's own reads are absent: with --exe-hash sha256 it reads every
  exec'd binary whole, here a copy of true in a folder watched for
  open,access; the exec's open comes from the child, never the agent.
- A tree (DIR/**): a write two levels down is reported with its own
  directory; one beside the tree, on the same file system, is not, and
  the directories beside it get ignore marks (the group's fdinfo); one of
  them moved into the tree loses them, is reported again, and the window
  in which the kernel still ignored it is counted (fanotify_unseen).
- A directory and a file watched through symlinks: events under the
  declared paths.
- An overflow: the agent SIGSTOPped while more creates than the
  fanotify queue holds (fs.fanotify.max_queued_events) happen, then
  SIGCONTed: dropped.fanotify_overflow counts it, and what the queue held
  arrives.
- --wire strict: inotify, every fs frame byte for byte the v1.0 body
  (rebuilt here with cbor2) with the agent's pid and comm.
- In a user namespace (unshare --user --map-root-user) fanotify would
  hide every pid: the probe falls back to inotify and hello says so.
"""
import os
import shutil
import signal
import subprocess
import sys
from collections import OrderedDict

import cbor2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib as al  # noqa: E402

IN_MODIFY, IN_ATTRIB, IN_CREATE, IN_DELETE = 0x2, 0x4, 0x100, 0x200
MOVED_FROM, MOVED_TO, OPEN, ACCESS, CLOSE_WRITE = 0x40, 0x80, 0x20, 0x1, 0x8
QUEUED = "/proc/sys/fs/fanotify/max_queued_events"
PY = os.path.realpath("/usr/bin/python3")
CAT = os.path.realpath("/bin/cat")
WRITER = r"""
import os, sys
d1, d2 = sys.argv[1], sys.argv[2]
a, b = os.path.join(d1, "made"), os.path.join(d2, "moved")
with open(a, "w") as f:
    f.write("one\n")
os.chmod(a, 0o600)
os.rename(a, b)
with open(b, "a") as f:
    f.write("two\n")
os.unlink(b)
print("done", flush=True)
sys.stdin.read()
"""


def start(name, *args, wrap=()):
    return al.release_pair(name, "--probe", "fs=on", *args, wrap=wrap)


def fired(out, src="fs.fanotify_fired"):
    return [f for _, f in al.frames(out, src)]


def hello_of(t, out, what, agent=None):
    h = al.wait_until(lambda: al.frames(out, "agent.hello"))
    t.ok(bool(h), "%s: hello arrives" % what,
         agent.stderr() if agent and not h else None)
    return h[0][1] if h else {}


def has(evs, pid, path, name, bit):
    return [e for e in evs if e["guest_pid"] == pid and e.get("path") == path
            and e.get("name") == name and e.get("mask", 0) & bit]


def writer(t):
    d1, d2 = al.tmp("fw1"), al.tmp("fw2")
    os.mkdir(d1)
    os.mkdir(d2)
    r, a, out = start("writer", "--probe", "process=on", "--watch", d1,
                      "--watch", d2)
    h = hello_of(t, out, "writer")
    t.ok(h.get("probes", {}).get("fs") == "armed" and h.get("watches") ==
         {"1": "fanotify " + d1, "2": "fanotify " + d2},
         "hello: fs armed, both watches on fanotify",
         (h.get("probes"), h.get("watches")))
    w = subprocess.Popen([PY, "-c", WRITER, d1, d2], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    al.read_line(w.stdout)
    want = [(d1, "made", IN_CREATE, "create"), (d1, "made", IN_MODIFY, "modify"),
            (d1, "made", CLOSE_WRITE, "close_write"),
            (d1, "made", IN_ATTRIB, "attrib"),
            (d1, "made", MOVED_FROM, "moved_from"),
            (d2, "moved", MOVED_TO, "moved_to"),
            (d2, "moved", IN_MODIFY, "modify"),
            (d2, "moved", IN_DELETE, "delete")]
    al.wait_until(lambda: has(fired(out), w.pid, d2, "moved", IN_DELETE))
    evs = fired(out)
    w.stdin.close()
    w.wait(al.WAIT)
    for d, n, bit, op in want:
        got = has(evs, w.pid, d, n, bit)
        t.ok(got and all(op in e["op"].split(",") for e in got),
             "writer: %s of %s in %s, with its op name" %
             (op, n, os.path.basename(d)), [e for e in evs
                                            if e["guest_pid"] == w.pid][:12])
    mine = [e for e in evs if e["guest_pid"] == w.pid]
    t.ok(mine and all(e["guest_comm"] == os.path.basename(PY)[:15] and e.get("exe") == PY and
                      e.get("uid") == os.getuid() and e.get("start_ns", 0) > 0
                      for e in mine),
         "writer: every event names it: comm, exe, uid, start_ns", mine[:2])
    t.ok(not [e for e in mine if (e["path"], e["name"]) in
              ((d2, "made"), (d1, "moved"))],
         "writer: no entry credited to the other directory")
    ex = [f for _, f in al.frames(out, "process.exec") if f["guest_pid"] == w.pid]
    t.ok(ex and all(e["start_ns"] == ex[0]["start_ns"] for e in mine),
         "writer: start_ns is the one of its process.exec", ex[:1])
    al.stop_pair(a, r)
    st = al.check_accounting(t, out, "writer")
    t.ok(st and st[0]["dropped"]["fanotify_overflow"] == 0,
         "writer: no overflow counted")


def reader(t):
    d = al.tmp("fr")
    os.mkdir(d)
    secret, plain = os.path.join(d, "secret"), os.path.join(d, "plain")
    for p in (secret, plain):
        with open(p, "w") as f:
            f.write("s3cr3t\n")
    r, a, out = start("reader", "--probe", "process=on", "--watch", secret,
                      "--watch-mask", secret + "=open,access", "--watch", plain)
    hello_of(t, out, "reader")
    c1 = subprocess.Popen([CAT, secret], stdout=subprocess.DEVNULL)
    c2 = subprocess.Popen([CAT, plain], stdout=subprocess.DEVNULL)
    c1.wait(al.WAIT)
    c2.wait(al.WAIT)
    al.wait_until(lambda: [e for e in fired(out) if e.get("path") == secret
                           and e["mask"] & ACCESS])
    al.stop_pair(a, r)
    evs = fired(out)
    sec = [e for e in evs if e.get("path") == secret]
    t.ok(sec and any(e["mask"] & OPEN and "open" in e["op"] for e in sec) and
         any(e["mask"] & ACCESS for e in sec) and
         all(e["guest_pid"] == c1.pid and e["guest_comm"] == "cat" and
             e.get("start_ns", 0) > 0 and "name" not in e for e in sec),
         "reader: the open and read of the secret name cat (its pid, comm "
         "and start_ns, gone or not), the file itself as path", sec[:3])
    t.ok(c1.returncode == 0 and c2.returncode == 0 and
         not [e for e in evs if e.get("path") == plain and e["mask"] & OPEN],
         "reader: a file watched without open reports none",
         [e for e in evs if e.get("path") == plain][:3])


def own_reads(t):
    d = al.tmp("fexe")
    os.mkdir(d)
    prog = os.path.join(d, "true")
    shutil.copy("/bin/true", prog)
    r, a, out = start("own", "--probe", "process=on", "--exe-hash", "sha256",
                      "--watch", d, "--watch-mask", d + "=open,access")
    hello_of(t, out, "own reads")
    c = subprocess.Popen([prog])
    c.wait(al.WAIT)
    ex = al.wait_until(lambda: [f for _, f in al.frames(out, "process.exec")
                                if f["guest_pid"] == c.pid])
    opened = al.wait_until(lambda: has(fired(out), c.pid, d, "true", OPEN))
    al.stop_pair(a, r)
    evs = fired(out)
    t.ok(ex and "exe_sha256" in ex[0],
         "own reads: the agent read the binary (its exec has exe_sha256)", ex)
    t.ok(bool(opened), "own reads: the child's open of it is reported",
         [e for e in evs if e.get("name") == "true"][:4])
    t.ok(not [e for e in evs if e["guest_pid"] == a.pid],
         "own reads: none of the agent's own opens and reads is reported",
         [e for e in evs if e["guest_pid"] == a.pid][:3])


def ignored(pid, path):
    """Does the agent's fanotify group hold an ignore mask on path's inode
    (its fdinfo lists each mark: "fanotify ino:HEX ... ignored_mask:HEX")?"""
    ino = "%x" % os.stat(path).st_ino
    for fd in os.listdir("/proc/%d/fdinfo" % pid):
        try:
            text = open("/proc/%d/fdinfo/%s" % (pid, fd)).read()
        except OSError:
            continue
        for line in text.splitlines():
            w = dict(x.split(":", 1) for x in line.split()[1:] if ":" in x)
            if line.startswith("fanotify ") and w.get("ino") == ino and \
                    int(w.get("ignored_mask", "0"), 16):
                return True
    return False


def tree(t):
    top = al.tmp("ftree")
    root = os.path.join(top, "in")
    deep, beside = os.path.join(root, "a", "b"), al.tmp("fbeside")
    os.makedirs(deep)
    os.makedirs(os.path.join(beside, "sub"))
    r, a, out = start("tree", "--watch", root + "/**")
    h = hello_of(t, out, "tree")
    t.ok(h.get("watches", {}).get("1") == "fanotify %s/**" % root,
         "tree: on fanotify", h.get("watches"))
    for p in (os.path.join(beside, "x"), os.path.join(beside, "sub", "x"),
              os.path.join(deep, "x")):
        with open(p, "w") as f:
            f.write("x")
    got = al.wait_until(lambda: has(fired(out), os.getpid(), deep, "x",
                                    IN_CREATE))
    t.ok(bool(got), "tree: a create two levels down, with its directory",
         fired(out)[:4])
    sub = os.path.join(beside, "sub")
    ign = al.wait_until(lambda: ignored(a.pid, sub) and ignored(a.pid, beside))
    t.ok(ign, "tree: the directories beside it are ignored in the kernel "
         "(their fdinfo marks)")
    moved = os.path.join(root, "sub")
    os.rename(sub, moved)                           # moved into the tree
    # the kernel drops what happens in it until the agent has read the
    # move and removed the ignore marks (counted as fanotify_unseen)
    unmarked = al.wait_until(lambda: not ignored(a.pid, moved))
    with open(os.path.join(moved, "later"), "w") as f:
        f.write("y")
    later = al.wait_until(lambda: has(fired(out), os.getpid(), moved,
                                      "later", IN_CREATE))
    al.stop_pair(a, r)
    t.ok(unmarked and bool(later), "tree: a directory moved in from beside "
         "(ignored before) is seen again", [e for e in fired(out)
                                            if "sub" in e["path"]][:4])
    t.ok(not [e for e in fired(out) if e["path"].startswith(beside)],
         "tree: nothing from beside the tree")
    st = al.check_accounting(t, out, "tree")
    n = st[0]["dropped"]["fanotify_unseen"] if st else 0
    t.ok(n == 1, "tree: the window it was ignored in is counted "
         "(fanotify_unseen %d)" % n)


def symlinks(t):
    d, f = al.tmp("fsl-dir"), al.tmp("fsl-file")
    os.mkdir(d)
    open(f, "w").close()
    ld, lf = al.tmp("fsl-dir-link"), al.tmp("fsl-file-link")
    os.symlink(d, ld)
    os.symlink(f, lf)
    r, a, out = start("symlinks", "--watch", ld, "--watch", lf)
    hello_of(t, out, "symlinks")
    open(os.path.join(d, "x"), "w").close()
    os.chmod(f, 0o600)
    got = lambda: (has(fired(out), os.getpid(), ld, "x", IN_CREATE),
                   [e for e in fired(out) if e["path"] == lf and
                    e["mask"] & IN_ATTRIB and "name" not in e])
    al.wait_until(lambda: all(got()))
    al.stop_pair(a, r)
    t.ok(all(got()), "symlinks: a directory and a file watched through a "
         "symlink report under the declared path", fired(out)[:4])


def overflow(t):
    d = al.tmp("fflood")
    os.mkdir(d)
    with open(QUEUED) as f:
        cap = int(f.read())
    r, a, out = start("flood", "--watch", d, "--watch-mask", "create",
                      "--ring-bytes", "16m")
    hello_of(t, out, "overflow")
    a.signal(signal.SIGSTOP)
    for i in range(cap + 1000):     # distinct names: fanotify cannot merge
        os.close(os.open(os.path.join(d, "f%d" % i), os.O_CREAT, 0o644))
    a.signal(signal.SIGCONT)
    al.wait_until(lambda: len(fired(out)) >= cap - 1)
    open(os.path.join(d, "marker"), "w").close()    # queued after it
    al.wait_until(lambda: has(fired(out), os.getpid(), d, "marker", IN_CREATE))
    al.stop_pair(a, r)
    st = al.check_accounting(t, out, "overflow")
    n = st[0]["dropped"].get("fanotify_overflow", 0) if st else 0
    got = len(fired(out))
    t.ok(n >= 1, "overflow: FAN_Q_OVERFLOW counted (fanotify_overflow %d, "
         "queue %d, %d delivered)" % (n, cap, got))
    t.ok(cap - 1 <= got <= cap + 1,
         "overflow: what the queue held was delivered, and the marker after it")


def strict(t):
    d = al.tmp("fstrict")
    os.mkdir(d)
    sock, out = al.tmp("fstrict.sock"), al.tmp("fstrict.jsonl")
    r = al.Receiver(sock, out, hexdump=True)
    a = al.Agent(sock, "--probe", "fs=on", "--probe", "process=on",
                 "--wire", "strict", "--watch", d, binary=al.RELEASE)
    al.wait_until(lambda: al.frames(out))   # the inventory: armed
    with open(os.path.join(d, "s"), "w") as f:
        f.write("x")
    os.unlink(os.path.join(d, "s"))
    recs = lambda: [x for x in al.records(out) if "f" in x and
                    x["f"]["probe_source"].startswith("fs.")]
    al.wait_until(lambda: len(recs()) >= 3)
    al.stop_pair(a, r)
    comm = os.path.basename(al.RELEASE)[:15]    # the kernel's comm: 15 bytes
    bad = []
    for x in recs():
        f = x["f"]
        want = cbor2.dumps(OrderedDict([
            ("content_version", 256), ("probe_source", "fs.inotify_fired"),
            ("guest_pid", a.pid), ("guest_comm", comm),
            ("guest_monotonic_ns", f["guest_monotonic_ns"])]))
        if bytes.fromhex(x["hex"]) != want:
            bad.append((x["hex"], want.hex()))
    t.ok(len(recs()) >= 3 and not bad,
         "strict: %d fs frames, each byte for byte the v1.0 fs.inotify_fired "
         "body with the agent's pid and comm" % len(recs()), bad[:2])


USERNS = ("unshare", "--user", "--map-root-user", "--")


def userns(t):
    # a chroot (or a sysctl) refuses user namespaces: nothing to test then
    probe = subprocess.run(USERNS + ("true",), capture_output=True,
                           text=True, timeout=30)
    if probe.returncode != 0:
        for name in ("hello arrives", "fanotify refused, hello says "
                     "inotify and why", "the create comes as fs.inotify_fired"):
            t.skip("userns: " + name, "no user namespace here: " +
                   probe.stderr.strip())
        return
    d = al.tmp("fns")
    os.mkdir(d)
    r, a, out = start("userns", "--watch", d, wrap=USERNS)
    h = hello_of(t, out, "userns", a)
    fs = h.get("probes", {}).get("fs", "")
    t.ok(fs == "fallback:inotify (fanotify_init: Operation not permitted)" and
         h.get("watches") == {"1": "inotify " + d},
         "userns: fanotify refused, hello says inotify and why", (fs, h.get("watches")))
    open(os.path.join(d, "n"), "w").close()
    got = al.wait_until(lambda: [e for e in fired(out, "fs.inotify_fired")
                                 if e.get("name") == "n"])
    al.stop_pair(a, r)
    t.ok(bool(got), "userns: the create comes as fs.inotify_fired", got[:1])


def main():
    t = al.Tap()
    if os.geteuid() != 0:
        t.skip_all("needs root (fanotify with pids: CAP_SYS_ADMIN)")
    writer(t)
    reader(t)
    own_reads(t)
    tree(t)
    symlinks(t)
    overflow(t)
    strict(t)
    userns(t)
    t.done()


if __name__ == "__main__":
    main()
