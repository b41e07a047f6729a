#!/usr/bin/python3
"""test_proc_exe.py: the process probe's exe source (fanotify FAN_OPEN_EXEC
joined with the connector's exec) and its /proc enrichment, with real
processes; only this test's own pids are judged (the connector and
fanotify see every process of the machine).

With --exe-hash sha256: a 3,000-process burst where every exec carries
exe and its hash (checked against sha256sum), argv only or argv_lost;
cwd, uid; a script (exe the script, interp its #! interpreter); a binary
run after its last name was removed, and one from a memfd; one pid reused
for five processes in a row, two of them trying a failed exec first
(ENOEXEC, a missing #! interpreter); a script whose records the agent
(SIGSTOPped) reads only once it is a zombie; the start-up inventory's exe, argv,
cwd and uid; the heartbeat's `incomplete` counts against the events.
Then the agent without CAP_SYS_ADMIN: fanotify refused, hello says so,
exe from /proc.
"""
import hashlib
import os
import shutil
import signal
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib as al  # noqa: E402

SPAWN = os.path.join(al.BUILD, "bench", "spawn")
EXECAS = os.path.join(al.BUILD, "tools", "execas")
BURST = 3000
ARGS = ("--probe", "process=on", "--ring-bytes", "16m", "--heartbeat-ms",
        "200", "--exe-hash", "sha256")
TRUE = os.path.realpath("/bin/true")
SH = os.path.realpath("/bin/sh")
SLEEP = os.path.realpath("/bin/sleep")


def pt_interp(path):
    """The PT_INTERP of a 64-bit little-endian ELF, resolved, or None."""
    with open(path, "rb") as f:
        b = f.read(1 << 16)
    phoff, = struct.unpack_from("<Q", b, 32)
    entsz, phnum = struct.unpack_from("<HH", b, 54)
    for i in range(phnum):
        typ, _, off, _, _, size = struct.unpack_from("<IIQQQQ", b,
                                                     phoff + i * entsz)
        if typ == 3:
            return os.path.realpath(b[off:off + size].rstrip(b"\0").decode())
    return None


LDSO = pt_interp(TRUE)


def sha256sum(path):
    """The hash as the sha256sum command prints it (not our code)."""
    out = subprocess.run(["sha256sum", path], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return out.split()[0]


def execs(out, pid=None):
    return [f for _, f in al.frames(out, "process.exec")
            if pid is None or f["guest_pid"] == pid]


def exec_of(out, pid):
    return al.wait_until(lambda: (execs(out, pid) or [None])[-1])


def check_burst(t, out):
    pids = al.tmp("burst.pids")
    subprocess.run([SPAWN, "-p", pids, str(BURST)], check=True,
                   stdout=subprocess.DEVNULL, timeout=300)
    kids = [int(line.split()[0]) for line in open(pids)]
    # pid_max may be small: a pid of the burst can come back in it, so
    # each pid's execs are taken in order, one per time it was used
    uses = {}
    for k in kids:
        uses[k] = uses.get(k, 0) + 1

    def by_pid():
        byp = {}
        for f in execs(out):
            if f["guest_pid"] in uses:
                byp.setdefault(f["guest_pid"], []).append(f)
        return byp

    al.wait_until(lambda: all(len(v) >= uses[k] for k, v in
                              by_pid().items()) and len(by_pid()) == len(uses),
                  timeout=120, step=0.5)
    byp = by_pid()
    ev = [f for k in uses for f in byp.get(k, [])[-uses[k]:]]
    t.ok(len(ev) == BURST, "burst: an exec event for each of %d children"
         % BURST, len(ev))
    bad = [f for f in ev if f.get("exe") != TRUE or f.get("interp") != LDSO]
    t.ok(not bad, "burst: every exec carries exe %s, interp %s (fanotify)"
         % (TRUE, LDSO), bad[:3])
    want = sha256sum(TRUE)
    bad = [f for f in ev if f.get("exe_sha256") != want]
    t.ok(not bad, "burst: every exe_sha256 is sha256sum's %s" % want[:16],
         bad[:3])
    bad = [f for f in ev if ("argv" in f) == bool(f.get("argv_lost"))]
    t.ok(not bad, "burst: each exec has argv or argv_lost, never both or "
         "neither", bad[:3])
    bad = [f for f in ev if "argv" in f and f["argv"] != "true"]
    t.ok(not bad, "burst: an argv read is the child's own", bad[:3])
    bad = [f for f in ev if f.get("guest_comm") != "true"]
    t.ok(not bad, "burst: comm is the exec'd file's name, never the parent's",
         bad[:3])
    n = len(ev)
    print("# fidelity of %d fork+exec %s: exe %.1f%%, argv %.1f%%, cwd "
          "%.1f%%, uid %.1f%%" % (n, TRUE, *(100.0 * sum(k in f for f in ev)
                                             / n for k in ("exe", "argv",
                                                           "cwd", "uid"))))


def check_alive(t, out, tmpd):
    """cwd, uid, argv of a process that lives; a script; a deleted binary
    and a memfd."""
    work = os.path.join(tmpd, "work dir")
    os.mkdir(work)
    p = subprocess.Popen([SLEEP, "30"], cwd=work)
    f = exec_of(out, p.pid) or {}
    t.ok(f.get("cwd") == work and f.get("uid") == os.geteuid() and
         f.get("argv") == SLEEP + "\0" + "30" and f.get("exe") == SLEEP and
         "argv_lost" not in f, "a live process: cwd, uid, argv, exe", f)
    p.kill()
    p.wait()

    script = os.path.join(tmpd, "a-script.sh")
    with open(script, "w") as s:
        s.write("#!/bin/sh\nexec sleep 30\n")
    os.chmod(script, 0o755)
    p = subprocess.Popen([script, "x"])
    al.wait_until(lambda: len(execs(out, p.pid)) >= 2)
    f = (execs(out, p.pid) or [{}])[0]
    t.ok(f.get("exe") == script and f.get("interp") == SH and
         f.get("exe_sha256") == sha256sum(script) and
         f.get("interp_sha256") == sha256sum(SH),
         "a script: exe is the script, interp %s, both hashed" % SH, f)
    f = execs(out, p.pid)[-1]
    t.ok(f.get("exe") == SLEEP and f.get("interp") != SH,
         "the script's exec of sleep: the next exec of the same pid", f)
    p.kill()
    p.wait()

    copy = os.path.join(tmpd, "gone-binary")
    shutil.copy(SLEEP, copy)
    fd = os.open(copy, os.O_RDONLY)
    os.unlink(copy)
    p = subprocess.Popen(["gone-binary", "30"], pass_fds=(fd,),
                         executable="/proc/self/fd/%d" % fd)
    os.close(fd)
    f = exec_of(out, p.pid) or {}
    t.ok(f.get("exe") == copy + " (deleted)" and
         f.get("exe_sha256") == sha256sum(SLEEP),
         "a binary with no name left: exe says (deleted), its hash is the "
         "file's", f)
    p.kill()
    p.wait()

    mfd = os.memfd_create("fileless", 0)
    with open(SLEEP, "rb") as src:
        os.write(mfd, src.read())
    p = subprocess.Popen(["fileless", "30"], pass_fds=(mfd,),
                         executable="/proc/self/fd/%d" % mfd)
    os.close(mfd)
    f = exec_of(out, p.pid) or {}
    t.ok(f.get("exe", "").startswith("/memfd:fileless") and
         "exe_sha256" not in f,
         "a memfd (its file system cannot be marked): exe from /proc while "
         "it lives, never its ld.so", f)
    p.kill()
    p.wait()


def free_pid():
    """A pid below pid_max, far from the last one handed out."""
    with open("/proc/sys/kernel/pid_max") as f:
        top = int(f.read())
    with open("/proc/sys/kernel/ns_last_pid") as f:
        last = int(f.read())
    return (last + top // 2) % (top - 400) + 300


def as_pid(pid, *files, args):
    r = subprocess.run([EXECAS, str(pid)] + list(files) + ["--"] + args,
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout


def check_reuse(t, out, tmpd):
    """One pid, five processes; failed execs before two of them."""
    noexec = os.path.join(tmpd, "not-a-program")
    with open(noexec, "w") as f:
        f.write("just text\n")
    badsh = os.path.join(tmpd, "bad-interp.sh")
    with open(badsh, "w") as f:
        f.write("#!/nonexistent/interpreter\n")
    goodsh = os.path.join(tmpd, "good.sh")
    with open(goodsh, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    for path in (noexec, badsh, goodsh):
        os.chmod(path, 0o755)
    echo = os.path.realpath("/bin/echo")
    runs = [((TRUE,), ["true"], TRUE, LDSO),
            ((noexec, echo), ["echo", "one"], echo, LDSO),
            ((badsh, echo), ["echo", "two"], echo, LDSO),
            ((goodsh,), [goodsh], goodsh, SH),
            ((TRUE,), ["true"], TRUE, LDSO)]
    for _ in range(20):
        pid = free_pid()
        rc, _ = as_pid(pid, *runs[0][0], args=runs[0][1])
        if rc != 3:
            break
    ok = rc == 0
    for files, args, _, _ in runs[1:]:
        rc, _ = as_pid(pid, *files, args=args)
        ok = ok and rc == 0
    t.ok(ok, "five processes ran as pid %d" % pid)
    al.wait_until(lambda: len(execs(out, pid)) >= len(runs))
    got = [(f.get("exe"), f.get("interp"), f.get("start_ns"))
           for f in execs(out, pid)][-len(runs):]
    want = [(exe, interp) for _, _, exe, interp in runs]
    t.ok([g[:2] for g in got] == want,
         "pid reused: each exec joined with its own files, failed ones "
         "skipped", got)
    spawned = [f.get("start_ns") for _, f in al.frames(out, "process.spawned")
               if f["guest_pid"] == pid][-len(runs):]
    t.ok([g[2] for g in got] == spawned and len(set(spawned)) == len(runs),
         "pid reused: each exec's start_ns is its own spawn's", (got, spawned))


def check_zombie(t, out, a, tmpd):
    """A script read by the agent only once its process is a zombie (its
    /proc/PID/root gone, /proc/PID still there): #!'s interpreter is still
    recognised as the script's, not taken for a new exec."""
    script = os.path.join(tmpd, "quick.sh")
    with open(script, "w") as s:
        s.write("#!/bin/sh\nexit 0\n")
    os.chmod(script, 0o755)
    a.signal(signal.SIGSTOP)
    try:
        p = subprocess.Popen([script])        # not reaped until p.wait()
        root = "/proc/%d/root" % p.pid
        zombie = al.wait_until(lambda: os.path.exists("/proc/%d" % p.pid) and
                               not os.path.exists(root))
    finally:
        a.signal(signal.SIGCONT)
    al.wait_until(lambda: execs(out, p.pid))
    f = (execs(out, p.pid) or [{}])[0]
    t.ok(zombie and f.get("exe") == script and f.get("interp") == SH,
         "a script whose records are read once it is a zombie: exe the "
         "script, interp %s" % SH, (zombie, f))
    p.wait()


def last_stop(out):
    return (al.frames(out, "agent.stopping") or [(0, {})])[-1][1]


def check_counts(t, out):
    stop = last_stop(out)
    inc = stop.get("incomplete", {})
    lost = sum(1 for _, f in al.frames(out) if f.get("argv_lost"))
    bare = [f for _, f in al.frames(out) if "argv" not in f and
            f.get("probe_source") == "process.exec"]
    t.ok(inc.get("argv_lost") == lost and lost == len(bare),
        "incomplete.argv_lost %r counts the %d events that say argv_lost"
        % (inc.get("argv_lost"), lost),
        (inc, len(bare), [f for f in bare if not f.get("argv_lost")][:3]))
    t.ok(inc.get("exec_failed", 0) >= 2,
         "incomplete.exec_failed counts the failed execs", inc)
    print("# incomplete at the stop: %r" % inc)


def check_inventory(t, out):
    inv = dict((f["guest_pid"], f) for _, f in
               al.frames(out, "process.spawned") if f.get("synthetic"))
    me = inv.get(os.getpid(), {})
    t.ok(me.get("exe") == os.path.realpath(sys.executable) and
         me.get("argv", "").split("\0")[-1:] == [sys.argv[-1]] and
         me.get("cwd") == os.getcwd() and me.get("uid") == os.geteuid(),
         "inventory: this test with exe, argv, cwd and uid", me)
    kthreads = [f for f in inv.values() if f.get("ppid") == 2]
    t.ok(kthreads and not any("argv_lost" in f or "exe" in f
                              for f in kthreads),
         "inventory: kernel threads have no exe and are not argv_lost",
         kthreads[:2])


def refused(t):
    """No CAP_SYS_ADMIN: no fanotify; the connector (CAP_NET_ADMIN) works."""
    wrap = ["setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin",
            "--"]
    r, a, out, hello = al.start_hello(t, "refused", "--probe", "process=on",
                                      "--heartbeat-ms", "200", wrap=wrap)
    probes = hello.get("probes", {})
    t.ok(probes.get("process") == "armed" and
         probes.get("process.exe") == "fallback:proc (fanotify_init: "
         "Operation not permitted)",
         "no CAP_SYS_ADMIN: process armed, process.exe says fanotify was "
         "refused", probes)
    p = subprocess.Popen([SLEEP, "30"])
    f = exec_of(out, p.pid) or {}
    t.ok(f.get("exe") == SLEEP and f.get("argv") == SLEEP + "\0" + "30",
         "no fanotify: exe and argv from /proc", f)
    p.kill()
    p.wait()
    al.stop_pair(a, r)
    inc = last_stop(out).get("incomplete", {})
    t.ok(inc.get("exe_from_proc") == 0 and inc.get("exec_failed") == 0,
         "no fanotify: exe_from_proc counts only joins that fanotify missed",
         inc)


def main():
    t = al.Tap()
    tmpd = al.tmp("exe")
    os.mkdir(tmpd)
    r, a, out, hello = al.start_hello(t, "fanotify", *ARGS)
    t.ok(hello.get("probes", {}).get("process.exe") == "armed",
         "hello: process.exe armed (fanotify)", hello.get("probes"))
    check_inventory(t, out)
    check_burst(t, out)
    check_alive(t, out, tmpd)
    check_reuse(t, out, tmpd)
    check_zombie(t, out, a, tmpd)
    al.stop_pair(a, r)
    check_counts(t, out)
    al.check_accounting(t, out, "fanotify")
    refused(t)
    t.done()


if __name__ == "__main__":
    signal.alarm(900)
    main()
