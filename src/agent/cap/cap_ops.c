/*
 * cap_ops.c: the capability probe in the agent: the audit socket it owns
 * in the loop, the periodic `lost` request as the probe's timer.  Opt-in
 * (it costs syscall time).  The audit exchanges themselves, and becoming
 * and ceasing to be the audit daemon, are cap_audit.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include "agent/probe.h"
#include "cap_audit.h"

static struct cap_audit A;
static struct {
	struct loop *l;
	struct loop_fd fd;
} C;

static void on_readable(void *ctx, uint32_t events)
{
	(void)ctx, (void)events;
	cap_audit_read(&A);
}

static void on_tick(void *ctx, uint64_t now)
{
	struct probe *p = ctx;

	cap_audit_tick(&A, now);
	p->timer.at = A.next_get_ns;
}

static int cap_arm(struct probe *p, const struct config *c, struct loop *l)
{
	(void)c;
	C.l = l;
	if (cap_audit_open(&A, p) < 0) {
		snprintf(p->why, sizeof(p->why), "%.80s", A.why);
		return -1;
	}
	C.fd = (struct loop_fd){ A.fd, on_readable, NULL };
	if (loop_add(l, &C.fd, EPOLLIN) < 0) {
		snprintf(p->why, sizeof(p->why), "epoll: %s", strerror(errno));
		cap_audit_close(&A);
		return -1;
	}
	p->timer = (struct loop_timer){ A.next_get_ns, on_tick, p };
	return 0;
}

/* Outside the loop: the rules go, audit is restored, the pid released. */
static void cap_stop(struct probe *p)
{
	loop_del(C.l, &C.fd);
	cap_audit_close(&A);
	p->timer.at = 0;
}

/* Off unless asked for (default_mode 0): every syscall pays for it. */
const struct probe_ops cap_ops = {
	.name = "capability",
	.modes = { "off", "on" },
	.arm = cap_arm,
	.stop = cap_stop,
};
