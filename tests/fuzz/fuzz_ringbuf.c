/*
 * fuzz_ringbuf.c: libFuzzer target on the BPF ring buffer walk and the
 * record parsers (src/agent/net/net_ringbuf.c, net_bpfrec.c, and the
 * outcome records of net_bpfconn.c, with the sweep's staleness test).
 *
 * Input: byte 0 picks the ring size (64 B .. 4 KiB), byte 1 the consumer
 * position; the rest is written into the ring from there (wrapping) and
 * the producer position is its end.  The ring is an exact-size heap block
 * mapped "twice" (copied), so any read past it is an ASan error.  Every
 * record handed out must lie inside the ring; every record that parses
 * must make an event the wire codec accepts.
 */
#include <stdlib.h>
#include <string.h>
#include "agent/net/net_bpfconn.h"
#include "agent/net/net_bpfrec.h"
#include "agent/net/net_ringbuf.h"
#include "wire/frame.h"

static const uint8_t *lo, *hi;
static struct event ev;
static uint8_t frame[WIRE_MAX_FRAME];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_rec(void *ctx, const uint8_t *p, uint32_t n)
{
	struct netconn c;
	struct netrec r;

	(void)ctx;
	if (p < lo || p + n > hi)
		abort();
	(void)netconn_stale(p, n, 1000000, 1000);
	if (netconn_parse(p, n, &c) == 0)
		netconn_event(&c, &ev);
	else if (netrec_parse(p, n, &r) == 0)
		netrec_event(&r, &ev);
	else
		return;
	if (frame_encode(&ev, WIRE_EXTENDED, frame, sizeof(frame)) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ringbuf_span sp;
	size_t rs, n, i;
	uint8_t *ring;

	if (size < 2)
		return 0;
	rs = (size_t)64 << (data[0] % 7);
	n = size - 2 < rs ? size - 2 : rs;
	ring = calloc(2, rs);
	if (!ring)
		return 0;
	sp.cons = ((uint64_t)data[1] * 8) + 0x100000000ull;
	for (i = 0; i < n; i++)
		ring[(sp.cons + i) & (rs - 1)] = data[2 + i];
	memcpy(ring + rs, ring, rs);
	sp.prod = sp.cons + n;
	lo = ring;
	hi = ring + 2 * rs;
	ringbuf_walk(ring, rs, &sp, 1000, on_rec, NULL);
	if (sp.cons > sp.prod && !sp.bad)
		abort();
	free(ring);
	return 0;
}
