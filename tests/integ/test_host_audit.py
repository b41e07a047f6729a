#!/usr/bin/python3
"""test_host_audit.py: the audit trail with the real agent and real
processes (AF_UNIX, the release agent: proc connector, inotify, BPF
connect hooks on a cgroup of this test's own).

The workload has a known tree: a shell (in the test's cgroup) runs a
pipeline (/bin/sleep 0.5 | /usr/bin/tr: both live long enough for the
agent to read their /proc, which a busy machine can make it miss for a
process that exits at once) and a python script that forks a child;
the child connects to the test's listener on 127.0.0.1 and writes a file
in a watched folder.  The receiver is stopped (SIGSTOP) for 2 s while it
runs.  Checked: every line of the workload names its process and parent
right (pid, exe, argv; exec_id joining spawned, exec, connect and exit
lines); the fork carries its parent's image; ancestors reach the shell;
the file event (fanotify) names the child that wrote it, its exec_id
the one of the child's other lines; each line's `time` is where the documented bound
puts it (the stamp on this machine's own clock, late by at most the
smallest receipt delay of the connection's hello and heartbeats, never
after its receipt) and inside the window the workload measured around
its own fork and connect, while host_received_at is after the receiver
came back, 2 s later.  The tree printed by --tree has the processes in
that shape.
"""
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib as al  # noqa: E402
import probelib as pl  # noqa: E402
from hostlib import CE, HOST, Host, Tap, tmpdir  # noqa: E402

t = Tap()
US = 1000
SLACK = 2 * US          # RFC 3339 keeps microseconds: each side truncates

CHILD = r'''
import json, os, socket, sys, time
port, path, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
t = {"fork0": time.time_ns()}
pid = os.fork()
if pid == 0:
    t["connect0"] = time.time_ns()
    s = socket.create_connection(("127.0.0.1", port))
    t["connect1"] = time.time_ns()
    s.close()
    with open(path, "w") as f:
        f.write("x\n")
    t["pid"] = os.getpid()
    with open(out, "w") as f:
        json.dump(t, f)
    os._exit(0)
os.waitpid(pid, 0)
'''


def ts_ns(s):
    d = datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return (int(d.timestamp()) * 1000000 + d.microsecond) * 1000


def real_minus_mono():
    """CLOCK_REALTIME - CLOCK_MONOTONIC, from the tightest of 50 reads."""
    best = None
    for _ in range(50):
        a = time.monotonic_ns()
        r = time.time_ns()
        b = time.monotonic_ns()
        if best is None or b - a < best[0]:
            best = (b - a, r - (a + b) // 2)
    return best[1], best[0]


def run_workload(d, cg, port, watched):
    child = os.path.join(d, "child.py")
    with open(child, "w") as f:
        f.write(CHILD)
    script = os.path.join(d, "workload.sh")
    with open(script, "w") as f:
        f.write("/bin/sleep 0.5 | /usr/bin/tr a-z A-Z >/dev/null\n"
                "/usr/bin/python3 %s %d %s %s\n" %
                (child, port, os.path.join(watched, "file"),
                 os.path.join(d, "times.json")))

    def join():
        with open(os.path.join(cg, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    t0 = time.time_ns()
    p = subprocess.Popen(["/bin/sh", script], preexec_fn=join)
    p.wait(60)
    times = json.load(open(os.path.join(d, "times.json")))
    times.update(sh=p.pid, sh0=t0, sh1=time.time_ns(), script=script,
                 child_py=child)
    return times


def of(lines, pred):
    return [l for l in lines if "process" in l["data"] and pred(l["data"])]


def check_tree(lines, w, watched):
    sh = of(lines, lambda d: d["guest_pid"] == w["sh"])
    ex = [l["data"] for l in sh if l["data"]["probe_source"] == "process.exec"]
    t.ok(len(ex) == 1 and ex[0]["process"]["argv"] == ["/bin/sh", w["script"]],
         "the shell: one exec, its argv", [l["data"] for l in sh])
    if not ex:
        return None
    shid = ex[0]["process"]["exec_id"]
    kids = of(lines, lambda d: d.get("parent", {}).get("exec_id") == shid)
    execs = {}
    for l in kids:
        d = l["data"]
        if d["probe_source"] == "process.exec":
            execs[d["process"].get("argv", ["(argv unread)"])[0]] = d
    t.ok(set(execs) >= {"/bin/sleep", "/usr/bin/tr", "/usr/bin/python3"} and
         execs["/bin/sleep"]["process"]["argv"] == ["/bin/sleep", "0.5"] and
         execs["/usr/bin/tr"]["process"]["argv"] == ["/usr/bin/tr", "a-z", "A-Z"] and
         execs["/usr/bin/tr"]["process"]["exe"].endswith("/tr") and
         execs["/usr/bin/python3"]["process"]["argv"][1] == w["child_py"],
         "the shell's children: the pipeline's two commands and the script, "
         "each exec naming the shell as parent", sorted(execs))
    py = execs.get("/usr/bin/python3")
    if not py:
        return None
    pyid, pyexe = py["process"]["exec_id"], py["process"]["exe"]
    mine = of(lines, lambda d: d["guest_pid"] == w["pid"])
    ids = {l["data"]["process"]["exec_id"] for l in mine}
    srcs = sorted(set(l["data"]["probe_source"] for l in mine))
    t.ok(len(ids) == 1 and srcs == ["fs.fanotify_fired", "net.closed",
                                    "net.connect_attempted",
                                    "net.connect_result", "process.exited",
                                    "process.spawned"],
         "the fork: spawned, connect, file and exit lines share one exec_id",
         [(l["data"]["probe_source"], l["data"]["process"]) for l in mine])
    cn = [l for l in mine if l["data"]["probe_source"] == "net.connect_attempted"]
    if not cn:
        return None
    d = cn[0]["data"]
    anc = [a["exec_id"] for a in d.get("ancestors", [])]
    t.ok(all(l["data"]["parent"]["exec_id"] == pyid for l in mine) and
         d["process"]["exe"] == pyexe and
         d["process"]["argv"] == py["process"]["argv"] and
         d["process"]["pid"] == w["pid"] and d["parent"]["pid"] == py["guest_pid"],
         "its parent is the script; it runs the script's image (a fork)", d)
    t.ok(anc[:1] == [shid], "its ancestors reach the shell", d.get("ancestors"))
    everyone = of(lines, lambda d: d["guest_pid"] in
                  {w["sh"], w["pid"], py["guest_pid"]} |
                  {e["guest_pid"] for e in execs.values()})
    bad = [l["data"] for l in everyone
           if l["data"]["process"]["pid"] != l["data"]["guest_pid"] or
           not l["data"]["process"]["exec_id"].endswith(
               "/%d/%d" % (l["data"]["guest_pid"], l["data"]["process"]["start_ns"]))
           or ("ppid" in l["data"] and l["data"]["parent"]["pid"] != l["data"]["ppid"])]
    t.ok(everyone and not bad, "every line of the workload (%d): process.pid is "
         "guest_pid, exec_id ends with pid/start_ns, parent.pid is ppid"
         % len(everyone), bad[:3])
    fs = [l["data"] for l in lines if l["data"].get("probe_source") ==
          "fs.fanotify_fired" and l["data"].get("name") == "file"]
    t.ok(fs and all(f["guest_pid"] == w["pid"] and f["process"]["exec_id"] in ids
                    and f["parent"]["exec_id"] == pyid for f in fs),
         "the file event (fanotify) names the child that wrote it and its "
         "parent", fs[:2])
    return everyone


def check_time(lines, mine, w, off, t_cont):
    """Each line's time against the bound, per line: the smallest receipt
    delay of the hello/heartbeat lines up to it."""
    best, bound, bad = None, {}, []
    for i, l in enumerate(lines):
        d = l["data"]
        if d.get("probe_source") in ("agent.hello", "agent.heartbeat"):
            delay = ts_ns(d["host_received_at"]) - (d["guest_monotonic_ns"] + off)
            best = delay if best is None else min(best, delay)
        bound[id(l)] = best
    worst = 0
    for l in mine:
        d = l["data"]
        happened = d["guest_monotonic_ns"] + off
        err = ts_ns(l["time"]) - happened
        worst = max(worst, err)
        if not (-SLACK <= err <= bound[id(l)] + SLACK) or \
                ts_ns(l["time"]) > ts_ns(d["host_received_at"]):
            bad.append((d["probe_source"], err, bound[id(l)]))
    t.ok(mine and best is not None and not bad,
         "every workload line's time is its stamp on this machine's clock, "
         "late by at most the connection's smallest hello/heartbeat delay "
         "(%d ns; the worst line %d ns late), never after its receipt"
         % (best or -1, worst), bad[:5])
    cn = [l for l in mine if l["data"]["probe_source"] == "net.connect_attempted"]
    sp = [l for l in mine if l["data"]["probe_source"] == "process.spawned" and
          l["data"]["guest_pid"] == w["pid"]]
    ok = cn and sp and \
        w["connect0"] - SLACK <= ts_ns(cn[0]["time"]) <= w["connect1"] + best + SLACK \
        and w["fork0"] - SLACK <= ts_ns(sp[0]["time"]) <= w["connect0"] + best + SLACK
    t.ok(ok, "the connect is timed inside the child's own connect() window, "
         "the fork before it", (w, [l["time"] for l in cn + sp]))
    late = [ts_ns(l["data"]["host_received_at"]) - ts_ns(l["time"])
            for l in mine if ts_ns(l["time"]) >= w["sh0"]]
    t.ok(late and all(ts_ns(l["data"]["host_received_at"]) >= t_cont for l in mine
                      if ts_ns(l["time"]) >= w["sh0"]) and min(late) > 1000 * US * 1000,
         "host_received_at is after the receiver came back: %.3f..%.3f s after "
         "time" % (min(late or [0]) / 1e9, max(late or [0]) / 1e9))


def check_cli_tree(h, w):
    r = subprocess.run([HOST, "--tree", h.out], capture_output=True, text=True)
    out = r.stdout.splitlines()
    sh = [i for i, l in enumerate(out) if re.search(r"\b%d (\(binary unknown|/)" % w["sh"], l)
          and i + 1 < len(out) and re.search(r"exec \S+ /bin/sh %s$" %
                                             re.escape(w["script"]), out[i + 1])]
    below = "\n".join(out[sh[0]:sh[0] + 40]) if sh else ""
    t.ok(r.returncode == 0 and sh and "exec /usr/bin/sleep /bin/sleep 0.5" in below
         and "exec /usr/bin/tr /usr/bin/tr a-z A-Z" in below and
         re.search(r"\b%d .*python3" % w["pid"], below) and
         "connect_attempted tcp" in below,
         "--tree: the shell, its pipeline, the script and its child with its "
         "connect", below or r.stdout[-2000:])


def main():
    if os.geteuid() != 0 or platform.machine() != "x86_64" or \
            pl.cgroup2_mount() is None:
        print("1..0 # SKIP needs root, x86_64 and cgroup2")
        return 0
    d = tmpdir("cth-audit-")
    watched = os.path.join(d, "watched")
    os.mkdir(watched)
    cg = pl.make_cgroup("audit")
    try:
        h = Host(args=["--ancestors", "8", "--process-slots", "16384",
                       "--keepalive-ms", "600000"], tmp=d)
        a = al.Agent(h.paths["c1"], "--probe", "process=on", "--probe", "fs=on",
                     "--watch", watched, "--probe", "net=on", "--net-cgroup", cg,
                     "--ring-bytes", "16m", binary=al.RELEASE)
        hello = h.wait_lines(lambda ls: any(l["type"] == CE + "agent_hello"
                                            for l in ls), 30)
        probes = [l["data"]["probes"] for l in hello if l["type"] == CE + "agent_hello"]
        t.ok(probes and probes[0].get("process") == "armed" and
             probes[0].get("net") == "armed" and probes[0].get("fs") == "armed",
             "the agent arms process, fs and net", (probes, a.stderr()))
        srv = pl.tcp_listener()
        h.wait_lines(lambda ls: sum(l["type"] == CE + "agent_heartbeat"
                                    for l in ls) >= 1, 30)
        off0, _ = real_minus_mono()
        os.kill(h.proc.pid, signal.SIGSTOP)
        t_stop = time.time_ns()
        w = run_workload(d, cg, srv.getsockname()[1], watched)
        time.sleep(max(0, 2.0 - (time.time_ns() - t_stop) / 1e9))
        t_cont = time.time_ns()
        os.kill(h.proc.pid, signal.SIGCONT)
        h.wait_lines(lambda ls: any(l["data"].get("probe_source") ==
                                    "process.exited" and l["data"]["guest_pid"] ==
                                    w["sh"] for l in ls), 60)
        a.signal(signal.SIGTERM)
        a.wait()
        h.wait_lines(lambda ls: any(l["type"] == CE + "agent_stopping" for l in ls), 30)
        off1, _ = real_minus_mono()
        h.stop()
        srv.close()
        lines = h.lines()
        print("# %d lines; the workload: %s; real - mono moved %d ns" %
              (len(lines), {k: v for k, v in w.items() if k in ("sh", "pid")},
               off1 - off0))
        mine = check_tree(lines, w, watched)
        if mine:
            check_time(lines, mine, w, (off0 + off1) // 2, t_cont)
        check_cli_tree(h, w)
    finally:
        pl.remove_cgroup(cg)
    return t.done()


sys.exit(main())
