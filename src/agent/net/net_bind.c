/*
 * bind_net.c: the net probe (probe_net.c) in the agent: its fds in the
 * loop, its deadline as the probe's timer, its events into agent_emit,
 * its loss counters into the heartbeat.  The mechanisms live in
 * probe_net.c and the files it names; nothing here knows BPF or netlink.
 */
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include "agent/agent.h"
#include "lib/log.h"
#include "agent/probe.h"
#include "net_ops.h"

#define NET_FDS_MAX 8

static struct probe_net pn;	/* ~340 KiB: static, never on a stack */
static struct {
	struct probe *p;
	struct loop *l;
	int nfd;
	struct loop_fd fd[NET_FDS_MAX];
} N;

/* The module's event lives in its own storage for the call; agent_emit
 * only stamps seq and the clamped clock on it. */
static void emit(void *ctx, const struct event *ev)
{
	(void)ctx;
	agent_emit((struct event *)ev);
}

static void rearm(void)
{
	N.p->timer.at = probe_net_deadline(&pn);
}

static void on_readable(void *ctx, uint32_t events)
{
	(void)events;
	probe_net_readable(&pn, ((struct loop_fd *)ctx)->fd);
	rearm();
}

static void on_tick(void *ctx, uint64_t now)
{
	(void)ctx;
	probe_net_tick(&pn, now);
	rearm();
}

/* Copy the module's named counters into p->dropped. */
static void net_refresh(struct probe *p)
{
	const char *reason[8];
	uint64_t count[8];
	size_t i, n = probe_net_losses(&pn, reason, count, 8);
	int r;

	memset(p->dropped, 0, sizeof(p->dropped));
	for (i = 0; i < n; i++)
		if ((r = loss_byname(reason[i])) >= 0)
			p->dropped[r] += count[i];
}

/* The configured mode (on, diag, proc) as the module's. */
static int mode_of(int mode)
{
	switch (mode) {
	case 2: return PROBE_NET_DIAG;
	case 3: return PROBE_NET_PROC;
	default: return PROBE_NET_AUTO;
	}
}

static int add_fds(struct loop *l)
{
	int fds[NET_FDS_MAX], i;

	N.nfd = probe_net_fds(&pn, fds, NET_FDS_MAX);
	for (i = 0; i < N.nfd; i++) {
		N.fd[i].fd = fds[i];
		N.fd[i].fn = on_readable;
		N.fd[i].ctx = &N.fd[i];
		if (loop_add(l, &N.fd[i], EPOLLIN) < 0)
			return -1;
	}
	return 0;
}

static int net_arm(struct probe *p, const struct config *c, struct loop *l)
{
	struct probe_net_cfg cfg = { mode_of(p->mode),
		c->net_cgroup[0] ? c->net_cgroup : NULL, 0 };

	N.p = p, N.l = l;
	if (probe_net_open(&pn, &cfg, emit, NULL) < 0) {
		snprintf(p->why, sizeof(p->why), "%.80s", pn.why);
		return -1;
	}
	if (add_fds(l) < 0) {
		snprintf(p->why, sizeof(p->why), "epoll");
		probe_net_close(&pn);
		return -1;
	}
	p->timer.fn = on_tick;
	rearm();
	if (pn.mode == PROBE_NET_BPF)
		return 0;
	if (pn.why[0])
		log_info("net: %s (%s)", probe_net_status(&pn), pn.why);
	snprintf(p->why, sizeof(p->why), "%s",
		 probe_net_status(&pn) + strlen("fallback:"));
	return 1;
}

static void net_stop(struct probe *p)
{
	int i;

	for (i = 0; i < N.nfd; i++)
		loop_del(N.l, &N.fd[i]);
	probe_net_close(&pn);		/* hands out what is still queued */
	net_refresh(p);
	p->timer.at = 0;
}

const struct probe_ops net_ops = {
	.name = "net",
	.modes = { "off", "on", "diag", "proc" },
	.default_mode = 1,
	.arm = net_arm, .stop = net_stop, .refresh = net_refresh
};
