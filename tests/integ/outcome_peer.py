#!/usr/bin/python3
"""outcome_peer.py: the processes whose connections test_net_outcome.py
watches, and the exchange both ends of each connection speak.

The exchange: the client sends a tag byte and a payload of n bytes.  Tag
"A": then it shuts its side down, the server reads to the end of the
stream; tag "B": a 4-byte length first, the server reads exactly that
(so the server closes first).  Either way the server then writes
reply_len(n) bytes and closes, and the client reads to the end and
closes.  Each end reports what it sent and received, by its local port.

  outcome_peer.py client --cgroup DIR --to HOST:PORT --count N
                         [--refused-port P --refused N] [--udp-port P]
  outcome_peer.py server --cgroup DIR --listen HOST --count N
  outcome_peer.py fail   --cgroup DIR --unreachable H:P --timeout H:P
                         --noroute H:P --abort H:P
  outcome_peer.py hold   --cgroup DIR --to H:P [--count N]  (N
                         non-blocking connects, waits for a line on
                         stdin, closes them all)

Each prints one JSON line of what it did (the server prints its port
first); every socket has a timeout, so nothing here can hang.
"""
import argparse
import json
import os
import resource
import socket
import struct
import sys
import time

TIMEOUT = 20.0


def reply_len(n):
    return n % 13 + 1


def payload_len(i):
    return 1000 + 37 * i


def join(cgroup):
    if cgroup:
        with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))


def hostport(s):
    host, port = s.rsplit(":", 1)
    return host.strip("[]"), int(port)


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def recv_all(s):
    n = 0
    while True:
        b = s.recv(65536)
        if not b:
            return n
        n += len(b)


def recv_exact(s, n):
    got = b""
    while len(got) < n:
        b = s.recv(n - len(got))
        if not b:
            raise RuntimeError("short read: %d of %d" % (len(got), n))
        got += b
    return got


def exchange(host, port, i):
    """One client connection; returns what it did."""
    n = payload_len(i)
    c = socket.socket(family_of(host), socket.SOCK_STREAM)
    c.settimeout(TIMEOUT)
    c.connect((host, port))
    src = c.getsockname()[1]
    if i % 2 == 0:
        c.sendall(b"A" + b"x" * n)
        c.shutdown(socket.SHUT_WR)
        sent = 1 + n
    else:
        c.sendall(b"B" + struct.pack(">I", n) + b"y" * n)
        sent = 5 + n
    got = recv_all(c)
    c.close()
    return {"src_port": src, "sent": sent, "recv": got}


def serve_one(conn):
    """The server's side of one exchange: what it received and sent."""
    conn.settimeout(TIMEOUT)
    tag = recv_exact(conn, 1)
    if tag == b"A":
        got = 1 + recv_all(conn)
        n = got - 1
    else:
        n = struct.unpack(">I", recv_exact(conn, 4))[0]
        recv_exact(conn, n)
        got = 5 + n
    r = reply_len(n)
    conn.sendall(b"z" * r)
    conn.close()
    return got, r


def listener(host):
    s = socket.socket(family_of(host), socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.bind((host, 0))
    s.listen(64)
    return s


def serve(s, count):
    out = []
    for _ in range(count):
        conn, peer = s.accept()
        got, r = serve_one(conn)
        out.append({"peer_port": peer[1], "recv": got, "sent": r})
    return out


def refused(host, port, count):
    for _ in range(count):
        c = socket.socket(family_of(host), socket.SOCK_STREAM)
        try:
            c.connect((host, port))
            raise SystemExit("connect to closed %s:%d succeeded" % (host, port))
        except ConnectionRefusedError:
            pass
        c.close()


def udp(host, port):
    u = socket.socket(family_of(host), socket.SOCK_DGRAM)
    for _ in range(3):
        u.sendto(b"u" * 100, (host, port))
    src = u.getsockname()[1]
    u.close()
    return src


def blocking(c):
    """A blocking connect, bounded by SO_SNDTIMEO and two SYN retries.
    (Python's own timeout makes the socket non-blocking: an ICMP error
    that comes back while connect() still holds the socket is then only
    a soft error the kernel hands to SO_ERROR, the connect goes on, and
    closing it is an abort.)"""
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                 struct.pack("@ll", int(TIMEOUT), 0))
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, 2)


def attempt(hp, prep=None, block=True):
    """connect() once; the errno it gave and the source port, if any."""
    host, port = hostport(hp)
    c = socket.socket(family_of(host), socket.SOCK_STREAM)
    if prep:
        prep(c)
    if not block:
        c.setblocking(False)
    err = c.connect_ex((host, port))
    try:
        src = c.getsockname()[1]
    except OSError:
        src = 0
    return c, err, src


def fail(a):
    out = {}
    def syncnt1(c):
        blocking(c)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, 1)
    for name, hp, prep in (("unreachable", a.unreachable, blocking),
                           ("timeout", a.timeout, syncnt1),
                           ("noroute", a.noroute, blocking)):
        c, err, src = attempt(hp, prep)
        c.close()
        out[name] = {"errno": err, "src_port": src}
    c, err, src = attempt(a.abort, block=False)
    c.close()
    out["abort"] = {"errno": err, "src_port": src}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=("client", "server", "fail", "hold"))
    ap.add_argument("--cgroup")
    ap.add_argument("--to")
    ap.add_argument("--listen")
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--refused-port", type=int)
    ap.add_argument("--refused", type=int, default=0)
    ap.add_argument("--udp-port", type=int)
    ap.add_argument("--unreachable")
    ap.add_argument("--timeout")
    ap.add_argument("--noroute")
    ap.add_argument("--abort")
    a = ap.parse_args()
    join(a.cgroup)
    out = {"pid": os.getpid()}
    if a.role == "client":
        host, port = hostport(a.to)
        if a.refused:
            refused(host, a.refused_port, a.refused)
        out["conns"] = [exchange(host, port, i) for i in range(a.count)]
        if a.udp_port:
            out["udp_src_port"] = udp(host, a.udp_port)
    elif a.role == "server":
        s = listener(a.listen)
        print(json.dumps({"pid": os.getpid(), "port": s.getsockname()[1]}),
              flush=True)
        out["conns"] = serve(s, a.count)
        s.close()
    elif a.role == "fail":
        out.update(fail(a))
    else:
        n = max(a.count, 1)
        resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, n + 64))
        held = []
        for i in range(n):       # in batches, for the reader's sake
            held.append(attempt(a.to, block=False))
            if i % 256 == 255:
                time.sleep(0.01)
        print(json.dumps({"pid": os.getpid(), "errno": held[0][1],
                          "src_port": held[0][2]}), flush=True)
        sys.stdin.readline()
        for i, (c, _, _) in enumerate(held):
            c.close()
            if i % 256 == 255:
                time.sleep(0.01)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
