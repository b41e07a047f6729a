/*
 * netprobe.c: drives the net probe (src/agent/net/) alone, through its
 * glue and the agent's loop; for the integration tests.
 *
 *   netprobe [-m auto|bpf|diag|proc] [-c CGROUP] [-p POLL_MS] [-t TTL_MS] [-S]
 *            [-r RINGBUF_BYTES] [-w COALESCE_MS]
 *
 * -m bpf is BPF or nothing (no fallback); -p sets the fallbacks' cadence;
 * -t the age at which BPF table entries without an outcome are expired
 * (the sweep still runs every NET_SWEEP_NS); -S as under --wire strict:
 * net.connect_attempted only, no outcome layer; -r the BPF ring buffer,
 * -w the longest coalescing window (the agent's default; 0: read per
 * wakeup).
 * Prints the status line once armed, then one JSON line per event; SIGUSR1
 * prints the status line again; SIGTERM/SIGINT: a clean stop (detach,
 * drain), the "stopped" line, exit 0 (probetool.h).  Exit 1 when nothing
 * could be armed.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent/net/net_ops.h"
#include "lib/units.h"
#include "probetool.h"

/* -m's words. */
static int mode_byname(const char *s)
{
	static const struct { const char *name; int mode; } modes[] = {
		{ "auto", NET_MODE_AUTO }, { "bpf", NET_MODE_BPF },
		{ "diag", NET_MODE_DIAG }, { "proc", NET_MODE_PROC },
	};
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(s, modes[i].name) == 0)
			return modes[i].mode;
	return -1;
}

int main(int argc, char **argv)
{
	struct net_cfg nc = { .mode = NET_MODE_AUTO, .poll_ns = NET_POLL_NS,
			      .outcomes = 1,
			      .coalesce_ns = COALESCE_DEFAULT_MS * NS_PER_MS };
	int c;

	log_init("netprobe", 0);
	while ((c = getopt(argc, argv, "m:c:p:t:Sr:w:")) != -1) {
		if (c == 'm' && (nc.mode = mode_byname(optarg)) >= 0)
			continue;
		if (c == 'c') {
			nc.cgroup = optarg;
			continue;
		}
		if (c == 'p') {
			nc.poll_ns = strtoull(optarg, NULL, 10) * NS_PER_MS;
			continue;
		}
		if (c == 't') {
			nc.ttl_ns = strtoull(optarg, NULL, 10) * NS_PER_MS;
			continue;
		}
		if (c == 'S') {
			nc.outcomes = 0;
			continue;
		}
		if (c == 'r') {
			nc.ringbuf_bytes = strtoull(optarg, NULL, 10);
			continue;
		}
		if (c == 'w') {
			nc.coalesce_ns = strtoull(optarg, NULL, 10) * NS_PER_MS;
			continue;
		}
		fprintf(stderr, "usage: netprobe [-m auto|bpf|diag|proc] "
			"[-c CGROUP] [-p POLL_MS] [-t TTL_MS] [-S] "
			"[-r RINGBUF_BYTES] [-w COALESCE_MS]\n");
		return 2;
	}
	tool_init(&net_ops);
	return tool_run(net_arm(&tool_probe, &tool_loop, &nc));
}
