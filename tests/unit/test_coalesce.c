/*
 * test_coalesce.c: the wakeup coalescing policy (src/lib/coalesce.c), a
 * pure function, driven by scripted drains and by a simulated kernel
 * buffer that items arrive into at given times.
 *
 * The simulation plays the loop's part: quiet, the fd wakes us at each
 * arrival and one drain reads what is there (at most BATCH); coalescing,
 * nothing wakes us and the drain runs at the deadline coalesce_next gave.
 * It records how long each item waited and the most the buffer ever held.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/coalesce.h"
#include "lib/units.h"

#define US NS_PER_US
#define MS NS_PER_MS

static struct coalesce C;
static struct coalesce_cfg CFG;

static void setup(uint64_t max_ns, uint64_t capacity)
{
	CFG.max_ns = max_ns;
	CFG.capacity = capacity;
	coalesce_init(&C, &CFG);
}

/* One drain of `items` at now; returns the next deadline. */
static uint64_t drained(uint64_t now, uint32_t items, int more, int loss)
{
	struct coalesce_drain d = { items, (uint8_t)more, (uint8_t)loss };

	return coalesce_next(&C, &CFG, now, &d);
}

/* ---- the simulated kernel buffer ---- */

#define BATCH 64

struct sim {
	uint64_t drains, wakes, timer_drains;
	uint64_t max_wait_ns;	/* the longest an item sat in the buffer */
	uint64_t max_held;	/* the most items the buffer held */
	uint64_t dropped;	/* arrivals that found the buffer full */
	uint64_t last_drop_ns;	/* when the last of them came */
	uint64_t max_window_ns;	/* the longest window while items came */
};

/* Items arrive at at[0..n) (sorted); the buffer holds cap items. */
static void simulate(const uint64_t *at, size_t n, uint64_t cap,
		     struct sim *s)
{
	static uint64_t q[1 << 16];	/* arrival times of held items */
	size_t head = 0, tail = 0, next = 0, k;
	uint64_t now, deadline = 0, told = 0;
	struct coalesce_drain d;

	memset(s, 0, sizeof(*s));
	while (next < n || tail > head) {
		/* the next thing that happens: an arrival, or the timer */
		if (next < n && (!C.on || at[next] < deadline || !deadline)) {
			now = at[next];
			if (tail - head == cap) {
				s->dropped++;
				s->last_drop_ns = now;
			} else {
				q[tail++ & 0xffff] = now;
				if (tail - head > s->max_held)
					s->max_held = tail - head;
			}
			next++;
			if (C.on)
				continue;	/* EPOLLIN off: no wakeup */
			s->wakes++;
		} else if (deadline) {
			now = deadline;
			s->timer_drains++;
		} else {
			break;		/* quiet and nothing comes: done */
		}
		for (k = 0; k < BATCH && head < tail; k++, head++)
			if (now - q[head & 0xffff] > s->max_wait_ns)
				s->max_wait_ns = now - q[head & 0xffff];
		/* the kernel says it dropped (ENOBUFS) once per overrun */
		d = (struct coalesce_drain){ (uint32_t)k, head < tail,
					     s->dropped != told };
		told = s->dropped;
		deadline = coalesce_next(&C, &CFG, now, &d);
		s->drains++;
		if (C.on && next < n && C.window_ns > s->max_window_ns)
			s->max_window_ns = C.window_ns;
	}
}

/* n arrivals, one every `gap` ns from t0. */
static size_t steady(uint64_t *at, size_t n, uint64_t t0, uint64_t gap)
{
	size_t i;

	for (i = 0; i < n; i++)
		at[i] = t0 + i * gap;
	return n;
}

static uint64_t at[40000];

/* ---- scripted ---- */

/* Rare items: each is read at once, coalescing never starts. */
static void rare_items_are_read_at_once(void **state)
{
	struct sim s;

	(void)state;
	setup(2 * MS, 10000);
	simulate(at, steady(at, 200, MS, 100 * MS), 10000, &s);
	assert_int_equal(s.max_wait_ns, 0);
	assert_int_equal(s.wakes, 200);
	assert_int_equal(s.timer_drains, 0);
	assert_int_equal(C.bursts, 0);
}

/* A fork, an exec and an exit within a millisecond, every 10 ms (a
 * `sleep 0.01` loop): fewer than COALESCE_ENTER per span, so each is
 * read as it comes. */
static void a_slow_loop_stays_immediate(void **state)
{
	struct sim s;
	size_t i, n = 0;

	(void)state;
	setup(2 * MS, 10000);
	for (i = 0; i < 300; i++) {
		at[n++] = MS + i * 10 * MS;
		at[n++] = MS + i * 10 * MS + 300 * US;
		at[n++] = MS + i * 10 * MS + 900 * US;
	}
	simulate(at, n, 10000, &s);
	assert_int_equal(s.max_wait_ns, 0);
	assert_int_equal(C.bursts, 0);
	assert_int_equal(s.wakes, n);
}

/* A shell script's quick commands: 15 processes, a millisecond each,
 * their 45 messages read as they come (and each exec while its process
 * still lives). */
static void a_short_script_stays_immediate(void **state)
{
	struct sim s;
	size_t n = steady(at, 45, MS, 330 * US);

	(void)state;
	setup(5 * MS, 20000);
	simulate(at, n, 20000, &s);
	assert_int_equal(C.bursts, 0);
	assert_int_equal(s.max_wait_ns, 0);
	assert_int_equal(s.wakes, 45);
}

/* A burst (4,000 items/s, a spawn loop's fork+exec+exit) is read on the
 * timer: a drain per window instead of a wakeup per item, no item waits
 * longer than a window, and once it ends the fd is immediate again. */
static void a_burst_is_drained_per_window(void **state)
{
	struct sim s;
	size_t n = steady(at, 8000, MS, 250 * US);	/* 2 s of burst */

	(void)state;
	setup(2 * MS, 20000);
	at[n++] = 10 * NS_PER_SEC;			/* then, much later */
	simulate(at, n, 20000, &s);
	assert_int_equal(C.bursts, 1);
	assert_true(s.timer_drains > 900 && s.timer_drains < 1100);
	assert_true(s.wakes <= COALESCE_ENTER + 1);	/* then the timer */
	assert_true(s.max_wait_ns <= 2 * MS);
	assert_false(C.on);
	assert_int_equal(s.dropped, 0);
	/* the lone item at 10 s was read as it came */
	coalesce_init(&C, &CFG);
	simulate(at + n - 1, 1, 20000, &s);
	assert_int_equal(s.max_wait_ns, 0);
}

/* The window never lets the buffer fill past 1/COALESCE_FRACTION at a
 * steady rate, however long the configured maximum. */
static void the_window_fits_the_buffer(void **state)
{
	struct sim s;
	size_t n = steady(at, 40000, MS, 10 * US);	/* 100,000/s */

	(void)state;
	setup(100 * MS, 2000);	/* 500 items = 5 ms at that rate */
	simulate(at, n, 2000, &s);
	assert_int_equal(s.dropped, 0);
	assert_true(C.bursts >= 1);
	assert_true(s.max_held <= 2000 / COALESCE_FRACTION + BATCH);
	assert_true(s.max_window_ns <= 5 * MS + 100 * US);
	assert_true(s.max_window_ns >= 4 * MS);
}

/* So fast that a window worth a timer would overfill: stay immediate. */
static void too_fast_for_the_buffer_stays_immediate(void **state)
{
	(void)state;
	setup(2 * MS, 40);		/* 10 items at 1,000,000/s: 10 us */
	assert_int_equal(drained(MS, 1, 0, 0), 0);
	assert_int_equal(drained(MS + 1 * US, 1, 0, 0), 0);
	assert_int_equal(drained(MS + 2 * US, 2, 0, 0), 0);
	assert_int_equal(drained(MS + 3 * US, 3, 0, 0), 0);
	assert_false(C.on);
	assert_int_equal(C.window_ns, 0);
}

/* max_ns 0: off; every drain is on readiness. */
static void zero_is_off(void **state)
{
	uint64_t t;

	(void)state;
	setup(0, 10000);
	for (t = MS; t < 100 * MS; t += 10 * US)
		assert_int_equal(drained(t, 64, 1, 0), 0);
	assert_false(C.on);
}

/* A drain that stopped at its bound drains again at once. */
static void more_left_drains_again_at_once(void **state)
{
	(void)state;
	setup(2 * MS, 100000);
	assert_int_equal(drained(MS, 64, 1, 0), MS);	/* a burst at once */
	assert_true(C.on);
	assert_int_equal(drained(MS + 5 * US, 64, 1, 0), MS + 5 * US);
	assert_int_equal(drained(MS + 9 * US, 30, 0, 0),
			 MS + 9 * US + 2 * MS);
	assert_int_equal(drained(3 * MS + 9 * US, 0, 0, 0), 0);  /* over */
	assert_false(C.on);
}

/* A loss in a coalesced window halves the limit and teaches the buffer's
 * size, until coalescing stops; a loss while reading per item does not;
 * loss-free time grows the limit back. */
static void a_loss_shrinks_the_window(void **state)
{
	uint64_t t = MS, next, limit;
	int i;

	(void)state;
	setup(4 * MS, 1000000);
	drained(t, 10, 0, 1);			/* quiet: not the window's */
	assert_int_equal(C.limit_ns, 4 * MS);
	assert_int_equal(C.shrinks, 0);
	next = drained(t += 10 * US, COALESCE_ENTER, 0, 0);	/* a burst */
	assert_true(C.on);
	assert_int_equal(next, t + 4 * MS);
	next = drained(t = next, 400, 1, 0);	/* the window: 400 items, */
	assert_int_equal(next, t);
	next = drained(t += 20 * US, 100, 0, 1);	/* 100 more, ENOBUFS */
	assert_int_equal(C.limit_ns, 2 * MS);
	assert_int_equal(C.learned, 500);	/* it held no more than that */
	assert_int_equal(C.shrinks, 1);
	assert_true(C.on);
	/* windows of 50 that each overflow: the buffer holds 50, and a
	 * window that fills a quarter of it is too short for a timer */
	for (i = 0; i < 5 && C.on; i++)
		next = drained(t = next, 50, 0, 1);
	assert_false(C.on);
	assert_int_equal(next, 0);
	assert_int_equal(C.learned, 50);
	assert_true(C.limit_ns < 2 * MS);
	limit = C.limit_ns;
	next = drained(t += 10 * US, 50, 0, 1);	/* quiet: no more halving */
	assert_int_equal(C.limit_ns, limit);
	/* loss-free: 1/REGROW of the time comes back, never past max */
	drained(t += 100 * MS, 1, 0, 0);
	assert_int_equal(C.limit_ns, limit + 100 * MS / COALESCE_REGROW);
	drained(t += NS_PER_SEC, 1, 0, 0);
	assert_int_equal(C.limit_ns, 4 * MS);
}

/* A flood into a buffer far smaller than the owner said: the first
 * windows overflow it (each loss counted by the kernel), then the window
 * fits what the losses showed, and nothing more is lost, while it still
 * coalesces. */
static void losses_converge(void **state)
{
	struct sim s;
	size_t n = steady(at, 40000, MS, 10 * US);	/* 100,000/s, 0.4 s */

	(void)state;
	setup(8 * MS, 1000000);		/* told a million: it holds 300 */
	simulate(at, n, 300, &s);
	assert_true(s.dropped > 0);
	assert_true(s.last_drop_ns < MS + 50 * MS);	/* early, then none */
	assert_true(C.shrinks >= 1);
	assert_true(C.learned > 0 && C.learned <= 300);
	assert_true(C.bursts >= 1);
	assert_true(s.timer_drains > s.wakes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rare_items_are_read_at_once),
		cmocka_unit_test(a_slow_loop_stays_immediate),
		cmocka_unit_test(a_short_script_stays_immediate),
		cmocka_unit_test(a_burst_is_drained_per_window),
		cmocka_unit_test(the_window_fits_the_buffer),
		cmocka_unit_test(too_fast_for_the_buffer_stays_immediate),
		cmocka_unit_test(zero_is_off),
		cmocka_unit_test(more_left_drains_again_at_once),
		cmocka_unit_test(a_loss_shrinks_the_window),
		cmocka_unit_test(losses_converge),
	};
	return cmocka_run_group_tests_name("coalesce", tests, NULL, NULL);
}
