#!/usr/bin/python3
"""test_net_bpf.py: the net probe's BPF hooks see every connect attempt.

In the initial namespaces, attached to a child cgroup of our own (so only
our connector is watched): 200 refused connects, one established, an
IPv6 one, a UDP connect and unconnected UDP sends; each attempt appears
exactly once with the connector's pid, comm, uid, protocol, family and
destination.  Then the loss accounting: with the reader stopped, a burst
larger than the ring buffer; every attempt is either delivered or counted
under net_ringbuf_full.  Finally the hooks are gone after a clean stop.
"""
import collections
import os
import signal
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import probelib as pl  # noqa: E402

BPF_PROG_QUERY = 16
SYS_BPF = {"x86_64": 321, "aarch64": 280}.get(os.uname().machine)
ATTACH = {"connect4": 10, "connect6": 11, "sendmsg4": 14, "sendmsg6": 15,
          # the outcome layer (test_net_outcome.py)
          "bind4": 8, "bind6": 9, "sock_ops": 3, "egress": 1, "sock_release": 34}


def attached(cg):
    """Programs attached to the cgroup for each of our attach types."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(cg, os.O_RDONLY | os.O_DIRECTORY)
    out = {}
    try:
        for name, at in ATTACH.items():
            attr = ctypes.create_string_buffer(struct.pack("=IIII", fd, at, 0, 0)
                                               + b"\0" * 112)
            rc = libc.syscall(SYS_BPF, BPF_PROG_QUERY, attr, len(attr))
            # query: target_fd, attach_type, query_flags, attach_flags,
            # prog_ids (u64), prog_cnt at offset 24
            out[name] = struct.unpack_from("=I", attr.raw, 24)[0] if rc == 0 else -1
    finally:
        os.close(fd)
    return out


def expected(c):
    a = c["addr4"]
    return collections.Counter({
        ("tcp", "ipv4", "%s:%d" % (a, c["refused_port"])): 200,
        ("tcp", "ipv4", "%s:%d" % (a, c["listen_port"])): 1,
        ("tcp", "ipv6", "[::1]:%d" % c["v6_port"]): 1,
        ("udp", "ipv4", "%s:%d" % (a, c["udp_connect_port"])): 1,
        ("udp", "ipv4", "%s:%d" % (a, c["udp_send_ports"][0])): 1,
        ("udp", "ipv4", "%s:%d" % (a, c["udp_send_ports"][1])): 1,
        # a sockaddr_in6 given to an IPv4 socket: the hook read its bytes
        # as an IPv4 address (the flow label, 0) before EAFNOSUPPORT
        ("tcp", "ipv4", "0.0.0.0:%d" % c["refused_port"]): 1,
    })


def attempts(tap, cg):
    np = pl.Tool([pl.build("netprobe"), "-m", "bpf", "-c", cg])
    st = np.status()
    if not tap.ok(st and st["status"] == "armed", "BPF hooks armed on the test cgroup",
                  "%s\n%s" % (st, np.stderr() if st is None else "")):
        np.stop()
        return
    tap.ok(all(v == 1 for v in attached(cg).values()),
           "one program on each of connect4/6, sendmsg4/6 and the outcome "
           "layer's five", attached(cg))
    t0 = time.monotonic_ns()
    c = pl.run_connector(["--cgroup", cg, "--refused", "200"])
    t1 = time.monotonic_ns()
    want = expected(c)
    mine = lambda ls: [e for e in ls if e.get("guest_pid") == c["pid"] and
                       e.get("probe_source") == "net.connect_attempted"]
    np.wait_for(lambda ls: len(mine(ls)) >= sum(want.values()), 20)
    rc, stopped = np.stop()
    evs = mine(np.events())
    got = collections.Counter((e.get("proto"), e.get("family"), e.get("dst"))
                              for e in evs)
    tap.ok(got == want, "each attempt exactly once, with its destination",
           "want %s\ngot  %s" % (sorted(want.items()), sorted(got.items())))
    tap.ok(all(e["guest_pid"] == c["pid"] for e in evs),
           "every event carries the connector's pid",
           set(e["guest_pid"] for e in evs))
    tap.ok(all(e["guest_comm"] == "python3" and e.get("uid") == 0 for e in evs),
           "comm and uid are the caller's",
           set((e["guest_comm"], e.get("uid")) for e in evs))
    stamps = [e["guest_monotonic_ns"] for e in evs]
    tap.ok(stamps and all(t0 <= s <= t1 for s in stamps),
           "each stamp is the kernel's CLOCK_MONOTONIC at the attempt",
           (t0, t1, [s for s in stamps if not t0 <= s <= t1][:5]))
    losses = stopped["losses"] if stopped else {}
    tap.ok(rc == 0 and "net_ringbuf_full" in losses and not any(losses.values()),
           "clean stop, nothing lost", stopped)
    tap.ok(all(v == 0 for v in attached(cg).values()),
           "no program left on the cgroup after the stop", attached(cg))


def overflow(tap, cg):
    """Stop the reader; 4,000 attempts overflow the 64 KiB ring."""
    n = 4000
    np = pl.Tool([pl.build("netprobe"), "-m", "bpf", "-c", cg, "-S"])
    st = np.status()
    if not st or st["status"] != "armed":
        tap.ok(False, "BPF hooks armed for the overflow test", st)
        np.stop()
        return
    os.kill(np.p.pid, signal.SIGSTOP)
    try:
        c = pl.run_connector(["--cgroup", cg, "--refused", str(n), "--only-refused"])
    finally:
        os.kill(np.p.pid, signal.SIGCONT)
    dst = "%s:%d" % (c["addr4"], c["refused_port"])
    mine = lambda ls: [e for e in ls if e.get("dst") == dst]
    np.wait_for(lambda ls: False, 2)    # let it drain what the ring kept
    rc, stopped = np.stop()
    got = len(mine(np.events()))
    dropped = stopped["losses"]["net_ringbuf_full"] if stopped else -1
    tap.ok(rc == 0 and dropped > 0 and got + dropped == n,
           "ring overflow: delivered %d + counted %d = %d attempts" % (got, dropped, n),
           stopped)


def main():
    tap = pl.Tap()
    if os.geteuid() != 0:
        tap.skip_all("needs root (BPF, cgroups)")
    try:
        cg = pl.make_cgroup("net")
    except OSError as e:
        tap.skip_all("cannot create a cgroup: %s" % e)
    if cg is None:
        tap.skip_all("no cgroup2 mount")
    try:
        attempts(tap, cg)
        overflow(tap, cg)
    finally:
        pl.remove_cgroup(cg)
    tap.done()


if __name__ == "__main__":
    main()
