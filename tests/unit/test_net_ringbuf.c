/*
 * test_net_ringbuf.c: the ring buffer walk (src/agent/net/net_ringbuf.c)
 * over rings built by hand the way the kernel writes them: 8-byte headers
 * with the busy and discard bits, 8-byte aligned records, a wrap-around
 * record (readable because the data is mapped twice), a bounded batch
 * and a corrupt header.  The real map is exercised by the integration tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include "agent/net/net_ringbuf.h"

#define SIZE 256
static uint8_t data[2 * SIZE];	/* the kernel maps the data twice */
static uint32_t seen_len[16];
static uint8_t seen_first[16];
static unsigned nseen;

static void on_rec(void *ctx, const uint8_t *p, uint32_t n)
{
	(void)ctx;
	seen_len[nseen] = n;
	seen_first[nseen++] = p[0];
}

/* Write a record of n payload bytes (filled with tag) at position pos;
 * returns the next position. */
static uint64_t put(uint64_t pos, uint32_t n, uint8_t tag, uint32_t bits)
{
	uint32_t hdr = n | bits;
	uint64_t total = (n + BPF_RINGBUF_HDR_SZ + 7) & ~7ull, i;

	for (i = BPF_RINGBUF_HDR_SZ; i < total; i++)
		data[(pos + i) % SIZE] = tag;
	/* Headers are 8-aligned: they never straddle the end. */
	memcpy(&data[pos % SIZE], &hdr, 4);
	memset(&data[(pos + 4) % SIZE], 0, 4);	/* pg_off: unused here */
	memcpy(data + SIZE, data, SIZE);	/* the second mapping */
	return pos + total;
}

static void reset(void)
{
	memset(data, 0, sizeof(data));
	nseen = 0;
}

static void walk_records(void **state)
{
	struct ringbuf_span sp = { 0 };
	uint64_t end;

	(void)state;
	reset();
	end = put(0, 88, 'a', 0);
	end = put(end, 5, 'b', BPF_RINGBUF_DISCARD_BIT);
	end = put(end, 1, 'c', 0);
	sp.prod = end;
	assert_int_equal(ringbuf_walk(data, SIZE, &sp, 100, on_rec, NULL), 2);
	assert_false(sp.bad);
	assert_int_equal(sp.cons, end);
	assert_int_equal(nseen, 2);
	assert_int_equal(seen_len[0], 88);
	assert_int_equal(seen_first[0], 'a');
	assert_int_equal(seen_len[1], 1);
	assert_int_equal(seen_first[1], 'c');
}

static void busy_stops(void **state)
{
	struct ringbuf_span sp = { 0 };
	uint64_t mid, end;

	(void)state;
	reset();
	mid = put(0, 16, 'a', 0);
	end = put(mid, 16, 'b', BPF_RINGBUF_BUSY_BIT);
	sp.prod = end;
	assert_int_equal(ringbuf_walk(data, SIZE, &sp, 100, on_rec, NULL), 1);
	assert_int_equal(sp.cons, mid);		/* waits for the writer */
	assert_false(sp.bad);
}

static void wraps_and_batches(void **state)
{
	struct ringbuf_span sp;
	uint64_t pos = 200, end;	/* consumer near the end of the ring */

	(void)state;
	reset();
	end = put(pos, 88, 'w', 0);	/* runs past SIZE */
	end = put(end, 8, 'x', 0);
	end = put(end, 8, 'y', 0);
	sp.cons = pos;
	sp.prod = end;
	assert_int_equal(ringbuf_walk(data, SIZE, &sp, 2, on_rec, NULL), 2);
	assert_int_equal(seen_first[0], 'w');
	assert_int_equal(seen_first[1], 'x');
	assert_true(sp.cons < end);
	assert_int_equal(ringbuf_walk(data, SIZE, &sp, 2, on_rec, NULL), 1);
	assert_int_equal(seen_first[2], 'y');
	assert_int_equal(sp.cons, end);
}

static void corrupt_header(void **state)
{
	struct ringbuf_span sp = { 0 };

	(void)state;
	reset();
	put(0, 300, 'z', 0);	/* longer than the ring */
	sp.prod = 512;
	assert_int_equal(ringbuf_walk(data, SIZE, &sp, 100, on_rec, NULL), 0);
	assert_true(sp.bad);
	assert_int_equal(sp.cons, 0);
	reset();
	put(0, 16, 'z', 0);
	sp.cons = 0;
	sp.prod = 12;		/* the producer cannot be inside a record */
	assert_int_equal(ringbuf_walk(data, SIZE, &sp, 100, on_rec, NULL), 0);
	assert_true(sp.bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk_records),
		cmocka_unit_test(busy_stops),
		cmocka_unit_test(wraps_and_batches),
		cmocka_unit_test(corrupt_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
