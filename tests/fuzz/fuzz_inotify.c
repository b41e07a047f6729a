/*
 * fuzz_inotify.c: libFuzzer target on the inotify record parser.  Every
 * record's name must lie inside the input and hold no NUL.
 */
#include <stdlib.h>
#include <string.h>
#include "agent/fs/fs_inotify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *lo, *hi;

static void rec(void *ctx, const struct inotify_rec *r)
{
	(void)ctx;
	if ((const uint8_t *)r->name < lo ||
	    (const uint8_t *)r->name + r->name_len > hi ||
	    memchr(r->name, 0, r->name_len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lo = data;
	hi = data + size;
	inotify_parse(data, size, rec, NULL);
	return 0;
}
