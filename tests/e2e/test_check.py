#!/usr/bin/python3
"""test_check.py: check.py must accept a good console log and reject bad ones.

Feeds check.py's parser and judge made-up console logs (no QEMU): a good
run, then one defect at a time, each of which must give an error.  Then
the host dump checkers (host, strict, kill) get made-up CloudEvents: a
good dump, then one defect at a time; the host dump also with its watch
on fanotify.  Prints TAP.
"""
import copy
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402

STEPS = ["vsock-any", "pingpong-any", "vsock-local", "pingpong-local"]
PP = ('{"test":"vsock-pingpong","bind":"%s","port":9001,"local_cid":1,'
      '"peer_cid":1,"echoed":300000,"want":300000,"client_exit":0}')

GOOD = "\r\n".join([
    "[    0.9] kernel line before",
    "E2E STEP setup:lo ok up",
    "E2E STEP vsock-any ok exit=0 ms=5",
    "E2E STEP vsock-local ok exit=0 ms=5",
    "E2E BEGIN pingpong-any",
    "E2E| " + PP % "any",
    "[    1.2] a kernel line inside a dump",
    "E2E END pingpong-any 1",
    "E2E STEP pingpong-any ok lines=1",
    "E2E BEGIN pingpong-local",
    "E2E| " + PP % "local",
    "E2E END pingpong-local 1",
    "E2E STEP pingpong-local ok lines=1",
    "E2E REAPED 81 cellos-telemetr signal=9",
    "E2E RESULT: PASS",
    "[    2.0] reboot: Power down",
])

# (what is wrong, text to replace in GOOD, replacement)
BAD = [
    ("guest said FAIL", "RESULT: PASS", "RESULT: FAIL"),
    ("no result line", "E2E RESULT: PASS", ""),
    ("two result lines", "E2E RESULT: PASS", "E2E RESULT: PASS\nE2E RESULT: PASS"),
    ("a step failed", "vsock-any ok exit=0", "vsock-any FAIL exit=1"),
    ("a set-up step failed", "setup:lo ok", "setup:lo FAIL"),
    ("a step missing", "E2E STEP vsock-local ok exit=0 ms=5", ""),
    ("a step twice", "E2E STEP vsock-local ok exit=0 ms=5",
     "E2E STEP vsock-local ok exit=0 ms=5\nE2E STEP vsock-local ok x"),
    ("dump cut short", "E2E END pingpong-local 1\r\n", ""),
    ("dump count wrong", "E2E END pingpong-any 1", "E2E END pingpong-any 2"),
    ("dump line not JSON", '"client_exit":0}\r\n[', '"client_exit":0\r\n['),
    ("dump missing", "E2E BEGIN pingpong-local", "E2E BEGIN other"),
    ("bytes lost", '"bind":"any","port":9001,"local_cid":1,"peer_cid":1,"echoed":300000',
     '"bind":"any","port":9001,"local_cid":1,"peer_cid":1,"echoed":299999'),
    ("wrong peer", '"local","port":9001,"local_cid":1,"peer_cid":1',
     '"local","port":9001,"local_cid":1,"peer_cid":2'),
    ("client failed", '"any","port":9001,"local_cid":1,"peer_cid":1,"echoed":300000,'
     '"want":300000,"client_exit":0', '"any","port":9001,"local_cid":1,"peer_cid":1,'
     '"echoed":300000,"want":300000,"client_exit":6'),
]


CE = check.CE


def ce(cell, short, data, run="r1", seq_id=None):
    """One CloudEvent of cell as the host writes it (a guest event's with
    its process block)."""
    d = {"cell_id": cell, "run_id": run, "host_received_at": "t",
         "severity": "info", "message": "m"}
    d.update(data)
    if not data.get("probe_source", "agent.").startswith("agent."):
        d["process"] = {"exec_id": "unknown", "pid": data.get("guest_pid", 0)}
    return {"specversion": "1.0", "id": seq_id or "%s/h/%d" % (cell, id(d)),
            "source": "cellos://cell/" + cell, "time": "t", "type": CE + short,
            "datacontenttype": "application/json", "data": d}


def guest(source, pid, comm, version=257, **ext):
    d = {"content_version": version, "probe_source": source,
         "guest_pid": pid, "guest_comm": comm, "guest_monotonic_ns": 1}
    d.update(ext)
    return d


def host_dump(fan=False):
    """A good main-scenario dump: two host runs, the workload, the outage;
    fan: the watch on fanotify, its events named by the workload's sh."""
    probes = {"process": "armed", "process.exe": "armed", "fs": "armed",
              "net": "armed", "capability": "off"}
    seq = [0]
    out = []

    def add(source, pid, comm, run="r1", **ext):
        d = guest(source, pid, comm, seq=seq[0], **ext)
        out.append(ce("e2e", source.replace(".", "_"), d, run,
                      "e2e/boot/9/%d" % seq[0]))
        seq[0] += 1

    def hello(session, run):
        out.append(ce("e2e", "agent_hello", guest(
            "agent.hello", 9, "cellos-telemetr", boot_id="boot",
            session=session, resume_seq=seq[0], probes=probes,
            watches={"1": "fanotify /tmp/watched" if fan else
                     "inotify (fanotify_mark: No such device) /tmp/watched"},
            outcomes={"net.closed": "guest_pid,src,dst,direction"}), run))

    def proc(pid, argv, run="r1", **how):
        add("process.spawned", pid, "sh", run, ppid=5, start_ns=pid)
        add("process.exec", pid, "sh", run, ppid=5, start_ns=pid,
            exe="/bin/busybox", argv=argv, argc=len(argv))
        add("process.exited", pid, "sh", run, ppid=5, start_ns=pid, **how)

    hello(1, "r1")
    add("agent.heartbeat", 9, "cellos-telemetr", interval_ms=250)
    proc(20, ["/bin/sh", "-c", "sleep 0.2; exit 3"], exit_code=3)
    proc(21, ["/bin/sh", "-c", "sleep 0.2; kill -TERM $$"], exit_signal=15)
    for mask in (0x100, 0x2, 0x200):
        if fan:
            add("fs.fanotify_fired", 25, "sh", path="/tmp/watched",
                name="file", mask=mask, start_ns=25, exe="/bin/busybox")
            out[-1]["data"]["process"] = {"exec_id": "e2e/boot/25/25",
                                          "pid": 25, "exe": "/bin/busybox"}
        else:
            add("fs.inotify_fired", 9, "cellos-telemetr", path="/tmp/watched",
                name="file", mask=mask)
    for port in (7, 7001):
        add("net.connect_attempted", 22, "nc", proto="tcp", family="ipv4",
            dst="127.0.0.1:%d" % port)
        add("net.connect_result", 22, "nc", proto="tcp", family="ipv4",
            dst="127.0.0.1:%d" % port, src="127.0.0.1:4000%d" % (port % 10),
            result="refused" if port == 7 else "established")
    add("net.accepted", 24, "nc", proto="tcp", family="ipv6",
        src="[::ffff:127.0.0.1]:40001", dst="[::ffff:127.0.0.1]:7001")
    add("net.closed", 24, "nc", proto="tcp", family="ipv6",
        src="[::ffff:127.0.0.1]:40001", dst="[::ffff:127.0.0.1]:7001",
        direction="inbound", bytes_sent=0, bytes_received=12)
    add("net.closed", 22, "nc", proto="tcp", family="ipv4",
        src="127.0.0.1:40001", dst="127.0.0.1:7001", direction="outbound",
        bytes_sent=12, bytes_received=0)
    replay = copy.deepcopy(out[-1])     # written by both hosts
    replay["data"]["run_id"] = "r2"
    hello(2, "r2")
    out.append(replay)
    proc(23, ["/bin/sh", "-c", "exit 4"], "r2", exit_code=4)
    n = seq[0]
    add("agent.stopping", 9, "cellos-telemetr", "r2", emitted=n, sent=n,
        dropped={"ring_overwrite": 0})
    return out


def strict_dump():
    """A good strict dump: v1.0 events only."""
    return [ce("e2e-strict", s.replace(".", "_"), guest(s, p, "sh", 256))
            for s, p in (("process.spawned", 30), ("process.exited", 30),
                         ("fs.inotify_fired", 31))]


def kill_dump():
    """A good kill dump: hello, heartbeat, then agent_silenced."""
    return [ce("e2e-kill", "agent_hello", guest(
                "agent.hello", 40, "cellos-telemetr", boot_id="boot",
                session=1, resume_seq=0)),
            ce("e2e-kill", "agent_heartbeat", guest(
                "agent.heartbeat", 40, "cellos-telemetr", seq=0)),
            ce("e2e-kill", "agent_silenced", {"keepalive_ms": 1000,
                                              "silent_since": "t",
                                              "boot_id": "boot"})]


def where(evs, short, pred=lambda d: True):
    """Index of the first event of a type whose data fits pred."""
    return next(i for i, e in enumerate(evs)
                if check.kind(e) == short and pred(e["data"]))


def argv_is(argv):
    return lambda d: d.get("argv") == argv


def exit_of(code):
    return lambda d: d.get("exit_code") == code


def set_data(short, key, value, pred=lambda d: True):
    """Set key in every event of type short that fits pred (one at least)."""
    def f(evs):
        where(evs, short, pred)
        for e in evs:
            if check.kind(e) == short and pred(e["data"]):
                e["data"][key] = value
    return f


def drop(short, pred=lambda d: True):
    def f(evs):
        del evs[where(evs, short, pred)]
    return f


def append(e):
    return lambda evs: evs.append(e)


def sigterm_as_exit(evs):
    d = evs[where(evs, "process_exited", lambda d: "exit_signal" in d)]["data"]
    del d["exit_signal"]
    d["exit_code"] = 143


def outage_in_first_run(evs):
    evs[where(evs, "process_exited", exit_of(4))]["data"]["run_id"] = "r1"


def frame_after_stopping(evs):
    last = evs[where(evs, "agent_stopping")]["data"]["seq"]
    evs.append(ce("e2e", "agent_heartbeat", guest(
        "agent.heartbeat", 9, "cellos-telemetr", seq=last + 1), "r2",
        "e2e/boot/9/%d" % (last + 1)))


# (dump name, good dump, [(what is wrong, function that breaks a copy)])
DUMP_BAD = [
    ("host", host_dump, [
        ("a seq gap", drop("process_exited", exit_of(3))),
        ("a telemetry_dropped", append(ce("e2e", "telemetry_dropped", {
            "detected_by": "host", "first_seq": 3, "count": 1}))),
        ("an agent_silenced", append(ce("e2e", "agent_silenced", {
            "keepalive_ms": 10000}))),
        ("a frame_rejected", append(ce("e2e", "frame_rejected", {
            "error": "InvalidUtf8"}))),
        ("a replay with another id", lambda evs: evs.append(dict(
            evs[where(evs, "net_connect_attempted")], id="e2e/other/1/7"))),
        ("no reconnect hello", lambda evs: evs.pop(
            where(evs, "agent_hello", lambda d: d["session"] == 2))),
        ("first hello not session 1", set_data("agent_hello", "session", 3)),
        ("net probe on a fallback", set_data(
            "agent_hello", "probes", {"process": "armed", "fs": "armed",
                                      "net": "fallback:proc_net"})),
        ("exe from /proc: fanotify refused", set_data(
            "agent_hello", "probes", {"process": "armed", "process.exe":
                                      "fallback:proc (fanotify_init: EPERM)",
                                      "fs": "armed", "net": "armed"})),
        ("an exec without exe", set_data(
            "process_exec", "exe", None,
            argv_is(["/bin/sh", "-c", "sleep 0.2; exit 3"]))),
        ("an exec naming the interpreter", set_data(
            "process_exec", "exe", "/lib/ld-musl-x86_64.so.1",
            argv_is(["/bin/sh", "-c", "sleep 0.2; kill -TERM $$"]))),
        ("no heartbeat", drop("agent_heartbeat")),
        ("exit code 3 seen as 2", set_data("process_exited", "exit_code", 2,
                                           exit_of(3))),
        ("SIGTERM death as an exit code", sigterm_as_exit),
        ("no spawn of the exit-3 process", set_data(
            "process_spawned", "start_ns", 999, lambda d: d["guest_pid"] == 20)),
        ("no exec of the SIGTERM process", set_data(
            "process_exec", "argv", ["/bin/sh"],
            argv_is(["/bin/sh", "-c", "sleep 0.2; kill -TERM $$"]))),
        ("no fs delete", set_data("fs_inotify_fired", "mask", 0x2,
                                  lambda d: d["mask"] == 0x200)),
        ("fs event of another path", set_data("fs_inotify_fired", "path",
                                              "/tmp")),
        ("no connect to port 7", set_data(
            "net_connect_attempted", "dst", "127.0.0.1:8",
            lambda d: d["dst"] == "127.0.0.1:7")),
        ("no connect to port 7001", set_data(
            "net_connect_attempted", "dst", "127.0.0.1:7002",
            lambda d: d["dst"] == "127.0.0.1:7001")),
        ("port 7 established", set_data(
            "net_connect_result", "result", "established",
            lambda d: d["dst"] == "127.0.0.1:7")),
        ("7001 not established", set_data(
            "net_connect_result", "result", "timeout",
            lambda d: d["dst"] == "127.0.0.1:7001")),
        ("no accepted", drop("net_accepted")),
        ("the client's bytes wrong", set_data(
            "net_closed", "bytes_sent", 13,
            lambda d: d["direction"] == "outbound")),
        ("hello without outcomes", set_data("agent_hello", "outcomes", {})),
        ("outage process from the first host", outage_in_first_run),
        ("no agent.stopping", drop("agent_stopping")),
        ("a frame after agent.stopping", frame_after_stopping),
        ("the agent counted a loss", set_data(
            "agent_stopping", "dropped", {"ring_overwrite": 2})),
        ("the agent sent fewer than it made", set_data(
            "agent_stopping", "sent", 3)),
        ("another cell's event", append(ce("e2e-kill", "agent_heartbeat",
                                           guest("agent.heartbeat", 9, "x")))),
        ("a line that is no CloudEvent", append({"test": "x"})),
    ]),
    ("strict", strict_dump, [
        ("content_version 257", set_data("process_exited",
                                         "content_version", 257)),
        ("an extension key", set_data("process_spawned", "seq", 0)),
        ("an agent frame", append(ce("e2e-strict", "agent_hello", guest(
            "agent.hello", 9, "cellos-telemetr", 256)))),
        ("process.exec is v1.1", append(ce("e2e-strict", "process_exec",
                                           guest("process.exec", 9, "sh",
                                                 256)))),
        ("no fs event", drop("fs_inotify_fired")),
        ("no process.exited", drop("process_exited")),
        ("type and source differ", set_data("process_spawned",
                                            "probe_source", "process.exited")),
    ]),
    ("kill", kill_dump, [
        ("no agent_silenced", drop("agent_silenced")),
        ("agent_silenced twice", lambda evs: evs.append(evs[-1])),
        ("silenced for another agent", set_data("agent_silenced", "boot_id",
                                                "other")),
        ("silenced with the default window", set_data(
            "agent_silenced", "keepalive_ms", 10000)),
        ("agent.stopping from a killed agent", lambda evs: evs.insert(
            2, ce("e2e-kill", "agent_stopping", guest(
                "agent.stopping", 40, "cellos-telemetr", seq=1)))),
        ("frames after the silence", lambda evs: evs.append(evs[1])),
        ("no hello", drop("agent_hello")),
    ]),
]


# The host scenario with its watch on fanotify (as the 6.1 guest has it):
# defects of the attribution.
FAN_BAD = [
    ("a file event naming the agent", set_data("fs_fanotify_fired",
                                               "guest_pid", 9)),
    ("a file event of an unknown process", set_data(
        "fs_fanotify_fired", "process", {"exec_id": "unknown", "pid": 25})),
    ("a file event naming another binary", set_data(
        "fs_fanotify_fired", "exe", "/bin/other")),
    ("no fanotify create", drop("fs_fanotify_fired",
                                lambda d: d["mask"] == 0x100)),
    ("hello says fanotify, events from inotify", lambda evs: [
        e.update(type=CE + "fs_inotify_fired") for e in evs
        if check.kind(e) == "fs_fanotify_fired"]),
]


def fan_tests(n):
    """The fanotify variant of the host dump, good and broken."""
    fails = 0
    for what, breakit in [("a good fanotify dump passes", None)] + FAN_BAD:
        evs = host_dump(fan=True)
        if breakit:
            breakit(evs)
        errs = check.CHECKERS["host"](evs)
        n += 1
        ok = not errs if breakit is None else bool(errs)
        print("%sok %d - host, fanotify: %s%s" % (
            "" if ok else "not ", n, what if breakit is None else
            "rejected: " + what, "" if ok or not errs else ": %r" % errs))
        fails += not ok
    return n, fails


def errors(text):
    return check.judge(check.Run(text), STEPS)


def dump_text(name, values):
    """A dump's console lines."""
    return (["E2E BEGIN " + name] + ["E2E| " + json.dumps(v) for v in values] +
            ["E2E END %s %d" % (name, len(values))])


def full_good():
    """GOOD with the three scenario dumps added before the result line."""
    extra = []
    for name, make, _ in DUMP_BAD:
        extra += dump_text(name, make())
    return GOOD.replace("E2E RESULT: PASS", "\r\n".join(extra) +
                        "\r\nE2E RESULT: PASS")


def dump_tests(n):
    """The scenario checkers: each good dump passes, each defect fails."""
    fails = 0
    for name, make, bad in DUMP_BAD:
        errs = check.CHECKERS[name](make())
        n += 1
        print("%sok %d - %s: a good dump passes%s" % (
            "not " if errs else "", n, name, ": %r" % errs if errs else ""))
        fails += bool(errs)
        for what, breakit in bad:
            evs = make()
            breakit(evs)
            n += 1
            errs = check.CHECKERS[name](evs)
            print("%sok %d - %s: rejected: %s" % ("" if errs else "not ", n,
                                                  name, what))
            fails += not errs
    return n, fails


def main():
    n = 0
    fails = 0
    good = full_good()
    errs = errors(good)
    n += 1
    print("%sok %d - a good log passes%s" % ("not " if errs else "", n,
          "" if not errs else ": %r" % errs))
    fails += bool(errs)
    run = check.Run(good)
    n += 1
    reaped = run.reaped == [(81, "cellos-telemetr", "signal=9")]
    print("%sok %d - reaped orphans are parsed" % ("" if reaped else "not ", n))
    fails += not reaped
    for what, old, new in BAD:
        assert old in good, what
        n += 1
        errs = errors(good.replace(old, new, 1))
        print("%sok %d - rejected: %s" % ("" if errs else "not ", n, what))
        fails += not errs
    n += 1
    errs = errors(GOOD)
    print("%sok %d - rejected: the scenario dumps missing"
          % ("" if errs else "not ", n))
    fails += not errs
    n, f = dump_tests(n)
    fails += f
    n, f = fan_tests(n)
    fails += f
    print("1..%d" % n)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
