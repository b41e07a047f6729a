#!/usr/bin/python3
"""test_agent_loss.py: reconnect, replay and exact loss accounting.

- The receiver (acking) is SIGKILLed and restarted mid-stream: the agent
  reconnects, says hello with session 2 and the seq it resumes at,
  replays what was not acked; seq runs on with no gap (big ring) or with
  a gap that one agent.loss frame names exactly (small ring).
- The receiver is SIGSTOPped while a burst far larger than ring and socket
  buffer pours in: the agent keeps running (it finishes the burst), and
  after SIGCONT and SIGTERM: emitted == delivered + counted lost, exactly,
  with and without acks.
"""
import signal

from agentlib import (Agent, Receiver, Tap, check_accounting,
                      check_loss_in_place, frames, pid_alive, read_mark,
                      records, tmp, wait_until)

t = Tap()


def acked(out, seq):
    return any(r.get("ack", -1) >= seq for r in records(out))


def kill_restart(name, ring, burst):
    sock, out, mark = tmp(name + ".sock"), tmp(name + ".jsonl"), tmp(name + ".mark")
    rcv = Receiver(sock, out, ack=True)
    a = Agent(sock, "--ring-bytes", ring, "--heartbeat-ms", "60000",
              "--test-events", str(burst), "--test-mark", mark)
    wait_until(lambda: acked(out, burst - 1))
    t.ok(acked(out, burst - 1), "%s: first burst received and acked" % name)
    rcv.kill()                            # SIGKILL
    a.signal(signal.SIGUSR1)              # second burst, nobody listening
    wait_until(lambda: (read_mark(mark) or (0, 0))[1] == 2)
    t.ok(a.p.poll() is None and read_mark(mark)[1] == 2,
         "%s: receiver gone: the agent runs on, emits its burst" % name)
    rcv = Receiver(sock, out, ack=True, conn_base=1)
    wait_until(lambda: any(f.get("probe_source") == "agent.hello"
                           for c, f in frames(out) if c == 2) and
               acked(out, 2 * burst - 1))
    h = [f for c, f in frames(out, "agent.hello") if c == 2]
    t.ok(len(h) == 1 and h[0]["session"] == 2,
         "%s: reconnected, hello with session 2" % name, h)
    second = [f for c, f in frames(out) if c == 2 and "seq" in f]
    loss = [f for c, f in frames(out, "agent.loss") if c == 2]
    resume = h[0]["resume_seq"] if h else -1
    t.ok(second and second[0]["seq"] == resume,
         "%s: the stream resumes at resume_seq %d" % (name, resume),
         second[:1])
    a.signal(signal.SIGTERM)
    t.ok(a.wait() == 0, "%s: SIGTERM, exit 0" % name)
    res = check_accounting(t, out, name)
    check_loss_in_place(t, out, name)
    rcv.stop()
    return resume, loss, res


# Big ring: nothing lost; everything acked before the kill is not resent.
resume, loss, res = kill_restart("kill-big-ring", "1m", 3000)
t.ok(resume == 3000 and not loss and res and not res[2],
     "big ring: resume at 3000, no loss, seq continuous", (resume, loss))

# Small ring: the second burst overflows while nobody listens.
resume, loss, res = kill_restart("kill-small-ring", "64k", 3000)
t.ok(len(loss) == 1 and loss[0]["first_seq"] == 3000 and
     loss[0]["first_seq"] + loss[0]["count"] == resume and
     loss[0]["reason"] == "ring_overwrite",
     "small ring: one loss frame names exactly the overwritten range "
     "3000..%d" % (resume - 1), loss)


def stopped_receiver(name, ack):
    sock, out, mark = tmp(name + ".sock"), tmp(name + ".jsonl"), tmp(name + ".mark")
    rcv = Receiver(sock, out, ack=ack)
    a = Agent(sock, "--ring-bytes", "64k", "--heartbeat-ms", "200",
              "--test-events", "20000", "--test-mark", mark)
    wait_until(lambda: (read_mark(mark) or (0, 0))[1] == 1)
    rcv.signal(signal.SIGSTOP)
    a.signal(signal.SIGUSR1)              # 20000 more: far past ring + socket
    wait_until(lambda: (read_mark(mark) or (0, 0))[1] == 2, timeout=120)
    t.ok(read_mark(mark)[1] == 2 and pid_alive(a.pid),
         "%s: receiver stopped: the agent finished its burst" % name)
    rcv.signal(signal.SIGCONT)
    n0 = len(frames(out, "agent.heartbeat"))
    wait_until(lambda: len(frames(out, "agent.heartbeat")) > n0 + 2)
    t.ok(len(frames(out, "agent.heartbeat")) > n0 + 2,
         "%s: receiver resumed: heartbeats flow again" % name)
    a.signal(signal.SIGTERM)
    t.ok(a.wait() == 0, "%s: SIGTERM, exit 0" % name)
    res = check_accounting(t, out, name)
    n = check_loss_in_place(t, out, name)
    t.ok(res and res[2] and n >= 1, "%s: the overflow was counted" % name)
    rcv.stop()


stopped_receiver("sigstop-no-acks", False)
stopped_receiver("sigstop-acks", True)

# SIGTERM while the receiver is stopped: the flush is bounded, exit 0.
sock, out, mark = tmp("stuck.sock"), tmp("stuck.jsonl"), tmp("stuck.mark")
rcv = Receiver(sock, out)
a = Agent(sock, "-v", "--ring-bytes", "64k", "--heartbeat-ms", "60000",
          "--test-events", "20000", "--test-mark", mark)
wait_until(lambda: (read_mark(mark) or (0, 0))[1] == 1)
rcv.signal(signal.SIGSTOP)
a.signal(signal.SIGUSR1)
wait_until(lambda: (read_mark(mark) or (0, 0))[1] == 2)
t.ok(read_mark(mark)[1] == 2, "receiver stopped: the agent finished its burst")
a.signal(signal.SIGTERM)
t.ok(a.wait() == 0, "receiver stopped: SIGTERM still ends the agent, exit 0")
err = a.stderr()
m = [l for l in err.splitlines() if "stopping: emitted" in l]
t.ok("stopping with" in err and "undelivered" in err and m,
     "receiver stopped: the agent gave up on what it could not flush",
     err[-400:])
rcv.signal(signal.SIGCONT)
rcv.stop()
t.done()
