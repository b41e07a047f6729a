/*
 * fs_inotify.h: pure parser for the records read(2) returns from an
 * inotify fd.  The fd is fs_ops.c's, the watch table and events
 * fs_track.c's.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct inotify_rec {
	int32_t wd;
	uint32_t mask;
	uint32_t cookie;
	const char *name;	/* points into the buffer; not NUL-terminated */
	size_t name_len;	/* 0 when the event is about the watch itself */
};

/* Call fn for each whole record in buf[0..len).  Returns the number of
 * records, or -1 when a record runs past the end (the rest is dropped). */
long inotify_parse(const void *buf, size_t len,
		   void (*fn)(void *ctx, const struct inotify_rec *r),
		   void *ctx);
