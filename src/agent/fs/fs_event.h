/*
 * fs_event.h: what every file event says about the file, whichever
 * mechanism saw it (inotify: fs_track.c; fanotify: fs_fan.c): the path,
 * the entry name, the numeric mask and the names of its events (`op`).
 * inotify and fanotify give the events the same bits (IN_MODIFY ==
 * FAN_MODIFY, IN_ISDIR == FAN_ONDIR, ...), so one table serves both.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "wire/event.h"

/* The event names of mask, comma-joined in bit order ("modify,
 * close_write"), into out[0..cap) with a NUL; the length.  Bits that are
 * not events (isdir, the queue overflow) have no name. */
size_t fs_op_names(uint32_t mask, char *out, size_t cap);
/* Set path, name (when name_len), mask and op on ev. */
void fs_event_file(struct event *ev, const char *path, size_t path_len,
		   const char *name, size_t name_len, uint32_t mask);
