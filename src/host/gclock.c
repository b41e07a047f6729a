/*
 * gclock.c: the offset estimate of gclock.h: a sliding-window minimum of
 * (receipt - stamp) in a few buckets, with the jump rules.
 */
#include <string.h>
#include "gclock.h"

#define JUMP_NS ((int64_t)HOST_CLOCK_JUMP_MS * (int64_t)NS_PER_MS)
#define BUCKET_NS ((uint64_t)HOST_CLOCK_BUCKET_MS * NS_PER_MS)

void gclock_init(struct gclock *c)
{
	memset(c, 0, sizeof(*c));
}

/* The smallest sample of the window; INT64_MAX when it has none. */
static int64_t window_min(const struct gclock *c)
{
	int64_t m = INT64_MAX;
	unsigned i;

	for (i = 0; i < c->nb; i++)
		if (c->b[i].min < m)
			m = c->b[i].min;
	return m;
}

/* Drop the buckets that left the window at host time r and open a new
 * one when the newest is a bucket old. */
static void slide(struct gclock *c, uint64_t r)
{
	uint64_t window = BUCKET_NS * HOST_CLOCK_BUCKETS;
	unsigned k = 0;

	while (k < c->nb && r - c->b[k].start >= window)
		k++;
	if (k > 0) {
		memmove(c->b, c->b + k, (c->nb - k) * sizeof(c->b[0]));
		c->nb = (uint8_t)(c->nb - k);
	}
	if (c->nb > 0 && r - c->b[c->nb - 1].start < BUCKET_NS)
		return;
	if (c->nb == HOST_CLOCK_BUCKETS) {
		memmove(c->b, c->b + 1, (c->nb - 1) * sizeof(c->b[0]));
		c->nb--;
	}
	c->b[c->nb++] = (struct gclock_bucket){ r, INT64_MAX };
}

/* Start over from sample s at r. */
static void restart(struct gclock *c, uint64_t r, int64_t s)
{
	c->nb = 1;
	c->b[0] = (struct gclock_bucket){ r, s };
	c->off = s;
	c->have = 1;
	c->steady = 0;
	c->spread = 0;
}

/* A heartbeat that agrees with the last one (the difference of their
 * samples small beside the time between their stamps: a backlog read at
 * once has samples as far apart as its stamps) makes the clock steady. */
static void agree(struct gclock *c, int64_t s, uint64_t g)
{
	int64_t d = s - c->last_s;
	uint64_t dg = g - c->last_g;

	if (c->last_g && g > c->last_g && (d < 0 ? -d : d) <= JUMP_NS &&
	    (uint64_t)(d < 0 ? -d : d) <= dg / 4)
		c->steady = 1;
	c->last_s = s;
	c->last_g = g;
}

/* Take sample s of stamp g into the newest bucket. */
static void take(struct gclock *c, int64_t s, uint64_t g, int heartbeat)
{
	if (s < c->b[c->nb - 1].min)
		c->b[c->nb - 1].min = s;
	c->samples++;
	if (heartbeat)
		agree(c, s, g);
	c->off = window_min(c);
	c->spread = s - c->off;
}

/* Count a jump from offset `from` to `to`; returns verdict v. */
static int jump(struct gclock *c, int64_t from, int64_t to, int v)
{
	c->jumps++;
	c->last_jump = to - from;
	return v;
}

int gclock_sample(struct gclock *c, uint64_t r, uint64_t g, int heartbeat)
{
	int64_t s, old = c->off;

	if (g > (uint64_t)INT64_MAX || r > (uint64_t)INT64_MAX)
		return c->have ? jump(c, old, old, GCLOCK_AHEAD) : GCLOCK_OK;
	s = (int64_t)r - (int64_t)g;
	if (c->have)
		slide(c, r);
	if (!c->have || window_min(c) == INT64_MAX) {
		restart(c, r, s);
		take(c, s, g, heartbeat);
		if (c->samples == 1 || (s - old <= JUMP_NS && old - s <= JUMP_NS))
			return GCLOCK_OK;	/* the first, or a quiet window */
		return jump(c, old, s, GCLOCK_RESTART);
	}
	if (c->steady && s < c->off - JUMP_NS)
		return jump(c, old, s, GCLOCK_AHEAD);
	take(c, s, g, heartbeat);
	if (c->off - old > JUMP_NS) {
		c->steady = 0;		/* to be shown again by fresh frames */
		return jump(c, old, c->off, GCLOCK_ROSE);
	}
	return GCLOCK_OK;
}

uint64_t gclock_at(const struct gclock *c, uint64_t g, uint64_t r,
		   int *clamped)
{
	int64_t est;

	*clamped = 0;
	if (!c->have)
		return r;
	if (g > (uint64_t)INT64_MAX ||
	    (c->off > 0 && (int64_t)g > INT64_MAX - c->off)) {
		*clamped = 1;
		return r;
	}
	est = (int64_t)g + c->off;
	if (est < 0)
		return 0;
	if ((uint64_t)est > r) {
		*clamped = (uint64_t)est - r > (uint64_t)JUMP_NS;
		return r;
	}
	return (uint64_t)est;
}
