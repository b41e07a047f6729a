#!/usr/bin/python3
"""test_agent_netcap.py: the net and capability probes inside the real
agent (the mechanisms' own tests drive them through tests/tools).

Net: the agent attaches its BPF hooks to a child cgroup this test makes
(never the machine's cgroup2 root); connector.py joins it and makes 200
refused connects, one established, an IPv6 one, a UDP connect and UDP
sends: each attempt must arrive exactly once with the connector's pid,
comm and destination; hello names the outcome keys, and the outcome
events come through the agent (the established connection's result and
both ends' net.closed with their bytes).  Under --wire strict the agent
attaches no outcome program and sends net.connect_attempted only, v1.0.  Capability: as uid 65534 a setuid, chown and mount
fail with EPERM; each arrives once; after the agent stops the audit rules
are gone and the audit pid is released.  In both streams the stamps never
go backwards in seq order (the BPF programs on two CPUs and the audit
records' wall-clock times may; the agent's core clamps them).  With the
process probe on, every event carries its process's start_ns.
"""
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib as al  # noqa: E402
import probelib as pl  # noqa: E402
from test_cap import SYSCALLS, run_child  # noqa: E402
from test_net_bpf import attached  # noqa: E402


def check_stamps(t, out, what):
    """guest_monotonic_ns is non-decreasing over the stream's seqs."""
    fr = sorted(al.events(out), key=lambda f: f["seq"])
    back = [(a["seq"], b["seq"]) for a, b in zip(fr, fr[1:])
            if b["guest_monotonic_ns"] < a["guest_monotonic_ns"]]
    t.ok(len(fr) > 1 and not back,
         "%s: guest_monotonic_ns never goes backwards (%d frames)"
         % (what, len(fr)), back[:5])


# The process probe too: its table gives every event its actor's start_ns.
PROC = ("--probe", "process=on", "--ring-bytes", "16m")


def check_actor(t, out, ev, pid, what):
    """Each event of pid carries the start_ns of pid's process.spawned."""
    sp = {f.get("start_ns") for _, f in al.frames(out, "process.spawned")
          if f["guest_pid"] == pid}
    t.ok(len(sp) == 1 and ev and all(e.get("start_ns") in sp for e in ev),
         "%s: every event names its process instance: start_ns %r"
         % (what, sp), [e.get("start_ns") for e in ev][:5])


def net(t):
    cg = pl.make_cgroup("agent")
    try:
        r, a, out, hello = al.start_hello(t, "net", "--probe", "net=on",
                                          "--net-cgroup", cg, *PROC)
        t.ok(hello.get("probes", {}).get("net") == "armed",
             "hello: net armed (BPF)", hello.get("probes"))
        did = pl.run_connector(["--cgroup", cg, "--refused", "200"])
        pid, a4 = did["pid"], did["addr4"]

        def mine():
            return [f for _, f in al.frames(out, "net.connect_attempted")
                    if f["guest_pid"] == pid]
        want = 200 + 1 + 1 + 1 + 2     # refused, established, v6, udp, sends
        al.wait_until(lambda: len(mine()) >= want)
        al.stop_pair(a, r)
        ev = mine()
        dst = [e.get("dst") for e in ev]
        refused = "%s:%d" % (a4, did["refused_port"])
        t.ok(dst.count(refused) == 200 + 1,
             "200 refused TCP connects and the UDP connect, each once",
             dst.count(refused))
        t.ok(dst.count("%s:%d" % (a4, did["listen_port"])) == 1,
             "the established connect once")
        t.ok(dst.count("[::1]:%d" % did["v6_port"]) == 1,
             "the IPv6 connect once, as [::1]:port")
        t.ok(all(dst.count("%s:%d" % (a4, p)) == 1
                 for p in did["udp_send_ports"]),
             "UDP sends: once per destination (4 sends, 2 destinations)")
        t.ok(all(e["guest_comm"].startswith("python3") and "uid" in e
                 for e in ev), "each carries the connector's comm and uid")
        t.ok({e.get("proto") for e in ev} == {"tcp", "udp"} and
             {e.get("family") for e in ev} == {"ipv4", "ipv6"},
             "proto and family are named")
        t.ok("guest_pid" in hello.get("outcomes", {}).get("net.closed", ""),
             "hello: outcomes names the keys of net.closed", hello)
        est = "%s:%d" % (a4, did["listen_port"])
        res = [f for _, f in al.frames(out, "net.connect_result")
               if f.get("dst") == est and f["guest_pid"] == pid]
        closed = [f for _, f in al.frames(out, "net.closed")
                  if est in (f.get("dst"), f.get("src"))]
        t.ok(len(res) == 1 and res[0]["result"] == "established" and
             len(closed) == 2 and
             sorted((f["direction"], f["bytes_sent"]) for f in closed) ==
             [("inbound", did["est_bytes"][1]),
              ("outbound", did["est_bytes"][0])],
             "outcomes through the agent: established, both ends closed "
             "with their bytes", (res, closed))
        check_actor(t, out, ev, pid, "net")
        al.check_accounting(t, out, "net")
        check_stamps(t, out, "net")
    finally:
        pl.remove_cgroup(cg)


def net_strict(t):
    cg = pl.make_cgroup("strict")
    try:
        r, a, out = al.release_pair("netstrict", "--wire", "strict", "--probe",
                                    "net=on", "--net-cgroup", cg)
        al.wait_until(lambda: attached(cg)["connect4"] == 1)
        at = attached(cg)
        did = pl.run_connector(["--cgroup", cg, "--refused", "5",
                                "--only-refused"])
        al.wait_until(lambda: len(al.frames(out)) >= 5)
        time.sleep(0.3)            # a late extra frame would show up here
        al.stop_pair(a, r)
        fr = [f for _, f in al.frames(out)]
        t.ok(at["sock_ops"] == 0 and at["sock_release"] == 0,
             "strict: no outcome program attached", at)
        t.ok(len(fr) == 5 and all(
            f["content_version"] == 256 and len(f) == 5 and
            f["probe_source"] == "net.connect_attempted" and
            f["guest_pid"] == did["pid"] for f in fr),
             "strict: the 5 attempts, v1.0 bodies, nothing else", fr[:3])
    finally:
        pl.remove_cgroup(cg)


def cap(t):
    before = pl.audit_status()
    if before.get("pid"):
        t.ok(True, "# SKIP capability: audit pid held by %d" % before["pid"])
        return
    r, a, out, hello = al.start_hello(t, "cap", "--probe", "capability=on",
                                      *PROC)
    t.ok(hello.get("probes", {}).get("capability") == "armed",
         "hello: capability armed", hello.get("probes"))
    pid = run_child()

    def mine():
        return [f for _, f in al.frames(out, "capability.denied")
                if f["guest_pid"] == pid]
    al.wait_until(lambda: len(mine()) >= len(SYSCALLS))
    ev = mine()
    for name, nr in SYSCALLS.items():
        hits = [e for e in ev if e.get("syscall") == nr]
        t.ok(len(hits) == 1 and hits[0].get("errno") == 1 and
             hits[0].get("uid") == 65534,
             "%s denied: once, errno 1, uid 65534" % name, hits)
    al.stop_pair(a, r)
    check_actor(t, out, ev, pid, "cap")
    check_stamps(t, out, "cap")
    t.ok(not pl.eperm_rules() and not pl.exclude_rules(),
         "after stop: the agent's audit rules are gone", pl.all_rules())
    t.ok(pl.audit_status().get("pid") == 0, "after stop: audit pid released")


def main():
    t = al.Tap()
    if os.geteuid() != 0 or platform.machine() != "x86_64" or \
            pl.cgroup2_mount() is None:
        print("1..0 # SKIP needs root, x86_64 and cgroup2")
        return
    net(t)
    net_strict(t)
    cap(t)
    t.done()


if __name__ == "__main__":
    main()
