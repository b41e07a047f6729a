#!/usr/bin/python3
"""test_host_policy_agent.py: a policy judged on what the real agent saw
(the release agent over AF_UNIX: proc connector and fanotify, inotify on a
folder of the test's own, BPF connect hooks on a cgroup of its own).

The workload, in that cgroup, execs an allowed and a denied copy of
/bin/true, connects to an allowed and a denied port of two listeners on
127.0.0.1, and writes an allowed and a denied file of the watched folder.
Exactly the three denied acts give a policy_violation each, with the rule
line that denied it and the acting process (the connect: the python that
called connect, once for its attempt and its result); the allowed ones
give none.  The rules name only the test's own paths and ports, so the
other processes of this machine (the proc connector sees them all) can
break none of them.  Then the frames the agent sent, rebuilt from the
output (cbor2), go to a second receiver's two cells: the one with the
same policy gives the same violations, the one without a policy none.
"""
import os
import platform
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib as al  # noqa: E402
import probelib as pl  # noqa: E402
from hostlib import CE, Host, Tap, frame, tmpdir  # noqa: E402

t = Tap()
VIOL = CE + "policy_violation"

NET = r'''
import socket, sys
a, b, w = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for port in (a, b):
    s = socket.create_connection(("127.0.0.1", port))
    s.close()
for name in ("allowed.txt", "denied.txt"):
    with open(w + "/" + name, "r+") as f:
        f.write("x\n")
'''


ADDED = ("exit_signal_name", "time_clamped", "process", "parent", "ancestors")


def frames_of(lines):
    """The guest frames behind the output's guest lines: the data's keys
    from content_version on, without what the host adds (WIRE.md §6)."""
    out = []
    for l in lines:
        d = l["data"]
        src = d.get("probe_source")
        if not src or l["type"] != CE + src.replace(".", "_"):
            continue
        keys = list(d)
        body = {}
        for k in keys[keys.index("content_version"):]:
            if k in ADDED or (k == "duration_ns" and src == "process.exited"):
                continue
            v = d[k]
            body[k] = "\0".join(v) if k == "argv" else v
        out.append(frame(body))
    return out


def replay(frames, rules, want):
    """frames to c2 (no policy) and c3 (rules) of a new receiver."""
    h = Host(cells=("c2", "c3"), args=["--policy", "c3:" + rules,
                                       "--keepalive-ms", "600000"])
    for c in ("c2", "c3"):
        s = h.connect(c)
        s.sendall(b"".join(frames))
        s.close()
    ls = h.wait_lines(lambda ls: sum(l["data"]["cell_id"] == "c2" for l in ls)
                      >= len(frames) and sum(l["type"] == VIOL for l in ls)
                      >= len(want), 20)
    h.stop()
    got = {c: sorted((v["data"]["kind"], v["data"]["value"], v["data"]["rule"]["line"])
                     for v in ls if v["type"] == VIOL and v["data"]["cell_id"] == c)
           for c in ("c2", "c3")}
    t.ok(got["c3"] == want and got["c2"] == [],
         "the agent's %d frames again: the cell with the policy gives the same "
         "violations, the one without none" % len(frames), got)


def main():
    if os.geteuid() != 0 or platform.machine() != "x86_64" or \
            pl.cgroup2_mount() is None:
        print("1..0 # SKIP needs root, x86_64 and cgroup2")
        return 0
    d = os.path.realpath(tmpdir("cth-polagent-"))
    bindir, watched = os.path.join(d, "bin"), os.path.join(d, "watched")
    os.mkdir(bindir)
    os.mkdir(watched)
    for name in ("allowed-true", "denied-true"):
        shutil.copy("/bin/true", os.path.join(bindir, name))
    for name in ("allowed.txt", "denied.txt"):
        open(os.path.join(watched, name), "w").close()
    la, lb = pl.tcp_listener(), pl.tcp_listener()
    pa, pb = la.getsockname()[1], lb.getsockname()[1]
    rules = os.path.join(d, "cell.rules")
    with open(rules, "w") as f:
        f.write("connect allow 127.0.0.1:%d\n"
                "connect deny 127.0.0.0/8:*\n"
                "exec allow %s/allowed-*\n"
                "exec deny %s/**\n"
                "write deny %s/denied*\n" % (pa, bindir, d, watched))
    net = os.path.join(d, "net.py")
    with open(net, "w") as f:
        f.write(NET)
    script = os.path.join(d, "workload.sh")
    with open(script, "w") as f:
        f.write("%s/allowed-true\n%s/denied-true\n/usr/bin/python3 %s %d %d %s\n"
                % (bindir, bindir, net, pa, pb, watched))
    cg = pl.make_cgroup("policy")
    try:
        h = Host(args=["--policy", "c1:" + rules, "--keepalive-ms", "600000"],
                 tmp=d)
        a = al.Agent(h.paths["c1"], "--probe", "process=on", "--probe", "fs=on",
                     "--watch", watched, "--watch-mask", "modify",
                     "--probe", "net=on", "--net-cgroup", cg, binary=al.RELEASE)
        hello = h.wait_lines(lambda ls: any(l["type"] == CE + "agent_hello"
                                            for l in ls), 30)
        probes = [l["data"]["probes"] for l in hello if l["type"] == CE + "agent_hello"]
        t.ok(probes and probes[0].get("process") == "armed" and
             probes[0].get("net") == "armed" and probes[0].get("fs") == "armed",
             "the agent arms process, fs and net", (probes, a.stderr()))

        def join():
            with open(os.path.join(cg, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
        p = subprocess.Popen(["/bin/sh", script], preexec_fn=join)
        t.ok(p.wait(60) == 0, "the workload ran")
        want = {"denied.txt", "outcome"}

        def done(ls):
            seen = set()
            for l in ls:
                x = l["data"]
                if x.get("probe_source") == "fs.inotify_fired" and \
                        x.get("name") == "denied.txt":
                    seen.add("denied.txt")
                if x.get("probe_source") == "net.connect_result" and \
                        x.get("dst") == "127.0.0.1:%d" % pb:
                    seen.add("outcome")
            return seen >= want
        ls = h.wait_lines(done, 30)
        stats = h.stats()
        a.signal(15)
        a.wait()
        h.stop()
        la.close()
        lb.close()
        mine = [l["data"] for l in ls if l["type"] == VIOL]
        got = sorted((v["kind"], v["value"], v["rule"]["line"]) for v in mine)
        t.ok(got == [("connect", "127.0.0.1:%d" % pb, 2),
                     ("exec", bindir + "/denied-true", 4),
                     ("write", watched + "/denied.txt", 5)],
             "exactly the denied exec, connect and write: one violation each, "
             "with its rule line", (got, [v["message"] for v in mine]))
        ids = {l["id"]: l["data"] for l in ls}
        ok = True
        for v in mine:
            e = ids.get(v["event_id"], {})
            ok &= e.get("seq") == v["event_seq"] and \
                e.get("probe_source") == v["event_source"] and \
                e.get("process", {}).get("exec_id") == v["process"]["exec_id"]
        t.ok(mine and ok, "each names its event by id and seq, with that "
             "event's process block", mine)
        cn = [v for v in mine if v["kind"] == "connect"]
        py = [l["data"] for l in ls if l["data"].get("probe_source") ==
              "process.exec" and l["data"].get("argv", [""])[1:2] == [net]]
        t.ok(cn and py and cn[0]["process"]["pid"] == py[0]["guest_pid"] and
             cn[0]["process"]["exe"] == py[0]["exe"] and
             cn[0]["event_source"] == "net.connect_attempted",
             "the connect: the python that called connect, from its attempt "
             "(its result made no second one)", (cn, py[:1]))
        t.ok("violations 3; by rule line 2=1 line 4=1 line 5=1;" in stats,
             "the counters: 3, one per deny rule", stats[-700:])
        replay(frames_of(ls), rules, got)
    finally:
        pl.remove_cgroup(cg)
    return t.done()


sys.exit(main())
