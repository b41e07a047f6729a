/*
 * bind_cap.c: the capability probe (probe_cap.c, audit netlink) in the
 * agent: its socket in the loop, its `lost` poll as the probe's timer,
 * its events into agent_emit, audit's losses into the heartbeat.
 */
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include "agent/agent.h"
#include "agent/probe.h"
#include "cap_audit.h"

static struct probe_cap pc;
static struct {
	struct probe *p;
	struct loop *l;
	struct loop_fd fd;
} C;

static void emit(void *ctx, const struct event *ev)
{
	(void)ctx;
	agent_emit((struct event *)ev);	/* see net_ops.c */
}

static void rearm(void)
{
	C.p->timer.at = probe_cap_deadline(&pc);
}

static void on_readable(void *ctx, uint32_t events)
{
	(void)ctx, (void)events;
	probe_cap_readable(&pc);
	rearm();
}

static void on_tick(void *ctx, uint64_t now)
{
	(void)ctx;
	probe_cap_tick(&pc, now);
	rearm();
}

static void cap_refresh(struct probe *p)
{
	const char *reason[4];
	uint64_t count[4];
	size_t i, n = probe_cap_losses(&pc, reason, count, 4);
	int r;

	memset(p->dropped, 0, sizeof(p->dropped));
	for (i = 0; i < n; i++)
		if ((r = loss_byname(reason[i])) >= 0)
			p->dropped[r] += count[i];
}

static int cap_arm(struct probe *p, const struct config *c, struct loop *l)
{
	(void)c;
	C.p = p, C.l = l;
	if (probe_cap_open(&pc, emit, NULL) < 0) {
		snprintf(p->why, sizeof(p->why), "%.80s", pc.why);
		return -1;
	}
	C.fd.fd = probe_cap_fd(&pc);
	C.fd.fn = on_readable;
	if (loop_add(l, &C.fd, EPOLLIN) < 0) {
		snprintf(p->why, sizeof(p->why), "epoll");
		probe_cap_close(&pc);
		return -1;
	}
	p->timer.fn = on_tick;
	rearm();
	return 0;
}

static void cap_stop(struct probe *p)
{
	loop_del(C.l, &C.fd);
	probe_cap_close(&pc);	/* rules removed, audit pid released */
	cap_refresh(p);
	p->timer.at = 0;
}

const struct probe_ops cap_ops = {
	.name = "capability",
	.modes = { "off", "on" },
	.default_mode = 0,
	.arm = cap_arm, .stop = cap_stop, .refresh = cap_refresh
};
