/*
 * gclock.h: when a guest event happened, on the host's clock (doc/WIRE.md
 * §6 "Occurrence time").  Pure functions over numbers: no clocks read.
 *
 * Per connection, the offset between the guest's CLOCK_MONOTONIC and the
 * host's.  Each hello and heartbeat is a sample s = R - g: R the host's
 * monotonic time when the read that brought the frame returned, g its
 * guest stamp.  A frame leaves after its stamp, so each sample is the
 * true offset plus that frame's delay: the smallest is the best estimate,
 * too high by the smallest delay.  The offset in use is the smallest
 * sample of a sliding window (HOST_CLOCK_BUCKETS buckets of
 * HOST_CLOCK_BUCKET_MS of host time), so a guest clock that runs slow is
 * followed within one window.
 *
 * An event's time is g plus the offset, and never later than its own
 * receipt R: what a guest sends cannot place an event after the host got
 * it.  spread (the latest sample minus the offset) is how far a fresh
 * frame came after the estimate: an estimate is early by at most that
 * much, should the guest clock have fallen behind.
 *
 * Jumps, flagged and not followed at once: once two heartbeats agreed
 * (steady), a sample more than HOST_CLOCK_JUMP_MS below the offset (the
 * guest's clock ahead of all it said before) is taken as no sample; its
 * frames get their receipt time.  A window whose smallest sample rose by
 * more than HOST_CLOCK_JUMP_MS (the guest clock fell behind, or every
 * frame of a window was late) is followed, flagged: it took a whole
 * window to show.  When a window passes with no sample taken, the next
 * one starts the estimate again (flagged).
 */
#pragma once
#include <stdint.h>
#include "lib/caps.h"

enum gclock_verdict {
	GCLOCK_OK,			/* taken (or tighter) */
	GCLOCK_AHEAD,			/* a jump ahead: not taken */
	GCLOCK_ROSE,			/* the window's offset rose by a jump */
	GCLOCK_RESTART			/* a window without samples: started over */
};

struct gclock_bucket {
	uint64_t start;			/* host ns of its first sample */
	int64_t min;			/* smallest sample in it */
};

struct gclock {
	uint8_t have;			/* off is set */
	uint8_t steady;			/* two heartbeats agreed */
	uint8_t nb;			/* buckets in use, newest last */
	int64_t off;			/* host - guest, ns: the window's minimum */
	int64_t spread;			/* latest taken sample - off */
	int64_t last_s;			/* the last heartbeat's sample */
	uint64_t last_g;		/* and its stamp */
	uint64_t samples;		/* taken */
	uint64_t jumps;			/* AHEAD, ROSE and RESTART verdicts */
	int64_t last_jump;		/* new offset - old, of the last one */
	struct gclock_bucket b[HOST_CLOCK_BUCKETS];
};

void gclock_init(struct gclock *c);
/* One sample: a hello or heartbeat stamped g, read at host time r.
 * heartbeat: 1 for a heartbeat (two that agree make the clock steady). */
int gclock_sample(struct gclock *c, uint64_t r, uint64_t g, int heartbeat);
/* The host time of guest stamp g for a frame read at r: at most r (a
 * frame stamped after the sample of its own read is estimated at r;
 * *clamped is 1 when the estimate was later than r by more than a jump),
 * r itself while no sample came. */
uint64_t gclock_at(const struct gclock *c, uint64_t g, uint64_t r,
		   int *clamped);
