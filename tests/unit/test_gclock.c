/*
 * test_gclock.c: the occurrence-time estimate (src/host/gclock.c): the
 * smallest receipt - stamp wins; an estimate is never after its receipt;
 * a backlog read at once does not make the clock steady; a steady clock
 * refuses a jump ahead (flagged) and restarts after a window of them; a
 * clock that falls behind is followed once the window has shown it; a
 * slow guest clock is followed within a window; hostile stamps are safe.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "host/gclock.h"

#define MS NS_PER_MS
#define S NS_PER_SEC
#define OFF (1000 * S)			/* the true host - guest offset */

/* A heartbeat stamped g reaching the host after delay d. */
static int beat(struct gclock *c, uint64_t g, uint64_t d)
{
	return gclock_sample(c, g + OFF + d, g, 1);
}

static uint64_t at(const struct gclock *c, uint64_t g, uint64_t r, int *cl)
{
	return gclock_at(c, g, r, cl);
}

static void smallest_delay_wins(void **state)
{
	struct gclock c;
	int cl;

	(void)state;
	gclock_init(&c);
	assert_int_equal(at(&c, 5 * S, 7 * S, &cl), 7 * S);	/* none yet */
	assert_int_equal(gclock_sample(&c, 10 * S + OFF + 3 * MS, 10 * S, 0),
			 GCLOCK_OK);			/* hello, 3 ms late */
	assert_int_equal(c.off, (int64_t)(OFF + 3 * MS));
	assert_int_equal(beat(&c, 11 * S, 20000), GCLOCK_OK);
	assert_int_equal(beat(&c, 12 * S, 50000), GCLOCK_OK);
	assert_int_equal(c.off, (int64_t)OFF + 20000);
	assert_int_equal(c.spread, 30000);
	assert_int_equal(c.samples, 3);
	/* an event stamped at 11.5 s, read 2 s later (the receiver stopped) */
	assert_int_equal(at(&c, 11 * S + S / 2, 13 * S + S / 2 + OFF, &cl),
			 11 * S + S / 2 + OFF + 20000);
	assert_false(cl);
	assert_int_equal(c.jumps, 0);
}

static void never_after_receipt(void **state)
{
	struct gclock c;
	int cl;

	(void)state;
	gclock_init(&c);
	beat(&c, 10 * S, 5 * MS);
	/* a frame whose stamp says it left 1 ms before it was read, with the
	 * estimate 4 ms later than that: the receipt, not flagged (a frame
	 * read with the sample's, stamped after it) */
	assert_int_equal(at(&c, 11 * S, 11 * S + OFF + MS, &cl),
			 11 * S + OFF + MS);
	assert_false(cl);
	/* 200 ms later than its receipt: flagged */
	assert_int_equal(at(&c, 11 * S, 11 * S + OFF - 195 * MS, &cl),
			 11 * S + OFF - 195 * MS);
	assert_true(cl);
	assert_int_equal(at(&c, 0, 2 * OFF, &cl), OFF + 5 * MS);	/* stamp 0 */
}

static void backlog_is_not_steady(void **state)
{
	struct gclock c;
	uint64_t g;

	(void)state;
	gclock_init(&c);
	/* 20 heartbeats 10 ms apart, all read at one moment (a replay) */
	for (g = 10 * S; g < 10 * S + 200 * MS; g += 10 * MS)
		gclock_sample(&c, 12 * S + OFF, g, 1);
	assert_false(c.steady);
	/* then a fresh one 1.7 s lower: taken, not a jump */
	assert_int_equal(beat(&c, 13 * S, 10000), GCLOCK_OK);
	assert_int_equal(c.off, (int64_t)OFF + 10000);
	assert_int_equal(c.jumps, 0);
}

static void jump_ahead_refused(void **state)
{
	struct gclock c;
	uint64_t g;
	int cl, v = GCLOCK_OK;

	(void)state;
	gclock_init(&c);
	beat(&c, 10 * S, 10000);
	beat(&c, 11 * S, 12000);
	assert_true(c.steady);
	/* the guest clock leaps 5 s ahead */
	assert_int_equal(gclock_sample(&c, 12 * S + OFF, 17 * S, 1), GCLOCK_AHEAD);
	assert_int_equal(c.off, (int64_t)OFF + 10000);
	assert_int_equal(c.jumps, 1);
	assert_int_equal(c.last_jump, -(int64_t)(5 * S + 10000));
	assert_int_equal(at(&c, 17 * S, 12 * S + OFF, &cl), 12 * S + OFF);
	assert_true(cl);			/* its receipt, flagged */
	/* it stays ahead: refused until a window passed without a sample */
	for (g = 18 * S; v != GCLOCK_RESTART && g < 200 * S; g += S)
		v = gclock_sample(&c, g - 5 * S + OFF, g, 1);
	assert_int_equal(v, GCLOCK_RESTART);
	g -= S;					/* the one that restarted */
	assert_true(g - 5 * S - 10 * S >=
		    HOST_CLOCK_BUCKETS * HOST_CLOCK_BUCKET_MS * MS);
	assert_int_equal(c.off, (int64_t)OFF - (int64_t)(5 * S));
}

static void fell_behind_followed(void **state)
{
	struct gclock c;
	uint64_t g;
	int v = GCLOCK_OK;

	(void)state;
	gclock_init(&c);
	for (g = 10 * S; g < 20 * S; g += S)
		beat(&c, g, 10000);
	/* the guest's clock stops for 3 s (a paused VM): every later frame
	 * seems 3 s late; the estimate follows once the window shows it */
	for (; v == GCLOCK_OK && g < 300 * S; g += S)
		v = gclock_sample(&c, g + 3 * S + OFF + 10000, g, 1);
	assert_int_equal(v, GCLOCK_ROSE);
	assert_int_equal(c.off, (int64_t)(OFF + 3 * S + 10000));
	assert_int_equal(c.last_jump, (int64_t)(3 * S));
	assert_false(c.steady);
}

static void slow_clock_followed(void **state)
{
	struct gclock c;
	uint64_t g, r;
	int v;

	(void)state;
	gclock_init(&c);
	/* the guest clock runs 200 ppm slow for 10 minutes */
	for (g = 0; g <= 600 * S; g += S) {
		r = g + g / 5000 + OFF + 10000;
		v = beat(&c, g, r - g - OFF);
		assert_int_not_equal(v, GCLOCK_AHEAD);
		assert_int_not_equal(v, GCLOCK_RESTART);
	}
	/* behind the last sample by at most a window's drift */
	assert_true(c.spread >= 0 && c.spread <= (int64_t)(60 * S / 5000));
	assert_int_equal(c.jumps, 0);
}

static void hostile_stamps(void **state)
{
	struct gclock c;
	int cl;

	(void)state;
	gclock_init(&c);
	beat(&c, 10 * S, 10000);
	assert_int_equal(gclock_sample(&c, 11 * S + OFF, UINT64_MAX, 1),
			 GCLOCK_AHEAD);
	assert_int_equal(at(&c, UINT64_MAX, 11 * S + OFF, &cl), 11 * S + OFF);
	assert_true(cl);
	assert_int_equal(at(&c, (uint64_t)INT64_MAX - 5, 11 * S + OFF, &cl),
			 11 * S + OFF);
	assert_true(cl);
	assert_int_equal(c.off, (int64_t)OFF + 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(smallest_delay_wins),
		cmocka_unit_test(never_after_receipt),
		cmocka_unit_test(backlog_is_not_steady),
		cmocka_unit_test(jump_ahead_refused),
		cmocka_unit_test(fell_behind_followed),
		cmocka_unit_test(slow_clock_followed),
		cmocka_unit_test(hostile_stamps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
