/*
 * encoder.c: ns per frame for our encoder against libcbor building the
 * same map, for a 5-key v1.0 frame and a 15-key exec frame.
 *
 * Before timing, the two encodings are asserted byte-identical, so both
 * sides do the same work.  libcbor builds items on the heap and then
 * serialises them; that is how it is used, and that is what is timed.
 * Prints a table and the ratio libcbor/ours measured in this same run.
 *
 * usage: encoder [-x] [-r v10|exec] [ITERS]
 *   -x  print each frame's name and our bytes in hex (for the cbor2 row of
 *       bench/encoder.py), no timing;  -r  one row only (for callgrind).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cbor.h>
#include "lib/clock.h"
#include "wire/frame.h"

#define ROUNDS 5

static struct event ev5, ev15;
static uint8_t out[WIRE_MAX_FRAME], lout[WIRE_MAX_FRAME];

static cbor_item_t *uint_item(uint64_t v)
{
	if (v <= 0xff)
		return cbor_build_uint8((uint8_t)v);
	if (v <= 0xffff)
		return cbor_build_uint16((uint16_t)v);
	if (v <= 0xffffffffu)
		return cbor_build_uint32((uint32_t)v);
	return cbor_build_uint64(v);
}

static void add(cbor_item_t *m, const char *k, cbor_item_t *v)
{
	struct cbor_pair p = { cbor_move(cbor_build_string(k)), cbor_move(v) };

	cbor_map_add(m, p);
}

static cbor_item_t *text_item(const struct event *ev, int k)
{
	size_t n;
	const char *s = event_text(ev, k, &n);

	return cbor_build_stringn(s, n);
}

/* The same map with libcbor; returns the frame length.  Not inlined, so
 * that callgrind can count its instructions. */
__attribute__((noinline)) static size_t libcbor_encode(const struct event *ev, int profile)
{
	int k, nk = 0;
	cbor_item_t *m;
	size_t n;

	for (k = 0; k < EVK_NKEYS; k++)
		nk += k < EVK_FIRST_EXT || (profile && (ev->has & EVK_BIT(k)));
	m = cbor_new_definite_map((size_t)nk);
	add(m, "content_version", uint_item(profile ? WIRE_V11 : WIRE_V10));
	add(m, "probe_source", cbor_build_string(ps_name(ev->source)));
	add(m, "guest_pid", uint_item(ev->pid));
	add(m, "guest_comm", text_item(ev, EVK_GUEST_COMM));
	add(m, "guest_monotonic_ns", uint_item(ev->mono_ns));
	for (k = EVK_FIRST_EXT; profile && k < EVK_NKEYS; k++) {
		if (!(ev->has & EVK_BIT(k)))
			continue;
		add(m, ev_keys[k].name, ev_keys[k].type == EVT_UINT ?
		    uint_item(event_get_uint(ev, k)) : text_item(ev, k));
	}
	n = cbor_serialize(m, lout + 4, sizeof(lout) - 4);
	cbor_decref(&m);
	lout[0] = (uint8_t)n, lout[1] = (uint8_t)(n >> 8), lout[2] = lout[3] = 0;
	return n + 4;
}

static void setup(void)
{
	static const char argv[] = "/usr/bin/python3\0-c\0import sys; print(sys.argv)";

	event_init(&ev5, PS_PROCESS_SPAWNED, 42, 123456789);
	event_set_text(&ev5, EVK_GUEST_COMM, "sh", 2);
	event_init(&ev15, PS_PROCESS_EXEC, 31337, 5000001000ull);
	event_set_text(&ev15, EVK_GUEST_COMM, "python3", 7);
	event_set_uint(&ev15, EVK_SEQ, 123456);
	event_set_uint(&ev15, EVK_PPID, 31000);
	event_set_uint(&ev15, EVK_START_NS, 5000000500ull);
	event_set_uint(&ev15, EVK_UID, 1000);
	event_set_text(&ev15, EVK_EXE, "/usr/bin/python3.11", 19);
	event_set_text(&ev15, EVK_ARGV, argv, sizeof(argv) - 1);
	event_set_uint(&ev15, EVK_ARGC, 3);
	event_set_uint(&ev15, EVK_TRUNCATED, 0);
	event_set_uint(&ev15, EVK_SYNTHETIC, 0);
	event_set_text(&ev15, EVK_PATH, "/home/user", 10);
}

/* Best-of-ROUNDS ns per call of one encoder. */
static double time_ns(const struct event *ev, int profile, int lib, long iters)
{
	double best = 1e18, ns;
	uint64_t t0;
	long i;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		t0 = clock_mono_ns();
		for (i = 0; i < iters; i++) {
			if (lib)
				libcbor_encode(ev, profile);
			else
				frame_encode(ev, profile, out, sizeof(out));
			__asm__ volatile("" ::: "memory");
		}
		ns = (double)(clock_mono_ns() - t0) / (double)iters;
		best = ns < best ? ns : best;
	}
	return best;
}

static int row(const char *name, const struct event *ev, int profile, long it)
{
	int n = frame_encode(ev, profile, out, sizeof(out));
	size_t ln = libcbor_encode(ev, profile);
	double ours, lib;

	if (n < 0 || (size_t)n != ln || memcmp(out, lout, ln) != 0) {
		fprintf(stderr, "encoder: %s: libcbor bytes differ\n", name);
		return 1;
	}
	ours = time_ns(ev, profile, 0, it);
	lib = time_ns(ev, profile, 1, it);
	printf("%-22s %6d %12.1f %12.1f %8.2fx\n", name, n, ours, lib, lib / ours);
	return 0;
}

static void hex(const char *name, const struct event *ev, int profile)
{
	int i, n = frame_encode(ev, profile, out, sizeof(out));

	printf("%s ", name);
	for (i = 0; i < n; i++)
		printf("%02x", out[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	long it = 1000000;
	int opt, x = 0, rc = 0;

	while ((opt = getopt(argc, argv, "xr:")) != -1) {
		if (opt == 'x')
			x = 1;
		else if (opt == 'r')
			only = optarg;
		else
			return fprintf(stderr, "usage: encoder [-x] [-r v10|exec] "
				       "[ITERS]\n"), 2;
	}
	if (optind < argc)
		it = atol(argv[optind]);
	setup();
	if (x)
		return hex("v10", &ev5, WIRE_STRICT), hex("exec", &ev15, WIRE_EXTENDED), 0;
	printf("%-22s %6s %12s %12s %9s\n", "frame", "bytes", "ours ns",
	       "libcbor ns", "libcbor/ours");
	if (!only || !strcmp(only, "v10"))
		rc |= row("v1.0 spawned (5 keys)", &ev5, WIRE_STRICT, it);
	if (!only || !strcmp(only, "exec"))
		rc |= row("v1.1 exec (15 keys)", &ev15, WIRE_EXTENDED, it);
	return rc;
}
