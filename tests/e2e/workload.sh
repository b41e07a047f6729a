#!/bin/sh
# workload.sh [outage|strict]: the cell's workload in the e2e guest (busybox sh).
#
# Does what the agent must then report: processes that are spawned, exec
# and exit with chosen codes, a change to a watched file, a refused and an
# established TCP connect on loopback.  It checks each action's own outcome
# here (so a broken guest shows up as a failed action, not as a missing
# event later) and exits non-zero if any failed.  It prints "workload: ..."
# lines; the agent's view of the same actions is check.py's business.
set -u
failed=0

fail() { echo "workload: FAIL $*"; failed=1; }

# While the host is down (steps: host restart): one process that exits 4,
# which the agent must deliver to the restarted host.
if [ "${1:-}" = outage ]; then
	/bin/sh -c 'exit 4'
	[ $? -eq 4 ] && echo "workload: outage process done"
	exit $(($? != 0))
fi
# For the strict agent: a process that exits 3 and a new watched file.
if [ "${1:-}" = strict ]; then
	/bin/sh -c 'exit 3'
	[ $? -eq 3 ] || fail "exit code 3 not seen"
	echo strict > /tmp/watched/strict || fail "no /tmp/watched/strict"
	exit $failed
fi

# Processes: a fork+exec that exits 3, one killed by SIGTERM, a short chain.
# The two the check names by argv live 0.2 s: a process that exits at once
# can be gone before the agent reads its /proc (the guest's one vCPU is
# shared with the host receiver), and then its exec has no argv.
/bin/sh -c 'sleep 0.2; exit 3'
[ $? -eq 3 ] || fail "exit code 3 not seen"
/bin/sh -c 'sleep 0.2; kill -TERM $$'
[ $? -eq $((128 + 15)) ] || fail "SIGTERM exit not seen"
/bin/sh -c '/bin/sh -c "/bin/true"' || fail "exec chain"

# A watched file: created, modified, deleted.
mkdir -p /tmp/watched
echo one > /tmp/watched/file
echo two >> /tmp/watched/file
rm /tmp/watched/file
[ ! -e /tmp/watched/file ] || fail "watched file still there"

# A refused loopback connect: nothing listens on port 7.
if out=$(nc 127.0.0.1 7 </dev/null 2>&1); then
	fail "connect to port 7 succeeded"
else
	case $out in
	*refused*) ;;
	*) fail "connect to port 7: $out" ;;
	esac
fi

# An established loopback connect: a listener and a client that sends a line.
nc -l -p 7001 > /tmp/nc.out &
listener=$!
i=0
until echo established | nc 127.0.0.1 7001 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || { fail "no connect to the listener"; break; }
	usleep 100000
done
wait $listener
[ "$(cat /tmp/nc.out)" = established ] || fail "listener got '$(cat /tmp/nc.out)'"

# The last action, a marker the steps wait for in the host's output.
/bin/true workload-done
[ $failed -eq 0 ] && echo "workload: all actions done"
exit $failed
