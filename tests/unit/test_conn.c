/*
 * test_conn.c: the frame reader (src/host/conn.c): frames whole, split at
 * every byte, several per read; a bad body drops one frame and keeps the
 * stream; FrameTooLarge (4097, 4 GiB) kills the stream; a tail at the end
 * is ShortHeader or FrameTruncated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "golden.h"
#include "host/conn.h"
#include "wire/frame.h"

static struct conn_rd rd;
static struct event scratch;
static uint8_t golden[128];
static size_t glen;

/* What the callback saw. */
static struct { int n; int err[16]; size_t len[16]; uint64_t pid[16]; } seen;

static void cb(void *arg, int err, const struct event *ev, size_t n)
{
	(void)arg;
	if (seen.n < 16) {
		seen.err[seen.n] = err;
		seen.len[seen.n] = n;
		seen.pid[seen.n] = ev ? ev->pid : 0;
	}
	seen.n++;
}

static int setup(void **state)
{
	(void)state;
	glen = golden_frame(golden, sizeof(golden));
	assert_int_equal(glen, 103);
	memset(&seen, 0, sizeof(seen));
	conn_init(&rd);
	return 0;
}

static int feed(const uint8_t *p, size_t n)
{
	return conn_feed(&rd, p, n, &scratch, cb, NULL);
}

static void whole_and_split(void **state)
{
	uint8_t two[256];
	size_t cut;

	(void)state;
	memcpy(two, golden, glen);
	memcpy(two + glen, golden, glen);
	for (cut = 0; cut <= 2 * glen; cut++) {
		setup(NULL);
		assert_int_equal(feed(two, cut), 0);
		assert_int_equal(feed(two + cut, 2 * glen - cut), 0);
		assert_int_equal(seen.n, 2);
		assert_int_equal(seen.err[0], 0);
		assert_int_equal(seen.err[1], 0);
		assert_int_equal(seen.len[1], glen);
		assert_int_equal(seen.pid[1], 42);
		assert_int_equal(conn_end(&rd, cb, NULL), 0);
	}
}

static void byte_by_byte(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < glen; i++)
		assert_int_equal(feed(golden + i, 1), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.pid[0], 42);
}

static void bad_body_keeps_stream(void **state)
{
	uint8_t s[512];

	(void)state;
	memcpy(s, golden, glen);
	s[4] = 0x85;			/* an array, not a map */
	memcpy(s + glen, golden, glen);
	assert_int_equal(feed(s, 2 * glen), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.err[0], WIRE_E_UNSUPPORTED_MAJOR);
	assert_int_equal(seen.len[0], glen);
	assert_int_equal(seen.err[1], 0);
}

static void too_large(void **state)
{
	static const uint8_t big[][4] = { { 0x01, 0x10, 0, 0 },
					  { 0xff, 0xff, 0xff, 0xff } };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		setup(NULL);
		assert_int_equal(feed(golden, glen), 0);
		assert_int_equal(feed(big[i], 2), 0);	/* split prefix */
		assert_int_equal(feed(big[i] + 2, 2), WIRE_E_FRAME_TOO_LARGE);
		assert_int_equal(seen.n, 2);
		assert_int_equal(seen.err[1], WIRE_E_FRAME_TOO_LARGE);
		assert_int_equal(seen.len[1], i == 0 ? 4101 : 4 + 0xffffffffull);
		/* nothing after it is trusted */
		assert_int_equal(feed(golden, glen), WIRE_E_FRAME_TOO_LARGE);
		assert_int_equal(seen.n, 2);
		assert_int_equal(conn_end(&rd, cb, NULL), 0);
	}
}

static void max_body_fits(void **state)
{
	static uint8_t f[WIRE_MAX_FRAME];

	(void)state;
	memset(f, 0, sizeof(f));
	f[1] = 0x10;			/* 4096 */
	f[4] = 0xa0;			/* an empty map, then trailing bytes */
	assert_int_equal(feed(f, 1000), 0);
	assert_int_equal(feed(f + 1000, sizeof(f) - 1000), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.err[0], WIRE_E_MISSING_FIELD);
	assert_int_equal(seen.len[0], WIRE_MAX_FRAME);
}

static void tails(void **state)
{
	(void)state;
	assert_int_equal(feed(golden, 3), 0);
	assert_int_equal(conn_end(&rd, cb, NULL), WIRE_E_SHORT_HEADER);
	setup(NULL);
	assert_int_equal(feed(golden, glen - 1), 0);
	assert_int_equal(conn_end(&rd, cb, NULL), WIRE_E_FRAME_TRUNCATED);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.len[0], glen - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(whole_and_split, setup),
		cmocka_unit_test_setup(byte_by_byte, setup),
		cmocka_unit_test_setup(bad_body_keeps_stream, setup),
		cmocka_unit_test_setup(too_large, setup),
		cmocka_unit_test_setup(max_body_fits, setup),
		cmocka_unit_test_setup(tails, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
