/*
 * fuzz_fanotify.c: libFuzzer target on the fanotify pieces of
 * src/agent/fan/: the record walker (fan_msg.c) over any read buffer,
 * the info record parser (fan_info.c) over each record's info bytes, as
 * the fs probe feeds it, and the mountinfo line parser (fan_mountinfo.c) over each line of the
 * same bytes, as the mark management feeds it.
 *
 * No read outside the input; every record handed on lies inside it; a
 * mount point fits its buffer and its NUL.
 */
#include <stdlib.h>
#include <string.h>
#include "agent/fan/fan_info.h"
#include "agent/fan/fan_mountinfo.h"
#include "agent/fan/fan_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *lo, *hi;

/* p[0..n) lies inside [a, b). */
static int inside(const void *p, size_t n, const uint8_t *a, const uint8_t *b)
{
	const uint8_t *q = p;

	return q >= a && q <= b && n <= (size_t)(b - q);
}

static void on_rec(void *ctx, const struct fan_rec *r)
{
	const uint8_t *end = r->info + r->info_len;
	struct fan_info fi;

	(void)ctx;
	if (!inside(r->info, r->info_len, lo, hi))
		abort();
	if (fan_info_parse(r->info, r->info_len, &fi) < 0)
		return;
	if ((fi.has_dir && !inside(fi.dir.fh, fi.dir.fh_len, r->info, end)) ||
	    (fi.has_obj && !inside(fi.obj.fh, fi.obj.fh_len, r->info, end)) ||
	    (fi.name_len && !inside(fi.name, fi.name_len, r->info, end)) ||
	    (fi.name_len && memchr(fi.name, '\0', fi.name_len)))
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
