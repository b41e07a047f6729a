/*
 * probe.c: the probe registry: which probes this build has, arming them
 * at start-up with the on_failure policy, stopping them, and summing
 * their loss counters.
 *
 * The probes themselves (proc connector, inotify, BPF, audit) live in
 * their own files; this one only sequences them.
 */
#include <stdio.h>
#include <string.h>
#include "lib/log.h"
#include "lib/nitems.h"
#include "probe.h"

const char *const loss_names[LOSS_N] = {
	[LOSS_RING_OVERWRITE] = "ring_overwrite",
	[LOSS_KERNEL_NOBUFS] = "kernel_nobufs",
	[LOSS_INOTIFY_OVERFLOW] = "inotify_overflow",
	[LOSS_FRAME_TOO_LARGE] = "frame_too_large",
	[LOSS_PROBE_ERROR] = "probe_error",
	[LOSS_NET_NOBUFS] = "net_nobufs",
	[LOSS_NET_RINGBUF] = "net_ringbuf_full",
	[LOSS_AUDIT_LOST] = "audit_lost",
};

int loss_byname(const char *s)
{
	int i;

	for (i = 0; i < LOSS_N; i++)
		if (strcmp(loss_names[i], s) == 0)
			return i;
	return -1;
}

/* In hello order; the first CFG_NPROBES follow enum cfg_probe. */
static struct probe probes[] = {
	[CFG_PROCESS] = { .name = "process", .ops = &proc_ops },
	[CFG_FS] = { .name = "fs", .ops = &fs_ops },
	[CFG_NET] = { .name = "net", .ops = &net_ops },
	[CFG_CAPABILITY] = { .name = "capability", .ops = &cap_ops },
#ifdef AGENT_TEST_SOURCE
	{ .name = "synth", .ops = &synth_ops },
#endif
};
#define NPROBES ((int)nitems(probes))

int probe_count(void)
{
	return NPROBES;
}

const struct probe *probe_get(int i)
{
	return &probes[i];
}

/* Arm one enabled probe; fills state and why. */
static void arm_one(struct probe *p, const struct config *c, struct loop *l)
{
	int rc;

	p->why[0] = '\0';
	rc = p->ops->arm(p, c, l);
	p->state = rc == 0 ? PROBE_ARMED : rc > 0 ? PROBE_FALLBACK :
		PROBE_FAILED;
	if (rc != 0 && !p->why[0])
		snprintf(p->why, sizeof(p->why), "unknown");
}

int probe_arm_all(const struct config *c, struct loop *l, char *why,
		  size_t cap)
{
	struct probe *p;
	int i;

	for (i = 0; i < NPROBES; i++) {
		p = &probes[i];
		p->enabled = i < CFG_NPROBES ? c->probe_on[i] : 1;
		if (i == CFG_FS && c->nwatch == 0)
			p->enabled = 0;		/* nothing declared: off */
#ifdef AGENT_TEST_SOURCE
		if (p->ops == &synth_ops)
			p->enabled = synth_enabled();
#endif
		p->state = PROBE_OFF;
		if (loop_timer_add(l, &p->timer) < 0) {
			snprintf(why, cap, "loop: too many timers");
			return -1;
		}
		if (!p->enabled)
			continue;
		arm_one(p, c, l);
		if (p->state == PROBE_FALLBACK)
			log_info("probe %s: fallback: %s", p->name, p->why);
		if (p->state != PROBE_FAILED)
			continue;
		if (c->on_failure == CFG_FAIL_CELL) {
			snprintf(why, cap, "probe %s: failed: %s", p->name,
				 p->why);
			return -1;
		}
		log_warnx("probe %s: failed: %s (degrade)", p->name, p->why);
	}
	return 0;
}

void probe_stop_all(void)
{
	int i;

	for (i = 0; i < NPROBES; i++) {
		if (probes[i].state == PROBE_ARMED ||
		    probes[i].state == PROBE_FALLBACK)
			probes[i].ops->stop(&probes[i]);
		probes[i].timer.at = 0;
	}
}

void probe_state_str(const struct probe *p, char *out, size_t cap)
{
	switch (p->state) {
	case PROBE_ARMED:
		snprintf(out, cap, "armed");
		break;
	case PROBE_FALLBACK:
		snprintf(out, cap, "fallback:%s", p->why);
		break;
	case PROBE_FAILED:
		snprintf(out, cap, "failed:%s", p->why);
		break;
	default:
		snprintf(out, cap, "off");
	}
}

uint64_t probe_dropped(int reason)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < NPROBES; i++)
		n += probes[i].dropped[reason];
	return n;
}

void probe_refresh_all(void)
{
	int i;

	for (i = 0; i < NPROBES; i++)
		if ((probes[i].state == PROBE_ARMED ||
		     probes[i].state == PROBE_FALLBACK) && probes[i].ops->refresh)
			probes[i].ops->refresh(&probes[i]);
}
