#!/usr/bin/python3
"""check.py SERIAL_LOG STEPS: judge an e2e guest run from its console log.

The guest's /init prints "E2E STEP NAME ok|FAIL DETAIL" per step,
"E2E BEGIN NAME" / "E2E| LINE"... / "E2E END NAME COUNT" around each dump,
"E2E REAPED PID COMM STATUS" for orphans it reaped and one
"E2E RESULT: PASS|FAIL".  This checks that the guest said PASS exactly once,
that every step of the STEPS file ran exactly once and was ok, that every
dump is whole and is JSON Lines, and then runs the checker registered in
CHECKERS for each dump by name.  A scenario adds a function there.  Prints
"check: ..." lines; exits 0 only when everything held.
"""
import json
import sys


class Run:
    """What the guest printed, parsed from the console log."""

    def __init__(self, text):
        self.steps = {}      # name -> list of (ok, detail)
        self.dumps = {}      # name -> list of JSON values
        self.reaped = []     # (pid, comm, status)
        self.results = []
        self.errors = []
        self.parse(text.replace("\r", "").split("\n"))

    def parse(self, lines):
        dump = None
        for line in lines:
            if dump is not None:
                dump = self.dump_line(dump, line)
            elif line.startswith("E2E STEP "):
                name, ok, detail = (line[9:].split(" ", 2) + [""])[:3]
                self.steps.setdefault(name, []).append((ok == "ok", detail))
            elif line.startswith("E2E BEGIN "):
                dump = (line[10:], [])
            elif line.startswith("E2E REAPED "):
                pid, rest = line[11:].split(" ", 1)
                comm, status = rest.rsplit(" ", 1)
                self.reaped.append((int(pid), comm, status))
            elif line.startswith("E2E RESULT: "):
                self.results.append(line[12:].strip())
        if dump is not None:
            self.errors.append("dump %s has no END line" % dump[0])

    def dump_line(self, dump, line):
        """One line inside a dump; returns the dump still open, or None."""
        name, values = dump
        if line.startswith("E2E END "):
            words = line[8:].split()
            if words != [name, str(len(values))]:
                self.errors.append("dump %s: END line %r after %d lines"
                                   % (name, line, len(values)))
            self.dumps[name] = values
            return None
        if not line.startswith("E2E| "):
            return dump      # a kernel or child line in between
        try:
            values.append(json.loads(line[5:]))
        except ValueError as e:
            self.errors.append("dump %s: not JSON (%s): %r" % (name, e, line))
        return dump


def check_pingpong(records, bind):
    """One vsock-pingpong record: every byte echoed between CID 1 ends."""
    if len(records) != 1:
        return ["pingpong-%s: %d records, want 1" % (bind, len(records))]
    r = records[0]
    errs = []
    want = {"test": "vsock-pingpong", "bind": bind, "local_cid": 1,
            "peer_cid": 1, "echoed": r.get("want"), "client_exit": 0}
    for key, value in want.items():
        if r.get(key) != value:
            errs.append("pingpong-%s: %s is %r, want %r"
                        % (bind, key, r.get(key), value))
    return errs


CE = "dev.cellos.events.cell.observability.guest.v1."
STAMP = ["cell_id", "run_id", "host_received_at"]
V10 = ["content_version", "probe_source", "guest_pid", "guest_comm",
       "guest_monotonic_ns"]
V10_SOURCES = {"process.spawned", "process.exited", "fs.inotify_fired",
               "net.connect_attempted", "capability.denied"}
# What the host adds to a guest event's data (doc/WIRE.md §6): severity
# and message after the stamp; exit names, durations and the process
# blocks after the guest's fields.
HOST_ADDS = {"severity", "message", "duration_ns", "exit_signal_name",
             "time_clamped", "process", "parent", "ancestors"}
IN_MODIFY, IN_CREATE, IN_DELETE = 0x2, 0x100, 0x200


def kind(e):
    """The short type of a CloudEvent ("process_exited"), or None."""
    t = e.get("type", "") if isinstance(e, dict) else ""
    return t[len(CE):] if t.startswith(CE) else None


def of(events, short):
    """The events of one short type, in dump order."""
    return [e["data"] for e in events if kind(e) == short]


def envelope(events, cell):
    """Every line a CloudEvent of this cell with the host stamp."""
    errs = []
    for i, e in enumerate(events):
        d = e.get("data") if isinstance(e, dict) else None
        if (kind(e) is None or e.get("specversion") != "1.0" or
                e.get("source") != "cellos://cell/" + cell or
                not isinstance(d, dict) or d.get("cell_id") != cell or
                list(d)[:3] != STAMP):
            errs.append("%s: line %d is not a CloudEvent of cell %s: %.200r"
                        % (cell, i + 1, cell, e))
    return errs


def find_exec(events, argv):
    """(pid, start_ns) of the process.exec with this argv, or None."""
    for d in of(events, "process_exec"):
        if d.get("argv") == argv:
            return d.get("guest_pid"), d.get("start_ns")
    return None


def exit_of(events, proc):
    """The process.exited data of (pid, start_ns), or None."""
    for d in of(events, "process_exited"):
        if (d.get("guest_pid"), d.get("start_ns")) == proc:
            return d
    return None


def check_processes(events):
    """exit 3 and a SIGTERM death, each spawned, exec'd (exe: the real
    file behind /bin/sh, from fanotify) and exited."""
    errs = []
    for argv, want in ((["/bin/sh", "-c", "sleep 0.2; exit 3"], {"exit_code": 3}),
                       (["/bin/sh", "-c", "sleep 0.2; kill -TERM $$"],
                        {"exit_signal": 15})):
        proc = find_exec(events, argv)
        spawned = [(d.get("guest_pid"), d.get("start_ns"))
                   for d in of(events, "process_spawned")]
        ex = exit_of(events, proc) if proc else None
        got = {k: ex[k] for k in ("exit_code", "exit_signal")
               if ex and k in ex}
        exes = [d.get("exe") for d in of(events, "process_exec")
                if d.get("argv") == argv]
        if proc is None:
            errs.append("host: no process.exec of %r" % argv)
        elif exes != ["/bin/busybox"]:
            errs.append("host: the exec of %r names exe %r, want "
                        "/bin/busybox" % (argv, exes))
        elif proc not in spawned:
            errs.append("host: no process.spawned of %r %r" % (argv, proc))
        elif got != want:
            errs.append("host: %r exited %r, want %r" % (argv, got, want))
    return errs


def check_fs(events):
    """/tmp/watched/file created, modified, deleted.  On the mechanism
    hello's `watches` names: fanotify (fs.fanotify_fired, each naming the
    workload's busybox, never the agent), or inotify (fs.inotify_fired,
    the agent's pid: a file system fanotify cannot mark)."""
    errs, masks = [], 0
    hellos = of(events, "agent_hello")
    agents = {h.get("guest_pid") for h in hellos}
    how = [h.get("watches", {}).get("1", "") for h in hellos]
    fan = all(w.startswith("fanotify ") for w in how)
    if not how or not (fan or all(w.startswith("inotify") for w in how)) or \
            not all(w.endswith(" /tmp/watched") for w in how):
        errs.append("host: hello watches %r, want /tmp/watched on one "
                    "mechanism" % how)
    for d in of(events, "fs_fanotify_fired" if fan else "fs_inotify_fired"):
        if d.get("path") != "/tmp/watched" or d.get("name") != "file":
            continue
        masks |= d.get("mask", 0)
        exe = d.get("exe") or d.get("process", {}).get("exe")
        if fan and (d.get("guest_pid") in agents or exe != "/bin/busybox" or
                    d.get("process", {}).get("exec_id") == "unknown"):
            errs.append("host: fanotify event not named by the workload's "
                        "busybox: %.300r" % d)
    for bit, what in ((IN_CREATE, "create"), (IN_MODIFY, "modify"),
                      (IN_DELETE, "delete")):
        if not masks & bit:
            errs.append("host: no fs event %s of /tmp/watched/file" % what)
    return errs


def check_fs_net(events):
    """The file events; connects to 7, 7001."""
    errs = check_fs(events)
    dsts = [(d.get("proto"), d.get("dst"))
            for d in of(events, "net_connect_attempted")]
    for port in (7, 7001):
        if ("tcp", "127.0.0.1:%d" % port) not in dsts:
            errs.append("host: no net.connect_attempted to 127.0.0.1:%d in %r"
                        % (port, dsts))
    return errs + check_outcomes(events)


def check_outcomes(events):
    """The connects' outcomes (interpreted BPF: the guest runs without a
    JIT, as stock Firecracker kernels do): port 7 refused, 7001
    established, accepted by nc -l, and the client's 12 bytes closed."""
    errs = []
    res = {(d.get("dst"), d.get("result"))
           for d in of(events, "net_connect_result")}
    for want in (("127.0.0.1:7", "refused"), ("127.0.0.1:7001", "established")):
        if want not in res:
            errs.append("host: no net.connect_result %s %s in %r"
                        % (want[0], want[1], sorted(res, key=str)))
    # busybox nc -l listens on ::, so its side is IPv6, v4-mapped
    at = ("127.0.0.1:7001", "[::ffff:127.0.0.1]:7001")
    if not [d for d in of(events, "net_accepted")
            if d.get("dst") in at and d.get("guest_comm") == "nc"]:
        errs.append("host: no net.accepted of nc's listener on 7001")
    closed = [(d.get("direction"), d.get("bytes_sent"))
              for d in of(events, "net_closed")
              if d.get("dst") in at or d.get("src") in at]
    if ("outbound", 12) not in closed or ("inbound", 0) not in closed:
        errs.append("host: net.closed of the 7001 connection %r, want "
                    "outbound 12 bytes and inbound 0" % closed)
    return errs


def check_hellos(events):
    """Two hellos (one per host run) of one agent, every probe armed."""
    hellos = of(events, "agent_hello")
    sess = [h.get("session") for h in hellos]
    errs = []
    if len(hellos) < 2 or sess[0] != 1 or hellos[0].get("resume_seq") != 0:
        errs.append("host: hellos with sessions %r, want 1 then a "
                    "reconnect" % sess)
    elif sorted(sess) != sess or len(set(sess)) != len(sess):
        errs.append("host: hello sessions %r not increasing" % sess)
    if len({(h.get("boot_id"), h.get("guest_pid")) for h in hellos}) > 1:
        errs.append("host: hellos from more than one agent")
    if len({h.get("run_id") for h in hellos}) < 2:
        errs.append("host: no hello to the restarted host")
    for h in hellos:
        p = h.get("probes", {})
        want = {"process": "armed", "process.exe": "armed", "fs": "armed",
                "net": "armed"}
        if {k: p.get(k) for k in want} != want:
            errs.append("host: hello probes %r, want process (and its exe "
                        "source, fanotify), fs and net armed (net armed: "
                        "the BPF cgroup hooks)" % p)
        if "guest_pid" not in h.get("outcomes", {}).get("net.closed", ""):
            errs.append("host: hello outcomes %r, want the BPF outcome "
                        "layer's" % h.get("outcomes"))
    return errs


def check_seq(events):
    """Every seq 0..last arrived; replays only repeat; no loss anywhere."""
    errs = []
    seen = {}
    for e in events:
        d = e["data"]
        if "seq" in d and kind(e) not in ("telemetry_dropped",):
            if d["seq"] in seen and seen[d["seq"]] != e["id"]:
                errs.append("host: seq %d twice with different ids"
                            % d["seq"])
            seen[d["seq"]] = e["id"]
    last = max(seen) if seen else -1
    missing = sorted(set(range(last + 1)) - set(seen))
    if last < 0 or missing:
        errs.append("host: seqs 0..%d, missing %r" % (last, missing[:20]))
    for short in ("telemetry_dropped", "agent_loss", "frame_rejected",
                  "agent_silenced"):
        if of(events, short):
            errs.append("host: %d %s events" % (len(of(events, short)), short))
    stop = of(events, "agent_stopping")
    if len(stop) != 1 or stop[0].get("seq") != last:
        errs.append("host: %d agent.stopping, want one, the last seq %d"
                    % (len(stop), last))
    elif (stop[0].get("emitted") != last or     # the frames before it
          stop[0].get("sent") != last or
          any(stop[0].get("dropped", {"?": 1}).values())):
        errs.append("host: the agent's own count at its stop: %r" % stop[0])
    return errs


def check_host(events):
    """The main scenario: workload, restart, seq, hello, heartbeat."""
    errs = envelope(events, "e2e")
    if errs:
        return errs[:5]
    errs += check_hellos(events)
    if not of(events, "agent_heartbeat"):
        errs.append("host: no agent.heartbeat")
    errs += check_processes(events)
    errs += check_fs_net(events)
    errs += check_seq(events)
    hello_runs = [h["run_id"] for h in of(events, "agent_hello")]
    outage = [d for d in of(events, "process_exited")
              if d.get("exit_code") == 4]
    if len(outage) != 1 or outage[0]["run_id"] in hello_runs[:1]:
        errs.append("host: the process of the outage (exit 4), want it "
                    "once, from the restarted host: %r" % outage)
    return errs


def check_strict(events):
    """--wire strict: every event decoded as v1.0, nothing else."""
    errs = envelope(events, "e2e-strict")
    if errs:
        return errs[:5]
    for e in events:
        d = e["data"]
        if ([k for k in d if k not in HOST_ADDS] != STAMP + V10 or
                list(d)[3:5] != ["severity", "message"] or
                d["content_version"] != 256 or
                d["probe_source"] not in V10_SOURCES or
                kind(e) != d["probe_source"].replace(".", "_")):
            errs.append("strict: not a v1.0 event: %.300r" % e)
    srcs = {e["data"].get("probe_source") for e in events}
    for want in ("process.spawned", "process.exited", "fs.inotify_fired"):
        if want not in srcs:
            errs.append("strict: no %s event" % want)
    return errs


def check_kill(events):
    """An agent killed by SIGKILL: its hello, then agent_silenced once."""
    errs = envelope(events, "e2e-kill")
    if errs:
        return errs[:5]
    hellos = of(events, "agent_hello")
    sil = of(events, "agent_silenced")
    if len(hellos) != 1:
        errs.append("kill: %d hellos, want 1" % len(hellos))
    if len(sil) != 1:
        errs.append("kill: %d agent_silenced, want 1" % len(sil))
    elif hellos and (sil[0].get("boot_id") != hellos[0].get("boot_id") or
                     sil[0].get("keepalive_ms") != 1000):
        errs.append("kill: agent_silenced %r not for the agent of %r"
                    % (sil[0], hellos[0]))
    if [k for k in map(kind, events) if k == "agent_silenced"] and \
            kind(events[-1]) != "agent_silenced":
        errs.append("kill: agent_silenced is not the last event")
    if of(events, "agent_stopping"):
        errs.append("kill: agent.stopping from an agent killed by SIGKILL")
    return errs


# dump name -> function(list of JSON values) -> list of error strings.
CHECKERS = {
    "pingpong-any": lambda recs: check_pingpong(recs, "any"),
    "pingpong-local": lambda recs: check_pingpong(recs, "local"),
    "host": check_host,
    "strict": check_strict,
    "kill": check_kill,
}


def step_names(path):
    """The step names of a steps file, in order."""
    names = []
    with open(path) as f:
        for line in f:
            words = line.split()
            if len(words) >= 2 and not words[0].startswith("#"):
                names.append(words[1])
    return names


def judge(run, names):
    """All the errors of a run, as strings."""
    errs = list(run.errors)
    if run.results != ["PASS"]:
        errs.append("guest result lines: %r, want exactly ['PASS']"
                    % run.results)
    for name in names:
        got = run.steps.get(name, [])
        if len(got) != 1:
            errs.append("step %s reported %d times" % (name, len(got)))
    for name, reports in run.steps.items():
        errs += ["step %s: FAIL %s" % (name, d) for ok, d in reports if not ok]
    for name, values in run.dumps.items():
        if name not in CHECKERS:
            errs.append("dump %s has no checker in check.py" % name)
        else:
            errs += CHECKERS[name](values)
    errs += ["no dump %s" % n for n in CHECKERS if n not in run.dumps]
    return errs


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check.py SERIAL_LOG STEPS")
    try:
        with open(sys.argv[1], "rb") as f:
            run = Run(f.read().decode("utf-8", "replace"))
    except OSError as e:
        sys.exit("check: FAIL no console log: %s" % e)
    errs = judge(run, step_names(sys.argv[2]))
    print("check: %d steps, %d dumps, %d orphans reaped"
          % (len(run.steps), len(run.dumps), len(run.reaped)))
    for e in errs:
        print("check: FAIL " + e)
    sys.exit(1 if errs else 0)


if __name__ == "__main__":
    main()
