/*
 * fan_msg.h: pure parser of what read(2) returns on a fanotify fd: event
 * records (struct fanotify_event_metadata) back to back, each perhaps
 * followed by info records (FAN_REPORT_FID and the like), handed on as
 * bytes.  Shared by the probes that read fanotify (the process probe's
 * exec opens; file events next).
 *
 * Every record carries an fd the reader now owns (FAN_NOFD for none, as
 * in an overflow record): the callback must close it.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct fan_rec {
	uint64_t mask;		/* FAN_OPEN_EXEC, FAN_Q_OVERFLOW, ... */
	int32_t fd;		/* an open fd of the object, or FAN_NOFD */
	int32_t pid;		/* the acting process (0: not in our pid ns) */
	const uint8_t *info;	/* info records after the metadata */
	size_t info_len;
};

struct fan_stats {
	uint64_t records;	/* records handed to the callback */
	uint64_t overflow;	/* FAN_Q_OVERFLOW records among them */
	uint64_t malformed;	/* a header that cannot be framed: the rest of the read */
};

typedef void fan_fn(void *ctx, const struct fan_rec *r);

/* Walk buf[0..len), calling fn for each record.  A header of another
 * version or whose lengths do not fit stops the walk (counted). */
void fan_parse(const void *buf, size_t len, fan_fn *fn, void *ctx,
	       struct fan_stats *st);
