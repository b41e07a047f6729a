#!/usr/bin/python3
"""test_cap.py: the capability probe (audit) reports EPERM syscalls.

As uid 65534 (setpriv), a setuid, a chown and a mount that fail with
EPERM are each reported once with the right syscall number, errno, pid,
comm and uid.  While armed, the kernel lists our rule (checked here with
our own netlink code, not the C under test) and a second daemon is
refused with failed:<why>.  After a clean stop the rule is gone and audit
is as we found it (pid, enabled, backlog).  Whatever happens, the test
removes the rule and gives the audit pid back: while we hold it, kernel
audit messages go to us, not to the kernel log, so the window is short.
"""
import os
import signal
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import probelib as pl  # noqa: E402

# x86_64 numbers; the child calls them by number so the test knows them.
SYSCALLS = {"setuid": 105, "chown": 92, "mount": 165}
CHILD = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
print(os.getpid(), flush=True)
assert libc.syscall(105, 0) == -1 and ctypes.get_errno() == 1
assert libc.syscall(92, b"/", 0, 0) == -1 and ctypes.get_errno() == 1
assert libc.syscall(165, b"none", b"/tmp", b"tmpfs", 0, None) == -1 and \\
    ctypes.get_errno() == 1
"""


def run_child():
    out = subprocess.run(["setpriv", "--reuid", "65534", "--regid", "65534",
                          "--clear-groups", pl.PY, "-c", CHILD],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return int(out.stdout.split()[0])


def armed_checks(tap, cp):
    rules = pl.eperm_rules()
    arches = sorted(a for a, _ in rules)
    tap.ok(arches == [0x40000003, 0xc000003e],
           "the kernel lists the exit rules (x86_64, i386; exit=-EPERM)",
           [hex(a or 0) for a in arches])
    tap.ok(len(pl.exclude_rules()) == 1, "and the exclude rule for auxiliary records")
    st = pl.audit_status()
    tap.ok(st["pid"] == cp.p.pid and st["enabled"] == 1,
           "the probe is the audit daemon, audit enabled", st)
    second = pl.Tool([pl.build("capprobe")])
    try:
        rc = second.p.wait(10)
    except subprocess.TimeoutExpired:
        rc = None
    second.stop()
    st2 = second.status(1)
    tap.ok(rc == 1 and st2 and st2["status"] ==
           "failed:audit pid held by pid %d" % cp.p.pid,
           "a second daemon is refused with failed:<why>", st2)


def cleanup(before):
    """Leave audit as we found it, even after a failure."""
    keys = ("enabled", "backlog_limit", "backlog_wait_time")
    for body in [b for _, b in pl.eperm_rules()] + pl.exclude_rules():
        print("# cleanup: removing a left-over rule")
        pl.audit_delete_rule(body)
    st = pl.audit_status()
    if st["pid"] != before["pid"]:
        print("# cleanup: releasing the audit pid %d" % st["pid"])
        pl.audit_set(4, pid=0)
    if any(st[k] != before[k] for k in keys):
        print("# cleanup: restoring %s" % {k: before[k] for k in keys})
        pl.audit_set(1 | 0x10 | 0x20, **{k: before[k] for k in keys})


def main():
    tap = pl.Tap()
    if os.geteuid() != 0 or os.uname().machine != "x86_64":
        tap.skip_all("needs root on x86_64 (audit, syscall numbers)")
    before = pl.audit_status()
    if before["pid"] != 0:
        tap.skip_all("an audit daemon (pid %d) holds audit" % before["pid"])
    if before["enabled"] == 2:
        tap.skip_all("audit is locked")
    if pl.eperm_rules() or pl.exclude_rules():
        tap.skip_all("audit rules like the probe's exist already")
    rules_before = [r[3] for r in pl.all_rules()]
    # A SIGTERM must still run the clean-up below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    cp = pl.Tool([pl.build("capprobe")])
    try:
        st = cp.status()
        if not tap.ok(st and st["status"] == "armed", "capability probe armed", st):
            return
        armed_checks(tap, cp)
        pid = run_child()
        mine = lambda ls: [e for e in ls if e.get("guest_pid") == pid]
        cp.wait_for(lambda ls: len(mine(ls)) >= 3, 10)
        rc, stopped = cp.stop()
        evs = mine(cp.events())
        for name, nr in SYSCALLS.items():
            hits = [e for e in evs if e.get("syscall") == nr]
            tap.ok(len(hits) == 1 and hits[0]["errno"] == 1 and hits[0]["uid"] == 65534
                   and hits[0]["guest_comm"] == "python3",
                   "%s (%d) denied: reported once, errno 1, uid 65534, pid %d"
                   % (name, nr, pid), hits)
        tap.ok(rc == 0 and stopped and stopped["losses"]["audit_lost"] == 0 and
               stopped["losses"]["probe_error"] == 0, "clean stop, nothing lost", stopped)
        tap.ok([r[3] for r in pl.all_rules()] == rules_before,
               "the rules are gone after the stop (the list is as before)")
        after = pl.audit_status()
        tap.ok(all(after[k] == before[k] for k in
                   ("pid", "enabled", "backlog_limit", "backlog_wait_time")),
               "audit is as we found it", (before, after))
    finally:
        if cp.p.poll() is None:
            cp.stop()
        cleanup(before)
    tap.done()


if __name__ == "__main__":
    main()
