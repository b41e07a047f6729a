#!/usr/bin/python3
"""connector.py: the process whose connects the net probe tests watch.

Joins a cgroup when told to, then makes every kind of attempt the net
probe must report, loopback only (even one the kernel refuses for its
address family), and prints one JSON line saying what it
did (its pid, the ports it used) so the test can check each attempt.

  connector.py [--cgroup DIR] [--addr4 A] [--refused N] [--wait-listen S]
               [--hold S] [--only-refused]
"""
import argparse
import ctypes
import errno
import json
import os
import socket
import struct
import time


def closed_port(family, addr, kind=socket.SOCK_STREAM):
    """A port nobody listens on: bind to port 0, note it, close."""
    s = socket.socket(family, kind)
    s.bind((addr, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def refused(family, addr, port, src=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    sport = None
    if src is not None:
        s.bind((src, 0))
        sport = s.getsockname()[1]
    try:
        s.connect((addr, port))
        raise SystemExit("connect to closed port %s:%d succeeded" % (addr, port))
    except ConnectionRefusedError:
        pass
    s.close()
    return sport


def wrong_family(port):
    """connect() an IPv4 socket to a sockaddr_in6: the kernel says
    EAFNOSUPPORT after the connect4 hook ran; still an attempt."""
    libc = ctypes.CDLL(None, use_errno=True)
    s = socket.socket()
    sa = struct.pack("=H", socket.AF_INET6) + struct.pack(">H", port) + \
        b"\0" * 4 + socket.inet_pton(socket.AF_INET6, "::1") + b"\0" * 4
    if libc.connect(s.fileno(), sa, len(sa)) != -1 or \
            ctypes.get_errno() != errno.EAFNOSUPPORT:
        raise SystemExit("connect with a foreign family did not fail as expected")
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cgroup")
    ap.add_argument("--addr4", default="127.0.0.1")
    ap.add_argument("--refused", type=int, default=200)
    ap.add_argument("--wait-listen", type=float, default=0.0)
    ap.add_argument("--hold", type=float, default=0.0)
    ap.add_argument("--only-refused", action="store_true")
    a = ap.parse_args()
    if a.cgroup:
        with open(os.path.join(a.cgroup, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    out = {"pid": os.getpid(), "addr4": a.addr4}
    p4 = closed_port(socket.AF_INET, a.addr4)
    out["refused_port"] = p4
    t0 = time.monotonic()
    for _ in range(a.refused):
        refused(socket.AF_INET, a.addr4, p4)
    out["burst_s"] = time.monotonic() - t0
    if a.only_refused:
        print(json.dumps(out))
        return
    # Established, then closed (client first).
    lst = socket.socket()
    lst.bind((a.addr4, 0))
    lst.listen(4)
    out["listen_port"] = lst.getsockname()[1]
    time.sleep(a.wait_listen)
    c = socket.socket()
    c.settimeout(30)
    c.connect((a.addr4, out["listen_port"]))
    acc, _ = lst.accept()
    acc.settimeout(30)
    out["est_src_port"] = c.getsockname()[1]
    # some bytes each way, for the outcome events' counts
    c.sendall(b"x" * 1234)
    got = 0
    while got < 1234:
        got += len(acc.recv(4096))
    acc.sendall(b"y" * 321)
    while got < 1234 + 321:
        got += len(c.recv(4096))
    out["est_bytes"] = [1234, 321]
    # IPv6 loopback, refused, from a known source port.
    p6 = closed_port(socket.AF_INET6, "::1")
    out["v6_port"] = p6
    out["v6_src_port"] = refused(socket.AF_INET6, "::1", p6, src="::1")
    # UDP connect (no datagram needed) and unconnected sends.
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.connect((a.addr4, p4))
    out["udp_connect_port"] = p4
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u1 = closed_port(socket.AF_INET, a.addr4, socket.SOCK_DGRAM)
    u2 = closed_port(socket.AF_INET, a.addr4, socket.SOCK_DGRAM)
    for port in (u1, u1, u1, u2):
        s.sendto(b"x", (a.addr4, port))
    out["udp_send_ports"] = [u1, u2]
    wrong_family(p4)
    time.sleep(a.hold)
    c.close()
    acc.close()
    lst.close()
    u.close()
    s.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
