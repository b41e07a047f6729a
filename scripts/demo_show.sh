#!/bin/sh
# demo_show.sh EVENTS.jsonl WORKLOAD_PID HOST_LOG AGENT_LOG: print what the
# demo's host received.  The proc connector sees the whole machine, so the
# listing keeps the workload's own process tree (followed through each
# spawned event's ppid) and the agent's, file and net events; the summary
# counts everything.  jq pretty-prints when it is installed.
set -u
ev=$1 wp=$2 hostlog=$3 agentlog=$4

# One workload line per event: the workload tree, fs, net, agent frames
# other than heartbeats, and host-made events.
awk -v wp="$wp" '
function num(key,   m) {
	if (match($0, "\"" key "\":[0-9]+")) {
		m = substr($0, RSTART, RLENGTH); sub(/.*:/, "", m); return m
	}
	return ""
}
BEGIN { tree[wp] = 1 }
{
	t = $0; sub(/.*"type":"dev\.cellos\.events\.cell\.observability\.guest\.v1\./, "", t)
	sub(/".*/, "", t)
	pid = num("guest_pid"); pp = num("ppid")
	if (t == "process_spawned" && (pp in tree) && $0 !~ /"synthetic":1/)
		tree[pid] = 1
	if ((t ~ /^process_/ && (pid in tree) && $0 !~ /"synthetic":1/) ||
	    t ~ /^(fs_|net_|agent_hello|agent_stopping|agent_loss|telemetry_dropped|agent_silenced|frame_rejected)/)
		print
}' "$ev" > "$ev.shown"

echo
echo "== the workload's CloudEvents, as cellos-telemetry-host wrote them"
if command -v jq > /dev/null 2>&1; then
	head -n 1 "$ev.shown" | jq .
	tail -n +2 "$ev.shown" | jq -c '{type: (.type | split(".") | last)} + (.data | del(.cell_id, .run_id, .host_received_at, .content_version, .probe_source, .severity, .process, .parent, .ancestors)) + {exec_id: .data.process.exec_id, parent: .data.parent.exec_id}'
else
	cat "$ev.shown"
fi

total=$(wc -l < "$ev")
shown=$(wc -l < "$ev.shown")
hb=$(grep -c 'guest\.v1\.agent_heartbeat"' "$ev")
stopping=$(grep 'guest\.v1\.agent_stopping"' "$ev" | tail -n 1)
dropped=$(printf '%s\n' "$stopping" | sed -n 's/.*"dropped":{\([^}]*\)}.*/\1/p' |
	tr ',' '\n' | awk -F: '{ s += $2 } END { print s + 0 }')
probes=$(grep -m 1 'guest\.v1\.agent_hello"' "$ev" | sed -n 's/.*"probes":{\([^}]*\)}.*/\1/p' | tr -d '"' | sed 's/,/ /g; s/:/=/g')
gaps=$(sed -n 's/.*gaps \([0-9]*\).*/\1/p' "$hostlog" | tail -n 1)
rejected=$(grep -c 'guest\.v1\.frame_rejected"' "$ev")

echo
echo "== summary"
printf '  events received by the host: %s (%s shown above; the other %s are the\n' "$total" "$shown" $((total - shown))
echo "  rest of this machine: the start-up inventory and other processes)"
echo "  by type:"
sed -n 's/.*"type":"dev\.cellos\.events\.cell\.observability\.guest\.v1\.\([a-z_]*\)".*/\1/p' "$ev" |
	sort | uniq -c | sort -rn | awk '{ printf "    %-24s %6d\n", $2, $1 }'
echo "  heartbeats seen: $hb"
echo "  loss: agent counted ${dropped:-?} dropped; host saw ${gaps:-?} seq gaps, $rejected rejected frames"
echo "  probes: $probes"
if grep -q warn "$agentlog" 2>/dev/null || [ -s "$agentlog" ]; then
	echo "  agent said:"; sed 's/^/    /' "$agentlog"
fi
