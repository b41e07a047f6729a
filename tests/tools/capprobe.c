/*
 * capprobe.c: drives the capability probe (src/agent/cap/) alone,
 * through its glue and the agent's loop; for the integration tests.
 *
 *   capprobe
 *
 * Prints the status line ("armed", or "failed:<why>" and exit 1), then
 * one JSON line per event.  SIGTERM/SIGINT: a clean stop (rules removed,
 * audit restored, pid released), the "stopped" line, exit 0
 * (probetool.h).
 */
#include "agent/config.h"
#include "probetool.h"

extern const struct probe_ops cap_ops;

int main(int argc, char **argv)
{
	static struct config cfg;

	(void)argv;
	log_init("capprobe", 0);
	if (argc != 1) {
		fprintf(stderr, "usage: capprobe\n");
		return 2;
	}
	config_defaults(&cfg);
	tool_init(&cap_ops);
	return tool_run(cap_ops.arm(&tool_probe, &cfg, &tool_loop));
}
