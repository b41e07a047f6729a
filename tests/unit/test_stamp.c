/*
 * test_stamp.c: seq bookkeeping (src/host/stamp.c): in-order frames, gaps,
 * duplicates from a replay, hello and loss frames that come early, loss
 * ranges not counted twice, the ahead table overflowing, what an ack names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "host/stamp.h"

static struct stamp_inst in;
static struct stamp_verdict v;

/* Frame seq of class cls; returns dup, checks the gap count. */
static int frame(uint64_t seq, int cls, unsigned ngaps)
{
	stamp_frame(&in, seq, cls, &v);
	assert_int_equal(v.ngaps, ngaps);
	return v.dup;
}

static void in_order(void **state)
{
	uint64_t a;

	(void)state;
	stamp_start(&in, 1, 0);
	assert_int_equal(stamp_ackable(&in, &a), -1);
	for (uint64_t s = 0; s < 100; s++)
		assert_false(frame(s, STAMP_DATA, 0));
	assert_int_equal(stamp_ackable(&in, &a), 0);
	assert_int_equal(a, 99);
}

static void gap_then_dup(void **state)
{
	(void)state;
	stamp_start(&in, 1, 0);
	assert_false(frame(0, STAMP_DATA, 0));
	assert_false(frame(5, STAMP_DATA, 1));
	assert_int_equal(v.gap[0].first, 1);
	assert_int_equal(v.gap[0].end, 5);
	/* the gap is reported once: a late frame from it is a duplicate */
	assert_true(frame(3, STAMP_DATA, 0));
	assert_true(frame(5, STAMP_DATA, 0));
	assert_false(frame(6, STAMP_DATA, 0));
}

static void unknown_start(void **state)
{
	(void)state;
	stamp_start(&in, 0, 0);
	assert_false(frame(1000, STAMP_DATA, 0));	/* no gap before it */
	assert_false(frame(1001, STAMP_DATA, 0));
	assert_true(frame(999, STAMP_DATA, 0));
}

static void replay_after_reconnect(void **state)
{
	(void)state;
	stamp_start(&in, 1, 0);
	for (uint64_t s = 0; s < 45; s++)
		frame(s, STAMP_DATA, 0);
	/* the new connection: hello 57 first, then 40..56 replayed */
	assert_false(frame(57, STAMP_HELLO, 0));
	for (uint64_t s = 40; s < 45; s++)
		assert_true(frame(s, STAMP_DATA, 0));
	for (uint64_t s = 45; s < 57; s++)
		assert_false(frame(s, STAMP_DATA, 0));
	assert_false(frame(58, STAMP_DATA, 0));		/* 57 was the hello */
	assert_int_equal(in.base, 59);
}

static void hello_never_dup(void **state)
{
	(void)state;
	stamp_start(&in, 1, 1);		/* resume_seq 1 after hello 0 */
	assert_false(frame(0, STAMP_HELLO, 0));
	assert_false(frame(1, STAMP_DATA, 0));
}

static void loss_not_counted_twice(void **state)
{
	(void)state;
	stamp_start(&in, 1, 0);
	for (uint64_t s = 0; s < 150; s++)
		frame(s, STAMP_DATA, 0);
	/* loss frame 200 reports 150..199 */
	assert_false(frame(200, STAMP_OOB, 0));
	stamp_lost(&in, 150, 50, &v);
	assert_int_equal(v.ngaps, 0);
	assert_int_equal(in.base, 201);
	assert_false(frame(201, STAMP_DATA, 0));
}

static void loss_early_then_older_frames(void **state)
{
	(void)state;
	stamp_start(&in, 1, 0);
	frame(0, STAMP_DATA, 0);
	/* loss frame 250 for 100..149, sent before 1..99 and 150..249 */
	assert_false(frame(250, STAMP_OOB, 0));
	stamp_lost(&in, 100, 50, &v);
	assert_int_equal(v.ngaps, 0);
	for (uint64_t s = 1; s < 100; s++)
		assert_false(frame(s, STAMP_DATA, 0));
	assert_false(frame(150, STAMP_DATA, 0));	/* 100..149 reported */
	assert_false(frame(251, STAMP_DATA, 1));	/* 151..249 were not */
	assert_int_equal(v.gap[0].first, 151);
	assert_int_equal(v.gap[0].end, 250);
}

static void loss_partly_unreported(void **state)
{
	(void)state;
	stamp_start(&in, 1, 0);
	frame(0, STAMP_DATA, 0);
	frame(20, STAMP_OOB, 0);
	stamp_lost(&in, 10, 10, &v);		/* agent saw 10..19 go */
	assert_false(frame(21, STAMP_DATA, 1));	/* host also misses 1..9 */
	assert_int_equal(v.gap[0].first, 1);
	assert_int_equal(v.gap[0].end, 10);
}

static void lost_huge_count(void **state)
{
	(void)state;
	stamp_start(&in, 1, 5);
	stamp_lost(&in, 2, UINT64_MAX, &v);
	assert_int_equal(in.base, UINT64_MAX);
	assert_true(frame(7, STAMP_DATA, 0));
}

static void ahead_overflow(void **state)
{
	unsigned i, total = 0;

	(void)state;
	stamp_start(&in, 1, 0);
	frame(0, STAMP_DATA, 0);
	/* more early singletons than the table holds, with holes between */
	for (i = 0; i < HOST_SEQ_AHEAD; i++)
		frame(10 + 2 * i, STAMP_OOB, 0);
	stamp_frame(&in, 100, STAMP_OOB, &v);
	assert_false(v.dup);
	assert_int_equal(v.ngaps, 1);			/* 1..9 forced out */
	assert_int_equal(v.gap[0].first, 1);
	assert_int_equal(v.gap[0].end, 10);
	assert_true(in.nahead <= HOST_SEQ_AHEAD);
	stamp_frame(&in, 101, STAMP_DATA, &v);
	for (i = 0; i < v.ngaps; i++)
		total += (unsigned)(v.gap[i].end - v.gap[i].first);
	/* 11, 13, ..., 23 and 25..99 are the holes left */
	assert_int_equal(total, (HOST_SEQ_AHEAD - 1) + (100 - 25));
	assert_int_equal(in.base, 102);
	assert_int_equal(in.nahead, 0);
}

/* An ack may name the highest seq below which everything is resolved:
 * not past a gap the ahead table still holds open. */
static void ackable(void **state)
{
	uint64_t a;

	(void)state;
	stamp_start(&in, 1, 0);
	assert_int_equal(stamp_ackable(&in, &a), -1);	/* nothing yet */
	for (uint64_t s = 0; s < 10; s++)
		frame(s, STAMP_DATA, 0);
	assert_int_equal(stamp_ackable(&in, &a), 0);
	assert_int_equal(a, 9);
	frame(12, STAMP_OOB, 0);		/* a loss frame ahead of 10, 11 */
	assert_int_equal(stamp_ackable(&in, &a), 0);
	assert_int_equal(a, 9);
	frame(10, STAMP_DATA, 0);
	frame(11, STAMP_DATA, 0);
	assert_int_equal(stamp_ackable(&in, &a), 0);
	assert_int_equal(a, 12);
	stamp_start(&in, 0, 0);			/* unknown start: no ack */
	assert_int_equal(stamp_ackable(&in, &a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_order),
		cmocka_unit_test(gap_then_dup),
		cmocka_unit_test(unknown_start),
		cmocka_unit_test(replay_after_reconnect),
		cmocka_unit_test(hello_never_dup),
		cmocka_unit_test(loss_not_counted_twice),
		cmocka_unit_test(loss_early_then_older_frames),
		cmocka_unit_test(loss_partly_unreported),
		cmocka_unit_test(lost_huge_count),
		cmocka_unit_test(ahead_overflow),
		cmocka_unit_test(ackable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
