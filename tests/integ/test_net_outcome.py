#!/usr/bin/python3
"""test_net_outcome.py: every connection's outcome, both ends, and its size
(the net probe's outcome layer: sock_ops, sock_release, egress, bind).

In a network namespace of its own, BPF attached to a child cgroup of our
own; the processes in the cell are outcome_peer.py, the ones outside it
are this script's threads (not in the cgroup, so not watched):

- 200 refused IPv4 connects (and 20 IPv6): each one net.connect_result
  "refused" with the caller's pid and the destination;
- 200 IPv4 connections (and 50 IPv6) from the cell to a server outside
  that reads what it is sent and closes (half of them after the client's
  shutdown, half first): each one "established" with its source port,
  and one net.closed with the exact bytes each way, both close orders;
- 50 IPv4 (and 20 IPv6) connections from outside to a listener in the
  cell: each one net.accepted with the listener's pid and both ends, and
  one inbound net.closed with its bytes;
- a UDP socket's three datagrams (IPv4 and IPv6): net.closed with 3 and
  300 bytes;
- through a veth to a router namespace: a connect answered by ICMP host
  unreachable is "unreachable", one into a blackhole with TCP_SYNCNT 1 is
  "timeout" (about 3 s), one with no route at all "failed", one closed
  while connecting "aborted";
- a connect that waits past the table's age limit (netprobe -t) is
  expired and counted in net_expired, and reports nothing afterwards;
- NET_CONN_MAX + 100 connects pending at once: the table takes
  NET_CONN_MAX, the other 100 are counted in net_untracked, and closing
  them all gives NET_CONN_MAX results "aborted";
- under -S (--wire strict) there is no outcome layer at all; after every
  stop no program is left on the cgroup.
"""
import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import outcome_peer as op  # noqa: E402
import probelib as pl  # noqa: E402
from tap import caps, wait_until  # noqa: E402
from test_net_bpf import attached  # noqa: E402

PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "outcome_peer.py")
# Our own addresses: this namespace (10.77.0.2) and the router (10.77.0.1),
# which answers 10.78/24 with ICMP host unreachable and drops 10.79/24.
UNREACH, BLACKHOLE, NOROUTE = "10.78.0.1:80", "10.79.0.1:80", "10.80.0.1:80"


def run(*argv):
    subprocess.run(argv, check=True, timeout=30, capture_output=True)


def topology():
    """A router namespace behind a veth pair; returns its sleep process."""
    router = subprocess.Popen(["unshare", "--net", "--", "sleep", "300"])
    ns = "/proc/%d/ns/net" % router.pid
    me = os.readlink("/proc/self/ns/net")
    end = time.monotonic() + 10
    while time.monotonic() < end and os.readlink(ns) == me:
        time.sleep(0.01)
    r = ["nsenter", "--net=" + ns, "--"]
    run("ip", "link", "add", "cellos-v0", "type", "veth", "peer", "name",
        "cellos-v1")
    run("ip", "link", "set", "cellos-v1", "netns", str(router.pid))
    run("ip", "addr", "add", "10.77.0.2/24", "dev", "cellos-v0")
    run("ip", "link", "set", "cellos-v0", "up")
    run(*r, "ip", "addr", "add", "10.77.0.1/24", "dev", "cellos-v1")
    run(*r, "ip", "link", "set", "cellos-v1", "up")
    run(*r, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    run(*r, "ip", "route", "add", "unreachable", "10.78.0.0/24")
    run(*r, "ip", "route", "add", "blackhole", "10.79.0.0/24")
    for net in ("10.78.0.0/24", "10.79.0.0/24"):
        run("ip", "route", "add", net, "via", "10.77.0.1")
    return router


def peer(*args, stdin=None):
    return subprocess.Popen([pl.PY, PEER] + list(args), stdout=subprocess.PIPE,
                            stdin=stdin, text=True)


def peer_out(p, timeout=120):
    out, _ = p.communicate(timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("outcome_peer failed (%d)" % p.returncode)
    return json.loads(out.strip().splitlines()[-1])


class Outside:
    """A server or clients outside the cell, in a thread of ours."""

    def __init__(self, fn, *args):
        self.result, self.error = None, None
        self.t = threading.Thread(target=self._run, args=(fn,) + args,
                                  daemon=True)
        self.t.start()

    def _run(self, fn, *args):
        try:
            self.result = fn(*args)
        except Exception as e:   # reported by the check that needs it
            self.error = e

    def join(self):
        self.t.join(120)
        return self.result


def of(evs, source, **kw):
    return [e for e in evs if e.get("probe_source") == source and
            all(e.get(k) == v for k, v in kw.items())]


def addr(host, port):
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def check_outbound(tap, evs, pid, host, sport, conns, what):
    """Each connection: established once with its source, closed once
    with its bytes."""
    dst = addr(host, sport)
    bad = []
    for c in conns:
        src = addr(host, c["src_port"])
        res = of(evs, "net.connect_result", src=src, dst=dst)
        cl = of(evs, "net.closed", src=src, dst=dst)
        if not (len(res) == 1 and res[0]["result"] == "established" and
                res[0]["guest_pid"] == pid and res[0].get("duration_ns", 0) > 0
                and len(cl) == 1 and cl[0]["guest_pid"] == pid and
                cl[0].get("direction") == "outbound" and
                cl[0].get("bytes_sent") == c["sent"] and
                cl[0].get("bytes_received") == c["recv"] and
                cl[0].get("duration_ns", 0) > 0):
            bad.append((c, res, cl))
    tap.ok(conns and not bad, "%s: %d established, each once with the "
           "caller's pid and source; net.closed with the exact bytes" %
           (what, len(conns)), bad[:3])


def check_refused(tap, evs, pid, host, port, n, what):
    dst = addr(host, port)
    res = of(evs, "net.connect_result", dst=dst)
    ok = [e for e in res if e["result"] == "refused" and e["guest_pid"] == pid
          and e["guest_comm"] == "python3" and e.get("uid") == 0 and
          e.get("src", "").startswith(addr(host, 0)[:-1])]
    tap.ok(len(res) == n and len(ok) == n, "%s: %d refused, each once with "
           "pid, comm, uid and both ends" % (what, n),
           (len(res), len(ok), res[:2]))
    tap.ok(len(of(evs, "net.connect_attempted", dst=dst, proto="tcp")) == n,
           "%s: net.connect_attempted as before, once each" % what)


def check_inbound(tap, evs, pid, host, port, conns, what):
    dst = addr(host, port)
    bad = []
    for c in conns:
        src = addr(host, c["peer_port"])
        acc = of(evs, "net.accepted", src=src, dst=dst)
        cl = of(evs, "net.closed", src=src, dst=dst)
        if not (len(acc) == 1 and acc[0]["guest_pid"] == pid and
                acc[0]["guest_comm"] == "python3" and len(cl) == 1 and
                cl[0]["guest_pid"] == pid and
                cl[0].get("direction") == "inbound" and
                cl[0].get("bytes_received") == c["recv"] and
                cl[0].get("bytes_sent") == c["sent"]):
            bad.append((c, acc, cl))
    tap.ok(conns and not bad, "%s: %d accepted by the listener's pid, both "
           "ends; inbound net.closed with the exact bytes" % (what, len(conns)),
           bad[:3])


def traffic(tap, cg):
    np = pl.Tool([pl.build("netprobe"), "-m", "bpf", "-c", cg])
    st = np.status()
    if not tap.ok(st and st["status"] == "armed" and
                  "net.closed" in st.get("outcomes", {}),
                  "BPF hooks and the outcome layer armed", st):
        np.stop()
        return
    tap.ok(all(v == 1 for v in attached(cg).values()),
           "one program on each of the nine attach types", attached(cg))
    t0 = time.monotonic_ns()
    # outside servers, v4 and v6, and a closed port of each
    srv = {h: op.listener(h) for h in ("127.0.0.1", "::1")}
    sport = {h: s.getsockname()[1] for h, s in srv.items()}
    closed = {h: op.listener(h) for h in ("127.0.0.1", "::1")}
    closed_port = {h: s.getsockname()[1] for h, s in closed.items()}
    for s in closed.values():
        s.close()
    counts = {"127.0.0.1": (200, 200), "::1": (50, 20)}
    outside = {h: Outside(op.serve, srv[h], counts[h][0]) for h in srv}
    clients = {h: peer("client", "--cgroup", cg, "--to",
                       addr(h, sport[h]),
                       "--count", str(counts[h][0]),
                       "--refused-port", str(closed_port[h]),
                       "--refused", str(counts[h][1]),
                       "--udp-port", str(closed_port[h]))
               for h in srv}
    # a listener in the cell, clients outside
    inner = {}
    for h, n in (("127.0.0.1", 50), ("::1", 20)):
        p = peer("server", "--cgroup", cg, "--listen", h, "--count", str(n))
        first = json.loads(p.stdout.readline())
        inner[h] = (p, first, Outside(lambda hh, port, k: [
            op.exchange(hh, port, i) for i in range(k)], h, first["port"], n))
    did = {h: peer_out(p) for h, p in clients.items()}
    for o in outside.values():
        o.join()
    served = {h: peer_out(v[0]) for h, v in inner.items()}
    for v in inner.values():
        v[2].join()
    for s in srv.values():
        s.close()
    t1 = time.monotonic_ns()
    errs = [o.error for o in list(outside.values()) +
            [v[2] for v in inner.values()] if o.error]
    tap.ok(not errs, "the exchanges outside the cell went through", errs)
    # refused: attempted + result; established: + closed; UDP (each
    # family): the first datagram's attempt + closed; accepted: + closed
    want = sum(2 * r + 3 * e + 2 for e, r in counts.values()) + 2 * (50 + 20)
    np.wait_for(lambda ls: len([x for x in ls if "probe_source" in x]) >= want, 30)
    np.wait_for(lambda ls: False, 0.5)     # anything extra would show now
    rc, stopped = np.stop()
    evs = np.events()
    for h in ("127.0.0.1", "::1"):
        what = "IPv6" if ":" in h else "IPv4"
        d = did[h]
        check_refused(tap, evs, d["pid"], h, closed_port[h], counts[h][1], what)
        check_outbound(tap, evs, d["pid"], h, sport[h], d["conns"], what)
        check_inbound(tap, evs, served[h]["pid"], h, inner[h][1]["port"],
                      served[h]["conns"], what)
        tap.ok(not of(evs, "net.accepted", dst=addr(h, sport[h])),
               "%s: the server outside the cell is not watched" % what)
    for h, any_addr in (("127.0.0.1", "0.0.0.0"), ("::1", "::")):
        u = of(evs, "net.closed", proto="udp", family=
               "ipv6" if ":" in h else "ipv4")
        tap.ok(len(u) == 1 and u[0].get("datagrams_sent") == 3 and
               u[0].get("bytes_sent") == 300 and
               u[0].get("dst") == addr(h, closed_port[h]) and
               u[0].get("src") == addr(any_addr, did[h]["udp_src_port"]) and
               u[0]["guest_pid"] == did[h]["pid"],
               "UDP %s: one net.closed at close, 3 datagrams, 300 payload "
               "bytes" % h, u)
    tap.ok(len(evs) == want, "nothing else: %d events" % want,
           (len(evs), collections.Counter(e["probe_source"] for e in evs)))
    stamps = [e["guest_monotonic_ns"] for e in evs]
    tap.ok(stamps and all(t0 <= s <= t1 for s in stamps),
           "every stamp is the kernel's CLOCK_MONOTONIC inside the run")
    losses = stopped["losses"] if stopped else {}
    tap.ok(rc == 0 and "net_expired" in losses and not any(losses.values()),
           "clean stop, nothing lost, nothing expired", stopped)
    tap.ok(not any(attached(cg).values()), "no program left after the stop",
           attached(cg))


def failures(tap, cg):
    np = pl.Tool([pl.build("netprobe"), "-m", "bpf", "-c", cg])
    st = np.status()
    if not tap.ok(st and st["status"] == "armed", "armed for the failures", st):
        np.stop()
        return
    t0 = time.monotonic()
    d = peer_out(peer("fail", "--cgroup", cg, "--unreachable", UNREACH,
                      "--timeout", BLACKHOLE, "--noroute", NOROUTE,
                      "--abort", BLACKHOLE))
    took = time.monotonic() - t0
    np.wait_for(lambda ls: len(of(ls, "net.connect_result")) >= 4, 20)
    rc, stopped = np.stop()
    evs = np.events()
    print("# the four failing connects took %.1f s (unreachable: the SYN "
          "retransmit, ~1 s; timeout: TCP_SYNCNT 1, ~3 s)" % took)
    errnos = {k: os.strerror(v["errno"]) for k, v in d.items() if k != "pid"}
    for name, hp, result in (("unreachable", UNREACH, "unreachable"),
                             ("timeout", BLACKHOLE, "timeout"),
                             ("noroute", NOROUTE, "failed"),
                             ("abort", BLACKHOLE, "aborted")):
        r = of(evs, "net.connect_result", dst=hp, result=result)
        tap.ok(len(r) == 1 and r[0]["guest_pid"] == d["pid"] and
               r[0].get("duration_ns", 0) > 0,
               "%s (connect said %s): result %s, once, with the pid" %
               (name, errnos[name], result), of(evs, "net.connect_result"))
    tap.ok(len(of(evs, "net.connect_result")) == 4, "no other result",
           of(evs, "net.connect_result"))
    losses = stopped["losses"] if stopped else {}
    tap.ok(rc == 0 and not any(losses.values()), "nothing lost", stopped)


def expiry(tap, cg):
    np = pl.Tool([pl.build("netprobe"), "-m", "bpf", "-c", cg, "-t", "300"])
    st = np.status()
    if not tap.ok(st and st["status"] == "armed", "armed with a 300 ms age limit",
                  st):
        np.stop()
        return
    h = peer("hold", "--cgroup", cg, "--to", BLACKHOLE, stdin=subprocess.PIPE)
    first = json.loads(h.stdout.readline())

    def expired():
        np.p.send_signal(signal.SIGUSR1)
        time.sleep(0.1)
        last = [x for x in np.lines if "status" in x][-1]
        return last["losses"]["net_expired"]
    wait_until(lambda: expired() >= 1, 15, step=0.2)
    n = expired()
    h.stdin.write("close\n")
    h.stdin.flush()
    peer_out(h)
    np.wait_for(lambda ls: False, 0.5)
    rc, stopped = np.stop()
    evs = np.events()
    src = "10.77.0.2:%d" % first["src_port"]
    tap.ok(n == 1 and stopped and stopped["losses"]["net_expired"] == 1,
           "a connect pending past the limit is expired and counted once",
           (n, stopped))
    tap.ok(len(of(evs, "net.connect_attempted", dst=BLACKHOLE)) == 1 and
           not of(evs, "net.connect_result", src=src),
           "and reports nothing after it was expired",
           [e for e in evs if e.get("src") == src])


def full_table(tap, cg):
    cap = caps("NET_CONN_MAX")
    np = pl.Tool([pl.build("netprobe"), "-m", "bpf", "-c", cg])
    st = np.status()
    if not tap.ok(st and st["status"] == "armed", "armed for the full table",
                  st):
        np.stop()
        return
    h = peer("hold", "--cgroup", cg, "--to", BLACKHOLE, "--count",
             str(cap + 100), stdin=subprocess.PIPE)
    first = json.loads(h.stdout.readline())
    np.wait_for(lambda ls: len(of(ls, "net.connect_attempted")) >= cap + 100, 30)
    h.stdin.write("close\n")
    h.stdin.flush()
    peer_out(h)
    np.wait_for(lambda ls: len(of(ls, "net.connect_result")) >= cap, 30)
    np.wait_for(lambda ls: False, 0.5)
    rc, stopped = np.stop()
    evs = np.events()
    res = of(evs, "net.connect_result", dst=BLACKHOLE)
    att = of(evs, "net.connect_attempted", dst=BLACKHOLE)
    losses = stopped["losses"] if stopped else {}
    full = losses.get("net_ringbuf_full", -1)
    tap.ok(losses.get("net_untracked") == 100,
           "%d connects pending at once: %d in the table, 100 counted "
           "untracked" % (cap + 100, cap), stopped)
    # each attempt and each tracked one's result delivered or counted (a
    # loaded machine may starve the reader: then the ring counts)
    tap.ok(all(e["result"] == "aborted" and e["guest_pid"] == first["pid"]
               for e in res) and len(att) + len(res) + full == cap + 100 + cap,
           "closing them: %d aborted (%d delivered, %d attempts, %d counted "
           "lost), none for the untracked" % (cap, len(res), len(att), full),
           collections.Counter(e["result"] for e in res))


def strict(tap, cg):
    np = pl.Tool([pl.build("netprobe"), "-m", "bpf", "-c", cg, "-S"])
    st = np.status()
    at = attached(cg)
    tap.ok(st and st["status"] == "armed" and st.get("outcomes") == {} and
           at["sock_ops"] == 0 and at["connect4"] == 1,
           "-S (strict): the attempt hooks only, no outcome layer", (st, at))
    c = pl.run_connector(["--cgroup", cg, "--refused", "5", "--only-refused"])
    np.wait_for(lambda ls: len([x for x in ls if "probe_source" in x]) >= 5, 10)
    np.wait_for(lambda ls: False, 0.3)
    np.stop()
    srcs = set(e["probe_source"] for e in np.events()
               if e.get("guest_pid") == c["pid"])
    tap.ok(srcs == {"net.connect_attempted"}, "and only net.connect_attempted",
           srcs)


def main():
    tap = pl.Tap()
    if os.geteuid() != 0:
        tap.skip_all("needs root (BPF, cgroups, namespaces)")
    pl.in_private_netns(tap, "CELLOS_NETNS_OUTCOME")
    cg = pl.make_cgroup("outcome")
    if cg is None:
        tap.skip_all("no cgroup2 mount")
    router = None
    try:
        router = topology()
        traffic(tap, cg)
        failures(tap, cg)
        expiry(tap, cg)
        full_table(tap, cg)
        strict(tap, cg)
    finally:
        if router:
            router.kill()
            router.wait()
        pl.remove_cgroup(cg)
    tap.done()


if __name__ == "__main__":
    main()
