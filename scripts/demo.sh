#!/bin/sh
# demo.sh BUILD: the agent and the host on this machine, for a first look.
#
# The host receiver listens on a unix socket in a temporary folder; the
# agent runs in the foreground against it (never AF_VSOCK here: on a
# development machine that is itself a microVM, vsock CID 2 is the real
# hypervisor, not ours), watching a temporary directory.  A scripted
# workload runs a few processes (one exits 3, one is killed), writes a
# file and makes a refused loopback connect; then both stop and the
# workload's CloudEvents are shown, with a summary.  Everything it starts
# is stopped by pid, and the temporary folder is removed.
set -u
B=${1:-build}
D=$(mktemp -d /tmp/cellos-demo-XXXXXX) || exit 1
W=$D/watched
mkdir "$W"
CG=
HP=
AP=

cleanup() {
	[ -n "$AP" ] && kill -TERM "$AP" 2>/dev/null
	[ -n "$HP" ] && kill -TERM "$HP" 2>/dev/null
	wait 2>/dev/null
	[ -n "$CG" ] && rmdir "$CG" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT INT TERM

# The net probe hooks a cgroup: give the workload one of its own.
netargs="--probe net=off"
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ "$(id -u)" = 0 ] && [ -n "$cg2" ] && mkdir "$cg2/cellos-demo-$$" 2>/dev/null; then
	CG=$cg2/cellos-demo-$$
	netargs="--net-cgroup $CG"
fi

"$B/cellos-telemetry-host" --cell demo:"$D/agent.sock" --out "$D/events.jsonl" \
	--keepalive-ms 5000 2> "$D/host.log" &
HP=$!
i=0
until grep -q ready "$D/host.log" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && { cat "$D/host.log"; exit 1; }; sleep 0.05
done
# shellcheck disable=SC2086
"$B/cellos-telemetry" -f --connect unix:"$D/agent.sock" --watch "$W" \
	--heartbeat-ms 500 $netargs 2> "$D/agent.log" &
AP=$!
sleep 1

echo "== workload: a few processes, exit 3, a kill, a file write, a refused connect"
sh -c "
	[ -n '$CG' ] && echo \$\$ > '$CG/cgroup.procs'
	echo hello from the workload > /dev/null
	ls / > /dev/null
	sh -c 'exit 3'
	sleep 30 & kill -TERM \$!; wait \$!
	echo report > '$W/report.txt'
	bash -c 'exec 3<>/dev/tcp/127.0.0.1/1' 2>/dev/null
	exit 0
" &
WP=$!
wait $WP
sleep 1.2			# two heartbeats after the workload
kill -TERM "$AP"; wait "$AP"; AP=
kill -TERM "$HP"; wait "$HP"; HP=

scripts/demo_show.sh "$D/events.jsonl" "$WP" "$D/host.log" "$D/agent.log"
