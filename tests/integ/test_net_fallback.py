#!/usr/bin/python3
"""test_net_fallback.py: the net probe without BPF (net=diag, net=proc).

Runs in a private network namespace (sock_diag and /proc/net see a whole
namespace; ours holds only the test's sockets), IPv4 destinations on a
loopback address of their own.  Asserted as far as each fallback can see:

sock_diag (destroy groups + dumps): every refused connect once, with the
destination address, port 0 (the kernel zeroes it before the destroy
message), state close and no pid; the established connect once and its
accepted peer never; the IPv6 one once by its source port; the UDP
connect once; unconnected UDP sends not at all.  And the outcomes the
destroy messages give: each refused one "failed", the established one
"established", its peer net.accepted, and both ends' net.closed with the
bytes tcp_info counted.  Then /proc/net polling with the sockets held open
across polls: the established connect and the UDP connect once each, the
accepted peer never as a connect but once as net.accepted.
"""
import collections
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import probelib as pl  # noqa: E402

ADDR = "127.81.3.7"


def count(evs, **kw):
    return sum(1 for e in evs if all(e.get(k) == v for k, v in kw.items()))


def attempts(evs):
    return [e for e in evs if e["probe_source"] == "net.connect_attempted"]


def diag_outcomes(tap, evs, c):
    """What the destroy messages tell of the outcomes."""
    est = "%s:%d" % (ADDR, c["listen_port"])
    src = "127.0.0.1:%d" % c["est_src_port"]
    sent, rcvd = c["est_bytes"]
    tap.ok(count(evs, probe_source="net.connect_result", dst="%s:0" % ADDR,
                 result="failed") == 200, "sock_diag: 200 results, failed")
    tap.ok(count(evs, probe_source="net.connect_result", dst=est, src=src,
                 result="established") == 1, "sock_diag: the established one")
    tap.ok(count(evs, probe_source="net.accepted", src=src, dst=est) == 1,
           "sock_diag: its peer, net.accepted, both ends")
    out = [e for e in evs if e["probe_source"] == "net.closed" and
           e.get("direction") == "outbound" and e.get("dst") == est]
    inb = [e for e in evs if e["probe_source"] == "net.closed" and
           e.get("direction") == "inbound" and e.get("src") == src]
    # bytes_sent is tcp_info's payload; bytes_received its sequence count,
    # which holds the peer's FIN when it came first (documented)
    tap.ok(len(out) == 1 and out[0].get("bytes_sent") == sent and
           out[0].get("bytes_received") in (rcvd, rcvd + 1) and
           len(inb) == 1 and inb[0].get("bytes_sent") == rcvd and
           inb[0].get("bytes_received") in (sent, sent + 1),
           "sock_diag: both ends' net.closed, with tcp_info's bytes", (out, inb))


def diag(tap):
    np = pl.Tool([pl.build("netprobe"), "-m", "diag", "-p", "50"])
    st = np.status()
    if not tap.ok(st and st["status"] == "fallback:sock_diag", "sock_diag armed", st):
        np.stop()
        return
    c = pl.run_connector(["--addr4", ADDR, "--refused", "200", "--wait-listen", "0.3"])
    refused = "%s:0" % ADDR
    np.wait_for(lambda ls: count(ls, dst=refused) >= 200 and
                count(ls, proto="udp") >= 1, 20)
    np.wait_for(lambda ls: False, 0.3)     # anything late would show now
    np.wait_for(lambda ls: count(ls, probe_source="net.closed") >= 2, 10)
    rc, stopped = np.stop()
    every = np.events()
    tap.ok(st.get("outcomes", {}).get("net.closed", "").endswith(
           "bytes_sent,bytes_received") and "guest_pid" not in
           st["outcomes"].get("net.closed", ""),
           "hello's outcomes: sock_diag's keys, without guest_pid", st)
    diag_outcomes(tap, every, c)
    evs = attempts(every)
    est = "%s:%d" % (ADDR, c["listen_port"])
    tap.ok(count(evs, dst=refused, proto="tcp", family="ipv4", state="close") == 200,
           "200 refused connects, each once, dst %s (port zeroed)" % refused,
           collections.Counter(e.get("dst") for e in evs))
    tap.ok(all(e["guest_pid"] == 0 and e["guest_comm"] == "" for e in every),
           "no pid or comm: the kernel does not say whose socket it was")
    tap.ok(count(evs, dst=est, proto="tcp") == 1, "the established connect once",
           [e for e in evs if e.get("dst") == est])
    tap.ok(count(evs, src=est) == 0, "its accepted peer is not a connect",
           [e for e in evs if e.get("src") == est])
    tap.ok(count(evs, dst="[::1]:0", src="[::1]:%d" % c["v6_src_port"],
                 family="ipv6") == 1, "the IPv6 connect once, by its source port")
    tap.ok(count(evs, dst="%s:%d" % (ADDR, c["udp_connect_port"]), proto="udp") == 1,
           "the UDP connect once")
    tap.ok(sum(count(evs, dst="%s:%d" % (ADDR, p)) for p in c["udp_send_ports"]) == 0,
           "unconnected UDP sends leave no socket to see (documented)")
    tap.ok(len(evs) == 203, "nothing else in the namespace: 203 attempts",
           collections.Counter((e.get("proto"), e.get("dst")) for e in evs))
    # 200 + 1 + 1 (IPv6) results, the accepted one, two ends closed
    tap.ok(len(every) == 203 + 202 + 1 + 2, "and 205 outcome events",
           collections.Counter(e["probe_source"] for e in every))
    losses = stopped["losses"] if stopped else {}
    tap.ok(rc == 0 and "net_nobufs" in losses and not any(losses.values()),
           "clean stop, nothing lost", stopped)


def proc(tap):
    np = pl.Tool([pl.build("netprobe"), "-m", "proc", "-p", "50"])
    st = np.status()
    if not tap.ok(st and st["status"] == "fallback:proc_net", "/proc/net polling armed", st):
        np.stop()
        return
    c = pl.run_connector(["--addr4", ADDR, "--refused", "20", "--wait-listen", "0.3",
                          "--hold", "0.5"])
    np.wait_for(lambda ls: False, 0.3)
    rc, stopped = np.stop()
    every = np.events()
    evs = attempts(every)
    est = "%s:%d" % (ADDR, c["listen_port"])
    src = "127.0.0.1:%d" % c["est_src_port"]
    tap.ok(count(evs, dst=est, proto="tcp", src=src) == 1,
           "the established connect once (held across polls)",
           [e for e in evs if e.get("dst") == est])
    tap.ok(count(every, probe_source="net.connect_result", dst=est, src=src,
                 result="established") == 1 and
           count(every, probe_source="net.accepted", dst=est, src=src) == 1 and
           not count(every, probe_source="net.closed"),
           "/proc/net: established and accepted once each, no end seen",
           [e for e in every if e["probe_source"] != "net.connect_attempted"])
    tap.ok(count(evs, src=est) == 0, "its accepted peer is not a connect")
    tap.ok(count(evs, dst="%s:%d" % (ADDR, c["udp_connect_port"]), proto="udp") == 1,
           "the UDP connect once")
    print("# /proc/net saw %d of 20 refused connects (they live microseconds)"
          % count(evs, proto="tcp", dst="%s:%d" % (ADDR, c["refused_port"])))
    losses = stopped["losses"] if stopped else {}
    tap.ok(rc == 0 and "probe_error" in losses and not any(losses.values()),
           "clean stop", stopped)


def main():
    tap = pl.Tap()
    if os.geteuid() != 0:
        tap.skip_all("needs root (network namespace, sock_diag)")
    pl.in_private_netns(tap, "CELLOS_NETNS")
    diag(tap)
    proc(tap)
    tap.done()


if __name__ == "__main__":
    main()
