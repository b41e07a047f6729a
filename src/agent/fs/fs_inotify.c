/*
 * fs_inotify.c: walk struct inotify_event records.  The kernel pads
 * `name` with NULs up to `len`; the real name ends at the first NUL.
 */
#include <string.h>
#include <sys/inotify.h>
#include "fs_inotify.h"

long inotify_parse(const void *buf, size_t len,
		   void (*fn)(void *ctx, const struct inotify_rec *r),
		   void *ctx)
{
	const char *p = buf;
	struct inotify_event ie;
	struct inotify_rec r;
	size_t off = 0;
	long n = 0;

	while (len - off >= sizeof(ie)) {
		memcpy(&ie, p + off, sizeof(ie));
		if (ie.len > len - off - sizeof(ie))
			return -1;
		r.wd = ie.wd;
		r.mask = ie.mask;
		r.cookie = ie.cookie;
		r.name = p + off + sizeof(ie);
		r.name_len = strnlen(r.name, ie.len);
		fn(ctx, &r);
		n++;
		off += sizeof(ie) + ie.len;
	}
	return off == len ? n : -1;
}
