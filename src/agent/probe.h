/*
 * probe.h: the interface every probe plugs into, and the probe registry.
 *
 * A probe has a name (the key in hello's `probes` map), an arm function
 * that opens its kernel interface and adds its fds to the loop (each with
 * its own handler), an optional deadline (`timer`, registered for every
 * probe), a stop function, and loss counters that feed the heartbeat's
 * `dropped` map.  Probes emit through agent_emit() (agent.h).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "loop.h"

/* doc/WIRE.md §4 loss reasons, the keys of `dropped`, in that order. */
enum loss_reason {
	LOSS_RING_OVERWRITE,
	LOSS_KERNEL_NOBUFS,
	LOSS_INOTIFY_OVERFLOW,
	LOSS_FRAME_TOO_LARGE,
	LOSS_PROBE_ERROR,
	/* the net and capability probes' own kernels' counts (added after
	 * the first five; a host ignores map keys it does not know) */
	LOSS_NET_NOBUFS,	/* sock_diag ENOBUFS (one per overrun) */
	LOSS_NET_RINGBUF,	/* BPF ring buffer full: records not written */
	LOSS_AUDIT_LOST,	/* the kernel audit queue's `lost` */
	LOSS_N
};
extern const char *const loss_names[LOSS_N];

enum probe_state { PROBE_OFF, PROBE_ARMED, PROBE_FALLBACK, PROBE_FAILED };

/* "failed:" or "fallback:" and the reason must fit a hello map value. */
#define PROBE_WHY_MAX (WIRE_MAPVAL_MAX - 10)

struct probe;

struct probe_ops {
	/* Open what the probe needs and loop_add its fds.  Returns 0 when
	 * armed, 1 when armed a fallback (p->why says how), -1 when it
	 * failed (p->why says why; everything it opened is closed). */
	int (*arm)(struct probe *p, const struct config *c, struct loop *l);
	/* Stop emitting and close what arm opened (shutdown). */
	void (*stop)(struct probe *p);
	/* Optional: bring p->dropped up to date from counters the probe
	 * keeps elsewhere (a BPF map, the kernel); called per heartbeat. */
	void (*refresh)(struct probe *p);
};

struct probe {
	const char *name;
	const struct probe_ops *ops;
	int enabled;
	int state;			/* enum probe_state */
	char why[PROBE_WHY_MAX];
	uint64_t dropped[LOSS_N];	/* lost before agent_emit */
	struct loop_timer timer;	/* the probe's deadline, if it wants one */
};

/* The probes of this build (probe_*.c, bind_*.c). */
extern const struct probe_ops proc_ops;
extern const struct probe_ops fs_ops;
extern const struct probe_ops net_ops;
extern const struct probe_ops cap_ops;

/* Arm every enabled probe.  A failure with on_failure=fail-cell returns
 * -1 with "probe NAME: WHY" in why; with degrade it is logged and kept in
 * the probe's state for hello. */
int probe_arm_all(const struct config *c, struct loop *l, char *why,
		  size_t cap);
void probe_stop_all(void);
int probe_count(void);
const struct probe *probe_get(int i);
/* hello's value for a probe: "armed", "off", "failed:..", "fallback:..". */
void probe_state_str(const struct probe *p, char *out, size_t cap);
/* One loss reason summed over the probes. */
uint64_t probe_dropped(int reason);
/* Run every armed probe's refresh op (before reading probe_dropped). */
void probe_refresh_all(void);
/* The loss reason named s, or -1. */
int loss_byname(const char *s);

#ifdef AGENT_TEST_SOURCE
/* The test build's synthetic event source (tests/agent/synth.c).  It is
 * compiled into build/test/cellos-telemetry only, never the release. */
#include <getopt.h>
#include <stdio.h>
extern const struct probe_ops synth_ops;
#define SYNTH_OPTIONS \
	{ "test-events", required_argument, NULL, 'T' }, \
	{ "test-arm", required_argument, NULL, 'T' }, \
	{ "test-arm-delay", required_argument, NULL, 'T' }, \
	{ "test-mark", required_argument, NULL, 'T' }, \
	{ "test-malloc", no_argument, NULL, 'T' },
int synth_option(const char *name, const char *val);
int synth_enabled(void);
void synth_usage(FILE *f);
/* SIGUSR1 in the test build: one more burst. */
void synth_signal(int signo);
/* tests/agent/nomalloc.c: abort on any malloc once the loop runs. */
void nomalloc_arm(void);
#endif
