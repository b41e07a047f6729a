/*
 * fuzz_cnproc.c: libFuzzer target on the proc connector datagram parser.
 * Any bytes: no crash, no read outside the input; every record handed out
 * is one of the four kinds, and the counts add up.
 */
#include <stdlib.h>
#include "agent/proc/proc_cnmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t calls;

static void rec(void *ctx, const struct cnproc_rec *r)
{
	(void)ctx;
	if (r->kind < CNP_FORK || r->kind > CNP_ACK)
		abort();
	calls++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cnproc_stats st = { 0 };

	calls = 0;
	cnproc_parse(data, size, rec, NULL, &st);
	if (st.records != calls)
		abort();
	return 0;
}
