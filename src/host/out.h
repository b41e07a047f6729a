/*
 * out.h: the receiver's output: JSON lines into a bounded buffer, written
 * to one fd (stdout or --out FILE) when a batch is done or the buffer is
 * nearly full, each line signed first when a key is set.
 *
 * Writes block (a slow reader slows the receiver, which slows the guests'
 * sockets; memory never grows).  A write error (a full disk, a closed
 * pipe) loses the lines of that flush: they are counted, the error is
 * logged (rate limited) and out_flush says so, so callers can hold acks.
 * A line cut by an error is ended by a newline before the next write, so
 * the lines after it still parse.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "json.h"
#include "sign.h"

struct out {
	int fd;
	const struct sign_key *key;	/* NULL: unsigned lines */
	char *buf;
	size_t len;
	size_t cap;
	unsigned pending;		/* lines in buf */
	int midline;			/* the last write ended inside a line */
	int failed;			/* a flush lost lines since out_flush
					 * last returned */
	int last_errno;
	uint64_t lines;			/* written whole */
	uint64_t bytes;
	uint64_t lost;			/* lines lost to write errors */
	uint64_t errors;		/* failed flushes */
	uint64_t overflow;		/* lines too long to format (never seen) */
};

/* Set up with a caller's buffer of cap bytes (>= HOST_LINE_MAX). */
void out_init(struct out *o, int fd, char *buf, size_t cap,
	      const struct sign_key *key);
/* Start a line: j writes into the free room (flushing first if less
 * than a whole line is free). */
void out_begin(struct out *o, struct json_buf *j);
/* Finish the line j wrote: sign it, add the newline.  -1 when it did not
 * fit (counted in overflow, the line dropped). */
int out_commit(struct out *o, struct json_buf *j);
/* Write what is buffered.  0 when every line made since the last call
 * was written, -1 when some were lost (here, or in a flush out_begin
 * made to find room). */
int out_flush(struct out *o);
