#!/usr/bin/python3
"""test_host_policy.py: --policy and --on-violation on crafted frame
streams (cbor2), the real receiver:

- one stream to three cells: c1 and c3 have a policy (the same rules
  in two files), c2 none: each denied event of c1 and c3 gives exactly one
  policy_violation naming its rule (file, line, text), the event's id and
  seq, its process and parent blocks and the rule's severity; the event's
  own line is unchanged; c2 gives none; a connect's attempt and result
  are one violation; counters per cell and rule;
- bad files (unknown kind, bad CIDR, bad port, unterminated glob, a 1 MiB
  line, a missing file): FILE:LINE:COLUMN on stderr, exit 2, no socket;
- --on-violation: a hook that sleeps 10 s never holds the receiver up
  (lines after the violations are written while the hooks still run;
  past HOST_HOOK_MAX the violations get no hook, counted), and is killed
  at its timeout, counted; a hook that fails gets the violation's JSON on
  stdin and is logged and counted; one that cannot start is counted;
  --on-violation-rate 2: of 30 violations at once, 2 hooks start in each
  second the burst spans, every other one is counted dropped;
- SIGHUP: a good file replaces the rules, a broken one keeps the old
  rules and says so, counted; the default policy ('*') judges a cell
  without its own.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import caps  # noqa: E402
from hostlib import CE, HOST, Host, Tap, counter, ev, frame, tmpdir  # noqa: E402

t = Tap()
VIOL = CE + "policy_violation"

RULES = """# test policy
connect allow 10.1.2.0/24:443
connect deny 0.0.0.0/0:*          # no other IPv4
exec allow /usr/bin/*  /bin/*
exec deny * severity=critical
write deny /etc/**
read deny /run/secrets/**
"""


def write(d, name, text):
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write(text)
    return p


class Stream:
    """One agent instance's numbered frames."""

    def __init__(self, h, cell, boot="pol-boot"):
        self.s, self.seq, self.frames = h.connect(cell), 0, []
        self.put(ev("agent.hello", pid=7, comm="cellos-telemetr", ns=1,
                    agent_version="0.1.0", boot_id=boot, session=1,
                    resume_seq=0))

    def put(self, d):
        self.frames.append(frame(d))
        self.s.sendall(self.frames[-1])

    def send(self, source, pid, **ext):
        d = ev(source, pid=pid, comm=ext.pop("comm", "x"), ns=1000 + self.seq,
               seq=self.seq, **ext)
        self.seq += 1
        self.put(d)
        return self.seq - 1


def workload(st):
    """Spawn a shell and a child; allowed and denied exec, connect, write,
    read; returns {what: seq} of the denied events."""
    st.send("process.spawned", 100, ppid=1, start_ns=900)
    st.send("process.exec", 100, exe="/bin/sh", argv="sh\0-c\0x", argc=3)
    st.send("process.spawned", 101, ppid=100, start_ns=950)
    den = {}
    st.send("process.exec", 101, exe="/usr/bin/curl", argv="curl", argc=1)
    den["exec"] = st.send("process.exec", 101, exe="/opt/evil/run",
                          argv="run", argc=1)
    net = dict(proto="tcp", family="ipv4")
    st.send("net.connect_attempted", 101, src="0.0.0.0:0", dst="10.1.2.3:443", **net)
    st.send("net.connect_result", 101, src="10.0.0.5:4000", dst="10.1.2.3:443",
            result="established", **net)
    den["connect"] = st.send("net.connect_attempted", 101, src="0.0.0.0:0",
                             dst="10.9.9.9:443", **net)
    st.send("net.connect_result", 101, src="10.0.0.5:4001", dst="10.9.9.9:443",
            result="refused", **net)
    st.send("net.connect_attempted", 101, src="[::]:0", dst="[fd00::1]:80",
            proto="tcp", family="ipv6")     # no rule: allowed
    den["write"] = st.send("fs.inotify_fired", 7, path="/etc", name="passwd",
                           mask=0x2)
    st.send("fs.inotify_fired", 7, path="/etc", name="hosts", mask=0x20)
    den["read"] = st.send("fs.inotify_fired", 7, path="/run/secrets/db",
                          name="key", mask=0x1)
    st.send("fs.inotify_fired", 7, path="/srv", name="x", mask=0x2)
    return den


def of_cell(lines, cell, typ=None):
    return [l for l in lines if l["data"]["cell_id"] == cell and
            (typ is None or l["type"] == typ)]


def judged():
    d = tmpdir("cth-pol-")
    own = write(d, "own.rules", RULES)
    dflt = write(d, "other.rules", RULES)
    h = Host(cells=("c1", "c2", "c3"), tmp=d,
             args=["--policy", "c1:" + own, "--policy", "c3:" + dflt])
    per = {}
    for c in ("c1", "c2", "c3"):
        st = Stream(h, c)
        per[c] = (st, workload(st))
    n_guest = 1 + per["c1"][0].seq
    ls = h.wait_lines(lambda ls: len(of_cell(ls, "c1")) >= n_guest + 4 and
                      len(of_cell(ls, "c3")) >= n_guest + 4 and
                      len(of_cell(ls, "c2")) >= n_guest, 10)
    stats = h.stats()
    h.stop()
    rule_line = {"connect": 3, "exec": 5, "write": 6, "read": 7}
    for c, path in (("c1", own), ("c3", dflt)):
        v = of_cell(ls, c, VIOL)
        got = sorted((x["data"]["kind"], x["data"]["event_seq"],
                      x["data"]["rule"]["line"]) for x in v)
        want = sorted((k, s, rule_line[k]) for k, s in per[c][1].items())
        t.ok(got == want, "%s: exactly the denied events, one violation "
             "each, with the rule line that denied them" % c, (got, want))
        by = {x["data"]["kind"]: x["data"] for x in v}
        ex = by.get("exec", {})
        t.ok(ex.get("rule") == {"file": path, "line": 5,
                                "text": "exec deny * severity=critical"} and
             ex.get("severity") == "critical" and ex.get("value") == "/opt/evil/run"
             and ex.get("value_from") == "exe" and
             ex.get("event_id") == "%s/pol-boot/7/%d" % (c, per[c][1]["exec"]) and
             ex.get("event_source") == "process.exec" and
             ex.get("process", {}).get("exec_id") == "%s/pol-boot/101/950" % c and
             ex.get("process", {}).get("exe") == "/opt/evil/run" and
             ex.get("parent", {}).get("exec_id") == "%s/pol-boot/100/900" % c and
             ex.get("parent", {}).get("exe") == "/bin/sh",
             "%s: the exec violation: its rule, severity, the event's id, "
             "the process and its parent" % c, ex)
        cn = by.get("connect", {})
        t.ok(cn.get("value") == "10.9.9.9:443" and cn.get("severity") == "error"
             and cn.get("rule", {}).get("text") == "connect deny 0.0.0.0/0:*" and
             cn.get("process", {}).get("pid") == 101 and
             re.match(r"policy: /opt/evil/run\[101\] connect 10\.9\.9\.9:443 "
                      r"denied by .*(own|other)\.rules:3$", cn.get("message", "")),
             "%s: the connect violation (its attempt; the refused result "
             "makes none)" % c, cn)
        wr = by.get("write", {})
        t.ok(wr.get("value") == "/etc/passwd" and wr.get("process") ==
             {"exec_id": "unknown"} and by.get("read", {}).get("value") ==
             "/run/secrets/db/key", "%s: write and read: path/name judged" % c,
             (wr, by.get("read")))
        evl = [x for x in of_cell(ls, c) if x["data"].get("seq") ==
               per[c][1]["exec"] and x["type"] == CE + "process_exec"]
        t.ok(len(evl) == 1 and "rule" not in evl[0]["data"] and
             evl[0]["data"]["exe"] == "/opt/evil/run",
             "%s: the denied event's own line goes out, unchanged" % c, evl)
        t.ok(counter(stats, "violations", c) == 4 and
             re.search(r"policy %s: \S+, 6 rules .*violations 4; by rule "
                       r"line 3=1 line 5=1 line 6=1 line 7=1;" % c, stats),
             "%s: counters: 4 violations, one for each deny rule" % c, stats)
    t.ok(not of_cell(ls, "c2", VIOL) and counter(stats, "violations", "c2") == -1
         and "policy c2:" not in stats,
         "c2 (no policy): no violation, no policy counters",
         [x["data"]["message"] for x in of_cell(ls, "c2", VIOL)])


def bad_files():
    d = tmpdir("cth-polbad-")
    cases = [
        ("kind", "exec allow /bin/*\nexecute deny *\n",
         "kind.rules:2:1: unknown rule kind 'execute' (connect, exec, write, read)"),
        ("cidr", "connect deny 10.0.0.0/40:*\n",
         "cidr.rules:1:23: prefix length 40 above 32"),
        ("cidr6", "# v6\nconnect allow [fd00::zz/8]:443\n",
         "cidr6.rules:2:16: bad IPv6 address 'fd00::zz'"),
        ("port", "connect allow 10.0.0.0/8:http\n",
         "port.rules:1:26: bad port 'http' (0-65535, N-M or *)"),
        ("glob", "\n\nwrite deny /etc/[abc\n",
         "glob.rules:3:17: unterminated '[' in '/etc/[abc'"),
        ("long", "exec deny /a\nwrite deny /" + "x" * (1 << 20) + "\n",
         "long.rules:2:4097: line longer than 4096 bytes"),
    ]
    for name, text, want in cases:
        p = write(d, name + ".rules", text)
        sock = os.path.join(d, name + ".sock")
        r = subprocess.run([HOST, "--cell", "c1:" + sock, "--policy", "*:" + p],
                           capture_output=True, text=True, timeout=30)
        err = r.stderr.strip().splitlines()
        t.ok(r.returncode == 2 and err and err[0] == "cellos-telemetry-host: " +
             want.replace(name + ".rules", p) and not os.path.exists(sock),
             "bad policy (%s): exit 2, %s" % (name, want),
             (r.returncode, r.stderr[:400]))
    r = subprocess.run([HOST, "--cell", "c1:" + os.path.join(d, "m.sock"),
                        "--policy", "c1:" + os.path.join(d, "missing")],
                       capture_output=True, text=True, timeout=30)
    t.ok(r.returncode == 2 and "missing: No such file or directory" in r.stderr,
         "a missing policy file: exit 2, named", r.stderr)
    for args, why in ((["--policy", "c9:/x"], "names a cell no --cell gives"),
                      (["--policy", "c1"], "--policy wants ID:FILE"),
                      (["--policy", "c1:/a", "--policy", "c1:/b"], "two --policy"),
                      (["--on-violation", "/bin/true"], "wants at least one --policy"),
                      (["--policy", "c1:/a", "--on-violation", " "], "1 to 32 words")):
        r = subprocess.run([HOST, "--cell", "c1:" + os.path.join(d, "o.sock")] + args,
                           capture_output=True, text=True, timeout=30)
        t.ok(r.returncode == 2 and why in r.stderr, "%s: exit 2" % " ".join(args),
             r.stderr[:300])


def violations(st, n, start=0):
    for i in range(n):
        st.send("process.exec", 200 + start + i, exe="/opt/x%d" % (start + i),
                argv="x", argc=1)


def slow_hook():
    d = tmpdir("cth-polhook-")
    p = write(d, "p.rules", "exec deny /opt/**\n")
    h = Host(tmp=d, args=["--policy", "c1:" + p, "--on-violation", "/bin/sleep 10"])
    st = Stream(h, "c1")
    mx = caps("HOST_HOOK_MAX")
    violations(st, mx + 3)
    for i in range(200):
        st.send("process.spawned", 300 + i, ppid=1, start_ns=5000 + i)
    last = st.send("agent.heartbeat", 7, interval_ms=1000)
    ls = h.wait_lines(lambda ls: any(l["data"].get("seq") == last for l in ls), 20)
    stats = h.stats()
    t.ok(any(l["data"].get("seq") == last for l in ls) and
         len([l for l in ls if l["type"] == VIOL]) == mx + 3 and
         re.search(r"on-violation: started %d running %d;" % (mx, mx), stats) and
         re.search(r"dropped busy 3 ", stats),
         "hooks that sleep 10 s: every line after the violations is written "
         "while %d hooks still run; 3 violations past the bound get none, "
         "counted" % mx, (len(ls), stats[-600:]))
    stats = h.wait_stats(lambda s: re.search(r"timed out %d;" % mx, s), 40)
    t.ok(re.search(r"timed out %d;.*running 0|running 0;.*timed out %d;" % (mx, mx), stats)
         and "killed after" in h.stderr(),
         "each is killed at its timeout, logged and counted", stats[-600:])
    h.stop()


def failing_hook():
    d = tmpdir("cth-polfail-")
    p = write(d, "p.rules", "exec deny /opt/**\n")
    hook = write(d, "hook.sh", "#!/bin/sh\ncat > \"$1.$$\"\nexit 3\n")
    os.chmod(hook, 0o755)
    h = Host(tmp=d, args=["--policy", "c1:" + p, "--on-violation",
                          "%s %s" % (hook, os.path.join(d, "in"))])
    st = Stream(h, "c1")
    violations(st, 2)
    stats = h.wait_stats(lambda s: re.search(r"failed 2,", s), 30)
    ls = [l for l in h.lines() if l["type"] == VIOL]
    got = []
    for f in sorted(os.listdir(d)):
        if f.startswith("in."):
            got.append(json.loads(open(os.path.join(d, f)).read()))
    t.ok(re.search(r"started 2 running 0; exited 0 0, failed 2,", stats) and
         len(re.findall(r"on-violation: %s \[\d+\] exited 3" % re.escape(hook),
                        h.stderr())) == 2,
         "a hook that exits 3: logged with its status, counted", stats[-600:])
    t.ok(sorted(x["id"] for x in got) == sorted(x["id"] for x in ls) and
         len(got) == 2 and all(x["type"] == VIOL for x in got),
         "each hook read its violation's JSON on stdin", (got, [x["id"] for x in ls]))
    h.stop()
    h = Host(tmp=tmpdir(), args=["--policy", "c1:" + p, "--on-violation",
                                 "/nonexistent/hook"])
    st = Stream(h, "c1")
    violations(st, 1)
    stats = h.wait_stats(lambda s: re.search(r"spawn failed 1;", s), 20)
    t.ok(re.search(r"started 0 .*spawn failed 1;", stats) and
         len(h.wait_lines(lambda ls: any(l["type"] == VIOL for l in ls), 10)) >= 2,
         "a hook that cannot start: counted, the violation written", stats[-400:])
    h.stop()


def rate_bound():
    d = tmpdir("cth-polrate-")
    p = write(d, "p.rules", "exec deny /opt/**\n")
    h = Host(tmp=d, args=["--policy", "c1:" + p, "--on-violation", "/bin/true",
                          "--on-violation-rate", "2"])
    st = Stream(h, "c1")
    t0 = time.monotonic()
    violations(st, 30)
    # the host read the 30 once their 30 violation lines are out
    h.wait_lines(lambda ls: len([l for l in ls if l["type"] == VIOL]) == 30, 20)
    secs = time.monotonic() - t0
    pat = (r"started (\d+) running 0; exited 0 (\d+), failed 0, timed out 0; "
           r"dropped busy (\d+) rate (\d+);")
    stats = h.wait_stats(lambda s: re.search(pat, s) and
                         sum(map(int, re.search(pat, s).group(1, 3, 4))) == 30, 20)
    m = re.search(pat, stats)
    started, busy, rated = (int(m.group(i)) for i in (1, 3, 4)) if m else (0, 0, 0)
    t.ok(m and started + busy + rated == 30 and rated > 0 and
         started <= 2 * (int(secs) + 2) and "hooks started this second" in h.stderr(),
         "--on-violation-rate 2: 30 violations in %.2f s start %d hooks, at most "
         "2 a second; the %d others are counted dropped and logged" % (
             secs, started, busy + rated), stats[-600:])
    h.stop()
    r = subprocess.run([HOST, "--cell", "c1:" + os.path.join(d, "r.sock"),
                        "--policy", "c1:" + p, "--on-violation-rate", "2"],
                       capture_output=True, text=True, timeout=30)
    t.ok(r.returncode == 2 and "--on-violation-rate wants --on-violation" in r.stderr,
         "--on-violation-rate without a hook: exit 2", r.stderr[:300])
    for bad in ("0", "1001", "x"):
        r = subprocess.run([HOST, "--cell", "c1:" + os.path.join(d, "r.sock"),
                            "--policy", "c1:" + p, "--on-violation", "/bin/true",
                            "--on-violation-rate", bad],
                           capture_output=True, text=True, timeout=30)
        t.ok(r.returncode == 2 and "wants 1..1000" in r.stderr,
             "--on-violation-rate %s: exit 2" % bad, r.stderr[:300])


def reload():
    d = tmpdir("cth-polhup-")
    p = write(d, "p.rules", "exec deny /opt/a\n")
    h = Host(tmp=d, args=["--policy", "*:" + p])
    st = Stream(h, "c1")
    st.send("process.exec", 10, exe="/opt/a", argv="a", argc=1)
    st.send("process.exec", 11, exe="/opt/b", argv="b", argc=1)
    h.wait_lines(lambda ls: len(ls) >= 4, 10)
    write(d, "p.rules", "# new\nexec deny /opt/b\n")
    h.proc.send_signal(signal.SIGHUP)
    h.wait_stats(lambda s: "reloaded 1" in s, 10)
    st.send("process.exec", 12, exe="/opt/a", argv="a", argc=1)
    st.send("process.exec", 13, exe="/opt/b", argv="b", argc=1)
    h.wait_lines(lambda ls: len(ls) >= 7, 10)
    write(d, "p.rules", "exec deny /opt/c\nexec denny /opt/b\n")
    h.proc.send_signal(signal.SIGHUP)
    stats = h.wait_stats(lambda s: "reload failed 1" in s, 10)
    st.send("process.exec", 14, exe="/opt/a", argv="a", argc=1)
    st.send("process.exec", 15, exe="/opt/b", argv="b", argc=1)
    ls = h.wait_lines(lambda ls: len(ls) >= 10, 10)
    stats = h.stats()
    h.stop()
    v = [(l["data"]["value"], l["data"]["rule"]["line"]) for l in ls
         if l["type"] == VIOL]
    t.ok(v == [("/opt/a", 1), ("/opt/b", 2), ("/opt/b", 2)],
         "SIGHUP: the new rules judge from then on; a broken file keeps them",
         v)
    t.ok(("%s:2:6: 'denny' is not allow or deny; keeping the 1 rules of %s "
          "loaded before" % (p, p)) in h.stderr() and
         "SIGHUP: reloaded %s: 1 rules" % p in h.stderr() and
         re.search(r"\(reloaded 1, reload failed 1\): violations 3; by rule "
                   r"line 2=2;", stats),
         "the reload and the broken file are logged and counted; totals go on",
         (h.stderr()[-800:], stats))


judged()
bad_files()
slow_hook()
failing_hook()
rate_bound()
reload()
t.done()
