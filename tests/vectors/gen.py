#!/usr/bin/python3
"""gen.py: write good.txt and bad.txt from maps encoded by python3-cbor2.

The good frames come from an encoder that is not ours, so when our decoder
re-encodes them byte for byte the wire order, shortest forms and key names
are pinned independently.  The bad frames each carry the doc/WIRE.md error
name they must produce.  Run it again only when doc/WIRE.md changes; the
output is committed and reviewed like code.
"""
import os
import struct
import sys

import cbor2
from importlib.metadata import version

V10, V11 = 0x0100, 0x0101
HERE = os.path.dirname(os.path.abspath(__file__))


def frame(body):
    return struct.pack("<I", len(body)) + body


def enc(pairs):
    """Encode an ordered list of (key, value) pairs; values may be lists of
    pairs for nested maps.  cbor2 keeps dict insertion order."""
    def conv(v):
        return dict((k, conv(x)) for k, x in v) if isinstance(v, list) else v
    return cbor2.dumps(conv(pairs))


def base(src, pid=42, comm="sh", ns=123456789, ver=V11):
    return [("content_version", ver), ("probe_source", src),
            ("guest_pid", pid), ("guest_comm", comm),
            ("guest_monotonic_ns", ns)]


def good():
    g = []
    g.append(("golden_v10_spawned", base("process.spawned", ver=V10)))
    for src in ("process.exited", "fs.inotify_fired",
                "net.connect_attempted", "capability.denied"):
        g.append(("v10_" + src.replace(".", "_"),
                  base(src, pid=4294967295, comm="abcdefghijklmnop",
                       ns=2**64 - 1, ver=V10)))
    g.append(("v10_comm_utf8", base("process.spawned", comm="p\u00e9\u6c34\U00010151", ver=V10)))
    g.append(("v10_widths", base("process.exited", pid=23, comm="", ns=24, ver=V10)))
    g.append(("v11_spawned", base("process.spawned", 1000, "bash", 5000000000) +
              [("seq", 0), ("ppid", 1), ("start_ns", 4999999000),
               ("uid", 0), ("synthetic", 1)]))
    g.append(("v11_exec", base("process.exec", 1001, "true", 5000001000) +
              [("seq", 1), ("ppid", 1000), ("start_ns", 5000000500),
               ("uid", 65534), ("exe", "/usr/bin/true"),
               ("argv", "/bin/true\u0000\u0000caf\\xe9\u0000a\\\\b"),
               ("argc", 4), ("truncated", 1)]))
    g.append(("v11_exited_code", base("process.exited", 1001, "true", 5000002000) +
              [("seq", 2), ("ppid", 1000), ("start_ns", 5000000500),
               ("exit_code", 3)]))
    g.append(("v11_exited_signal", base("process.exited", 1002, "sleep", 5000003000) +
              [("seq", 3), ("ppid", 1000), ("start_ns", 5000000600),
               ("exit_signal", 9)]))
    g.append(("v11_fs", base("fs.inotify_fired", 7, "cellos-telemetr", 6000000000) +
              [("seq", 4), ("path", "/etc"), ("name", "passwd"),
               ("mask", 0x40000100)]))
    g.append(("v11_net", base("net.connect_attempted", 1003, "curl", 7000000000) +
              [("seq", 5), ("uid", 1000), ("proto", "tcp"), ("family", "ipv6"),
               ("src", "[::1]:40000"), ("dst", "[::1]:9"),
               ("state", "syn-sent")]))
    # the outcome sources (no seq, so that the host tests' seq story of the
    # vectors above stays as it is)
    g.append(("v11_net_result", base("net.connect_result", 1003, "curl",
                                     7000100000) +
              [("uid", 1000), ("proto", "tcp"), ("family", "ipv4"),
               ("src", "10.0.0.2:40000"), ("dst", "93.184.216.34:443"),
               ("result", "refused"), ("duration_ns", 131355)]))
    g.append(("v11_net_accepted", base("net.accepted", 900, "nginx", 7000200000) +
              [("uid", 33), ("proto", "tcp"), ("family", "ipv6"),
               ("src", "[2001:db8::7]:51000"), ("dst", "[2001:db8::1]:443")]))
    g.append(("v11_net_closed", base("net.closed", 1003, "curl", 7000300000) +
              [("uid", 1000), ("proto", "tcp"), ("family", "ipv4"),
               ("src", "10.0.0.2:40000"), ("dst", "93.184.216.34:443"),
               ("direction", "outbound"), ("duration_ns", 4000000000),
               ("bytes_sent", 1234), ("bytes_received", 5678901234)]))
    g.append(("v11_net_closed_udp", base("net.closed", 1005, "dig", 7000400000) +
              [("proto", "udp"), ("family", "ipv4"),
               ("src", "0.0.0.0:5353"), ("dst", "10.0.0.53:53"),
               ("direction", "outbound"), ("duration_ns", 2000),
               ("bytes_sent", 300), ("datagrams_sent", 3)]))
    g.append(("v11_cap", base("capability.denied", 1004, "chown", 8000000000) +
              [("seq", 6), ("uid", 65534), ("syscall", 92), ("errno", 1)]))
    g.append(("v11_hello", base("agent.hello", 7, "cellos-telemetr", 1000) +
              [("seq", 0), ("agent_version", "0.1.0"),
               ("boot_id", "0f3c1f7e-8d8e-4a4e-9a43-1b2f0d6e2a10"),
               ("kernel", "Linux 6.1.0-28-amd64 #1 SMP"), ("session", 1),
               ("resume_seq", 0),
               ("probes", [("process", "armed"), ("fs", "armed"),
                           ("net", "fallback:sock_diag"),
                           ("capability", "off")]),
               ("ring_bytes", 1048576)]))
    g.append(("v11_hello_outcomes", base("agent.hello", 7, "cellos-telemetr", 1000) +
              [("outcomes", [("net.connect_result",
                              "guest_pid,src,dst,result,duration_ns"),
                             ("net.accepted", "guest_pid,src,dst")]),
               ("agent_version", "0.1.0"),
               ("boot_id", "0f3c1f7e-8d8e-4a4e-9a43-1b2f0d6e2a10"),
               ("kernel", "Linux 6.1.0-28-amd64 #1 SMP"), ("session", 2),
               ("resume_seq", 11),
               ("probes", [("net", "armed")]), ("ring_bytes", 1048576)]))
    hb = [("interval_ms", 1000), ("emitted", 123456), ("sent", 123400),
          ("dropped", [("ring_overwrite", 50), ("kernel_nobufs", 6),
                       ("inotify_overflow", 0), ("frame_too_large", 0),
                       ("probe_error", 0)]),
          ("ring_used", 2048), ("ring_hwm", 65536), ("rss_kb", 1400),
          ("cpu_ns", 987654321)]
    g.append(("v11_heartbeat", base("agent.heartbeat", 7, "cellos-telemetr", 2000) +
              [("seq", 9)] + hb))
    g.append(("v11_loss", base("agent.loss", 7, "cellos-telemetr", 3000) +
              [("seq", 200), ("reason", "ring_overwrite"),
               ("first_seq", 150), ("count", 50)]))
    g.append(("v11_stopping", base("agent.stopping", 7, "cellos-telemetr", 4000) +
              [("seq", 201)] + hb))
    g.append(("v11_ack", [("content_version", V11), ("ack_seq", 201)]))
    return g


def bad():
    ok = enc(base("process.spawned", ver=V10))
    b = []
    b.append(("FrameTooLarge", "len_4097", struct.pack("<I", 4097) + ok))
    b.append(("FrameTooLarge", "len_4gib", b"\xff\xff\xff\xff" + ok))
    b.append(("FrameTruncated", "body_short", struct.pack("<I", len(ok) + 1) + ok))
    b.append(("ShortHeader", "three_bytes", b"\x63\x00\x00"))
    b.append(("ShortHeader", "empty", b""))
    b.append(("UnexpectedEof", "body_cut", frame(ok[:-1])))
    b.append(("UnexpectedEof", "empty_body", frame(b"")))
    b.append(("UnexpectedEof", "text_len_past_end", frame(b"\xa5\x6f" + b"content")))
    b.append(("UnexpectedEof", "map_count_huge", frame(b"\xbb" + b"\xff" * 8)))
    b.append(("UnsupportedMajor", "top_array", frame(b"\x85\x01\x02\x03\x04\x05")))
    b.append(("UnsupportedMajor", "negative_pid", frame(enc(
        base("process.spawned", pid=-1, ver=V10)))))
    b.append(("UnsupportedMajor", "bytes_comm", frame(enc(
        base("process.spawned", comm=b"sh", ver=V10)))))
    b.append(("UnsupportedMajor", "float_ns", frame(enc(
        base("process.spawned", ns=1.5, ver=V10)))))
    b.append(("UnsupportedMajor", "tagged_ns", frame(enc(
        base("process.spawned", ns=cbor2.CBORTag(1, 5), ver=V10)))))
    b.append(("UnsupportedAdditional", "indefinite_map", frame(b"\xbf" + ok[1:] + b"\xff")))
    b.append(("UnsupportedAdditional", "ai_28", frame(ok[:-5] + b"\x1c")))
    b.append(("NotMap", "top_uint", frame(b"\x01")))
    b.append(("NotMap", "top_text", frame(b"\x62hi")))
    b.append(("ContentVersionMustBeFirst", "source_first", frame(enc(
        [base("process.spawned")[1], base("process.spawned")[0]] +
        base("process.spawned")[2:]))))
    b.append(("ContentVersionMustBeFirst", "uint_key_first", frame(b"\xa5\x01\x02" + ok[20:])))
    b.append(("UnsupportedContentVersion", "v2", frame(enc(
        base("process.spawned", ver=0x0200)))))
    b.append(("UnsupportedContentVersion", "v0", frame(enc(
        base("process.spawned", ver=0x00ff)))))
    b.append(("MissingField", "no_comm", frame(enc(
        [p for p in base("process.spawned") if p[0] != "guest_comm"]))))
    b.append(("MissingField", "only_version", frame(enc([("content_version", V11)]))))
    b.append(("MissingField", "empty_map", frame(b"\xa0")))
    b.append(("FieldType", "pid_text", frame(enc(
        base("process.spawned", pid="42", ver=V10)))))
    b.append(("FieldType", "version_text", frame(enc(
        [("content_version", "1.0")] + base("process.spawned")[1:]))))
    b.append(("FieldType", "seq_text", frame(enc(
        base("process.spawned") + [("seq", "0")]))))
    b.append(("FieldType", "comm_17_bytes", frame(enc(
        base("process.spawned", comm="abcdefghijklmnopq")))))
    b.append(("FieldType", "uint_key", frame(
        b"\xa6" + enc(base("process.spawned"))[1:] + b"\x01\x02")))
    b.append(("FieldType", "map_nested_twice", frame(enc(
        base("process.spawned") + [("x_future", [("a", [("b", 1)])])]))))
    b.append(("FieldType", "dropped_text_value", frame(enc(
        base("agent.heartbeat") + [("dropped", [("ring_overwrite", "many")])]))))
    b.append(("IntegerOverflow", "pid_2_32", frame(enc(
        base("process.spawned", pid=2**32, ver=V10)))))
    b.append(("IntegerOverflow", "version_wide", frame(enc(
        base("process.spawned", ver=0x10100)))))
    b.append(("IntegerOverflow", "exit_code_256", frame(enc(
        base("process.exited") + [("exit_code", 256)]))))
    b.append(("UnknownProbeSource", "zombie", frame(enc(
        base("process.zombie")))))
    b.append(("UnknownProbeSource", "empty_source", frame(enc(base("")))))
    b.append(("InvalidUtf8", "comm_ff", frame(
        enc(base("process.spawned", comm="s?", ver=V10)).replace(b"bs?", b"bs\xff"))))
    b.append(("InvalidUtf8", "surrogate", frame(
        enc(base("process.spawned", comm="s???", ver=V10)).replace(b"ds???", b"ds\xed\xa0\x80"))))
    b.append(("InvalidUtf8", "overlong", frame(
        enc(base("process.spawned", comm="s??", ver=V10)).replace(b"cs??", b"cs\xc0\xaf"))))
    b.append(("DuplicateKey", "pid_twice", frame(b"\xa6" + ok[1:] + enc([("guest_pid", 1)])[1:])))
    b.append(("DuplicateKey", "version_twice", frame(b"\xa6" + ok[1:] + enc([("content_version", V10)])[1:])))
    b.append(("DuplicateKey", "probes_key_twice", frame(
        b"\xa6" + ok[1:] + b"\x66probes\xa2\x62fs\x65armed\x62fs\x63off")))
    b.append(("TrailingBytes", "extra_byte", frame(ok + b"\x00")))
    return b


def write(path, lines):
    with open(path, "w") as f:
        f.write("# generated by gen.py from python3-cbor2 %s: do not edit\n" %
                version("cbor2"))
        for line in lines:
            f.write(line + "\n")


def main():
    write(os.path.join(HERE, "good.txt"),
          ["%s\t%s" % (n, frame(enc(p)).hex()) for n, p in good()])
    write(os.path.join(HERE, "bad.txt"),
          ["%s\t%s\t%s" % (e, n, b.hex()) for e, n, b in bad()])
    return 0


if __name__ == "__main__":
    sys.exit(main())
