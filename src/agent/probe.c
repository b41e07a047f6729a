/*
 * probe.c: the probe registry: which probes this build has, arming them
 * at start-up with the on_failure policy, stopping them, and summing
 * their loss counters.
 *
 * The probes themselves (proc connector, inotify, BPF, audit) live in
 * their folders; this file only sequences them.
 */
#include <stddef.h>
#include <string.h>
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/nitems.h"
#include "probe.h"
#include "testhook.h"

const char *const loss_names[LOSS_N] = {
	[LOSS_RING_OVERWRITE] = "ring_overwrite",
	[LOSS_KERNEL_NOBUFS] = "kernel_nobufs",
	[LOSS_INOTIFY_OVERFLOW] = "inotify_overflow",
	[LOSS_FRAME_TOO_LARGE] = "frame_too_large",
	[LOSS_PROBE_ERROR] = "probe_error",
	[LOSS_NET_NOBUFS] = "net_nobufs",
	[LOSS_NET_RINGBUF] = "net_ringbuf_full",
	[LOSS_AUDIT_LOST] = "audit_lost",
	[LOSS_NET_UNTRACKED] = "net_untracked",
	[LOSS_NET_EXPIRED] = "net_expired",
	[LOSS_FANOTIFY_OVERFLOW] = "fanotify_overflow",
	[LOSS_FANOTIFY_UNSEEN] = "fanotify_unseen",
};

const char *const incomplete_names[INC_N] = {
	[INC_ARGV_LOST] = "argv_lost",
	[INC_CWD_LOST] = "cwd_lost",
	[INC_UID_LOST] = "uid_lost",
	[INC_EXE_LOST] = "exe_lost",
	[INC_EXE_FROM_PROC] = "exe_from_proc",
	[INC_EXEC_FAILED] = "exec_failed",
	[INC_FANOTIFY_OVERFLOW] = "fanotify_overflow",
	[INC_HASH_SKIPPED] = "hash_skipped",
};

/* The registry: the probes of this build, in hello order.  A new probe
 * is its folder, and its ops named here and listed below. */
extern const struct probe_ops proc_ops, fs_ops, net_ops, cap_ops;
static struct probe probes[] = {
	{ .ops = &proc_ops },
	{ .ops = &fs_ops },
	{ .ops = &net_ops },
	{ .ops = &cap_ops },
	TESTHOOK_PROBES
};
#define NPROBES ((int)nitems(probes))
_Static_assert(LOSS_N <= WIRE_MAP_MAX && INC_N <= WIRE_MAP_MAX,
	       "dropped and incomplete list every reason in one map");
_Static_assert(nitems(probes) <= AGENT_PROBES_MAX,
	       "AGENT_PROBES_MAX must hold every probe of the registry");

int probe_count(void)
{
	return NPROBES;
}

const struct probe *probe_get(int i)
{
	return &probes[i];
}

int probe_find(const char *name, size_t n)
{
	int i;

	for (i = 0; i < NPROBES; i++)
		if (probes[i].ops->modes[0] &&
		    strlen(probes[i].ops->name) == n &&
		    memcmp(probes[i].ops->name, name, n) == 0)
			return i;
	return -1;
}

void probe_arm_result(struct probe *p, int rc)
{
	p->state = rc == 0 ? PROBE_ARMED : rc > 0 ? PROBE_FALLBACK :
		PROBE_FAILED;
	if (rc != 0 && !p->why[0])
		fmt_str(p->why, sizeof(p->why), "unknown");
}

/* Should probe i arm with this configuration? */
static int wanted(int i, const struct config *c)
{
	const struct probe_ops *ops = probes[i].ops;
	int mode = c->probe_mode[i];

	return ops->wanted ? ops->wanted(c, mode) : mode != 0;
}

/* Arm one wanted probe; fills its state and why.  -1 when that fails the
 * cell (why says so). */
static int arm_one(struct probe *p, const struct config *c, struct loop *l,
		   char *why, size_t cap)
{
	p->why[0] = '\0';
	probe_arm_result(p, p->ops->arm(p, c, l));
	if (p->state == PROBE_FALLBACK)
		log_info("probe %s: fallback: %s", p->ops->name, p->why);
	if (p->state != PROBE_FAILED)
		return 0;
	if (c->on_failure == CFG_FAIL_CELL) {
		fmt_str(why, cap, "probe %s: failed: %s", p->ops->name, p->why);
		return -1;
	}
	log_warnx("probe %s: failed: %s (degrade)", p->ops->name, p->why);
	return 0;
}

int probe_arm_all(const struct config *c, struct loop *l,
		  probe_emit_fn *emit, char *why, size_t cap)
{
	struct probe *p;
	int i;

	for (i = 0; i < NPROBES; i++) {
		p = &probes[i];
		p->mode = c->probe_mode[i];
		p->emit = emit;
		p->state = PROBE_OFF;
		if (loop_timer_add(l, &p->timer) < 0) {
			fmt_str(why, cap, "loop: too many timers");
			return -1;
		}
		if (wanted(i, c) && arm_one(p, c, l, why, cap) < 0)
			return -1;
	}
	return 0;
}

/* 1 when p is armed (a primary mechanism or a fallback). */
static int running(const struct probe *p)
{
	return p->state == PROBE_ARMED || p->state == PROBE_FALLBACK;
}

void probe_stop_all(void)
{
	int i;

	for (i = 0; i < NPROBES; i++) {
		if (running(&probes[i]))
			probes[i].ops->stop(&probes[i]);
		probes[i].timer.at = 0;
	}
}

/* The hello words of a state and its reason. */
static void state_str(int state, const char *why, char *out, size_t cap)
{
	switch (state) {
	case PROBE_ARMED:
		fmt_str(out, cap, "armed");
		break;
	case PROBE_FALLBACK:
		fmt_str(out, cap, "fallback:%s", why);
		break;
	case PROBE_FAILED:
		fmt_str(out, cap, "failed:%s", why);
		break;
	default:
		fmt_str(out, cap, "off");
	}
}

void probe_state_str(const struct probe *p, char *out, size_t cap)
{
	state_str(p->state, p->why, out, cap);
}

void probe_part_str(const struct probe_part *pp, char *out, size_t cap)
{
	state_str(pp->state, pp->why, out, cap);
}

/* Entry i of one counter array of every probe (at offset field), summed. */
static uint64_t summed(size_t field, int i)
{
	uint64_t n = 0;
	int k;

	for (k = 0; k < NPROBES; k++)
		n += ((const uint64_t *)((const char *)&probes[k] + field))[i];
	return n;
}

uint64_t probe_dropped(int reason)
{
	return summed(offsetof(struct probe, dropped), reason);
}

uint64_t probe_incomplete(int reason)
{
	return summed(offsetof(struct probe, incomplete), reason);
}

void probe_refresh_all(void)
{
	int i;

	for (i = 0; i < NPROBES; i++)
		if (running(&probes[i]) && probes[i].ops->refresh)
			probes[i].ops->refresh(&probes[i]);
}
