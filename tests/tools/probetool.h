/*
 * probetool.h: shared by the probe test tools (netprobe, capprobe): one
 * probe driven alone by the agent's own loop (lib/loop.h) through its
 * own glue (the probe's ops), its events printed as JSON lines
 * (evprint.h), and the status and loss lines the integration tests read:
 *
 *   {"status": STATE, "emitted": N, "losses": {REASON: N, ...},
 *    "outcomes": {SOURCE: KEYS, ...}}
 *
 * once armed (STATE as in hello: "armed", "fallback:..", "failed:.."),
 * again on SIGUSR1, and as "stopped" after SIGTERM/SIGINT and a clean
 * stop.  Header-only because each tool is one .c file.
 */
#pragma once
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "agent/probe.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "evprint.h"

static struct probe tool_probe;
static struct loop tool_loop;
static uint64_t tool_emitted;

static int tool_emit(struct event *ev)
{
	tool_emitted++;
	evprint(ev);
	return 0;
}

/* The state and every loss reason, under key. */
static void tool_print(const char *key)
{
	struct probe *p = &tool_probe;
	const struct probe_outcome *o;
	char st[PROBE_WHY_MAX + 16];
	int i;

	if (p->state != PROBE_FAILED && p->ops->refresh)
		p->ops->refresh(p);
	probe_state_str(p, st, sizeof(st));
	printf("{\"%s\": ", key);
	evprint_str(st, strlen(st));
	printf(", \"emitted\": %llu, \"losses\": {",
	       (unsigned long long)tool_emitted);
	for (i = 0; i < LOSS_N; i++)
		printf("%s\"%s\": %llu", i ? ", " : "", loss_names[i],
		       (unsigned long long)p->dropped[i]);
	printf("}, \"outcomes\": {");
	for (o = p->outcomes; o && o->source; o++) {
		printf("%s\"%s\": ", o == p->outcomes ? "" : ", ", o->source);
		evprint_str(o->keys, strlen(o->keys));
	}
	printf("}}\n");
	fflush(stdout);
}

static void tool_signal(void *ctx, int signo)
{
	(void)ctx;
	if (signo == SIGUSR1)
		tool_print("status");
	else
		loop_stop(&tool_loop);
}

/* The loop (SIGTERM, SIGINT, SIGUSR1 on its signalfd) and the probe. */
static void tool_init(const struct probe_ops *ops)
{
	sigset_t ss;

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGUSR1);
	if (loop_init(&tool_loop, &ss, tool_signal, NULL, NULL) < 0 ||
	    loop_timer_add(&tool_loop, &tool_probe.timer) < 0)
		fatal("loop");
	tool_probe.ops = ops;
	tool_probe.emit = tool_emit;
}

/* rc is what the probe's arm returned: say so, run until a stop signal,
 * stop the probe, say what it lost.  Returns the exit code. */
static int tool_run(int rc)
{
	probe_arm_result(&tool_probe, rc);
	tool_print("status");
	if (rc < 0)
		return 1;
	if (loop_run(&tool_loop) < 0)
		fatal("epoll_wait");
	tool_probe.ops->stop(&tool_probe);
	tool_print("stopped");
	loop_close(&tool_loop);
	return 0;
}
