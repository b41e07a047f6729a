/*
 * probe.h: the contract between a probe and the agent's core, and the
 * probe registry.
 *
 * A probe is a folder, src/agent/<name>/, whose <name>_ops.c defines one
 * struct probe_ops: its name (the key in hello's `probes` map), the mode
 * words of `--probe NAME=MODE`, and arm/stop.  Arming opens the probe's
 * kernel interface, adds its fds to the loop (each with its own handler)
 * and may set the probe's deadline (p->timer, registered for every
 * probe).  What the probe sees goes out through probe_emit(); what it
 * loses is counted in p->dropped[] under the core's loss reasons, where
 * it happens (a count the kernel keeps is copied in by refresh).  A new
 * probe is a folder and its line in the registry (probe.c).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "lib/loop.h"
#include "wire/event.h"

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
	/* the net probe's connection outcomes */
	LOSS_NET_UNTRACKED,	/* connections the BPF tables had no room for */
	LOSS_NET_EXPIRED,	/* table entries that waited too long: swept */
	/* the fs probe's fanotify group */
	LOSS_FANOTIFY_OVERFLOW,	/* its queue overflowed (FAN_Q_OVERFLOW) */
	LOSS_FANOTIFY_UNSEEN,	/* an ignored directory moved into a tree */
	LOSS_N
};
extern const char *const loss_names[LOSS_N];

/* doc/WIRE.md §4 `incomplete`: events that went out, but without a
 * field they should carry (or with a weaker source for it), and the
 * causes the probe saw; never a loss (the event was delivered). */
enum incomplete_reason {
	INC_ARGV_LOST,		/* exec/inventory: argv not readable */
	INC_CWD_LOST,		/* exec/inventory: cwd not readable */
	INC_UID_LOST,		/* exec/inventory: uid not readable */
	INC_EXE_LOST,		/* exec: no exe from anywhere */
	INC_EXE_FROM_PROC,	/* exec: exe from /proc/PID/exe, no fanotify match */
	INC_EXEC_FAILED,	/* fanotify exec opens no exec followed */
	INC_FANOTIFY_OVERFLOW,	/* fanotify queue overflows, unreadable records */
	INC_HASH_SKIPPED,	/* --exe-hash: a file not hashed (size, read) */
	INC_N
};
extern const char *const incomplete_names[INC_N];

enum probe_state { PROBE_OFF, PROBE_ARMED, PROBE_FALLBACK, PROBE_FAILED };

/* "failed:" or "fallback:" and the reason must fit a hello map value. */
#define PROBE_WHY_MAX (WIRE_MAPVAL_MAX - 10)
/* Mode words a probe takes: off, on (its primary mechanism) and named
 * fallbacks forced by hand (process=poll, net=diag, net=proc). */
#define PROBE_MODES_MAX 4

/* Where a probe's events go: agent_emit in the agent, a printer in the
 * test tools.  The event is the probe's scratch, valid for the call; the
 * core stamps its seq and clock on it.  0, or -1 when it was counted
 * lost instead. */
typedef int probe_emit_fn(struct event *ev);

struct probe;

/* hello's `outcomes`: for an event source a probe's armed mechanism
 * sends, the keys it fills, comma separated. */
struct probe_outcome {
	const char *source;
	const char *keys;
};

struct probe_ops {
	const char *name;
	/* The words of --probe NAME=MODE, by mode number (0: off, 1: on);
	 * none: the probe cannot be named there. */
	const char *modes[PROBE_MODES_MAX + 1];
	int default_mode;
	/* Optional: should the probe arm, in this mode?  (Default: the
	 * mode is not off.) */
	int (*wanted)(const struct config *c, int mode);
	/* Open what the probe needs and loop_add its fds.  Returns 0 when
	 * armed, 1 when armed a fallback (p->why says how), -1 when it
	 * failed (p->why says why; everything it opened is closed). */
	int (*arm)(struct probe *p, const struct config *c, struct loop *l);
	/* Stop emitting and close what arm opened.  It runs outside the
	 * loop (the shutdown's pause) and may wait for its kernel, bounded. */
	void (*stop)(struct probe *p);
	/* Optional: copy into p->dropped the counts the kernel keeps (a BPF
	 * map); called before each heartbeat reads them. */
	void (*refresh)(struct probe *p);
	/* Optional: add the probe's own keys to hello (the fs probe's
	 * `watches`); only called once it armed. */
	void (*hello)(const struct probe *p, struct event *ev);
};

/* A mechanism inside a probe that arms or falls back on its own (the
 * process probe's fanotify exe source): hello lists it as
 * "<probe>.<name>" with the same state words. */
struct probe_part {
	const char *name;		/* NULL: the probe has none */
	int state;			/* enum probe_state */
	char why[PROBE_WHY_MAX];
};

struct probe {
	const struct probe_ops *ops;
	int mode;			/* the configured mode (ops->modes) */
	int state;			/* enum probe_state */
	char why[PROBE_WHY_MAX];
	struct probe_part part;
	uint64_t dropped[LOSS_N];	/* lost before they could be emitted */
	uint64_t incomplete[INC_N];	/* sent without all they should carry */
	struct loop_timer timer;	/* the probe's deadline, if it wants one */
	probe_emit_fn *emit;
	/* What it sends of the outcome sources ({NULL}-terminated), or NULL. */
	const struct probe_outcome *outcomes;
};

/* Hand one event of p to the core. */
static inline int probe_emit(struct probe *p, struct event *ev)
{
	return p->emit(ev);
}

/* Set p->state from what an arm function returned (0, 1, -1). */
void probe_arm_result(struct probe *p, int rc);
/* hello's value for a probe: "armed", "off", "failed:..", "fallback:..". */
void probe_state_str(const struct probe *p, char *out, size_t cap);
/* The same for a probe's part (state and why). */
void probe_part_str(const struct probe_part *pp, char *out, size_t cap);

/* ---- the registry ---- */

/* Arm every wanted probe, its events going to emit.  A failure with
 * on_failure=fail-cell returns -1 with "probe NAME: WHY" in why; with
 * degrade it is logged and kept in the probe's state for hello. */
int probe_arm_all(const struct config *c, struct loop *l,
		  probe_emit_fn *emit, char *why, size_t cap);
/* Stop every armed probe (outside the loop: see probe_ops.stop). */
void probe_stop_all(void);
int probe_count(void);
const struct probe *probe_get(int i);
/* The index of the probe --probe may name name[0..n), or -1. */
int probe_find(const char *name, size_t n);
/* One loss reason summed over the probes. */
uint64_t probe_dropped(int reason);
/* One incomplete reason summed over the probes. */
uint64_t probe_incomplete(int reason);
/* Run every armed probe's refresh op (before reading probe_dropped). */
void probe_refresh_all(void);
