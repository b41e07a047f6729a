/*
 * fuzz_fanotify.c: libFuzzer target on the fanotify pieces of
 * src/agent/fan/: the record walker (fan_msg.c) over any read buffer,
 * and the mountinfo line parser (fan_mountinfo.c) over each line of the
 * same bytes, as the mark management feeds it.
 *
 * No read outside the input; every record handed on lies inside it; a
 * mount point fits its buffer and its NUL.
 */
#include <stdlib.h>
#include <string.h>
#include "agent/fan/fan_mountinfo.h"
#include "agent/fan/fan_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *lo, *hi;

static void on_rec(void *ctx, const struct fan_rec *r)
{
	(void)ctx;
	if (r->info < lo || r->info > hi || r->info_len > (size_t)(hi - r->info))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fan_stats st = { 0 };
	struct fan_mnt m;
	char point[64];
	size_t start = 0, i;

	lo = data, hi = data + size;
	fan_parse(data, size, on_rec, NULL, &st);
	for (i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (fan_mountinfo_parse((const char *)data + start, i - start, &m,
					point, sizeof(point)) == 0 &&
		    (m.point_len >= sizeof(point) || point[m.point_len] ||
		     m.fstype < (const char *)data + start ||
		     m.fstype + m.fstype_len > (const char *)data + i))
			abort();
		start = i + 1;
	}
	return 0;
}
