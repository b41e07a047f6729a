/*
 * main.c: cellos-telemetry, the in-guest agent: parse, set up, run.
 *
 * Everything that can fail loudly happens before agent_run; after it the
 * agent logs, counts and retries (doc/DESIGN.md §3 "Two lifetimes").
 */
#include "agent.h"
#include "config.h"
#include "lib/log.h"
#include "startup.h"

int main(int argc, char **argv)
{
	static struct config cfg;
	char why[256];

	log_init("cellos-telemetry", 0);
	switch (config_load(&cfg, argc, argv)) {
	case 1:
		return 0;
	case -1:
		return 2;
	}
	log_init("cellos-telemetry", cfg.verbose);
	if (!cfg.foreground)
		startup_fork();
	startup_process();
	if (agent_setup(&cfg, why, sizeof(why)) < 0)
		startup_failed(why);
	startup_armed();
	return agent_run();
}
