/*
 * coalesce.h: when to read an fd the kernel fills: the policy of the
 * loop's coalesced fds (loop.h), interrupt moderation as NICs do it.
 *
 * Quiet, every item is read as soon as the kernel says the fd is readable.
 * Under a burst (COALESCE_ENTER items within COALESCE_SPAN windows: two
 * items a window or more, kept up for a while) the fd stops
 * waking us: the loop takes EPOLLIN off it, so the kernel's per-message
 * wakeup finds no waiter (no cross-CPU IPI, a VM exit in a microVM), and
 * drains it on a timer every window instead.  A window that brings at
 * most COALESCE_LEAVE items ends the burst.  The window is the smallest
 * of: the configured maximum; a limit that halves each time a coalesced
 * window let the kernel drop items and grows back while none is lost;
 * and the time the kernel's buffer takes to fill to 1/COALESCE_FRACTION
 * at the observed rate.  The buffer's size is what the owner says, or
 * less once a window overflowed it: what that window read is then all it
 * holds.  Pure: no clock, no I/O; the caller passes now.
 */
#pragma once
#include <stdint.h>

/* Items within COALESCE_SPAN windows that make a burst: two a window,
 * kept up, so that waking per item would cost twice the timer; and at
 * least 64, so that a shell script's handful of quick commands (tens of
 * messages) stays immediate and each is read while it still lives. */
#define COALESCE_ENTER		64
#define COALESCE_SPAN		32
/* A coalesced window with this many items or fewer ends the burst. */
#define COALESCE_LEAVE		1
/* A window may fill at most this fraction (1/N) of the kernel's buffer. */
#define COALESCE_FRACTION	4
/* Below this a window is not worth its timer: coalescing stays off. */
#define COALESCE_MIN_NS		50000ull
/* The loss limit grows back by 1/N of the loss-free time that passed. */
#define COALESCE_REGROW		256

/* What the owner of an fd says about it at registration. */
struct coalesce_cfg {
	uint64_t max_ns;	/* the longest window; 0: never coalesce */
	uint64_t capacity;	/* items the kernel holds before it drops */
};

/* What one drain read: items (datagrams, records), whether it stopped at
 * its bound with more left, whether the kernel said it lost some (or,
 * where the owner can see it, that its buffer was more than half full). */
struct coalesce_drain {
	uint32_t items;
	uint8_t more;
	uint8_t loss;
};

struct coalesce {
	int on;			/* coalescing: EPOLLIN off, drained on a timer */
	uint64_t limit_ns;	/* the loss limit (starts at max_ns) */
	uint64_t learned;	/* the capacity a loss showed; 0: none yet */
	uint64_t held;		/* items of this window's drains so far (a
				 * window ends with a drain with nothing more) */
	int lossy;		/* and one of them said the kernel dropped */
	uint64_t window_ns;	/* the window last chosen */
	uint64_t rate;		/* items per second, smoothed over windows */
	uint64_t last_ns;	/* the end of the previous window */
	uint64_t last_items;	/* what the previous window read */
	uint64_t burst_ns;	/* quiet: start of the span the items count in */
	uint64_t burst_items;
	/* what it did, for the counters and the tests */
	uint64_t bursts;	/* quiet -> coalescing */
	uint64_t shrinks;	/* losses that halved the limit */
};

void coalesce_init(struct coalesce *c, const struct coalesce_cfg *cfg);

/* After a drain at now: the absolute time of the next drain (c->on: the
 * fd must not wake us until then), or 0 to wait for readiness again. */
uint64_t coalesce_next(struct coalesce *c, const struct coalesce_cfg *cfg,
		       uint64_t now, const struct coalesce_drain *d);
