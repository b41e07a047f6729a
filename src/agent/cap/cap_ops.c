/*
 * cap_ops.c: the capability probe in the agent: the audit socket it owns
 * in the loop (a coalesced fd: lib/coalesce.h), the periodic `lost`
 * request as the probe's timer.  Opt-in (it costs syscall time).  The audit exchanges themselves, and becoming
 * and ceasing to be the audit daemon, are cap_audit.c's.
 */
#include <errno.h>
#include <string.h>
#include "agent/probe.h"
#include "cap_audit.h"
#include "lib/fmt.h"

static struct cap_audit A;
static struct {
	struct probe *p;
	struct loop_cfd fd;
} C;

/* A rise of the kernel's `lost` (the AUDIT_GET reply comes in with the
 * records) is a loss to the coalescing policy. */
static struct coalesce_drain on_readable(void *ctx)
{
	uint64_t lost = C.p->dropped[LOSS_AUDIT_LOST];
	struct coalesce_drain d = { cap_audit_read(&A), 0, 0 };

	(void)ctx;
	d.more = d.items == CAP_BATCH;
	d.loss = C.p->dropped[LOSS_AUDIT_LOST] != lost;
	return d;
}

static void on_tick(void *ctx, uint64_t now)
{
	struct probe *p = ctx;

	cap_audit_tick(&A, now);
	p->timer.at = A.next_get_ns;
}

static int cap_arm(struct probe *p, const struct config *c, struct loop *l)
{
	C.p = p;
	if (cap_audit_open(&A, p) < 0) {
		fmt_str(p->why, sizeof(p->why), "%.80s", A.why);
		return -1;
	}
	C.fd.fd = A.fd;
	C.fd.drain = on_readable;
	/* the kernel queues this many records while our socket is full */
	C.fd.cfg.max_ns = c->coalesce_ms * NS_PER_MS;
	C.fd.cfg.capacity = CAP_BACKLOG_LIMIT;
	if (loop_add_coalesced(l, &C.fd) < 0) {
		fmt_str(p->why, sizeof(p->why), "epoll: %s", strerror(errno));
		cap_audit_close(&A);
		return -1;
	}
	p->timer = (struct loop_timer){ A.next_get_ns, on_tick, p };
	return 0;
}

/* Outside the loop: the rules go, audit is restored, the pid released. */
static void cap_stop(struct probe *p)
{
	loop_del_coalesced(&C.fd);	/* what a window held back */
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
