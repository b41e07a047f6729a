/*
 * coalesce.c: the coalescing policy of coalesce.h.  Pure: every input,
 * the time included, is an argument.
 */
#include <string.h>
#include "coalesce.h"
#include "units.h"

void coalesce_init(struct coalesce *c, const struct coalesce_cfg *cfg)
{
	memset(c, 0, sizeof(*c));
	c->limit_ns = cfg->max_ns;
	c->window_ns = cfg->max_ns < COALESCE_MIN_NS ? 0 : cfg->max_ns;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The window: the maximum, the loss limit, and the time the buffer
 * takes to fill to 1/COALESCE_FRACTION at the higher of the smoothed
 * and the latest rate; 0 when that is too short to be worth a timer. */
static uint64_t window(const struct coalesce *c,
		       const struct coalesce_cfg *cfg, uint64_t latest)
{
	uint64_t w = min64(cfg->max_ns, c->limit_ns);
	uint64_t rate = c->rate > latest ? c->rate : latest;
	uint64_t cap = cfg->capacity;

	if (c->learned && (!cap || c->learned < cap))
		cap = c->learned;
	if (rate && cap)
		w = min64(w, cap * NS_PER_SEC / COALESCE_FRACTION / rate);
	return w < COALESCE_MIN_NS ? 0 : w;
}

/* Coalescing: drain again after the window, unless the burst is over. */
static uint64_t next_coalesced(struct coalesce *c, uint64_t now,
			       const struct coalesce_drain *d)
{
	if (d->more)
		return now;
	if (c->window_ns == 0 || c->last_items <= COALESCE_LEAVE) {
		c->on = 0;
		c->burst_ns = now;
		c->burst_items = 0;
		return 0;
	}
	return now + c->window_ns;
}

/* Quiet: count the items of the current span; enough make a burst. */
static uint64_t next_quiet(struct coalesce *c, uint64_t now,
			   const struct coalesce_drain *d)
{
	if (c->window_ns == 0)
		return 0;
	if (now - c->burst_ns >= c->window_ns * COALESCE_SPAN) {
		c->burst_ns = now;
		c->burst_items = 0;
	}
	c->burst_items += d->items;
	if (c->burst_items < COALESCE_ENTER)
		return 0;
	c->on = 1;
	c->bursts++;
	return d->more ? now : now + c->window_ns;
}

/* A window's last drain (nothing more left): its items give the rate;
 * a loss in it, while coalescing, halves the limit and teaches the
 * buffer's size (it held no more than the window read); a loss while
 * reading per item is not the window's doing; loss-free time grows the
 * limit back.  Then the next window. */
static void window_done(struct coalesce *c, const struct coalesce_cfg *cfg,
			uint64_t now)
{
	uint64_t elapsed = c->last_ns && now > c->last_ns ? now - c->last_ns : 0;
	uint64_t latest = elapsed ? c->held * NS_PER_SEC / elapsed : 0;

	if (c->lossy && c->on) {
		c->limit_ns /= 2;
		if (c->limit_ns < COALESCE_MIN_NS)
			c->limit_ns = 0;
		if (!c->learned || c->held < c->learned)
			c->learned = c->held ? c->held : 1;
		c->shrinks++;
	} else if (!c->lossy) {
		c->limit_ns = min64(cfg->max_ns,
				    c->limit_ns + elapsed / COALESCE_REGROW);
	}
	if (elapsed)
		c->rate = (3 * c->rate + latest) / 4;
	c->last_ns = now;
	c->last_items = c->held;
	c->held = 0;
	c->lossy = 0;
	c->window_ns = window(c, cfg, latest);
}

uint64_t coalesce_next(struct coalesce *c, const struct coalesce_cfg *cfg,
		       uint64_t now, const struct coalesce_drain *d)
{
	c->held += d->items;
	c->lossy |= d->loss;
	if (!d->more)
		window_done(c, cfg, now);
	return c->on ? next_coalesced(c, now, d) : next_quiet(c, now, d);
}
