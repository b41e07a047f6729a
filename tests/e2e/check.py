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


# dump name -> function(list of JSON values) -> list of error strings.
CHECKERS = {
    "pingpong-any": lambda recs: check_pingpong(recs, "any"),
    "pingpong-local": lambda recs: check_pingpong(recs, "local"),
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
